"""Summaries in SQL: the same last days and daily totals as grouping the loaded rows."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from data.access import Principal, Role
from data.config import Settings
from data.store import open_store
from data.summaries import daily_totals, series_ends
from data.validation import ReadOptions
from services.planning import history_ends

OPT = ReadOptions(today=dt.date(2026, 11, 22))
HALF_HOURS = (
    b"country,channel,interval_start,contacts\n"
    b"HU,chat,2024-01-01 08:00,3\nHU,chat,2024-01-01 08:30,4\nHU,chat,2024-01-02 23:30,1\n"
    b"AR,voice,2024-01-01 00:00,2.5\nAR,voice,2024-01-03 12:00,7\nAR,chat,2024-01-02 09:00,5\n"
)


@pytest.fixture
def store(tmp_path):
    s = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'test.db'}"))
    report, result = s.import_file("contacts", HALF_HOURS, "contacts.csv", OPT)
    assert result is not None, report
    return s


def test_daily_totals_equal_the_loaded_rows_grouped(store):
    assert daily_totals(store).equals(store.daily_contacts())
    got = daily_totals(store)
    assert got[["country", "channel"]].drop_duplicates().values.tolist() == [
        ["AR", "chat"],
        ["AR", "voice"],
        ["HU", "chat"],
    ]
    assert got["date"].dtype == "datetime64[ns]"


def test_daily_totals_read_only_the_rows_asked_for(store):
    hu = daily_totals(store, countries=["HU"])
    assert hu["contacts"].tolist() == [7.0, 1.0]
    day = daily_totals(store, start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 2))
    assert day[["country", "contacts"]].values.tolist() == [["AR", 5.0], ["HU", 1.0]]
    assert daily_totals(store, countries=["DE"]).empty


def test_series_ends_equal_the_planning_service_on_loaded_rows(store):
    assert series_ends(store) == history_ends(store.load("contacts"))
    assert series_ends(store)[("HU", "chat")] == dt.date(2024, 1, 2)


def test_summaries_read_the_covering_index(store):
    with store.engine.connect() as conn:
        names = set(
            conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type='index'")).scalars()
        )
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT country, channel, date(ds), sum(contacts) FROM contacts "
            "GROUP BY country, channel, date(ds)"
        ).fetchall()
    assert {"ix_contacts_country", "ix_contacts_ds"} <= names
    assert "COVERING INDEX ix_contacts_country" in " ".join(str(row) for row in plan)
    assert series_ends(store, Principal("m", Role.MANAGER, "M"))[("AR", "voice")] == dt.date(
        2024, 1, 3
    )


def test_an_empty_database_has_no_summaries(tmp_path):
    empty = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"))
    assert series_ends(empty) == {}
    assert daily_totals(empty).empty
    assert list(daily_totals(empty).columns) == ["country", "channel", "date", "contacts"]
