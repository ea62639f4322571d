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


# --- the bulk path ------------------------------------------------------------------------------


def test_bulk_rows_are_stored_as_sqlalchemy_itself_would_store_them(store, monkeypatch):
    monkeypatch.setattr(store_module, "INSERT_CHUNK_ROWS", 2)  # several executemany chunks
    text = "country,channel,interval_start,contacts,aht_seconds\n" + "".join(
        f"HU,chat,2026-02-01 {h:02d}:{m:02d},{h + m},{'' if m else 300.5}\n"
        for h in range(9, 12)
        for m in (0, 30)
    )
    _, result = store.import_file("contacts", text.encode(), "intervals.csv", OPT)
    assert result is not None and result.rows_written == 6
    traffic = b"country,date,sessions\nAR,2026-02-01,10\nAR,2026-02-02,12\nAR,2026-02-03,9\n"
    assert store.import_file("traffic", traffic, "traffic.csv", OPT)[1] is not None
    dialect = store.engine.dialect
    # SQLite stores dates as SQLAlchemy's text; PostgreSQL's driver takes them as they are
    as_datetime = schema.contacts.c.ds.type.dialect_impl(dialect).bind_processor(dialect)
    as_date = schema.traffic.c.date.type.dialect_impl(dialect).bind_processor(dialect)
    as_datetime, as_date = (f or (lambda value: value) for f in (as_datetime, as_date))
    with store.engine.connect() as conn:
        ds, aht = zip(
            *conn.exec_driver_sql("SELECT ds, aht_seconds FROM contacts ORDER BY ds"), strict=True
        )
        days = [r[0] for r in conn.exec_driver_sql("SELECT date FROM traffic ORDER BY date")]
        typed = conn.execute(sa.select(schema.contacts.c.ds).order_by("ds")).scalars().all()
    expected = [dt.datetime(2026, 2, 1, h, m) for h in range(9, 12) for m in (0, 30)]
    assert list(ds) == [as_datetime(t) for t in expected]  # e.g. '2026-02-01 09:00:00.000000'
    assert list(aht) == [300.5, None] * 3  # empty cells are NULL, not NaN
    assert days == [as_date(dt.date(2026, 2, d)) for d in (1, 2, 3)]
    assert typed == expected
    # Replacing by period compares the stored text with SQLAlchemy's own: it must still match.
    again = text.replace(",300.5", ",200")
    _, second = store.import_file("contacts", again.encode(), "intervals.csv", OPT)
    assert second.rows_replaced == 6
    assert store.load("contacts")["aht_seconds"].fillna(-1).tolist() == [200.0, -1] * 3


def test_agents_keep_their_columns_in_table_order(store):
    _, result = store.import_file("agents", AGENTS, "agents.csv", OPT)
    loaded = store.load("agents")
    assert loaded.iloc[0].tolist()[:4] == ["A1", "Ana", "AR Voice", "AR"]
    with store.engine.connect() as conn:
        batch = conn.execute(sa.select(schema.agents.c.batch_id)).scalar_one()
    assert batch == result.batch_id
