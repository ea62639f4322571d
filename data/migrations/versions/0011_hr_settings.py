"""HR settings, and the return-to-work check-ins an evaluation opens when HR turned them on

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06

- ``hr_settings``: one row per setting HR owns (``name``; ``value`` JSON), who changed it and
  when; the audit log keeps every change. The first: ``return_to_work_check_ins`` (open a
  check-in after a long absence; off unless HR turns it on).
- ``return_to_work_check_ins``: one row per long absence a person came back from (agent and
  the absence's first and last day, unique), opened by an evaluation (``evaluation_id``, not a
  foreign key: removing the sample deletes evaluations), and marked done by HR (``done_*``).
  Never a flag: no level, no score, no reason.

Another branch adds 0010; the integrator re-chains this one after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_settings")),
        sa.UniqueConstraint("name", name=op.f("uq_hr_settings_name")),
    )
    op.create_table(
        "return_to_work_check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("back_on", sa.Date(), nullable=False),
        sa.Column("calendar_days", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_to_work_check_ins")),
        sa.UniqueConstraint(
            "agent_id",
            "start_date",
            "end_date",
            name=op.f("uq_return_to_work_check_ins_agent_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("return_to_work_check_ins")
    op.drop_table("hr_settings")
