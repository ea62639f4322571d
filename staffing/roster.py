"""Named roster: assign agents to the planned shifts under contracts, absences and labour rules.

Solved as a MILP per country (agents only serve their own country's queues) with HiGHS
(the model: :mod:`staffing.roster_solve`):
a binary variable per (agent, shift instance) the agent is eligible for, where an instance
is one template on one day in one queue (its break placements are interchangeable for the
rules and are handed out afterwards). Hard rules:

* at most the planned number of agents per instance;
* at most one shift per day per agent;
* minimum rest between shifts (``LabourRules.min_rest_hours``): two shifts conflict when their
  spans extended by the rest overlap. Overlap of intervals makes an interval graph, whose
  maximal cliques sit at interval starts, so one "at most one" row per start time is exact;
* at most ``max_consecutive_days`` working days in any run of ``max_consecutive_days + 1``;
* weekly paid hours <= contract hours + overtime, overtime capped so the total stays within
  ``max_weekly_hours`` (and within ``max_overtime_hours_per_week`` when given);
* no shift overlapping an approved absence day in the agent's own time zone;
* the limits HR set for a person (``limits``: :data:`LIMIT_KINDS`), on the days inside each
  limit's dates only: no shift ending after :data:`LATE_SHIFT_END_HOUR` (no late shifts); the
  shifts on those days of a week at most the contract hours (no overtime) or at most ``value``
  hours (a weekly cap). They come without a reason: the roster needs none.

The objective fills as many planned paid hours as possible, then uses as little overtime as
possible. Overtime the solution needs is the *projected overtime* reported per agent and week.
The horizon is taken alone: shifts worked before it are not known, so rest and consecutive-day
rules across its first boundary are not checked.

At scale the roster is solved in parts (:class:`RosterPart`), each with its own time budget,
through a :class:`concurrent.futures.Executor` (e.g. a Dask client's ``get_executor()``; by
default a local process pool for large rosters and this process for small ones):

* countries are independent (an agent serves only their own country), so splitting by country
  is exact and the countries run in parallel;
* a long horizon of a large country is solved week by week (a rolling horizon): week 1, then
  week 2 with week 1 fixed, carrying across the boundary each agent's last shift end (rest) and
  working days (consecutive days); parts are Monday-to-Sunday weeks, the weekly-hours rule's
  own unit. Each week is then optimal *given the earlier weeks*, not necessarily for the whole
  horizon: a heuristic, and the result says so (:attr:`Roster.rolling_horizon`,
  :attr:`RosterPart.follows_earlier_weeks`).

Each part is solved first as counts per group of interchangeable agents, handed out to names
(exact when the hand-out keeps the counts without extra overtime, the per-agent model
otherwise), and also builds a greedy roster, kept when HiGHS finds nothing better in time (see
:mod:`staffing.roster_solve`). ``time_limit_seconds`` holds for the whole call: parts not back
shortly after the solves' deadline are given up and keep their greedy rosters.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import itertools
import logging
import multiprocessing
import os
import time
import zoneinfo
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from contracts import require_columns
from contracts.vocab import ABSENCE_TYPES
from formats import Formats
from staffing.limit_checks import find_limit_violations
from staffing.roster_solve import (
    LATE_SHIFT_END_HOUR,
    PartSolution,
    RosterTask,
    parse_channels,
    solve_roster_part,
    to_utc_ns,
)
from staffing.scheduling import (
    PLAN_COLUMNS,
    LabourRules,
    SchedulingError,
    ShiftPlan,
    _check_finite_number,
)

__all__ = [
    "ABSENCE_COLUMNS",
    "ABSENCE_TYPES",
    "AGENT_COLUMNS",
    "ASSIGNMENT_COLUMNS",
    "LATE_SHIFT_END_HOUR",
    "LIMIT_COLUMNS",
    "LIMIT_KINDS",
    "OVERTIME_COLUMNS",
    "PART_STATUSES",
    "ROSTER_STATUSES",
    "UNFILLED_COLUMNS",
    "Roster",
    "RosterError",
    "RosterPart",
    "build_roster",
    "find_rule_violations",
    "parse_channels",
    "validate_absences",
    "validate_agents",
    "validate_limits",
]

logger = logging.getLogger(__name__)

AGENT_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "name",
    "team",
    "country",
    "timezone",
    "contract_hours_per_week",
    "channels",
)
"""Columns of the agents frame; ``channels`` is comma-separated (``"voice,chat"``)."""

ABSENCE_COLUMNS: tuple[str, ...] = ("agent_id", "start_date", "end_date", "type")
"""Columns of the absences frame; dates inclusive, ``type`` in :data:`ABSENCE_TYPES`."""

LIMIT_COLUMNS: tuple[str, ...] = ("agent_id", "kind", "value", "start_date", "end_date")
"""Columns of the limits frame: HR's limits on a person's rostering, days inclusive."""

LIMIT_KINDS: tuple[str, ...] = ("no_overtime", "max_weekly_hours", "no_late_shifts")
"""``no_overtime``: at most the contract hours a week; ``max_weekly_hours``: at most ``value``
hours a week; ``no_late_shifts``: no shift ending after :data:`LATE_SHIFT_END_HOUR` (agent's
local time) or past midnight."""

ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "name",
    "team",
    "country",
    "channel",
    "date",
    "shift",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "paid_hours",
    "queue_timezone",
    "agent_timezone",
    "start_utc",
    "end_utc",
    "agent_start",
    "agent_end",
    "week_start",
)
"""Columns of :attr:`Roster.assignments`. ``date``, ``shift_*`` and ``break_*`` are naive local
time of the queue's country; ``start_utc``/``end_utc`` are UTC (tz-aware); ``agent_start`` /
``agent_end`` are naive wall-clock time in ``agent_timezone``; ``week_start`` is the Monday of
the queue-local week."""

UNFILLED_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "date",
    "shift",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "paid_hours",
    "planned",
    "assigned",
    "unfilled",
)

OVERTIME_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "week_start",
    "contract_hours",
    "scheduled_hours",
    "projected_overtime_hours",
)
"""Columns of :attr:`Roster.overtime`, read by the wellbeing code (48 h average weeks).

One row per agent and Monday-started week of the horizon. ``scheduled_hours`` are the rostered
paid hours within the contract, ``projected_overtime_hours`` the rostered hours above it (the
overtime the roster needs to close gaps); their sum is the agent's rostered hours that week."""

ROSTER_STATUSES: tuple[str, ...] = ("optimal", "time_limit", "no_solution", "empty")
PART_STATUSES: tuple[str, ...] = ("optimal", "time_limit", "no_solution", "no_agents")

# a country's horizon is solved week by week when it has more (agent, shift instance) pairs
# than this: about 30 agents x 2 weeks of the benchmark plan; 74 agents x 4 weeks took over
# 15 s with a 57 % gap at once and 1-2 s a week week by week (bench/RESULTS.md)
_WHOLE_HORIZON_MAX_PAIRS = 8_000
# below this many pairs in all, parts are solved one after another in this process: starting
# worker processes costs more than such a roster takes to solve
_POOL_MIN_PAIRS = 40_000
# of time_limit_seconds, kept back from the solves for assembling the roster: 1.5 CPU s at
# 1,000 agents x 4 weeks, 5-8 s of wall time at load 8 on 2 cores
_ASSEMBLY_SHARE = 0.15
_ASSEMBLY_SECONDS = 10.0
# parts not back this share of that reserve after the solves' deadline are given up
_GRACE_SHARE = 0.25


class RosterError(SchedulingError):
    """Bad agents, absences or roster parameters."""


@dataclasses.dataclass(frozen=True)
class RosterPart:
    """One independently solved part of a roster: a country, over the horizon or one week.

    Attributes
    ----------
    country : str
    first_date, last_date : datetime.date
        The part's queue-local calendar days (inclusive).
    status : str
        ``"optimal"`` (within ``mip_rel_gap`` of the part's best possible), ``"time_limit"``
        (the part's time budget ran out; its best roster is kept), ``"no_solution"`` (nothing
        found: its shifts stay unfilled) or ``"no_agents"`` (the country has no agents).
    mip_gap : float or None
        Relative gap between the part's roster and HiGHS's bound on it (``None``: no bound).
    follows_earlier_weeks : bool
        Solved with the country's earlier weeks fixed (rolling horizon): optimal means optimal
        given those weeks, not for the whole horizon.
    solve_seconds, cpu_seconds : float
        Wall and CPU time of the part (model, greedy start, HiGHS) in whichever process ran it.
    time_limit_seconds : float
        The solver's time limit: the part's budget, cut to what was left of the roster's.
    planned_shifts, unfilled_shifts : int
        Agent-shifts planned in the part and left without an agent.
    agents, variables : int
        Agents of the country and binary plus overtime variables of the part's model.
    greedy_unfilled_shifts : int or None
        Agent-shifts the greedy start (the solver's warm start) left unfilled.
    objective, bound : float or None
        The part's objective value and HiGHS's bound on it, in the model's units (lower is
        better: -1000 per filled paid hour, +10 per overtime hour, a tiny tie-breaker); a sum
        over parts solved alone bounds a whole horizon (the weeks' shared rules relaxed).
    model : str
        ``"groups"``: solved as counts per group of interchangeable agents, handed out to
        names; ``"agents"``: the per-agent model (see :mod:`staffing.roster_solve`).
    """

    country: str
    first_date: dt.date
    last_date: dt.date
    status: str
    mip_gap: float | None
    follows_earlier_weeks: bool
    solve_seconds: float
    cpu_seconds: float
    time_limit_seconds: float
    planned_shifts: int
    unfilled_shifts: int
    agents: int
    variables: int
    greedy_unfilled_shifts: int | None
    objective: float | None = None
    bound: float | None = None
    model: str = "agents"


@dataclasses.dataclass(frozen=True)
class Roster:
    """Result of :func:`build_roster`.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"time_limit"`` (best roster found), ``"no_solution"`` (solver found
        none: every planned shift is unfilled) or ``"empty"`` (no planned shifts). The worst of
        the :attr:`parts`' statuses; with :attr:`rolling_horizon`, ``"optimal"`` means every
        week is optimal given the weeks before it.
    message : str
        Summary with the reason for unfilled shifts.
    assignments : pandas.DataFrame
        :data:`ASSIGNMENT_COLUMNS`, one row per agent and shift.
    unfilled : pandas.DataFrame
        :data:`UNFILLED_COLUMNS`, planned shifts (per break placement) left without an agent.
    overtime : pandas.DataFrame
        :data:`OVERTIME_COLUMNS`, one row per agent and week of the horizon.
    filled_shifts, unfilled_shifts : int
        Counts of agent-shifts.
    mip_gap : float or None
        Largest relative gap over the parts; ``None`` when some part has none (no solution, or
        its greedy roster kept without a solver bound).
    solve_seconds : float
        Solver wall time summed over the parts (parts may run at the same time).
    parts : tuple of RosterPart
        The parts solved, by country then date.
    rolling_horizon : bool
        Some country was solved week by week (a heuristic: see :class:`RosterPart`).
    phase_seconds : mapping of str to float
        Wall time of :func:`build_roster`'s phases: ``setup`` (checks, instances, the pool),
        ``parts`` (until the last part is back or given up), ``late_greedy`` (greedy rosters
        for parts given up at the time limit), ``assembly`` (names, breaks, times, overtime)
        and ``self_check`` (the labour-rule check of the result).

    :meth:`describe` writes :attr:`message` again with the numbers in another locale.
    """

    status: str
    message: str
    assignments: pd.DataFrame
    unfilled: pd.DataFrame
    overtime: pd.DataFrame
    filled_shifts: int
    unfilled_shifts: int
    mip_gap: float | None
    solve_seconds: float
    parts: tuple[RosterPart, ...] = ()
    rolling_horizon: bool = False
    phase_seconds: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def describe(self, fmt: Formats) -> str:
        """:attr:`message` with its numbers written in ``fmt``'s locale."""
        if self.status == "empty":
            return self.message
        projected = float(self.overtime["projected_overtime_hours"].sum())
        return _roster_notes(
            self.status,
            self.filled_shifts,
            self.unfilled_shifts,
            projected,
            fmt,
            rolling_horizon=self.rolling_horizon,
        )


#: The words of :attr:`Roster.message` and logs: English, as the command line prints them.
_ENGLISH = Formats("en_GB")


def _roster_notes(
    status: str,
    filled: int,
    unfilled: int,
    overtime_hours: float,
    fmt: Formats,
    *,
    rolling_horizon: bool = False,
) -> str:
    """E.g. "412 agent-shifts filled, 35 unfilled; unfilled shifts had no eligible agent ...;
    18.5 h projected overtime"."""
    notes = [f"{fmt.number(filled)} agent-shifts filled, {fmt.number(unfilled)} unfilled"]
    if unfilled:
        notes.append(
            "unfilled shifts had no eligible agent left within contracts, overtime limits, "
            "absences, rest and consecutive-day rules"
        )
    if overtime_hours > 0:
        notes.append(f"{fmt.hours(overtime_hours, 1)} projected overtime")
    if status == "time_limit":
        notes.append("time limit reached: the roster may not be the best possible")
    if rolling_horizon:
        notes.append(
            "solved week by week, each week given the ones before it: "
            "the whole horizon may not be the best possible"
        )
    return "; ".join(notes)


def validate_agents(agents: pd.DataFrame) -> pd.DataFrame:
    """Check the agents frame and return a clean copy.

    Raises
    ------
    RosterError
        Missing columns, duplicate ``agent_id``, unknown IANA time zone, negative or non-numeric
        contract hours, no channels.
    """
    require_columns(agents, AGENT_COLUMNS, "agents", error=RosterError)
    frame = agents.loc[:, list(AGENT_COLUMNS)].copy().reset_index(drop=True)
    frame["agent_id"] = frame["agent_id"].astype(str)
    duplicated = frame["agent_id"].duplicated()
    if duplicated.any():
        raise RosterError(
            f"agents: duplicate agent_id {frame.loc[duplicated, 'agent_id'].iloc[0]!r}"
        )
    problems: list[str] = []
    hours = pd.to_numeric(frame["contract_hours_per_week"], errors="coerce")
    for row in frame.itertuples():
        where = f"agents row {row.Index} (agent_id {row.agent_id!r})"
        try:
            zoneinfo.ZoneInfo(str(row.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"{where}: column 'timezone' has {row.timezone!r}, not an IANA time zone"
            )
        value = hours.iloc[row.Index]
        if not np.isfinite(value) or value < 0:
            problems.append(
                f"{where}: column 'contract_hours_per_week' has {row.contract_hours_per_week!r}, "
                "not a number >= 0"
            )
        if not parse_channels(row.channels):
            problems.append(f"{where}: column 'channels' is empty")
    if problems:
        raise RosterError("\n".join(problems[:20]))
    frame["contract_hours_per_week"] = hours.astype("float64")
    for col in ("name", "team", "country", "timezone"):
        frame[col] = frame[col].astype(str)
    return frame


def validate_absences(
    absences: pd.DataFrame | None, known_agents: set[str] | None = None
) -> pd.DataFrame:
    """Check the absences frame (inclusive dates) and return a clean copy.

    Raises
    ------
    RosterError
        Missing columns, non-datetime dates, ``end_date`` before ``start_date``, unknown type.
    """
    if absences is None:
        return pd.DataFrame(
            {
                "agent_id": pd.Series(dtype=str),
                "start_date": pd.Series(dtype="datetime64[ns]"),
                "end_date": pd.Series(dtype="datetime64[ns]"),
                "type": pd.Series(dtype=str),
            }
        )
    require_columns(absences, ABSENCE_COLUMNS, "absences", error=RosterError)
    frame = absences.loc[:, list(ABSENCE_COLUMNS)].copy().reset_index(drop=True)
    for col in ("start_date", "end_date"):
        if not pd.api.types.is_datetime64_dtype(frame[col]):
            raise RosterError(
                f"absences: column {col!r} must be datetime64 dates, got dtype {frame[col].dtype}"
            )
        frame[col] = frame[col].astype("datetime64[ns]").dt.normalize()
    frame["agent_id"] = frame["agent_id"].astype(str)
    frame["type"] = frame["type"].astype(str).str.strip().str.lower()
    bad = frame.index[frame["end_date"] < frame["start_date"]]
    if len(bad):
        row = bad[0]
        raise RosterError(
            f"absences row {row}: end_date {frame.at[row, 'end_date'].date()} is before "
            f"start_date {frame.at[row, 'start_date'].date()}"
        )
    bad = frame.index[~frame["type"].isin(ABSENCE_TYPES)]
    if len(bad):
        row = bad[0]
        raise RosterError(
            f"absences row {row}: column 'type' has {absences['type'].iloc[row]!r}, "
            f"not one of {', '.join(sorted(ABSENCE_TYPES))}"
        )
    if known_agents is not None:
        unknown = sorted(set(frame["agent_id"]) - known_agents)
        if unknown:
            logger.warning("absences for unknown agent_id(s) ignored: %s", ", ".join(unknown[:10]))
    return frame


def validate_limits(
    limits: pd.DataFrame | None, known_agents: set[str] | None = None
) -> pd.DataFrame:
    """Check the limits frame (:data:`LIMIT_COLUMNS`) and return a clean copy.

    Dates become datetime64 days; ``value`` (hours) is required for ``max_weekly_hours``.

    Raises
    ------
    RosterError
        Missing columns, an unknown kind, dates that are not dates or end before they start, a
        weekly cap that is not a number >= 0.
    """
    if limits is None:
        limits = pd.DataFrame(columns=list(LIMIT_COLUMNS))
    require_columns(limits, LIMIT_COLUMNS, "limits", error=RosterError)
    frame = limits.loc[:, list(LIMIT_COLUMNS)].copy().reset_index(drop=True)
    frame["agent_id"] = frame["agent_id"].astype(str)
    frame["kind"] = frame["kind"].astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    problems: list[str] = []
    for col in ("start_date", "end_date"):
        days = pd.to_datetime(frame[col], errors="coerce")
        for row in frame.index[days.isna()]:
            problems.append(
                f"limits row {row}: column {col!r} has {limits[col].iloc[row]!r}, not a date"
            )
        frame[col] = days.astype("datetime64[ns]").dt.normalize()
    for row in frame.itertuples():
        where = f"limits row {row.Index} (agent_id {row.agent_id!r})"
        if row.kind not in LIMIT_KINDS:
            problems.append(
                f"{where}: column 'kind' has {row.kind!r}, not one of {', '.join(LIMIT_KINDS)}"
            )
        elif row.kind == "max_weekly_hours" and not (np.isfinite(row.value) and row.value >= 0):
            problems.append(f"{where}: column 'value' has {row.value!r}, not hours >= 0")
        if pd.notna(row.start_date) and pd.notna(row.end_date) and row.end_date < row.start_date:
            problems.append(
                f"{where}: end_date {row.end_date.date()} is before start_date "
                f"{row.start_date.date()}"
            )
    if problems:
        raise RosterError("\n".join(problems[:20]))
    if known_agents is not None:
        unknown = sorted(set(frame["agent_id"]) - known_agents)
        if unknown:
            logger.info("limits for agent_id(s) not rostered ignored: %s", ", ".join(unknown[:10]))
    return frame


def build_roster(
    plan: ShiftPlan | pd.DataFrame,
    agents: pd.DataFrame,
    absences: pd.DataFrame | None = None,
    *,
    rules: LabourRules | None = None,
    queue_timezones: Mapping[str, str] | None = None,
    max_overtime_hours_per_week: float | None = None,
    time_limit_seconds: float = 60.0,
    mip_rel_gap: float = 1e-3,
    executor: concurrent.futures.Executor | None = None,
    split_weeks: bool | None = None,
    part_time_limit_seconds: float | None = None,
    warm_start: bool = False,
    limits: pd.DataFrame | None = None,
    grouped: bool = True,
) -> Roster:
    """Assign named agents to the planned shifts.

    Parameters
    ----------
    plan : ShiftPlan or pandas.DataFrame
        A plan from :func:`staffing.scheduling.plan_shifts`, or its ``shifts`` frame
        (:data:`staffing.scheduling.PLAN_COLUMNS`).
    agents : pandas.DataFrame
        :data:`AGENT_COLUMNS`. An agent serves only queues of their ``country`` and channels.
    absences : pandas.DataFrame, optional
        :data:`ABSENCE_COLUMNS`; dates are the agent's local calendar days, inclusive.
    rules : LabourRules, optional
        Rest, consecutive-day and weekly-hour rules (EU defaults).
    queue_timezones : mapping of country to IANA zone, optional
        Zone of each queue's local time. Default: the most common ``timezone`` among that
        country's agents.
    max_overtime_hours_per_week : float, optional
        Cap on hours above contract per agent and week (0 rosters contract hours only);
        default: up to ``rules.max_weekly_hours``.
    time_limit_seconds : float, default 60
        Wall-time budget of the whole call: no part's solve runs past it, less 15 % (at most
        10 s) kept for assembling the result; a part that starts after that keeps its greedy
        roster, one that starts before gets at least half a second, and (with an executor) a
        part not back a quarter of that reserve later is given up for its greedy roster.
    mip_rel_gap : float, default 1e-3
        Relative MIP gap tolerance, per part.
    executor : concurrent.futures.Executor, optional
        Runs the parts (countries in parallel; a country's weeks one after another), e.g. a
        ``ProcessPoolExecutor`` or a Dask ``Client.get_executor()``; it is not shut down. By
        default this process, and a process pool with one worker per core for large rosters
        solved per agent (``grouped=False``, about 40,000 agent-shift pairs or more).
    split_weeks : bool, optional
        Solve each country week by week (rolling horizon; see the module docstring). Default:
        only a country with more than about 8,000 agent-shift pairs over a horizon longer
        than a week; ``False`` always solves the whole horizon at once (exact, slow at scale).
    part_time_limit_seconds : float, optional
        Wall-time budget of each part's solve; default ``time_limit_seconds`` divided by the
        number of weeks of the longest rolling horizon.
    warm_start : bool, default False
        Also hand the greedy roster that every part builds (and keeps when HiGHS finds nothing
        better in time) to HiGHS as a MIP start. Off by default: HiGHS then stops as soon as
        the greedy roster is within ``mip_rel_gap``, which saved 30 % CPU at 1,000 agents x 4
        weeks but kept 640 h of overtime that the solve from scratch avoids (bench/RESULTS.md).
        Used by the per-agent model only (``grouped=False``, or a part solved per agent).
    limits : pandas.DataFrame, optional
        HR's limits (:data:`LIMIT_COLUMNS`, :func:`validate_limits`): hard rules on the days
        inside their dates (see the module docstring).
    grouped : bool, default True
        Solve each part first as counts per group of interchangeable agents (same eligible
        shifts, contract and carried-over days), handed out to names by the rules; a part
        whose names fall more than ``mip_rel_gap`` short of the groups' optimum (a shift lost,
        overtime added) is solved per agent. ``False``: per agent only (each part optimal
        within the same tolerance; 37 CPU s against 2 at 1,000 agents x 4 weeks, and more
        overtime-free, see bench/RESULTS.md).

    Returns
    -------
    Roster
        With one :class:`RosterPart` per part solved.

    Raises
    ------
    RosterError
        Bad agents, absences or parameters.
    """
    called = time.time()  # the time limit counts from here, checks and assembly included
    rules = rules or LabourRules()
    limit = _check_finite_number("time_limit_seconds", time_limit_seconds)
    gap = _check_finite_number("mip_rel_gap", mip_rel_gap)
    if limit <= 0:
        raise RosterError(f"time_limit_seconds must be > 0, got {time_limit_seconds!r}")
    part_limit = (
        None
        if part_time_limit_seconds is None
        else _check_finite_number("part_time_limit_seconds", part_time_limit_seconds)
    )
    if part_limit is not None and part_limit <= 0:
        raise RosterError(f"part_time_limit_seconds must be > 0, got {part_time_limit_seconds!r}")
    if executor is not None and not isinstance(executor, concurrent.futures.Executor):
        raise RosterError(
            f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}"
        )
    ot_cap = (
        None
        if max_overtime_hours_per_week is None
        else _check_finite_number("max_overtime_hours_per_week", max_overtime_hours_per_week)
    )
    shifts = plan.shifts if isinstance(plan, ShiftPlan) else plan
    if not isinstance(shifts, pd.DataFrame):
        raise RosterError(f"plan must be a ShiftPlan or a DataFrame, got {type(plan).__name__}")
    require_columns(shifts, PLAN_COLUMNS, "plan", error=RosterError)
    agents_frame = validate_agents(agents)
    absence_frame = validate_absences(absences, set(agents_frame["agent_id"]))
    limit_frame = validate_limits(limits, set(agents_frame["agent_id"]))
    zones = _queue_zones(shifts, agents_frame, queue_timezones)

    shifts = shifts[shifts["agents"] > 0].reset_index(drop=True)
    if shifts.empty:
        return Roster(
            status="empty",
            message="the plan has no shifts to staff",
            assignments=_empty_frame(ASSIGNMENT_COLUMNS),
            unfilled=_empty_frame(UNFILLED_COLUMNS),
            overtime=_overtime_frame(agents_frame, {}, set()),
            filled_shifts=0,
            unfilled_shifts=0,
            mip_gap=0.0,
            solve_seconds=0.0,
        )
    week_starts = {
        (pd.Timestamp(d) - pd.Timedelta(days=pd.Timestamp(d).weekday())).date()
        for d in shifts["date"]
    }

    chains: list[_Chain] = []
    parts: list[RosterPart] = []
    instance_parts: list[pd.DataFrame] = []
    offset = 0
    for country in sorted(shifts["country"].astype(str).unique()):
        queue_shifts = shifts[shifts["country"].astype(str) == country]
        instances = (
            queue_shifts.groupby(
                ["country", "channel", "date", "shift", "shift_start", "shift_end", "paid_hours"],
                as_index=False,
                sort=True,
            )["agents"]
            .sum()
            .rename(columns={"agents": "planned"})
        )
        instances["queue_timezone"] = zones.get(country)
        instance_parts.append(instances)
        crew = agents_frame[agents_frame["country"] == country].reset_index(drop=True)
        days = pd.to_datetime(instances["date"]).dt.date
        if crew.empty or zones.get(country) is None:
            logger.warning(
                "no agents for country %s: its %d planned shifts stay unfilled",
                country,
                len(queue_shifts),
            )
            planned = int(instances["planned"].sum())
            parts.append(
                RosterPart(
                    country=country,
                    first_date=min(days),
                    last_date=max(days),
                    status="no_agents",
                    mip_gap=None,
                    follows_earlier_weeks=False,
                    solve_seconds=0.0,
                    cpu_seconds=0.0,
                    time_limit_seconds=0.0,
                    planned_shifts=planned,
                    unfilled_shifts=planned,
                    agents=0,
                    variables=0,
                    greedy_unfilled_shifts=None,
                )
            )
        else:
            weekly = len({d - dt.timedelta(days=d.weekday()) for d in days}) > 1 and (
                split_weeks
                if split_weeks is not None
                else len(crew) * len(instances) > _WHOLE_HORIZON_MAX_PAIRS
            )
            chains.append(
                _Chain(
                    country=country,
                    instances=instances,
                    offset=offset,
                    crew=crew,
                    absences=absence_frame[absence_frame["agent_id"].isin(crew["agent_id"])],
                    limits=limit_frame[limit_frame["agent_id"].isin(crew["agent_id"])],
                    zone=str(zones[country]),
                    dates=days.to_numpy(),
                    weekly=weekly,
                    rules=rules,
                )
            )
        offset += len(instances)

    phases: dict[str, float] = {}
    longest = max((len(c.spans) for c in chains), default=1)
    budget = part_limit if part_limit is not None else limit / longest
    # solves stop early enough to leave time for handing out the shifts and checking them;
    # parts still out a little after that are given up for their greedy rosters
    reserve = min(_ASSEMBLY_SHARE * limit, _ASSEMBLY_SECONDS)
    deadline = called + limit - reserve
    give_up = deadline + _GRACE_SHARE * reserve

    def task_for(chain: _Chain) -> RosterTask:
        return chain.next_task(
            ot_cap=ot_cap,
            time_limit=budget,
            deadline=deadline,
            gap=gap,
            warm_start=warm_start,
            grouped=grouped,
        )

    picked: list[tuple[str, int]] = []  # (agent_id, instance row in `instances_all`)
    own_pool = None
    if executor is None:
        pairs = sum(len(c.crew) * len(c.instances) for c in chains)
        # grouped parts take 0.05-0.3 CPU s each at 1,000 agents: starting worker processes
        # costs more than they save (bench/RESULTS.md), so the pool is for the per-agent model
        if len(chains) > 1 and pairs >= _POOL_MIN_PAIRS and not grouped:
            own_pool = _local_pool(len(chains))
        executor = own_pool or _InlineExecutor()
    pending: dict[concurrent.futures.Future, _Chain] = {}
    phases["setup"] = time.time() - called
    try:
        for chain in chains:
            pending[executor.submit(solve_roster_part, task_for(chain))] = chain
        while pending:
            done, _ = concurrent.futures.wait(
                pending,
                timeout=max(give_up - time.time(), 0.0),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            if not done:
                break
            for future in done:
                chain = pending.pop(future)
                solution: PartSolution = future.result()
                parts.append(chain.record(solution))
                ids = chain.crew["agent_id"].to_numpy()
                picked.extend((ids[a], chain.offset + i) for a, i in chain.last_chosen)
                if not chain.finished:
                    pending[executor.submit(solve_roster_part, task_for(chain))] = chain
        # the roster's time is up: a part still running (a slow or loaded machine) is left to
        # finish on its own, and its weeks keep their greedy rosters, built here (the task's
        # deadline has passed, so no solver runs)
        phases["parts"] = time.time() - called - phases["setup"]
        for future, chain in pending.items():
            future.cancel()
            logger.warning(
                "roster part %s from %s not back by the time limit: greedy roster kept",
                chain.country,
                chain.spans[chain.position][0],
            )
            while not chain.finished:
                parts.append(chain.record(solve_roster_part(task_for(chain))))
                ids = chain.crew["agent_id"].to_numpy()
                picked.extend((ids[a], chain.offset + i) for a, i in chain.last_chosen)
    finally:
        if own_pool is not None:
            # workers still solving are not waited for (their solves stop at the deadline)
            own_pool.shutdown(wait=not pending, cancel_futures=True)
    phases["late_greedy"] = time.time() - called - phases["setup"] - phases["parts"]
    parts.sort(key=lambda part: (part.country, part.first_date))

    instances_all = pd.concat(instance_parts, ignore_index=True)
    assignments, unfilled = _expand_assignments(shifts, instances_all, picked, agents_frame)
    hours = assignments.groupby(["agent_id", "week_start"])["paid_hours"].sum().to_dict()
    overtime = _overtime_frame(agents_frame, hours, week_starts)

    statuses = {part.status for part in parts}
    status = (
        "no_solution"
        if "no_solution" in statuses
        else "time_limit"
        if "time_limit" in statuses
        else "optimal"
    )
    # a part without a bound (no solution, or out of time before HiGHS) leaves the gap unknown
    gaps = [part.mip_gap for part in parts if part.agents]
    rolling = any(part.follows_earlier_weeks for part in parts)
    n_unfilled = int(unfilled["unfilled"].sum()) if len(unfilled) else 0
    projected = float(overtime["projected_overtime_hours"].sum())
    message = _roster_notes(
        status, len(assignments), n_unfilled, projected, _ENGLISH, rolling_horizon=rolling
    )
    phases["assembly"] = time.time() - called - sum(phases.values())
    violations = find_rule_violations(assignments, rules, absence_frame, limit_frame, agents_frame)
    phases["self_check"] = time.time() - called - sum(phases.values())
    if len(violations):  # the model forbids these; a hit here is a bug worth shouting about
        logger.error("roster breaks labour rules: %s", violations.to_dict("records")[:5])
    return Roster(
        status=status,
        message=message,
        assignments=assignments,
        unfilled=unfilled,
        overtime=overtime,
        filled_shifts=len(assignments),
        unfilled_shifts=n_unfilled,
        mip_gap=None if None in gaps else max(gaps, default=0.0),
        solve_seconds=sum(part.solve_seconds for part in parts),
        parts=tuple(parts),
        rolling_horizon=rolling,
        phase_seconds=phases,
    )


class _Chain:
    """A country's parts, solved one after another; carries what crosses a week boundary."""

    def __init__(
        self,
        *,
        country: str,
        instances: pd.DataFrame,
        offset: int,
        crew: pd.DataFrame,
        absences: pd.DataFrame,
        limits: pd.DataFrame,
        zone: str,
        dates: np.ndarray,
        weekly: bool,
        rules: LabourRules,
    ) -> None:
        self.country, self.instances, self.offset = country, instances, offset
        self.crew, self.absences, self.zone, self.rules = crew, absences, zone, rules
        self.limits = limits
        self.dates = dates
        first, last = min(dates), max(dates)
        if weekly:  # Monday-to-Sunday weeks: the weekly-hours rule never crosses a part
            monday = first - dt.timedelta(days=first.weekday())
            self.spans = []
            while monday <= last:
                sunday = monday + dt.timedelta(days=6)
                if ((dates >= monday) & (dates <= sunday)).any():  # weeks without shifts: none
                    self.spans.append((max(monday, first), min(sunday, last)))
                monday += dt.timedelta(days=7)
        else:
            self.spans = [(first, last)]
        self.origin = first
        self.end_utc = to_utc_ns(instances["shift_end"], zone)
        self.day = np.array([(d - first).days for d in dates], dtype=np.int64)
        self.last_end = np.full(len(crew), np.iinfo(np.int64).min, dtype=np.int64)
        self.worked = np.zeros((len(crew), int(self.day.max()) + 1), dtype=bool)
        self.position = 0
        self.rows = np.arange(0)
        self.last_chosen: list[tuple[int, int]] = []

    @property
    def finished(self) -> bool:
        return self.position >= len(self.spans)

    def next_task(
        self, *, ot_cap: float | None, time_limit: float, deadline: float, gap: float,
        warm_start: bool, grouped: bool = True,
    ) -> RosterTask:  # fmt: skip
        first, last = self.spans[self.position]
        self.rows = np.flatnonzero((self.dates >= first) & (self.dates <= last))
        k = self.rules.max_consecutive_days
        start = (first - self.origin).days
        prior = np.zeros((len(self.crew), k), dtype=bool)
        lo = max(start - k, 0)
        prior[:, k - (start - lo) :] = self.worked[:, lo:start]
        return RosterTask(
            instances=self.instances.iloc[self.rows].reset_index(drop=True),
            crew=self.crew,
            absences=self.absences,
            rules=self.rules,
            zone=self.zone,
            first_date=first,
            ot_cap=ot_cap,
            time_limit_seconds=time_limit,
            deadline_epoch=deadline,
            mip_rel_gap=gap,
            prior_end_utc_ns=self.last_end.copy(),
            prior_worked=prior,
            warm_start=warm_start,
            limits=self.limits,
            grouped=grouped,
        )

    def record(self, solution: PartSolution) -> RosterPart:
        """Fix the part's assignments and describe the part."""
        first, last = self.spans[self.position]
        chosen = [(a, int(self.rows[i])) for a, i in solution.chosen]
        for a, i in chosen:
            self.last_end[a] = max(self.last_end[a], self.end_utc[i])
            self.worked[a, self.day[i]] = True
        self.last_chosen = chosen
        planned = int(self.instances["planned"].iloc[self.rows].sum())
        part = RosterPart(
            country=self.country,
            first_date=first,
            last_date=last,
            status=solution.status,
            mip_gap=solution.mip_gap,
            follows_earlier_weeks=self.position > 0,
            solve_seconds=solution.seconds,
            cpu_seconds=solution.cpu_seconds,
            time_limit_seconds=solution.time_limit_seconds,
            planned_shifts=planned,
            unfilled_shifts=planned - len(chosen),
            agents=len(self.crew),
            variables=solution.variables,
            greedy_unfilled_shifts=(
                None if solution.greedy_objective is None else planned - solution.greedy_filled
            ),
            objective=solution.objective,
            bound=solution.dual_bound,
            model=solution.model,
        )
        self.position += 1
        return part


class _InlineExecutor(concurrent.futures.Executor):
    """Runs each submitted call at once in this process (small rosters: no worker start-up)."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


def _local_pool(parts: int) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool with a worker per core (at most one per part running at once).

    Workers come from a fork server (a clean process that has imported the solver), not from
    forking this one: the dashboard's process has threads, which ``fork`` does not copy safely.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["staffing.roster_solve"])
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=max(1, min(os.cpu_count() or 1, parts)), mp_context=context
    )


def _queue_zones(
    shifts: pd.DataFrame, agents: pd.DataFrame, queue_timezones: Mapping[str, str] | None
) -> dict[str, str | None]:
    zones: dict[str, str | None] = {}
    for country in sorted(shifts["country"].astype(str).unique()):
        if queue_timezones is not None and country in queue_timezones:
            zone = str(queue_timezones[country])
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise RosterError(
                    f"queue_timezones[{country!r}]: {zone!r} is not an IANA time zone"
                ) from None
            zones[country] = zone
            continue
        local = agents.loc[agents["country"] == country, "timezone"]
        zones[country] = None if local.empty else str(local.value_counts().index[0])
    return zones


_TIME_COLUMNS = ("start_utc", "end_utc", "agent_start", "agent_end")


def _expand_assignments(
    shifts: pd.DataFrame,
    instances: pd.DataFrame,
    picked: list[tuple[str, int]],
    agents: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand out the break placements of each instance to its assigned agents; list the rest."""
    keys = ["country", "channel", "date", "shift", "shift_start"]
    by_instance: dict[int, list[str]] = {}
    for agent_id, i in picked:
        by_instance.setdefault(i, []).append(agent_id)
    inst_index = {
        tuple(row): i for i, row in enumerate(instances[keys].itertuples(index=False, name=None))
    }
    agent_rows = {
        row[0]: row[1:]
        for row in agents[["agent_id", "name", "team", "timezone"]].itertuples(index=False)
    }
    queue_zones = instances["queue_timezone"].tolist()
    records: list[dict[str, object]] = []
    unfilled: list[dict[str, object]] = []
    ordered = shifts.sort_values([*keys, "break_start"], kind="stable")
    taken: dict[int, int] = {}
    for row in ordered.to_dict("records"):
        i = inst_index[tuple(row[k] for k in keys)]
        pool = sorted(by_instance.get(i, []))
        start = taken.get(i, 0)
        mine = pool[start : start + int(row["agents"])]
        taken[i] = start + len(mine)
        for agent_id in mine:
            name, team, agent_zone = agent_rows[agent_id]
            records.append(
                {
                    "agent_id": agent_id,
                    "name": name,
                    "team": team,
                    "country": row["country"],
                    "channel": row["channel"],
                    "date": row["date"],
                    "shift": row["shift"],
                    "shift_start": row["shift_start"],
                    "shift_end": row["shift_end"],
                    "break_start": row["break_start"],
                    "break_end": row["break_end"],
                    "paid_hours": row["paid_hours"],
                    "queue_timezone": queue_zones[i],
                    "agent_timezone": agent_zone,
                }
            )
        if len(mine) < int(row["agents"]):
            unfilled.append(
                {
                    **{c: row[c] for c in UNFILLED_COLUMNS if c in row},
                    "planned": int(row["agents"]),
                    "assigned": len(mine),
                    "unfilled": int(row["agents"]) - len(mine),
                }
            )
    if not records:
        assignments = _empty_frame(ASSIGNMENT_COLUMNS)
    else:
        assignments = pd.DataFrame.from_records(records)
        # one vectorised conversion per (queue zone, agent zone): DST gaps shifted forward,
        # ambiguous times read as the first (summer-time) occurrence
        times = {c: np.empty(len(assignments), dtype="datetime64[ns]") for c in _TIME_COLUMNS}
        pairs = assignments.groupby(["queue_timezone", "agent_timezone"], sort=False).indices
        for (queue_zone, agent_zone), rows in pairs.items():
            for local, utc, agent_local in (
                ("shift_start", "start_utc", "agent_start"),
                ("shift_end", "end_utc", "agent_end"),
            ):
                naive = pd.Series(pd.to_datetime(assignments[local].to_numpy()[rows]).as_unit("ns"))
                aware = naive.dt.tz_localize(
                    queue_zone,
                    ambiguous=np.ones(len(rows), dtype=bool),
                    nonexistent="shift_forward",
                )
                times[utc][rows] = aware.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
                times[agent_local][rows] = (
                    aware.dt.tz_convert(agent_zone).dt.tz_localize(None).to_numpy()
                )
        for column in ("start_utc", "end_utc"):
            assignments[column] = pd.DatetimeIndex(times[column]).tz_localize("UTC")
        for column in ("agent_start", "agent_end"):
            assignments[column] = pd.DatetimeIndex(times[column])
        day = pd.to_datetime(assignments["date"])
        assignments["week_start"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date
        assignments = assignments.loc[:, list(ASSIGNMENT_COLUMNS)]
        assignments = assignments.sort_values(["agent_id", "start_utc"]).reset_index(drop=True)
    unfilled_frame = (
        pd.DataFrame.from_records(unfilled, columns=list(UNFILLED_COLUMNS))
        if unfilled
        else _empty_frame(UNFILLED_COLUMNS)
    )
    return assignments, unfilled_frame


def _overtime_frame(
    agents: pd.DataFrame, hours: Mapping[tuple[str, dt.date], float], week_starts: set[dt.date]
) -> pd.DataFrame:
    records = []
    for agent in agents.itertuples():
        for week in sorted(week_starts):
            rostered = float(hours.get((agent.agent_id, week), 0.0))
            contract = float(agent.contract_hours_per_week)
            # split so that scheduled + projected overtime = rostered hours: readers (wellbeing's
            # overtime outlook) add the two and also look at scheduled hours alone
            records.append(
                {
                    "agent_id": agent.agent_id,
                    "week_start": week,
                    "contract_hours": contract,
                    "scheduled_hours": min(rostered, contract),
                    "projected_overtime_hours": max(rostered - contract, 0.0),
                }
            )
    if not records:
        return _empty_frame(OVERTIME_COLUMNS)
    return pd.DataFrame.from_records(records, columns=list(OVERTIME_COLUMNS))


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _agents_breaking_rules(assignments: pd.DataFrame, rules: LabourRules) -> set[str]:
    """Agents with a rest, double-shift, consecutive-day or weekly-hours breach (vectorised)."""
    frame = pd.DataFrame(
        {
            "agent_id": assignments["agent_id"].to_numpy(),
            "start": pd.to_datetime(assignments["start_utc"], utc=True).to_numpy(),
            "end": pd.to_datetime(assignments["end_utc"], utc=True).to_numpy(),
            "day": pd.to_datetime(assignments["date"]).dt.normalize().to_numpy(),
        }
    ).sort_values(["agent_id", "start"], kind="stable")
    agent = frame["agent_id"].to_numpy()
    same = agent[1:] == agent[:-1]
    rest = (frame["start"].to_numpy()[1:] - frame["end"].to_numpy()[:-1]) / np.timedelta64(1, "h")
    found = set(agent[1:][same & (rest < rules.min_rest_hours - 1e-9)])
    found |= set(frame.loc[frame.duplicated(["agent_id", "day"]), "agent_id"])
    days = frame.drop_duplicates(["agent_id", "day"]).sort_values(["agent_id", "day"])
    day_agent, day = days["agent_id"].to_numpy(), days["day"].to_numpy()
    follows = np.r_[
        False, (day_agent[1:] == day_agent[:-1]) & (np.diff(day) == np.timedelta64(1, "D"))
    ]
    run = pd.Series(np.cumsum(~follows))
    long_runs = run.map(run.value_counts()) > rules.max_consecutive_days
    found |= set(day_agent[long_runs.to_numpy()])
    weekly = assignments.groupby(["agent_id", "week_start"])["paid_hours"].sum()
    found |= set(weekly[weekly > rules.max_weekly_hours + 1e-9].index.get_level_values(0))
    return found


def find_rule_violations(
    assignments: pd.DataFrame,
    rules: LabourRules | None = None,
    absences: pd.DataFrame | None = None,
    limits: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """List breaches of the labour rules, absences and HR's limits in a roster (empty when clean).

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`ASSIGNMENT_COLUMNS` (at least ``agent_id, date, start_utc, end_utc, paid_hours,
        week_start, agent_start, agent_end``).
    rules : LabourRules, optional
    absences : pandas.DataFrame, optional
        :data:`ABSENCE_COLUMNS`.
    limits : pandas.DataFrame, optional
        HR's limits (:data:`LIMIT_COLUMNS`), checked as the roster honours them
        (:mod:`staffing.limit_checks`).
    agents : pandas.DataFrame, optional
        ``agent_id, contract_hours_per_week``: needed for ``no_overtime`` limits.

    Returns
    -------
    pandas.DataFrame
        Columns ``agent_id, rule, detail``; rules are ``rest``, ``consecutive_days``,
        ``weekly_hours``, ``absence``, ``double_shift`` and ``hr_limit`` (the detail names the
        limit and the day or week, never why HR set it).

    Raises
    ------
    RosterError
        A limits frame that is not valid, or ``no_overtime`` limits without the agents'
        contract hours.
    """
    rules = rules or LabourRules()
    found: list[dict[str, str]] = []
    if len(assignments):
        # the rules are screened for all agents at once; only agents that break one are walked
        # through shift by shift for the details
        suspects = assignments["agent_id"].isin(_agents_breaking_rules(assignments, rules))
        ordered = assignments[suspects].sort_values("start_utc")
        for agent_id, own in ordered.groupby("agent_id"):
            starts, ends = own["start_utc"].tolist(), own["end_utc"].tolist()
            for prev_end, next_start in zip(ends[:-1], starts[1:], strict=True):
                rest = (next_start - prev_end).total_seconds() / 3600
                if rest < rules.min_rest_hours - 1e-9:
                    found.append(
                        {
                            "agent_id": agent_id,
                            "rule": "rest",
                            "detail": f"{rest:.2f} h before {next_start}",
                        }
                    )
            days = sorted(pd.to_datetime(own["date"]).dt.date.unique())
            if len(days) != len(own):
                found.append(
                    {
                        "agent_id": agent_id,
                        "rule": "double_shift",
                        "detail": "two shifts on one day",
                    }
                )
            run = 1
            for prev, nxt in itertools.pairwise(days):
                run = run + 1 if (nxt - prev).days == 1 else 1
                if run > rules.max_consecutive_days:
                    found.append(
                        {
                            "agent_id": agent_id,
                            "rule": "consecutive_days",
                            "detail": f"{run} days to {nxt}",
                        }
                    )
            for week, hours in own.groupby("week_start")["paid_hours"].sum().items():
                if hours > rules.max_weekly_hours + 1e-9:
                    found.append(
                        {
                            "agent_id": agent_id,
                            "rule": "weekly_hours",
                            "detail": f"{hours:.2f} h in week {week}",
                        }
                    )
    if absences is not None and len(absences) and len(assignments):
        found.extend(_absence_violations(assignments, absences))
    if limits is not None:
        found.extend(_limit_violations(assignments, validate_limits(limits), agents, rules))
    return pd.DataFrame.from_records(found, columns=["agent_id", "rule", "detail"])


def _absence_violations(assignments: pd.DataFrame, absences: pd.DataFrame) -> list[dict[str, str]]:
    """Shifts on an agent's absence days, in the absences' order and then the roster's.

    One join of the absences with the shifts on the agent (a roster week against a year of
    absences took seconds when each absence scanned the roster for its agent)."""
    spans = pd.DataFrame(
        {
            "agent_id": absences["agent_id"].astype(str).to_numpy(),
            "type": absences["type"].to_numpy(),
            "first": pd.to_datetime(absences["start_date"]).dt.normalize().to_numpy(),
            "last": (
                pd.to_datetime(absences["end_date"]).dt.normalize() + pd.Timedelta(days=1)
            ).to_numpy(),
            "absence": np.arange(len(absences)),
        }
    )
    shifts = pd.DataFrame(
        {
            "agent_id": assignments["agent_id"].astype(str).to_numpy(),
            "agent_start": assignments["agent_start"].to_numpy(),
            "agent_end": assignments["agent_end"].to_numpy(),
            "shift": np.arange(len(assignments)),
        }
    )
    pairs = spans.merge(shifts, on="agent_id")
    hit = pairs[(pairs["agent_start"] < pairs["last"]) & (pairs["agent_end"] > pairs["first"])]
    hit = hit.sort_values(["absence", "shift"], kind="stable")
    starts = assignments["agent_start"].iloc[hit["shift"].to_numpy()]
    return [
        {"agent_id": agent_id, "rule": "absence", "detail": f"{kind} on {start}"}
        for agent_id, kind, start in zip(hit["agent_id"], hit["type"], starts, strict=True)
    ]


def _limit_violations(
    assignments: pd.DataFrame,
    limits: pd.DataFrame,
    agents: pd.DataFrame | None,
    rules: LabourRules,
) -> list[dict[str, str]]:
    """:func:`staffing.limit_checks.find_limit_violations` with each agent's no-overtime cap."""
    contract = pd.Series(dtype="float64")
    if not len(assignments):
        return []
    need = set(limits.loc[limits["kind"] == "no_overtime", "agent_id"]) & set(
        assignments["agent_id"].astype(str)
    )  # an agent without shifts breaks no limit
    if need:
        if agents is None:
            raise RosterError("no_overtime limits need the agents' contract_hours_per_week")
        require_columns(
            agents, ("agent_id", "contract_hours_per_week"), "agents", error=RosterError
        )
        hours = agents.set_index(agents["agent_id"].astype(str))["contract_hours_per_week"]
        missing = sorted(need - set(hours.index))
        if missing:
            raise RosterError(
                f"no_overtime limit for agent_id {missing[0]!r}, who is not in the agents frame"
            )
        contract = hours.astype("float64").clip(upper=rules.max_weekly_hours)
    return find_limit_violations(assignments, limits, contract)
