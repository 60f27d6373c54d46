"""Alembic environment for Haven's own tables: the directory's and the handoff's (its own version table).

Run through `python -m bot.directory migrate` (bot.directory.migrate), which hands over a connection;
run as `alembic -c bot/directory/alembic.ini ...` it connects to HAVEN_DATABASE_URL itself.
"""

import logging
from typing import Optional

from alembic import context
from sqlalchemy.engine import Connection

from bot.directory.db import make_engine
from bot.directory.migrate import VERSION_TABLE, include_name
from bot.directory.models import metadata
from bot.handoff.models import metadata as handoff_metadata
from bot.settings import database_url

logger = logging.getLogger(__name__)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=[metadata, handoff_metadata],
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
