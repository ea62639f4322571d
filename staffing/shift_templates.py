"""The default shift templates and their table form (what a shift-templates file holds)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from staffing.scheduling import TEMPLATE_FILE_COLUMNS, WEEKDAY_NAMES, OpeningHours, ShiftTemplate

__all__ = [
    "UncoveredHours",
    "default_shift_templates",
    "templates_for_uncovered",
    "templates_to_frame",
    "uncovered_hours",
]

#: A Monday: the reference week on which weekly opening hours and templates are laid out.
_REFERENCE_MONDAY = dt.date(2024, 1, 1)
_DAY = 1440
#: The longest shift suggested for hours no template covers: a part-time shift without a break.
SUGGESTED_SHIFT_MINUTES = 240


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


@dataclasses.dataclass(frozen=True)
class UncoveredHours:
    """Open hours in which no shift template can be worked: the same stretch on ``weekdays``.

    ``start_minute`` and ``end_minute`` count from the day's midnight (``end_minute`` past 1440
    runs into the next day); ``window`` is the open period around it on the first of the days,
    in the same minutes, which any shift covering the stretch must lie inside.
    """

    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    window: tuple[int, int]

    def text(self) -> str:
        """``"Mon-Fri 18:30-20:00"``: the days and the local times."""
        return f"{days_label(self.weekdays)} {_clock(self.start_minute)}-{_clock(self.end_minute)}"


def days_label(days: frozenset[int]) -> str:
    """Weekdays as people write them: runs joined, ``"Mon-Fri, Sun"``."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        WEEKDAY_NAMES[r[0]] if len(r) == 1 else f"{WEEKDAY_NAMES[r[0]]}-{WEEKDAY_NAMES[r[-1]]}"
        for r in runs
    )


def _clock(minute: int) -> str:
    minute %= _DAY if minute > _DAY else _DAY + 1  # 24:00 stays 24:00; later wraps
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _week_minutes(stamp: pd.Timestamp) -> int:
    return int((stamp - pd.Timestamp(_REFERENCE_MONDAY)) // pd.Timedelta(minutes=1))


def uncovered_hours(
    templates: Sequence[ShiftTemplate], hours: OpeningHours, country: str, channel: str
) -> list[UncoveredHours]:
    """The weekly open hours of the (``country``, ``channel``) queue that no template serving
    it can be worked in, as the planner rules it: a shift must lie inside one open period.

    Read from the weekly hours (dated exceptions aside). Empty when every open minute lies in
    some shift; otherwise the stretches that start in a week (one across Sunday night is
    Sunday's), those with equal times on several days grouped, in week order. Nobody is
    planned in such a stretch however many contacts it has.
    """
    # Three weeks laid out, the middle one read: periods and shifts across Sunday night join
    # as in a real plan.
    span = 21 * _DAY
    weekly = OpeningHours(weekly=hours.weekly)
    periods = [
        (_week_minutes(a), _week_minutes(b))
        for a, b in weekly.open_windows(_REFERENCE_MONDAY, _REFERENCE_MONDAY + dt.timedelta(20))
    ]
    if not periods:
        return []
    starts = np.array([a for a, _ in periods])
    is_open = np.zeros(span, dtype=bool)
    covered = np.zeros(span, dtype=bool)
    for a, b in periods:
        is_open[a : min(b, span)] = True
    for day in range(21):
        for template in templates:
            if day % 7 not in template.weekdays or not template.serves(country, channel):
                continue
            start = day * _DAY + template.start.hour * 60 + template.start.minute
            end = start + template.length_minutes
            k = int(np.searchsorted(starts, start, side="right")) - 1
            if k >= 0 and end <= periods[k][1]:
                covered[start : min(end, span)] = True
    gaps = is_open & ~covered
    edges = np.flatnonzero(np.diff(np.concatenate(([0], gaps.view(np.int8), [0]))))
    grouped: dict[tuple[int, int], tuple[set[int], tuple[int, int]]] = {}
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if not 7 * _DAY <= a < 14 * _DAY and not (a < 7 * _DAY and b > 14 * _DAY):
            continue  # read in the middle week only (a gap longer than a week, once)
        a, b = max(a, 7 * _DAY), min(b, 14 * _DAY if a < 7 * _DAY else b)
        day = a // _DAY
        k = int(np.searchsorted(starts, a, side="right")) - 1
        window = (periods[k][0] - day * _DAY, periods[k][1] - day * _DAY)
        key = (a - day * _DAY, b - day * _DAY)
        days, shared = grouped.get(key, (set(), window))
        days.add(day % 7)
        # the open period around the stretch on every one of its days
        grouped[key] = days, (max(shared[0], window[0]), min(shared[1], window[1]))
    found = [
        UncoveredHours(frozenset(days), a, b, window) for (a, b), (days, window) in grouped.items()
    ]
    return sorted(found, key=lambda u: (min(u.weekdays), u.start_minute))


def templates_for_uncovered(stretches: Sequence[UncoveredHours]) -> list[ShiftTemplate]:
    """Part-time shifts (at most :data:`SUGGESTED_SHIFT_MINUTES`, no break) that cover each
    stretch and lie inside its open period, on its days: a start the planner can edit.

    A stretch longer than one shift gets several, back to back; a period shorter than one
    shift gets a shift as long as the period. Equal shifts are suggested once.
    """
    found: dict[tuple[int, int, frozenset[int]], None] = {}
    for stretch in stretches:
        w0, w1 = stretch.window
        length = min(SUGGESTED_SHIFT_MINUTES, w1 - w0)
        cursor = stretch.start_minute
        while cursor < stretch.end_minute:
            start = max(w0, min(cursor, w1 - length))
            found[(start, length, stretch.weekdays)] = None
            cursor = start + length
    templates = []
    for start, length, days in found:
        # a shift belongs to the day it starts on: one starting past midnight, the next day's
        shifted = frozenset((d + start // _DAY) % 7 for d in days)
        minute = start % _DAY
        templates.append(
            ShiftTemplate(
                f"Cover {days_label(shifted)} {_clock(minute)}",
                dt.time(minute // 60, minute % 60),
                length_minutes=length,
                weekdays=shifted,
            )
        )
    return templates
