"""Arrival profiles and opening hours: a daily forecast spread over a queue's open intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.validation import validate_file
from staffing.profiles import (
    INTERVAL_COLUMNS,
    ProfileError,
    QueueSetup,
    builtin_profile,
    fit_to_opening_hours,
    format_opening_hours,
    open_slots,
    parse_opening_hours,
    profile_from_intraday,
    profile_from_shares,
    spread_daily_forecast,
)

WEEK = pd.date_range("2026-03-02", periods=7)  # Monday to Sunday


def daily(values=(1000.0, 800.0, 900.0, 1000.0, 1200.0, 400.0, 300.0), channel="voice"):
    return pd.DataFrame(
        {
            "country": "IT",
            "channel": channel,
            "date": WEEK[: len(values)],
            "forecast": list(values),
            "forecast_lower": [v * 0.8 for v in values],
            "forecast_upper": [v * 1.2 for v in values],
            "model": "ets",
        }
    )


def hour_of(profile: pd.DataFrame, minutes: int = 30) -> pd.Series:
    return profile["slot"] * minutes / 60


# --- opening hours ---------------------------------------------------------------------------


def test_opening_hours_read_and_write_the_same_text():
    text = "Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed"
    opening = parse_opening_hours(text)
    assert opening.weekly[0] == (dt.time(8), dt.time(20))
    assert opening.weekly[5] == (dt.time(9), dt.time(13))
    assert 6 not in opening.weekly
    assert format_opening_hours(opening) == text
    assert format_opening_hours(parse_opening_hours("08:00-24:00")) == "Mon-Sun 08:00-24:00"
    # days not named are closed
    assert format_opening_hours(parse_opening_hours("Mon-Fri 09:00-17:00")) == (
        "Mon-Fri 09:00-17:00; Sat-Sun closed"
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("8-20", "'8' is not a time HH:MM"),
        ("Mon-Fri 8am", "not HH:MM-HH:MM"),
        ("Mon-Fri 20:00-08:00", "closes at or before it opens"),
        ("Mon 08:00-20:00; Mon 09:00-10:00", "Mon is named twice"),
        ("Funday 08:00-20:00", "'Funday'"),
        ("Mon-Sun closed", "every day is closed"),
        ("08:00-25:00", "not a time HH:MM"),
    ],
)
def test_bad_opening_hours_say_what_is_wrong(text, match):
    with pytest.raises(ProfileError, match=match):
        parse_opening_hours(text)


def test_open_slots_are_whole_intervals_inside_the_hours():
    mask = open_slots(parse_opening_hours("Mon-Fri 08:00-20:00; Sat 09:00-13:00"), 30)
    assert mask.shape == (7, 48)
    assert mask[0].sum() == 24 and mask[0, 16] and not mask[0, 15] and not mask[0, 40]
    assert mask[5].sum() == 8 and not mask[6].any()
    with pytest.raises(ProfileError, match="08:15 is not on the 30-minute grid"):
        open_slots(parse_opening_hours("08:15-20:00"), 30)


# --- profiles --------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["voice", "chat", "email"])
def test_builtin_shapes_sum_to_one_every_weekday(channel):
    profile = builtin_profile(channel, 30)
    sums = profile.groupby("weekday")["share"].sum()
    assert list(sums.index) == list(range(7))
    np.testing.assert_allclose(sums, 1.0)
    assert (profile["share"] > 0).all()


def test_builtin_voice_peaks_mid_morning_with_a_smaller_early_afternoon_peak():
    monday = builtin_profile("voice", 30).query("weekday == 0").set_index("slot")["share"]
    peak_hour = monday.idxmax() * 0.5
    assert 10 <= peak_hour < 11
    afternoon = monday.loc[26:32]  # 13:00-16:00
    lunch = monday.loc[24]  # 12:00
    assert lunch < afternoon.max() < monday.max()  # a second, smaller hump after lunch


def test_builtin_chat_is_flatter_and_later_than_voice_and_email_is_flat():
    voice = builtin_profile("voice").query("weekday == 0")
    chat = builtin_profile("chat").query("weekday == 0")
    email = builtin_profile("email").query("weekday == 0")
    assert chat["share"].max() < voice["share"].max()
    centre = {n: float((hour_of(f) * f["share"]).sum()) for n, f in (("v", voice), ("c", chat))}
    assert centre["c"] > centre["v"] + 1  # chat's day centres more than an hour later
    assert email["share"].nunique() == 1


def test_fitting_to_opening_hours_leaves_nothing_outside_and_sums_to_one():
    opening = parse_opening_hours("Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed")
    fitted, notes = fit_to_opening_hours(builtin_profile("voice"), opening, 30)
    assert notes == ()
    sums = fitted.groupby("weekday")["share"].sum()
    assert list(sums.index) == [0, 1, 2, 3, 4, 5]  # Sunday closed: no rows at all
    np.testing.assert_allclose(sums, 1.0)
    hours = hour_of(fitted)
    assert hours.min() >= 8 and hours[fitted["weekday"] < 5].max() < 20
    assert hours[fitted["weekday"] == 5].min() >= 9 and hours[fitted["weekday"] == 5].max() < 13


def test_a_weekday_the_profile_has_nothing_for_takes_the_fallback_and_says_so():
    # learnt from a queue closed at weekends, used for one open on Saturday
    weekdays_only = builtin_profile("voice").query("weekday < 5")
    opening = parse_opening_hours("Mon-Sat 08:00-20:00")
    fitted, notes = fit_to_opening_hours(
        weekdays_only, opening, 30, fallback=builtin_profile("voice")
    )
    np.testing.assert_allclose(fitted.groupby("weekday")["share"].sum(), 1.0)
    assert notes == ("the profile has no contacts inside the opening hours on Sat: the built-in shape is used there",)  # fmt: skip


def test_learnt_profile_averages_the_similar_queues_per_weekday():
    rows = []
    for uid, morning in (("HU/voice", 0.75), ("AR/voice", 0.25)):
        for day in range(5):  # no weekend history
            rows += [(uid, str(day), 16, morning), (uid, str(day), 30, 1 - morning)]
        rows.append((uid, "holiday", 20, 1.0))
    shares = pd.DataFrame(rows, columns=["unique_id", "day_type", "slot", "share"])
    profile = profile_from_intraday(shares, 30).set_index(["weekday", "slot"])["share"]
    assert profile[(0, 16)] == pytest.approx(0.5) and profile[(0, 30)] == pytest.approx(0.5)
    assert profile[(6, 16)] == pytest.approx(0.5)  # a weekday none has: the mean of the others
    assert profile.loc[(0, 20)] == 0  # the holiday profile is left out
    with pytest.raises(ProfileError, match="no intraday history"):
        profile_from_intraday(shares[shares["day_type"] == "holiday"], 30)


def test_an_hourly_uploaded_profile_is_halved_into_half_hours_and_scaled():
    report = validate_file("profile", b"time,share\n08:00,30\n09:00,10\n", "hours.csv")
    assert report.ok, report.lines()
    assert set(report.frame["interval_minutes"]) == {60}
    profile = profile_from_shares(report.frame, 30).query("weekday == 2").set_index("slot")
    assert profile.loc[[16, 17, 18, 19], "share"].tolist() == pytest.approx(
        [0.375, 0.375, 0.125, 0.125]
    )
    assert profile["share"].sum() == pytest.approx(1.0)


def test_uploaded_weekday_rows_override_the_every_day_rows():
    content = b"weekday,time,share\n,10:00,1\nSat,12:00,2\nSat,12:30,2\n"
    report = validate_file("profile", content, "week.csv")
    assert report.ok, report.lines()
    profile = profile_from_shares(report.frame, 30)
    saturday = profile.query("weekday == 5 and share > 0")["slot"].tolist()
    monday = profile.query("weekday == 0 and share > 0")["slot"].tolist()
    assert saturday == [24, 25] and monday == [20]


# --- spreading -------------------------------------------------------------------------------


def test_spread_keeps_daily_totals_inside_opening_hours_only():
    opening = parse_opening_hours("Mon-Sat 08:00-20:00; Sun closed")
    spread = spread_daily_forecast(
        daily(), builtin_profile("voice"), opening, interval_minutes=30, aht_seconds=240
    )
    out = spread.intervals
    assert list(out.columns) == list(INTERVAL_COLUMNS)
    assert (out["aht_seconds"] == 240).all() and (out["interval_minutes"] == 30).all()
    hours = out["interval_start"].dt.hour
    assert hours.min() >= 8 and hours.max() <= 19
    totals = out.groupby("date")[["forecast", "forecast_lower", "forecast_upper"]].sum()
    expected = daily().set_index("date").iloc[:6]
    for column in totals:
        np.testing.assert_allclose(totals[column], expected[column], rtol=1e-12)
    # Sunday is closed: its contacts are reported, not spread
    assert spread.closed_days["date"].tolist() == [WEEK[6]]
    assert spread.closed_contacts == 300.0
    assert (out["interval_start"].dt.day_of_week < 6).all()
    assert len(out) == 6 * 24


def test_spread_of_email_is_even_over_the_open_hours():
    out = spread_daily_forecast(
        daily((480.0,), channel="email"),
        builtin_profile("email"),
        parse_opening_hours("09:00-17:00"),
    ).intervals
    np.testing.assert_allclose(out["forecast"], 30.0)
    assert len(out) == 16


def test_queue_setup_fails_when_made():
    with pytest.raises(ProfileError, match="aht_seconds must be > 0, got 0"):
        QueueSetup(aht_seconds=0)
    with pytest.raises(ProfileError, match="not HH:MM-HH:MM"):
        QueueSetup(opening_hours="all day")
    with pytest.raises(ProfileError, match="profile source must be one of"):
        QueueSetup(profile_source="guess")
    with pytest.raises(ProfileError, match="needs the profile file"):
        QueueSetup(profile_source="uploaded")
    assert format_opening_hours(QueueSetup().opening) == "Mon-Sun 08:00-20:00"


# --- the profile file at the door ------------------------------------------------------------


def test_a_bad_profile_file_names_file_row_column_and_value():
    content = (
        b"weekday,time,share\nMon,08:00,1\nFunday,09:00,1\nTue,25:00,1\nTue,09:10,1\n"
        b"Wed,09:00,-1\nmonday,08:00,3\nThu,10:00,abc\n"
    )
    report = validate_file("profile", content, "profile.csv")
    assert not report.ok
    lines = report.lines()
    assert any(
        "profile.csv row 3: column 'weekday' has 'Funday', is not a weekday" in line
        for line in lines
    )
    assert any("row 4: column 'time' has '25:00', is not a time of day" in line for line in lines)
    assert any("row 5: column 'time' has '09:10', does not start a 15" in line for line in lines)
    assert any("row 6: column 'share' has '-1', must be at least 0" in line for line in lines)
    assert any("row 7: repeats row 2 (the same weekday and time: Monday, 08:00)" in line for line in lines)  # fmt: skip
    assert any("row 8: column 'share' has 'abc', is not a number" in line for line in lines)


def test_a_profile_file_needs_time_and_share_and_a_day_with_contacts():
    missing = validate_file("profile", b"hour,share\n8,1\n", "p.csv")
    assert "missing column 'time'" in missing.lines()[0]
    zeros = validate_file("profile", b"weekday,time,share\nSun,09:00,0\nMon,09:00,1\n", "p.csv")
    assert zeros.lines() == [
        "error: p.csv: column 'share' has only zeros for Sunday: the day would get no contacts"
    ]
