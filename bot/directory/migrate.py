"""Brings the directory's tables up to date with Alembic; safe to run on every start (idempotent)."""

import logging
from pathlib import Path
from typing import Any, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.directory.models import metadata
from bot.handoff.models import metadata as handoff_metadata

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "directory_alembic_version"
"""Its own version table, so other parts of Haven (and Rasa) can share the database."""


def include_name(name: Optional[str], type_: str, _: Any) -> bool:
    """Autogenerate compares only Haven's own tables (directory, handoff), never Rasa's `events`."""
    return type_ != "table" or name in metadata.tables or name in handoff_metadata.tables


def alembic_config() -> Config:
    """Alembic's config for the directory's migrations, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Applies every migration not yet applied to `engine`'s database."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    logger.info("Directory tables are at revision %s.", revision)
