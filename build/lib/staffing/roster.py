"""Named roster: assign agents to the planned shifts under contracts, absences and labour rules.

Solved as a MILP per country (agents only serve their own country's queues) with HiGHS:
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
* no shift overlapping an approved absence day in the agent's own time zone.

The objective fills as many planned paid hours as possible, then uses as little overtime as
possible. Overtime the solution needs is the *projected overtime* reported per agent and week.
The horizon is taken alone: shifts worked before it are not known, so rest and consecutive-day
rules across its first boundary are not checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import time
import zoneinfo
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from formats import Formats
from staffing.scheduling import (
    PLAN_COLUMNS,
    LabourRules,
    SchedulingError,
    ShiftPlan,
    _check_finite_number,
)

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

ABSENCE_TYPES: frozenset[str] = frozenset({"sick", "vacation", "other"})

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

_FILL_WEIGHT_PER_HOUR = 1000.0
_OVERTIME_WEIGHT_PER_HOUR = 10.0
# a tiny preference for agents' contract hours being used evenly keeps ties deterministic-ish
_SPREAD_WEIGHT = 1e-3


class RosterError(SchedulingError):
    """Bad agents, absences or roster parameters."""


@dataclasses.dataclass(frozen=True)
class Roster:
    """Result of :func:`build_roster`.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"time_limit"`` (best roster found), ``"no_solution"`` (solver found
        none: every planned shift is unfilled) or ``"empty"`` (no planned shifts).
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
        Largest relative gap over the per-country solves.
    solve_seconds : float
        Total solver wall time.

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

    def describe(self, fmt: Formats) -> str:
        """:attr:`message` with its numbers written in ``fmt``'s locale."""
        if self.status == "empty":
            return self.message
        projected = float(self.overtime["projected_overtime_hours"].sum())
        return _roster_notes(self.status, self.filled_shifts, self.unfilled_shifts, projected, fmt)


#: The words of :attr:`Roster.message` and logs: English, as the command line prints them.
_ENGLISH = Formats("en_GB")


def _roster_notes(status: str, filled: int, unfilled: int, overtime_hours: float,
                  fmt: Formats) -> str:  # fmt: skip
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
    return "; ".join(notes)


def parse_channels(text: object) -> frozenset[str]:
    """Split ``"voice, chat"`` into ``{"voice", "chat"}`` (empty parts dropped)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return frozenset()
    return frozenset(part.strip() for part in str(text).split(",") if part.strip())


def validate_agents(agents: pd.DataFrame) -> pd.DataFrame:
    """Check the agents frame and return a clean copy.

    Raises
    ------
    RosterError
        Missing columns, duplicate ``agent_id``, unknown IANA time zone, negative or non-numeric
        contract hours, no channels.
    """
    if not isinstance(agents, pd.DataFrame):
        raise RosterError(f"agents must be a pandas DataFrame, got {type(agents).__name__}")
    missing = [c for c in AGENT_COLUMNS if c not in agents.columns]
    if missing:
        raise RosterError(f"agents: missing column(s) {', '.join(missing)}")
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
    if not isinstance(absences, pd.DataFrame):
        raise RosterError(f"absences must be a pandas DataFrame, got {type(absences).__name__}")
    missing = [c for c in ABSENCE_COLUMNS if c not in absences.columns]
    if missing:
        raise RosterError(f"absences: missing column(s) {', '.join(missing)}")
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


def _to_utc_ns(local: pd.Series, zone: str) -> np.ndarray:
    """Naive local times in ``zone`` to UTC nanoseconds (DST gaps shifted forward, folds: first)."""
    aware = local.dt.tz_localize(
        zone, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
    )
    return (
        aware.dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .astype("datetime64[ns]")
        .to_numpy()
        .astype(np.int64)
    )


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
        Wall-time budget, shared by the per-country solves.
    mip_rel_gap : float, default 1e-3
        Relative MIP gap tolerance.

    Returns
    -------
    Roster

    Raises
    ------
    RosterError
        Bad agents, absences or parameters.
    """
    rules = rules or LabourRules()
    limit = _check_finite_number("time_limit_seconds", time_limit_seconds)
    gap = _check_finite_number("mip_rel_gap", mip_rel_gap)
    if limit <= 0:
        raise RosterError(f"time_limit_seconds must be > 0, got {time_limit_seconds!r}")
    ot_cap = (
        None
        if max_overtime_hours_per_week is None
        else _check_finite_number("max_overtime_hours_per_week", max_overtime_hours_per_week)
    )
    shifts = plan.shifts if isinstance(plan, ShiftPlan) else plan
    if not isinstance(shifts, pd.DataFrame):
        raise RosterError(f"plan must be a ShiftPlan or a DataFrame, got {type(plan).__name__}")
    missing = [c for c in PLAN_COLUMNS if c not in shifts.columns]
    if missing:
        raise RosterError(f"plan: missing column(s) {', '.join(missing)}")
    agents_frame = validate_agents(agents)
    absence_frame = validate_absences(absences, set(agents_frame["agent_id"]))
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

    deadline = time.perf_counter() + limit
    statuses: list[str] = []
    gaps: list[float] = []
    solve_total = 0.0
    picked: list[tuple[str, int]] = []  # (agent_id, instance row in `instances`)
    instance_parts: list[pd.DataFrame] = []
    countries = sorted(shifts["country"].astype(str).unique())
    for position, country in enumerate(countries):
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
        if crew.empty or zones.get(country) is None:
            statuses.append("optimal")
            logger.warning(
                "no agents for country %s: its %d planned shifts stay unfilled",
                country,
                len(queue_shifts),
            )
            continue
        remaining = max(deadline - time.perf_counter(), 0.5)
        share = remaining / (len(countries) - position)
        status, chosen, mip_gap, seconds = _solve_country(
            instances, crew, absence_frame, rules, zones[country], ot_cap, share, gap
        )
        statuses.append(status)
        if mip_gap is not None:
            gaps.append(mip_gap)
        solve_total += seconds
        picked.extend(
            (crew.at[a, "agent_id"], i + sum(len(p) for p in instance_parts[:-1]))
            for a, i in chosen
        )

    instances_all = pd.concat(instance_parts, ignore_index=True)
    assignments, unfilled = _expand_assignments(shifts, instances_all, picked, agents_frame)
    hours = assignments.groupby(["agent_id", "week_start"])["paid_hours"].sum().to_dict()
    overtime = _overtime_frame(agents_frame, hours, week_starts)

    status = (
        "no_solution"
        if "no_solution" in statuses
        else "time_limit"
        if "time_limit" in statuses
        else "optimal"
    )
    n_unfilled = int(unfilled["unfilled"].sum()) if len(unfilled) else 0
    projected = float(overtime["projected_overtime_hours"].sum())
    message = _roster_notes(status, len(assignments), n_unfilled, projected, _ENGLISH)
    violations = find_rule_violations(assignments, rules, absence_frame)
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
        mip_gap=max(gaps) if gaps else (None if status == "no_solution" else 0.0),
        solve_seconds=solve_total,
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


def _solve_country(
    instances: pd.DataFrame,
    crew: pd.DataFrame,
    absences: pd.DataFrame,
    rules: LabourRules,
    zone: str,
    ot_cap: float | None,
    time_limit: float,
    gap: float,
) -> tuple[str, list[tuple[int, int]], float | None, float]:
    """Solve one country's assignment MILP; returns (status, [(agent row, instance row)], gap, seconds)."""

    start_utc = _to_utc_ns(instances["shift_start"], zone)
    end_utc = _to_utc_ns(instances["shift_end"], zone)
    hours = instances["paid_hours"].to_numpy(dtype=np.float64)
    day = pd.to_datetime(instances["date"]).dt.normalize()
    day_index = ((day - day.min()).dt.days).to_numpy()
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).to_numpy()
    weeks = np.unique(week)
    rest_ns = int(rules.min_rest_hours * 3600e9)

    # eligibility: channel and absences (absence days are the agent's local calendar days)
    pairs_a: list[int] = []
    pairs_i: list[int] = []
    channels = instances["channel"].astype(str).to_numpy()
    for a, agent in crew.iterrows():
        allowed = np.isin(channels, list(_agent_channels(agent)))
        off = absences[absences["agent_id"] == agent["agent_id"]]
        for row in off.itertuples():
            first = pd.Timestamp(row.start_date).tz_localize(
                agent["timezone"], nonexistent="shift_forward", ambiguous=True
            )
            last = (pd.Timestamp(row.end_date) + pd.Timedelta(days=1)).tz_localize(
                agent["timezone"], nonexistent="shift_forward", ambiguous=True
            )
            lo, hi = first.tz_convert("UTC").value, last.tz_convert("UTC").value
            allowed &= ~((start_utc < hi) & (end_utc > lo))
        idx = np.flatnonzero(allowed)
        pairs_a.extend([a] * len(idx))
        pairs_i.extend(idx.tolist())
    var_a = np.array(pairs_a, dtype=np.int64)
    var_i = np.array(pairs_i, dtype=np.int64)
    n_y = len(var_a)
    if n_y == 0:
        return "optimal", [], 0.0, 0.0

    # overtime variables: one per (agent, week)
    n_w = len(weeks)
    n_ot = len(crew) * n_w
    week_of = np.searchsorted(weeks, week)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    n_rows = 0

    def add_rows(
        row_ids: np.ndarray, col_ids: np.ndarray, values: np.ndarray, ub: np.ndarray
    ) -> None:
        nonlocal n_rows
        rows.append(row_ids + n_rows)
        cols.append(col_ids)
        vals.append(values)
        lower.extend([-np.inf] * len(ub))
        upper.extend(ub.tolist())
        n_rows += len(ub)

    # planned headcount per instance
    add_rows(var_i, np.arange(n_y), np.ones(n_y), instances["planned"].to_numpy(dtype=np.float64))

    order = np.lexsort((var_i, var_a))
    var_a, var_i = var_a[order], var_i[order]
    bounds_by_agent = np.searchsorted(var_a, np.arange(len(crew) + 1))
    contract = crew["contract_hours_per_week"].to_numpy(dtype=np.float64)
    ot_upper = np.zeros(n_ot)
    for a in range(len(crew)):
        lo, hi = bounds_by_agent[a], bounds_by_agent[a + 1]
        if hi == lo:
            continue
        cols_a = np.arange(lo, hi)
        inst = var_i[lo:hi]
        # one shift per day
        days_a, day_rows = np.unique(day_index[inst], return_inverse=True)
        add_rows(day_rows, cols_a, np.ones(hi - lo), np.ones(len(days_a)))
        # rest: cliques of the interval graph of [start, end + rest), one per distinct start
        s, e = start_utc[inst], end_utc[inst] + rest_ns
        points = np.unique(s)
        member_r, member_c = [], []
        for r, p in enumerate(points):
            hit = np.flatnonzero((s <= p) & (e > p))
            if len(hit) > 1:
                member_r.append(np.full(len(hit), r))
                member_c.append(cols_a[hit])
        if member_r:
            r_ids = np.concatenate(member_r)
            used = np.unique(r_ids)
            remap = np.searchsorted(used, r_ids)
            add_rows(remap, np.concatenate(member_c), np.ones(len(remap)), np.ones(len(used)))
        # consecutive days: any window of K + 1 calendar days holds at most K working days
        k = rules.max_consecutive_days
        span = int(day_index.max()) + 1
        if span > k:
            win_r, win_c = [], []
            for w, first in enumerate(range(span - k)):
                hit = np.flatnonzero((day_index[inst] >= first) & (day_index[inst] <= first + k))
                win_r.append(np.full(len(hit), w))
                win_c.append(cols_a[hit])
            add_rows(
                np.concatenate(win_r),
                np.concatenate(win_c),
                np.ones(sum(len(c) for c in win_c)),
                np.full(span - k, float(k)),
            )
        # weekly hours: sum(hours) - overtime <= contract (capped by the legal maximum)
        base = min(contract[a], rules.max_weekly_hours)
        headroom = max(rules.max_weekly_hours - base, 0.0)
        if ot_cap is not None:
            headroom = min(headroom, ot_cap)
        w_ids = week_of[inst]
        ot_cols = n_y + a * n_w + np.arange(n_w)
        ot_upper[a * n_w : (a + 1) * n_w] = headroom
        add_rows(
            np.concatenate([w_ids, np.arange(n_w)]),
            np.concatenate([cols_a, ot_cols]),
            np.concatenate([hours[inst], -np.ones(n_w)]),
            np.full(n_w, base),
        )

    n_var = n_y + n_ot
    matrix = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_var)
    )
    # fill planned hours first; then least overtime; then, faintly, earlier agents in the list
    spread = _SPREAD_WEIGHT * (var_a / max(len(crew), 1))
    cost = np.concatenate(
        [-_FILL_WEIGHT_PER_HOUR * hours[var_i] + spread, np.full(n_ot, _OVERTIME_WEIGHT_PER_HOUR)]
    )
    started = time.perf_counter()
    result = optimize.milp(
        cost,
        integrality=np.concatenate([np.ones(n_y), np.zeros(n_ot)]),
        bounds=optimize.Bounds(np.zeros(n_var), np.concatenate([np.ones(n_y), ot_upper])),
        constraints=optimize.LinearConstraint(matrix, np.array(lower), np.array(upper)),
        options={"time_limit": time_limit, "mip_rel_gap": gap, "disp": False},
    )
    seconds = time.perf_counter() - started
    if result.x is None:
        logger.warning("roster solve found no assignment: %s", result.message)
        return "no_solution", [], None, seconds
    chosen = np.flatnonzero(result.x[:n_y] > 0.5)
    status = "optimal" if result.status == 0 else "time_limit"
    mip_gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    return (
        status,
        list(zip(var_a[chosen].tolist(), var_i[chosen].tolist(), strict=True)),
        mip_gap,
        seconds,
    )


def _agent_channels(agent: pd.Series) -> frozenset[str]:
    return parse_channels(agent["channels"])


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
    agent_rows = agents.set_index("agent_id")
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
            agent = agent_rows.loc[agent_id]
            records.append(
                {
                    "agent_id": agent_id,
                    "name": agent["name"],
                    "team": agent["team"],
                    "country": row["country"],
                    "channel": row["channel"],
                    "date": row["date"],
                    "shift": row["shift"],
                    "shift_start": row["shift_start"],
                    "shift_end": row["shift_end"],
                    "break_start": row["break_start"],
                    "break_end": row["break_end"],
                    "paid_hours": row["paid_hours"],
                    "queue_timezone": instances.at[i, "queue_timezone"],
                    "agent_timezone": agent["timezone"],
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
        start_utc, end_utc, agent_start, agent_end = [], [], [], []
        for row in assignments.itertuples():
            zone = row.queue_timezone
            s = pd.Timestamp(row.shift_start).tz_localize(
                zone, nonexistent="shift_forward", ambiguous=True
            )
            e = pd.Timestamp(row.shift_end).tz_localize(
                zone, nonexistent="shift_forward", ambiguous=True
            )
            start_utc.append(s.tz_convert("UTC"))
            end_utc.append(e.tz_convert("UTC"))
            agent_start.append(s.tz_convert(row.agent_timezone).tz_localize(None))
            agent_end.append(e.tz_convert(row.agent_timezone).tz_localize(None))
        assignments["start_utc"] = pd.DatetimeIndex(start_utc).as_unit("ns")
        assignments["end_utc"] = pd.DatetimeIndex(end_utc).as_unit("ns")
        assignments["agent_start"] = pd.DatetimeIndex(agent_start).as_unit("ns")
        assignments["agent_end"] = pd.DatetimeIndex(agent_end).as_unit("ns")
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


def find_rule_violations(
    assignments: pd.DataFrame,
    rules: LabourRules | None = None,
    absences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """List breaches of the labour rules and absences in a roster (empty frame when clean).

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`ASSIGNMENT_COLUMNS` (at least ``agent_id, date, start_utc, end_utc, paid_hours,
        week_start, agent_start, agent_end``).
    rules : LabourRules, optional
    absences : pandas.DataFrame, optional
        :data:`ABSENCE_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``agent_id, rule, detail``; rules are ``rest``, ``consecutive_days``,
        ``weekly_hours``, ``absence`` and ``double_shift``.
    """
    rules = rules or LabourRules()
    found: list[dict[str, str]] = []
    if len(assignments):
        for agent_id, own in assignments.sort_values("start_utc").groupby("agent_id"):
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
        for row in absences.itertuples():
            own = assignments[assignments["agent_id"] == str(row.agent_id)]
            first = pd.Timestamp(row.start_date).normalize()
            last = pd.Timestamp(row.end_date).normalize() + pd.Timedelta(days=1)
            hit = own[(own["agent_start"] < last) & (own["agent_end"] > first)]
            for shift in hit.itertuples():
                found.append(
                    {
                        "agent_id": str(row.agent_id),
                        "rule": "absence",
                        "detail": f"{row.type} on {shift.agent_start}",
                    }
                )
    return pd.DataFrame.from_records(found, columns=["agent_id", "rule", "detail"])
