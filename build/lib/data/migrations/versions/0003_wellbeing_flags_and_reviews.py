"""wellbeing flags, their evaluations and HR reviews

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluated_by", sa.String(length=100), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("agents_scored", sa.Integer(), nullable=False),
        sa.Column("flags_raised", sa.Integer(), nullable=False),
        sa.Column("flags_updated", sa.Integer(), nullable=False),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_evaluations")),
    )
    op.create_table(
        "wellbeing_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("raised_evaluation_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["raised_evaluation_id"],
            ["flag_evaluations.id"],
            name=op.f("fk_wellbeing_flags_raised_evaluation_id_flag_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wellbeing_flags")),
    )
    op.create_index(
        "ix_wellbeing_flags_agent_state", "wellbeing_flags", ["agent_id", "state"], unique=False
    )
    op.create_table(
        "flag_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["flag_evaluations.id"],
            name=op.f("fk_flag_observations_evaluation_id_flag_evaluations"),
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["wellbeing_flags.id"],
            name=op.f("fk_flag_observations_flag_id_wellbeing_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_observations")),
        sa.UniqueConstraint("flag_id", "evaluation_id", name=op.f("uq_flag_observations_flag_id")),
    )
    op.create_table(
        "flag_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["wellbeing_flags.id"],
            name=op.f("fk_flag_reviews_flag_id_wellbeing_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_reviews")),
    )


def downgrade() -> None:
    op.drop_table("flag_reviews")
    op.drop_table("flag_observations")
    op.drop_index("ix_wellbeing_flags_agent_state", table_name="wellbeing_flags")
    op.drop_table("wellbeing_flags")
    op.drop_table("flag_evaluations")
