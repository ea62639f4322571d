"""Benchmark: the forecasting pipeline's cost on many series (CPU per series, serial share, wall).

N synthetic daily series (two years each) spread over six countries (AR, HU, DE, ES, IT, BR),
with a weekly profile, a yearly wave, a trend, noise and dips on each country's holidays; every
seventh series is closed on Sundays and every fifth on its country's holidays (those days are
absent, as in real data). ``run_forecast(model="auto")`` back-tests every default model over
three 56-day folds and forecasts 56 days ahead, on a process pool of ``--workers`` processes.

Reported: wall time; CPU seconds of the main process and of the workers (``getrusage``; the
workers' CPU is counted once the pool has ended); CPU per series; the serial share (the main
process's CPU over all CPU: the part that does not spread over workers); the load average
before and after (the machine is shared). ``--profile FILE`` writes the main process's
cProfile stats (the serial part) and prints its top functions. The model searches per series
are ``ForecastRun.fits`` summed per series.

``--local-cluster N`` runs the same series a second time on a Dask ``LocalCluster`` of N worker
processes (one thread each) through :func:`services.forecasts.cluster_executor`, right after
the local pool (the same time window), and compares wall time, CPU and the forecasts (they
must be identical). The cluster's worker CPU is each worker process's own ``getrusage``, read
through the client before and after the run (the workers' start-up, before the run, is
reported apart as the cluster's start). ``--scheduler ADDR`` does the same on a running
scheduler instead of a LocalCluster. ``--repeat K`` runs the pair K times, alternating.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/forecast_scale.py --series 200 [--workers 2] [--profile main.prof]
    .venv/bin/python bench/forecast_scale.py --series 48 --workers 2 --local-cluster 2
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.holidays import holidays_in_range  # noqa: E402
from forecasting.pipeline import ForecastRun, run_forecast  # noqa: E402

COUNTRIES: tuple[str, ...] = ("AR", "HU", "DE", "ES", "IT", "BR")
CHANNELS: tuple[str, ...] = ("voice", "chat", "email")


def make_series(
    n: int, days: int = 730, end: dt.date = dt.date(2026, 11, 21), seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` synthetic daily series ``unique_id, ds, y`` and their ``unique_id, country, channel``.

    Deterministic for a seed. Series ``i`` belongs to ``COUNTRIES[i % 6]``.
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    t = np.arange(days)
    holidays = holidays_in_range(list(COUNTRIES), ds[0], ds[-1])
    parts, attrs = [], []
    for i in range(n):
        country = COUNTRIES[i % len(COUNTRIES)]
        channel = CHANNELS[(i // len(COUNTRIES)) % len(CHANNELS)]
        uid = f"{country}/{channel}/{i:04d}"
        level = rng.uniform(50, 3000)
        weekly = 1.0 + rng.uniform(0.1, 0.5) * np.cos(2 * np.pi * (t + rng.integers(7)) / 7)
        yearly = 1.0 + rng.uniform(0.0, 0.3) * np.sin(2 * np.pi * t / 365.25 + rng.uniform(0, 6))
        trend = 1.0 + rng.uniform(-0.2, 0.4) * t / days
        y = level * weekly * yearly * trend * rng.lognormal(0.0, 0.08, days)
        on_holiday = ds.isin(holidays.loc[holidays["country"] == country, "date"])
        y = np.where(on_holiday, y * rng.uniform(0.2, 0.6), y)
        keep = np.ones(days, dtype=bool)
        if i % 7 == 3:
            keep &= ds.day_of_week != 6
        if i % 5 == 2:
            keep &= ~on_holiday
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds[keep], "y": np.round(y[keep])}))
        attrs.append((uid, country, channel))
    series = pd.concat(parts, ignore_index=True)
    return series, pd.DataFrame(attrs, columns=["unique_id", "country", "channel"])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _worker_cpu() -> float:
    """CPU seconds of the calling (Dask worker) process; sent to every worker by ``run``."""
    return _cpu(resource.RUSAGE_SELF)


@dataclass
class Measured:
    """One run's cost: wall seconds, CPU of this process and of the workers, the run."""

    label: str
    wall: float
    main_cpu: float
    worker_cpu: float
    run: ForecastRun

    def line(self, n: int) -> str:
        total = self.main_cpu + self.worker_cpu
        searches = self.run.fits_per_series()
        return (
            f"{self.label}: wall {self.wall:.1f} s | CPU main {self.main_cpu:.1f} s, workers "
            f"{self.worker_cpu:.1f} s, total {total:.1f} s | CPU per series {total / n:.3f} s | "
            f"serial share {self.main_cpu / total:.1%} | jobs {len(self.run.metrics)} | model "
            f"searches per series {searches.mean():.2f} (min {searches.min()}, max "
            f"{searches.max()}) | load average after: {load_average()}"
        )


def run_on_pool(series, attrs, args, profiler=None) -> Measured:
    """The run on a local process pool of ``args.workers`` processes."""
    main0, child0, t0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.time()
    if profiler is not None:
        profiler.enable()
    with cf.ProcessPoolExecutor(max_workers=args.workers) as pool:
        run = run_forecast(
            series, attrs, args.horizon, model="auto", executor=pool, folds=args.folds
        )
    if profiler is not None:
        profiler.disable()
    wall = time.time() - t0
    return Measured(
        f"local pool ({args.workers} processes)",
        wall,
        _cpu(resource.RUSAGE_SELF) - main0,
        _cpu(resource.RUSAGE_CHILDREN) - child0,
        run,
    )


def run_on_cluster(series, attrs, args, address: str, label: str) -> Measured:
    """The run on the Dask scheduler at ``address`` through the service's cluster executor."""
    from distributed import Client

    from services.forecasts import cluster_executor

    with Client(address, set_as_default=False) as meter:
        before = meter.run(_worker_cpu)
        main0, t0 = _cpu(resource.RUSAGE_SELF), time.time()
        with cluster_executor(address) as executor:
            run = run_forecast(
                series, attrs, args.horizon, model="auto", executor=executor, folds=args.folds
            )
        wall = time.time() - t0
        main_cpu = _cpu(resource.RUSAGE_SELF) - main0
        after = meter.run(_worker_cpu)
    worker_cpu = sum(after[w] - before.get(w, 0.0) for w in after)
    return Measured(label, wall, main_cpu, worker_cpu, run)


def _same_forecasts(a: ForecastRun, b: ForecastRun) -> bool:
    try:
        pd.testing.assert_frame_equal(a.all_forecasts, b.all_forecasts, check_exact=True)
        pd.testing.assert_frame_equal(a.weights, b.weights, check_exact=True)
    except AssertionError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--horizon", type=int, default=56)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write the main process's cProfile here")
    parser.add_argument(
        "--local-cluster",
        type=int,
        metavar="N",
        help="also run on a distributed.LocalCluster of N worker processes and compare",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDR", help="also run on the Dask scheduler at ADDR and compare"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of the pool (and cluster)")
    args = parser.parse_args()

    series, attrs = make_series(args.series)
    print(
        f"# forecast scale bench {time.strftime('%Y-%m-%d %H:%M')} UTC | {platform.machine()} | "
        f"{os.cpu_count()} cores | python {platform.python_version()} | "
        f"load average before: {load_average()}"
    )
    print("command: .venv/bin/python bench/forecast_scale.py " + " ".join(sys.argv[1:]))
    print(f"input: {args.series} series x ~{len(series) // args.series} days, 6 countries")
    profiler = cProfile.Profile() if args.profile else None
    n = args.series
    cluster = None
    if args.local_cluster:
        from distributed import LocalCluster

        t0 = time.time()
        cluster = LocalCluster(
            n_workers=args.local_cluster,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        print(
            f"LocalCluster of {args.local_cluster} worker processes (1 thread each) started "
            f"in {time.time() - t0:.1f} s"
        )
    address = cluster.scheduler_address if cluster is not None else args.scheduler
    try:
        for _ in range(args.repeat):
            pool = run_on_pool(series, attrs, args, profiler)
            print(pool.line(n), flush=True)
            run = pool.run
            if address:
                label = (
                    f"LocalCluster ({args.local_cluster} workers)"
                    if cluster is not None
                    else f"scheduler {address}"
                )
                dask = run_on_cluster(series, attrs, args, address, label)
                print(dask.line(n), flush=True)
                print(
                    f"cluster / pool: wall {dask.wall / pool.wall:.2f}x, CPU "
                    f"{(dask.main_cpu + dask.worker_cpu) / (pool.main_cpu + pool.worker_cpu):.2f}x"
                    f" | identical forecasts and weights: {_same_forecasts(pool.run, dask.run)}",
                    flush=True,
                )
    finally:
        if cluster is not None:
            cluster.close()
    picked = run.picks["model"].value_counts().to_dict()
    print(f"picks: {picked}; notes: {len(run.notes)}; drivers: {len(run.drivers)}")
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
