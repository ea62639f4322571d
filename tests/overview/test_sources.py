"""Which saved run the overview and the plans take for each queue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import forecast_runs as fr
from data.config import Settings
from data.store import open_store
from data.validation import ReadOptions
from overview.sources import latest_forecast
from tests.data.test_forecast_runs import PLANNER, make_run
from tests.sample_forecast import PERIOD, daily_forecast

LONG = pd.date_range("2026-11-23", periods=56, freq="D")
SHORT = LONG[:14]


@pytest.fixture
def store(tmp_path):
    return open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'runs.db'}"))


def runs_by_queue(daily: pd.DataFrame) -> dict[str, int]:
    return {
        f"{c}/{ch}": int(r)
        for (c, ch), r in daily.groupby(["country", "channel"])["run_id"].first().items()
    }


def test_a_short_run_saved_later_does_not_hide_one_that_spans_the_period(store):
    long = fr.save_run(store, PLANNER, **{**make_run(days=LONG), "name": "8 weeks"})
    short = fr.save_run(store, PLANNER, **{**make_run(days=SHORT), "name": "2 weeks"})
    newest, _ = latest_forecast(store, PLANNER)
    assert runs_by_queue(newest) == {"AR/voice": short, "HU/voice": short}
    eight_weeks = (LONG[0].date(), LONG[-1].date())
    spanning, runs = latest_forecast(store, PLANNER, cover=eight_weeks)
    assert runs_by_queue(spanning) == {"AR/voice": long, "HU/voice": long}
    assert set(runs) == {long}
    two_weeks = (SHORT[0].date(), SHORT[-1].date())
    assert runs_by_queue(latest_forecast(store, PLANNER, cover=two_weeks)[0]) == {
        "AR/voice": short,
        "HU/voice": short,
    }
    # a period no run spans: the run covering most of it, whose gaps the caller reports
    beyond = (LONG[0].date(), LONG[-1].date() + dt.timedelta(days=7))
    assert runs_by_queue(latest_forecast(store, PLANNER, cover=beyond)[0]) == {
        "AR/voice": long,
        "HU/voice": long,
    }
    # equal cover: the newest
    again = fr.save_run(store, PLANNER, **{**make_run(days=LONG), "name": "8 weeks again"})
    assert set(latest_forecast(store, PLANNER, cover=eight_weeks)[1]) == {again}


def test_nothing_saved_gives_an_empty_frame(store):
    daily, runs = latest_forecast(store, PLANNER, cover=(LONG[0].date(), LONG[-1].date()))
    assert daily.empty and runs == {}


# --- the contacts history the overview reads --------------------------------------------------

SAMPLE_END = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from data.sample import seed_store

    directory = tmp_path_factory.mktemp("overview-history")
    store = open_store(Settings(directory, f"sqlite:///{directory / 'sample.db'}"))
    seed_store(store, directory / "files", end=SAMPLE_END)
    # a queue whose handle times stop weeks before its contacts do: its handle time then
    # comes from older rows, which must be read too
    days = pd.date_range("2026-06-01", str(SAMPLE_END), freq="D")
    lines = ["country,channel,interval_start,contacts,aht_seconds"]
    for day in days:
        for hour in range(9, 17):
            aht = "" if day >= pd.Timestamp("2026-09-01") else str(200 + day.day_of_year % 50)
            lines.append(f"AR,email,{day:%Y-%m-%d} {hour:02d}:00,{hour},{aht}")
    report, result = store.import_file(
        "contacts", "\n".join(lines).encode(), "ar-email.csv", ReadOptions(today=SAMPLE_END)
    )
    assert result is not None, report.lines()
    return store


def test_the_overview_from_its_history_equals_the_overview_from_the_whole_table(sample_store):
    from overview import build_overview
    from overview.sources import overview_history

    full = sample_store.load("contacts")
    history = overview_history(sample_store, PLANNER)
    # each queue's recent weeks and its holidays, a small part of the table
    assert len(history) < 0.2 * len(full)
    assert set(map(tuple, history[["country", "channel"]].drop_duplicates().to_numpy())) == set(
        map(tuple, full[["country", "channel"]].drop_duplicates().to_numpy())
    )
    daily = daily_forecast(full)
    inputs = (sample_store.load("agents"), sample_store.load("absences"))
    whole = build_overview(daily, full, *inputs, start=PERIOD[0], end=PERIOD[1])
    part = build_overview(daily, history, *inputs, start=PERIOD[0], end=PERIOD[1])
    assert not whole.daily_only and len(whole.weeks) and len(whole.holidays)
    pd.testing.assert_frame_equal(part.weeks, whole.weeks)
    pd.testing.assert_frame_equal(part.holidays, whole.holidays)
    assert (part.notes, part.actions, part.unforecast) == (
        whole.notes,
        whole.actions,
        whole.unforecast,
    )


def test_the_history_read_without_the_handle_times_window_would_differ(sample_store):
    """The AR email queue's handle time comes from rows older than its last eight weeks:
    reading only those weeks would leave it without one (so the longer window is needed)."""
    from overview.sources import overview_history
    from staffing.handle_times import recent_aht

    history = overview_history(sample_store, PLANNER)
    email = history[(history["country"] == "AR") & (history["channel"] == "email")]
    assert email["aht_seconds"].notna().any()
    got = recent_aht(history).set_index(["country", "channel"])["aht_seconds"]
    want = recent_aht(sample_store.load("contacts")).set_index(["country", "channel"])
    pd.testing.assert_series_equal(got, want["aht_seconds"])
