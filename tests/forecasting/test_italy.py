"""Real Italian call-centre data (read directly with pandas; the data layer is separate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.holidays import make_holidays_frame
from forecasting.models import RegressionARIMA, SeasonalNaive


def _italy(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(
        shared_data / "calls_italy" / "case_data_calls.csv", sep=";", encoding="utf-8-sig"
    )
    ds = pd.to_datetime(raw["date"], format="%d-%m-%Y")
    return pd.DataFrame({"unique_id": "IT/phone", "ds": ds, "y": raw["calls"].astype(float)})


def test_italian_calls_parse(shared_data):
    df = _italy(shared_data)
    assert len(df) == 1155 and df["ds"].is_monotonic_increasing
    means = df.groupby(df["ds"].dt.day_of_week)["y"].mean()
    assert means[0] == pytest.approx(5505, rel=0.01) and means[6] == pytest.approx(2979, rel=0.01)


def test_italian_holiday_effects_are_learnt_per_holiday(shared_data):
    df = _italy(shared_data)
    hf = make_holidays_frame(["IT"], df["ds"].min(), df["ds"].max(), pre_days=3, post_days=1)
    model = RegressionARIMA(holidays=hf).fit(df)
    on = model.holiday_effects_.query("group == 'on'").set_index("holiday")["effect"]
    # weekday holidays fall to about 0.6 of a normal day
    for name in ("Epiphany", "Easter Monday", "Immaculate Conception", "Christmas Day"):
        assert -0.65 < on[name] < -0.25, name
    # 15 August is peak season: no Christmas-like dip
    assert on["Assumption Of Mary Day"] > on["Christmas Day"] + 0.2
    assert on["Assumption Of Mary Day"] > -0.2


@pytest.mark.slow
def test_italian_holdout_beats_seasonal_naive(shared_data):
    df = _italy(shared_data)
    h = 56
    train, test = df.iloc[:-h], df.iloc[-h:]
    hf = make_holidays_frame(["IT"], df["ds"].min(), df["ds"].max())
    reg = RegressionARIMA(holidays=hf).fit(train).predict(h)
    naive = SeasonalNaive().fit(train).predict(h)
    wape = lambda f: np.abs(f["forecast"].to_numpy() - test["y"].to_numpy()).sum() / test["y"].sum()  # noqa: E731
    assert wape(naive) == pytest.approx(0.332, abs=0.002)  # the README's measured figure
    assert wape(reg) < 0.8 * wape(naive)
