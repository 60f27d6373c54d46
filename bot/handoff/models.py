"""The handoff and staff tables. They live beside the directory's in the project's one database
(HAVEN_DATABASE_URL) and are created by the directory's migration chain (0002, then 0003 for `risk`), so
`make run`'s `python -m bot.directory seed --if-empty` brings them up to date too.

Times are Unix seconds (like Rasa's `events.timestamp`), so the retention purge compares like with like.
No table holds an account name next to message text: notes name the author by id only, the audit log
holds no text at all.
"""

import logging

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

logger = logging.getLogger(__name__)

metadata = MetaData()

ROLES = ("support_worker", "supervisor", "admin")
"""Lowest to highest: each role can do everything the one before it can."""
PRESENCE = ("available", "away")
WAITING, ACTIVE, ENDED, CANCELLED, HANDED_BACK = "waiting", "active", "ended", "cancelled", "handed_back"
OPEN_STATES = (WAITING, ACTIVE)

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(40), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("presence", String(16), nullable=False, default="away"),
    Column("last_seen", Float, nullable=False, default=0.0),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=False, default=0.0),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created", Float, nullable=False),
    Column("last_active", Float, nullable=False),
)

handoffs = Table(
    "handoffs",
    metadata,
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
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation", String(32), nullable=False, index=True),
    Column("staff_id", Integer, ForeignKey("staff_accounts.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", Float, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", Integer, ForeignKey("staff_accounts.id"), nullable=True),
    Column("action", String(32), nullable=False),
    Column("conversation", String(32), nullable=True),
    Column("target_id", Integer, nullable=True),
    Column("at", Float, nullable=False, index=True),
)

quick_replies = Table(
    "quick_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(80), nullable=False),
    Column("text", Text, nullable=False),
)
