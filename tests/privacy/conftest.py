"""Tracker stores for the privacy tests: SQLite always; PostgreSQL when running, and always in CI."""

import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from bot.assistant.tracker_store import RedactingSQLTrackerStore

PG: Dict[str, Any] = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": "test", "username": "postgres"}


def _postgres_available() -> bool:
    try:
        with sa.create_engine(RedactingSQLTrackerStore.get_db_url(**PG)).connect():
            return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture
def sqlite_store(tmp_path: Path) -> RedactingSQLTrackerStore:
    """The redacting store on a fresh SQLite file, as `make run` uses it."""
    return RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "haven.db"))


@pytest.fixture
def pg_store() -> Iterator[RedactingSQLTrackerStore]:
    """The redacting store on the real PostgreSQL, its connections named so a test can cut only them."""
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("CI needs PostgreSQL on 127.0.0.1:5432 (db `test`, trust auth).")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (these tests always run in CI).")
    name = f"haven-test-{uuid.uuid4().hex[:12]}"
    store = RedactingSQLTrackerStore(Domain.empty(), query={"application_name": name}, **PG)
    store.application_name = name
    yield store
    store.engine.dispose()


def stored_rows(store: RedactingSQLTrackerStore, sender: str) -> List[Dict[str, Any]]:
    """The events stored for `sender`, as the JSON the store wrote."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender}
        )
        return [json.loads(row[0]) for row in rows]
