"""Finding services for a place, ranked the way a support worker would read them out.

Order: local services before national ones; among them, the service covering the most specific
area first (the district, then the borough, county, region, nation); then open now before closed
before unknown hours; then by name. A need narrows the list to services offering it; a group
("men", "lgbt") to services for that group or for anyone. Services about one topic only (stalking,
forced marriage...) are offered by the conversation about that topic, not by a search by place.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.directory.areas import specificity
from bot.directory.entries import Entry, entry_from_row
from bot.directory.hours import parse_hours
from bot.directory.models import Service, ServiceArea

logger = logging.getLogger(__name__)

OPEN_ORDER: Dict[Optional[bool], int] = {True: 0, False: 1, None: 2}


@dataclass(frozen=True)
class Match:
    """A service found for a place: how closely its area fits, and whether it is open at search time."""

    entry: Entry
    specificity: int
    open_now: Optional[bool]

    def rank(self) -> tuple:
        return (self.entry.national, self.specificity, OPEN_ORDER[self.open_now], self.entry.name.lower())


def _fits(entry: Entry, need: Optional[str], who_for: Optional[str]) -> bool:
    if entry.topics:
        return False
    if need and need not in entry.needs:
        return False
    return not (who_for and entry.who_for and who_for not in entry.who_for)


def _candidates(session: Session, chain: Sequence[str]) -> List[Entry]:
    matching = select(ServiceArea.service_id).where(ServiceArea.area_key.in_(list(chain)))
    query = (
        select(Service)
        .where(Service.id.in_(matching))
        .options(selectinload(Service.areas), selectinload(Service.organisation))
    )
    return [entry_from_row(service) for service in session.execute(query).scalars()]


def search(
    engine: Engine,
    chain: List[str],
    need: Optional[str] = None,
    who_for: Optional[str] = None,
    now: Optional[datetime] = None,
) -> List[Match]:
    """Every service covering an area in `chain` that fits `need` and `who_for`, best first."""
    with Session(engine, future=True) as session:
        entries = _candidates(session, chain)
    matches = [
        Match(entry, specificity(chain, entry.areas), parse_hours(entry.hours).is_open(now))
        for entry in entries
        if _fits(entry, need, who_for)
    ]
    matches.sort(key=Match.rank)
    logger.debug("Search over %d areas: %d candidates, %d matches.", len(chain), len(entries), len(matches))
    return matches
