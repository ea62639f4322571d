"""queue settings: handle time, opening hours and intraday profile a planner states per queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("aht_seconds", sa.Float(), nullable=True),
        sa.Column("opening_hours", sa.String(length=200), nullable=True),
        sa.Column("profile_source", sa.String(length=16), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("profile_file", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_settings")),
        sa.UniqueConstraint("country", "channel", name=op.f("uq_queue_settings_country")),
    )


def downgrade() -> None:
    op.drop_table("queue_settings")
