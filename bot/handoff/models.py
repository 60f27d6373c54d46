"""The handoff tables: the queue, staff notes and the audit log. They live beside the directory's and the
staff's in the project's one database (HAVEN_DATABASE_URL), migrated by the one chain in bot/database/
(0002, then 0003 for `risk`); staff are referred to by their account id (bot/staff/models.py).

Times are Unix seconds (like Rasa's `events.timestamp`), so the retention purge compares like with like.
No table holds an account name next to message text: notes name the author by id only, the audit log
holds no text at all, and names conversations by a keyed hash (bot/staff/references.py) rather than their id.
"""

import logging

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text

from bot.database.schema import METADATA

logger = logging.getLogger(__name__)

WAITING, ACTIVE, ENDED, CANCELLED, HANDED_BACK = "waiting", "active", "ended", "cancelled", "handed_back"
OPEN_STATES = (WAITING, ACTIVE)

handoffs = Table(
    "handoffs",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("conversation", String(32), nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("risk", String(16), nullable=False, default="none", server_default="none"),
    Column("requested_at", Float, nullable=False),
    Column("staff_id", Integer, ForeignKey("staff_accounts.id"), nullable=True),
    Column("taken_at", Float, nullable=True),
    Column("ended_at", Float, nullable=True),
    Column("preview", String(200), nullable=False, default=""),
)

handoff_notes = Table(
    "handoff_notes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("conversation", String(32), nullable=False, index=True),
    Column("staff_id", Integer, ForeignKey("staff_accounts.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", Float, nullable=False),
)

audit_log = Table(
    "audit_log",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("actor_id", Integer, ForeignKey("staff_accounts.id"), nullable=True),
    Column("action", String(32), nullable=False),
    # a keyed hash of the conversation id (bot/staff/references.py `conversation_hash`), never the id itself
    Column("conversation", String(32), nullable=True),
    Column("target_id", Integer, nullable=True),
    Column("at", Float, nullable=False, index=True),
)
