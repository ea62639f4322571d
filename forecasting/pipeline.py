"""Top-level orchestration: back-test every model per series, combine the best, explain drivers.

Per series: pooled holiday effects seen from every origin (:mod:`forecasting.holiday_effects`,
pooled over the run's series where a country has few holidays), a rolling-origin back-test of
every candidate model, the back-test-weighted combination of the best five
(:mod:`forecasting.combine`, built from their fold and final forecasts, never refitted) and
conformal 80%/95% bands from each model's own back-test errors.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from contracts.checks import check_int, require_columns
from forecasting.backtest import (
    SeriesModelResult,
    SeriesModelTask,
    fold_cutoffs,
    forecast_traffic_at,
    metrics_frame,
    run_series_model,
    score_backtest,
)
from forecasting.combine import COMBINATION, calibrate, combination_weights, combine_each
from forecasting.errors import ForecastInputError
from forecasting.frames import (
    ATTR_COLUMNS,
    FORECAST_COLUMNS,
    INTERVAL_COLUMNS,
    YEAR_HISTORY_DAYS,
    check_history_length,
    history_span_days,
    traffic_to_frame,
    validate_history,
)
from forecasting.holiday_effects import (
    MIN_HOLIDAYS_OWN_SHARED,
    HolidayEffects,
    HolidayMeasurements,
    RunPooled,
    group_arrays_at_origins,
    measure_at_origins,
    observed_holiday_count,
    pool_at_origins,
    pool_over_run,
)
from forecasting.holidays import HolidayWindow, make_holidays_frame
from forecasting.models import MODEL_CLASSES, open_weekdays
from forecasting.traffic import TrafficScenario
from forecasting.wording import (
    Driver,
    Statement,
    holiday_drivers,
    make_statement,
    traffic_driver,
)

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]
#: Models tried by default. statsmodels' ETS, the regression (ARIMA errors) and Prophet stay
#: available (``models=``/``model=``) but are not tried by default: on the five real series at
#: two origins the combination without them scored the same or better (geometric mean of WAPE
#: over the seasonal naive's 0.683 vs 0.684 with all six), and they are the slowest fits (the
#: regression 1-2 s and ETS 0.5 s a 2-year fit against 0.07-0.75 s for the statsforecast models;
#: Prophet never made a combination's top three and costs the most).
#:
#: AutoARIMA is tried only for a series with web traffic (:data:`TRAFFIC_MODELS`): it is the
#: default candidate that weighs traffic, and without traffic it cost a fifth of the run's CPU
#: for no accuracy. On the five real series (no traffic) at four origins, 56 days apart, the
#: combination without it scored a geometric mean of WAPE over the seasonal naive's of 0.746
#: against 0.782 with it (mean MASE 0.950 against 1.020; at the two latest origins 0.684 and
#: 0.689), bench/RESULTS.md "Forecasting cost on many series", 2026-12-06.
FULL_MODELS: tuple[str, ...] = ("seasonal_naive", "autoets", "autotheta", "mstl")
#: Models added to the default candidates of a series that has a traffic regressor.
TRAFFIC_MODELS: tuple[str, ...] = ("autoarima",)
#: Models tried on shorter series (no yearly terms).
SHORT_MODELS: tuple[str, ...] = FULL_MODELS
#: Names ``model`` may take besides the model classes: ``"auto"`` means the combination.
MODEL_CHOICES: tuple[str, ...] = ("auto", COMBINATION)
DEFAULT_MAX_WORKERS = 2


@dataclass(frozen=True)
class ForecastRun:
    """Result of :func:`run_forecast`.

    Attributes
    ----------
    forecast : pandas.DataFrame
        Chosen model per series: ``unique_id, ds, model, forecast, forecast_lower, forecast_upper,
        forecast_lower_95, forecast_upper_95`` (contacts per day).
    all_forecasts : pandas.DataFrame
        Same columns, every model that fitted (to switch models without refitting).
    metrics : pandas.DataFrame
        Back-test table ``unique_id, model, wape, mase, coverage_80, coverage_95, folds,
        seconds`` (fractions; mean over folds; seconds of wall time for back-test + fit).
    picks : pandas.DataFrame
        ``unique_id, model, reason``; ``reason`` is a :class:`~forecasting.wording.Statement`
        (why that model: best back-test WAPE or user choice).
    notes : tuple of Statement
        Visible notes: short-history fallbacks, unused traffic, failed models, closed days.
        ``str(note)`` is the English sentence; :func:`~forecasting.wording.word` words it in a
        locale.
    drivers : tuple of Driver
        Holidays in the horizon with their estimated effect and where it comes from, and the
        traffic trend.
    future_traffic : pandas.DataFrame
        ``country, ds, sessions`` used for the final forecast (after scenarios); may be empty.
    weights : pandas.DataFrame
        ``unique_id, model, weight``: the members of each series' combination (weights sum
        to 1 per series; empty when no series had a back-test).
    holiday_effects : mapping of unique_id to HolidayEffects
        The pooled holiday effects of the final fit per series (``effects`` and ``shared``
        frames say where each number comes from).
    fits : pandas.DataFrame
        ``unique_id, model, fits``: the parameter estimations (model searches) each model
        made for each series, its back-test and final fit together
        (:attr:`~forecasting.backtest.SeriesModelResult.fits`; later folds that reuse the first
        fold's parameters make none). :meth:`fits_per_series` sums them per series.
    """

    forecast: pd.DataFrame
    all_forecasts: pd.DataFrame
    metrics: pd.DataFrame
    picks: pd.DataFrame
    notes: tuple[Statement, ...]
    drivers: tuple[Driver, ...]
    future_traffic: pd.DataFrame
    weights: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=["unique_id", "model", "weight"])
    )
    holiday_effects: Mapping[str, HolidayEffects] = dataclasses.field(default_factory=dict)
    fits: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=["unique_id", "model", "fits"])
    )

    def fits_per_series(self) -> pd.Series:
        """Parameter estimations (model searches) per series, every model together."""
        return self.fits.groupby("unique_id", sort=True)["fits"].sum().astype(int)


def closed_holidays(history: pd.DataFrame, holidays_frame: pd.DataFrame) -> frozenset[str]:
    """Holiday names the series is forecast closed on.

    A holiday on which the series was always closed (no row on an open weekday) stays closed.
    A holiday never seen in the history is closed when the series was closed on every holiday
    it saw (at least three of them). A holiday whose own history shows it open never is.

    Parameters
    ----------
    history : pandas.DataFrame
        ``ds, y`` of one series.
    holidays_frame : pandas.DataFrame
        The series' holidays frame (history and horizon).
    """
    if holidays_frame is None or holidays_frame.empty:
        return frozenset()
    ds = history["ds"]
    opened = open_weekdays(ds, history["y"].to_numpy(float))
    hf = holidays_frame
    # on arrays: a look-up per row of the frame, no group-by on the holidays' names
    days = hf["ds"]
    inside = ((days >= ds.min()) & (days <= ds.max())).to_numpy() & days.dt.day_of_week.isin(
        sorted(opened)
    ).to_numpy()
    names = hf["holiday"].to_numpy(dtype=object)
    present = days[inside].isin(ds.to_numpy()).to_numpy()
    # holiday -> was the series open on any of its days (on an open weekday)
    open_on: dict[str, bool] = {}
    for name, here in zip(names[inside], present, strict=True):
        open_on[name] = open_on.get(name, False) or bool(here)
    if not open_on:
        return frozenset()
    closed = {name for name, here in open_on.items() if not here}
    if len(open_on) >= 3 and len(closed) == len(open_on):
        closed |= set(names) - set(open_on)
    return frozenset(closed)


def _as_scenarios(
    scenario: TrafficScenario | Sequence[TrafficScenario] | None,
) -> list[TrafficScenario]:
    if scenario is None:
        return []
    if isinstance(scenario, TrafficScenario):
        return [scenario]
    return list(scenario)


def _prepare_traffic(traffic: pd.DataFrame | None) -> pd.DataFrame | None:
    if traffic is None:
        return None
    if "date" not in traffic.columns and "ds" in traffic.columns:
        traffic = traffic.rename(columns={"ds": "date"})
    return traffic_to_frame(traffic)


def run_forecast(
    contacts_daily: pd.DataFrame,
    attrs: pd.DataFrame,
    horizon_days: int,
    traffic: pd.DataFrame | None = None,
    model: str | Mapping[str, str] = "auto",
    scenario: TrafficScenario | Sequence[TrafficScenario] | None = None,
    executor: cf.Executor | None = None,
    progress: ProgressCallback | None = None,
    *,
    folds: int = 3,
    pre_days: int | Mapping[str, int] = 3,
    post_days: int | Mapping[str, int] = 1,
    holiday_overrides: Mapping[str | tuple[str, str], HolidayWindow | tuple[int, int]]
    | None = None,
    models: Sequence[str] | None = None,
) -> ForecastRun:
    """Forecast daily contacts per series: back-test every model, pick the best, explain drivers.

    Parameters
    ----------
    contacts_daily : pandas.DataFrame
        ``unique_id, ds, y`` daily contacts (see :func:`~forecasting.frames.contacts_to_series`).
        Closed days (weekends of a bank, holidays) are simply absent.
    attrs : pandas.DataFrame
        ``unique_id, country, channel``; ``country`` is an ISO code, optionally with a
        subdivision (``"ES-MD"``), used for holidays and to match traffic.
    horizon_days : int
        Days to forecast (also the length of each back-test fold).
    traffic : pandas.DataFrame, optional
        ``country, date, sessions`` web sessions per day; a missing day-country is 0 sessions.
        Used as a regressor where it covers the series' history.
    model : str or mapping of unique_id to str
        ``"auto"`` (the back-test-weighted combination of the best five models, see
        :mod:`forecasting.combine`; the best single model when only one could be back-tested),
        ``"combination"`` (the same), a model name to use for every series, or a per-series
        mapping (series not in it get ``"auto"``).
    scenario : TrafficScenario or sequence of them, optional
        Traffic changes applied to the final forecast only (never to the back-test).
    executor : concurrent.futures.Executor, optional
        Runs the (series, model) jobs; default :func:`default_executor` (a process pool with
        2 workers), shut down when the run ends. Jobs are module-level functions and frozen
        dataclasses, so any executor can pickle them.
    progress : callable, optional
        ``progress(done, total, label)`` after each finished job.
    folds : int
        Rolling-origin folds (fewer when the history is short).
    pre_days, post_days, holiday_overrides
        Holiday windows (days), see :func:`~forecasting.holidays.make_holidays_frame`.
    models : sequence of str, optional
        Restrict the candidate models (default: all that suit the history length).

    Returns
    -------
    ForecastRun

    Raises
    ------
    ForecastInputError
        Malformed history, attributes or parameters.
    InsufficientHistoryError
        A series with fewer than 28 days of history (the message names it and its length).
    """
    validate_history(contacts_daily, what="contacts_daily")
    check_history_length(contacts_daily)
    check_int("horizon_days", horizon_days, minimum=1, error=ForecastInputError)
    check_int("folds", folds, minimum=0, error=ForecastInputError)
    require_columns(attrs, ATTR_COLUMNS, "attrs", error=ForecastInputError)
    attr_map = attrs.drop_duplicates("unique_id").set_index("unique_id")
    unknown = sorted(set(contacts_daily["unique_id"]) - set(attr_map.index))
    if unknown:
        raise ForecastInputError(f"attrs: no country/channel for series {unknown[:5]}")
    overrides = (
        {}
        if isinstance(model, str) and model == "auto"
        else (dict(model) if isinstance(model, Mapping) else None)
    )
    for chosen in [model] if isinstance(model, str) else list(model.values()):
        if chosen not in MODEL_CHOICES and chosen not in MODEL_CLASSES:
            raise ForecastInputError(
                f"model {chosen!r} unknown; choose 'auto', 'combination' or {sorted(MODEL_CLASSES)}"
            )
    models = None if models is None else [m for m in models if m not in MODEL_CHOICES]
    unknown_models = sorted(set(models or ()) - set(MODEL_CLASSES))
    if unknown_models:
        raise ForecastInputError(
            f"models {unknown_models} unknown; choose from {sorted(MODEL_CLASSES)}"
        )
    scenarios = _as_scenarios(scenario)
    traffic_grid = _prepare_traffic(traffic)
    if traffic_grid is not None:
        for s in scenarios:
            if s.country not in set(traffic_grid["country"]):
                raise ForecastInputError(
                    f"traffic scenario for {s.country!r}: no traffic for that country"
                )
    elif scenarios:
        raise ForecastInputError("a traffic scenario needs a traffic frame")

    notes: list[Statement] = []
    spans = history_span_days(contacts_daily)
    tasks: list[SeriesModelTask] = []
    # (traffic country, origin) per series: each is forecast once, not per model and fold
    traffic_origins: dict[str, list[tuple[str, pd.Timestamp]]] = {}
    holidays_by_uid: dict[str, pd.DataFrame | None] = {}
    traffic_by_uid: dict[str, pd.DataFrame] = {}
    # history, holidays and origins per series: measured and pooled in the executor below
    holiday_inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame | None, list[pd.Timestamp]]] = {}
    # each series' history, split off the frame once (not a boolean scan of it per series)
    history_by_uid: dict[str, pd.DataFrame] = {}
    # one holidays frame per (country, span): the run's series mostly share a few of them
    holiday_frames: dict[tuple[str, pd.Timestamp, pd.Timestamp], pd.DataFrame | str] = {}
    for uid, hist in contacts_daily.groupby("unique_id", sort=True):
        hist = hist[["unique_id", "ds", "y"]].reset_index(drop=True)
        history_by_uid[uid] = hist
        country = str(attr_map.loc[uid, "country"])
        first, last = hist["ds"].min(), hist["ds"].max()
        span_key = (country, first, last + pd.Timedelta(days=int(horizon_days)))
        if span_key not in holiday_frames:
            try:
                holiday_frames[span_key] = make_holidays_frame(
                    [country],
                    span_key[1],
                    span_key[2],
                    pre_days=pre_days,
                    post_days=post_days,
                    overrides=holiday_overrides,
                )
            except ForecastInputError as exc:
                holiday_frames[span_key] = str(exc)
        found = holiday_frames[span_key]
        hf = None if isinstance(found, str) else found
        if isinstance(found, str):
            notes.append(make_statement("no_holiday_calendar", series=uid, error=found))
        holidays_by_uid[uid] = hf
        ds_all = hist["ds"]
        origins_uid = [
            ds_all[ds_all <= c].max() for c in fold_cutoffs(ds_all, int(horizon_days), folds)
        ] + [last]
        holiday_inputs[uid] = (hist, hf, origins_uid)
        short = int(spans[uid]) < YEAR_HISTORY_DAYS
        candidates = list(SHORT_MODELS if short else FULL_MODELS)
        if short:
            notes.append(
                make_statement(
                    "short_history",
                    series=uid,
                    days=int(spans[uid]),
                    needed_days=YEAR_HISTORY_DAYS,
                )
            )
        if models is not None:
            # the models asked for, whether tried by default or not; Prophet needs a year
            asked = list(dict.fromkeys(models))
            fit = [m for m in asked if not (short and MODEL_CLASSES[m].needs_year)]
            candidates = fit or asked
        series_traffic = None
        if traffic_grid is not None:
            t = traffic_grid.loc[traffic_grid["country"] == country]
            if t.empty:  # "US-CA" series use the "US" traffic when no subdivision traffic exists
                t = traffic_grid.loc[traffic_grid["country"] == country.split("-")[0]]
            if t.empty:
                notes.append(make_statement("no_traffic", series=uid, country=country))
            elif t["ds"].min() > first or t["ds"].max() < last:
                notes.append(
                    make_statement(
                        "traffic_short",
                        series=uid,
                        country=country,
                        traffic_start=t["ds"].min(),
                        traffic_end=t["ds"].max(),
                        history_start=first,
                        history_end=last,
                    )
                )
            else:
                series_traffic = t.loc[t["ds"] <= last].reset_index(drop=True)
                traffic_by_uid[uid] = series_traffic
                ds = hist["ds"]
                origins = [ds[ds <= c].max() for c in fold_cutoffs(ds, int(horizon_days), folds)]
                traffic_origins[uid] = [(str(t["country"].iloc[0]), o) for o in [*origins, last]]
        if models is None and series_traffic is not None:
            candidates += [m for m in TRAFFIC_MODELS if m not in candidates]
        wanted = model if isinstance(model, str) else (overrides or {}).get(uid, "auto")
        if wanted != "auto" and wanted not in candidates:
            candidates.append(wanted)
            notes.append(make_statement("model_added", series=uid, model=wanted))
        series_scen = tuple(
            (pd.Timestamp(s.start), float(s.pct_change)) for s in scenarios if s.country == country
        )
        for name in candidates:
            params: tuple[tuple[str, object], ...] = ()
            if name in ("regression", "prophet") and short:
                params = (("yearly", False),)
            tasks.append(
                SeriesModelTask(
                    unique_id=uid,
                    model=name,
                    history=hist,
                    horizon_days=int(horizon_days),
                    folds=folds,
                    holidays=hf,
                    traffic=series_traffic,
                    scenarios=series_scen if series_traffic is not None else (),
                    params=params,
                )
            )

    own = executor is None
    pool = default_executor() if own else executor
    try:
        # holiday measurements and traffic forecasts run side by side in the executor
        measuring = {
            uid: pool.submit(measure_at_origins, *holiday_inputs[uid])
            for uid in sorted(holiday_inputs)
        }
        tasks = _with_traffic_forecasts(tasks, traffic_origins, traffic_by_uid, pool, horizon_days)
        measured = {uid: job.result() for uid, job in measuring.items()}
        effects_by_uid, pooled_uids = _pool_holidays(measured, holiday_inputs, attr_map, pool)
        tasks = [replace(t, holiday_effects=effects_by_uid.get(t.unique_id)) for t in tasks]
        results = _execute(tasks, pool, progress)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    final_effects = {
        uid: by_origin[measured[uid][-1][0]] for uid, by_origin in effects_by_uid.items()
    }
    for uid in sorted(pooled_uids):
        eff = final_effects[uid]
        on = eff.shared.set_index("group")
        notes.append(
            make_statement(
                "holidays_pooled",
                series=uid,
                country=eff.country,
                observed=observed_holiday_count(measured[uid][-1][1]),
                needed=MIN_HOLIDAYS_OWN_SHARED,
                holidays=int(on.loc["on", "holidays"]) if "on" in on.index else 0,
            )
        )
    for r in results:
        if r.error is not None:
            notes.append(
                make_statement("model_failed", series=r.unique_id, model=r.model, error=r.error)
            )
    metrics = metrics_frame(results)
    ok = [r for r in results if r.error is None and r.forecast is not None]
    if not ok:
        raise ForecastInputError("every model failed on every series; see the log")

    all_forecasts, metrics, weights = _combine_and_calibrate(ok, metrics, contacts_daily)

    # closed holidays: zero where the series is forecast closed (see closed_holidays)
    closed_by_uid: dict[str, frozenset[str]] = {}
    closed_days = []
    for uid in sorted(holidays_by_uid):
        hf = holidays_by_uid[uid]
        hist = history_by_uid[uid]
        closed = closed_holidays(hist, hf) if hf is not None else frozenset()
        closed_by_uid[uid] = closed
        if closed:
            days = hf.loc[hf["holiday"].isin(closed), "ds"].drop_duplicates()
            closed_days.append(pd.DataFrame({"unique_id": uid, "ds": days}))
            seen = closed & set(
                hf.loc[(hf["ds"] >= hist["ds"].min()) & (hf["ds"] <= hist["ds"].max()), "holiday"]
            )
            if seen:
                notes.append(make_statement("closed_holidays", series=uid, holidays=sorted(seen)))
    if closed_days:  # one join for every series' closed days, not a scan per series
        shut = pd.concat(closed_days, ignore_index=True).assign(_closed=True)
        hit = (
            (all_forecasts[["unique_id", "ds"]].merge(shut, on=["unique_id", "ds"], how="left"))[
                "_closed"
            ]
            .notna()
            .to_numpy()
        )
        all_forecasts.loc[hit, list(INTERVAL_COLUMNS)] = 0.0

    picks = _pick(metrics, all_forecasts, model, overrides, notes, weights)
    chosen = all_forecasts.merge(picks[["unique_id", "model"]], on=["unique_id", "model"])
    chosen = chosen.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    drivers, future_traffic = _drivers(
        ok, holidays_by_uid, traffic_by_uid, attr_map, scenarios, final_effects, closed_by_uid
    )
    return ForecastRun(
        forecast=chosen,
        all_forecasts=all_forecasts.sort_values(["unique_id", "model", "ds"]).reset_index(
            drop=True
        ),
        metrics=metrics.sort_values(["unique_id", "wape", "model"]).reset_index(drop=True),
        picks=picks,
        notes=tuple(notes),
        drivers=tuple(drivers),
        future_traffic=future_traffic,
        weights=weights,
        holiday_effects=final_effects,
        fits=pd.DataFrame(
            [(r.unique_id, r.model, int(r.fits)) for r in ok],
            columns=["unique_id", "model", "fits"],
        ),
    )


def _pool_holidays(
    measured: Mapping[str, list[tuple[pd.Timestamp, HolidayMeasurements]]],
    inputs: Mapping[str, tuple[pd.DataFrame, pd.DataFrame | None, list[pd.Timestamp]]],
    attr_map: pd.DataFrame,
    pool: cf.Executor,
) -> tuple[dict[str, dict[pd.Timestamp, HolidayEffects]], set[str]]:
    """Pool every series' measured holidays from each origin, in the executor.

    The run's series are pooled origin by origin (counted from the latest), so a back-test fold
    never borrows from a later history. A series whose country has too few holidays of its own
    at an origin borrows from every other series there: it is sent the pool of their holiday
    means (:func:`~forecasting.holiday_effects.pool_over_run`, put together here from means
    made once per series), not their measurements.
    """
    uids = sorted(measured)
    short = {
        uid: [observed_holiday_count(m) < MIN_HOLIDAYS_OWN_SHARED for _, m in measured[uid]]
        for uid in uids
    }
    # a series with too few holidays is pooled with every other series: their holiday means
    # are made once per series and origin (in the executor), and each such series' pool is
    # put together from them here, instead of sending it every other series' measurements
    arrays: dict[str, list] = {}
    if any(any(flags) for flags in short.values()):
        jobs = {uid: pool.submit(group_arrays_at_origins, measured[uid]) for uid in uids}
        arrays = {uid: job.result() for uid, job in jobs.items()}
    pooled_jobs = {}
    for uid in uids:
        items = measured[uid]
        run_pooled: list[dict[str, RunPooled] | None] = []
        for back in range(len(items) if any(short[uid]) else 0):
            own = len(items) - 1 - back
            if not short[uid][own]:
                run_pooled.append(None)
                continue
            # the series itself first, then the others in order, each seen from that origin
            seen = [(uid, own)] + [
                (o_uid, len(other) - 1 - back)
                for o_uid, other in measured.items()
                if o_uid != uid and len(other) > back
            ]
            found = None
            if len(seen) > 1:  # pooled only with other series
                found = pool_over_run(
                    [arrays[o][k] for o, k in seen], [measured[o][k][1].noise_var for o, k in seen]
                )
            run_pooled.append(found)
        hf = inputs[uid][1]
        country = str(attr_map.loc[uid, "country"])
        pooled_jobs[uid] = pool.submit(pool_at_origins, items, hf, country, (), run_pooled)
    effects = {uid: pooled_jobs[uid].result() for uid in uids}
    pooled = {
        uid
        for uid in uids
        if inputs[uid][1] is not None
        and len(inputs[uid][1])
        and effects[uid][measured[uid][-1][0]].scope == "run"
    }
    return effects, pooled


def _combine_and_calibrate(
    ok: Sequence[SeriesModelResult], metrics: pd.DataFrame, history: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Add each series' combination, then conformal bands and coverage for every model."""
    last_by_uid = history.groupby("unique_id")["ds"].max()
    forecasts, rows, weight_rows = [], [], []
    by_uid: dict[str, list[SeriesModelResult]] = {}
    for r in ok:
        by_uid.setdefault(r.unique_id, []).append(r)
    m_index = metrics.set_index(["unique_id", "model"])
    # every series' weights first, then every combination in one pass (combine_each)
    entries_by_uid: dict[str, list] = {}
    member_bt, member_fc, combined = [], [], {}
    for uid, results in by_uid.items():
        entries_by_uid[uid] = [
            (r.model, r.forecast, r.backtest, r.metrics.get("seconds", float("nan")))
            for r in results
        ]
        scores = pd.Series({r.model: r.metrics.get("wape", float("nan")) for r in results})
        weights = combination_weights(scores)
        if len(weights) >= 2:
            members = {r.model: r for r in results if r.model in weights.index}
            member_bt += [members[m].backtest for m in weights.index]
            member_fc += [members[m].forecast for m in weights.index]
            seconds = sum(members[m].metrics.get("seconds", 0.0) for m in weights.index)
            combined[uid] = float(seconds)
            weight_rows += [(uid, m, float(w)) for m, w in weights.items()]
    weights_frame = pd.DataFrame(weight_rows, columns=["unique_id", "model", "weight"])
    if combined:
        all_bt = combine_each(
            pd.concat(member_bt, ignore_index=True), weights_frame, ["unique_id", "cutoff", "ds"]
        )
        all_fc = combine_each(
            pd.concat(member_fc, ignore_index=True), weights_frame, ["unique_id", "ds"]
        )[list(FORECAST_COLUMNS)]
        comb_bt, comb_fc = _by_series(all_bt), _by_series(all_fc)
        for uid, seconds in combined.items():
            bt = comb_bt.get(uid, all_bt.iloc[:0])
            entries_by_uid[uid].append(
                (COMBINATION, comb_fc.get(uid, all_fc.iloc[:0]), bt, seconds)
            )
    for uid, entries in entries_by_uid.items():
        last = last_by_uid[uid]
        for name, fc, bt, seconds in entries:
            if name == COMBINATION:
                fc, cov80, cov95 = calibrate(fc, bt, last)
                score = score_backtest(bt)
            else:  # calibrated by its worker (run_series_model)
                score = m_index.loc[(uid, name)].to_dict()
                cov80, cov95 = score["coverage_80"], score["coverage_95"]
            forecasts.append(fc)
            rows.append(
                {
                    "unique_id": uid,
                    "model": name,
                    "wape": score["wape"],
                    "mase": score["mase"],
                    "coverage_80": cov80,
                    "coverage_95": cov95,
                    "folds": int(score["folds"]),
                    "seconds": seconds,
                }
            )
    table = pd.DataFrame(rows, columns=list(metrics.columns) if len(metrics) else None)
    table = table.merge(weights_frame, on=["unique_id", "model"], how="left")
    all_forecasts = pd.concat(forecasts, ignore_index=True)[list(FORECAST_COLUMNS)]
    return all_forecasts, table, weights_frame


def _by_series(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A frame ordered by ``unique_id`` split into one frame per series (index from 0)."""
    uids = frame["unique_id"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, uids[1:] != uids[:-1]]) if len(uids) else []
    ends = [*starts[1:], len(uids)]
    return {
        str(uids[a]): frame.iloc[a:b].reset_index(drop=True)
        for a, b in zip(starts, ends, strict=True)
    }


def default_executor(max_workers: int = DEFAULT_MAX_WORKERS) -> cf.Executor:
    """The default pool for the fitting jobs: ``ProcessPoolExecutor(max_workers=2)``.

    It uses the platform's start method (``fork`` on Linux up to Python 3.13), which works
    from scripts without an ``if __name__ == "__main__"`` guard. ``forkserver``/``spawn`` are
    safer in a threaded server but re-import the main module and break such scripts; a caller
    that wants them passes its own executor, e.g. ``ProcessPoolExecutor(2,
    mp_context=multiprocessing.get_context("forkserver"))``.
    """
    return cf.ProcessPoolExecutor(max_workers=max_workers)


def _with_traffic_forecasts(
    tasks: Sequence[SeriesModelTask],
    origins: Mapping[str, Sequence[tuple[str, pd.Timestamp]]],
    traffic_by_uid: Mapping[str, pd.DataFrame],
    pool: cf.Executor,
    horizon_days: int,
) -> list[SeriesModelTask]:
    """Forecast each country's traffic once per origin (in the pool) and hand it to the tasks.

    Every model and fold of every series of a country needs the same traffic forecast from the
    same origin; making it once instead of per (series, model, fold) saves about a quarter of
    the CPU time on the sample (a 2-year ETS fit each, 0.13 s). Results are unchanged.
    """
    jobs: dict[tuple[str, pd.Timestamp], cf.Future] = {}
    for uid, keys in origins.items():
        for key in keys:
            if key not in jobs:
                jobs[key] = pool.submit(
                    forecast_traffic_at, traffic_by_uid[uid], key[1], int(horizon_days)
                )
    done: dict[tuple[str, pd.Timestamp], pd.DataFrame] = {}
    for key, fut in jobs.items():
        try:
            done[key] = fut.result()
        except Exception as exc:  # the model jobs forecast it themselves and report the error
            logger.warning("traffic forecast for %s from %s failed: %s", *key, exc)
    out = []
    for task in tasks:
        keys = origins.get(task.unique_id, ())
        found = {origin: done[(c, origin)] for c, origin in keys if (c, origin) in done}
        out.append(replace(task, traffic_forecasts=found) if found else task)
    return out


def _execute(
    tasks: Sequence[SeriesModelTask],
    executor: cf.Executor | None,
    progress: ProgressCallback | None,
) -> list[SeriesModelResult]:
    own = executor is None
    pool = default_executor() if own else executor
    total = len(tasks)
    results: list[SeriesModelResult] = []
    try:
        futures = {pool.submit(run_series_model, t): t for t in tasks}
        if progress is not None:
            progress(0, total, "starting")
        for done, fut in enumerate(cf.as_completed(futures), start=1):
            task = futures[fut]
            results.append(fut.result())
            if progress is not None:
                progress(done, total, f"{task.unique_id} · {task.model}")
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    order = {(t.unique_id, t.model): i for i, t in enumerate(tasks)}
    return sorted(results, key=lambda r: order[(r.unique_id, r.model)])


def _pick(
    metrics: pd.DataFrame,
    forecasts: pd.DataFrame,
    model: str | Mapping[str, str],
    overrides: Mapping[str, str] | None,
    notes: list[Statement],
    weights: pd.DataFrame,
) -> pd.DataFrame:
    fitted: dict[str, list[str]] = {}
    for uid, names in forecasts.groupby("unique_id", sort=True)["model"].unique().items():
        fitted[uid] = list(names)
    # indexed once for the run: a lookup per series, not a scan of the whole table per series
    m_index = metrics.set_index(["unique_id", "model"])
    members_by_uid = dict(tuple(weights.groupby("unique_id", sort=False)))
    metrics_by_uid = dict(tuple(metrics.groupby("unique_id", sort=False)))
    rows = []
    for uid, names in fitted.items():
        wanted = model if isinstance(model, str) else (overrides or {}).get(uid, "auto")
        if wanted == "auto":
            wanted = COMBINATION
        if wanted in names:
            if wanted == COMBINATION:
                members = members_by_uid.get(uid, weights.iloc[:0])
                rows.append((uid, COMBINATION, _combination_reason(uid, m_index, members)))
            else:
                rows.append((uid, wanted, make_statement("user_choice")))
            continue
        if wanted != COMBINATION:
            notes.append(make_statement("requested_model_failed", series=uid, model=wanted))
        m = metrics_by_uid.get(uid, metrics.iloc[:0])
        m = m.loc[m["model"].isin(names)]
        m = m.loc[m["wape"].notna()]
        if m.empty:
            fallback = "ets" if "ets" in names else names[0]
            notes.append(make_statement("too_short_to_backtest", series=uid, model=fallback))
            rows.append((uid, fallback, make_statement("no_backtest")))
            continue
        best = m.sort_values(["wape", "model"]).iloc[0]
        reason = make_statement("lowest_wape", wape=float(best["wape"]))
        rows.append((uid, str(best["model"]), reason))
    return (
        pd.DataFrame(rows, columns=["unique_id", "model", "reason"])
        .sort_values("unique_id")
        .reset_index(drop=True)
    )


def _combination_reason(uid: str, m: pd.DataFrame, w: pd.DataFrame) -> Statement:
    """Why the combination: its WAPE and its members ``w`` (the series' rows of the weights)
    with their WAPE from ``m`` (the metrics indexed by ``unique_id, model``)."""
    return make_statement(
        "combination",
        wape=float(m.loc[(uid, COMBINATION), "wape"]),
        members=[
            {
                "model": str(r.model),
                "weight": float(r.weight),
                "wape": float(m.loc[(uid, r.model), "wape"]),
            }
            for r in w.itertuples(index=False)
        ],
    )


def _drivers(
    ok: Sequence[SeriesModelResult],
    holidays_by_uid: Mapping[str, pd.DataFrame | None],
    traffic_by_uid: Mapping[str, pd.DataFrame],
    attr_map: pd.DataFrame,
    scenarios: Sequence[TrafficScenario],
    effects_by_uid: Mapping[str, HolidayEffects],
    closed_by_uid: Mapping[str, frozenset[str]],
) -> tuple[list[Driver], pd.DataFrame]:
    by_key = {(r.unique_id, r.model): r for r in ok}
    by_uid: dict[str, list[SeriesModelResult]] = {}
    for r in ok:
        by_uid.setdefault(r.unique_id, []).append(r)
    drivers: list[Driver] = []
    traffic_parts = []
    seen_countries: set[str] = set()
    for uid in sorted(by_uid):
        results = by_uid[uid]
        # the traffic elasticity comes from a model that weighs traffic: the regression, else
        # AutoARIMA (its exogenous weight)
        reg = next(
            (
                by_key[(uid, name)]
                for name in ("regression", "autoarima")
                if (uid, name) in by_key and by_key[(uid, name)].traffic_coef is not None
            ),
            by_key.get((uid, "regression")),
        )
        fc_days = results[0].forecast["ds"]
        start, end = fc_days.min(), fc_days.max()
        hf = holidays_by_uid.get(uid)
        if hf is not None and not hf.empty:
            # the frame is sorted by day: the horizon's holidays are one slice of it
            days = hf["ds"].to_numpy()
            lo = np.searchsorted(days, start.to_datetime64(), "left")
            hi = np.searchsorted(days, end.to_datetime64(), "right")
            ahead = hf.iloc[lo:hi]
            pooled = effects_by_uid.get(uid)
            closed = closed_by_uid.get(uid, frozenset())
            windows = [
                (r.holiday, r.ds, -int(r.lower_window), int(r.upper_window), r.holiday in closed)
                for r in ahead.itertuples(index=False)
            ]
            drivers += holiday_drivers(
                uid,
                windows,
                effects=None if pooled is None else pooled.effects,
                shared=None if pooled is None else pooled.shared,
                country=str(attr_map.loc[uid, "country"]),
            )
        if uid in traffic_by_uid:
            country = str(attr_map.loc[uid, "country"])
            source = reg or next((r for r in results if r.future_traffic is not None), None)
            if source is not None and source.future_traffic is not None:
                drivers.append(
                    _traffic_driver(
                        uid,
                        country,
                        traffic_by_uid[uid],
                        source.future_traffic,
                        reg.traffic_coef if reg is not None else None,
                        scenarios,
                    )
                )
                if country not in seen_countries:
                    seen_countries.add(country)
                    traffic_parts.append(source.future_traffic)
    future_traffic = (
        pd.concat(traffic_parts, ignore_index=True)
        if traffic_parts
        else pd.DataFrame(
            {
                "country": pd.Series(dtype=object),
                "ds": pd.Series(dtype="datetime64[ns]"),
                "sessions": pd.Series(dtype=float),
            }
        )
    )
    return drivers, future_traffic


def _traffic_driver(
    uid: str,
    country: str,
    past: pd.DataFrame,
    future: pd.DataFrame,
    coef: float | None,
    scenarios: Sequence[TrafficScenario],
) -> Driver:
    """The horizon's sessions against the last as many days, and contacts per +10% sessions."""
    h = len(future)
    recent = past.sort_values("ds").tail(h)["sessions"].mean()
    change = future["sessions"].mean() / recent - 1.0 if recent > 0 else None
    return traffic_driver(
        uid,
        country,
        sessions_per_day=float(future["sessions"].mean()),
        days=h,
        change=change,
        scenarios=[
            (float(s.pct_change), pd.Timestamp(s.start)) for s in scenarios if s.country == country
        ],
        # log-log elasticity: 10% more sessions multiply contacts by 1.1 ** coef
        contacts_change=1.1**coef - 1.0 if coef is not None and np.isfinite(coef) else None,
    )
