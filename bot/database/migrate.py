"""Brings every Haven table up to date with the one Alembic chain (migrations/); safe on every start.

The chain imports no table definitions: each migration says what it creates, so this package needs
nothing from the packages whose tables it migrates. `tools/new_migration.py` hands the tables to Alembic
when a developer autogenerates a new revision, and tests/database/ checks the chain matches them.
"""

import logging
from pathlib import Path
from typing import Any, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.database.schema import METADATA

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "directory_alembic_version"
"""Its own version table, so Rasa's tables share the database. Named when the chain held only the
directory's tables; renaming it would make existing deployments run the chain again."""


def include_name(name: Optional[str], type_: str, _: Any) -> bool:
    """Autogenerate compares only Haven's own tables (those on METADATA), never Rasa's `events`."""
    return type_ != "table" or name in METADATA.tables


def alembic_config() -> Config:
    """Alembic's config for the chain, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Applies every migration not yet applied to `engine`'s database."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    logger.info("Haven's tables are at revision %s.", revision)
