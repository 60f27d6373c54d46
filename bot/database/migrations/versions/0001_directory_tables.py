"""The directory's tables: organisations, services, and the areas each service covers.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
    )
    op.create_table(
        "directory_services",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("directory_organisations.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("needs", sa.String(300), nullable=False),
        sa.Column("who_for", sa.String(300), nullable=False),
        sa.Column("languages", sa.String(500), nullable=False),
        sa.Column("topics", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("text_number", sa.String(40), nullable=False),
        sa.Column("web_chat", sa.String(300), nullable=False),
        sa.Column("website", sa.String(300), nullable=False),
        sa.Column("hours", sa.String(300), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "directory_service_areas",
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("directory_services.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("area_key", sa.String(120), primary_key=True),
    )
    op.create_index("ix_directory_service_areas_area_key", "directory_service_areas", ["area_key"])


def downgrade() -> None:
    op.drop_index("ix_directory_service_areas_area_key", table_name="directory_service_areas")
    op.drop_table("directory_service_areas")
    op.drop_table("directory_services")
    op.drop_table("directory_organisations")
