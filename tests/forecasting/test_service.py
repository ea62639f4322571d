"""forecasting.service: the daily forecast and its split into intervals, for pages and the CLI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.sample import generate_sample
from forecasting.errors import ForecastInputError
from forecasting.service import forecast_contacts, split_daily_forecast


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
