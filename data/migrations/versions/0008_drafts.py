"""drafts: a user's unsaved staffing plan and unpublished schedule, kept across reloads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

One current draft per owner and kind (``staffing_plan`` or ``schedule``): saving again
replaces it, publishing or discarding deletes it. The payload is JSON written by
``services.drafts``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("owner", "kind", name=op.f("uq_drafts_owner")),
    )


def downgrade() -> None:
    op.drop_table("drafts")
