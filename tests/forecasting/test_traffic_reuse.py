"""Traffic forecast once per country and origin: same results, fewer fits, no leakage."""

from __future__ import annotations

import concurrent.futures as cf

import numpy as np
import pandas as pd
import pytest

from forecasting import backtest
from forecasting.backtest import SeriesModelTask, run_series_model
from forecasting.pipeline import run_forecast
from tests.forecasting.conftest import make_series


def _traffic(hist: pd.DataFrame, country: str) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "country": country,
            "date": hist["ds"].to_numpy(),
            "sessions": np.round(hist["y"].to_numpy() * 20 * rng.lognormal(0, 0.03, len(hist))),
        }
    )


def test_shared_traffic_forecasts_give_the_same_metrics_and_forecast():
    hist = make_series("AR/phone", days=84)
    traffic = _traffic(hist, "AR").rename(columns={"date": "ds"})
    h = 14
    alone = SeriesModelTask("AR/phone", "regression", hist, h, 2, traffic=traffic)
    origins = [
        hist.loc[hist["ds"] <= c, "ds"].max() for c in backtest.fold_cutoffs(hist["ds"], h, 2)
    ] + [hist["ds"].max()]
    shared = SeriesModelTask(
        "AR/phone",
        "regression",
        hist,
        h,
        2,
        traffic=traffic,
        traffic_forecasts={o: backtest.forecast_traffic_at(traffic, o, h) for o in origins},
    )
    a, b = run_series_model(alone), run_series_model(shared)
    assert a.error is None and b.error is None
    for key in ("wape", "mase", "coverage_80", "coverage_95"):
        assert a.metrics[key] == pytest.approx(b.metrics[key], rel=1e-12)
    pd.testing.assert_frame_equal(a.forecast, b.forecast)


def test_run_forecast_fits_traffic_once_per_country_and_origin(monkeypatch):
    hist = pd.concat(
        [make_series("AR/phone", days=84), make_series("AR/chat", days=84, seed=2)],
        ignore_index=True,
    )
    attrs = pd.DataFrame(
        {"unique_id": ["AR/chat", "AR/phone"], "country": "AR", "channel": ["chat", "phone"]}
    )
    traffic = _traffic(hist[hist["unique_id"] == "AR/phone"], "AR")
    calls = []
    real = backtest.forecast_traffic

    def counting(past, horizon_days):
        calls.append(past["ds"].max())
        return real(past, horizon_days)

    monkeypatch.setattr(backtest, "forecast_traffic", counting)
    with cf.ThreadPoolExecutor(2) as pool:
        run = run_forecast(
            hist, attrs, 14, traffic=traffic, executor=pool, folds=2, models=["regression", "ets"]
        )
    assert set(run.metrics["unique_id"]) == {"AR/chat", "AR/phone"}
    # 2 folds + the final fit, shared by 2 series x 2 models (it was 12 fits before)
    assert len(calls) == 3 and len(set(calls)) == 3
