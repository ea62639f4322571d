"""Benchmark: workload-strain flags for 5,000 agents x 52 weeks (target: under 10 s).

Run from the repository root::

    .venv/bin/python bench/wellbeing.py [--agents 5000] [--weeks 52] [--seed 7] [--repeat 3]

Generates a seeded synthetic data set (daily hours Monday-Friday with some Saturdays, sick and
vacation absences, daily csat / qa_score / aht_seconds / adherence, weekly occupancy), with a
few percent of agents given overtime, frequent sickness or a declining trend, then times
``score_burnout_risk`` end to end and each registered signal on its own. Prints a Markdown
section to paste into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wellbeing.levels import LEVEL_ORDER
from wellbeing.scoring import score_burnout_risk
from wellbeing.signals import SIGNALS, compute_signals, make_signal_context

METRICS = (
    ("csat", 4.4, 0.4),
    ("qa_score", 0.85, 0.06),
    ("aht_seconds", 320.0, 60.0),
    ("adherence", 0.92, 0.03),
)


def make_data(n_agents: int, n_weeks: int, seed: int) -> dict[str, pd.DataFrame | pd.Timestamp]:
    """A seeded synthetic data set; returns agents, absences, hours, performance, occupancy, as_of."""
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp("2024-06-30")
    ids = np.array([f"AG{i:05d}" for i in range(n_agents)])
    agents = pd.DataFrame(
        {
            "agent_id": ids,
            "name": [f"Agent {i}" for i in range(n_agents)],
            "team": [f"Team {i % 250:03d}" for i in range(n_agents)],
            "country": "GB",
            "timezone": "Europe/London",
            "contract_hours_per_week": rng.choice(
                [20.0, 30.0, 37.5, 40.0], n_agents, p=[0.1, 0.2, 0.5, 0.2]
            ),
            "channels": "voice",
        }
    )
    days = pd.date_range(as_of - pd.Timedelta(weeks=n_weeks) + pd.Timedelta(days=1), as_of)
    work_days = days[days.day_of_week < 6]  # Saturdays kept, dropped below for most agents
    n_days = len(work_days)
    daily = np.repeat(agents["contract_hours_per_week"].to_numpy() / 5, n_days)
    hours = pd.DataFrame(
        {
            "agent_id": np.repeat(ids, n_days),
            "date": np.tile(work_days, n_agents),
            "hours_worked": daily + rng.normal(0, 0.4, n_agents * n_days),
        }
    )
    saturday = np.tile(work_days.day_of_week == 5, n_agents)
    overtime = np.repeat(rng.random(n_agents) < 0.05, n_days)
    keep = ~saturday | (overtime & (rng.random(len(hours)) < 0.7))
    hours.loc[overtime, "hours_worked"] += 2.0
    hours = hours[keep].reset_index(drop=True)

    n_abs = rng.poisson(np.where(rng.random(n_agents) < 0.05, 8, 2))
    owner = np.repeat(ids, n_abs)
    start = as_of - pd.to_timedelta(rng.integers(0, 7 * n_weeks, len(owner)), unit="D")
    length = rng.choice([1, 1, 1, 2, 3, 5, 10], len(owner))
    absences = pd.DataFrame(
        {
            "agent_id": owner,
            "start_date": start,
            "end_date": start + pd.to_timedelta(length - 1, unit="D"),
            "type": rng.choice(["sick", "sick", "vacation", "other"], len(owner)),
        }
    )

    perf_days = days[days.day_of_week < 5]
    n_perf = len(perf_days)
    decline = np.repeat(rng.random(n_agents) < 0.02, n_perf)
    weeks_back = np.tile((as_of - perf_days).days.to_numpy() / 7.0, n_agents)
    frames = []
    for metric, mean, sd in METRICS:
        values = mean + rng.normal(0, sd, n_agents * n_perf)
        drift = np.clip(12 - weeks_back, 0, None) * sd * 0.12
        values = values + np.where(decline, drift if metric == "aht_seconds" else -drift, 0)
        frames.append(
            pd.DataFrame(
                {
                    "agent_id": np.repeat(ids, n_perf),
                    "date": np.tile(perf_days, n_agents),
                    "metric": metric,
                    "value": values,
                }
            )
        )
    performance = pd.concat(frames, ignore_index=True)

    week_starts = pd.date_range(
        as_of - pd.Timedelta(weeks=12) + pd.Timedelta(days=1), periods=12, freq="7D"
    )
    occupancy = pd.DataFrame(
        {
            "agent_id": np.repeat(ids, len(week_starts)),
            "week_start": np.tile(week_starts, n_agents),
            "occupancy": np.clip(rng.normal(0.78, 0.06, n_agents * len(week_starts)), 0, 1),
        }
    )
    return {
        "agents": agents,
        "absences": absences,
        "hours": hours,
        "performance": performance,
        "occupancy": occupancy,
        "as_of": as_of,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    t0 = time.perf_counter()
    data = make_data(args.agents, args.weeks, args.seed)
    t_gen = time.perf_counter() - t0
    inputs = {k: data[k] for k in ("agents", "absences", "hours", "performance")}

    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        scores = score_burnout_risk(**inputs, as_of=data["as_of"], occupancy=data["occupancy"])
        runs.append(time.perf_counter() - t0)

    per_signal = {}
    ctx = make_signal_context(**inputs, as_of=data["as_of"], occupancy=data["occupancy"])
    for name in SIGNALS:  # a fresh context shares memoised pieces in registration order
        t0 = time.perf_counter()
        compute_signals(ctx, names=[name])
        per_signal[name] = time.perf_counter() - t0

    levels = scores["level"].value_counts()
    rows = {k: len(v) for k, v in inputs.items()} | {"occupancy": len(data["occupancy"])}
    print(f"## Wellbeing flags: {args.agents:,} agents x {args.weeks} weeks\n")
    print(
        f"- date: {pd.Timestamp.now():%Y-%m-%d}; machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    print(
        f"- command: `.venv/bin/python bench/wellbeing.py --agents {args.agents} --weeks {args.weeks} "
        f"--seed {args.seed} --repeat {args.repeat}`"
    )
    print(
        f"- input rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())} (generated in {t_gen:.1f} s)"
    )
    print(
        f"- `score_burnout_risk` end to end (all {len(SIGNALS)} signals, scoring): "
        f"best {min(runs):.2f} s, median {float(np.median(runs)):.2f} s of {args.repeat} runs (target < 10 s)"
    )
    print(
        "- per signal (one run, shared context): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in per_signal.items())
    )
    print(
        "- result: "
        + ", ".join(f"{levels.get(level, 0)} {level}" for level in LEVEL_ORDER)
        + f"; notes: {len(scores.attrs['notes'])}"
    )


if __name__ == "__main__":
    main()
