"""Erasing conversations: one on request (delete this chat, quick exit), or all past retention (purge).

Rasa open source has no deletion API, so Haven deletes the rows itself, from the same database Rasa
uses (HAVEN_DATABASE_URL, which endpoints.yml gives Rasa too). Every table that holds conversation data is
listed once in CONVERSATION_TABLES (Rasa's events, the handoff queue and staff notes), and both erasure and the
retention purge cover them. The audit log is not in it: it keeps who did what and when, never text.

In SQLite the deleted rows are overwritten (`secure_delete`, bot/database/engine.py), but until a checkpoint
their earlier versions stay in the `-wal` file: each erasure ends with a checkpoint that empties it, so a
deleted chat is gone from the files too.
"""

import logging
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConversationTable:
    """A table with conversation data: which column names the conversation, which holds the time."""

    name: str
    conversation_column: str
    time_column: str


EVENTS = ConversationTable("events", "sender_id", "timestamp")
"""Rasa's tracker store: every message, reply, slot and action (timestamps in Unix seconds)."""
HANDOFFS = ConversationTable("handoffs", "conversation", "requested_at")
"""The handoff queue: state, who held it, and a short redacted preview."""
HANDOFF_NOTES = ConversationTable("handoff_notes", "conversation", "at")
"""Staff's private notes on a conversation."""
CONVERSATION_TABLES: Tuple[ConversationTable, ...] = (EVENTS, HANDOFFS, HANDOFF_NOTES)
BATCH = 500
CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"
"""Copies the write-ahead log into the database file and empties it (waiting for readers, as writes do)."""


def _existing(connection: Connection) -> List[ConversationTable]:
    """The conversation tables created so far (none before Rasa's first start). A database that can't be
    reached raises: "nothing to delete" must never be said when nothing could be checked."""
    inspector = sa.inspect(connection)
    return [table for table in CONVERSATION_TABLES if inspector.has_table(table.name)]


def _delete(connection: Connection, conversations: Sequence[str]) -> int:
    deleted = 0
    for table in _existing(connection):
        statement = sa.text(f"DELETE FROM {table.name} WHERE {table.conversation_column} IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        deleted += int(connection.execute(statement, {"ids": list(conversations)}).rowcount)
    return deleted


def _checkpoint(engine: Engine) -> None:
    """In SQLite, the `-wal` file emptied of the rows just deleted (a database server keeps no such file)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        busy = connection.exec_driver_sql(CHECKPOINT).scalar()
    if busy:
        logger.warning("SQLite was busy: the deleted rows stay in the -wal file until its next checkpoint.")


class ConversationEraser:
    """Deletes conversations from every table in CONVERSATION_TABLES."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def erase(self, conversation: str) -> int:
        """Deletes one conversation; returns how many rows went (0 if nothing was stored)."""
        with self.engine.begin() as connection:
            deleted = _delete(connection, [conversation])
        _checkpoint(self.engine)
        logger.info("Erased a conversation at the survivor's request (%d rows).", deleted)
        return deleted

    def expired(self, cutoff: float) -> List[str]:
        """Conversations whose latest event is older than `cutoff` (Unix seconds)."""
        query = sa.text(
            f"SELECT {EVENTS.conversation_column} FROM {EVENTS.name} GROUP BY {EVENTS.conversation_column} "
            f"HAVING MAX({EVENTS.time_column}) < :cutoff"
        )
        with self.engine.connect() as connection:
            if EVENTS not in _existing(connection):
                return []
            return [str(row[0]) for row in connection.execute(query, {"cutoff": cutoff})]

    def purge(self, cutoff: float) -> Tuple[int, int]:
        """Deletes every conversation last active before `cutoff`: (conversations, rows) deleted."""
        conversations = self.expired(cutoff)
        deleted = 0
        for start in range(0, len(conversations), BATCH):
            with self.engine.begin() as connection:
                deleted += _delete(connection, conversations[start : start + BATCH])
        if conversations:
            _checkpoint(self.engine)
        return len(conversations), deleted
