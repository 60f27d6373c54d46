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

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Engine, Row

from bot.directory.areas import positions, specificity
from bot.directory.entries import Entry, entry_from_columns
from bot.directory.models import Organisation, Service, ServiceArea
from bot.hours import parse_hours

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


def _candidates(
    connection: Connection, chain: Sequence[str], need: Optional[str], who_for: Optional[str]
) -> List[Entry]:
    """Services covering any area of `chain`, each with all its areas: one round trip to the database.

    The text filters only narrow what is fetched; `_fits` then checks each list exactly.
    """
    services, organisations, areas = Service.__table__, Organisation.__table__, ServiceArea.__table__
    matching = select(areas.c.service_id).where(areas.c.area_key.in_(list(chain)))
    query = (
        select(services, organisations.c.name.label("organisation_name"), areas.c.area_key)
        .join(organisations, organisations.c.id == services.c.organisation_id)
        .join(areas, areas.c.service_id == services.c.id)
        .where(services.c.id.in_(matching), services.c.topics == "")
    )
    if need:
        query = query.where(services.c.needs.contains(need, autoescape=True))
    if who_for:
        query = query.where(or_(services.c.who_for == "", services.c.who_for.contains(who_for, autoescape=True)))
    rows: Dict[int, List[Row]] = {}
    for row in connection.execute(query):
        rows.setdefault(row.id, []).append(row)
    return [
        entry_from_columns(group[0], group[0].organisation_name, [row.area_key for row in group])
        for group in rows.values()
    ]


def search(
    engine: Engine,
    chain: List[str],
    need: Optional[str] = None,
    who_for: Optional[str] = None,
    now: Optional[datetime] = None,
) -> List[Match]:
    """Every service covering an area in `chain` that fits `need` and `who_for`, best first."""
    with engine.connect() as connection:
        entries = _candidates(connection, chain, need, who_for)
    chain_positions = positions(chain)
    matches = [
        Match(entry, specificity(chain_positions, entry.areas), parse_hours(entry.hours).is_open(now))
        for entry in entries
        if _fits(entry, need, who_for)
    ]
    matches.sort(key=Match.rank)
    logger.debug("Search over %d areas: %d candidates, %d matches.", len(chain), len(entries), len(matches))
    return matches
