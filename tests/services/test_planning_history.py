"""What a plan reads of the contacts (``plan_history``, ``fit_history``): a small part of the
table, and the same plan as from the whole table, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.access import Principal
from data.config import Settings
from data.queue_settings import load_queue_settings, save_queue_settings
from data.sample import seed_store
from data.store import open_store
from data.validation import ReadOptions
from forecasting.frames import contacts_to_series
from services import planning
from services.planning import (
    FIT,
    PlanInputs,
    PlanningError,
    PlanRequest,
    fit_history,
    forecast_source,
    plan_history,
    plan_staffing,
    queue_settings_table,
    queue_setups,
)
from staffing.planning import MissingHandleTimeError
from tests.sample_forecast import PERIOD, daily_forecast

PLANNER = Principal("pia", "planner", "Pia")
TARGETS = {
    "service_level_target": 0.8,
    "answer_target_seconds": 20.0,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}
SAMPLE_END = dt.date(2026, 11, 29)
#: Queues added to the sample, each needing a part of the history a plain "last eight weeks"
#: read would miss (see :func:`sample`).
EXTRA = {
    ("AR", "email"): "handle times stop on 1 Sep 2026, contacts go on",
    ("ES", "voice"): "daily only: its pattern is learnt from the other voice queues",
}


def _lines(header: str, rows: list[str]) -> bytes:
    return "\n".join([header, *rows]).encode()


@pytest.fixture(scope="module")
def sample(module_database_url):
    """The sample to :data:`SAMPLE_END`, plus the queues of :data:`EXTRA`."""
    url, directory = module_database_url
    store = open_store(Settings(directory, url))
    seed_store(store, directory / "files", end=SAMPLE_END)
    days = pd.date_range("2026-06-01", str(SAMPLE_END), freq="D")
    ar, es = [], []
    for day in days:
        for hour in range(9, 17):
            aht = "" if day >= pd.Timestamp("2026-09-01") else str(200 + day.day_of_year % 50)
            ar.append(f"AR,email,{day:%Y-%m-%d} {hour:02d}:00,{hour},{aht}")
        es.append(f"ES,voice,{day:%Y-%m-%d},{500 + 40 * (day.day_of_week < 5)}")
    files = [
        ("ar-email.csv", _lines("country,channel,interval_start,contacts,aht_seconds", ar)),
        ("es-voice.csv", _lines("country,channel,date,contacts", es)),
    ]
    for name, content in files:
        report, result = store.import_file("contacts", content, name, ReadOptions(today=SAMPLE_END))
        assert result is not None, report.lines()
    save_queue_settings(
        store, PLANNER, "ES", "voice", aht_seconds=240.0, opening_hours=None, profile_source=None
    )
    return store


@pytest.fixture(scope="module")
def whole(sample):
    return sample.load("contacts")


@pytest.fixture(scope="module")
def recent(sample):
    return plan_history(sample, PLANNER)


def queues(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(map(tuple, frame[["country", "channel"]].drop_duplicates().to_numpy()))


def test_a_plan_reads_a_small_part_of_the_table_with_every_queue(whole, recent):
    assert len(recent) < 0.25 * len(whole)
    assert queues(recent) == queues(whole)
    # every queue's last row is read: the plan's periods start after the same days
    assert planning.history_ends(recent) == planning.history_ends(whole)
    # holidays and eves long before the last eight weeks are read (their own profiles)
    assert (recent["ds"].dt.strftime("%m-%d") == "12-24").any()
    assert recent["ds"].min() < pd.Timestamp("2025-01-01")


def test_the_plan_from_its_history_equals_the_plan_from_the_whole_table(sample, whole, recent):
    """Every queue of the sample and :data:`EXTRA` over Christmas: own half-hour patterns with
    holiday and eve profiles, a learnt one, handle times from older rows and from settings."""
    countries = tuple(sorted({c for c, _ in queues(whole)}))
    channels = tuple(sorted({ch for _, ch in queues(whole)}))
    request = PlanRequest(PERIOD, countries, channels, TARGETS, forecast=FIT)
    setups = queue_setups(load_queue_settings(sample, PLANNER))
    daily = daily_forecast(whole)
    full = plan_staffing(request, PlanInputs(whole, setups=setups, fitted_daily=daily))
    part = plan_staffing(
        request, PlanInputs(recent, setups=setups, fitted_daily=daily, recent_only=True)
    )
    patterns = full.intervals.queues.set_index(["country", "channel"])["pattern"]
    assert patterns[("GB", "voice")] == "history" and patterns[("ES", "voice")] == "learnt"
    sources = full.handle_times.set_index(["country", "channel"])["aht_source"]
    assert sources[("AR", "email")] == "history" and sources[("ES", "voice")] == "setting"
    pd.testing.assert_frame_equal(part.handle_times, full.handle_times)
    pd.testing.assert_frame_equal(part.intervals.intervals, full.intervals.intervals)
    pd.testing.assert_frame_equal(part.intervals.queues, full.intervals.queues)
    pd.testing.assert_frame_equal(part.requirements, full.requirements)
    assert part.notes == full.notes
    # what a read of each queue's last eight weeks alone would miss: AR/email's handle times,
    # and the older holidays and eves, without which Christmas is split differently
    older = recent["ds"] < pd.Timestamp(SAMPLE_END) - pd.Timedelta(weeks=8, days=1)
    email = (recent["country"] == "AR") & (recent["channel"] == "email")
    with pytest.raises(MissingHandleTimeError, match="AR/email"):
        plan_staffing(request, PlanInputs(recent[~older], setups=setups, fitted_daily=daily))
    short = plan_staffing(
        request, PlanInputs(recent[~older | email], setups=setups, fitted_daily=daily)
    )
    christmas = full.requirements["interval_start"].dt.strftime("%m-%d").isin(["12-24", "12-25"])
    assert not short.requirements[christmas].equals(full.requirements[christmas])
    ordinary = full.requirements["interval_start"].dt.strftime("%m-%d") == "12-03"
    pd.testing.assert_frame_equal(short.requirements[ordinary], full.requirements[ordinary])


def test_the_queue_settings_table_from_the_history_equals_the_whole_tables(sample, whole, recent):
    stored = load_queue_settings(sample, PLANNER)
    pd.testing.assert_frame_equal(
        queue_settings_table(recent, stored), queue_settings_table(whole, stored)
    )


def test_a_fit_reads_daily_totals_equal_to_the_whole_table_summed(sample, whole, recent):
    request = PlanRequest(PERIOD, ("AR", "HU"), ("email", "voice"), TARGETS, forecast=FIT)
    source = forecast_source(request, PlanInputs(recent, recent_only=True))
    totals = fit_history(sample, PLANNER, source)
    chosen = whole[whole["country"].isin(["AR", "HU"]) & whole["channel"].isin(["email", "voice"])]
    got, got_attrs = contacts_to_series(totals)
    want, want_attrs = contacts_to_series(chosen)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got_attrs, want_attrs)


def test_a_fit_from_the_recent_rows_alone_is_refused_and_reads_the_totals(
    sample, recent, monkeypatch
):
    request = PlanRequest(PERIOD, ("HU",), ("voice",), TARGETS, forecast=FIT)
    inputs = PlanInputs(recent, recent_only=True)
    source = forecast_source(request, inputs)
    with pytest.raises(PlanningError, match="whole history's daily totals"):
        planning.fit_daily(source, inputs)
    seen = []

    def record(contacts, horizon_days, **kwargs):
        seen.append(contacts)
        raise RuntimeError("stop here")

    monkeypatch.setattr(planning, "forecast_frames", record)
    totals = fit_history(sample, PLANNER, source)
    with pytest.raises(RuntimeError, match="stop here"):
        planning.fit_daily(source, PlanInputs(recent, recent_only=True, daily_totals=totals))
    assert seen[0] is totals
