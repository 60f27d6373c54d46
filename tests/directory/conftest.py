"""The directory test suite runs twice: on SQLite and on the real PostgreSQL server.

PostgreSQL tests use their own schema (dropped afterwards), so parallel runs never collide. They
are skipped only outside CI, and only when no server answers at HAVEN_TEST_POSTGRES_URL.
"""

import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.database import migrate
from bot.database.engine import make_engine
from bot.directory import store
from bot.directory.areas import UK
from bot.directory.entries import Entry
from bot.directory.models import Organisation, Service, ServiceArea

POSTGRES_URL = os.environ.get("HAVEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 21)


def _postgres_engine(schema: str) -> Engine:
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        reason = f"PostgreSQL is not reachable at {POSTGRES_URL} ({error.orig})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        admin.dispose()
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


def _drop_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated_engine(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database with the directory's tables, once per test module and backend."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("directory") / "haven.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"haven_directory_test_{uuid.uuid4().hex[:10]}"
    engine = _postgres_engine(schema)
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        _drop_schema(schema)


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """The module's database, emptied before each test."""
    with migrated_engine.begin() as connection:
        for table in (ServiceArea, Service, Organisation):
            connection.execute(delete(table))
    yield migrated_engine


def entry(key: str, areas: Tuple[str, ...] = (UK,), **fields: Any) -> Entry:
    """A valid entry with sensible defaults, for tests to vary one thing at a time."""
    values: dict = {
        "organisation": "Test Organisation",
        "name": key.replace("-", " ").title(),
        "description": "Support for survivors.",
        "needs": ("outreach",),
        "verified_on": TODAY,
        "source": "test",
        "phone": "0808 2000 247",
    }
    values.update(fields)
    return Entry(key=key, areas=areas, **values)


def saved(engine: Engine, entries: List[Entry]) -> List[Entry]:
    store.save(engine, entries)
    return entries
