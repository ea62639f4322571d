"""published schedules: the staff a planner's schedule puts on duty, and its roster

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("countries", sa.String(length=400), nullable=False),
        sa.Column("channels", sa.String(length=100), nullable=False),
        sa.Column("plan_status", sa.String(length=16), nullable=False),
        sa.Column("roster_status", sa.String(length=16), nullable=True),
        sa.Column("shortfall_staff_hours", sa.Float(), nullable=False),
        sa.Column("labour_cost", sa.Float(), nullable=False),
        sa.Column("filled_shifts", sa.Integer(), nullable=True),
        sa.Column("unfilled_shifts", sa.Integer(), nullable=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_schedules")),
    )
    op.create_table(
        "published_schedule_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("required_staff", sa.Float(), nullable=False),
        sa.Column("planned_staff", sa.Float(), nullable=False),
        sa.Column("rostered_staff", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["published_schedules.id"],
            name=op.f("fk_published_schedule_intervals_schedule_id_published_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_schedule_intervals")),
        sa.UniqueConstraint(
            "schedule_id",
            "country",
            "channel",
            "interval_start",
            name=op.f("uq_published_schedule_intervals_schedule_id"),
        ),
    )
    op.create_table(
        "published_schedule_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=100), nullable=False),
        sa.Column("shift_start", sa.DateTime(), nullable=False),
        sa.Column("shift_end", sa.DateTime(), nullable=False),
        sa.Column("break_start", sa.DateTime(), nullable=True),
        sa.Column("break_end", sa.DateTime(), nullable=True),
        sa.Column("paid_hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["published_schedules.id"],
            name=op.f("fk_published_schedule_shifts_schedule_id_published_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_schedule_shifts")),
    )
    op.create_index(
        "ix_published_schedule_shifts_schedule_id",
        "published_schedule_shifts",
        ["schedule_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_published_schedule_shifts_schedule_id", table_name="published_schedule_shifts"
    )
    op.drop_table("published_schedule_shifts")
    op.drop_table("published_schedule_intervals")
    op.drop_table("published_schedules")
