"""`python -m tools.new_migration "what and why"`: autogenerate the next Alembic revision for Haven's tables.

The chain in bot/database/ imports no table definitions; this developer tool hands them to Alembic, so
the revision compares every table on bot.database.schema.METADATA with the database HAVEN_DATABASE_URL
names (migrated to head first). Review the generated file before committing it.
"""

import argparse
import logging
import sys
from typing import List, Optional

from alembic import command

import bot.directory.models
import bot.handoff.models
import bot.staff.models
from bot.database.engine import default_engine
from bot.database.migrate import alembic_config, upgrade
from bot.database.schema import METADATA

logger = logging.getLogger(__name__)
TABLE_MODULES = (bot.directory.models, bot.staff.models, bot.handoff.models)
"""Imported for their tables: each defines its tables on METADATA."""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", help="what the revision changes, and why")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    engine = default_engine()
    upgrade(engine)
    config = alembic_config()
    config.attributes["target_metadata"] = METADATA
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=args.message, autogenerate=True)
    logger.info("Tables compared: %s.", ", ".join(sorted(METADATA.tables)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
