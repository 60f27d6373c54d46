"""Staff sign-in and the audit log (security review 2026-12-03, findings 6, 8 and 13).

- `staff_accounts.failed_logins` and `locked_until` go: a lockout is now per client address and account, in
  the gateway's memory (bot/staff/login.py), so nobody can lock an account's owner out.
- `staff_sessions.csrf` goes: the CSRF token is now derived from the cookie token (bot/staff/sessions.py),
  so no session row holds a secret that could be used.
- `audit_log.conversation` holds a keyed hash of the conversation id instead of the id (the id is the
  credential for a survivor's chat); the entries written before this revision are hashed here, with the
  deployment's key (HAVEN_AUDIT_SECRET or var/audit-secret, bot/staff/references.py).

Plain DROP COLUMN (SQLite 3.35 or later), not a batch copy: copying `staff_accounts` would drop the table
that sessions, handoffs and notes refer to. Downgrade brings the columns back and ends every session (their
CSRF tokens were never stored); the audit log keeps its hashes, which can't be turned back into ids.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from bot.staff.references import conversation_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AUDIT_LOG = sa.table("audit_log", sa.column("id", sa.Integer()), sa.column("conversation", sa.String(32)))


def upgrade() -> None:
    op.drop_column("staff_accounts", "failed_logins")
    op.drop_column("staff_accounts", "locked_until")
    op.drop_column("staff_sessions", "csrf")
    _hash_audited_conversations()


def _hash_audited_conversations() -> None:
    """Every conversation named in the log so far was named by its id: each becomes its keyed hash."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(AUDIT_LOG.c.id, AUDIT_LOG.c.conversation)
                              .where(AUDIT_LOG.c.conversation.isnot(None))).all()
    if rows:
        connection.execute(
            AUDIT_LOG.update().where(AUDIT_LOG.c.id == sa.bindparam("entry"))
            .values(conversation=sa.bindparam("hashed")),
            [{"entry": row.id, "hashed": conversation_hash(row.conversation)} for row in rows],
        )


def downgrade() -> None:
    op.execute("DELETE FROM staff_sessions")
    op.add_column("staff_sessions", sa.Column("csrf", sa.String(64), nullable=False, server_default=""))
    op.add_column("staff_accounts", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("staff_accounts", sa.Column("locked_until", sa.Float(), nullable=False, server_default="0"))
