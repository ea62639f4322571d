"""the audit chain, REPLACE and TRUNCATE refused, append-only review history, sign-in attempts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

- ``audit_log`` gains ``chain_seq``, ``chain_prev`` and ``chain_hash``: each new row carries an
  HMAC-SHA256 (key in the data directory, never in the database) over its contents and the
  previous row's hash, so ``crewcast audit verify`` finds an edited, deleted or reordered row.
  Rows written before this revision keep NULL there and are reported as outside the chain.
- ``audit_chain_head`` holds the newest position and hash: appending updates it first, which
  serialises appenders (SQLite's write lock, PostgreSQL's row lock) so the chain never forks,
  and a deleted tail shows as a head ahead of the last row.
- SQLite: ``REPLACE INTO`` / ``INSERT OR REPLACE`` of an existing audit row or review is refused
  by a BEFORE INSERT trigger (REPLACE deletes the old row without firing DELETE triggers unless
  ``recursive_triggers`` is on, which the engine also sets on every connection).
- PostgreSQL: ``TRUNCATE`` of ``audit_log`` or ``flag_reviews`` is refused by a BEFORE TRUNCATE
  trigger. Triggers stop the application's own role only if it does not own the tables (an
  owner can drop them): SECURITY.md says how to hand them to another role.
- ``flag_reviews`` is history: never updated, and a review is deleted only in the same
  transaction as its flag (the HR retention purge, removing the sample). On PostgreSQL a deferred
  constraint trigger checks at commit that the flag is gone; SQLite has no such trigger, so a
  deleted review leaves a row in ``flag_review_deletions`` that violates a deferred foreign key
  until the flag's own deletion clears it: a commit with a review deleted and its flag kept fails.
- ``sign_in_attempts``: failed and successful password sign-ins, per user name and client
  address, for throttling that holds across sessions and restarts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_APPEND_ONLY = ("audit_log", "flag_reviews")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("audit_log", recreate="never") as batch:
        batch.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("chain_prev", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_log_chain_seq", "audit_log", ["chain_seq"], unique=True)
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "last_hash": ""}])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index("ix_sign_in_attempts_username_at", "sign_in_attempts", ["username", "at"])
    op.create_index("ix_sign_in_attempts_address_at", "sign_in_attempts", ["address", "at"])

    # Used by SQLite's triggers only (PostgreSQL has deferred constraint triggers), but made on
    # both so the schema is one. The guard never holds a row: every guard value is a foreign key
    # violation, checked at commit.
    op.create_table(
        "flag_review_guard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_review_guard")),
    )
    op.create_table(
        "flag_review_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("guard", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guard"],
            ["flag_review_guard.id"],
            name=op.f("fk_flag_review_deletions_guard_flag_review_guard"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_review_deletions")),
    )

    if dialect == "sqlite":
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: row exists'); END"
            )
        op.execute(
            "CREATE TRIGGER flag_reviews_no_update BEFORE UPDATE ON flag_reviews "
            "BEGIN SELECT RAISE(ABORT, 'flag_reviews is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER flag_review_guard_empty BEFORE INSERT ON flag_review_guard "
            "BEGIN SELECT RAISE(ABORT, 'flag_review_guard stays empty'); END"
        )
        op.execute(
            "CREATE TRIGGER flag_reviews_delete_with_flag AFTER DELETE ON flag_reviews "
            "BEGIN INSERT INTO flag_review_deletions (flag_id, guard) VALUES (OLD.flag_id, 0); END"
        )
        op.execute(
            "CREATE TRIGGER wellbeing_flags_clear_review_deletions AFTER DELETE ON wellbeing_flags "
            "BEGIN DELETE FROM flag_review_deletions WHERE flag_id = OLD.id; END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION crewcast_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION crewcast_refuse_change()"
            )
        op.execute(
            "CREATE TRIGGER flag_reviews_no_update BEFORE UPDATE ON flag_reviews "
            "FOR EACH ROW EXECUTE FUNCTION crewcast_refuse_change()"
        )
        op.execute(
            "CREATE FUNCTION flag_reviews_delete_with_flag() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN "
            "IF EXISTS (SELECT 1 FROM wellbeing_flags WHERE id = OLD.flag_id) THEN "
            "RAISE EXCEPTION 'flag_reviews: review % is deleted only together with its flag %', "
            "OLD.id, OLD.flag_id; "
            "END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE CONSTRAINT TRIGGER flag_reviews_delete_with_flag AFTER DELETE ON flag_reviews "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION flag_reviews_delete_with_flag()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in (
            "audit_log_no_replace",
            "flag_reviews_no_replace",
            "flag_reviews_no_update",
            "flag_reviews_delete_with_flag",
            "wellbeing_flags_clear_review_deletions",
            "flag_review_guard_empty",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS flag_reviews_delete_with_flag ON flag_reviews")
        op.execute("DROP FUNCTION IF EXISTS flag_reviews_delete_with_flag()")
        op.execute("DROP TRIGGER IF EXISTS flag_reviews_no_update ON flag_reviews")
        for table in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS crewcast_refuse_change()")
    op.drop_table("flag_review_deletions")
    op.drop_table("flag_review_guard")
    op.drop_index("ix_sign_in_attempts_address_at", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_username_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_log_chain_seq", table_name="audit_log")
    # SQLite cannot drop a column of a table with triggers without rebuilding it (which would
    # drop the append-only triggers): the chain columns stay, unused, on SQLite.
    if dialect != "sqlite":
        for column in ("chain_hash", "chain_prev", "chain_seq"):
            op.drop_column("audit_log", column)
