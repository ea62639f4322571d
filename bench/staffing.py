"""Benchmark: Erlang C requirements for many intervals, Crewcast vs pyworkforce's ErlangC.

Run from the repository root with the project's environment::

    .venv/bin/python bench/staffing.py [--intervals 100000] [--pyworkforce-sample 10000]

pyworkforce is never installed into the project's environment. The comparison runs it in a
separate interpreter (``--pyworkforce-python``, default ``/tmp/bench-pyworkforce/bin/python``,
made with ``python3 -m venv /tmp/bench-pyworkforce && /tmp/bench-pyworkforce/bin/pip install
pyworkforce==0.5.1 numpy pandas``); without it the comparison is skipped with a message.
pyworkforce takes times in minutes and its ``asa`` argument is the answer-time target.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_PYWORKFORCE_PYTHON = Path("/tmp/bench-pyworkforce/bin/python")

SERVICE_LEVEL = 0.8
ANSWER_SECONDS = 20.0
MAX_OCCUPANCY = 0.85
SHRINKAGE = 0.3
INTERVAL_MINUTES = 30


def make_intervals(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Realistic mix: contacts per 30 minutes (1..~2,000, skewed) and AHT 2-10 minutes."""
    rng = np.random.default_rng(seed)
    contacts = np.maximum(1, np.round(rng.lognormal(mean=4.0, sigma=1.0, size=n))).astype(float)
    contacts = np.minimum(contacts, 2000.0)
    aht_seconds = np.round(rng.uniform(120.0, 600.0, size=n), 1)
    return contacts, aht_seconds


def run_worker(inputs: Path, outputs: Path) -> None:
    """Inside the pyworkforce environment: one ErlangC per interval, as its docs show."""
    from pyworkforce.queuing import ErlangC

    data = np.load(inputs)
    contacts, aht_seconds = data["contacts"], data["aht_seconds"]
    raw = np.empty(contacts.size, dtype=np.int64)
    positions = np.empty(contacts.size, dtype=np.int64)
    service_level = np.empty(contacts.size)
    wait = np.empty(contacts.size)
    occupancy = np.empty(contacts.size)
    start = time.perf_counter()
    for i in range(contacts.size):
        erlang = ErlangC(
            transactions=float(contacts[i]),
            aht=float(aht_seconds[i]) / 60.0,  # minutes
            asa=ANSWER_SECONDS / 60.0,  # the answer-time target, in minutes
            interval=INTERVAL_MINUTES,
            shrinkage=SHRINKAGE,
        )
        out = erlang.required_positions(service_level=SERVICE_LEVEL, max_occupancy=MAX_OCCUPANCY)
        raw[i] = out["raw_positions"]
        positions[i] = out["positions"]
        service_level[i] = out["service_level"]
        wait[i] = out["waiting_probability"]
        occupancy[i] = out["occupancy"]
    seconds = time.perf_counter() - start
    np.savez(
        outputs,
        raw=raw,
        positions=positions,
        service_level=service_level,
        wait=wait,
        occupancy=occupancy,
        seconds=np.array(seconds),
    )


def _import_crewcast():
    # run as a script, sys.path[0] is bench/, where this file would shadow the package
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
    sys.path.insert(0, str(REPO))
    from staffing.erlang import StaffingTargets, required_agents

    return StaffingTargets, required_agents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeats", type=int, default=5, help="best of N timings for Crewcast")
    parser.add_argument("--pyworkforce-python", type=Path, default=DEFAULT_PYWORKFORCE_PYTHON)
    parser.add_argument(
        "--pyworkforce-sample",
        type=int,
        default=100_000,
        help="intervals run through pyworkforce; fewer than --intervals extrapolates its time",
    )
    parser.add_argument(
        "--erlang-a-intervals",
        type=int,
        default=10_000,
        help="also time Erlang A requirements for this many intervals (0: skip)",
    )
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(*args.worker)
        return 0

    staffing_targets, required_agents = _import_crewcast()
    contacts, aht_seconds = make_intervals(args.intervals, args.seed)
    targets = staffing_targets(
        service_level_target=SERVICE_LEVEL,
        answer_target_seconds=ANSWER_SECONDS,
        max_occupancy=MAX_OCCUPANCY,
        shrinkage=SHRINKAGE,
    )
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = required_agents(contacts, aht_seconds, INTERVAL_MINUTES, targets)
        timings.append(time.perf_counter() - start)
    ours = min(timings)
    traffic = contacts * aht_seconds / (INTERVAL_MINUTES * 60)
    print(f"python {platform.python_version()}, numpy {np.__version__}, cpus {os.cpu_count()}")
    print(
        f"inputs: {args.intervals:,} intervals of {INTERVAL_MINUTES} min (seed {args.seed}), "
        f"traffic {traffic.min():.2f}-{traffic.max():.1f} Erlangs (median {np.median(traffic):.1f}), "
        f"agents {result.agents.min()}-{result.agents.max()}; targets 80% in 20 s, "
        f"max occupancy 0.85, shrinkage 0.3"
    )
    print(
        f"crewcast required_agents: {ours:.3f} s for {args.intervals:,} intervals "
        f"(best of {args.repeats}: {', '.join(f'{t:.3f}' for t in timings)}), "
        f"{ours / args.intervals * 1e6:.2f} us per interval"
    )

    if args.erlang_a_intervals:
        m = min(args.erlang_a_intervals, args.intervals)
        with_patience = staffing_targets(
            service_level_target=SERVICE_LEVEL,
            answer_target_seconds=ANSWER_SECONDS,
            max_occupancy=MAX_OCCUPANCY,
            shrinkage=SHRINKAGE,
            patience_seconds=120.0,
            max_abandon_rate=0.05,
        )
        start = time.perf_counter()
        erlang_a = required_agents(contacts[:m], aht_seconds[:m], INTERVAL_MINUTES, with_patience)
        seconds = time.perf_counter() - start
        print(
            f"crewcast required_agents, Erlang A (patience 120 s, abandonment <= 5%): "
            f"{seconds:.2f} s for the first {m:,} intervals ({seconds / m * 1e6:.0f} us per "
            f"interval; agents <= Erlang C's in "
            f"{np.mean(erlang_a.agents <= result.agents[:m]):.1%} of them)"
        )

    python = args.pyworkforce_python
    if not python.exists():
        print(
            f"pyworkforce comparison skipped: {python} not found (make it with "
            "python3 -m venv /tmp/bench-pyworkforce && /tmp/bench-pyworkforce/bin/pip install "
            "pyworkforce==0.5.1 numpy pandas)"
        )
        return 0
    sample = min(args.pyworkforce_sample, args.intervals)
    rng = np.random.default_rng(args.seed + 1)
    idx = np.sort(rng.choice(args.intervals, size=sample, replace=False))
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(inputs, contacts=contacts[idx], aht_seconds=aht_seconds[idx])
        run = subprocess.run(
            [str(python), str(Path(__file__).resolve()), "--worker", str(inputs), str(outputs)],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            print(f"pyworkforce comparison skipped: the worker failed:\n{run.stderr[-2000:]}")
            return 0
        theirs = dict(np.load(outputs))
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('pyworkforce'))"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    their_seconds = float(theirs["seconds"])
    extrapolated = their_seconds / sample * args.intervals
    agents = result.agents[idx]
    scheduled = result.scheduled_agents[idx]
    raw_mismatch = np.flatnonzero(agents != theirs["raw"])
    pos_mismatch = np.flatnonzero(scheduled != theirs["positions"])
    same = agents == theirs["raw"]
    sl_gap = np.abs(result.service_level[idx] - theirs["service_level"])[same]
    wait_gap = np.abs(result.wait_probability[idx] - theirs["wait"])[same]
    occ_gap = np.abs(result.occupancy[idx] - theirs["occupancy"])[same]
    scope = "all" if sample == args.intervals else f"a random sample of {sample:,}"
    print(
        f"pyworkforce {version} ErlangC.required_positions, one object per interval, on {scope} "
        f"intervals: {their_seconds:.2f} s ({their_seconds / sample * 1e6:.0f} us per interval)"
        + (
            f"; extrapolated to {args.intervals:,}: {extrapolated:.0f} s"
            if sample < args.intervals
            else ""
        )
    )
    print(f"speed ratio (pyworkforce / crewcast, per interval): {extrapolated / ours:.0f}x")
    print(
        f"answers on the {sample:,} compared intervals: agents (raw_positions) mismatches "
        f"{raw_mismatch.size}; scheduled (positions) mismatches {pos_mismatch.size}; "
        f"max |diff| where agents agree: service level {sl_gap.max(initial=0):.1e}, "
        f"P(wait) {wait_gap.max(initial=0):.1e}, occupancy {occ_gap.max(initial=0):.1e}"
    )
    # Classify mismatches: pyworkforce takes ceil() of quotients such as 21 / 0.7 =
    # 30.000000000000004 (-> 31) and 96.9 / 0.85 = 114.00000000000001 (-> 115); Crewcast
    # ignores that floating-point dust.
    sched_quotient = theirs["raw"][pos_mismatch] / (1 - SHRINKAGE)
    sched_dust = int(
        np.sum(
            (agents[pos_mismatch] == theirs["raw"][pos_mismatch])
            & (np.abs(sched_quotient - np.round(sched_quotient)) < 1e-9)
        )
    )
    sched_follow = int(np.sum(agents[pos_mismatch] != theirs["raw"][pos_mismatch]))
    occ_quotient = traffic[idx][raw_mismatch] / MAX_OCCUPANCY
    occ_dust = int(np.sum(np.abs(occ_quotient - np.round(occ_quotient)) < 1e-9))
    print(
        f"  of which explained by pyworkforce's ceil() of float dust: agents {occ_dust} of "
        f"{raw_mismatch.size} (traffic / max_occupancy a whole number), scheduled {sched_dust} "
        f"of {pos_mismatch.size} (agents / (1 - shrinkage) a whole number; {sched_follow} "
        "from an agents mismatch)"
    )
    for label, where, ours_v, theirs_v in (
        ("agents", raw_mismatch, agents, theirs["raw"]),
        ("scheduled", pos_mismatch, scheduled, theirs["positions"]),
    ):
        for k in where[:3]:
            i = idx[k]
            print(
                f"  {label} mismatch: contacts {contacts[i]:.0f}, aht {aht_seconds[i]} s, "
                f"traffic {traffic[i]:.6f} E: crewcast {ours_v[k]} (on queue "
                f"{agents[k]}), pyworkforce {theirs_v[k]} (raw {theirs['raw'][k]}, "
                f"raw/(1-0.3) = {float(theirs['raw'][k] / (1 - SHRINKAGE))!r}, "
                f"traffic/0.85 = {float(traffic[i] / MAX_OCCUPANCY)!r})"
            )
    summary = {
        "intervals": args.intervals,
        "crewcast_seconds": ours,
        "pyworkforce_sample": sample,
        "pyworkforce_sample_seconds": their_seconds,
        "pyworkforce_extrapolated_seconds": extrapolated,
        "speed_ratio": extrapolated / ours,
        "agents_mismatches": int(raw_mismatch.size),
        "scheduled_mismatches": int(pos_mismatch.size),
        "agents_mismatches_float_dust": occ_dust,
        "scheduled_mismatches_float_dust": sched_dust,
    }
    print("json:", json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
