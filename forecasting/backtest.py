"""Rolling-origin back-tests of one model on one series, with forecast (not actual) traffic."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from forecasting.combine import calibrate
from forecasting.errors import ForecastInputError
from forecasting.frames import (
    FORECAST_COLUMNS,
    MIN_HISTORY_DAYS,
    check_history_length,
    validate_history,
)
from forecasting.holiday_effects import HolidayEffects
from forecasting.metrics import coverage, mase, sorted_seasonal_naive_scale, wape
from forecasting.models import Forecaster, make_forecaster
from forecasting.traffic import apply_traffic_scenario, forecast_traffic

logger = logging.getLogger(__name__)

METRIC_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "model",
    "wape",
    "mase",
    "coverage_80",
    "coverage_95",
    "folds",
    "seconds",
)
#: One row per back-test day: the fold's origin, the day, its step ahead (days), the actual and
#: the forecast, and the fold's seasonal-naive scale (for MASE).
BACKTEST_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "model",
    "cutoff",
    "ds",
    "step",
    "y",
    *FORECAST_COLUMNS[3:],
    "scale",
)


@contextlib.contextmanager
def fitting_threads() -> Iterator[None]:
    """One BLAS/OpenMP thread inside a fitting job (threadpoolctl), unless the user chose.

    The fits are small (matrices of ~1,000 x 50); a multi-threaded BLAS only oversubscribes the
    cores when two jobs run at once (measured on the 2-core machine: the pipeline tests took
    40 s of CPU with OpenBLAS' default threads and 8 s with one). A count the user set
    (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``) is left alone. The limit ends with the job.
    """
    if "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        yield
        return
    with _thread_controller().limit(limits=1):
        yield


_controller: tuple[int, ThreadpoolController] | None = None


def _thread_controller() -> ThreadpoolController:
    """The process's threadpoolctl controller, found again only after new imports.

    Finding the loaded BLAS/OpenMP libraries took 4 ms a job; a library is only loaded by an
    import, so the count of imported modules says when to look again.
    """
    global _controller
    loaded = len(sys.modules)
    if _controller is None or _controller[0] != loaded:
        _controller = (loaded, ThreadpoolController())
    return _controller[1]


#: Libraries whose warnings a fitting job silences (convergence notes, overflow in a candidate
#: model's search, deprecations): the pipeline reports a failed model itself.
FITTING_LIBRARIES = r"(statsforecast|statsmodels|scipy|numpy|pandas|prophet|cmdstanpy|numba)(\.|$)"
_quiet_lock = threading.Lock()
_quiet_jobs = 0
_quiet_scope: warnings.catch_warnings | None = None


@contextlib.contextmanager
def quiet_fitting() -> Iterator[None]:
    """Silence the model libraries' warnings (:data:`FITTING_LIBRARIES`) while fitting jobs run.

    ``warnings.catch_warnings`` swaps the process-wide filter list, so two jobs in a thread pool
    that each enter and leave one restore each other's lists: a warning escapes from one job
    while another's filters are in place, and a job's "ignore everything" can outlive the run.
    Here the first job to start installs the filters and the last to end restores the caller's
    list exactly (counted under a lock), so concurrent jobs in threads share one scope; in a
    process pool each worker has its own.
    """
    global _quiet_jobs, _quiet_scope
    with _quiet_lock:
        if _quiet_jobs == 0:
            _quiet_scope = warnings.catch_warnings()
            _quiet_scope.__enter__()
            warnings.filterwarnings("ignore", module=FITTING_LIBRARIES)
        _quiet_jobs += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_jobs -= 1
            if _quiet_jobs == 0 and _quiet_scope is not None:
                _quiet_scope.__exit__(None, None, None)
                _quiet_scope = None


def fold_cutoffs(ds: pd.Series, horizon_days: int, folds: int) -> list[pd.Timestamp]:
    """Rolling-origin cutoffs (last training day), latest last, keeping >= 28 training days.

    Fold ``k`` (1 = the most recent) trains on ``ds <= last - k * horizon_days`` and tests on the
    next ``horizon_days`` days.
    """
    first, last = ds.min(), ds.max()
    cutoffs = []
    for k in range(folds, 0, -1):
        cutoff = last - pd.Timedelta(days=k * horizon_days)
        if (cutoff - first).days + 1 >= MIN_HISTORY_DAYS:
            cutoffs.append(cutoff)
    return cutoffs


@dataclass(frozen=True)
class SeriesModelTask:
    """Everything one worker needs to back-test and fit one model on one series (picklable).

    Parameters
    ----------
    unique_id, model : str
        Series key and model name.
    history : pandas.DataFrame
        ``unique_id, ds, y`` of the series.
    horizon_days : int
        Forecast horizon (days); also each back-test fold's length.
    folds : int
        Maximum number of rolling-origin folds.
    holidays : pandas.DataFrame or None
        The series' holidays frame.
    traffic : pandas.DataFrame or None
        ``country, ds, sessions`` history of the series' country (used as regressor).
    scenarios : sequence of (start, pct_change)
        Traffic scenarios applied to the *final* forecast only.
    params : tuple of (name, value)
        Extra model constructor parameters.
    traffic_forecasts : mapping of origin to DataFrame, optional
        Traffic already forecast from each origin (a training set's last day) by
        :func:`forecast_traffic_at`; origins not in it are forecast here. The traffic forecast
        depends on the country and origin only, so the pipeline makes it once per country
        instead of once per series, model and fold.
    holiday_effects : mapping of origin to HolidayEffects, optional
        Pooled holiday effects seen from each origin (only the history up to it, pooled with
        the run's other series by the pipeline); models estimate them from their own training
        data for an origin not in it.
    """

    unique_id: str
    model: str
    history: pd.DataFrame
    horizon_days: int
    folds: int
    holidays: pd.DataFrame | None = None
    traffic: pd.DataFrame | None = None
    scenarios: tuple[tuple[pd.Timestamp, float], ...] = ()
    params: tuple[tuple[str, object], ...] = field(default_factory=tuple)
    traffic_forecasts: Mapping[pd.Timestamp, pd.DataFrame] | None = None
    holiday_effects: Mapping[pd.Timestamp, HolidayEffects] | None = None


@dataclass(frozen=True)
class SeriesModelResult:
    """A worker's answer: metrics, final forecast, the back-test days and what the drivers need.

    ``backtest`` (:data:`BACKTEST_COLUMNS`) keeps every fold's forecast beside the actuals, so
    the pipeline can combine models and calibrate intervals without refitting anything.
    """

    unique_id: str
    model: str
    metrics: dict[str, float]
    forecast: pd.DataFrame | None
    holiday_effects: pd.DataFrame | None
    traffic_coef: float | None
    future_traffic: pd.DataFrame | None
    error: str | None = None
    backtest: pd.DataFrame | None = None
    #: Parameter estimations (model searches) the job made: the first fold's and the final
    #: fit; the later folds reuse the first fold's parameters where the model allows it.
    fits: int = 0


def _with_traffic(history: pd.DataFrame, traffic: pd.DataFrame) -> pd.DataFrame:
    t = traffic.set_index("ds")["sessions"]
    return history.assign(traffic=t.reindex(history["ds"]).to_numpy())


def forecast_traffic_at(
    traffic: pd.DataFrame, origin: pd.Timestamp, horizon_days: int
) -> pd.DataFrame:
    """Traffic forecast ``horizon_days`` ahead from ``origin``, seeing traffic up to it only.

    Module-level (picklable) so the pipeline can run it in its executor; one BLAS thread, as
    for the model jobs.
    """
    with quiet_fitting(), fitting_threads():
        return forecast_traffic(traffic.loc[traffic["ds"] <= origin], horizon_days)


def _fit_predict(
    task: SeriesModelTask,
    train: pd.DataFrame,
    h: int,
    final: bool,
    parameters_from: Forecaster | None = None,
    search_from: Forecaster | None = None,
):
    regressors: tuple[str, ...] = ()
    future_reg = None
    future_traffic = None
    if task.traffic is not None:
        origin = train["ds"].max()
        past = task.traffic.loc[task.traffic["ds"] <= origin]
        # forecast traffic from the origin: never the actual future traffic (prophet#442)
        future_traffic = (task.traffic_forecasts or {}).get(origin)
        if future_traffic is None:
            future_traffic = forecast_traffic(past, h)
        if final:
            country = past["country"].iloc[0]
            for start, change in task.scenarios:
                future_traffic = apply_traffic_scenario(future_traffic, country, start, change)
        regressors = ("traffic",)
        train = _with_traffic(train, past)
        future_reg = future_traffic.rename(columns={"sessions": "traffic"})[["ds", "traffic"]]
    params = dict(task.params)
    effects = (task.holiday_effects or {}).get(train["ds"].max())
    if effects is not None:
        params["holiday_effects"] = effects
    model = make_forecaster(task.model, holidays=task.holidays, regressors=regressors, **params)
    if not model.supports_regressors:
        train = train[["unique_id", "ds", "y"]]
    # a slice of the task's history, checked once by run_series_model
    model.fit(train, parameters_from=parameters_from, search_from=search_from, validated=True)
    forecast = model.predict(h, future_regressors=future_reg if model.regressors else None)
    return model, forecast, future_traffic


def run_series_model(task: SeriesModelTask) -> SeriesModelResult:
    """Back-test one model on one series over rolling origins, then fit it on all the history.

    The first (oldest) fold fits the model; the later folds keep its parameters and only run
    them over their longer history (``Forecaster.fit(..., parameters_from=...)``, statsforecast's
    ``forward``), so a statsforecast model costs two searches (the first fold's and the final
    fit's) instead of one per fold. The final fit is always a real fit. On the real series at
    four origins this moved the combination's geometric-mean WAPE over the seasonal naive's
    from 0.774 to 0.782 (+1%; bench/RESULTS.md, 2026-12-06). The final fit's search is narrowed
    to the form the first fold chose (``Forecaster.fit(..., search_from=...)``: AutoETS's trend
    and damping, AutoTheta's variant, MSTL's trend model; its parameters estimated afresh):
    a third less search CPU, and on the same real series the geometric mean (0.745) and mean
    MASE (0.950) unchanged to three decimals (bench/RESULTS.md, 2026-12-06, second session).

    The final forecast's 80%/95% bands are conformal (:func:`forecasting.combine.calibrate`:
    quantiles of the back-test's own absolute errors) and ``coverage_80``/``coverage_95`` the
    leave-one-fold-out coverage they reach; without a back-test the model's own bands stay.

    Module-level so that a ``ProcessPoolExecutor`` can pickle it. A model that fails returns a
    result with ``error`` set instead of raising, so one bad model cannot sink the run.
    BLAS runs single-threaded inside the job (:func:`fitting_threads`) and the model libraries'
    warnings are silenced while it runs (:func:`quiet_fitting`, safe in a thread pool).
    """
    with quiet_fitting(), fitting_threads():
        return _run_series_model(task)


def _run_series_model(task: SeriesModelTask) -> SeriesModelResult:
    t0 = time.perf_counter()
    hist = task.history
    h = task.horizon_days
    fits = 0
    # the history is sorted by day (validated by the pipeline): each fold's training days and
    # test days are slices of it, found by bisection rather than boolean scans of the frame
    days = hist["ds"].to_numpy()
    y = hist["y"].to_numpy(float)
    try:
        _check_one_series(hist, f"{task.model}.fit")
        folds = []
        first: Forecaster | None = None
        for cutoff in fold_cutoffs(hist["ds"], h, task.folds):
            k = int(np.searchsorted(days, cutoff.to_datetime64(), "right"))
            end = int(
                np.searchsorted(days, (cutoff + pd.Timedelta(days=h)).to_datetime64(), "right")
            )
            train = hist.iloc[:k]
            # the later folds roll the first fold's parameters forward (no new search)
            try:
                fitted, fc, _ = _fit_predict(task, train, h, final=False, parameters_from=first)
            except Exception as exc:
                if first is None:
                    raise
                # parameters that cannot be run over this history: a real fit instead
                logger.info("%s on %s: fold refitted (%s)", task.model, task.unique_id, exc)
                fitted, fc, _ = _fit_predict(task, train, h, final=False)
            fits += not fitted.parameters_reused_
            if first is None:
                first = fitted
            ids = hist["unique_id"].iloc[k:end].reset_index(drop=True)
            folds.append(_fold_rows(task.model, cutoff, ids, days, y, k, end, fc))
        # the final fit estimates every parameter afresh, searching only the form the first
        # fold chose (where the model narrows its search)
        model, forecast, future_traffic = _fit_predict(task, hist, h, final=True, search_from=first)
        fits += 1
    except Exception as exc:
        logger.warning("model %s failed on %s: %s", task.model, task.unique_id, exc)
        return SeriesModelResult(
            task.unique_id,
            task.model,
            {},
            None,
            None,
            None,
            None,
            error=f"{type(exc).__name__}: {exc}",
        )
    backtest = (
        pd.concat(folds, ignore_index=True)
        if folds
        else pd.DataFrame({c: pd.Series(dtype=float) for c in BACKTEST_COLUMNS})
    )
    metrics = score_backtest(backtest)
    if len(backtest):
        # conformal bands from this model's own back-test errors (forecasting.combine), made
        # here so the workers do it in parallel; the combination is calibrated by the pipeline
        forecast, metrics["coverage_80"], metrics["coverage_95"] = calibrate(
            forecast, backtest, hist["ds"].max()
        )
    metrics["seconds"] = time.perf_counter() - t0
    effects = getattr(model, "holiday_effects_", None)
    coef = getattr(model, "coef_", None)
    traffic_coef = (
        float(coef["log_traffic"]) if coef is not None and "log_traffic" in coef else None
    )
    return SeriesModelResult(
        task.unique_id,
        task.model,
        metrics,
        forecast[list(FORECAST_COLUMNS)],
        effects,
        traffic_coef,
        future_traffic,
        backtest=backtest,
        fits=fits,
    )


def _check_one_series(history: pd.DataFrame, what: str) -> None:
    """The checks :meth:`Forecaster.fit` makes, made once on the whole history of a task
    (every fold's training days are a slice of it)."""
    validate_history(history, what=what)
    ids = history["unique_id"].unique()
    if len(ids) != 1:
        raise ForecastInputError(f"{what} takes one series, got {len(ids)}: {ids[:5]}")
    check_history_length(history)


def _fold_rows(
    model: str,
    cutoff: pd.Timestamp,
    ids: pd.Series,
    days: np.ndarray,
    y: np.ndarray,
    k: int,
    end: int,
    forecast: pd.DataFrame,
) -> pd.DataFrame:
    """One fold's :data:`BACKTEST_COLUMNS`: every test day beside the forecast of that day.

    ``days[:k], y[:k]`` are the fold's training days, ``days[k:end], y[k:end]`` its test days
    and ``ids`` their series keys. The forecast covers consecutive days from the training's
    last day on, so a test day's row is found by its distance from the first forecast day (a
    day outside it gets NaN, as a left join on the days would give).
    """
    test_days, test_y = days[k:end], y[k:end]
    fc_days = forecast["ds"].to_numpy()
    values = forecast[list(FORECAST_COLUMNS[3:])].to_numpy(float)
    at = np.full(len(test_days), -1, dtype=np.int64)
    if len(fc_days):
        offset = (test_days - fc_days[0]) // np.timedelta64(1, "D")
        inside = (offset >= 0) & (offset < len(fc_days))
        at[inside] = offset[inside]
    found = np.full((len(test_days), values.shape[1]), np.nan)
    found[at >= 0] = values[at[at >= 0]]
    step = (test_days - cutoff.to_datetime64()) // np.timedelta64(1, "D")
    scale = sorted_seasonal_naive_scale(days[:k], y[:k])
    return pd.DataFrame(
        {
            "unique_id": ids,
            "model": model,
            "cutoff": cutoff,
            "ds": test_days,
            "step": step.astype(int),
            "y": test_y,
            **{c: found[:, i] for i, c in enumerate(FORECAST_COLUMNS[3:])},
            "scale": scale,
        },
        columns=list(BACKTEST_COLUMNS),
    )


def score_backtest(backtest: pd.DataFrame) -> dict[str, float]:
    """WAPE, MASE and interval coverage of one model's back-test, the mean over its folds.

    Parameters
    ----------
    backtest : pandas.DataFrame
        :data:`BACKTEST_COLUMNS` of one series and model.

    Returns
    -------
    dict
        ``wape, mase, coverage_80, coverage_95`` (fractions; NaN without folds) and ``folds``.
    """
    rows = []
    cutoff = backtest["cutoff"].to_numpy()
    a_all = backtest["y"].to_numpy(float)
    f_all, lo80, hi80, lo95, hi95, scale = (
        backtest[c].to_numpy(float)
        for c in (
            "forecast",
            "forecast_lower",
            "forecast_upper",
            "forecast_lower_95",
            "forecast_upper_95",
            "scale",
        )
    )
    # the folds in order of their cutoff (as a sorted group-by would give), on arrays
    for c in np.unique(cutoff[~pd.isna(cutoff)]):
        at = cutoff == c
        a = a_all[at]
        rows.append(
            (
                wape(a, f_all[at]),
                mase(a, f_all[at], float(scale[at][0])),
                coverage(a, lo80[at], hi80[at]),
                coverage(a, lo95[at], hi95[at]),
            )
        )
    scores = np.array(rows, dtype=float).reshape(-1, 4)
    # The mean of each score over the folds that have it, NaN where none does: counted by hand,
    # since np.nanmean warns on an empty column and silencing that with warnings.catch_warnings
    # in a fitting thread races with the others over the process-wide filters.
    counts = (~np.isnan(scores)).sum(axis=0)
    sums = np.where(np.isnan(scores), 0.0, scores).sum(axis=0)
    means = np.full(4, np.nan)
    np.divide(sums, counts, out=means, where=counts > 0)
    return {
        "wape": float(means[0]),
        "mase": float(means[1]),
        "coverage_80": float(means[2]),
        "coverage_95": float(means[3]),
        "folds": float(len(rows)),
    }


def metrics_frame(results: Sequence[SeriesModelResult]) -> pd.DataFrame:
    """Tidy metrics table ``unique_id, model, wape, mase, coverage_80, coverage_95, folds, seconds``."""
    rows = [
        {"unique_id": r.unique_id, "model": r.model, **r.metrics}
        for r in results
        if r.error is None
    ]
    frame = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
    return frame.astype({"folds": int}) if len(frame) else frame
