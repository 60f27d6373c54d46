"""What a Haven database holds, in the words a charity uses: conversations, services, staff accounts.

Used to say what a backup holds and what a restore brought back, and to refuse a restore into a database
that already holds anything (a row in any table but Alembic's version table).
"""

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from bot.database.engine import make_engine
from bot.database.migrate import VERSION_TABLE
from bot.privacy.erasure import EVENTS

logger = logging.getLogger(__name__)

NOT_DATA = frozenset({VERSION_TABLE})
"""Written by every migration, even into an empty database: its row is not the charity's data."""
INTERNAL_PREFIX = "sqlite_"
"""SQLite's own tables (sqlite_stat1: the statistics ANALYZE keeps) are not the charity's data either."""


def read_only_engine(url: "str | URL") -> Engine:
    """An engine that can only read: for an SQLite file, a read-only connection (the engine factory would
    create a missing file, make it private and switch it to write-ahead logging); a server as usual."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return make_engine(parsed)
    location = f"{Path(parsed.database or '').resolve().as_uri()}?mode=ro"
    return make_engine("sqlite://", creator=lambda: sqlite3.connect(location, uri=True, check_same_thread=False))


@dataclass(frozen=True)
class Contents:
    """How many of each thing a database holds."""

    conversations: int
    services: int
    staff_accounts: int

    def describe(self) -> str:
        return ", ".join((_counted(self.conversations, "conversation"),
                          _counted(self.services, "service") + " in the directory",
                          _counted(self.staff_accounts, "staff account")))


def _counted(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' * (number != 1)}"


def _count(connection: Connection, tables: List[str], table: str, expression: str) -> int:
    if table not in tables:
        return 0
    return int(connection.execute(sa.text(f"SELECT {expression} FROM {table}")).scalar_one())


def contents(connection: Connection) -> Contents:
    """What the database on `connection` holds (tables not created yet hold nothing)."""
    tables = sa.inspect(connection).get_table_names()
    return Contents(
        _count(connection, tables, EVENTS.name, f"COUNT(DISTINCT {EVENTS.conversation_column})"),
        _count(connection, tables, "directory_services", "COUNT(*)"),
        _count(connection, tables, "staff_accounts", "COUNT(*)"),
    )


def rows_held(connection: Connection) -> Dict[str, int]:
    """Each table that holds rows, with how many: empty when the database holds no data at all."""
    held = {}
    for table in sa.inspect(connection).get_table_names():
        if table in NOT_DATA or table.startswith(INTERNAL_PREFIX):
            continue
        rows = int(connection.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())
        if rows:
            held[table] = rows
    return held
