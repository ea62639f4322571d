"""Pooled holiday effects: shared effect for unseen holidays, own effect for often-seen ones."""

from __future__ import annotations

import concurrent.futures as cf

import numpy as np
import pandas as pd
import pytest

from forecasting.holiday_effects import (
    estimate_holiday_effects,
    holiday_group_arrays,
    label_holiday_days,
    measure_holidays,
    pool_holiday_effects,
    pool_over_run,
)
from forecasting.holidays import make_holidays_frame
from forecasting.pipeline import closed_holidays, run_forecast
from tests.forecasting.conftest import make_series


def _frame(rows: list[tuple[str, str]], pre: int = 0, post: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": "XX",
            "holiday": [name for name, _ in rows],
            "ds": pd.to_datetime([day for _, day in rows]),
            "lower_window": -pre,
            "upper_window": post,
        }
    )


def _apply(hist: pd.DataFrame, days: dict[str, float]) -> pd.DataFrame:
    factor = hist["ds"].map({pd.Timestamp(d): f for d, f in days.items()}).fillna(1.0)
    return hist.assign(y=np.round(hist["y"] * factor.to_numpy()))


def _dips_and_a_peak() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three years; eight holidays seen once at -60%; "Peak Day" seen every year at +50%;
    "Moving Day" only in the future."""
    hist = make_series("XX/phone", start="2022-01-03", days=1095, level=400.0, noise=0.04, seed=3)
    dips = [(f"Dip {i}", f"2023-{i + 2:02d}-{10 + i:02d}") for i in range(8)]
    peaks = [("Peak Day", f"{year}-08-15") for year in (2022, 2023, 2024)]
    future = [("Moving Day", "2025-01-14"), ("Peak Day", "2025-08-15")]
    hf = _frame(dips + peaks + future)
    shaped = _apply(hist, {d: 0.4 for _, d in dips} | {d: 1.5 for _, d in peaks})
    return shaped, hf


def test_a_holiday_never_seen_takes_the_shared_effect():
    hist, hf = _dips_and_a_peak()
    eff = estimate_holiday_effects(hist["ds"], hist["y"].to_numpy(), hf, "XX")
    on = eff.effects.loc[eff.effects["group"] == "on"].set_index("holiday")
    shared = eff.shared.set_index("group").loc["on"]
    assert on.loc["Moving Day", "source"] == "shared" and on.loc["Moving Day", "occurrences"] == 0
    assert on.loc["Moving Day", "coef_log"] == pytest.approx(shared["coef_log"])
    assert shared["holidays"] == 9 and shared["scope"] == "country"
    # the shared effect is a dip: eight of the nine holidays dip by 60%
    assert shared["effect"] < -0.3
    offset = eff.offsets(pd.to_datetime(["2025-01-14", "2025-01-15"]))
    assert offset[0] == pytest.approx(shared["coef_log"]) and offset[1] == 0.0


def test_a_holiday_seen_often_keeps_mostly_its_own_effect_and_one_seen_once_is_shrunk():
    hist, hf = _dips_and_a_peak()
    eff = estimate_holiday_effects(hist["ds"], hist["y"].to_numpy(), hf, "XX")
    on = eff.effects.loc[eff.effects["group"] == "on"].set_index("holiday")
    shared = eff.shared.set_index("group").loc["on", "coef_log"]
    peak = on.loc["Peak Day"]
    assert peak["occurrences"] == 3 and peak["source"] == "own"
    assert peak["effect"] > 0.1  # a peak stays a peak despite the dipping neighbours
    assert peak["own_log"] == pytest.approx(np.log(1.5), abs=0.08)
    # shrinkage toward the shared effect never overshoots, and one occurrence counts for at
    # most half: |pooled - shared| <= n / (n + 1) |own - shared|
    for _, row in on.loc[on["occurrences"] > 0].iterrows():
        n = row["occurrences"]
        assert abs(row["coef_log"] - shared) <= n / (n + 1) * abs(row["own_log"] - shared) + 1e-9


def test_days_are_labelled_once_the_holiday_beats_a_neighbours_window():
    hf = _frame([("Christmas Day", "2024-12-25"), ("St Stephen", "2024-12-26")], pre=2, post=1)
    labels = label_holiday_days(hf).set_index("ds")
    assert labels.loc["2024-12-25", "holiday"] == "Christmas Day"
    assert labels.loc["2024-12-25", "group"] == "on"
    assert labels.loc["2024-12-26", "holiday"] == "St Stephen"
    assert labels.loc["2024-12-27", "group"] == "post"
    assert labels.loc["2024-12-24", "group"] == "pre"
    assert labels.index.is_unique


def test_a_country_with_few_holidays_borrows_the_runs_shared_effect():
    hist, hf = _dips_and_a_peak()
    rich = measure_holidays(hist["ds"], hist["y"].to_numpy(), hf)
    few_hist = make_series("YY/phone", start="2022-01-03", days=1095, level=300.0, seed=5)
    few_hf = _frame([("Lonely Day", "2023-05-10"), ("Unseen Day", "2025-02-03")])
    few_hist = _apply(few_hist, {"2023-05-10": 0.5})
    few = measure_holidays(few_hist["ds"], few_hist["y"].to_numpy(), few_hf)
    alone = pool_holiday_effects(few, few_hf, "YY")
    pooled = pool_holiday_effects(few, few_hf, "YY", others=[rich])
    assert alone.scope == "country" and pooled.scope == "run"
    assert pooled.shared.set_index("group").loc["on", "holidays"] == 10
    unseen = pooled.effects.set_index(["holiday", "group"]).loc[("Unseen Day", "on")]
    assert unseen["source"] == "shared" and unseen["effect"] < -0.3
    # the same pool put together by the caller from each series' means (as the pipeline does,
    # once per series instead of once per series that borrows) gives the same numbers
    made = pool_over_run(
        [holiday_group_arrays(few), holiday_group_arrays(rich), holiday_group_arrays(rich)],
        [few.noise_var, rich.noise_var, rich.noise_var],
    )
    twice = pool_holiday_effects(few, few_hf, "YY", others=[rich, rich])
    again = pool_holiday_effects(few, few_hf, "YY", run_pooled=made)
    pd.testing.assert_frame_equal(again.effects, twice.effects, check_exact=True)
    pd.testing.assert_frame_equal(again.shared, twice.shared, check_exact=True)
    assert twice.shared.set_index("group").loc["on", "holidays"] == 19
    assert pool_over_run([{}, {}], [1.0, 2.0]) is None  # nobody measured a holiday


def test_closed_on_every_past_holiday_means_closed_on_an_unseen_one_but_never_on_an_open_one():
    full = make_series("XX/phone", start="2024-01-01", days=120)
    days = ["2024-01-10", "2024-02-14", "2024-03-13"]  # Wednesdays, all closed
    hist = full.loc[~full["ds"].isin(pd.to_datetime(days))].reset_index(drop=True)
    hf = _frame([*[(f"Closed {i}", d) for i, d in enumerate(days)], ("New Day", "2024-05-15")])
    assert closed_holidays(hist, hf) == frozenset({"Closed 0", "Closed 1", "Closed 2", "New Day"})
    # one holiday whose own history shows it open: only the always-closed ones stay closed
    hf_open = pd.concat([hf, _frame([("Open Day", "2024-03-20"), ("Open Day", "2024-05-22")])])
    closed = closed_holidays(hist, hf_open)
    assert "Open Day" not in closed and "New Day" not in closed
    assert {"Closed 0", "Closed 1", "Closed 2"} <= closed


def test_a_moving_holiday_absent_from_a_short_history_is_forecast_as_a_dip():
    """Nine months of an Israeli queue that takes 15% of a normal day on every holiday; the
    history ends before Rosh Hashanah and Sukkot, which it has never seen."""
    hist = make_series("IL/phone", start="2024-01-01", days=274, level=500.0, noise=0.04, seed=9)
    observed = make_holidays_frame(["IL"], hist["ds"].min(), hist["ds"].max(), 0, 0)
    assert len(observed) >= 4 and "Sukkot" not in set(observed["holiday"])
    hist = _apply(hist, {d: 0.15 for d in observed["ds"]})
    attrs = pd.DataFrame({"unique_id": ["IL/phone"], "country": ["IL"], "channel": ["phone"]})
    with cf.ThreadPoolExecutor(2) as pool:
        run = run_forecast(
            hist, attrs, 28, executor=pool, folds=2, models=["seasonal_naive", "regression", "ets"]
        )
    fc = run.forecast.set_index("ds")["forecast"]
    ordinary_thursday = fc[pd.Timestamp("2024-10-10")]
    for day in ("2024-10-03", "2024-10-17"):  # Rosh Hashanah, Sukkot (Thursdays)
        assert fc[pd.Timestamp(day)] < 0.5 * ordinary_thursday, day
    sukkot = next(d for d in run.drivers if d.kind == "holiday" and d.values["holiday"] == "Sukkot")
    assert sukkot.values["occurrences"] == 0
    assert "no past occurrence: the shared effect of IL's" in sukkot.text
    assert sukkot.values["on"] < -0.5
