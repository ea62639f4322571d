"""Benchmark: the auto pick vs seasonal naive vs Prophet without holidays, on real data.

Series: the Italian call centre's daily calls and GA web sessions per country (US, GB, DE, IN;
summed over browser/OS; a missing day-country is zero sessions). The last 56 days are held out;
``run_forecast`` sees only the rest (its own rolling-origin back-test picks the model).
Reported: holdout WAPE of the auto pick, the weekly seasonal naive and Prophet without
holidays; holiday-aware vs unaware models on held-out days inside holiday windows (3 days
before, the day, 1 day after); wall time per series per model (back-test folds + final fit).

Speed mode (``--whole-sample``): back-test, pick and forecast the whole generated sample
(six countries x two channels, two years of daily totals, web traffic as a regressor) 56 days
ahead, as the Forecast page does for every series at once; reports the wall time, the fitting
jobs' seconds per series against issue #18's aim of 0.5 CPU s per series (auto), and the fit
time per series per model (the back-test table's ``seconds``). Many series (CPU per series,
the main process's serial share, 200-1,000 series): ``bench/forecast_scale.py``.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/forecast.py [--holdout 56] [--folds 3] [--data ../shared/data]
    .venv/bin/python bench/forecast.py --whole-sample [--horizon 56] [--folds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.sample import generate_sample  # noqa: E402
from forecasting.frames import contacts_to_series  # noqa: E402
from forecasting.holidays import holiday_regressors, make_holidays_frame  # noqa: E402
from forecasting.metrics import wape  # noqa: E402
from forecasting.models import ProphetForecaster, RegressionARIMA, SeasonalNaive  # noqa: E402
from forecasting.pipeline import run_forecast  # noqa: E402

logger = logging.getLogger("bench.forecast")
GA_COUNTRIES = ("US", "GB", "DE", "IN")


def load_italy(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "calls_italy" / "case_data_calls.csv", sep=";", encoding="utf-8-sig")
    ds = pd.to_datetime(raw["date"], format="%d-%m-%Y")
    return pd.DataFrame({"unique_id": "IT/calls", "ds": ds, "y": raw["calls"].astype(float)})


def _iso(name: str) -> str | None:
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return None


def load_ga(data: Path, countries: tuple[str, ...]) -> pd.DataFrame:
    ga = pd.read_csv(data / "traffic_sessions_by_country" / "google-analytics.csv", sep=";")
    names = pd.Series(ga["country"].unique())
    iso = dict(zip(names, names.map(_iso), strict=True))
    ga["iso"] = ga["country"].map(iso)
    ga["ds"] = pd.to_datetime(ga["date"])
    days = pd.date_range(ga["ds"].min(), ga["ds"].max(), freq="D")
    parts = []
    for code in countries:
        daily = ga.loc[ga["iso"] == code].groupby("ds")["sessions"].sum()
        daily = daily.reindex(days, fill_value=0.0)  # missing day-country = 0 sessions
        parts.append(
            pd.DataFrame({"unique_id": f"{code}/web", "ds": days, "y": daily.to_numpy(float)})
        )
    return pd.concat(parts, ignore_index=True)


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub table without the optional ``tabulate`` dependency."""
    cells = frame.astype(object).where(frame.notna(), "")
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * frame.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines)


def timed_fit_predict(model, train: pd.DataFrame, h: int) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    fc = model.fit(train).predict(h)
    return fc, time.perf_counter() - t0


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def whole_sample(horizon: int, folds: int, workers: int, end: dt.date) -> None:
    """Time ``run_forecast`` on every series of the generated sample (the speed benchmark)."""
    sample = generate_sample(end)
    contacts = sample.contacts.rename(columns={"interval_start": "ds"})
    contacts["ds"] = contacts["ds"].astype("datetime64[ns]")
    series, attrs = contacts_to_series(contacts)
    traffic = sample.traffic.assign(date=sample.traffic["date"].astype("datetime64[ns]"))
    print(
        f"# forecast speed bench {time.strftime('%Y-%m-%d %H:%M')} | {platform.machine()} | "
        f"{os.cpu_count()} cores | python {platform.python_version()} | "
        f"load average before: {load_average()}"
    )
    print(
        f"command: .venv/bin/python bench/forecast.py --whole-sample --horizon {horizon} "
        f"--folds {folds} --workers {workers}"
    )
    span = series.groupby("unique_id")["ds"].agg(["min", "max", "size"])
    print(
        f"sample: {len(span)} series, {span['min'].min():%Y-%m-%d}..{span['max'].max():%Y-%m-%d}, "
        f"{int(span['size'].median())} days each; traffic for {traffic['country'].nunique()} countries"
    )
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        run = run_forecast(series, attrs, horizon, traffic=traffic, executor=pool, folds=folds)
    wall = time.perf_counter() - t0
    m = run.metrics
    print(
        f"run_forecast wall time ({len(span)} series x {m['model'].nunique()} models = {len(m)} jobs, "
        f"{folds} folds + final fit, {workers} processes): {wall:.1f} s "
        f"({m['seconds'].sum() / len(span):.2f} job-s per series: "
        f"{'under' if m['seconds'].sum() / len(span) < 0.5 else 'OVER'} the 0.5 s aim); "
        f"load average after: {load_average()}"
    )
    for note in run.notes:
        print(f"note: {note}")
    per_model = (
        m.groupby("model")["seconds"]
        .agg(jobs="size", total="sum", mean="mean", min="min", max="max")
        .sort_values("total", ascending=False)
    )
    per_model["share_of_cpu"] = per_model["total"] / per_model["total"].sum()
    print("\n## fit time per model (seconds per series = back-test folds + final fit)")
    print(to_markdown(per_model.reset_index().round(2)))
    print(
        f"sum of job seconds {m['seconds'].sum():.1f} s over {workers} workers "
        f"= {m['seconds'].sum() / workers:.1f} s ideal wall"
    )
    print("\n## seconds per series per model")
    table = m.pivot(index="unique_id", columns="model", values="seconds").round(2)
    print(to_markdown(table.reset_index()))
    print("\n## picks (back-test WAPE)")
    print(to_markdown(run.picks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", type=int, default=56)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--whole-sample", action="store_true", help="speed mode on the generated sample"
    )
    parser.add_argument("--horizon", type=int, default=56, help="days ahead (speed mode)")
    parser.add_argument("--workers", type=int, default=2, help="processes (speed mode)")
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 21),
        help="last day of the generated history (speed mode; fixed so runs are comparable)",
    )  # fmt: skip
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.whole_sample:
        whole_sample(args.horizon, args.folds, args.workers, args.end)
        return
    h = args.holdout

    series = pd.concat([load_italy(args.data), load_ga(args.data, GA_COUNTRIES)], ignore_index=True)
    attrs = pd.DataFrame({"unique_id": series["unique_id"].unique()})
    attrs["country"] = attrs["unique_id"].str.split("/").str[0]
    attrs["channel"] = attrs["unique_id"].str.split("/").str[1]
    last = series.groupby("unique_id")["ds"].transform("max")
    train = series.loc[series["ds"] <= last - pd.Timedelta(days=h)].reset_index(drop=True)
    test = series.loc[series["ds"] > last - pd.Timedelta(days=h)].reset_index(drop=True)

    print(
        f"# forecast bench {time.strftime('%Y-%m-%d %H:%M')} | {platform.machine()} | "
        f"{os.cpu_count()} cores | python {platform.python_version()}"
    )
    print(f"command: .venv/bin/python bench/forecast.py --holdout {h} --folds {args.folds}")
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        run = run_forecast(train, attrs, h, executor=pool, folds=args.folds)
    run_wall = time.perf_counter() - t0
    print(
        f"run_forecast wall time (5 series, all candidate models, {args.folds} folds + final fit, "
        f"2 processes): {run_wall:.1f} s"
    )
    for note in run.notes:
        print(f"note: {note}")

    rows = []
    window_rows = []
    for uid, tr in train.groupby("unique_id", sort=False):
        te = test.loc[test["unique_id"] == uid]
        country = uid.split("/")[0]
        actual = te["y"].to_numpy()
        auto = run.forecast.loc[run.forecast["unique_id"] == uid]
        pick = run.picks.set_index("unique_id").loc[uid, "model"]
        sn, t_sn = timed_fit_predict(SeasonalNaive(), tr, h)
        pr0, t_pr0 = timed_fit_predict(ProphetForecaster(), tr, h)
        hf = make_holidays_frame([country], tr["ds"].min(), te["ds"].max())
        pr1, t_pr1 = timed_fit_predict(ProphetForecaster(holidays=hf), tr, h)
        rg0, t_rg0 = timed_fit_predict(RegressionARIMA(), tr, h)
        rg1, t_rg1 = timed_fit_predict(RegressionARIMA(holidays=hf), tr, h)
        w_auto, w_sn, w_pr0 = (
            wape(actual, auto["forecast"]),
            wape(actual, sn["forecast"]),
            wape(actual, pr0["forecast"]),
        )
        rows.append(
            {
                "series": uid,
                "history_days": len(tr),
                "pick": pick,
                "auto": w_auto,
                "seasonal_naive": w_sn,
                "prophet_no_holidays": w_pr0,
                "ratio": w_auto / w_sn,
                "target_met": w_auto <= 0.8 * w_sn,
            }
        )
        X = holiday_regressors(te["ds"], hf)
        in_window = X.to_numpy().any(axis=1) if X.shape[1] else np.zeros(len(te), bool)
        if in_window.any():
            names = sorted(
                {c.rsplit(" | ", 1)[0] for c in X.columns[X.to_numpy()[in_window].any(axis=0)]}
            )
            a = actual[in_window]
            window_rows.append(
                {
                    "series": uid,
                    "days": int(in_window.sum()),
                    "holidays": ", ".join(names),
                    "regression_aware": wape(a, rg1["forecast"].to_numpy()[in_window]),
                    "regression_unaware": wape(a, rg0["forecast"].to_numpy()[in_window]),
                    "prophet_aware": wape(a, pr1["forecast"].to_numpy()[in_window]),
                    "prophet_unaware": wape(a, pr0["forecast"].to_numpy()[in_window]),
                }
            )
        print(
            f"single fit+predict seconds {uid}: seasonal_naive {t_sn:.2f}, regression {t_rg0:.2f} "
            f"(+holidays {t_rg1:.2f}), prophet {t_pr0:.2f} (+holidays {t_pr1:.2f})"
        )

    pd.set_option("display.width", 200)
    print(f"\n## holdout WAPE (last {h} days)")
    print(to_markdown(pd.DataFrame(rows).round(3)))
    print(
        "\n## back-test metrics inside run_forecast (mean over folds; seconds = folds + final fit)"
    )
    print(to_markdown(run.metrics.round(3)))
    print("\n## holdout days inside holiday windows (3 before, day, 1 after): WAPE")
    print(to_markdown(pd.DataFrame(window_rows).round(3)) if window_rows else "none")
    print("\n## drivers (first 12)")
    for d in run.drivers[:12]:
        print(f"- {d.text}")


if __name__ == "__main__":
    main()
