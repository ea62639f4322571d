"""Summaries in SQL: the same last days and daily totals as grouping the loaded rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data import summaries
from data.access import Principal, Role
from data.config import Settings
from data.store import open_store
from data.summaries import (
    contact_queues,
    contact_rows,
    contact_spans,
    contact_volumes,
    daily_totals,
    inputs_version,
    last_handled,
    series_ends,
    traffic_days,
    traffic_spans,
)
from data.validation import ReadOptions
from services.planning import history_ends

OPT = ReadOptions(today=dt.date(2026, 11, 22))
HALF_HOURS = (
    b"country,channel,interval_start,contacts,aht_seconds\n"
    b"HU,chat,2024-01-01 08:00,3,200\nHU,chat,2024-01-01 08:30,4,\nHU,chat,2024-01-02 23:30,1,\n"
    b"AR,voice,2024-01-01 00:00,2.5,\nAR,voice,2024-01-03 12:00,7,\nAR,chat,2024-01-02 09:00,5,\n"
)
TRAFFIC = b"country,date,sessions\nAR,2024-01-01,10\nAR,2024-01-02,12\nHU,2024-01-02,4\n"


@pytest.fixture
def store(database_url, tmp_path):
    """The rows above in a fresh database: SQLite (read by index seeks) and PostgreSQL (read by
    a plain GROUP BY), each checked against the same rows loaded and grouped in pandas."""
    s = open_store(Settings(tmp_path, database_url))
    for kind, content in (("contacts", HALF_HOURS), ("traffic", TRAFFIC)):
        report, result = s.import_file(kind, content, f"{kind}.csv", OPT)
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
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
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
    assert contact_queues(empty) == [] and contact_spans(empty).empty
    assert contact_volumes(empty).empty
    assert daily_totals(empty).empty
    assert list(daily_totals(empty).columns) == ["country", "channel", "date", "contacts"]


def test_daily_totals_filter_channels_in_the_database(store):
    chat = daily_totals(store, channels=["chat"])
    assert chat["channel"].unique().tolist() == ["chat"]
    both = daily_totals(store)
    assert chat.equals(both[both["channel"] == "chat"].reset_index(drop=True))
    one = daily_totals(store, countries=["AR"], channels=["voice"], end=dt.date(2024, 1, 2))
    assert one[["country", "channel", "contacts"]].values.tolist() == [["AR", "voice", 2.5]]


def test_spans_equal_the_loaded_rows_grouped(store):
    rows = store.load("contacts")
    want = rows.groupby(["country", "channel"], as_index=False).agg(
        first=("ds", "min"), last=("ds", "max")
    )
    pd.testing.assert_frame_equal(contact_spans(store), want)
    assert contact_queues(store) == [("AR", "chat"), ("AR", "voice"), ("HU", "chat")]
    volumes = rows.groupby("country", as_index=False)["contacts"].sum()
    pd.testing.assert_frame_equal(contact_volumes(store), volumes)
    traffic = store.load("traffic")
    want = traffic.groupby("country", as_index=False).agg(
        first=("date", "min"), last=("date", "max"), sessions=("sessions", "sum")
    )
    pd.testing.assert_frame_equal(traffic_spans(store), want)
    assert last_handled(store, [("HU", "chat"), ("AR", "voice")]) == {
        ("HU", "chat"): dt.datetime(2024, 1, 1, 8, 0)
    }


@pytest.mark.parametrize("per_query", [200, 1])
def test_contact_rows_are_the_loaded_rows_asked_for(store, monkeypatch, per_query):
    monkeypatch.setattr(summaries, "TERMS_PER_QUERY", per_query)  # one query per condition too
    since = {
        ("HU", "chat"): dt.datetime(2024, 1, 1, 8, 30),
        ("AR", "voice"): dt.datetime(2024, 1, 3),
    }
    days = {("HU", "chat"): [dt.date(2024, 1, 1)], ("AR", "voice"): [dt.date(2024, 1, 1)]}
    got = contact_rows(store, since=since, days=days)
    rows = store.load("contacts")
    keep = (
        ((rows["country"] == "HU") & (rows["channel"] == "chat"))  # 08:30 on, and the 1st
        | ((rows["country"] == "AR") & (rows["channel"] == "voice"))  # the 1st and the 3rd
    )
    pd.testing.assert_frame_equal(got, rows[keep].reset_index(drop=True))
    only_since = contact_rows(store, since=since)
    assert only_since["ds"].tolist() == [
        pd.Timestamp("2024-01-03 12:00"),
        pd.Timestamp("2024-01-01 08:30"),
        pd.Timestamp("2024-01-02 23:30"),
    ]
    assert contact_rows(store, since={}).empty
    assert list(contact_rows(store, since={}).columns) == list(rows.columns)


def test_traffic_days_are_the_loaded_rows_asked_for(store):
    rows = store.load("traffic")
    got = traffic_days(store, countries=["AR"], start=dt.date(2024, 1, 2))
    want = rows[(rows["country"] == "AR") & (rows["date"] >= "2024-01-02")]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
    pd.testing.assert_frame_equal(traffic_days(store), rows)
    assert traffic_days(store, countries=["DE"]).empty


def test_the_inputs_version_moves_with_an_import_from_any_process_only(store, tmp_path):
    from data.access import AuditAction, audit

    before = inputs_version(store)
    assert before > 0  # the two imports
    with store.engine.begin() as conn:  # a look at a person changes no input
        audit(conn, "hr", AuditAction.VIEW_AGENT, "A1")
    assert inputs_version(store) == before
    # a second process (the command line) imports: the version read here moves
    other = open_store(Settings(tmp_path, store.engine.url.render_as_string(hide_password=False)))
    other.import_file("traffic", b"country,date,sessions\nDE,2024-01-01,3\n", "t.csv", OPT)
    assert inputs_version(store) > before


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"countries": ["AR"]},
        {"channels": ["chat"], "start": dt.date(2024, 1, 2)},
        {"end": dt.date(2024, 1, 1)},
        {"start": dt.date(2024, 1, 4)},
    ],
)
def test_sqlite_seeks_per_day_equal_the_database_grouping(store, filters):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs the grouping itself (the other tests)")
    """SQLite sums a queue's days by one index seek each; the plain GROUP BY (what other
    databases run) gives the same frame."""
    seeks = daily_totals(store, **filters)
    grouped = summaries._daily_totals_grouped(
        store, *(filters.get(k) for k in ("countries", "channels", "start", "end"))
    )
    grouped["date"] = pd.to_datetime(grouped["date"]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(
        seeks, grouped[list(summaries.DAILY_COLUMNS)].astype({"contacts": float})
    )


def test_consecutive_days_are_read_as_one_range(store):
    days = [dt.date(2024, 1, 2), dt.date(2024, 1, 1), dt.date(2024, 1, 2)]
    assert summaries._day_ranges(days) == [(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3))]
    since = {("AR", "voice"): dt.datetime(2024, 1, 3, 12)}
    got = contact_rows(store, since=since, days={("AR", "voice"): days})
    rows = store.load("contacts")
    want = rows[(rows["country"] == "AR") & (rows["channel"] == "voice")]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True))
