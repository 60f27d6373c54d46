"""The handoff tables on SQLite and on the real PostgreSQL (migrated by the same chain as the directory)."""

from typing import Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from bot.handoff.models import audit_log, handoff_notes, handoffs
from bot.staff import accounts
from bot.staff.models import quick_replies, staff_accounts, staff_sessions
from tests.directory.conftest import migrated_engine  # noqa: F401 (SQLite and PostgreSQL, per module)

PASSWORD = "a long enough password"


@pytest.fixture
def db(migrated_engine: Engine) -> Iterator[Engine]:  # noqa: F811
    """The module's database with no staff, queue or audit rows."""
    with migrated_engine.begin() as connection:
        for table in (staff_sessions, handoff_notes, audit_log, handoffs, quick_replies, staff_accounts):
            connection.execute(delete(table))
    yield migrated_engine


def worker(engine: Engine, username: str, role: str = "support_worker") -> accounts.Account:
    return accounts.create(engine, username, username.capitalize(), role, PASSWORD)
