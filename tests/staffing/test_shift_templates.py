"""Open hours no shift template can be worked in, and the shifts suggested to cover them."""

from __future__ import annotations

import datetime as dt

import pytest

from staffing.profiles import parse_opening_hours
from staffing.scheduling import OpeningHours, ShiftTemplate
from staffing.shift_templates import (
    SUGGESTED_SHIFT_MINUTES,
    days_label,
    default_shift_templates,
    templates_for_uncovered,
    uncovered_hours,
)

DEFAULTS = list(default_shift_templates())
#: The real Italian queue's hours (issue 14): the defaults were made for 08:00-22:00 every day.
ITALY = parse_opening_hours("Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed")


def texts(templates, hours, country="IT", channel="voice") -> list[str]:
    return [g.text() for g in uncovered_hours(templates, hours, country, channel)]


def test_the_default_shifts_leave_weekday_evenings_and_saturday_uncovered_in_italy():
    # Late (13:30-22:00) and Part-time PM (18:00-22:00) end after 20:00; Part-time AM starts
    # at 08:00, before Saturday's 09:00: nothing fits 18:30-20:00 or Saturday at all.
    assert texts(DEFAULTS, ITALY) == ["Mon-Fri 18:30-20:00", "Sat 09:00-13:00"]


def test_the_suggested_shifts_cover_every_gap_inside_the_hours():
    gaps = uncovered_hours(DEFAULTS, ITALY, "IT", "voice")
    added = templates_for_uncovered(gaps)
    assert [(t.name, t.start, t.length_minutes, sorted(t.weekdays)) for t in added] == [
        ("Cover Mon-Fri 16:00", dt.time(16), SUGGESTED_SHIFT_MINUTES, [0, 1, 2, 3, 4]),
        ("Cover Sat 09:00", dt.time(9), SUGGESTED_SHIFT_MINUTES, [5]),
    ]
    assert texts(DEFAULTS + added, ITALY) == []


@pytest.mark.parametrize(
    "hours",
    [
        OpeningHours.every_day(dt.time(22), dt.time(6)),  # overnight, every night
        OpeningHours(weekly={4: (dt.time(22), dt.time(6)), 0: (dt.time(9), dt.time(10))}),
        OpeningHours.every_day(dt.time(0), dt.time(0)),  # round the clock
        OpeningHours(weekly={d: (dt.time(7, 15), dt.time(9, 45)) for d in range(5)}),
        parse_opening_hours("Mon-Sat 06:00-23:30; Sun 10:00-16:00"),
    ],
    ids=["overnight", "friday-night-and-a-monday-hour", "24/7", "short-mornings", "long-days"],
)
def test_whatever_the_hours_the_suggestions_leave_nothing_uncovered(hours):
    gaps = uncovered_hours(DEFAULTS, hours, "IT", "voice")
    assert gaps
    added = templates_for_uncovered(gaps)
    assert uncovered_hours(DEFAULTS + added, hours, "IT", "voice") == []
    assert all(t.length_minutes <= SUGGESTED_SHIFT_MINUTES and not t.break_minutes for t in added)


def test_a_shift_past_midnight_is_suggested_on_the_day_it_starts():
    friday_night = OpeningHours(weekly={4: (dt.time(22), dt.time(6))})
    assert texts(DEFAULTS, friday_night) == ["Fri 22:00-06:00"]
    added = templates_for_uncovered(uncovered_hours(DEFAULTS, friday_night, "IT", "voice"))
    assert [(t.start, sorted(t.weekdays)) for t in added] == [
        (dt.time(22), [4]),
        (dt.time(2), [5]),  # Saturday 02:00-06:00, not Friday's
    ]


def test_a_period_shorter_than_a_part_time_shift_gets_a_shift_as_long_as_the_period():
    hours = OpeningHours(weekly={0: (dt.time(9), dt.time(10))})
    (added,) = templates_for_uncovered(uncovered_hours(DEFAULTS, hours, "IT", "voice"))
    assert (added.start, added.length_minutes) == (dt.time(9), 60)


def test_hours_the_defaults_were_made_for_and_a_closed_queue_have_no_gaps():
    assert texts(DEFAULTS, OpeningHours.every_day(dt.time(8), dt.time(22))) == []
    assert texts(DEFAULTS, OpeningHours(weekly={})) == []


def test_a_template_for_another_queue_or_day_covers_nothing_here():
    saturday = ShiftTemplate(
        "Sat", dt.time(9), 240, weekdays=frozenset({5}), countries=frozenset({"HU"})
    )
    assert texts([*DEFAULTS, saturday], ITALY) == ["Mon-Fri 18:30-20:00", "Sat 09:00-13:00"]
    assert texts([*DEFAULTS, saturday], ITALY, country="HU") == ["Mon-Fri 18:30-20:00"]


def test_days_are_written_as_runs():
    assert days_label(frozenset({0, 1, 2, 3, 4, 6})) == "Mon-Fri, Sun"
    assert days_label(frozenset({5})) == "Sat"
