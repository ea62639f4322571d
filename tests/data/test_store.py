"""The embedded database: migrations, all-or-nothing imports, replacement rules, loaders."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from data import schema
from data import store as store_module
from data.config import Settings
from data.store import open_store
from data.validation import ReadOptions

OPT = ReadOptions(today=dt.date(2026, 11, 22))
AGENTS = b"agent_id,name,team,country,timezone,contract_hours_per_week,channels\nA1,Ana,AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n"


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for name, t in {**schema.TABLES, "import_batches": schema.import_batches}.items()
        }


def test_migrations_create_exactly_the_declared_schema(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    store_module.migrate(store.engine)  # running again is a no-op
    assert store.is_empty()


def test_import_writes_rows_and_a_batch(store):
    report, result = store.import_file("agents", AGENTS, "agents.csv", OPT)
    assert result is not None and report.ok
    batches = store.batches()
    assert batches.loc[0, ["kind", "file_name", "row_count", "source"]].tolist() == [
        "agents",
        "agents.csv",
        1,
        "cli",
    ]
    assert len(batches.loc[0, "sha256"]) == 64
    assert store.load("agents").loc[0, "timezone"] == "America/Argentina/Buenos_Aires"


def test_rejected_file_changes_nothing(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    before = counts(store)
    report, result = store.import_file(
        "hours", b"agent_id,date,hours_worked\nA1,2024-01-01,30\n", "h.csv", OPT
    )
    assert result is None and not report.ok
    assert counts(store) == before


def test_unknown_agents_are_rejected_against_the_database(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    report, result = store.import_file(
        "hours", b"agent_id,date,hours_worked\nA1,2024-01-01,8\nB7,2024-01-01,8\n", "hours.csv", OPT
    )
    assert result is None
    assert (
        "hours.csv row 3: column 'agent_id' has 'B7', is not a known agent (import the agents file first)"
        in report.lines()[0]
    )
    assert store.load("hours").empty


def test_import_failing_halfway_leaves_the_database_unchanged(store, monkeypatch):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    before = counts(store)
    real_insert = sa.insert

    def exploding_insert(table):
        if table is schema.hours:  # the batch row is already written when this fails
            raise RuntimeError("disk full")
        return real_insert(table)

    monkeypatch.setattr(store_module.sa, "insert", exploding_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        store.import_file(
            "hours", b"agent_id,date,hours_worked\nA1,2024-01-01,8\n", "hours.csv", OPT
        )
    monkeypatch.undo()
    assert counts(store) == before


def test_time_series_replace_the_period_the_file_covers(store):
    first = b"country,date,contacts\nAR,2024-01-01,5\nAR,2024-01-02,6\nAR,2024-01-03,7\n"
    store.import_file("contacts", first, "a.csv", OPT)
    _, result = store.import_file(
        "contacts", b"country,date,contacts\nAR,2024-01-02,60\nAR,2024-01-03,70\n", "b.csv", OPT
    )
    assert result.rows_replaced == 2
    loaded = store.load("contacts")
    assert loaded["contacts"].tolist() == [5.0, 60.0, 70.0]


def test_granularity_cannot_be_mixed_per_series(store):
    store.import_file("contacts", b"country,date,contacts\nAR,2024-01-01,5\n", "daily.csv", OPT)
    report, result = store.import_file(
        "contacts",
        b"country,interval_start,contacts\nAR,2024-02-01 08:00,1\nAR,2024-02-01 08:30,2\n",
        "intra.csv",
        OPT,
    )
    assert result is None
    assert (
        "AR/voice are stored as daily totals; this file has them per 30-minute interval"
        in report.lines()[0]
    )


def test_absences_reimport_is_idempotent_and_overlaps_are_refused(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    absences = b"agent_id,start_date,end_date,type\nA1,2024-03-01,2024-03-05,vacation\n"
    store.import_file("absences", absences, "abs.csv", OPT)
    _, again = store.import_file("absences", absences, "abs.csv", OPT)
    assert again.rows_written == 0 and len(store.load("absences")) == 1
    report, result = store.import_file(
        "absences",
        b"agent_id,start_date,end_date,type\nA1,2024-03-04,2024-03-04,sick\n",
        "abs2.csv",
        OPT,
    )
    assert result is None
    assert (
        "overlaps a stored vacation absence of agent A1 (2024-03-01 to 2024-03-05)"
        in report.lines()[0]
    )


def test_summary_and_daily_contacts(store):
    store.import_file(
        "contacts",
        b"country,interval_start,contacts,channel\nHU,2024-01-01 08:00,3,chat\nHU,2024-01-01 08:30,4,chat\nHU,2024-01-02 08:00,1,chat\n",
        "c.csv",
        OPT,
    )
    summary = {s.table: s for s in store.summary()}
    assert summary["contacts"].rows == 3
    assert (summary["contacts"].first, summary["contacts"].last) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 2),
    )
    assert summary["contacts"].countries == ("HU",)
    daily = store.daily_contacts()
    assert daily["contacts"].tolist() == [7.0, 1.0]
    assert daily["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
