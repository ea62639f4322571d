"""forecasting.service: the daily forecast and its split into intervals, for pages and the CLI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.access import Principal
from data.config import Settings
from data.forecast_runs import load_run, save_run
from data.sample import generate_sample
from data.store import open_store
from forecasting.errors import ForecastInputError
from forecasting.service import forecast_contacts, split_daily_forecast
from forecasting.wording import word
from formats import Formats


@pytest.fixture(scope="module")
def hu_contacts():
    sample = generate_sample(dt.date(2026, 11, 21))
    contacts = sample.contacts[sample.contacts["country"] == "HU"].copy()
    contacts["ds"] = contacts["interval_start"]
    contacts["interval_minutes"] = 30
    return contacts.drop(columns="interval_start")


def test_intervals_sum_to_the_daily_forecast_and_match_a_saved_daily_frame(hu_contacts):
    result = forecast_contacts(hu_contacts, 14, model="seasonal_naive", interval_minutes=30)
    intervals = result.intervals
    sums = intervals.groupby(["country", "channel", "date"])["forecast"].sum()
    daily = result.daily.set_index(["country", "channel", "date"])["forecast"]
    np.testing.assert_allclose(sums.reindex(daily.index), daily, rtol=1e-9)
    assert (intervals["interval_start"].dt.minute % 30 == 0).all()
    assert set(intervals.groupby(["channel", "date"]).size()) == {48}
    # A saved run keeps only the 80% bounds: the split still works and gives the same points.
    again = split_daily_forecast(
        result.daily.drop(columns=["forecast_lower_95", "forecast_upper_95"]), hu_contacts, 30
    )
    pd.testing.assert_series_equal(again["forecast"], intervals["forecast"])
    assert (again["forecast_lower"] <= again["forecast"]).all()
    assert (again["forecast"] <= again["forecast_upper"]).all()


def test_daily_history_cannot_be_split(hu_contacts):
    daily = hu_contacts.assign(ds=hu_contacts["ds"].dt.normalize(), interval_minutes=1440)
    daily = daily.groupby(["country", "channel", "ds", "interval_minutes"], as_index=False)[
        "contacts"
    ].sum()
    result = forecast_contacts(daily, 7, model="seasonal_naive")
    with pytest.raises(ForecastInputError, match="need intraday history"):
        split_daily_forecast(result.daily, daily, 30)


def test_a_saved_run_words_its_notes_drivers_and_reasons_as_the_fresh_one(hu_contacts, tmp_path):
    """saved_layout -> the store's JSON Text columns -> load_run: the same sentences per locale."""
    result = forecast_contacts(hu_contacts, 40, model="seasonal_naive")  # over Christmas
    layout = result.saved_layout()
    run = result.run
    xmas = next(d for d in layout["drivers"] if d["date"] == "2026-12-25")
    assert xmas["kind"] == "holiday" and "(25 Dec)" in xmas["text"]
    assert layout["notes"] == [n.to_dict() for n in run.notes]
    assert [d["values"] for d in layout["drivers"]] == [dict(d.values) for d in run.drivers]
    assert layout["picks"]["reason"].tolist() == [r.to_dict() for r in run.picks["reason"]]
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'runs.db'}"))
    planner = Principal("pia", "planner")
    run_id = save_run(
        store,
        planner,
        name="wording",
        horizon_days=40,
        model="seasonal_naive",
        history_start=dt.date(2025, 1, 1),
        history_end=dt.date(2026, 11, 20),
        **layout,
    )
    saved = load_run(store, planner, run_id)
    assert list(saved.info.notes) == layout["notes"]
    assert list(saved.info.drivers) == layout["drivers"]
    for fmt in (Formats("en_GB"), Formats("de_DE")):
        assert [word(n, fmt) for n in saved.info.notes] == [word(n, fmt) for n in run.notes]
        assert [word(d, fmt) for d in saved.info.drivers] == [word(d, fmt) for d in run.drivers]
        assert [word(r, fmt) for r in saved.picks["reason"]] == [
            word(r, fmt) for r in run.picks.sort_values("unique_id")["reason"]
        ]
    assert [word(r) for r in saved.picks["reason"]] == ["user choice"] * len(saved.picks)
    assert "(25. Dez.)" in word(saved.info.drivers[layout["drivers"].index(xmas)], Formats("de_DE"))
