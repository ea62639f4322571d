"""Which saved run the overview and the plans take for each queue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data import forecast_runs as fr
from data.config import Settings
from data.store import open_store
from overview.sources import latest_forecast
from tests.data.test_forecast_runs import PLANNER, make_run

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
