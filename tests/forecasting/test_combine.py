"""Combination weights and members, conformal bands and the coverage they reach."""

from __future__ import annotations

import concurrent.futures as cf

import numpy as np
import pandas as pd
import pytest

from forecasting.combine import (
    COMBINATION,
    apply_conformal,
    combination_weights,
    combine,
    combine_each,
    conformal_quantiles,
    loo_coverage,
)
from forecasting.frames import FORECAST_COLUMNS
from forecasting.pipeline import run_forecast
from tests.forecasting.conftest import make_series


def test_weights_are_inverse_wape_of_the_best_five_never_the_naive():
    scores = pd.Series(
        {"a": 0.1, "b": 0.2, "c": 0.4, "d": 0.5, "e": np.nan, "f": 0.8, "g": 0.9}
        | {COMBINATION: 0.05, "seasonal_naive": 0.01}
    )
    w = combination_weights(scores)
    assert list(w.index) == ["a", "b", "c", "d", "f"]
    assert w.sum() == pytest.approx(1.0)
    assert w["a"] == pytest.approx(2 * w["b"]) and w["b"] == pytest.approx(2 * w["c"])
    assert list(combination_weights(scores, top_k=3).index) == ["a", "b", "c"]
    assert combination_weights(pd.Series({"a": np.nan})).empty


def _forecast(model: str, level: float, uid: str = "AR/phone") -> pd.DataFrame:
    ds = pd.date_range("2024-03-01", periods=5)
    return pd.DataFrame(
        {
            "unique_id": uid,
            "ds": ds,
            "model": model,
            "forecast": level,
            "forecast_lower": level * 0.9,
            "forecast_upper": level * 1.1,
            "forecast_lower_95": level * 0.8,
            "forecast_upper_95": level * 1.2,
        }
    )[list(FORECAST_COLUMNS)]


def test_the_combination_is_the_weighted_mean_of_its_members_only():
    frames = pd.concat([_forecast("a", 100.0), _forecast("b", 200.0), _forecast("c", 999.0)])
    w = pd.Series({"a": 0.75, "b": 0.25})
    out = combine(frames, w, ["unique_id", "ds"])
    assert (out["model"] == COMBINATION).all() and len(out) == 5
    np.testing.assert_allclose(out["forecast"], 125.0)
    np.testing.assert_allclose(out["forecast_upper_95"], 150.0)
    # a day a member lacks is left out rather than averaged over fewer members
    assert len(combine(frames.drop(index=4), w, ["unique_id", "ds"])) == 4


def _synthetic_backtest(folds: int, h: int = 28, sd: float = 0.1, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(folds):
        forecast = np.full(h, 500.0)
        y = forecast * np.exp(rng.normal(0.0, sd * np.sqrt(1 + np.arange(h) / h), h))
        rows.append(
            pd.DataFrame(
                {
                    "cutoff": pd.Timestamp("2024-01-01") + pd.Timedelta(days=h * k),
                    "step": np.arange(1, h + 1),
                    "y": y,
                    "forecast": forecast,
                }
            )
        )
    bt = pd.concat(rows, ignore_index=True)
    for col in ("forecast_lower", "forecast_upper", "forecast_lower_95", "forecast_upper_95"):
        bt[col] = bt["forecast"]
    return bt


def test_conformal_bands_cover_what_they_promise_on_a_synthetic_series():
    bt = _synthetic_backtest(folds=12)
    cov80, cov95 = loo_coverage(bt)
    assert 0.74 <= cov80 <= 0.86
    assert 0.9 <= cov95 <= 0.99
    q = conformal_quantiles(bt)
    assert (q["lo_95"] <= q["lo_80"]).all() and (q["hi_80"] <= q["hi_95"]).all()
    # fresh draws from the same process are covered at about the promised rates
    fresh = _synthetic_backtest(folds=40, seed=1)
    banded = apply_conformal(fresh, fresh["step"].to_numpy(), q)
    inside = (fresh["y"] >= banded["forecast_lower"]) & (fresh["y"] <= banded["forecast_upper"])
    assert 0.74 <= inside.mean() <= 0.86
    # bands widen with the horizon when the errors do
    assert (q["hi_95"] - q["lo_95"]).iloc[-1] > (q["hi_95"] - q["lo_95"]).iloc[0]


def test_a_run_reports_the_coverage_of_its_conformal_bands():
    hist = make_series("AR/phone", days=420, noise=0.12, seed=4)
    attrs = pd.DataFrame({"unique_id": ["AR/phone"], "country": ["AR"], "channel": ["phone"]})
    with cf.ThreadPoolExecutor(2) as pool:
        run = run_forecast(
            hist, attrs, 28, executor=pool, folds=4, models=["seasonal_naive", "autoets", "ets"]
        )
    m = run.metrics.set_index("model")
    assert m.loc[COMBINATION, "folds"] == 4
    assert 0.65 <= m.loc[COMBINATION, "coverage_80"] <= 0.95
    assert m.loc[COMBINATION, "coverage_80"] <= m.loc[COMBINATION, "coverage_95"]
    fc = run.forecast
    width80 = (fc["forecast_upper"] - fc["forecast_lower"]) / fc["forecast"]
    assert width80.between(0.1, 1.0).all()  # about +-1.3 sd of 12% noise, not parametric


def test_every_series_combined_at_once_is_each_series_combined_alone():
    rng = np.random.default_rng(3)
    frames, weights, alone = [], [], []
    for uid, members in (("BR/chat", ["b", "a", "c"]), ("AR/phone", ["a", "b"])):
        parts = [_forecast(m, float(rng.uniform(10, 500)), uid) for m in members]
        parts[-1] = parts[-1].iloc[1:]  # a day the last member lacks: left out
        w = pd.Series(rng.uniform(0.1, 1.0, len(members)), index=members)
        w = w / w.sum()
        frames += parts
        weights += [(uid, m, float(x)) for m, x in w.items()]
        alone.append(combine(pd.concat(parts, ignore_index=True), w, ["unique_id", "ds"]))
    w_frame = pd.DataFrame(weights, columns=["unique_id", "model", "weight"])
    together = combine_each(pd.concat(frames, ignore_index=True), w_frame, ["unique_id", "ds"])
    expected = pd.concat(alone[::-1], ignore_index=True)  # ordered by the keys: AR before BR
    pd.testing.assert_frame_equal(together, expected, check_exact=True)
    assert len(together) == 8 and list(together["unique_id"].unique()) == ["AR/phone", "BR/chat"]
