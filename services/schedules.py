"""The schedule workflow: make a week's schedule (shifts, roster, exports) and publish it.

The Schedule page and ``cli.py schedule`` call these; neither strings the steps together
itself. Making a schedule reads and writes nothing; publishing writes one schedule to the
store through :mod:`data.schedules`, which checks the publisher's permission and audits it.
"""

from __future__ import annotations

import concurrent.futures
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
from staffing.roster import roster_executor
from staffing.scheduling import LabourRules, OpeningHours, ShiftTemplate


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
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None = None,
    min_staff_while_open: int = 0,
    rules: LabourRules | None = None,
    queue_timezones: Mapping[str, str] | None = None,
    time_limit_seconds: float = 60.0,
    mip_rel_gap: float = 1e-4,
    dtstamp: dt.datetime | None = None,
    executor: concurrent.futures.Executor | None = None,
) -> ScheduleOutputs:
    """Plan the shifts that cover the requirements, roster the agents on them, render the exports.

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
    opening_hours, min_staff_while_open
        Passed to :func:`staffing.scheduling.plan_shifts`.
    rules, queue_timezones
        Passed to :func:`staffing.roster.build_roster`.
    time_limit_seconds : float, default 60
        Solver time limit in seconds, for the plan and for the roster separately.
    mip_rel_gap : float, default 1e-4
        Relative MIP gap at which the shift plan counts as optimal.
    dtstamp : datetime, optional
        Calendar export time (timezone-aware); default now.
    executor : concurrent.futures.Executor, optional
        Runs the roster's parts (:func:`staffing.roster.build_roster`), e.g. a Dask client's
        ``get_executor()``; default a local process pool for large rosters.

    Returns
    -------
    ScheduleOutputs
        The plan, the roster (``None`` without agents) and every export file as bytes.

    Raises
    ------
    AgentTimezoneError
        An agent without a time zone in a country of several zones.
    ValueError
        Malformed requirements, templates, agents or parameters (the subclasses of
        :mod:`staffing.scheduling`, :mod:`staffing.roster` and :mod:`staffing.exports`).
    """
    if week_start is not None:
        requirements = requirements_for_week(requirements, week_start)
    if agents is not None:
        agents = agents_with_timezones(agents)
    # make_schedule_outputs takes no executor: hand it to build_roster through the context
    with roster_executor(executor):
        return make_schedule_outputs(
            requirements,
            shifts,
            agents,
            absences,
            opening_hours=opening_hours,
            min_staff_while_open=min_staff_while_open,
            rules=rules,
            queue_timezones=queue_timezones,
            time_limit_seconds=time_limit_seconds,
            mip_rel_gap=mip_rel_gap,
            dtstamp=dtstamp,
        )


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
