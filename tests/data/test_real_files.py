"""The two real third-party exports in ../shared/data load through the one door."""

from __future__ import annotations

import pandas as pd

from data.validation import ReadOptions, validate_file


def test_italian_calls_semicolons_bom_and_day_first_dates(shared_data):
    report = validate_file(
        "contacts",
        shared_data / "calls_italy" / "case_data_calls.csv",
        options=ReadOptions(columns={"calls": "contacts"}, default_country="IT"),
    )
    assert report.ok, report.lines()[:5]
    frame = report.frame
    assert len(frame) == 1155
    assert frame["ds"].min() == pd.Timestamp("2013-01-01") and frame["ds"].max() == pd.Timestamp(
        "2016-02-29"
    )
    assert frame["ds"].diff().dropna().eq(pd.Timedelta(days=1)).all()  # no gaps, no misread months
    # Weekday means from the data's README: Monday about 5505, Sunday about 2979.
    means = frame.groupby(frame["ds"].dt.day_of_week)["contacts"].mean()
    assert round(means[0]) == 5505 and round(means[6]) == 2979
    assert any("day-month-year" in n for n in report.notes)
    assert any("weekday" in n for n in report.notes)


def test_google_analytics_country_names_and_breakdowns(shared_data):
    path = shared_data / "traffic_sessions_by_country" / "google-analytics.csv"
    report = validate_file("traffic", path)
    assert report.ok, report.lines()[:5]
    frame = report.frame
    raw = pd.read_csv(path, sep=";")
    placed = raw[~raw["country"].isin(["(not set)", "Kosovo"])]
    assert frame["sessions"].sum() == placed["sessions"].sum()  # every placed session kept once
    us = frame[frame["country"] == "US"].set_index("date")["sessions"]
    expected = raw[raw["country"] == "United States"].groupby("date")["sessions"].sum()
    assert us.loc["2019-03-12"] == expected.loc["2019-03-12"]
    assert {"US", "GB", "DE", "IN", "BA", "CI", "TR", "MM"} <= set(frame["country"])
