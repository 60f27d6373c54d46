"""The staff tables: accounts, sessions and standard replies (in the one database, migrated by bot/database/).

Times are Unix seconds. No table holds an account name next to message text. Failed sign-ins are counted in
the gateway's memory (bot/staff/login.py), never here; a session row holds a hash of its cookie token only (its
CSRF token is derived from the token, bot/staff/sessions.py).
"""

import logging

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

from bot.database.schema import METADATA

logger = logging.getLogger(__name__)

ROLES = ("support_worker", "supervisor", "admin")
"""Lowest to highest: each role can do everything the one before it can."""
PRESENCE = ("available", "away")

staff_accounts = Table(
    "staff_accounts",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(40), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("presence", String(16), nullable=False, default="away"),
    Column("last_seen", Float, nullable=False, default=0.0),
)

staff_sessions = Table(
    "staff_sessions",
    METADATA,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created", Float, nullable=False),
    Column("last_active", Float, nullable=False),
)

quick_replies = Table(
    "quick_replies",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("title", String(80), nullable=False),
    Column("text", Text, nullable=False),
)
