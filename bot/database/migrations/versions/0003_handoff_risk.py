"""Handoffs say why they are urgent: `risk` (none, self_harm, danger) replaces the `priority` number.

An urgent handoff from before this revision becomes `danger`: what the console labelled it until now.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("risk", sa.String(16), nullable=False, server_default="none"))
    op.execute("UPDATE handoffs SET risk = 'danger' WHERE priority > 0")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("priority")


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE handoffs SET priority = 1 WHERE risk <> 'none'")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("risk")
