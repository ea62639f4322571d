"""Benchmark: Crewcast auto against open peers on every real series, two origins each.

Series (read from ../shared/data, never copied): the Italian call centre's daily calls and the
Google Analytics web sessions of US, GB, DE and IN (summed over browser and OS; a missing
day-country is zero sessions). Origins: the last 56 days held out, and the 56 days before them
(training stops 112 days before the end). Methods, all fitted on the same training days:

- ``crewcast``: ``run_forecast(..., model="auto")`` on all five series at once (the default:
  the back-test-weighted combination, pooled holidays, conformal bands), 2 processes;
- ``seasonal_naive``: the last week repeated (Crewcast's :class:`SeasonalNaive`);
- ``prophet``: Prophet with ``add_country_holidays`` (its defaults, 80% band);
- statsforecast ``AutoETS``, ``MSTL`` (weekly + yearly when two years exist), ``AutoTheta``
  (season 7) and ``AutoARIMA`` with shared holiday dummies (one "pre" (3 days), "on" and
  "post" (1 day) flag each, country calendar) as exogenous inputs, through ``StatsForecast``
  with their own 80% bands, as a user of those libraries would run them.

Reported per series and origin: WAPE, the ratio to the seasonal naive's WAPE, 80% coverage,
WAPE on held-out days inside holiday windows, and seconds per series (fit + predict; Crewcast's
is its run's wall time divided by the series, back-test included). Summary: mean WAPE of the two
origins per series, and the geometric mean over series of (mean WAPE / seasonal naive's).

``--whole-sample``: back-test and forecast the generated sample (12 series, two years) 56 days
ahead with the default models, 2 processes, and report the wall time (aim: under 30 s).

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/forecast_accuracy.py [--data ../shared/data] [--skip-arima]
    .venv/bin/python bench/forecast_accuracy.py --whole-sample
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import logging
import os
import platform
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.holidays import holiday_regressors, make_holidays_frame  # noqa: E402
from forecasting.metrics import mase, seasonal_naive_scale, wape  # noqa: E402
from forecasting.models import SeasonalNaive  # noqa: E402
from forecasting.pipeline import run_forecast  # noqa: E402

logger = logging.getLogger("bench.forecast_accuracy")
GA_COUNTRIES = ("US", "GB", "DE", "IN")
H = 56
PEERS = ("seasonal_naive", "prophet", "autoets", "mstl", "autotheta", "autoarima")


def load_italy(data: Path) -> pd.DataFrame:
    raw = pd.read_csv(data / "calls_italy" / "case_data_calls.csv", sep=";", encoding="utf-8-sig")
    ds = pd.to_datetime(raw["date"], format="%d-%m-%Y")
    return pd.DataFrame({"unique_id": "IT/calls", "ds": ds, "y": raw["calls"].astype(float)})


def load_ga(data: Path, countries: tuple[str, ...]) -> pd.DataFrame:
    import pycountry

    def iso(name: str) -> str | None:
        try:
            return pycountry.countries.lookup(name).alpha_2
        except LookupError:
            return None

    ga = pd.read_csv(data / "traffic_sessions_by_country" / "google-analytics.csv", sep=";")
    names = pd.Series(ga["country"].unique())
    ga["iso"] = ga["country"].map(dict(zip(names, names.map(iso), strict=True)))
    ga["ds"] = pd.to_datetime(ga["date"])
    days = pd.date_range(ga["ds"].min(), ga["ds"].max(), freq="D")
    parts = []
    for code in countries:
        daily = ga.loc[ga["iso"] == code].groupby("ds")["sessions"].sum()
        daily = daily.reindex(days, fill_value=0.0)
        parts.append(
            pd.DataFrame({"unique_id": f"{code}/web", "ds": days, "y": daily.to_numpy(float)})
        )
    return pd.concat(parts, ignore_index=True)


def to_markdown(frame: pd.DataFrame) -> str:
    cells = frame.astype(object).where(frame.notna(), "")
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * frame.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines)


def holiday_dummies(ds: pd.Series, hf: pd.DataFrame) -> pd.DataFrame:
    """Shared pre/on/post flags (any holiday), the peers' exogenous holiday inputs."""
    X = holiday_regressors(ds, hf)
    out = pd.DataFrame(index=range(len(ds)))
    for group in ("pre", "on", "post"):
        cols = [c for c in X.columns if c.endswith(f" | {group}")]
        out[f"hol_{group}"] = X[cols].max(axis=1).to_numpy() if cols else 0.0
    return out


def _peer_statsforecast(name: str, train: pd.DataFrame, h: int, hf: pd.DataFrame) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

    df = train[["unique_id", "ds", "y"]].copy()
    X_df = None
    if name == "autoets":
        model = AutoETS(season_length=7)
    elif name == "autotheta":
        model = AutoTheta(season_length=7)
    elif name == "mstl":
        seasons = [7, 365] if len(df) >= 2 * 365 + 7 else [7]
        model = MSTL(season_length=seasons)
    else:
        model = AutoARIMA(season_length=7)
        dummies = holiday_dummies(df["ds"], hf)
        keep = [c for c in dummies.columns if dummies[c].any()]
        df = pd.concat([df.reset_index(drop=True), dummies[keep]], axis=1)
        future = pd.DataFrame(
            {
                "unique_id": df["unique_id"].iloc[0],
                "ds": pd.date_range(df["ds"].max() + pd.Timedelta(days=1), periods=h),
            }
        )
        X_df = pd.concat([future, holiday_dummies(future["ds"], hf)[keep]], axis=1)
    sf = StatsForecast(models=[model], freq="D", n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = sf.forecast(df=df, h=h, X_df=X_df, level=[80])
    alias = str(model)
    return pd.DataFrame(
        {
            "ds": fc["ds"].to_numpy(),
            "forecast": fc[alias].to_numpy(float),
            "forecast_lower": fc[f"{alias}-lo-80"].to_numpy(float),
            "forecast_upper": fc[f"{alias}-hi-80"].to_numpy(float),
        }
    )


def _peer_prophet(train: pd.DataFrame, h: int, country: str) -> pd.DataFrame:
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    m = Prophet(interval_width=0.8)
    m.add_country_holidays(country_name=country)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(train[["ds", "y"]])
        future = m.make_future_dataframe(periods=h, include_history=False)
        fc = m.predict(future)
    return pd.DataFrame(
        {
            "ds": fc["ds"].to_numpy(),
            "forecast": fc["yhat"].clip(lower=0).to_numpy(float),
            "forecast_lower": fc["yhat_lower"].to_numpy(float),
            "forecast_upper": fc["yhat_upper"].to_numpy(float),
        }
    )


def run_peer(name: str, train: pd.DataFrame, h: int, country: str, hf: pd.DataFrame):
    t0 = time.perf_counter()
    if name == "seasonal_naive":
        fc = SeasonalNaive().fit(train).predict(h)
        out = pd.DataFrame(
            {
                "ds": fc["ds"],
                "forecast": fc["forecast"],
                "forecast_lower": fc["forecast_lower"],
                "forecast_upper": fc["forecast_upper"],
            }
        )
    elif name == "prophet":
        out = _peer_prophet(train, h, country)
    else:
        out = _peer_statsforecast(name, train, h, hf)
    return out, time.perf_counter() - t0


def score(
    test: pd.DataFrame, fc: pd.DataFrame, window: np.ndarray, scale: float
) -> dict[str, float]:
    joined = test[["ds", "y"]].merge(fc, on="ds", how="left")
    a = joined["y"].to_numpy(float)
    f = joined["forecast"].to_numpy(float)
    covered = (a >= joined["forecast_lower"].to_numpy(float)) & (
        a <= joined["forecast_upper"].to_numpy(float)
    )
    return {
        "wape": wape(a, f),
        "mase": mase(a, f, scale),
        "coverage_80": float(covered.mean()),
        "holiday_wape": wape(a[window], f[window]) if window.any() else float("nan"),
    }


def _origins(count: int) -> list[tuple[str, int]]:
    """``(label, days back)`` of each origin: the last 56 days held out, then the 56 before..."""
    labels = {0: "last 56", H: "56 before"}
    return [(labels.get(k * H, f"{k * H} before"), k * H) for k in range(count)]


def accuracy(
    data: Path,
    peers: tuple[str, ...],
    folds: int,
    peer_cache: Path | None,
    origins: int = 2,
    csv: Path | None = None,
) -> None:
    series = pd.concat([load_italy(data), load_ga(data, GA_COUNTRIES)], ignore_index=True)
    attrs = pd.DataFrame({"unique_id": series["unique_id"].unique()})
    attrs["country"] = attrs["unique_id"].str.split("/").str[0]
    attrs["channel"] = attrs["unique_id"].str.split("/").str[1]
    last = series.groupby("unique_id")["ds"].transform("max")
    rows = []
    notes = []
    picks = []
    cached = pd.read_csv(peer_cache) if peer_cache is not None and peer_cache.exists() else None
    cpu_total = 0.0
    for origin, back in _origins(origins):
        end = last - pd.Timedelta(days=back)
        train = series.loc[series["ds"] <= end - pd.Timedelta(days=H)].reset_index(drop=True)
        test = series.loc[
            (series["ds"] > end - pd.Timedelta(days=H)) & (series["ds"] <= end)
        ].reset_index(drop=True)
        t0 = time.perf_counter()
        cpu0 = _cpu_seconds()
        with cf.ProcessPoolExecutor(max_workers=2) as pool:
            run = run_forecast(train, attrs, H, executor=pool, folds=folds)
        per_series = (time.perf_counter() - t0) / attrs.shape[0]
        cpu_total += _cpu_seconds() - cpu0
        notes += [f"{origin}: {n}" for n in run.notes]
        for p in run.picks.itertuples(index=False):
            picks.append({"origin": origin, "series": p.unique_id, "reason": str(p.reason)})
        for uid, tr in train.groupby("unique_id", sort=False):
            te = test.loc[test["unique_id"] == uid]
            country = uid.split("/")[0]
            hf = make_holidays_frame(
                [country], tr["ds"].min(), te["ds"].max() + pd.Timedelta(1, "D")
            )
            X = holiday_regressors(te["ds"], hf)
            window = X.to_numpy().any(axis=1) if X.shape[1] else np.zeros(len(te), bool)
            fc = run.forecast.loc[run.forecast["unique_id"] == uid]
            ours = pd.DataFrame(
                {
                    "ds": fc["ds"],
                    "forecast": fc["forecast"],
                    "forecast_lower": fc["forecast_lower"],
                    "forecast_upper": fc["forecast_upper"],
                }
            )
            base = {"series": uid, "origin": origin, "holiday_days": int(window.sum())}
            scale = seasonal_naive_scale(tr)
            rows.append(
                {
                    **base,
                    "method": "crewcast",
                    **score(te, ours, window, scale),
                    "seconds": per_series,
                }
            )
            if cached is not None:
                mine = cached.loc[(cached["series"] == uid) & (cached["origin"] == origin)]
                rows += mine.to_dict("records")
                continue
            for name in peers:
                try:
                    out, secs = run_peer(name, tr, H, country, hf)
                except Exception as exc:  # a peer that fails is reported, not fatal
                    logger.warning("%s failed on %s (%s): %s", name, uid, origin, exc)
                    continue
                rows.append(
                    {**base, "method": name, **score(te, out, window, scale), "seconds": secs}
                )
            print(f"done {uid} {origin}", file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    if csv is not None:
        frame.to_csv(csv, index=False)
    print(
        f"crewcast CPU (this process and its workers): {cpu_total:.1f} s for "
        f"{attrs.shape[0]} series x {origins} origins = "
        f"{cpu_total / (attrs.shape[0] * origins):.2f} s a series"
    )
    if peer_cache is not None and cached is None:
        frame.loc[frame["method"] != "crewcast"].to_csv(peer_cache, index=False)
    sn = frame.loc[frame["method"] == "seasonal_naive"].set_index(["series", "origin"])["wape"]
    frame["ratio"] = (
        frame["wape"] / sn.reindex(pd.MultiIndex.from_frame(frame[["series", "origin"]])).to_numpy()
    )

    print("\n### per series and origin")
    show = frame[
        [
            "series",
            "origin",
            "method",
            "wape",
            "ratio",
            "mase",
            "coverage_80",
            "holiday_wape",
            "seconds",
        ]
    ]
    print(to_markdown(show.round(3)))

    mean = frame.groupby(["series", "method"])[
        ["wape", "mase", "coverage_80", "holiday_wape", "seconds"]
    ].mean()
    wide = mean["wape"].unstack("method")
    ratio = wide.div(wide["seasonal_naive"], axis=0)
    print("\n### mean WAPE of the two origins (ratio to seasonal naive)")
    table = wide.round(3).astype(str) + " (" + ratio.round(2).astype(str) + ")"
    peers_only = [c for c in wide.columns if c not in ("crewcast", "seasonal_naive")]
    if peers_only:
        table["best peer"] = wide[peers_only].idxmin(axis=1)
        table["crewcast <= best peer"] = wide["crewcast"] <= wide[peers_only].min(axis=1) + 1e-12
    print(to_markdown(table.reset_index()))
    geo = np.exp(np.log(ratio).mean())
    print("\n### geometric mean over series of WAPE / seasonal naive WAPE")
    print(to_markdown(geo.round(3).to_frame("geomean_ratio").reset_index()))
    print("\n### mean MASE of the origins (per series) and over all series and origins")
    print(to_markdown(mean["mase"].unstack("method").round(3).reset_index()))
    print(
        to_markdown(frame.groupby("method")["mase"].mean().round(3).to_frame("mase").reset_index())
    )
    print("\n### 80% coverage (mean of the two origins) and holiday-window WAPE")
    cov = mean["coverage_80"].unstack("method").round(2)
    print(to_markdown(cov.reset_index()))
    hol = mean["holiday_wape"].unstack("method").round(3)
    print(to_markdown(hol.reset_index()))
    pooled_cov = frame.groupby("method").apply(
        lambda f: np.average(f["coverage_80"], weights=np.full(len(f), 1.0)), include_groups=False
    )
    print("\n### 80% coverage over all series and origins")
    print(to_markdown(pooled_cov.round(3).to_frame("coverage_80").reset_index()))
    print("\n### seconds per series (mean of the two origins)")
    print(to_markdown(mean["seconds"].unstack("method").round(2).reset_index()))
    print("\n### Crewcast's picks")
    print(to_markdown(pd.DataFrame(picks)))
    for n in notes:
        print(f"- note: {n}")


def _cpu_seconds() -> float:
    """CPU seconds of this process and its ended children (user + system)."""
    return sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )


def whole_sample(horizon: int, folds: int, workers: int, end: dt.date) -> None:
    from data.sample import generate_sample
    from forecasting.frames import contacts_to_series

    sample = generate_sample(end)
    contacts = sample.contacts.rename(columns={"interval_start": "ds"})
    contacts["ds"] = contacts["ds"].astype("datetime64[ns]")
    series, attrs = contacts_to_series(contacts)
    traffic = sample.traffic.assign(date=sample.traffic["date"].astype("datetime64[ns]"))
    load_before = os.getloadavg()[0]
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        run = run_forecast(series, attrs, horizon, traffic=traffic, executor=pool, folds=folds)
    wall = time.perf_counter() - t0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(
        getattr(b, f) - getattr(a, f)
        for a, b in ((self0, self1), (child0, child1))
        for f in ("ru_utime", "ru_stime")
    )
    m = run.metrics
    print(
        f"whole sample: {attrs.shape[0]} series, {len(m)} back-test rows, {folds} folds + final "
        f"fit, {workers} processes: {wall:.1f} s wall ({'under' if wall < 30 else 'OVER'} the "
        f"30 s aim), {cpu:.1f} CPU s (this process and its workers; {cpu / workers:.1f} s if "
        f"the {workers} cores were ours alone); load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    per_model = m.groupby("model")["seconds"].agg(jobs="size", total="sum", mean="mean")
    print(to_markdown(per_model.sort_values("total", ascending=False).round(2).reset_index()))
    print("\nwins (combination members):")
    print(to_markdown(run.weights.groupby("model").size().rename("series").reset_index()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--skip-arima", action="store_true", help="leave out the slow AutoARIMA peer"
    )
    parser.add_argument("--whole-sample", action="store_true")
    parser.add_argument(
        "--peer-cache", type=Path, default=None, help="CSV of the peers' rows: written, then reused"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--peers",
        default=",".join(PEERS),
        help="comma-separated peers to run (seasonal_naive is needed for the ratios)",
    )
    parser.add_argument("--origins", type=int, default=2, help="origins, 56 days apart")
    parser.add_argument("--csv", type=Path, default=None, help="write the per-origin rows here")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 11, 21))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} | {platform.machine()} | {os.cpu_count()} cores | "
        f"python {platform.python_version()} | load {os.getloadavg()[0]:.2f}"
    )
    if args.whole_sample:
        print(
            f"command: .venv/bin/python bench/forecast_accuracy.py --whole-sample --folds {args.folds}"
        )
        whole_sample(H, args.folds, args.workers, args.end)
        return
    asked = tuple(p for p in args.peers.split(",") if p)
    unknown = sorted(set(asked) - set(PEERS))
    if unknown:
        parser.error(f"unknown peers {unknown}; choose from {list(PEERS)}")
    peers = tuple(p for p in asked if not (args.skip_arima and p == "autoarima"))
    print("command: .venv/bin/python bench/forecast_accuracy.py " + " ".join(sys.argv[1:]))
    accuracy(args.data, peers, args.folds, args.peer_cache, args.origins, args.csv)


if __name__ == "__main__":
    main()
