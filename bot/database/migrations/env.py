"""Alembic environment for all of Haven's tables (directory, staff, handoff), with its own version table.

Run through `bot.database.migrate.upgrade` (the gateway at start, `python -m bot.directory migrate`), which
hands over a connection; `python -m tools.new_migration` also hands over the tables' metadata so Alembic
can autogenerate a revision. Run as `alembic -c bot/database/alembic.ini upgrade head` it connects to
HAVEN_DATABASE_URL itself. Without the metadata, `--autogenerate` is refused rather than guessing.
"""

import logging
from typing import Optional

from alembic import context
from sqlalchemy.engine import Connection

from bot.database.engine import make_engine
from bot.database.migrate import VERSION_TABLE, include_name
from bot.settings import database_url

logger = logging.getLogger(__name__)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=context.config.attributes.get("target_metadata"),
        version_table=VERSION_TABLE,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


given: Optional[Connection] = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with make_engine(database_url()).connect() as own:
        run(own)
        own.commit()
