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
    days inclusive, datetime64), or None.
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


@dataclasses.dataclass(frozen=True)
class PartSolution:
    """What one part's solve found.

    ``status`` is ``"optimal"``, ``"time_limit"`` (best found, from HiGHS or the greedy start)
    or ``"no_solution"``; ``chosen`` pairs (crew row, instance row); ``mip_gap`` relative to
    HiGHS's bound (``None`` without one); ``greedy_objective`` and ``objective`` in the model's
    units (lower is better), ``seconds`` and ``cpu_seconds`` the wall and CPU time of the
    whole part (model, greedy start and HiGHS), ``time_limit_seconds`` HiGHS's limit.
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
    planned = instances["planned"].to_numpy(dtype=np.float64)
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
    for a, agent in enumerate(crew.itertuples(index=False)):
        allowed = np.isin(channels, list(parse_channels(agent.channels)))
        prior_end = int(task.prior_end_utc_ns[a])
        if prior_end > np.iinfo(np.int64).min:
            allowed &= start_utc >= prior_end + rest_ns
        for row in absences_of.get(agent.agent_id, no_absence).itertuples():
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

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_rows = 0

    def add_rows(row_ids: np.ndarray, col_ids: np.ndarray, values: np.ndarray, ub: np.ndarray):
        nonlocal n_rows
        rows.append(row_ids + n_rows)
        cols.append(col_ids)
        vals.append(values)
        upper.append(np.asarray(ub, dtype=np.float64))
        n_rows += len(ub)

    # planned headcount per instance
    add_rows(var_i, np.arange(n_y), np.ones(n_y), planned)

    bounds_by_agent = np.searchsorted(var_a, np.arange(n_crew + 1))
    span = int(day_index.max()) + 1
    for a in range(n_crew):
        lo, hi = bounds_by_agent[a], bounds_by_agent[a + 1]
        if hi == lo:
            continue
        cols_a = np.arange(lo, hi)
        inst = var_i[lo:hi]
        days_a = day_index[inst]
        # one shift per day
        unique_days, day_rows = np.unique(days_a, return_inverse=True)
        add_rows(day_rows, cols_a, np.ones(hi - lo), np.ones(len(unique_days)))
        # rest: cliques of the interval graph of [start, end + rest), one per distinct start;
        # a clique within one day is already covered by the one-shift-a-day row
        s, e = start_utc[inst], end_utc[inst] + rest_ns
        member_r, member_c = [], []
        for r, p in enumerate(np.unique(s)):
            hit = np.flatnonzero((s <= p) & (e > p))
            if len(hit) > 1 and days_a[hit].min() != days_a[hit].max():
                member_r.append(np.full(len(hit), r))
                member_c.append(cols_a[hit])
        if member_r:
            r_ids = np.concatenate(member_r)
            used = np.unique(r_ids)
            remap = np.searchsorted(used, r_ids)
            add_rows(remap, np.concatenate(member_c), np.ones(len(remap)), np.ones(len(used)))
        # consecutive days: any window of K + 1 calendar days holds at most K working days,
        # counting the fixed days before the part (windows starting before it)
        prior = task.prior_worked[a]
        win_r, win_c, win_ub = [], [], []
        for first in range(-k, span - k):
            fixed = int(prior[max(first + k, 0) :].sum()) if first < 0 else 0
            if first < 0 and fixed == 0:
                continue  # fewer than K + 1 days of this part: one shift a day is enough
            hit = np.flatnonzero((days_a >= first) & (days_a <= first + k))
            if len(hit) == 0:
                continue
            win_r.append(np.full(len(hit), len(win_ub)))
            win_c.append(cols_a[hit])
            win_ub.append(max(k - fixed, 0))
        if win_ub:
            r_ids = np.concatenate(win_r)
            add_rows(r_ids, np.concatenate(win_c), np.ones(len(r_ids)), np.array(win_ub))
        # weekly hours: sum(hours) - overtime <= contract (capped by the legal maximum)
        ot_cols = n_y + a * n_w + np.arange(n_w)
        add_rows(
            np.concatenate([week_of[inst], np.arange(n_w)]),
            np.concatenate([cols_a, ot_cols]),
            np.concatenate([hours[inst], -np.ones(n_w)]),
            np.full(n_w, base[a]),
        )

    # HR's weekly limits: the hours of the shifts on the limit's days of each week
    for members, cap in groups:
        add_rows(np.zeros(len(members), dtype=np.int64), members, hours[var_i[members]], [cap])

    matrix = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_var)
    )
    ub_rows = np.concatenate(upper)
    ot_upper = np.repeat(headroom, n_w)

    if not (matrix @ start <= ub_rows + 1e-6).all():  # a bug in the greedy, not in the input
        logger.error("greedy roster start breaks the model's rules: not used")
        greedy, greedy_objective = np.array([], dtype=np.int64), None

    options: dict[str, object] = {"time_limit": time_limit, "mip_rel_gap": task.mip_rel_gap}
    with contextlib.ExitStack() as stack:
        if task.warm_start and greedy_objective is not None:
            options["read_solution_file"] = stack.enter_context(
                _solution_file(start, matrix @ start, greedy_objective)
            )
        with warnings.catch_warnings():
            # options scipy does not know (the MIP start) go to HiGHS verbatim, with a warning
            warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
            result = optimize.milp(
                cost,
                integrality=np.concatenate([np.ones(n_y), np.zeros(n_ot)]),
                bounds=optimize.Bounds(np.zeros(n_var), np.concatenate([np.ones(n_y), ot_upper])),
                constraints=optimize.LinearConstraint(matrix, -np.inf, ub_rows),
                options=options,
            )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    dual = getattr(result, "mip_dual_bound", None)
    dual = None if dual is None or not np.isfinite(dual) else float(dual)
    found = result.x is not None and (
        greedy_objective is None or float(result.fun) <= greedy_objective + 1e-6
    )
    if found:
        chosen_vars = np.flatnonzero(result.x[:n_y] > 0.5)
        objective = float(result.fun)
        status = "optimal" if result.status == 0 else "time_limit"
    elif greedy_objective is not None:
        logger.info("roster part kept its greedy start: %s", result.message)
        chosen_vars, objective, status = greedy, greedy_objective, "time_limit"
    else:
        logger.warning("roster part found no assignment: %s", result.message)
        return PartSolution(
            "no_solution", [], None, seconds, cpu_seconds, time_limit, n_var, None, dual, None, 0
        )
    if status == "optimal":
        mip_gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
    else:
        mip_gap = None if dual is None else abs(objective - dual) / max(abs(objective), 1e-9)
    return PartSolution(
        status=status,
        chosen=list(zip(var_a[chosen_vars].tolist(), var_i[chosen_vars].tolist(), strict=True)),
        mip_gap=mip_gap,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        time_limit_seconds=time_limit,
        variables=n_var,
        objective=objective,
        dual_bound=dual,
        greedy_objective=greedy_objective,
        greedy_filled=len(greedy),
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
) -> np.ndarray:
    """A feasible roster by hand: instances by start time, longest first at equal starts, each
    to the eligible agents with the most contract hours left that week (overtime only when no
    one has contract hours left), never past a limit of HR's (``groups``: variables and their
    hours cap). Returns the chosen variable indices."""
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
    planned = task.instances["planned"].to_numpy(dtype=np.int64)
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
