"""Haven databases as a deployment has them, on SQLite files and on the real PostgreSQL server.

Each test gets databases of its own: SQLite files under tmp_path, or PostgreSQL databases created with unique
names (haven_test_<uuid>) and dropped afterwards. A populated database holds what a running Haven writes: its
tables migrated by the one Alembic chain, the services directory seeded, staff accounts, and conversations
stored through Haven's own tracker store (Rasa's `events` table, as Rasa creates it).
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.database import migrate
from bot.database.engine import make_engine
from bot.directory import seed
from bot.ops.sealed import new_key
from bot.settings import ROOT
from bot.staff import accounts
from tests.conftest import needs_server

POSTGRES_ADMIN_URL = os.environ.get("HAVEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "Backups-are-proven-by-restoring-93"
STAFF = (("alex.admin", "Alex", "admin"), ("sam.worker", "Sam", "support_worker"))
DAY = 86_400.0
EVENTS_PER_CONVERSATION = 3
TODAY = date(2026, 11, 21)

NewDatabase = Callable[[], str]


def _admin() -> Engine:
    return make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _drop(name: str) -> None:
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_databases(tmp_path: Path) -> NewDatabase:
    """Makes URLs of new SQLite files (created by whoever first writes them)."""
    return lambda: f"sqlite:///{tmp_path / f'haven-{uuid.uuid4().hex[:8]}.db'}"


@pytest.fixture
def postgresql_databases() -> Iterator[NewDatabase]:
    """Makes new, empty PostgreSQL databases of the test's own, dropped afterwards."""
    created: List[str] = []

    def create() -> str:
        name = f"haven_test_{uuid.uuid4().hex[:12]}"
        admin = _admin()
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except OperationalError as error:
            needs_server(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error.orig})")
        finally:
            admin.dispose()
        created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield create
    for name in created:
        _drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: Any) -> NewDatabase:
    """Each test that uses it runs twice: on SQLite files and on PostgreSQL databases."""
    return request.getfixturevalue(f"{request.param}_databases")


def tracker_store(url: str) -> RedactingSQLTrackerStore:
    """Haven's tracker store on `url`, as Rasa opens it from endpoints.yml (`url: ${HAVEN_DATABASE_URL}`)."""
    return RedactingSQLTrackerStore(Domain.empty(), host=url)


def save_conversation(store: RedactingSQLTrackerStore, days_ago: float, words: str = "is there a refuge") -> str:
    """One conversation of EVENTS_PER_CONVERSATION events, last active `days_ago`; saved as Rasa saves a turn."""
    sender = uuid.uuid4().hex
    when = time.time() - days_ago * DAY
    events = [ActionExecuted("action_listen", timestamp=when), UserUttered(words, timestamp=when + 1),
              BotUttered("There are refuges across the UK.", timestamp=when + 2)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    return sender


@dataclass
class Populated:
    """A database as a running Haven leaves it, and the conversations put in it."""

    url: str
    old: str
    recent: Tuple[str, ...]
    store: RedactingSQLTrackerStore


def migrated(url: str) -> str:
    """`url` with Haven's tables created and empty, as a first start leaves a database before seeding."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def populate(url: str) -> Populated:
    """Migrates, seeds the directory, adds staff and stores conversations (one 40 days old)."""
    engine = make_engine(migrated(url))
    seed.seed(engine, TODAY)
    for username, display_name, role in STAFF:
        accounts.create(engine, username, display_name, role, PASSWORD)
    engine.dispose()
    store = tracker_store(url)
    old = save_conversation(store, 40)
    recent = tuple(save_conversation(store, days) for days in (2, 0))
    return Populated(url, old, recent, store)


def snapshot(url: str) -> Dict[str, Any]:
    """Everything a restore must bring back, read straight from the tables."""
    engine = make_engine(url)
    with engine.connect() as connection:
        events = connection.execute(
            sa.text("SELECT sender_id, type_name, timestamp, data FROM events ORDER BY sender_id, id")
        ).all()
        services = connection.execute(sa.text("SELECT key, name, phone FROM directory_services ORDER BY key")).all()
        staff = connection.execute(
            sa.text("SELECT username, display_name, role, password_hash FROM staff_accounts ORDER BY username")
        ).all()
    engine.dispose()
    return {"events": [tuple(row) for row in events], "services": [tuple(row) for row in services],
            "staff": [tuple(row) for row in staff]}


def tables(url: str) -> List[str]:
    """The tables in the database at `url` (none for an SQLite file nobody has written yet)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return []
    engine = make_engine(url)
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
    engine.dispose()
    return list(names)


def conversations(url: str) -> Dict[str, int]:
    """Each stored conversation with its number of events."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return {str(sender): int(count) for sender, count in rows}


@pytest.fixture
def backup_key() -> str:
    return new_key()


def run_ops(database_url: str, key: str, *args: str, **env: str) -> "subprocess.CompletedProcess[str]":
    """`python -m bot.ops ...` as the charity runs it, with HAVEN_DATABASE_URL and HAVEN_BACKUP_KEY set."""
    environment = {**os.environ, "HAVEN_DATABASE_URL": database_url, "HAVEN_BACKUP_KEY": key,
                   "RASA_TELEMETRY_ENABLED": "false", **env}
    return subprocess.run([sys.executable, "-m", "bot.ops", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)
