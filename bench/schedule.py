"""Benchmark: one week of 30-minute shift planning for six countries, ours vs pyworkforce.

Runs three things on a synthetic but realistic instance (six countries, one queue each,
7 x 48 intervals, 20 shift templates):

1. ``plan_shifts`` (HiGHS MILP, soft coverage) on all six queues in one model, with the
   pyworkforce-expressible templates (fixed mid-shift breaks) and again with break windows;
2. per country, pyworkforce 0.5.1 ``MinRequiredResources`` (OR-Tools CP-SAT, hard coverage) and
   ``plan_shifts`` on the identical instance: time, status, cost;
3. the same with one late-evening interval per country that no template covers: pyworkforce
   reports INFEASIBLE (pyworkforce#45), ours returns the best partial cover and the gap.

pyworkforce is never installed in the project's environment. It runs in a subprocess with a
separate interpreter (``--pyworkforce-python``, default ``/tmp/bench-pyworkforce-sched/bin/python``)::

    python3 -m venv /tmp/bench-pyworkforce-sched
    /tmp/bench-pyworkforce-sched/bin/pip install pyworkforce==0.5.1 numpy pandas scipy

Without that interpreter the script still runs parts 1-3 for our planner and says that the
pyworkforce columns were skipped.

Usage::

    .venv/bin/python bench/schedule.py [--time-limit 60] [--seed 7] [--pyworkforce-python PATH]

4. With ``--roster-agents 1000 --roster-weeks 2 4`` the named roster at scale: the plan scaled to
   about that many 40 h agents over 2 and 4 weeks, rostered with ``build_roster`` (parts in
   parallel, weeks rolling); wall time, CPU (this process and the parts' workers), and per part
   the status, gap and unfilled shifts. ``--roster-bound`` also rosters every week alone: the
   sum of those bounds bounds the whole horizon, which measures what the rolling horizon loses.
   ``--roster-only`` skips parts 1-3; ``--roster-option split_weeks=False`` and friends pass
   ``build_roster`` keywords (``workers=N``: a ``ProcessPoolExecutor(N)``, ``workers=0``: one
   thread in this process); ``--burn N`` keeps
   N more processes spinning meanwhile, a loaded machine on purpose::

    .venv/bin/python bench/schedule.py --roster-only --roster-agents 1000 --roster-bound
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

PERIODS_PER_DAY = 48
DAYS = 7
COUNTRIES = {"AR": 1.0, "HU": 0.45, "DE": 1.6, "ES": 0.9, "IT": 0.8, "BR": 1.3}
FULL_STARTS = [7 * 60 + 30 * k for k in range(14)]  # 07:00 .. 13:30, 8.5 h with a 30 min break
PART_STARTS = [7 * 60, 9 * 60, 11 * 60, 14 * 60, 16 * 60, 18 * 60]  # 4 h, no break
FULL_COST, PART_COST = 90, 52  # integers: pyworkforce's cost_dict must be integer
FULL_RATE, PART_RATE = 11.25, 13.0  # per paid hour: 8 h x 11.25 = 90, 4 h x 13 = 52


def _templates_spec() -> list[dict]:
    spec = []
    for start in FULL_STARTS:
        spec.append(
            {
                "name": f"F{start // 60:02d}{start % 60:02d}",
                "start": start,
                "length": 510,
                "break": 30,
            }
        )
    for start in PART_STARTS:
        spec.append(
            {
                "name": f"P{start // 60:02d}{start % 60:02d}",
                "start": start,
                "length": 240,
                "break": 0,
            }
        )
    return spec


def _demand(
    seed: int, uncoverable: bool, *, days: int = DAYS, scale_all: float = 1.0
) -> dict[str, list[list[int]]]:
    """Required staff per country, day and 30-minute period (Monday 2025-01-06 first)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    hours = np.arange(PERIODS_PER_DAY) / 2
    # two humps (late morning, early evening) between 07:00 and 22:00
    shape = (
        0.55 * np.exp(-((hours - 11) ** 2) / 6) + 0.45 * np.exp(-((hours - 18.5) ** 2) / 5) + 0.15
    )
    open_weekday = (hours >= 7) & (hours < 22)
    open_weekend = (hours >= 9) & (hours < 18)
    out = {}
    for country, scale in COUNTRIES.items():
        per_day = []
        for day in range(days):
            weekend = day % 7 >= 5
            level = (
                18 * scale * scale_all * (0.55 if weekend else 1.0) * (1.1 if day % 7 == 0 else 1.0)
            )
            staff = np.round(level * shape * rng.uniform(0.9, 1.1, size=PERIODS_PER_DAY))
            staff = np.where(open_weekend if weekend else open_weekday, np.maximum(staff, 1), 0)
            if uncoverable and day == 4:
                staff[46] = 2  # Friday 23:00-23:30: no template works then
            per_day.append(staff.astype(int).tolist())
        out[country] = per_day
    return out


# --------------------------------------------------------------------------- pyworkforce worker


def _worker() -> None:
    """Run in the pyworkforce interpreter: read instances on stdin, print results as JSON."""
    from pyworkforce.scheduling import MinRequiredResources

    job = json.load(sys.stdin)
    results = []
    for item in job["instances"]:
        started = time.perf_counter()
        scheduler = MinRequiredResources(
            num_days=DAYS,
            periods=PERIODS_PER_DAY,
            shifts_coverage=item["coverage"],
            required_resources=item["required"],
            max_period_concurrency=item["max_concurrency"],
            max_shift_concurrency=item["max_concurrency"],
            cost_dict=item["cost"],
            max_search_time=job["time_limit"],
            num_search_workers=2,
        )
        solution = scheduler.solve()
        seconds = time.perf_counter() - started
        results.append(
            {
                "key": item["key"],
                "status": solution["status"],
                "cost": solution["cost"],
                "seconds": seconds,
            }
        )
    json.dump(results, sys.stdout)


def _pyworkforce_instances(demand: dict, tag: str) -> list[dict]:
    coverage = {}
    for t in _templates_spec():
        row = [0] * PERIODS_PER_DAY
        first = t["start"] // 30
        for p in range(first, first + t["length"] // 30):
            row[p] = 1
        if t["break"]:
            middle = (t["length"] - t["break"]) // 2
            row[first + (middle - middle % 30) // 30] = 0
        coverage[t["name"]] = row
    cost = {t["name"]: FULL_COST if t["break"] else PART_COST for t in _templates_spec()}
    return [
        {
            "key": f"{tag}:{country}",
            "coverage": coverage,
            "required": days,
            "cost": cost,
            "max_concurrency": 10 * max(max(d) for d in days),
        }
        for country, days in demand.items()
    ]


def _run_pyworkforce(python: str, instances: list[dict], time_limit: float) -> dict[str, dict]:
    proc = subprocess.run(
        [python, os.path.abspath(__file__), "--worker"],
        input=json.dumps({"instances": instances, "time_limit": time_limit}),
        capture_output=True,
        text=True,
        check=False,
        timeout=time_limit * len(instances) + 600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pyworkforce worker failed:\n{proc.stderr[-2000:]}")
    return {r["key"]: r for r in json.loads(proc.stdout)}


# --------------------------------------------------------------------------- our planner


def _requirements_frame(demand: dict):
    import pandas as pd

    rows = []
    days = len(next(iter(demand.values())))
    starts = pd.date_range("2025-01-06", periods=days * PERIODS_PER_DAY, freq="30min")
    for country, days in demand.items():
        flat = [v for day in days for v in day]
        rows.append(
            pd.DataFrame(
                {
                    "country": country,
                    "channel": "voice",
                    "interval_start": starts,
                    "interval_minutes": 30,
                    "required_staff": flat,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _templates(break_window: bool):
    import datetime as dt

    from staffing.scheduling import ShiftTemplate

    out = []
    for t in _templates_spec():
        kwargs = {}
        if t["break"] and break_window:
            kwargs = {"break_earliest_offset_minutes": 120, "break_latest_offset_minutes": 330}
        out.append(
            ShiftTemplate(
                name=t["name"],
                start=dt.time(t["start"] // 60, t["start"] % 60),
                length_minutes=t["length"],
                break_minutes=t["break"],
                cost_per_hour=FULL_RATE if t["break"] else PART_RATE,
                **kwargs,
            )
        )
    return out


ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "HU": "Europe/Budapest",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "BR": "America/Sao_Paulo",
}


def _roster_agents(plan, total: int | None = None):
    """40 h agents per country: 5 % above the plan's hours, or ``total`` split by hours."""
    import math

    import pandas as pd

    hours = (
        plan.shifts.assign(h=plan.shifts["paid_hours"] * plan.shifts["agents"])
        .groupby("country")["h"]
        .sum()
    )
    weeks = max(1, math.ceil(pd.to_datetime(plan.shifts["date"]).nunique() / 7))
    if total is None:
        counts = {c: math.ceil(h / 40 / weeks * 1.05) for c, h in hours.items()}
    else:
        share = hours / hours.sum() * total
        counts = {c: int(v) for c, v in share.round().items()}
        counts[share.idxmax()] += total - sum(counts.values())
    rows = []
    for country, n in counts.items():
        for k in range(n):
            rows.append(
                {
                    "agent_id": f"{country}-{k:04d}",
                    "name": f"Agent {k}",
                    "team": f"{country}-{k % 3}",
                    "country": country,
                    "timezone": ZONES[country],
                    "contract_hours_per_week": 40.0,
                    "channels": "voice",
                }
            )
    return pd.DataFrame(rows)


def _bench_roster(plan, time_limit: float) -> None:
    from staffing.roster import build_roster, find_rule_violations

    agents = _roster_agents(plan)
    started = time.perf_counter()
    roster = build_roster(plan, agents, time_limit_seconds=time_limit)
    wall = time.perf_counter() - started
    violations = find_rule_violations(roster.assignments)
    print(
        f"agents={len(agents)} status={roster.status} solver={roster.solve_seconds:.2f}s wall={wall:.2f}s "
        f"gap={roster.mip_gap:.4%} filled={roster.filled_shifts} unfilled={roster.unfilled_shifts} "
        f"overtime_h={roster.overtime['projected_overtime_hours'].sum():.1f} rule_violations={len(violations)}"
    )


def _scale_plan(agents_total: int, weeks: int, seed: int, time_limit: float):
    """The six-country plan scaled to about ``agents_total`` 40 h agents, ``weeks`` weeks long."""
    from staffing.scheduling import plan_shifts

    # the one-week instance needs about 138 agents at 40 h (see RESULTS.md)
    demand = _demand(seed, uncoverable=False, days=7 * weeks, scale_all=agents_total / 138)
    return plan_shifts(_requirements_frame(demand), _templates(True), time_limit_seconds=time_limit)


def _burn(seconds: float) -> None:
    """Keep one core busy (``--burn``: a loaded machine on purpose)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _cpu_seconds() -> float:
    """CPU seconds of this process alone (pool workers are counted from the parts)."""
    own = os.times()
    return own.user + own.system


def _week_alone_bound(plan, agents, time_limit: float, executor) -> float:
    """Sum over weeks of HiGHS's bound for each week rostered alone: the weeks' shared rules
    (rest and consecutive days across a Sunday night) relaxed, so a bound on the whole horizon."""
    import pandas as pd

    from staffing.roster import build_roster

    day = pd.to_datetime(plan.shifts["date"])
    monday = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date
    total = 0.0
    for week in sorted(monday.unique()):
        alone = build_roster(
            plan.shifts[monday == week],
            agents,
            time_limit_seconds=time_limit,
            split_weeks=False,
            executor=executor,
        )
        for part in alone.parts:
            if part.agents:
                total += part.bound if part.bound is not None else part.objective
    return total


def _bench_roster_scale(
    agents_total: int, weeks: int, seed: int, time_limit: float, options: dict, bound: bool
) -> None:
    import concurrent.futures
    import multiprocessing

    from staffing.roster import build_roster, find_rule_violations

    plan = _scale_plan(agents_total, weeks, seed, time_limit)
    agents = _roster_agents(plan, agents_total)
    workers = options.pop("workers", None)
    # workers=0: the parts one after another in this process (a single thread waits on them)
    executor = (
        None
        if workers is None
        else concurrent.futures.ThreadPoolExecutor(1)
        if workers == 0
        else concurrent.futures.ProcessPoolExecutor(workers)
    )
    if executor is not None:
        options["executor"] = executor
    burning = len(multiprocessing.active_children())
    print(
        f"\n### roster {len(agents)} agents x {weeks} weeks: plan {plan.status}, "
        f"{int(plan.shifts['agents'].sum())} agent-shifts planned; options {options or 'default'}; "
        f"workers {workers or 'default'}; child processes (burners) {burning}; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    roster = build_roster(plan, agents, time_limit_seconds=time_limit, **options)
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    violations = find_rule_violations(roster.assignments)
    parts = getattr(roster, "parts", ())
    parts_cpu = sum(part.cpu_seconds for part in parts)
    gap = "-" if roster.mip_gap is None else f"{roster.mip_gap:.3%}"
    print(
        f"status={roster.status} wall={wall:.1f}s main_cpu={cpu:.1f}s parts_cpu={parts_cpu:.1f}s "
        f"gap={gap} filled={roster.filled_shifts} unfilled={roster.unfilled_shifts} "
        f"overtime_h={roster.overtime['projected_overtime_hours'].sum():.1f} "
        f"rule_violations={len(violations)} load_after={os.getloadavg()[0]:.1f}"
    )
    phases = getattr(roster, "phase_seconds", {})
    if phases:
        print("phases (wall s): " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    if parts:
        models = [getattr(part, "model", "agents") for part in parts if part.agents]
        print(
            f"parts: {models.count('groups')} grouped, {models.count('agents')} per agent; "
            f"{sum(part.time_limit_seconds == 0 for part in parts)} kept their greedy roster"
        )
    if parts and all(part.objective is not None for part in parts if part.agents):
        print(f"objective={sum(part.objective for part in parts if part.agents):.0f}")
    print(
        "country | days | status | model (variables) | gap | wall s | cpu s | limit s | planned | "
        "unfilled (greedy)"
    )
    for part in parts:
        part_gap = "-" if part.mip_gap is None else f"{part.mip_gap:.3%}"
        print(
            f"{part.country} | {part.first_date:%m-%d}..{part.last_date:%m-%d} | {part.status} | "
            f"{getattr(part, 'model', 'agents')} ({part.variables}) | {part_gap} | {part.solve_seconds:.1f} | {part.cpu_seconds:.1f} | "
            f"{part.time_limit_seconds:.0f} | {part.planned_shifts} | {part.unfilled_shifts} "
            f"({part.greedy_unfilled_shifts})"
        )
    if bound and parts and all(part.objective is not None for part in parts if part.agents):
        objective = sum(part.objective for part in parts if part.agents)
        started = time.perf_counter()
        lower = _week_alone_bound(plan, agents, time_limit, executor)
        print(
            f"whole-horizon gap against the weeks-alone bound: "
            f"{(objective - lower) / abs(objective):.3%} (objective {objective:.0f}, "
            f"bound {lower:.0f}; bound took {time.perf_counter() - started:.0f} s)"
        )
    if executor is not None:
        executor.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds per solve (both solvers)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pyworkforce-python", default="/tmp/bench-pyworkforce-sched/bin/python")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--roster-agents", type=int, default=0, help="also roster this many agents at scale"
    )
    parser.add_argument(
        "--roster-weeks", type=int, nargs="+", default=[2, 4], help="horizons for --roster-agents"
    )
    parser.add_argument(
        "--roster-only", action="store_true", help="skip the planner comparison (parts 1-3)"
    )
    parser.add_argument(
        "--roster-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra build_roster keyword (a Python literal), e.g. split_weeks=False; "
        "workers=N runs the parts on a ProcessPoolExecutor(N)",
    )
    parser.add_argument(
        "--burn",
        type=int,
        default=0,
        metavar="N",
        help="keep N extra processes spinning during the roster runs (load on purpose)",
    )
    parser.add_argument(
        "--roster-bound",
        action="store_true",
        help="also bound the whole horizon by rostering each week alone (more solves)",
    )
    args = parser.parse_args()
    if args.worker:
        _worker()
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import logging

    from staffing.scheduling import plan_shifts

    logging.basicConfig(level=logging.WARNING)
    if args.roster_agents:
        import ast

        options = {}
        for item in args.roster_option:
            name, _, value = item.partition("=")
            options[name] = ast.literal_eval(value)
        import multiprocessing

        burners = [
            multiprocessing.Process(target=_burn, args=(3600.0,), daemon=True)
            for _ in range(args.burn)
        ]
        for burner in burners:
            burner.start()
        try:
            for weeks in args.roster_weeks:
                _bench_roster_scale(
                    args.roster_agents,
                    weeks,
                    args.seed,
                    args.time_limit,
                    dict(options),
                    args.roster_bound,
                )
        finally:
            for burner in burners:
                burner.terminate()
        if args.roster_only:
            return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"instance: {len(COUNTRIES)} countries x {DAYS} days x {PERIODS_PER_DAY} intervals, {len(_templates_spec())} templates"
    )

    feasible = _demand(args.seed, uncoverable=False)
    broken = _demand(args.seed, uncoverable=True)

    print("\n## ours, all six countries in one MILP")
    for label, window in (("fixed mid-shift breaks", False), ("break window 2-5.5 h", True)):
        plan = plan_shifts(
            _requirements_frame(feasible), _templates(window), time_limit_seconds=args.time_limit
        )
        print(
            f"{label:24s} status={plan.status:10s} time={plan.solve_seconds:7.2f}s gap={plan.mip_gap:.4%} "
            f"labour_cost={plan.labour_cost:10.1f} shortfall_h={plan.shortfall_staff_hours:.1f} "
            f"surplus_h={plan.surplus_staff_hours:.1f} agent_shifts={int(plan.shifts['agents'].sum())}"
        )

    print("\n## ours, named roster on the break-window plan (40 h contracts, 5% spare agents)")
    _bench_roster(plan, args.time_limit)

    python = args.pyworkforce_python
    have_pwf = Path(python).exists()
    pwf: dict[str, dict] = {}
    if have_pwf:
        pwf.update(
            _run_pyworkforce(python, _pyworkforce_instances(feasible, "ok"), args.time_limit)
        )
        pwf.update(_run_pyworkforce(python, _pyworkforce_instances(broken, "gap"), args.time_limit))
    else:
        print(f"\n(pyworkforce interpreter {python} not found: pyworkforce columns skipped)")

    for tag, demand, title in (
        ("ok", feasible, "feasible instance (fixed breaks, identical model)"),
        ("gap", broken, "with Friday 23:00 demand no template covers (pyworkforce#45)"),
    ):
        print(f"\n## per country, {title}")
        print(
            "country | ours status | ours s | ours gap | ours cost | shortfall h | pyworkforce status | pwf s | pwf cost"
        )
        for country in COUNTRIES:
            plan = plan_shifts(
                _requirements_frame({country: demand[country]}),
                _templates(False),
                time_limit_seconds=args.time_limit,
            )
            other = pwf.get(f"{tag}:{country}")
            other_text = (
                f"{other['status']} | {other['seconds']:.2f} | {other['cost']:.0f}"
                if other
                else "skipped | - | -"
            )
            print(
                f"{country} | {plan.status} | {plan.solve_seconds:.2f} | {plan.mip_gap:.4%} | "
                f"{plan.labour_cost:.0f} | {plan.shortfall_staff_hours:.1f} | {other_text}"
            )


if __name__ == "__main__":
    main()
