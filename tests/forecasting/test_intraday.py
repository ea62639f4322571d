"""Intraday split: profiles per weekday, holiday profile, exact daily sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ForecastInputError
from forecasting.frames import FORECAST_COLUMNS
from forecasting.intraday import (
    INTRADAY_COLUMNS,
    intraday_profiles,
    resample_intervals,
    split_intraday,
)


def _history(interval: int = 30, weeks: int = 10, holiday: str | None = None) -> pd.DataFrame:
    """Open 08:00-18:00; Mondays peak in the morning, other days in the afternoon."""
    days = pd.date_range("2024-01-01", periods=weeks * 7)
    slots = np.arange(8 * 60, 18 * 60, interval)
    ds = (days.to_numpy()[:, None] + (slots * 60_000_000_000).astype("timedelta64[ns]")).ravel()
    ds = pd.DatetimeIndex(ds)
    morning = ds.hour < 12
    monday = ds.day_of_week == 0
    y = np.where(monday, np.where(morning, 30, 10), np.where(morning, 10, 20)) * interval / 30
    if holiday is not None:
        on_holiday = ds.normalize() == pd.Timestamp(holiday)
        y = np.where(on_holiday, np.where(ds.hour == 8, 50, 1), y)  # early rush only
    return pd.DataFrame({"unique_id": "HU/phone", "ds": ds, "y": y.astype(float)})


def _daily(start: str = "2024-03-11", days: int = 7) -> pd.DataFrame:
    ds = pd.date_range(start, periods=days)
    forecast = np.linspace(400.3, 611.7, days)
    return pd.DataFrame(
        {
            "unique_id": "HU/phone",
            "ds": ds,
            "model": "ets",
            "forecast": forecast,
            "forecast_lower": forecast * 0.9,
            "forecast_upper": forecast * 1.1,
            "forecast_lower_95": forecast * 0.8,
            "forecast_upper_95": forecast * 1.2,
        }
    )[list(FORECAST_COLUMNS)]


@pytest.mark.parametrize("interval", [5, 6, 10, 15, 30, 60])
def test_interval_sums_equal_daily_totals(interval):
    daily = _daily()
    out = split_intraday(daily, _history(), interval)
    assert list(out.columns) == list(INTRADAY_COLUMNS)
    assert len(out) == len(daily) * 1440 // interval
    assert (out["interval_minutes"] == interval).all()
    sums = out.groupby(out["ds"].dt.normalize())[list(FORECAST_COLUMNS[3:])].sum()
    expected = daily.set_index("ds")[list(FORECAST_COLUMNS[3:])]
    np.testing.assert_allclose(sums.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert (out[list(FORECAST_COLUMNS[3:])] >= 0).all().all()
    assert (out["forecast_lower_95"] <= out["forecast"]).all() and (
        out["forecast"] <= out["forecast_upper_95"]
    ).all()


def test_weekday_profiles_and_opening_hours():
    out = split_intraday(_daily(), _history(), 30)
    out["hour"] = out["ds"].dt.hour
    closed = (out["hour"] < 8) | (out["hour"] >= 18)
    assert (out.loc[closed, "forecast"] == 0).all()
    monday = out.loc[out["ds"].dt.day_of_week == 0]
    tuesday = out.loc[out["ds"].dt.day_of_week == 1]
    assert (
        monday.loc[monday["hour"] < 12, "forecast"].sum()
        > 1.9 * monday.loc[monday["hour"] >= 12, "forecast"].sum()
    )
    assert (
        tuesday.loc[tuesday["hour"] < 12, "forecast"].sum()
        < tuesday.loc[tuesday["hour"] >= 12, "forecast"].sum()
    )


def test_holidays_get_their_own_profile_and_stay_out_of_the_normal_one():
    hol = pd.DataFrame({"ds": pd.to_datetime(["2024-03-04", "2024-03-15"])})  # a Monday in history
    hist = _history(holiday="2024-03-04")
    prof = intraday_profiles(hist, 60, hol)
    monday = prof.loc[prof["day_type"] == "0"].set_index("slot")["share"]
    holiday = prof.loc[prof["day_type"] == "holiday"].set_index("slot")["share"]
    assert holiday[8] > 0.8  # the early rush
    assert monday[8] < 0.3  # the holiday did not leak into Mondays
    out = split_intraday(_daily(), hist, 60, holidays=hol)
    fri = out.loc[out["ds"].dt.normalize() == pd.Timestamp("2024-03-15")]
    assert fri.loc[fri["ds"].dt.hour == 8, "forecast"].iloc[0] / fri["forecast"].sum() > 0.8


def test_coarser_history_is_spread_evenly():
    out = split_intraday(_daily(), _history(interval=60), 15)
    day = out.loc[out["ds"].dt.normalize() == pd.Timestamp("2024-03-12")].set_index("ds")[
        "forecast"
    ]
    quarter = day.loc["2024-03-12 09:00":"2024-03-12 09:45"]
    assert np.allclose(quarter, quarter.iloc[0]) and quarter.iloc[0] > 0


@pytest.mark.parametrize(("history", "planning"), [(15, 10), (6, 30), (5, 60), (60, 6), (10, 15)])
def test_history_of_any_export_length_is_resampled_to_the_planning_interval(history, planning):
    hist = _history(interval=history)
    res = resample_intervals(hist, planning)
    # totals per day are kept, and every interval starts on the planning grid
    by_day = res.groupby(res["ds"].dt.normalize())["y"].sum()
    np.testing.assert_allclose(by_day, hist.groupby(hist["ds"].dt.normalize())["y"].sum())
    minutes = res["ds"].dt.hour * 60 + res["ds"].dt.minute
    assert (minutes % planning == 0).all()
    # and the split still follows the history's shape: Monday mornings are busier
    out = split_intraday(_daily(), hist, planning)
    monday = out.loc[out["ds"].dt.normalize() == pd.Timestamp("2024-03-11")]
    morning = monday.loc[monday["ds"].dt.hour < 12, "forecast"].sum()
    assert morning == pytest.approx(2 / 3 * monday["forecast"].sum(), rel=0.02)


def test_a_coarse_interval_is_spread_over_finer_planning_intervals():
    hist = _history(interval=15)
    res = resample_intervals(hist, 10).set_index("ds")["y"]
    # 08:00-08:15 (15 contacts on a Monday) -> 10 to 08:00-08:10, 5 to 08:10-08:20
    assert res[pd.Timestamp("2024-01-01 08:00")] == pytest.approx(10.0)
    assert res[pd.Timestamp("2024-01-01 08:10")] == pytest.approx(10.0)  # 5 + 5 of the next


def test_holiday_eves_get_their_own_profile():
    """A half day: the eve closes at noon; the holiday itself has an early rush."""
    hist = _history(interval=30, holiday="2024-03-04")
    eve_day = pd.Timestamp("2024-03-01")
    on_eve = hist["ds"].dt.normalize() == eve_day
    hist.loc[on_eve & (hist["ds"].dt.hour >= 12), "y"] = 0.0
    hol = pd.DataFrame({"ds": pd.to_datetime(["2024-03-04", "2024-03-15"])})
    eves = pd.DataFrame({"ds": pd.to_datetime(["2024-03-01", "2024-03-14"])})
    prof = intraday_profiles(hist, 60, hol, eves=eves)
    eve = prof.loc[prof["day_type"] == "eve"].set_index("slot")["share"]
    assert eve.loc[eve.index >= 12].sum() == 0 and eve.sum() == pytest.approx(1.0)
    friday = prof.loc[prof["day_type"] == "4"].set_index("slot")["share"]
    assert friday.loc[friday.index >= 12].sum() > 0.5  # the eve did not leak into Fridays
    out = split_intraday(_daily(), hist, 60, holidays=hol, eves=eves)
    thursday = out.loc[out["ds"].dt.normalize() == pd.Timestamp("2024-03-14")]
    assert thursday.loc[thursday["ds"].dt.hour >= 12, "forecast"].sum() == 0
    fri = out.loc[out["ds"].dt.normalize() == pd.Timestamp("2024-03-15")]
    assert fri.loc[fri["ds"].dt.hour == 8, "forecast"].iloc[0] / fri["forecast"].sum() > 0.8


def test_bad_interval_and_frame():
    with pytest.raises(ForecastInputError, match="interval_minutes must be one of"):
        split_intraday(_daily(), _history(), 20)
    with pytest.raises(ForecastInputError, match="interval_minutes must be one of"):
        split_intraday(_daily(), _history(), 45)
    with pytest.raises(ForecastInputError, match="missing column"):
        split_intraday(_daily().drop(columns="forecast_lower"), _history(), 30)
