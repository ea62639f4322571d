"""Converters from the data layer's frames and the package's import rules."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from contracts import DAILY_FORECAST_COLUMNS, INTERVAL_FORECAST_COLUMNS, WIDE_BAND_COLUMNS
from forecasting.errors import ForecastInputError
from forecasting.frames import (
    BAND_80_COLUMNS,
    FORECAST_COLUMNS,
    POINT_COLUMN,
    contacts_to_intraday,
    contacts_to_series,
    traffic_to_frame,
)


def _contacts() -> pd.DataFrame:
    intraday = pd.DataFrame(
        {
            "country": "AR",
            "channel": "phone",
            "ds": pd.date_range("2024-01-01 08:00", periods=4, freq="30min").append(
                pd.date_range("2024-01-02 08:00", periods=2, freq="30min")
            ),
            "interval_minutes": 30,
            "contacts": [1, 2, 3, 4, 5, 6],
            "aht_seconds": np.nan,
        }
    )
    daily = pd.DataFrame(
        {
            "country": "HU",
            "channel": "email",
            "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"]),  # closed 3rd-4th
            "interval_minutes": 1440,
            "contacts": [10, 20, 30],
            "aht_seconds": [300.0, np.nan, 310.0],
        }
    )
    return pd.concat([intraday, daily], ignore_index=True)


def test_contacts_to_series_daily_totals_without_filling_closed_days():
    series, attrs = contacts_to_series(_contacts())
    assert list(series.columns) == ["unique_id", "ds", "y"]
    ar = series.loc[series["unique_id"] == "AR/phone"]
    assert ar["y"].tolist() == [10.0, 11.0]
    hu = series.loc[series["unique_id"] == "HU/email"]
    assert hu["ds"].dt.day.tolist() == [1, 2, 5]  # no zero rows invented for closed days
    assert attrs.to_dict("records") == [
        {"unique_id": "AR/phone", "country": "AR", "channel": "phone"},
        {"unique_id": "HU/email", "country": "HU", "channel": "email"},
    ]


def test_contacts_to_intraday_keeps_interval_rows():
    intraday = contacts_to_intraday(_contacts())
    assert intraday["unique_id"].unique().tolist() == ["AR/phone"]
    assert len(intraday) == 6


def test_bad_contacts_are_refused():
    bad = _contacts()
    bad.loc[2, "contacts"] = -1
    with pytest.raises(
        ForecastInputError, match=r"AR/phone at 2024-01-01 09:00:00 has contacts=-1"
    ):
        contacts_to_series(bad)


def test_traffic_missing_day_country_is_zero():
    t = pd.DataFrame(
        {
            "country": ["AR", "AR", "HU"],
            "date": ["2024-01-01", "2024-01-03", "2024-01-02"],
            "sessions": [5, 7, 9],
        }
    )
    grid = traffic_to_frame(t)
    assert len(grid) == 6
    ar = grid.loc[grid["country"] == "AR", "sessions"].tolist()
    assert ar == [5.0, 0.0, 7.0]


def test_package_never_imports_streamlit_or_prophet_eagerly():
    code = "import sys, forecasting; print('streamlit' in sys.modules, 'prophet' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_store_daily_frame_with_date_column_is_accepted():
    daily = pd.DataFrame(
        {
            "country": "AR",
            "channel": "phone",
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "contacts": [3, 4],
        }
    )
    series, _ = contacts_to_series(daily)
    assert series["y"].tolist() == [3.0, 4.0]


def test_model_frames_use_the_forecast_files_names():
    """One naming scheme: a model frame's value columns are the forecast files' columns, so the
    frames leave the package without a renaming table."""
    assert POINT_COLUMN in DAILY_FORECAST_COLUMNS
    assert set(BAND_80_COLUMNS) <= set(DAILY_FORECAST_COLUMNS) & set(INTERVAL_FORECAST_COLUMNS)
    assert FORECAST_COLUMNS[3:] == (POINT_COLUMN, *BAND_80_COLUMNS, *WIDE_BAND_COLUMNS)
    assert not [c for c in FORECAST_COLUMNS if c.startswith("yhat")]
