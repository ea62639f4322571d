"""One part of a named roster (a country, over the whole horizon or one week) as a HiGHS MILP.

:func:`solve_roster_part` runs in whatever process the executor of
:func:`staffing.roster.build_roster` chooses (a local process pool, a Dask worker), so it takes
one picklable :class:`RosterTask` and returns one picklable :class:`PartSolution`.

The model is the one :mod:`staffing.roster` describes, plus what crosses a part boundary when
the earlier weeks are already fixed (a rolling horizon):

* rest: an instance starting less than ``min_rest_hours`` after the agent's last fixed shift
  ends is not eligible;
* consecutive days: every window of ``max_consecutive_days + 1`` days reaching back into the
  fixed days counts the fixed working days against its limit;
* weekly hours: parts are whole Monday-to-Sunday weeks (or the whole horizon), the unit of the
  weekly rule, so no week is split between parts and nothing needs carrying;

and the limits HR set for a person (:data:`staffing.roster.LIMIT_KINDS`), hard rules on the days
inside each limit's dates only: ``no_late_shifts`` makes shifts ending after
:data:`LATE_SHIFT_END_HOUR` (the agent's local time, or on a later day) ineligible on those
days; ``no_overtime`` and ``max_weekly_hours`` cap the hours of the shifts on those days of
each week at the contract hours or at ``value``.

**Grouped model first.** Agents are interchangeable within a part when they are eligible for
the same instances (channels, absences, late-shift limits, rest after their last fixed shift),
have the same contract hours and overtime headroom, and the same fixed days before the part as
far as the consecutive-days rows see them (agents with an HR weekly limit are groups of one).
The grouped model has an integer count per (group, eligible instance) and each agent's rule
rows summed over the group (right-hand sides times the group's size): a relaxation of the
per-agent model with the same LP bound, and 50-250 variables instead of 5,000-18,000 per
weekly part at 1,000 agents. Its counts are handed out to names by the greedy roster's rules,
group by group (first in the crew's order, which leaves most agents fresh for the next week
of a rolling horizon, then evenly), repaired by moves and swaps between the group's agents.
When the names keep every count and need no more overtime than the groups, the named roster
has the grouped optimum's filled hours and overtime, so it is optimal for the per-agent model
as well (the tie-breaker aside). Names that fall short (a shift not handed out, overtime
added) are kept when within ``mip_rel_gap`` of the grouped bound, which bounds the per-agent
model too (the tolerance HiGHS itself stops at); otherwise the part is solved per agent in
what is left of its budget. HiGHS inside scipy holds the GIL (a Python thread beside it slowed
it 5x, measured), so parts that need HiGHS's time run in processes, not threads.

A greedy roster (instances by start time, each to the eligible agents with the most contract
hours left that week) is the answer when HiGHS finds nothing better before its time limit, and,
with ``warm_start``, HiGHS's MIP start: ``scipy.optimize.milp`` has no initial-solution
argument, but passes unknown options to HiGHS verbatim, and the HiGHS inside scipy 1.17 (1.12)
reads a start from ``read_solution_file``. The start does not pay here: the LP relaxation is
nearly integral, so HiGHS finds the optimum at the root anyway, and a start within
``mip_rel_gap`` only lets it stop earlier on a worse roster (bench/RESULTS.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from staffing.scheduling import LabourRules

logger = logging.getLogger(__name__)

#: A shift is late when it ends after this hour (agent's local time) or on a later day.
LATE_SHIFT_END_HOUR = 20
FILL_WEIGHT_PER_HOUR = 1000.0
OVERTIME_WEIGHT_PER_HOUR = 10.0
# a tiny preference for agents' contract hours being used evenly keeps ties deterministic-ish
SPREAD_WEIGHT = 1e-3
# handing out a group's counts: moves tried through a second agent per shift in overtime
_HAND_OUT_CHAIN_TRIES = 30
# a part that starts before the roster's deadline solves at least this long; one that starts
# after it keeps its greedy roster without calling HiGHS
MIN_PART_SECONDS = 0.5


@dataclasses.dataclass(frozen=True)
class RosterTask:
    """Everything one part's solve needs (picklable, so it can go to another process).

    ``instances`` are the part's shift instances (``channel, date, shift_start, shift_end,
    paid_hours, planned``); ``crew`` the country's agents (``agent_id, timezone,
    contract_hours_per_week, channels``); ``absences`` theirs. ``first_date`` is the part's
    first calendar day; ``prior_end_utc_ns`` per crew row the end (UTC ns) of the agent's last
    fixed shift (``np.iinfo(np.int64).min`` for none) and ``prior_worked`` per crew row whether
    the agent worked each of the ``max_consecutive_days`` days before ``first_date`` (oldest
    first). ``deadline_epoch`` is the roster's overall wall-clock deadline (``time.time()``).
    ``limits`` are HR's limits on the crew (``agent_id, kind, value, start_date, end_date``,
    days inclusive, datetime64), or None. ``grouped``: try the grouped model first (module
    docstring).
    """

    instances: pd.DataFrame
    crew: pd.DataFrame
    absences: pd.DataFrame
    rules: LabourRules
    zone: str
    first_date: dt.date
    ot_cap: float | None
    time_limit_seconds: float
    deadline_epoch: float
    mip_rel_gap: float
    prior_end_utc_ns: np.ndarray
    prior_worked: np.ndarray
    warm_start: bool = False
    limits: pd.DataFrame | None = None
    grouped: bool = True


@dataclasses.dataclass(frozen=True)
class PartSolution:
    """What one part's solve found.

    ``status`` is ``"optimal"``, ``"time_limit"`` (best found, from HiGHS or the greedy start)
    or ``"no_solution"``; ``chosen`` pairs (crew row, instance row); ``mip_gap`` relative to
    HiGHS's bound (``None`` without one); ``greedy_objective`` and ``objective`` in the model's
    units (lower is better), ``seconds`` and ``cpu_seconds`` the wall and CPU time of the
    whole part (model, greedy start and HiGHS), ``time_limit_seconds`` HiGHS's limit;
    ``model`` ``"groups"`` or ``"agents"``, the model whose roster this is.
    """

    status: str
    chosen: list[tuple[int, int]]
    mip_gap: float | None
    seconds: float
    cpu_seconds: float
    time_limit_seconds: float
    variables: int
    objective: float | None
    dual_bound: float | None
    greedy_objective: float | None
    greedy_filled: int
    model: str = "agents"


def to_utc_ns(local: pd.Series, zone: str) -> np.ndarray:
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


def parse_channels(text: object) -> frozenset[str]:
    """Split ``"voice, chat"`` into ``{"voice", "chat"}`` (empty parts dropped)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return frozenset()
    return frozenset(part.strip() for part in str(text).split(",") if part.strip())


def solve_roster_part(task: RosterTask) -> PartSolution:
    """Solve one part's assignment MILP (see the module docstring)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    # the part's own budget, cut to what is left of the roster's (it may have queued)
    time_limit = max(
        min(task.time_limit_seconds, task.deadline_epoch - time.time()), MIN_PART_SECONDS
    )
    instances, crew, rules = task.instances, task.crew, task.rules
    start_utc = to_utc_ns(instances["shift_start"], task.zone)
    end_utc = to_utc_ns(instances["shift_end"], task.zone)
    hours = instances["paid_hours"].to_numpy(dtype=np.float64)
    day = pd.to_datetime(instances["date"]).dt.normalize()
    day_index = ((day - pd.Timestamp(task.first_date)).dt.days).to_numpy()
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).to_numpy()
    weeks = np.unique(week)
    week_of = np.searchsorted(weeks, week)
    rest_ns = int(rules.min_rest_hours * 3600e9)
    k = rules.max_consecutive_days

    # eligibility: channel, absences (the agent's local calendar days), rest after fixed shifts
    pairs_a: list[int] = []
    pairs_i: list[int] = []
    channels = instances["channel"].astype(str).to_numpy()
    absences_of = {agent_id: off for agent_id, off in task.absences.groupby("agent_id")}
    no_absence = task.absences.iloc[:0]
    limits = task.limits if task.limits is not None else pd.DataFrame(columns=_LIMIT_COLUMNS)
    limits_of = {agent_id: own for agent_id, own in limits.groupby("agent_id")}
    day_ns = day.to_numpy()
    by_channels: dict[object, np.ndarray] = {}  # the crew shares a few channel lists
    for a, agent in enumerate(crew.itertuples(index=False)):
        if agent.channels not in by_channels:
            by_channels[agent.channels] = np.isin(channels, list(parse_channels(agent.channels)))
        allowed = by_channels[agent.channels].copy()
        prior_end = int(task.prior_end_utc_ns[a])
        if prior_end > np.iinfo(np.int64).min:
            allowed &= start_utc >= prior_end + rest_ns
        # (itertuples builds a class per call: only for agents with absences)
        own_absences = absences_of.get(agent.agent_id, no_absence)
        for row in own_absences.itertuples() if len(own_absences) else ():
            first = pd.Timestamp(row.start_date).tz_localize(
                agent.timezone, nonexistent="shift_forward", ambiguous=True
            )
            last = (pd.Timestamp(row.end_date) + pd.Timedelta(days=1)).tz_localize(
                agent.timezone, nonexistent="shift_forward", ambiguous=True
            )
            lo, hi = first.tz_convert("UTC").value, last.tz_convert("UTC").value
            allowed &= ~((start_utc < hi) & (end_utc > lo))
        own_limits = limits_of.get(agent.agent_id)
        if own_limits is not None:
            late = own_limits[own_limits["kind"] == "no_late_shifts"]
            if len(late):
                is_late = _late_shifts(start_utc, end_utc, agent.timezone)
                for row in late.itertuples():
                    allowed &= ~(is_late & _inside(day_ns, row))
        idx = np.flatnonzero(allowed)
        pairs_a.extend([a] * len(idx))
        pairs_i.extend(idx.tolist())
    var_a = np.array(pairs_a, dtype=np.int64)
    var_i = np.array(pairs_i, dtype=np.int64)
    n_y = len(var_a)
    if n_y == 0:
        return PartSolution(
            "optimal",
            [],
            0.0,
            time.perf_counter() - started,
            time.process_time() - cpu_started,
            time_limit,
            0,
            0.0,
            0.0,
            0.0,
            0,
        )
    order = np.lexsort((var_i, var_a))
    var_a, var_i = var_a[order], var_i[order]

    n_crew = len(crew)
    n_w = len(weeks)
    n_ot = n_crew * n_w
    contract = crew["contract_hours_per_week"].to_numpy(dtype=np.float64)
    base = np.minimum(contract, rules.max_weekly_hours)
    headroom = np.maximum(rules.max_weekly_hours - base, 0.0)
    if task.ot_cap is not None:
        headroom = np.minimum(headroom, task.ot_cap)

    n_var = n_y + n_ot
    # fill planned hours first; then least overtime; then, faintly, earlier agents in the list
    spread = SPREAD_WEIGHT * (var_a / max(n_crew, 1))
    cost = np.concatenate(
        [-FILL_WEIGHT_PER_HOUR * hours[var_i] + spread, np.full(n_ot, OVERTIME_WEIGHT_PER_HOUR)]
    )
    groups = _limit_groups(crew, limits_of, var_a, var_i, day_ns, week_of, n_w, base)
    greedy = _greedy(
        task, var_a, var_i, start_utc, end_utc, day_index, week_of, base, headroom, groups
    )
    start = np.zeros(n_var)
    start[greedy] = 1.0
    worked = np.zeros((n_crew, n_w))
    np.add.at(worked, (var_a[greedy], week_of[var_i[greedy]]), hours[var_i[greedy]])
    start[n_y:] = np.maximum(worked - base[:, None], 0.0).ravel()
    greedy_objective = float(cost @ start)
    if task.deadline_epoch <= time.time():
        # the roster's time is up (the part queued behind others): the greedy roster it is
        return PartSolution(
            status="time_limit",
            chosen=list(zip(var_a[greedy].tolist(), var_i[greedy].tolist(), strict=True)),
            mip_gap=None,
            seconds=time.perf_counter() - started,
            cpu_seconds=time.process_time() - cpu_started,
            time_limit_seconds=0.0,
            variables=n_var,
            objective=greedy_objective,
            dual_bound=None,
            greedy_objective=greedy_objective,
            greedy_filled=len(greedy),
        )

    rule_rows = _RuleRows(
        day_index=day_index,
        start_utc=start_utc,
        end_utc=end_utc,
        hours=hours,
        week_of=week_of,
        n_weeks=n_w,
        rest_ns=rest_ns,
        k=k,
        span=int(day_index.max()) + 1,
    )
    answer = None
    agents_limit = time_limit
    if task.grouped:
        answer = _solve_grouped(
            task, rule_rows, var_a, var_i, base, headroom, groups, time_limit,
            start_utc, end_utc,
        )  # fmt: skip
        if answer is None:
            # the group counts could not be handed to names by the rules: the per-agent
            # model, in what is left of the part's budget
            agents_limit = min(
                time_limit - (time.perf_counter() - started), task.deadline_epoch - time.time()
            )
    if answer is None and agents_limit > 0:
        answer = _solve_agents(
            task, rule_rows, var_a, var_i, cost, base, headroom, groups, start, greedy_objective,
            agents_limit,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    if answer is None:  # no time left after the grouped model: the greedy roster it is
        answer = _Answer(None, None, None, None, "no time left", 0, "agents")
    dual = answer.dual_bound
    if answer.chosen is not None:
        x = np.zeros(n_var)
        x[answer.chosen] = 1.0
        worked = np.zeros((n_crew, n_w))
        np.add.at(
            worked,
            (var_a[answer.chosen], week_of[var_i[answer.chosen]]),
            hours[var_i[answer.chosen]],
        )
        x[n_y:] = np.maximum(worked - base[:, None], 0.0).ravel()
        found_objective = float(cost @ x)
    # compared without the tie-breaker: a greedy roster as good in filled hours and overtime is
    # no reason to give up a proven optimum
    found = answer.chosen is not None and (
        greedy_objective is None
        or found_objective - float(spread[answer.chosen].sum())
        <= greedy_objective - float(spread[greedy].sum()) + 1e-3
    )
    if found:
        chosen_vars = answer.chosen
        objective = found_objective
        status = "optimal" if answer.mip_gap is not None else "time_limit"
    elif greedy_objective is not None:
        logger.info("roster part kept its greedy start: %s", answer.message)
        chosen_vars, objective, status = greedy, greedy_objective, "time_limit"
        if answer.mip_gap is not None and dual is not None:
            # better than a roster proven within the tolerance: within it as well
            greedy_gap = (objective - dual) / max(abs(objective), 1e-9)
            if greedy_gap <= task.mip_rel_gap:
                status = "optimal"
    else:
        logger.warning("roster part found no assignment: %s", answer.message)
        return PartSolution(
            "no_solution", [], None, seconds, cpu_seconds, time_limit, answer.variables,
            None, dual, None, 0, answer.model,
        )  # fmt: skip
    if status == "optimal" and chosen_vars is answer.chosen:
        mip_gap = answer.mip_gap
    else:
        mip_gap = None if dual is None else abs(objective - dual) / max(abs(objective), 1e-9)
    return PartSolution(
        status=status,
        chosen=list(zip(var_a[chosen_vars].tolist(), var_i[chosen_vars].tolist(), strict=True)),
        mip_gap=mip_gap,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        time_limit_seconds=time_limit,
        variables=answer.variables,
        objective=objective,
        dual_bound=dual,
        greedy_objective=greedy_objective,
        greedy_filled=len(greedy),
        model=answer.model,
    )


@dataclasses.dataclass(frozen=True)
class _Answer:
    """A model's roster: ``chosen`` per-agent variables (None: nothing found), ``mip_gap``
    when HiGHS proved it optimal (None otherwise), ``dual_bound`` HiGHS's bound."""

    chosen: np.ndarray | None
    mip_gap: float | None
    dual_bound: float | None
    objective: float | None
    message: str
    variables: int
    model: str


def _run_milp(cost, integrality, upper, matrix, ub_rows, options) -> optimize.OptimizeResult:
    with warnings.catch_warnings():
        # options scipy does not know (the MIP start) go to HiGHS verbatim, with a warning
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
        return optimize.milp(
            cost,
            integrality=integrality,
            bounds=optimize.Bounds(np.zeros(len(cost)), upper),
            constraints=optimize.LinearConstraint(matrix, -np.inf, ub_rows),
            options=options,
        )


def _dual_bound(result: optimize.OptimizeResult) -> float | None:
    dual = getattr(result, "mip_dual_bound", None)
    return None if dual is None or not np.isfinite(dual) else float(dual)


class _Rows:
    """Collects a sparse constraint matrix ``A x <= ub`` block by block."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n_rows = 0

    def add(self, row_ids: np.ndarray, col_ids: np.ndarray, values: np.ndarray, ub) -> None:
        ub = np.atleast_1d(np.asarray(ub, dtype=np.float64))
        self.rows.append(np.asarray(row_ids) + self.n_rows)
        self.cols.append(np.asarray(col_ids))
        self.vals.append(np.asarray(values, dtype=np.float64))
        self.upper.append(ub)
        self.n_rows += len(ub)

    def matrix(self, n_var: int) -> tuple[sparse.csr_array, np.ndarray]:
        matrix = sparse.csr_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_rows, n_var),
        )
        return matrix, np.concatenate(self.upper)


def _solve_agents(
    task: RosterTask,
    rule_rows: _RuleRows,
    var_a: np.ndarray,
    var_i: np.ndarray,
    cost: np.ndarray,
    base: np.ndarray,
    headroom: np.ndarray,
    groups: list[tuple[np.ndarray, float]],
    start: np.ndarray,
    greedy_objective: float | None,
    time_limit: float,
) -> _Answer:
    """The per-agent model: a binary per (agent, eligible instance), overtime per agent and week."""
    n_y, n_w = len(var_a), rule_rows.n_weeks
    n_crew = len(task.crew)
    n_var = len(cost)
    planned = task.instances["planned"].to_numpy(dtype=np.float64)
    hours = rule_rows.hours
    rows = _Rows()
    # planned headcount per instance
    rows.add(var_i, np.arange(n_y), np.ones(n_y), planned)
    bounds_by_agent = np.searchsorted(var_a, np.arange(n_crew + 1))
    for a in range(n_crew):
        lo, hi = bounds_by_agent[a], bounds_by_agent[a + 1]
        if hi == lo:
            continue
        for block in rule_rows.of_agent(
            np.arange(lo, hi), var_i[lo:hi], task.prior_worked[a], base[a],
            n_y + a * n_w + np.arange(n_w), 1,
        ):  # fmt: skip
            rows.add(*block)
    # HR's weekly limits: the hours of the shifts on the limit's days of each week
    for members, cap in groups:
        rows.add(np.zeros(len(members), dtype=np.int64), members, hours[var_i[members]], cap)
    matrix, ub_rows = rows.matrix(n_var)
    if greedy_objective is not None and not (matrix @ start <= ub_rows + 1e-6).all():
        logger.error("greedy roster start breaks the model's rules: not used as a MIP start")
        greedy_objective = None
    options: dict[str, object] = {"time_limit": time_limit, "mip_rel_gap": task.mip_rel_gap}
    with contextlib.ExitStack() as stack:
        if task.warm_start and greedy_objective is not None:
            options["read_solution_file"] = stack.enter_context(
                _solution_file(start, matrix @ start, greedy_objective)
            )
        result = _run_milp(
            cost,
            np.concatenate([np.ones(n_y), np.zeros(n_var - n_y)]),
            np.concatenate([np.ones(n_y), np.repeat(headroom, n_w)]),
            matrix,
            ub_rows,
            options,
        )
    chosen = None if result.x is None else np.flatnonzero(result.x[:n_y] > 0.5)
    optimal = result.status == 0 and chosen is not None
    return _Answer(
        chosen=chosen,
        mip_gap=float(getattr(result, "mip_gap", 0.0) or 0.0) if optimal else None,
        dual_bound=_dual_bound(result),
        objective=None if result.x is None else float(result.fun),
        message=str(result.message),
        variables=n_var,
        model="agents",
    )


def _solve_grouped(
    task: RosterTask,
    rule_rows: _RuleRows,
    var_a: np.ndarray,
    var_i: np.ndarray,
    base: np.ndarray,
    headroom: np.ndarray,
    groups: list[tuple[np.ndarray, float]],
    time_limit: float,
    start_utc: np.ndarray,
    end_utc: np.ndarray,
) -> _Answer | None:
    """The grouped model (see the module docstring), its counts handed out to names.

    Agents are interchangeable in the part when they are eligible for the same instances, have
    the same contract hours and overtime headroom and the same fixed days before the part as
    far as the consecutive-days rule sees them; an agent with an HR weekly limit is a group of
    one. The grouped model sums each agent's rule rows over the group, so it is a relaxation of
    the per-agent model (with the same LP bound): its optimum is at least as good. The counts
    are handed out by the greedy roster's rules (rest, one shift a day, consecutive days,
    weekly hours) group by group; when that keeps every count and adds no overtime, the named
    roster has the grouped optimum's objective, so it is optimal for the per-agent model too.
    Returns None when HiGHS found nothing or the hand-out falls short (the caller then solves
    the per-agent model).
    """
    n_crew, n_w = len(task.crew), rule_rows.n_weeks
    hours, week_of, day_index = rule_rows.hours, rule_rows.week_of, rule_rows.day_index
    planned = task.instances["planned"].to_numpy(dtype=np.float64)
    bounds_by_agent = np.searchsorted(var_a, np.arange(n_crew + 1))
    limited = np.zeros(n_crew, dtype=bool)
    for members, _cap in groups:
        limited[var_a[members]] = True
    members_of: dict[tuple, list[int]] = {}
    for a in range(n_crew):
        lo, hi = bounds_by_agent[a], bounds_by_agent[a + 1]
        if hi == lo:
            continue  # eligible for nothing in the part
        key = (
            var_i[lo:hi].tobytes(),
            float(base[a]),
            float(headroom[a]),
            rule_rows.window_caps(task.prior_worked[a]),
            a if limited[a] else -1,
        )
        members_of.setdefault(key, []).append(a)
    teams = list(members_of.values())
    rows = _Rows()
    offsets = [0]
    for team in teams:
        lo, hi = bounds_by_agent[team[0]], bounds_by_agent[team[0] + 1]
        offsets.append(offsets[-1] + hi - lo)
    n_z = offsets[-1]
    n_var = n_z + len(teams) * n_w
    z_inst = np.empty(n_z, dtype=np.int64)
    z_upper = np.empty(n_z)
    ot_upper = np.empty(len(teams) * n_w)
    for g, team in enumerate(teams):
        a = team[0]
        lo, hi = bounds_by_agent[a], bounds_by_agent[a + 1]
        cols = np.arange(offsets[g], offsets[g + 1])
        z_inst[cols] = var_i[lo:hi]
        z_upper[cols] = len(team)
        ot_upper[g * n_w : (g + 1) * n_w] = len(team) * headroom[a]
        for block in rule_rows.of_agent(
            cols, var_i[lo:hi], task.prior_worked[a], base[a],
            n_z + g * n_w + np.arange(n_w), len(team),
        ):  # fmt: skip
            rows.add(*block)
    rows.add(z_inst, np.arange(n_z), np.ones(n_z), planned)
    # HR's weekly limits: their agents are groups of one, in the same column order
    team_of = np.full(n_crew, -1)
    for g, team in enumerate(teams):
        team_of[team] = g
    for members, cap in groups:
        a = var_a[members[0]]
        z_cols = offsets[team_of[a]] + (members - bounds_by_agent[a])
        rows.add(np.zeros(len(members), dtype=np.int64), z_cols, hours[var_i[members]], cap)
    matrix, ub_rows = rows.matrix(n_var)
    cost = np.concatenate(
        [-FILL_WEIGHT_PER_HOUR * hours[z_inst], np.full(n_var - n_z, OVERTIME_WEIGHT_PER_HOUR)]
    )
    result = _run_milp(
        cost,
        np.concatenate([np.ones(n_z), np.zeros(n_var - n_z)]),
        np.concatenate([z_upper, ot_upper]),
        matrix,
        ub_rows,
        {"time_limit": time_limit, "mip_rel_gap": task.mip_rel_gap},
    )
    if result.x is None:
        logger.info("grouped roster model found nothing: %s", result.message)
        return None
    counts = np.rint(result.x[:n_z]).astype(np.int64)
    var_key = var_a * len(planned) + var_i
    chosen: list[np.ndarray] = []
    for g, team in enumerate(teams):
        block = slice(offsets[g], offsets[g + 1])
        if not counts[block].any():
            continue
        own = np.flatnonzero(np.isin(var_a, team))
        if len(team) == 1:  # one agent: the counts are the roster
            chosen.append(own[counts[block] > 0])
            continue
        wanted = np.zeros(len(planned), dtype=np.int64)
        wanted[z_inst[block]] = counts[block]
        # first in the crew's order (as the per-agent model's tie-breaker does: a few agents
        # work most days and the rest stay fresh for the next week), then evenly
        best = None
        for in_list_order in (True, False):
            picked = _greedy(
                task, var_a[own], var_i[own], start_utc, end_utc, day_index, week_of, base,
                headroom, None, wanted, in_list_order,
            )  # fmt: skip
            got = np.bincount(var_i[own[picked]], minlength=len(planned))
            hand_out = _HandOut(
                task, team, zip(var_a[own[picked]].tolist(), var_i[own[picked]].tolist(), strict=True),
                rule_rows, base, base + headroom,
            )  # fmt: skip
            missing = np.repeat(np.arange(len(planned)), np.maximum(wanted - got, 0)).tolist()
            if hand_out.repair(missing):
                best = hand_out
                break
            if best is None or hand_out.objective() < best.objective():
                best = hand_out
        hand_out = best
        pairs = np.array(hand_out.shifts(), dtype=np.int64).reshape(-1, 2)
        # variables are sorted by (agent, instance)
        chosen.append(np.searchsorted(var_key, pairs[:, 0] * len(planned) + pairs[:, 1]))
    named = np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int64)
    worked = np.zeros((n_crew, n_w))
    np.add.at(worked, (var_a[named], week_of[var_i[named]]), hours[var_i[named]])
    overtime = float(np.maximum(worked - base[:, None], 0.0).sum())
    named_objective = (
        -FILL_WEIGHT_PER_HOUR * float(hours[var_i[named]].sum())
        + OVERTIME_WEIGHT_PER_HOUR * overtime
    )
    dual = _dual_bound(result)
    optimal = result.status == 0
    if named_objective <= float(result.fun) + 1e-6 * max(1.0, abs(float(result.fun))):
        mip_gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    else:
        # the names lost a shift or need overtime the groups did not: still optimal within
        # the tolerance HiGHS itself stops at, against the grouped bound (a bound for names too)
        mip_gap = (
            None if dual is None else (named_objective - dual) / max(abs(named_objective), 1e-9)
        )
        if mip_gap is None or mip_gap > task.mip_rel_gap:
            logger.info("grouped roster: the names fall short of the groups' optimum")
            return None
    return _Answer(
        chosen=named,
        mip_gap=mip_gap if optimal else None,
        dual_bound=_dual_bound(result),
        objective=float(result.fun),
        message=str(result.message),
        variables=int(n_var),
        model="groups",
    )


@contextlib.contextmanager
def _solution_file(x: np.ndarray, row_values: np.ndarray, objective: float):
    """A HiGHS solution file holding ``x`` (columns ``c0..``, rows ``r0..``), removed after."""
    handle, path = tempfile.mkstemp(prefix="crewcast-roster-", suffix=".sol")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(
                "Model status\nUnknown\n\n# Primal solution values\nFeasible\n"
                f"Objective {objective!r}\n# Columns {len(x)}\n"
            )
            out.writelines(f"c{j} {v!r}\n" for j, v in enumerate(x.tolist()))
            out.write(f"# Rows {len(row_values)}\n")
            out.writelines(f"r{j} {v!r}\n" for j, v in enumerate(row_values.tolist()))
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def _greedy(
    task: RosterTask,
    var_a: np.ndarray,
    var_i: np.ndarray,
    start_utc: np.ndarray,
    end_utc: np.ndarray,
    day_index: np.ndarray,
    week_of: np.ndarray,
    base: np.ndarray,
    headroom: np.ndarray,
    groups: list[tuple[np.ndarray, float]] | None = None,
    wanted: np.ndarray | None = None,
    in_list_order: bool = False,
) -> np.ndarray:
    """A feasible roster by hand: instances by start time, longest first at equal starts, each
    to the eligible agents with the most contract hours left that week (overtime only when no
    one has contract hours left), never past a limit of HR's (``groups``: variables and their
    hours cap); ``wanted`` agents per instance instead of the planned ones (handing the grouped
    model's counts out to names); ``in_list_order``: to the first eligible agents in the crew's
    order instead (overtime still last). Returns the chosen variable indices."""
    groups = groups or []
    group_of: dict[int, list[int]] = {}
    for g, (members, _cap) in enumerate(groups):
        for v in members.tolist():
            group_of.setdefault(v, []).append(g)
    group_used = np.zeros(len(groups))
    group_cap = np.array([cap for _members, cap in groups], dtype=np.float64)
    rules = task.rules
    k = rules.max_consecutive_days
    rest_ns = int(rules.min_rest_hours * 3600e9)
    hours = task.instances["paid_hours"].to_numpy(dtype=np.float64)
    planned = task.instances["planned"].to_numpy(dtype=np.int64) if wanted is None else wanted
    n_crew = len(task.crew)
    span = int(day_index.max()) + 1
    # worked[a, k + d] for part day d; the first k columns are the fixed days before the part
    worked = np.zeros((n_crew, span + k), dtype=bool)
    worked[:, :k] = task.prior_worked
    last_end = task.prior_end_utc_ns.astype(np.int64).copy()
    week_hours = np.zeros((n_crew, int(week_of.max()) + 1))
    cap = base + headroom
    by_instance = np.argsort(var_i, kind="stable")
    bounds = np.searchsorted(var_i[by_instance], np.arange(len(hours) + 1))
    chosen: list[np.ndarray] = []
    for i in np.lexsort((-hours, start_utc)):
        cand_vars = by_instance[bounds[i] : bounds[i + 1]]
        if len(cand_vars) == 0 or planned[i] <= 0:
            continue
        agents = var_a[cand_vars]
        d, w = int(day_index[i]), int(week_of[i])
        ok = ~worked[agents, k + d]
        ok &= last_end[agents] <= start_utc[i] - rest_ns
        # the K days before d plus d itself must not all be working days
        ok &= worked[agents, d : k + d].sum(axis=1) < k
        ok &= week_hours[agents, w] + hours[i] <= cap[agents] + 1e-9
        if group_of:
            for j, v in enumerate(cand_vars.tolist()):
                gs = group_of.get(v, [])
                if ok[j] and gs and (group_used[gs] + hours[i] > group_cap[gs] + 1e-9).any():
                    ok[j] = False
        if not ok.any():
            continue
        agents, cand_vars = agents[ok], cand_vars[ok]
        left = base[agents] - week_hours[agents, w]
        needs_overtime = left < hours[i] - 1e-9
        if in_list_order:
            pick = np.lexsort((agents, needs_overtime))[: planned[i]]
        else:
            pick = np.lexsort((agents, -left, needs_overtime))[: planned[i]]
        take_a = agents[pick]
        worked[take_a, k + d] = True
        last_end[take_a] = np.maximum(last_end[take_a], end_utc[i])
        week_hours[take_a, w] += hours[i]
        for v in cand_vars[pick].tolist():
            group_used[group_of.get(v, [])] += hours[i]
        chosen.append(cand_vars[pick])
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int64)


_LIMIT_COLUMNS = ("agent_id", "kind", "value", "start_date", "end_date")


def _inside(day_ns: np.ndarray, limit) -> np.ndarray:
    """Instances whose (queue-local) day is within the limit's days, inclusive."""
    return (day_ns >= np.datetime64(limit.start_date, "ns")) & (
        day_ns <= np.datetime64(limit.end_date, "ns")
    )


def _late_shifts(start_utc: np.ndarray, end_utc: np.ndarray, zone: str) -> np.ndarray:
    """Instances ending after :data:`LATE_SHIFT_END_HOUR` on their starting day, or on a later
    day, in the agent's local time ``zone``."""
    start = pd.DatetimeIndex(start_utc.astype("datetime64[ns]"), tz="UTC").tz_convert(zone)
    end = pd.DatetimeIndex(end_utc.astype("datetime64[ns]"), tz="UTC").tz_convert(zone)
    start_day = start.tz_localize(None).normalize()
    return np.asarray(end.tz_localize(None) > start_day + pd.Timedelta(hours=LATE_SHIFT_END_HOUR))


def _limit_groups(
    crew: pd.DataFrame,
    limits_of: dict,
    var_a: np.ndarray,
    var_i: np.ndarray,
    day_ns: np.ndarray,
    week_of: np.ndarray,
    n_weeks: int,
    base: np.ndarray,
) -> list[tuple[np.ndarray, float]]:
    """One (variables, hours cap) per weekly limit and week: the agent's shifts on the limit's
    days of that week may total at most the contract hours (``no_overtime``) or ``value``
    (``max_weekly_hours``)."""
    groups: list[tuple[np.ndarray, float]] = []
    if not limits_of:
        return groups
    bounds = np.searchsorted(var_a, np.arange(len(crew) + 1))
    for a, agent_id in enumerate(crew["agent_id"].tolist()):
        own = limits_of.get(agent_id)
        if own is None:
            continue
        cols = np.arange(bounds[a], bounds[a + 1])
        inst = var_i[cols]
        for row in own.itertuples():
            if row.kind == "no_overtime":
                cap = float(base[a])
            elif row.kind == "max_weekly_hours":
                cap = float(row.value)
            else:
                continue
            inside = _inside(day_ns[inst], row)
            for w in range(n_weeks):
                members = cols[inside & (week_of[inst] == w)]
                if len(members):
                    groups.append((members, cap))
    return groups


@dataclasses.dataclass(frozen=True)
class _RuleRows:
    """The labour-rule rows of one agent, or of a group of ``scale`` interchangeable agents
    (the same rows with their right-hand sides times ``scale``: the group's sum of the rows)."""

    day_index: np.ndarray
    start_utc: np.ndarray
    end_utc: np.ndarray
    hours: np.ndarray
    week_of: np.ndarray
    n_weeks: int
    rest_ns: int
    k: int
    span: int

    def of_agent(
        self,
        cols: np.ndarray,
        inst: np.ndarray,
        prior: np.ndarray,
        base: float,
        ot_cols: np.ndarray,
        scale: int,
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Blocks of (row ids from 0, columns, values, upper bounds) for the variables ``cols``
        on the instances ``inst``; ``ot_cols`` are the overtime variables, one per week."""
        blocks = []
        k = self.k
        days_a = self.day_index[inst]
        n = len(cols)
        # one shift per day
        unique_days, day_rows = np.unique(days_a, return_inverse=True)
        blocks.append((day_rows, cols, np.ones(n), np.full(len(unique_days), float(scale))))
        # rest: cliques of the interval graph of [start, end + rest), one per distinct start;
        # a clique within one day is already covered by the one-shift-a-day row
        s, e = self.start_utc[inst], self.end_utc[inst] + self.rest_ns
        starts = np.unique(s)
        hit = (s[None, :] <= starts[:, None]) & (e[None, :] > starts[:, None])
        day_hit = np.where(hit, days_a[None, :], -1)
        lowest = np.where(hit, days_a[None, :], np.iinfo(np.int64).max).min(axis=1)
        crossing = (hit.sum(axis=1) > 1) & (lowest != day_hit.max(axis=1))
        r_ids, c_pos = np.nonzero(hit[crossing])
        if len(r_ids):
            blocks.append(
                (r_ids, cols[c_pos], np.ones(len(r_ids)), np.full(int(crossing.sum()), scale))
            )
        # consecutive days: any window of K + 1 calendar days holds at most K working days,
        # counting the fixed days before the part (windows starting before it)
        win_r, win_c, win_ub = [], [], []
        for first in range(-k, self.span - k):
            fixed = int(prior[max(first + k, 0) :].sum()) if first < 0 else 0
            if first < 0 and fixed == 0:
                continue  # fewer than K + 1 days of this part: one shift a day is enough
            inside = np.flatnonzero((days_a >= first) & (days_a <= first + k))
            if len(inside) == 0:
                continue
            win_r.append(np.full(len(inside), len(win_ub)))
            win_c.append(cols[inside])
            win_ub.append(max(k - fixed, 0) * scale)
        if win_ub:
            r_ids = np.concatenate(win_r)
            blocks.append(
                (r_ids, np.concatenate(win_c), np.ones(len(r_ids)), np.array(win_ub, float))
            )
        # weekly hours: sum(hours) - overtime <= contract (capped by the legal maximum)
        n_w = self.n_weeks
        blocks.append(
            (
                np.concatenate([self.week_of[inst], np.arange(n_w)]),
                np.concatenate([cols, ot_cols]),
                np.concatenate([self.hours[inst], -np.ones(n_w)]),
                np.full(n_w, base * scale),
            )
        )
        return blocks

    def window_caps(self, prior: np.ndarray) -> tuple[int, ...]:
        """What the consecutive-days rows of an agent with the fixed days ``prior`` allow in
        each window reaching back before the part (capped by the window's days in the part):
        agents with equal caps are bound alike."""
        k = self.k
        caps = []
        for first in range(-k, 0):
            days_in_part = min(first + k, self.span - 1) + 1
            caps.append(min(max(k - int(prior[first + k :].sum()), 0), days_in_part))
        return tuple(caps)


class _HandOut:
    """One group's named roster, repaired by moves between its (interchangeable) agents.

    The greedy hand-out may leave an instance's count short (rest or consecutive days) or give
    an agent overtime while another has contract hours left (its agents fill up evenly, and
    4 h and 8 h shifts do not pack evenly). This puts a missing shift on an agent who can take
    it, and moves a shift from an agent in overtime to one with hours left (or swaps it with a
    shorter one of theirs on the same day), checking each agent's rules as the greedy does.
    """

    def __init__(self, task, team, shifts, rule_rows, base, cap) -> None:
        self.rules = rule_rows
        self.k = rule_rows.k
        self.base, self.cap = base, cap
        self.prior_end = task.prior_end_utc_ns
        self.prior_worked = task.prior_worked
        self.team = list(team)
        self.days: dict[int, dict[int, int]] = {a: {} for a in self.team}  # agent: {day: inst}
        self.hours = np.zeros((len(base), rule_rows.n_weeks))
        for a, i in shifts:
            self.days[a][int(rule_rows.day_index[i])] = i
            self.hours[a, rule_rows.week_of[i]] += rule_rows.hours[i]

    def _fits(self, a: int, i: int, day: int, replacing: bool) -> bool:
        """Whether agent ``a`` may work instance ``i`` on ``day`` (instead of their shift that
        day when ``replacing``): rest to the shifts around it, consecutive days."""
        r = self.rules
        own = self.days[a]
        before = [d for d in own if d < day]
        after = [d for d in own if d > day]
        prev_end = r.end_utc[own[max(before)]] if before else self.prior_end[a]
        if (before or prev_end > np.iinfo(np.int64).min) and prev_end + r.rest_ns > r.start_utc[i]:
            return False
        if after and r.end_utc[i] + r.rest_ns > r.start_utc[own[min(after)]]:
            return False
        if replacing:
            return True
        run = 1
        d = day - 1
        while (d in own) or (d < 0 and d >= -self.k and self.prior_worked[a][self.k + d]):
            run, d = run + 1, d - 1
        d = day + 1
        while d in own:
            run, d = run + 1, d + 1
        return run <= self.k

    def add(self, i: int) -> bool:
        """Give instance ``i`` to an agent who can take it, within contract hours if possible."""
        r = self.rules
        day, w, h = int(r.day_index[i]), r.week_of[i], r.hours[i]
        free = [a for a in self.team if day not in self.days[a]]
        free.sort(key=lambda a: (self.hours[a, w], a))
        for a in free:
            if self.hours[a, w] + h <= self.cap[a] + 1e-9 and self._fits(a, i, day, False):
                self.days[a][day] = i
                self.hours[a, w] += h
                return True
        return False

    def _move(self, a: int, b: int, day: int) -> None:
        """Agent ``a``'s shift on ``day`` goes to ``b`` (free that day); its own inverse with
        ``a`` and ``b`` exchanged."""
        r = self.rules
        i = self.days[a].pop(day)
        self.days[b][day] = i
        self.hours[a, r.week_of[i]] -= r.hours[i]
        self.hours[b, r.week_of[i]] += r.hours[i]

    def _swap(self, a: int, b: int, day: int) -> None:
        """Agents ``a`` and ``b`` exchange their shifts on ``day`` (its own inverse)."""
        r = self.rules
        i, j = self.days[a][day], self.days[b][day]
        self.days[a][day], self.days[b][day] = j, i
        shift = r.hours[i] - r.hours[j]
        self.hours[a, r.week_of[i]] -= shift
        self.hours[b, r.week_of[i]] += shift

    def _undo(self, ops: list[tuple[str, int, int, int]]) -> None:
        for kind, a, b, day in reversed(ops):
            if kind == "move":
                self._move(b, a, day)
            else:
                self._swap(a, b, day)

    def relieve(self, a: int, w: int, depth: int = 1) -> list[tuple[str, int, int, int]] | None:
        """Move or swap one shift of agent ``a`` in week ``w`` so that their overtime shrinks and
        nobody else gets any: straight to an agent with hours left, or (``depth``) to one who
        then passes a shift of theirs on in turn. Returns the moves made (None: none found)."""
        r = self.rules
        tries = 0
        for day, i in sorted(self.days[a].items(), key=lambda item: -r.hours[item[1]]):
            if r.week_of[i] != w:
                continue
            h = r.hours[i]
            others = sorted(self.team, key=lambda b: (self.hours[b, w], b))
            for b in others:
                if b == a:
                    continue
                theirs = self.days[b].get(day)
                if theirs is None:
                    if not self._fits(b, i, day, False):
                        continue
                    if self.hours[b, w] + h <= self.base[b] + 1e-9:
                        self._move(a, b, day)
                        return [("move", a, b, day)]
                    if depth > 0 and tries < _HAND_OUT_CHAIN_TRIES:
                        tries += 1
                        self._move(a, b, day)
                        onward = self.relieve(b, w, depth - 1)
                        if onward is not None and self.hours[b, w] <= self.base[b] + 1e-9:
                            return [("move", a, b, day), *onward]
                        self._undo([("move", a, b, day), *(onward or [])])
                    continue
                shift = h - r.hours[theirs]
                if (
                    shift > 1e-9
                    and self.hours[b, w] + shift <= self.base[b] + 1e-9
                    and self._fits(b, i, day, True)
                    and self._fits(a, theirs, day, True)
                ):
                    self._swap(a, b, day)
                    return [("swap", a, b, day)]
        return None

    def objective(self) -> float:
        """The per-agent model's objective of the hand-out (tie-breaker aside)."""
        hours = self.hours[self.team]
        overtime = np.maximum(hours - self.base[self.team, None], 0.0).sum()
        return -FILL_WEIGHT_PER_HOUR * hours.sum() + OVERTIME_WEIGHT_PER_HOUR * overtime

    def repair(self, missing: list[int]) -> bool:
        """Place ``missing`` instances and remove overtime; False when some of it remains (the
        hand-out then holds what could be done)."""
        placed = all([self.add(i) for i in missing])
        for _round in range(4 * len(self.team) * self.rules.n_weeks + 10):
            over = np.argwhere(self.hours[self.team] > self.base[self.team, None] + 1e-9)
            if not len(over):
                return placed
            if not any(self.relieve(self.team[t], int(w)) is not None for t, w in over):
                return False
        return False

    def shifts(self) -> list[tuple[int, int]]:
        return [(a, i) for a in self.team for i in self.days[a].values()]
