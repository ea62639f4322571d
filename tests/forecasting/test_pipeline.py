"""run_forecast: executor and progress, picks, notes, refusals, traffic and drivers."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import SeriesModelTask, fold_cutoffs, run_series_model
from forecasting.errors import ForecastInputError, InsufficientHistoryError
from forecasting.frames import FORECAST_COLUMNS
from forecasting.pipeline import SHORT_MODELS, TRAFFIC_MODELS, run_forecast
from forecasting.traffic import TrafficScenario, apply_traffic_scenario, forecast_traffic
from formats import Formats
from tests.forecasting.conftest import WEEKLY, make_series


def test_executor_progress_picks_and_notes(two_series):
    hist, attrs = two_series
    calls: list[tuple[int, int, str]] = []
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        run = run_forecast(
            hist, attrs, 14, executor=pool, progress=lambda *a: calls.append(a), folds=2
        )
    total = 2 * len(SHORT_MODELS)
    assert calls[0] == (0, total, "starting")
    assert [c[0] for c in calls[1:]] == list(range(1, total + 1))
    assert all(c[1] == total for c in calls)
    assert {c[2].split(" · ")[0] for c in calls[1:]} == {"AR/phone", "HU/chat"}
    # 84 days < a year: no yearly terms, with a visible note
    assert set(run.metrics["model"]) == {*SHORT_MODELS, "combination"}
    assert sum(n.code == "short_history" for n in run.notes) == 2
    short = next(n for n in run.notes if n.code == "short_history")
    assert (short.values["days"], short.values["needed_days"]) == (84, 365)
    assert (run.metrics["folds"] == 2).all()
    # auto = the combination of the three lowest back-test WAPEs, weighted by inverse WAPE
    for uid, m in run.metrics.groupby("unique_id"):
        singles = m.loc[~m["model"].isin(["combination", "seasonal_naive"])].sort_values("wape")
        members = run.weights.loc[run.weights["unique_id"] == uid].set_index("model")["weight"]
        assert list(members.index) == list(singles["model"].iloc[:5])
        inverse = 1 / singles.set_index("model")["wape"].iloc[:5]
        np.testing.assert_allclose(members.to_numpy(), (inverse / inverse.sum()).to_numpy())
        assert run.picks.set_index("unique_id").loc[uid, "model"] == "combination"
        # the metrics table shows the members' weights
        shown = m.set_index("model")["weight"].dropna()
        np.testing.assert_allclose(shown[members.index].to_numpy(), members.to_numpy())
    assert list(run.forecast.columns) == list(FORECAST_COLUMNS)
    assert run.forecast.groupby("unique_id").size().tolist() == [14, 14]
    assert (run.forecast["model"] == "combination").all()
    assert len(run.all_forecasts) == 14 * (total + 2)


def test_user_override_of_the_pick(two_series):
    hist, attrs = two_series
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        run = run_forecast(
            hist, attrs, 7, model={"HU/chat": "seasonal_naive"}, executor=pool, folds=1
        )
    picks = run.picks.set_index("unique_id")
    assert picks.loc["HU/chat", "model"] == "seasonal_naive"
    assert picks.loc["HU/chat", "reason"].code == "user_choice"
    assert str(picks.loc["HU/chat", "reason"]) == "user choice"
    reason = picks.loc["AR/phone", "reason"]
    assert reason.code == "combination"
    backtest = run.metrics.set_index(["unique_id", "model"])["wape"]
    wape = backtest[("AR/phone", "combination")]
    assert reason.values["wape"] == pytest.approx(wape)
    assert f"back-test WAPE {Formats().percent(wape, 1)}" in reason.text
    for member in reason.values["members"]:
        assert f"{member['model']} " in reason.text
    with pytest.raises(ForecastInputError, match="model 'best' unknown"):
        run_forecast(hist, attrs, 7, model="best")
    with pytest.raises(ForecastInputError, match=r"models \['arima9'\] unknown"):
        run_forecast(hist, attrs, 7, models=["ets", "arima9"])


def test_too_short_series_is_named(two_series):
    hist, attrs = two_series
    short = make_series("HU/chat", days=20)
    hist = pd.concat([hist.loc[hist["unique_id"] == "AR/phone"], short], ignore_index=True)
    with pytest.raises(InsufficientHistoryError, match=r"'HU/chat' has 20 days"):
        run_forecast(hist, attrs, 7)


def test_malformed_inputs_are_refused(two_series):
    hist, attrs = two_series
    with pytest.raises(ForecastInputError, match="duplicate ds"):
        run_forecast(pd.concat([hist, hist.iloc[[3]]]).sort_values(["unique_id", "ds"]), attrs, 7)
    with pytest.raises(ForecastInputError, match="no country/channel"):
        run_forecast(hist, attrs.iloc[:1], 7)
    with pytest.raises(ForecastInputError, match="horizon_days"):
        run_forecast(hist, attrs, 0)
    with pytest.raises(ForecastInputError, match="needs a traffic frame"):
        run_forecast(hist, attrs, 7, scenario=TrafficScenario("AR", dt.date(2024, 3, 1), 0.2))


def _traffic_for(hist: pd.DataFrame, country: str, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "country": country,
            "date": hist["ds"].to_numpy(),
            "sessions": np.round(hist["y"].to_numpy() * 20 * rng.lognormal(0, 0.03, len(hist))),
        }
    )


def test_backtest_never_sees_actual_future_traffic():
    hist = make_series("AR/phone", days=84)
    traffic = _traffic_for(hist, "AR").rename(columns={"date": "ds"})
    h = 14
    spiked = traffic.copy()
    # a huge spike only in the last h days: no back-test fold may use it (prophet#442)
    spiked.loc[spiked["ds"] > hist["ds"].max() - pd.Timedelta(days=h), "sessions"] *= 10

    def task(t):
        return SeriesModelTask("AR/phone", "regression", hist, h, 2, traffic=t)

    clean, dirty = run_series_model(task(traffic)), run_series_model(task(spiked))
    assert clean.error is None and dirty.error is None
    for key in ("wape", "mase", "coverage_80", "coverage_95"):
        assert clean.metrics[key] == pytest.approx(dirty.metrics[key], rel=1e-9)
    # the final fit did learn from the spike: it is a real regressor
    assert not np.allclose(clean.forecast["forecast"], dirty.forecast["forecast"])


def test_fold_cutoffs_keep_four_weeks_of_training():
    ds = pd.Series(pd.date_range("2024-01-01", periods=70))
    cuts = fold_cutoffs(ds, 14, 5)
    assert len(cuts) == 3  # 70 - 14k >= 28 for k = 1..3
    assert cuts == sorted(cuts)
    assert cuts[-1] == ds.max() - pd.Timedelta(days=14)


def test_traffic_scenario_and_forecast():
    days = pd.date_range("2024-01-01", periods=56)
    traffic = pd.DataFrame(
        {
            "country": np.repeat(["AR", "HU"], 56),
            "ds": np.tile(days, 2),
            "sessions": np.tile(1000 * WEEKLY[days.day_of_week], 2),
        }
    )
    future = forecast_traffic(traffic, 14)
    assert future.groupby("country").size().tolist() == [14, 14]
    assert future["ds"].min() == days.max() + pd.Timedelta(days=1)
    assert future["sessions"].between(200, 1400).all()
    start = days.max() + pd.Timedelta(days=5)
    changed = apply_traffic_scenario(future, "AR", start, 0.2)
    ratio = changed["sessions"] / future["sessions"]
    hit = (future["country"] == "AR") & (future["ds"] >= start)
    assert np.allclose(ratio[hit], 1.2) and np.allclose(ratio[~hit], 1.0)
    with pytest.raises(ForecastInputError, match="fraction"):
        apply_traffic_scenario(future, "AR", start, -1.5)
    with pytest.raises(ForecastInputError, match="'IL'"):
        apply_traffic_scenario(future, "IL", start, 0.1)


def test_traffic_regressor_scenario_and_drivers():
    hist = make_series("AR/phone", days=84, seed=4)
    attrs = pd.DataFrame({"unique_id": ["AR/phone"], "country": ["AR"], "channel": ["phone"]})
    traffic = _traffic_for(hist, "AR")
    # a missing day-country is zero sessions, not a gap
    traffic = pd.concat(
        [traffic, pd.DataFrame({"country": ["HU"], "date": [hist["ds"].iloc[0]], "sessions": [3]})]
    )
    start = hist["ds"].max() + pd.Timedelta(days=8)
    kwargs = dict(
        traffic=traffic, executor=cf.ThreadPoolExecutor(1), folds=1, models=["regression"]
    )
    base = run_forecast(hist, attrs, 14, **kwargs)
    scen = run_forecast(
        hist, attrs, 14, scenario=TrafficScenario("AR", start.date(), 0.5), **kwargs
    )
    after = base.forecast["ds"] >= start
    lift = scen.forecast["forecast"] / base.forecast["forecast"]
    assert np.allclose(lift[~after], 1.0)
    assert (lift[after] > 1.2).all()  # contacts follow traffic here (elasticity about 1)
    traffic_text = [d.text for d in scen.drivers if d.kind == "traffic"]
    assert len(traffic_text) == 1
    assert re.search(r"AR web sessions forecast [\d,]+/day over the next 14 days", traffic_text[0])
    assert "scenario: +50%" in traffic_text[0]
    (driver,) = [d for d in scen.drivers if d.kind == "traffic"]
    assert driver.values["scenarios"] == [{"change": 0.5, "start": f"{start:%Y-%m-%d}"}]
    assert driver.values["days"] == 14 and driver.values["sessions_per_day"] > 0
    fut = scen.future_traffic
    assert set(fut["country"]) == {"AR"} and len(fut) == 14


@pytest.mark.slow
def test_drivers_report_estimated_holiday_effect_and_closed_days():
    """Two winters of a weekday-only HU series: +40% in the 3 days before Christmas, closed on it."""
    days = pd.date_range("2022-01-03", "2023-12-08")
    rng = np.random.default_rng(11)
    y = 300 * WEEKLY[days.day_of_week] * rng.lognormal(0, 0.04, len(days))
    xmas = pd.to_datetime(["2022-12-25"])
    pre = (
        days.isin(xmas - pd.Timedelta(days=1))
        | days.isin(xmas - pd.Timedelta(days=2))
        | days.isin(xmas - pd.Timedelta(days=3))
    )
    y = np.where(pre, y * 1.4, y)
    hist = pd.DataFrame({"unique_id": "HU/phone", "ds": days, "y": np.round(y)})
    closed = hist["ds"].isin(pd.to_datetime(["2022-12-26"]))  # a Monday: the bank is shut
    hist = hist.loc[~closed & (hist["ds"].dt.day_of_week < 5)].reset_index(drop=True)
    attrs = pd.DataFrame({"unique_id": ["HU/phone"], "country": ["HU"], "channel": ["phone"]})
    run = run_forecast(
        hist,
        attrs,
        28,
        executor=cf.ThreadPoolExecutor(1),
        folds=1,
        models=["seasonal_naive", "regression"],
        model="regression",
    )
    texts = [d.text for d in run.drivers if d.kind == "holiday"]
    line = next(t for t in texts if "Christmas Day (25 Dec)" in t)
    pct = int(re.search(r"contacts about \+(\d+)% in the 3 days before", line).group(1))
    # seen once: at most half its own +40%, the rest the shared effect of HU's holidays (~0)
    assert 10 <= pct <= 40
    assert "learnt from 1 past occurrence" in line
    assert any("closed on" in str(n) and "Second Day of Christmas" in str(n) for n in run.notes)
    closed = next(n for n in run.notes if n.code == "closed_holidays")
    assert "Second Day of Christmas" in closed.values["holidays"]
    xmas = next(
        d for d in run.drivers if d.kind == "holiday" and d.date == pd.Timestamp("2023-12-25")
    )
    assert xmas.values["pre"] == pytest.approx(pct / 100, abs=0.005)
    fc = run.forecast.set_index("ds")
    assert fc.loc[pd.Timestamp("2023-12-26"), "forecast"] == 0.0
    assert fc.loc[pd.Timestamp("2023-12-27"), "forecast"] > 100


def test_default_process_pool_pickles_the_jobs(two_series):
    hist, attrs = two_series
    run = run_forecast(hist, attrs, 7, folds=1, models=["seasonal_naive", "ets"])
    assert set(run.metrics["model"]) == {"seasonal_naive", "ets"}  # one member: no combination
    assert len(run.forecast) == 14


def test_autoarima_weighs_traffic_and_gives_the_drivers_its_elasticity():
    hist = make_series("AR/phone", days=120, seed=6)
    attrs = pd.DataFrame({"unique_id": ["AR/phone"], "country": ["AR"], "channel": ["phone"]})
    run = run_forecast(
        hist,
        attrs,
        14,
        traffic=_traffic_for(hist, "AR"),
        executor=cf.ThreadPoolExecutor(1),
        folds=1,
        models=["seasonal_naive", "autoarima"],
    )
    (driver,) = [d for d in run.drivers if d.kind == "traffic"]
    # contacts follow traffic one for one here: +10% sessions, about +10% contacts
    assert driver.values["contacts_change_at_10pct"] == pytest.approx(0.1, abs=0.06)


def test_autoarima_is_a_default_candidate_only_where_traffic_is_given(two_series):
    hist, attrs = two_series
    traffic = _traffic_for(hist.loc[hist["unique_id"] == "AR/phone"], "AR")
    run = run_forecast(hist, attrs, 14, traffic=traffic, executor=cf.ThreadPoolExecutor(1), folds=1)
    tried = run.metrics.groupby("unique_id")["model"].apply(set).to_dict()
    # AR has traffic: AutoARIMA (the default candidate that weighs it) joins the others
    assert tried["AR/phone"] == {*SHORT_MODELS, *TRAFFIC_MODELS, "combination"}
    assert tried["HU/chat"] == {*SHORT_MODELS, "combination"}
    assert "autoarima" not in SHORT_MODELS
    assert not [n for n in run.notes if n.code == "model_added"]
    # asked for by name it is fitted everywhere, with the note saying it was added
    chosen = run_forecast(
        hist, attrs, 14, model="autoarima", executor=cf.ThreadPoolExecutor(1), folds=1
    )
    assert set(chosen.picks["model"]) == {"autoarima"}
    assert sum(n.code == "model_added" for n in chosen.notes) == 2
