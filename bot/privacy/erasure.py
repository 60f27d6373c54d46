"""Erasing a conversation from Rasa's tracker store, for a survivor who leaves with quick exit.

Rasa open source has no deletion API, so the gateway deletes the conversation's rows from the
tracker store's `events` table itself (the same database Rasa uses, from the same settings).
"""

import logging
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

logger = logging.getLogger(__name__)

EVENTS_TABLE = "events"


def tracker_store_url(
    dialect: str,
    db: str,
    host: Optional[str] = None,
    port: Optional[int] = None,
    username: Optional[str] = None,
    password: Optional[str] = None,
) -> URL:
    """The SQLAlchemy URL of the tracker store that endpoints.yml gives Rasa."""
    return URL.create(drivername=dialect, database=db, host=host, port=port, username=username, password=password)


class ConversationEraser:
    """Deletes every stored event of a conversation."""

    def __init__(self, url: URL) -> None:
        self.engine: Engine = sa.create_engine(url)

    def erase(self, conversation: str) -> int:
        """Deletes the conversation's events; returns how many were deleted (0 if none were stored)."""
        try:
            with self.engine.begin() as connection:
                result = connection.execute(
                    sa.text(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id = :conversation"),
                    {"conversation": conversation},
                )
        except sa.exc.OperationalError:
            logger.info("Nothing to erase: the tracker store has no events table yet.")
            return 0
        logger.info("Erased a conversation on quick exit (%d events).", result.rowcount)
        return int(result.rowcount)
