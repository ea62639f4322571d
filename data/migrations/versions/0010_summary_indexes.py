"""summary indexes: the contacts table's daily totals and date ranges read from indexes

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06

``data/summaries.py`` groups contacts by queue and day in SQL. ``ix_contacts_country``
(country, channel, ds, contacts) covers that grouping and a queue's last day, so the database
reads the index alone, never the table's rows; ``ix_contacts_ds`` serves a date range across
all queues. (The integrator re-chains this after 0009 of another branch.)
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain CREATE INDEX (no batch copy of the table, which may hold millions of rows)
    op.create_index(
        "ix_contacts_country", "contacts", ["country", "channel", "ds", "contacts"], unique=False
    )
    op.create_index("ix_contacts_ds", "contacts", ["ds"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contacts_ds", table_name="contacts")
    op.drop_index("ix_contacts_country", table_name="contacts")
