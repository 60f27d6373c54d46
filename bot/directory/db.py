"""Where the directory lives: the project's one database, `HAVEN_DATABASE_URL` (bot/settings.py).

The default is the SQLite file Rasa's tracker store uses too (`var/haven.db`, relative to the repo), so a
fresh clone needs no set-up; PostgreSQL works the same way with a `postgresql://` URL.
"""

import logging
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine

from bot.settings import database_url

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 10
"""Rasa writes conversations to the same SQLite file: wait for its lock rather than fail."""


def _enforce_foreign_keys(dbapi_connection: object, _: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **options: object) -> Engine:
    """An engine for `url`; SQLite gets its folder created, foreign keys on and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_S})
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _enforce_foreign_keys)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The engine for `database_url()`, made once per process."""
    url = database_url()
    logger.debug("Directory database: %s", make_url(url).render_as_string(hide_password=True))
    return make_engine(url)
