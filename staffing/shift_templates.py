"""The default shift templates and their table form (what a shift-templates file holds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from staffing.scheduling import TEMPLATE_FILE_COLUMNS, WEEKDAY_NAMES, ShiftTemplate

__all__ = [
    "default_shift_templates",
    "templates_to_frame",
]


def default_shift_templates() -> tuple[ShiftTemplate, ...]:
    """A starting set of shifts for a queue open 08:00-22:00, every day of the week.

    Three full-time shifts of 8.5 hours (8 paid, a 30-minute unpaid break that the planner
    places between 3 and 5 hours in) starting at 08:00, 10:00 and 13:30, and two part-time
    shifts of 4 hours without a break, morning (08:00) and evening (18:00). All lie within the
    opening hours, so none is ruled out when the planner sets 08:00-22:00.
    """
    full = {
        "length_minutes": 510,
        "break_minutes": 30,
        "break_earliest_offset_minutes": 180,
        "break_latest_offset_minutes": 300,
    }
    return (
        ShiftTemplate("Early", dt.time(8, 0), **full),
        ShiftTemplate("Day", dt.time(10, 0), **full),
        ShiftTemplate("Late", dt.time(13, 30), **full),
        ShiftTemplate("Part-time AM", dt.time(8, 0), length_minutes=240),
        ShiftTemplate("Part-time PM", dt.time(18, 0), length_minutes=240),
    )


def _days_text(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "Mon-Sun"
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))


def templates_to_frame(templates: Sequence[ShiftTemplate]) -> pd.DataFrame:
    """A shift-templates table that :func:`staffing.scheduling.shift_templates_from_frame` reads.

    Columns :data:`staffing.scheduling.TEMPLATE_FILE_COLUMNS` plus ``break_earliest_minutes``,
    ``break_latest_minutes``, ``countries`` and ``channels`` (empty text = all).
    """
    rows = [
        {
            "name": t.name,
            "start": t.start.strftime("%H:%M"),
            "length_hours": t.length_minutes / 60.0,
            "break_minutes": t.break_minutes,
            "days": _days_text(t.weekdays),
            "cost_per_hour": float(t.cost_per_hour),
            "break_earliest_minutes": t.break_earliest_offset_minutes,
            "break_latest_minutes": t.break_latest_offset_minutes,
            "countries": ",".join(sorted(t.countries or ())),
            "channels": ",".join(sorted(t.channels or ())),
        }
        for t in templates
    ]
    columns = [
        *TEMPLATE_FILE_COLUMNS,
        "break_earliest_minutes",
        "break_latest_minutes",
        "countries",
        "channels",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("break_earliest_minutes", "break_latest_minutes"):
        frame[column] = frame[column].astype(float)
    return frame
