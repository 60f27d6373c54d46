"""The one engine factory: every process opens Haven's one database (`HAVEN_DATABASE_URL`, bot/settings.py)
through `make_engine`, so SQLite and PostgreSQL are tuned the same way everywhere.

The default is the SQLite file Rasa's tracker store uses too (`var/haven.db`, relative to the repo), so a
fresh clone needs no set-up. A SQLite file gets pooled connections (SQLAlchemy 1.4 opens a new one per
session otherwise), write-ahead logging with `synchronous=NORMAL` (each commit waits for fewer fsyncs: a
committed turn survives a crash of any process, a power cut may lose the last turns), foreign keys on,
and a busy timeout so one process waits for another's write rather than failing. Deleted rows are overwritten
(`secure_delete`), so an erased conversation is not left in the file's free pages; the file and its `-wal`
and `-shm` companions are readable by their owner only (SQLite gives the companions the file's mode).
A database server's connections are checked before use (`pool_pre_ping`), so a restarted server costs
nothing. No engine puts a statement's parameters in an error message: they are what a survivor wrote,
and error messages reach the logs.
"""

import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import QueuePool

from bot.file_modes import OWNER_ONLY, make_private
from bot.settings import database_url

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 10
"""Rasa, the gateway and the action server write to the same SQLite file: wait for its lock rather than fail."""
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
)
IN_MEMORY_SQLITE = ("", ":memory:")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside the database: they hold recent rows too."""


def _tune_sqlite(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _private_sqlite_file(database: Path) -> None:
    """The database file exists and is its owner's only before SQLite opens it, and so are its companions."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_CREAT | os.O_WRONLY, OWNER_ONLY))  # an empty file is an empty database
    for path in (database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)):
        make_private(path)


def make_engine(url: str | URL, future: bool = True, **options: Any) -> Engine:
    """An engine for `url`, tuned as the module says. `future=False` gives SQLAlchemy's legacy engine, which
    Rasa's own tracker store code expects; `options` go to `create_engine` (Rasa's PostgreSQL options)."""
    parsed = make_url(url)
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, future=future, **options)
    if (parsed.database or "") in IN_MEMORY_SQLITE:
        return sa.create_engine(url, future=future, **options)
    _private_sqlite_file(Path(parsed.database or ""))
    options.setdefault("poolclass", QueuePool)
    options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
    engine = sa.create_engine(url, future=future, **options)
    sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The engine for `database_url()`, made once per process."""
    url = database_url()
    logger.debug("Database: %s", make_url(url).render_as_string(hide_password=True))
    return make_engine(url)
