"""Holiday frames, windows, subdivisions, weekends and per-holiday regressors."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from forecasting.errors import ForecastInputError
from forecasting.holidays import (
    HOLIDAY_FRAME_COLUMNS,
    HolidayWindow,
    holiday_regressors,
    holidays_in_range,
    make_holidays_frame,
    weekend_days,
)


def test_ar_and_hu_holidays_with_per_country_windows():
    frame = make_holidays_frame(
        {"AR": None, "HU": None},
        "2024-01-01",
        "2024-12-31",
        pre_days={"AR": 3, "HU": 2},
        post_days=1,
    )
    assert list(frame.columns) == list(HOLIDAY_FRAME_COLUMNS)
    assert (frame["lower_window"] <= 0).all() and (frame["upper_window"] >= 0).all()
    ar = frame.loc[frame["country"] == "AR"]
    hu = frame.loc[frame["country"] == "HU"]
    # Argentina's Independence Day (9 July) and Hungary's State Foundation Day (20 August)
    ar_july = ar.loc[ar["ds"] == pd.Timestamp("2024-07-09")]
    assert ar_july["holiday"].str.contains("Independence").any()
    assert set(ar["lower_window"]) == {-3}
    hu_aug = hu.loc[hu["ds"] == pd.Timestamp("2024-08-20")]
    assert hu_aug["holiday"].tolist() == ["State Foundation Day"]
    assert set(hu["lower_window"]) == {-2}
    assert set(frame["upper_window"]) == {1}
    # names are English whatever the machine locale
    assert "Christmas Day" in set(hu["holiday"])


def test_override_window_by_name_and_by_country():
    frame = make_holidays_frame(
        ["AR", "HU"],
        "2024-12-01",
        "2024-12-31",
        overrides={"Christmas Day": (5, 2), ("HU", "Second Day of Christmas"): HolidayWindow(0, 0)},
    )
    xmas = frame.loc[frame["holiday"] == "Christmas Day"]
    assert set(xmas["lower_window"]) == {-5} and set(xmas["upper_window"]) == {2}
    second = frame.loc[frame["holiday"] == "Second Day of Christmas"]
    assert (second["lower_window"] == 0).all() and (second["upper_window"] == 0).all()


def test_window_reaching_into_range_keeps_holiday_outside_it():
    # New Year's Day 2025 lies outside the range, its 3-day pre window inside
    frame = make_holidays_frame(["AR"], "2024-12-01", "2024-12-30", pre_days=3)
    assert (frame["ds"] == pd.Timestamp("2025-01-01")).any()
    frame = make_holidays_frame(["AR"], "2024-12-01", "2024-12-28", pre_days=3)
    assert not (frame["ds"] == pd.Timestamp("2025-01-01")).any()


@pytest.mark.parametrize("spec", [{"US": "CA"}, ["US-CA"]])
def test_subdivision_holidays(spec):
    frame = holidays_in_range(spec, "2024-01-01", "2024-12-31")
    # Cesar Chavez Day (31 March) is a California holiday, not a federal one
    assert (frame["date"] == pd.Timestamp("2024-03-31")).any()
    federal = holidays_in_range(["US"], "2024-01-01", "2024-12-31")
    assert not (federal["date"] == pd.Timestamp("2024-03-31")).any()


def test_es_md_string_subdivision():
    frame = holidays_in_range("ES-MD", "2024-05-01", "2024-05-03")
    assert frame["holiday"].tolist() == ["Labor Day", "Madrid Day"]
    assert set(frame["country"]) == {"ES-MD"}


def test_weekends_come_from_the_country():
    assert weekend_days("IL") == frozenset({4, 5})  # Friday, Saturday
    assert weekend_days("HU") == frozenset({5, 6})
    assert weekend_days("US-CA") == frozenset({5, 6})


def test_unknown_country_and_bad_window_are_rejected():
    with pytest.raises(ForecastInputError, match="'XX'"):
        holidays_in_range(["XX"], "2024-01-01", "2024-02-01")
    with pytest.raises(ForecastInputError, match="subdivision 'ZZ'"):
        weekend_days("US-ZZ")
    with pytest.raises(ForecastInputError, match="pre_days"):
        HolidayWindow(-1, 0)
    with pytest.raises(ForecastInputError, match="before start"):
        make_holidays_frame(["AR"], "2024-02-01", "2024-01-01")


def test_regressors_are_per_holiday_and_group():
    frame = make_holidays_frame(["HU"], "2023-12-01", "2023-12-31", pre_days=2, post_days=1)
    ds = pd.date_range("2023-12-20", "2023-12-28")
    X = holiday_regressors(ds, frame)
    assert len(X) == len(ds)
    on = X["Christmas Day | on"].to_numpy()
    assert on.tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert X["Christmas Day | pre"].to_numpy().tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0]
    # a holiday's columns never merge into one "holiday" dummy
    assert "Second Day of Christmas | on" in X.columns
    assert all(" | " in c for c in X.columns)
    assert X.loc[6, "Second Day of Christmas | on"] == 1.0
    assert X.loc[6, "Christmas Day | post"] == 1.0


def test_dates_accept_date_objects():
    frame = holidays_in_range(["HU"], dt.date(2024, 3, 15), dt.date(2024, 3, 15))
    assert frame["holiday"].tolist() == ["National Day"]
