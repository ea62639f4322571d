"""HR follow-ups of flag reviews, and time-limited limits that rosters honour

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

- ``hr_followups``: what HR agreed with a flag review (``review_id``; not a foreign key, so that
  ``flag_reviews`` keeps refusing TRUNCATE with its own trigger's message). An ``assigned`` row names the HR user
  assigned, the follow-up date, the agreed action (``talk``, ``reduce_overtime``,
  ``change_channel_mix``, ``no_action``) and a note; a ``done`` row, pointing at it through
  ``followup_id``, marks it done. Nothing is edited: the current state is the rows' sum.
- ``hr_limits``: a limit HR set for a person as part of an agreed action (``no_overtime``,
  ``max_weekly_hours`` with its ``value`` in hours, ``no_late_shifts``) between two days,
  inclusive. Rosters read only ``agent_id, kind, value, start_date, end_date``.
- Both are history, like ``flag_reviews`` (0007): never updated, not replaced, not truncated,
  and deleted only in the same transaction as their flag (the HR retention purge, removing the
  sample). SQLite: a deleted row leaves a ``flag_review_deletions`` row that breaks a deferred
  foreign key until the flag's own deletion clears it. PostgreSQL: a deferred constraint
  trigger checks at commit that the flag is gone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLES = ("hr_followups", "hr_limits")


def _keys(table: str) -> tuple[sa.Constraint, ...]:
    """The keys both tables have, in this order: the flag and the follow-up a row belongs to,
    and its id."""
    return (
        sa.ForeignKeyConstraint(
            ["flag_id"], ["wellbeing_flags.id"], name=op.f(f"fk_{table}_flag_id_wellbeing_flags")
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"], ["hr_followups.id"], name=op.f(f"fk_{table}_followup_id_hr_followups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "hr_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=8), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("action", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_keys("hr_followups"),
    )
    op.create_index("ix_hr_followups_flag_id", "hr_followups", ["flag_id"])
    op.create_table(
        "hr_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_keys("hr_limits"),
    )
    op.create_index("ix_hr_limits_agent_id", "hr_limits", ["agent_id"])

    if dialect == "sqlite":
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: row exists'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
            # the flag's deletion (wellbeing_flags_clear_review_deletions, 0007) clears the row
            op.execute(
                f"CREATE TRIGGER {table}_delete_with_flag AFTER DELETE ON {table} "
                "BEGIN INSERT INTO flag_review_deletions (flag_id, guard) "
                "VALUES (OLD.flag_id, 0); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION crewcast_delete_with_flag() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN "
            "IF EXISTS (SELECT 1 FROM wellbeing_flags WHERE id = OLD.flag_id) THEN "
            "RAISE EXCEPTION '%: row % is deleted only together with its flag %', "
            "TG_TABLE_NAME, OLD.id, OLD.flag_id; "
            "END IF; RETURN NULL; END $$"
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION crewcast_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION crewcast_refuse_change()"
            )
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_delete_with_flag AFTER DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION crewcast_delete_with_flag()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _TABLES:
        if dialect == "sqlite":
            for suffix in ("no_replace", "no_update", "delete_with_flag"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        elif dialect == "postgresql":
            for suffix in ("delete_with_flag", "no_update", "no_truncate"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS crewcast_delete_with_flag()")
    op.drop_index("ix_hr_limits_agent_id", table_name="hr_limits")
    op.drop_table("hr_limits")
    op.drop_index("ix_hr_followups_flag_id", table_name="hr_followups")
    op.drop_table("hr_followups")
