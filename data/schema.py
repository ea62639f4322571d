"""Database tables (SQLAlchemy Core). Alembic migrations in data/migrations create and change them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Stable constraint names, so migrations can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", String(16), nullable=False),  # sample, upload, cli
    Column("notes", Text, nullable=True),
)


def _batch() -> Column:
    return Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False)


contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("ds", DateTime, nullable=False),  # local time: the day, or the interval's start
    Column("interval_minutes", Integer, nullable=False),  # 1440 for daily totals
    Column("contacts", Float, nullable=False),
    Column("aht_seconds", Float, nullable=True),
    UniqueConstraint("country", "channel", "ds"),
)

traffic = Table(
    "traffic",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("country", String(2), nullable=False),
    Column("date", Date, nullable=False),
    Column("sessions", Float, nullable=False),
    UniqueConstraint("country", "date"),
)

agents = Table(
    "agents",
    metadata,
    Column("agent_id", String(64), primary_key=True),
    _batch(),
    Column("name", String(200), nullable=True),
    Column("team", String(100), nullable=True),
    Column("country", String(2), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("contract_hours_per_week", Float, nullable=False),
    Column("channels", String(32), nullable=False),
)

absences = Table(
    "absences",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),  # inclusive
    Column("type", String(16), nullable=False),
    UniqueConstraint("agent_id", "start_date", "end_date"),
)

hours = Table(
    "hours",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("hours_worked", Float, nullable=False),
    UniqueConstraint("agent_id", "date"),
)

performance = Table(
    "performance",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("value", Float, nullable=False),
    UniqueConstraint("agent_id", "date", "metric"),
)

Index("ix_performance_metric_date", performance.c.metric, performance.c.date)

TABLES = {
    "contacts": contacts,
    "traffic": traffic,
    "agents": agents,
    "absences": absences,
    "hours": hours,
    "performance": performance,
}
