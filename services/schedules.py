"""The schedule workflow: make a week's schedule (shifts, roster, exports) and publish it.

The Schedule page and ``cli.py schedule`` call these; neither strings the steps together
itself. Making a schedule reads and writes nothing; publishing writes one schedule to the
store through :mod:`data.schedules`, which checks the publisher's permission and audits it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from babel.core import get_global

from data import schedules as published
from data.access import Principal
from data.store import Store
from staffing.exports import ScheduleOutputs, make_schedule_outputs, staff_on_duty
from staffing.planning import requirements_for_week
from staffing.profiles import (
    ProfileError,
    QueueSetup,
    format_opening_hours,
    open_slots,
    parse_opening_hours,
)
from staffing.scheduling import OpeningHours, ShiftTemplate


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def stored_opening_hours(
    queues: Sequence[tuple[str, str]], setups: Mapping[tuple[str, str], QueueSetup]
) -> tuple[dict[str, OpeningHours], dict[tuple[str, str], str]]:
    """The opening hours stored under Queue settings for ``queues``, as the schedule reads them.

    Shift plans are made per country (:func:`staffing.scheduling.plan_shifts` takes hours per
    country): where a country's channels have different hours, each weekday is open from the
    earliest opening to the latest closing of them.

    Parameters
    ----------
    queues : sequence of (country, channel)
        The plan's queues.
    setups : mapping of (country, channel) to QueueSetup
        The stored settings (``services.planning.queue_setups``); queues without stored
        opening hours are left out.

    Returns
    -------
    hours : dict of country to OpeningHours
    texts : dict of (country, channel) to str
        Each queue's stored hours as planners write them (what the page shows).
    """
    texts: dict[tuple[str, str], str] = {}
    per_country: dict[str, list[OpeningHours]] = {}
    for queue in queues:
        setup = setups.get(queue)
        if setup is None or not setup.opening_hours:
            continue
        opening = setup.opening
        texts[queue] = format_opening_hours(opening)
        per_country.setdefault(queue[0], []).append(opening)
    hours: dict[str, OpeningHours] = {}
    for country, openings in per_country.items():
        weekly: dict[int, tuple[dt.time, dt.time]] = {}
        for day in range(7):
            windows = [o.weekly[day] for o in openings if o.weekly.get(day) is not None]
            if not windows:
                continue
            # a window closing at or before it opens ends the next day: 24:00 and later last
            ends = [_minutes(b) + (1440 if _minutes(b) <= _minutes(a) else 0) for a, b in windows]
            first = min(windows, key=lambda w: _minutes(w[0]))[0]
            last = windows[int(max(range(len(ends)), key=ends.__getitem__))][1]
            weekly[day] = (first, last)
        hours[country] = OpeningHours(weekly)
    return hours, texts


def coverage_segments(coverage: pd.DataFrame) -> pd.DataFrame:
    """A coverage table as a step chart draws it: open intervals only, in runs.

    A run is a queue's consecutive open intervals (``is_open``, when the table has it, and
    each interval starting where the previous one ends); closed intervals, nights and closed
    days have no row, so a line drawn per ``segment`` stops at the close instead of carrying
    the last value through the night. Each run ends with a closing point at the end of its last
    interval (its values, ``shortfall`` 0), where the step of that interval ends.

    Parameters
    ----------
    coverage : DataFrame
        ``country, channel, interval_start, interval_minutes`` and any values
        (``staffing.scheduling.COVERAGE_COLUMNS``, or a published schedule's intervals).

    Returns
    -------
    DataFrame
        The open rows and the closing points, with ``segment`` (0, 1, ... over all queues),
        sorted by queue and time.
    """
    frame = coverage.sort_values(["country", "channel", "interval_start"])
    if "is_open" in frame.columns:
        frame = frame[frame["is_open"].astype(bool)]
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return frame.assign(segment=pd.Series(dtype="int64"))
    ends = frame["interval_start"] + pd.to_timedelta(frame["interval_minutes"], unit="min")
    queue = frame["country"].astype(str) + "/" + frame["channel"].astype(str)
    starts_run = (queue != queue.shift()) | (frame["interval_start"] != ends.shift())
    frame["segment"] = starts_run.cumsum().astype("int64") - 1
    last = frame["segment"] != frame["segment"].shift(-1)
    closing = frame[last].assign(interval_start=ends[last])
    if "shortfall" in closing.columns:
        closing = closing.assign(shortfall=0.0)
    both = pd.concat([frame, closing], ignore_index=True)
    return both.sort_values(["segment", "interval_start"], kind="stable").reset_index(drop=True)


def mark_open(intervals: pd.DataFrame, opening_hours: object) -> pd.DataFrame:
    """A published schedule's intervals with ``is_open``, from the opening hours it was made
    with (its settings' ``opening_hours``: ``{"IT/voice": "Mon-Fri 08:00-20:00; ..."}``), so
    its coverage chart draws nothing while the queue was closed (:func:`coverage_segments`).

    Queues without saved hours (schedules published before they were kept per queue, or text
    that no longer parses) count as open in every interval they have.
    """
    is_open = pd.Series(True, index=intervals.index)
    texts = opening_hours if isinstance(opening_hours, Mapping) else {}
    queue = intervals["country"].astype(str) + "/" + intervals["channel"].astype(str)
    starts = pd.to_datetime(intervals["interval_start"])
    for name, text in texts.items():
        rows = queue == name
        if not rows.any() or not text:
            continue
        minutes = int(intervals.loc[rows, "interval_minutes"].iloc[0])
        try:
            mask = open_slots(parse_opening_hours(str(text)), minutes)
        except ProfileError:
            continue
        at = starts[rows]
        slot = (at.dt.hour * 60 + at.dt.minute) // minutes
        is_open[rows] = mask[at.dt.day_of_week.to_numpy(), slot.to_numpy()]
    return intervals.assign(is_open=is_open)


class AgentTimezoneError(ValueError):
    """An agent without a time zone whose country has none or several: the file must say it."""


def agents_with_timezones(agents: pd.DataFrame) -> pd.DataFrame:
    """``agents`` with a blank ``timezone`` filled from the agent's country.

    An agents file often has no time zone column (a team in one country): such an agent works
    in the time zone of their country when the country has exactly one (CLDR's zones of a
    territory: IT is Europe/Rome). The roster needs a zone for every agent, to place shifts and
    write calendars.

    Raises
    ------
    AgentTimezoneError
        Agents without a time zone whose country has several zones (US, BR, ...) or is
        unknown, named with their row and country (up to 20).
    """
    if "timezone" not in agents.columns:
        agents = agents.assign(timezone=None)
    blank = agents["timezone"].isna() | (agents["timezone"].astype(str).str.strip() == "")
    if not blank.any():
        return agents
    zones = get_global("territory_zones")
    countries = agents["country"] if "country" in agents.columns else pd.Series(None, agents.index)
    filled = countries.map(
        lambda c: zones[c][0] if isinstance(c, str) and len(zones.get(c, ())) == 1 else None
    )
    lacking = blank & filled.isna()
    if lacking.any():
        problems = [
            f"agents row {position} (agent_id {agents['agent_id'].iloc[position]!r}): column "
            f"'timezone' is empty and country {countries.iloc[position]!r} has "
            + ("several time zones" if countries.iloc[position] in zones else "no known time zone")
            + ": add a timezone column (e.g. 'Europe/Rome') to the agents file"
            for position in [int(k) for k in lacking.to_numpy().nonzero()[0][:20]]
        ]
        raise AgentTimezoneError("\n".join(problems))
    return agents.assign(timezone=agents["timezone"].where(~blank, filled))


def make_schedule(
    requirements: pd.DataFrame,
    shifts: pd.DataFrame | Sequence[ShiftTemplate],
    agents: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
    *,
    week_start: dt.date | None = None,
    **options: Any,
) -> ScheduleOutputs:
    """Plan the shifts that cover the requirements, roster the agents on them, render the exports.

    :func:`staffing.exports.make_schedule_outputs` does the work; this adds the week and the
    agents' time zones, and passes ``options`` on as they are.

    Parameters
    ----------
    requirements : pandas.DataFrame
        Staff required per queue and interval (:data:`staffing.scheduling.REQUIREMENT_COLUMNS`),
        naive local time of each queue's country.
    shifts : pandas.DataFrame or sequence of ShiftTemplate
        A shift-templates table (:func:`staffing.scheduling.shift_templates_from_frame`) or
        the templates.
    agents, absences : pandas.DataFrame, optional
        The agents to roster and their absences (:func:`staffing.roster.build_roster`); without
        agents the schedule is the shift plan alone (no roster, no calendars). An agent
        without a time zone works in their country's (:func:`agents_with_timezones`).
    week_start : date, optional
        Schedule the seven days from this date only (the Schedule page's week); default all
        the requirement rows.
    **options
        The keywords of :func:`staffing.exports.make_schedule_outputs`: ``opening_hours``,
        ``min_staff_while_open``, ``rules``, ``queue_timezones``, ``time_limit_seconds`` (for
        the plan and for the roster separately, default 60), ``mip_rel_gap``, ``dtstamp``,
        ``executor`` (runs the roster's parts) and ``limits`` (HR's limits that apply in the
        period, :func:`services.flags.limits_for_period`, honoured as hard rules).

    Returns
    -------
    ScheduleOutputs
        The plan, the roster (``None`` without agents) and every export file as bytes.

    Raises
    ------
    AgentTimezoneError
        An agent without a time zone in a country of several zones.
    TypeError
        A keyword ``make_schedule_outputs`` does not take.
    ValueError
        Malformed requirements, templates, agents or parameters (the subclasses of
        :mod:`staffing.scheduling`, :mod:`staffing.roster` and :mod:`staffing.exports`).
    """
    if week_start is not None:
        requirements = requirements_for_week(requirements, week_start)
    if agents is not None:
        agents = agents_with_timezones(agents)
    return make_schedule_outputs(requirements, shifts, agents, absences, **options)


def schedule_summary(outputs: ScheduleOutputs) -> published.ScheduleSummary:
    """What is stored about a schedule's plan and roster with it when it is published."""
    plan, roster = outputs.plan, outputs.roster
    return published.ScheduleSummary(
        plan_status=plan.status,
        shortfall_staff_hours=plan.shortfall_staff_hours,
        labour_cost=plan.labour_cost,
        roster_status=None if roster is None else roster.status,
        filled_shifts=None if roster is None else roster.filled_shifts,
        unfilled_shifts=None if roster is None else roster.unfilled_shifts,
    )


def publish_schedule(
    store: Store,
    principal: Principal,
    outputs: ScheduleOutputs,
    *,
    settings: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> int:
    """Make a schedule the current one for its queues and days; audited.

    Stores the staff it puts on duty per queue and interval
    (:func:`staffing.exports.staff_on_duty`), the roster's shifts and a summary, in one
    transaction (:func:`data.schedules.publish_schedule`).

    Parameters
    ----------
    store : Store
    principal : Principal
        Who publishes; needs :attr:`data.access.Permission.PUBLISH_SCHEDULES`.
    outputs : ScheduleOutputs
        From :func:`make_schedule`.
    settings : mapping, optional
        What the schedule was made with (opening hours, templates, ...), stored as JSON.
    note : str, optional
        The planner's words, e.g. "agreed with the team leads".

    Returns
    -------
    int
        The published schedule's id.

    Raises
    ------
    AccessDenied
        The principal may not publish schedules.
    ScheduleError
        Nothing to publish (a plan without intervals) or values the store refuses.
    """
    roster = outputs.roster
    shifts = (
        roster.assignments[list(published.SHIFT_COLUMNS)]
        if roster is not None
        else pd.DataFrame(columns=list(published.SHIFT_COLUMNS))
    )
    return published.publish_schedule(
        store,
        principal,
        intervals=staff_on_duty(outputs),
        shifts=shifts,
        summary=schedule_summary(outputs),
        settings=settings,
        note=note,
    )
