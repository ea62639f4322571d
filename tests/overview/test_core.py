"""The overview's numbers: available hours, the gap, reachable service and holiday effects."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from formats import Formats
from overview import (
    FTE_HOURS,
    available_hours,
    build_overview,
    holiday_effects,
    in_locale,
)
from overview.core import _allocate

MONDAY = pd.Timestamp("2026-11-30")


def agents_frame(rows):
    return pd.DataFrame(
        rows, columns=["agent_id", "country", "channels", "contract_hours_per_week"]
    ).assign(team="T", name="x", timezone=None)


def test_absences_on_working_days_reduce_the_week():
    agents = agents_frame([("A1", "AR", "voice", 40.0), ("A2", "AR", "voice", 20.0)])
    absences = pd.DataFrame(
        {
            "agent_id": ["A1", "A2"],
            # A1: Wed-Sun (3 working days); A2: Fri of week 1 to Tue of week 2
            "start_date": pd.to_datetime(["2026-12-02", "2026-12-04"]),
            "end_date": pd.to_datetime(["2026-12-06", "2026-12-08"]),
            "type": ["other", "other"],
        }
    )
    out = available_hours(agents, absences, [MONDAY, MONDAY + pd.Timedelta(weeks=1)])
    hours = out.set_index(["agent_id", "week_start"])["available_hours"]
    assert hours[("A1", MONDAY)] == pytest.approx(40 * 2 / 5)
    assert hours[("A1", MONDAY + pd.Timedelta(weeks=1))] == 40
    assert hours[("A2", MONDAY)] == pytest.approx(20 * 4 / 5)
    assert hours[("A2", MONDAY + pd.Timedelta(weeks=1))] == pytest.approx(20 * 3 / 5)


def test_people_on_several_channels_go_where_the_shortfall_is():
    required = pd.DataFrame(
        {
            "country": ["AR", "AR"],
            "channel": ["voice", "chat"],
            "week_start": [MONDAY, MONDAY],
            "required_hours": [80.0, 40.0],
        }
    )
    people = available_hours(
        agents_frame(
            [
                ("A1", "AR", "voice", 40.0),
                ("A2", "AR", "chat,voice", 30.0),
                ("A3", "AR", "voice,chat", 30.0),
            ]
        ),
        pd.DataFrame(columns=["agent_id", "start_date", "end_date", "type"]),
        [MONDAY],
    )
    out = _allocate(required, people).set_index("channel")["available_hours"]
    # voice: 40 own + 30 of the flexible 60 (both queues 40 h short); chat: the other 30
    assert out["voice"] == pytest.approx(70) and out["chat"] == pytest.approx(30)


@pytest.fixture
def one_queue():
    """AR voice: 4 weeks of 30-minute history, 09:00-17:00, 12 calls per interval, AHT 300 s."""
    days = pd.date_range("2026-11-02", "2026-11-29", freq="D")
    starts = [d + pd.Timedelta(minutes=m) for d in days for m in range(9 * 60, 17 * 60, 30)]
    contacts = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "ds": starts,
            "interval_minutes": 30,
            "contacts": 12.0,
            "aht_seconds": 300.0,
        }
    )
    future = pd.date_range(MONDAY, periods=14, freq="D")
    daily = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "date": future,
            "forecast": 12.0 * 16,
            "forecast_lower": 150.0,
            "forecast_upper": 230.0,
            "model": "seasonal_naive",
        }
    )
    return contacts, daily


def test_gap_and_reachable_service_follow_the_hours(one_queue):
    contacts, daily = one_queue
    no_absence = pd.DataFrame(columns=["agent_id", "start_date", "end_date", "type"])
    start = MONDAY.date()
    few = agents_frame([(f"A{i}", "AR", "voice", 40.0) for i in range(3)])
    many = agents_frame([(f"A{i}", "AR", "voice", 40.0) for i in range(30)])
    short = build_overview(daily, contacts, few, no_absence, start=start, weeks=2)
    ample = build_overview(daily, contacts, many, no_absence, start=start, weeks=2)
    for result in (short, ample):
        w = result.weeks
        assert len(w) == 2 and (w["days"] == 7).all()
        np.testing.assert_allclose(
            w["gap_hours"], (w["required_hours"] - w["available_hours"]).clip(lower=0)
        )
        np.testing.assert_allclose(w["gap_fte"], w["gap_hours"] / FTE_HOURS)
        # 12 calls of 300 s per half hour = 2 Erlangs: 80/20 needs 4 agents, 6 paid with 30% shrinkage
        assert w["required_hours"].iloc[0] == pytest.approx(6 * 16 * 0.5 * 7)
    assert (short.weeks["available_hours"] == 120).all()
    assert (short.weeks["service_level"] < 0.8).all() and (short.weeks["gap_fte"] > 5).all()
    assert (ample.weeks["gap_hours"] == 0).all() and (ample.weeks["service_level"] >= 0.8).all()
    assert short.actions[0].page == "app_pages/schedule_page.py"
    assert "AR voice is short in 2 of 2 weeks" in short.actions[0].text
    assert [a.severity for a in ample.actions if a.page == "app_pages/schedule_page.py"] == [
        "info"  # no shortfall: the only action there is to publish a schedule
    ]
    assert ample.actions[0].text.startswith("No schedule is published for the week of 30 Nov")
    # the words in another locale, the numbers untouched
    german = in_locale(short, Formats("de_DE"))
    pd.testing.assert_frame_equal(
        german.weeks.drop(columns="peak_day"), short.weeks.drop(columns="peak_day")
    )
    assert german.weeks["peak_day"].iloc[0].startswith(("Mo.", "Di.", "Mi.", "Do.", "Fr."))
    assert "the week of 30. Nov. (" in german.actions[0].text
    assert re.search(r"\(\d+,\d\u00a0FTE", german.actions[0].text)


def test_a_forecast_that_stops_early_is_said():
    daily = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "date": pd.date_range(MONDAY, periods=3),
            "forecast": 1.0,
            "forecast_lower": 0.0,
            "forecast_upper": 2.0,
            "model": "m",
        }
    )
    result = build_overview(
        daily.iloc[0:0], pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), start=MONDAY.date()
    )
    assert result.weeks.empty and "does not cover" in result.notes[0]


def test_holiday_effects_compare_with_the_same_weekdays_away_from_holidays():
    days = pd.date_range("2026-11-23", "2027-01-17", freq="D")
    base = np.where(days.day_of_week >= 5, 50.0, 100.0)
    factor = np.ones(len(days))
    christmas = days.get_loc(pd.Timestamp("2026-12-25"))
    factor[christmas] = 0.4
    factor[christmas - 3 : christmas] = 1.3
    daily = pd.DataFrame(
        {"country": "AR", "channel": "voice", "date": days, "forecast": base * factor}
    )
    effects = holiday_effects(daily, dt.date(2026, 12, 20), dt.date(2026, 12, 31))
    row = effects.set_index("holiday").loc["Christmas Day"]
    assert row["day_change"] == pytest.approx(-0.6)
    assert row["pre_change"] == pytest.approx(0.3)
    assert row["text"] == "AR, 25 Dec (Christmas Day): +30% in the 3 days before, −60% on the day"
    # the same sentence in the reader's locale: day and month, percent sign, minus
    german = holiday_effects(
        daily, dt.date(2026, 12, 20), dt.date(2026, 12, 31), fmt=Formats("de_DE")
    )
    text = german.set_index("holiday").loc["Christmas Day", "text"]
    assert (
        text
        == "AR, 25. Dez. (Christmas Day): +30\u00a0% in the 3 days before, −60\u00a0% on the day"
    )


def test_the_period_may_end_within_a_week_and_counts_that_part_of_it(one_queue):
    contacts, daily = one_queue
    no_absence = pd.DataFrame(columns=["agent_id", "start_date", "end_date", "type"])
    few = agents_frame([(f"A{i}", "AR", "voice", 40.0) for i in range(3)])
    end = MONDAY.date() + dt.timedelta(days=9)  # the second week's Wednesday
    result = build_overview(daily, contacts, few, no_absence, start=MONDAY.date(), end=end)
    w = result.weeks
    assert list(w["days"]) == [7, 3] and result.end == end
    assert w["contacts"].iloc[1] == pytest.approx(3 / 7 * w["contacts"].iloc[0])
    assert w["available_hours"].iloc[1] == pytest.approx(120 * 3 / 7)
    assert w["required_hours"].iloc[1] == pytest.approx(6 * 16 * 0.5 * 3)
    with pytest.raises(ValueError, match="ends"):
        build_overview(daily, contacts, few, no_absence, start=end, end=MONDAY.date())


def published(days, hours_staff, minutes=60):
    """A published schedule's staff on duty: ``hours_staff`` maps an hour of the day (09..16)
    to the staff on duty, every day of ``days``, in intervals of ``minutes``."""
    rows = [
        ("AR", "voice", day + pd.Timedelta(hours=h, minutes=m), minutes, staff)
        for day in days
        for h, staff in hours_staff.items()
        for m in range(0, 60, minutes)
    ]
    return pd.DataFrame(
        rows,
        columns=["country", "channel", "interval_start", "interval_minutes", "scheduled_staff"],
    )


def test_a_published_schedule_is_the_capacity_on_its_days(one_queue):
    contacts, daily = one_queue
    no_absence = pd.DataFrame(columns=["agent_id", "start_date", "end_date", "type"])
    few = agents_frame([(f"A{i}", "AR", "voice", 40.0) for i in range(3)])  # 120 h a week
    week1 = pd.date_range(MONDAY, periods=7, freq="D")
    required = 6 * 16 * 0.5  # staff-hours a day: 6 paid staff from 09:00 to 17:00

    def overview(scheduled):
        return build_overview(daily, contacts, few, no_absence, start=MONDAY.date(), weeks=2,
                              scheduled=scheduled)  # fmt: skip

    without = overview(None).weeks
    assert (without["scheduled_days"] == 0).all()
    np.testing.assert_allclose(without["capacity_hours"], without["available_hours"])

    # 6 on duty all day, in hour-long intervals: week 1 is covered whatever the teams' hours
    exact = overview(published(week1, dict.fromkeys(range(9, 17), 6.0))).weeks
    assert list(exact["scheduled_days"]) == [7, 0]
    assert exact["capacity_hours"].iloc[0] == pytest.approx(7 * required)
    assert exact["gap_hours"].iloc[0] == pytest.approx(0) and exact["service_level"].iloc[0] >= 0.8
    pd.testing.assert_series_equal(exact.iloc[1], without.iloc[1])  # week 2 as before

    # the same hours put 10 on the mornings and 2 on the afternoons: 4 short for 4 hours a day,
    # which the surplus of the mornings does not make up for
    lopsided = {h: (10.0 if h < 13 else 2.0) for h in range(9, 17)}
    uneven = overview(published(week1, lopsided)).weeks.iloc[0]
    assert uneven["capacity_hours"] == pytest.approx(7 * required)
    assert uneven["gap_hours"] == pytest.approx(4 * 4 * 7)
    assert uneven["service_level"] < 0.6 and uneven["peak_hours"] == "13:00–17:00"

    # Monday to Wednesday published; Thursday to Sunday count 4/7 of the teams' 120 hours
    result = overview(published(week1[:3], dict.fromkeys(range(9, 17), 6.0), minutes=30))
    first = result.weeks.iloc[0]
    assert first["scheduled_days"] == 3
    assert first["capacity_hours"] == pytest.approx(3 * required + 120 * 4 / 7)
    assert first["gap_hours"] == pytest.approx(4 * required - 120 * 4 / 7)
    assert result.scheduled_share == pytest.approx(3 / 14)
    # the first week not wholly published is the one to publish
    assert "No schedule is published for the week of 30 Nov (AR voice)" in result.actions[-1].text
    both = pd.date_range(MONDAY, periods=14, freq="D")
    whole = overview(published(both, dict.fromkeys(range(9, 17), 6.0)))
    assert whole.scheduled_share == 1
    assert not [a for a in whole.actions if a.text.startswith("No schedule is published")]


def test_queues_the_overview_cannot_staff_are_named_with_what_to_do(one_queue):
    """History that ended years ago, or a daily queue without a handle time, is never dropped
    silently: the notes name the queue and where to act."""
    contacts, daily = one_queue
    italy = pd.DataFrame(
        {
            "country": "IT",
            "channel": "voice",
            "ds": pd.date_range("2016-01-01", "2016-02-29"),
            "interval_minutes": 1440,
            "contacts": 5000.0,
            "aht_seconds": np.nan,
        }
    )
    no_absence = pd.DataFrame(columns=["agent_id", "start_date", "end_date", "type"])
    agents = agents_frame([("A1", "AR", "voice", 40.0)])
    both = pd.concat([contacts, italy], ignore_index=True)
    result = build_overview(daily, both, agents, no_absence, start=MONDAY.date(), weeks=2)
    assert set(result.weeks["country"]) == {"AR"}
    assert (
        "No forecast covers IT/voice (contacts to Mon, 29 Feb 2016) in these days: forecast it "
        "on the Forecast page, or plan it on the Staffing page from where the history ends."
    ) in result.notes
    # an Italian forecast in the period, but no handle time anywhere: where to set it
    italian = daily.assign(country="IT")
    result = build_overview(
        pd.concat([daily, italian]), both, agents, no_absence, start=MONDAY.date(), weeks=2
    )
    assert set(result.weeks["country"]) == {"AR"}
    assert (
        "No handle time for IT/voice: set its AHT under Queue settings on the Staffing page to "
        "see the staffing it needs."
    ) in result.notes
    # with the AHT set, Italy is spread over its opening hours and staffed
    from staffing.profiles import QueueSetup

    setups = {("IT", "voice"): QueueSetup(aht_seconds=240.0, opening_hours="09:00-17:00")}
    result = build_overview(
        pd.concat([daily, italian]), both, agents, no_absence, start=MONDAY.date(), weeks=2,
        setups=setups,
    )  # fmt: skip
    staffed = result.weeks[result.weeks["country"] == "IT"]
    assert len(staffed) == 2 and (staffed["required_hours"] > 0).all()
    assert not any("handle time" in n for n in result.notes)
