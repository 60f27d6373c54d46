"""Reading and writing directory entries: all-or-nothing saves, export, staleness, counts."""

import logging
from datetime import date, timedelta
from typing import Dict, Iterable, List

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.directory.entries import Entry, entry_from_row, fill_row
from bot.directory.models import Organisation, Service, ServiceArea

logger = logging.getLogger(__name__)

STATISTICS_TABLES = ("directory_organisations", "directory_services", "directory_service_areas")


def _organisations(session: Session, names: Iterable[str]) -> Dict[str, Organisation]:
    wanted = set(names)
    query = select(Organisation).where(Organisation.name.in_(wanted))
    found = {organisation.name: organisation for organisation in session.execute(query).scalars()}
    for name in wanted - found.keys():
        found[name] = Organisation(name=name)
        session.add(found[name])
    return found


def save(engine: Engine, entries: List[Entry]) -> int:
    """Adds or replaces (by key) every entry in one transaction: all are saved, or none."""
    with Session(engine, future=True) as session, session.begin():
        organisations = _organisations(session, (entry.organisation for entry in entries))
        keys = [entry.key for entry in entries]
        existing = {
            service.key: service
            for service in session.execute(
                select(Service).where(Service.key.in_(keys)).options(selectinload(Service.areas))
            ).scalars()
        }
        for entry in entries:
            service = existing.get(entry.key) or Service()
            fill_row(service, entry)
            service.organisation = organisations[entry.organisation]
            service.areas = [ServiceArea(area_key=area) for area in entry.areas]
            session.add(service)
    _refresh_statistics(engine)
    logger.info("Saved %d directory entries.", len(entries))
    return len(entries)


def _refresh_statistics(engine: Engine) -> None:
    """ANALYZE after an import, so the query planner knows the new sizes at once (PostgreSQL would
    otherwise plan look-ups on a fresh import as a table scan until autovacuum catches up)."""
    with engine.begin() as connection:
        for table in STATISTICS_TABLES:
            connection.execute(text(f"ANALYZE {table}"))


def _load(session: Session, *conditions: object) -> List[Entry]:
    query = (
        select(Service)
        .options(selectinload(Service.areas), selectinload(Service.organisation))
        .where(*conditions)
        .order_by(Service.key)
    )
    return [entry_from_row(service) for service in session.execute(query).scalars()]


def all_entries(engine: Engine) -> List[Entry]:
    """Every entry, by key (what export writes)."""
    with Session(engine, future=True) as session:
        return _load(session)


def stale(engine: Engine, days: int, today: date) -> List[Entry]:
    """Entries last verified more than `days` days before `today`, oldest first."""
    with Session(engine, future=True) as session:
        entries = _load(session, Service.verified_on < today - timedelta(days=days))
    return sorted(entries, key=lambda entry: (entry.verified_on, entry.key))


def count(engine: Engine) -> int:
    """How many services the directory holds."""
    with Session(engine, future=True) as session:
        return int(session.execute(select(func.count(Service.id))).scalar_one())
