"""Tests for forecasting.summary: one row per series of a run."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.errors import ForecastInputError
from forecasting.summary import SUMMARY_COLUMNS, series_summary

DAYS = pd.date_range("2026-12-21", periods=7, freq="D")  # Christmas inside (HU: 24, 25, 26)


def forecasts() -> pd.DataFrame:
    rows = []
    for country, channel, level in (("HU", "voice", 100.0), ("IT", "chat", 10.0)):
        for model, factor in (("combination", 1.0), ("ets", 2.0)):
            rows += [
                {
                    "country": country,
                    "channel": channel,
                    "date": day,
                    "model": model,
                    "forecast": level * factor,
                }
                for day in DAYS
            ]
    return pd.DataFrame(rows)


def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["HU", "HU", "IT", "IT"],
            "channel": ["voice", "voice", "chat", "chat"],
            "model": ["combination", "ets", "combination", "ets"],
            "wape": [0.1, 0.2, 0.3, 0.15],
            "coverage_80": [0.8, 0.7, 0.75, 0.9],
            "mase": [0.5, 0.6, 0.7, 0.4],
        }
    )


def picks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["IT", "HU"],
            "channel": ["chat", "voice"],
            "model": ["ets", "combination"],
            "reason": ["x", "y"],
        }
    )


def history() -> pd.DataFrame:
    # HU: 14 days before the forecast, 50 a day; IT: only 3 days, too few for a comparison
    hu = pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "date": pd.date_range(end="2026-12-20", periods=14, freq="D"),
            "contacts": 50.0,
        }
    )
    it = pd.DataFrame(
        {
            "country": "IT",
            "channel": "chat",
            "date": pd.date_range(end="2026-12-20", periods=3, freq="D"),
            "contacts": 5.0,
        }
    )
    return pd.concat([hu, it], ignore_index=True)


def test_one_row_per_series_with_the_picked_models_figures() -> None:
    out = series_summary(forecasts(), metrics(), picks(), history())
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    assert out[["country", "channel"]].values.tolist() == [["HU", "voice"], ["IT", "chat"]]
    hu, it = out.iloc[0], out.iloc[1]
    assert hu["model"] == "combination" and it["model"] == "ets"
    assert hu["wape"] == pytest.approx(0.1) and it["wape"] == pytest.approx(0.15)
    assert hu["coverage_80"] == pytest.approx(0.8) and it["coverage_80"] == pytest.approx(0.9)
    assert hu["days"] == 7 and it["days"] == 7
    assert hu["forecast_total"] == pytest.approx(700.0)
    assert it["forecast_total"] == pytest.approx(140.0)  # the picked model (ets), not the other


def test_change_against_as_many_days_before() -> None:
    out = series_summary(forecasts(), metrics(), picks(), history()).set_index("country")
    assert out.loc["HU", "previous_total"] == pytest.approx(350.0)  # the last 7 of 14 days
    assert out.loc["HU", "change"] == pytest.approx(1.0)  # 700 against 350
    # a history shorter than the horizon gives no comparison, not a misleading one
    assert pd.isna(out.loc["IT", "previous_total"]) and pd.isna(out.loc["IT", "change"])


def test_holidays_ahead_count_the_national_holiday_dates_in_the_horizon() -> None:
    out = series_summary(forecasts(), metrics(), picks(), history()).set_index("country")
    assert out.loc["HU", "holidays_ahead"] == 3  # 24, 25 and 26 December
    assert out.loc["IT", "holidays_ahead"] == 2  # Christmas Day and Saint Stephen's Day


def test_a_series_without_history_or_known_holidays_still_has_a_row() -> None:
    fc = forecasts().replace({"HU": "XX"})
    pk = picks().replace({"HU": "XX"})
    mt = metrics().replace({"HU": "XX"})
    out = series_summary(fc, mt, pk, history().iloc[0:0])
    row = out.set_index("country").loc["XX"]
    assert row["holidays_ahead"] == 0 and pd.isna(row["change"])


def test_missing_columns_are_named() -> None:
    with pytest.raises(
        ForecastInputError, match=r"metrics: missing column\(s\) 'coverage_80'; it has 'country'"
    ):
        series_summary(forecasts(), metrics().drop(columns="coverage_80"), picks(), history())
