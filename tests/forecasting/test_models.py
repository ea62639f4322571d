"""Contract every forecaster must keep, plus holiday-effect recovery and closed days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ForecastInputError, InsufficientHistoryError, NotFittedError
from forecasting.frames import FORECAST_COLUMNS
from forecasting.models import MODEL_CLASSES, RegressionARIMA, make_forecaster, open_weekdays
from tests.forecasting.conftest import make_series

MODEL_NAMES = sorted(MODEL_CLASSES)
H = 21


def _check_contract(fc: pd.DataFrame, hist: pd.DataFrame, name: str, h: int = H) -> None:
    assert list(fc.columns) == list(FORECAST_COLUMNS)
    assert len(fc) == h
    assert (fc["model"] == name).all()
    assert (fc["unique_id"] == hist["unique_id"].iloc[0]).all()
    expected = pd.date_range(hist["ds"].max() + pd.Timedelta(days=1), periods=h, freq="D")
    assert (pd.DatetimeIndex(fc["ds"]) == expected).all()
    v = fc[list(FORECAST_COLUMNS[3:])].to_numpy()
    assert np.isfinite(v).all()
    assert (v >= 0).all()
    assert (fc["forecast_lower_95"] <= fc["forecast_lower"]).all()
    assert (fc["forecast_lower"] <= fc["forecast"]).all()
    assert (fc["forecast"] <= fc["forecast_upper"]).all()
    assert (fc["forecast_upper"] <= fc["forecast_upper_95"]).all()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_contract(name, series):
    model = make_forecaster(name)
    with pytest.raises(NotFittedError, match="not fitted"):
        model.predict(H)
    assert model.fit(series) is model
    fitted = [a for a in vars(model) if a.endswith("_") and not a.startswith("_")]
    assert fitted, "fitted state lives in attributes ending in _"
    fc = model.predict(H)
    _check_contract(fc, series, name)
    # the forecast follows the weekly pattern: weekdays above Sundays
    by_day = fc.groupby(fc["ds"].dt.day_of_week)["forecast"].mean()
    assert by_day[0] > 2 * by_day[6]
    # intervals are not degenerate
    assert (fc["forecast_upper_95"] - fc["forecast_lower_95"]).mean() > 0


@pytest.mark.parametrize("name", ["regression", "prophet", "autoarima"])
def test_contract_with_holidays_and_traffic(name, series):
    from forecasting.holidays import make_holidays_frame

    hf = make_holidays_frame(["AR"], series["ds"].min(), series["ds"].max() + pd.Timedelta(days=H))
    rng = np.random.default_rng(3)
    train = series.assign(traffic=series["y"] * 10 * rng.lognormal(0, 0.02, len(series)))
    future = pd.DataFrame(
        {
            "ds": pd.date_range(series["ds"].max() + pd.Timedelta(days=1), periods=H),
            "traffic": 1500.0,
        }
    )
    model = make_forecaster(name, holidays=hf, regressors=("traffic",)).fit(train)
    _check_contract(model.predict(H, future_regressors=future), series, name)
    with pytest.raises(ForecastInputError, match="future values"):
        model.predict(H)
    with pytest.raises(ForecastInputError, match="no value on"):
        model.predict(H, future_regressors=future.iloc[:5])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_weekday_only_series_forecasts_zero_on_closed_days(name):
    full = make_series(days=70)
    bank = full.loc[full["ds"].dt.day_of_week < 5].reset_index(drop=True)
    # a closed weekday holiday is a gap, not a zero
    bank = bank.loc[bank["ds"] != pd.Timestamp("2024-02-14")].reset_index(drop=True)
    model = make_forecaster(name).fit(bank)
    assert model.open_weekdays_ == frozenset(range(5))
    fitted = getattr(model, "members_", [model])
    assert all(m.y_.min() > 0 for m in fitted), "gaps must not be filled with zeros"
    fc = model.predict(H)
    _check_contract(fc, bank, name)
    weekend = fc["ds"].dt.day_of_week >= 5
    assert (fc.loc[weekend, list(FORECAST_COLUMNS[3:])] == 0).all().all()
    assert (fc.loc[~weekend, "forecast"] > 50).all()


def test_open_weekdays_respects_a_friday_saturday_weekend():
    full = make_series(days=56)
    il = full.loc[~full["ds"].dt.day_of_week.isin([4, 5])]
    assert open_weekdays(il["ds"], il["y"].to_numpy()) == frozenset({0, 1, 2, 3, 6})


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.assign(y=d["y"].where(d.index != 5)), "NaN"),
        (lambda d: d.assign(y=d["y"].where(d.index != 5, -3.0)), "negative"),
        (lambda d: pd.concat([d, d.iloc[[10]]]).sort_values("ds", kind="stable"), "duplicate ds"),
        (lambda d: d.iloc[::-1], "not sorted"),
        (lambda d: d.drop(columns="y"), "missing column"),
        (lambda d: d.assign(ds=d["ds"].dt.tz_localize("UTC")), "timezone-naive"),
    ],
)
def test_malformed_history_is_refused(mutate, match, series):
    with pytest.raises(ForecastInputError, match=match):
        make_forecaster("ets").fit(mutate(series))
    assert issubclass(ForecastInputError, ValueError)


def test_too_short_history_is_refused():
    short = make_series(uid="HU/phone", days=20)
    with pytest.raises(InsufficientHistoryError, match=r"'HU/phone' has 20 days"):
        make_forecaster("seasonal_naive").fit(short)
    assert issubclass(InsufficientHistoryError, ValueError)


def test_bad_horizon_and_unknown_model(series):
    with pytest.raises(ForecastInputError, match="h must be"):
        make_forecaster("seasonal_naive").fit(series).predict(0)
    with pytest.raises(ForecastInputError, match="unknown model 'arima9'"):
        make_forecaster("arima9")


def _series_with_monthly_event(days: int = 400, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A made-up holiday on the 15th of each month: +40% on the 3 days before, -50% on the day."""
    hist = make_series(uid="XX/phone", days=days, level=500.0, noise=0.04, seed=seed)
    event_days = pd.date_range("2024-01-15", periods=days // 28 + 3, freq="MS") + pd.Timedelta(
        days=14
    )
    hf = pd.DataFrame(
        {
            "country": "XX",
            "holiday": "Test Day",
            "ds": event_days,
            "lower_window": -3,
            "upper_window": 0,
        }
    )
    ds = hist["ds"]
    pre = np.zeros(len(ds), bool)
    for k in (1, 2, 3):
        pre |= ds.isin(event_days - pd.Timedelta(days=k)).to_numpy()
    on = ds.isin(event_days).to_numpy()
    y = hist["y"].to_numpy() * np.where(pre, 1.4, 1.0) * np.where(on, 0.5, 1.0)
    return hist.assign(y=np.round(y)), hf


def test_regression_recovers_pre_holiday_rise():
    hist, hf = _series_with_monthly_event(days=300)
    model = RegressionARIMA(holidays=hf).fit(hist)
    eff = model.holiday_effects_.set_index("group")["effect"]
    assert set(eff.index) == {"pre", "on"}
    assert eff["pre"] == pytest.approx(0.4, abs=0.1)
    assert eff["on"] == pytest.approx(-0.5, abs=0.1)
    # and it shows in the forecast: 12-14 Dec (pre) above, 15 Dec (on) below the same weekdays
    fc = model.predict(60).set_index("ds")["forecast"]
    base = make_forecaster("regression").fit(hist).predict(60).set_index("ds")["forecast"]
    day = pd.Timestamp("2024-12-15")
    pre_days = [day - pd.Timedelta(days=k) for k in (1, 2, 3)]
    assert (fc[pre_days] / base[pre_days]).mean() > 1.2
    assert fc[day] / base[day] < 0.7


@pytest.mark.slow
def test_prophet_recovers_pre_holiday_rise():
    hist, hf = _series_with_monthly_event(days=300)
    fc = make_forecaster("prophet", holidays=hf).fit(hist).predict(60).set_index("ds")["forecast"]
    day = pd.Timestamp("2024-12-15")
    pre = fc[[day - pd.Timedelta(days=k) for k in (1, 2, 3)]].to_numpy()
    same_weekdays = fc[[day - pd.Timedelta(days=k) for k in (8, 9, 10)]].to_numpy()
    assert (pre / same_weekdays).mean() == pytest.approx(1.4, abs=0.15)
    assert fc[day] / fc[day - pd.Timedelta(days=7)] == pytest.approx(0.5, abs=0.15)
