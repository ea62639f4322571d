"""Forecast runs as one workflow: which models a run back-tests, how it runs, and saving it.

The CLI (``crewcast forecast``), the Forecast page, the Staffing and Schedule pages (through
``services.planning``), the first start's baseline and the benchmarks all forecast through
:func:`forecast_frames`, so the back-test policy is stated once.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from data.access import Principal, Role
from data.forecast_runs import list_runs, save_run
from data.store import Store
from forecasting.pipeline import ProgressCallback
from forecasting.service import ContactForecast, forecast_contacts
from forecasting.traffic import TrafficScenario

AUTO = "auto"
"""The model choice that lets the back-test decide per series."""
BENCHMARK_MODEL = "seasonal_naive"
"""Back-tested beside any model a user fixes: the yardstick every forecast is read against."""

#: Who saves the baseline (the audit log and the run list name it).
SYSTEM = Principal("crewcast", Role.PLANNER, "Crewcast (first start)")
#: The baseline's days: the overview's 8 weeks, plus two for a start later in the week.
BASELINE_HORIZON_DAYS = 70
#: Regression with holiday and traffic regressors: learns each holiday's effect, fits in seconds.
BASELINE_MODEL = "regression"


#: The Dask scheduler the dashboard's forecasts run on (``tcp://host:8786``); unset: this machine.
SCHEDULER_ENV = "CREWCAST_DASK_SCHEDULER"
#: Seconds to wait for a scheduler to answer before saying it does not.
CONNECT_TIMEOUT_SECONDS = 10


class ClusterUnavailableError(ValueError):
    """No Dask scheduler answers at the address given."""


def configured_scheduler() -> str | None:
    """The scheduler address set for the dashboard (:data:`SCHEDULER_ENV`), or None."""
    return os.environ.get(SCHEDULER_ENV, "").strip() or None


@contextmanager
def cluster_executor(scheduler: str | None) -> Iterator[cf.Executor | None]:
    """A ``concurrent.futures`` executor on the Dask cluster at ``scheduler`` while the block
    runs, or None without an address (the caller's own pool then runs the jobs).

    The forecasting jobs are plain picklable functions over frames, so Dask's executor runs
    them unchanged: the same forecasts as the local pool, spread over the cluster's workers
    (each worker needs Crewcast installed, ``pip install .``).

    Raises
    ------
    ClusterUnavailableError
        Nothing answers at ``scheduler`` within :data:`CONNECT_TIMEOUT_SECONDS`.
    """
    if not scheduler:
        yield None
        return
    from distributed import Client  # imported only when a cluster is asked for

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailableError(
            f"no Dask scheduler answers at {scheduler} (waited {CONNECT_TIMEOUT_SECONDS} s): "
            "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or leave "
            "the address out to run on this machine"
        ) from exc
    with client:
        yield client.get_executor()


def backtest_models(model: str) -> list[str] | None:
    """The models a run back-tests for a model choice.

    ``"auto"`` back-tests every model that suits each history (``None``: the pipeline's
    default set). A fixed model is back-tested against the weekly seasonal naive only: the
    benchmark stays in the table and nobody waits for models that will not be used.
    """
    if model == AUTO:
        return None
    return list(dict.fromkeys([model, BENCHMARK_MODEL]))


def forecast_frames(
    contacts: pd.DataFrame,
    horizon_days: int,
    *,
    traffic: pd.DataFrame | None = None,
    model: str = AUTO,
    countries: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    interval_minutes: int | None = None,
    scenarios: Sequence[TrafficScenario] = (),
    executor: cf.Executor | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> ContactForecast:
    """Forecast the days after the history for each (country, channel), with the back-test
    policy of :func:`backtest_models`.

    Parameters
    ----------
    contacts, traffic : DataFrame
        The data layer's frames (``Store.load("contacts")``, ``Store.load("traffic")``); an
        empty traffic frame is the same as none.
    horizon_days : int
        Days to forecast after the last day of history.
    model : str
        ``"auto"`` or a model name the forecasting package knows.
    executor : Executor, optional
        Runs the fitting jobs (a thread pool in the pages, a Dask client's executor on a
        cluster); without one, the forecasting package's default process pool.
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``): the jobs run on that cluster
        instead of ``executor`` (:func:`cluster_executor`).
    """
    with cluster_executor(scheduler) as cluster:
        return forecast_contacts(
            contacts,
            horizon_days,
            traffic=traffic if traffic is not None and not traffic.empty else None,
            countries=list(countries) if countries else None,
            channels=list(channels) if channels else None,
            model=model,
            models=backtest_models(model),
            interval_minutes=interval_minutes,
            scenarios=list(scenarios),
            executor=cluster or executor,
            progress=progress,
        )


def save_forecast(
    store: Store,
    viewer: Principal,
    result: ContactForecast,
    *,
    name: str,
    model: str,
    horizon_days: int,
    history_start: dt.date,
    settings: dict[str, Any] | None = None,
) -> int:
    """Save a run (every model's forecast, the back-test, picks, notes and drivers) in one
    transaction, audited under ``viewer``; returns its id. The history ends the day before the
    forecast's first day."""
    return save_run(
        store,
        viewer,
        name=name,
        horizon_days=horizon_days,
        model=model,
        history_start=history_start,
        history_end=result.daily["date"].min().date() - dt.timedelta(days=1),
        settings=settings,
        **result.saved_layout(),
    )


def ensure_baseline_forecast(store: Store, executor: cf.Executor | None = None) -> int | None:
    """Forecast every queue and save the run so the Overview has something to show at once,
    unless a run is saved already (or there are no contacts); returns the new run's id."""
    if len(list_runs(store, SYSTEM)):
        return None
    contacts = store.load("contacts")
    if contacts.empty:
        return None
    result = forecast_frames(
        contacts,
        BASELINE_HORIZON_DAYS,
        traffic=store.load("traffic"),
        model=BASELINE_MODEL,
        executor=executor,
    )
    return save_forecast(
        store,
        SYSTEM,
        result,
        name=f"Baseline at first start, {dt.date.today():%d %b %Y}",
        model=BASELINE_MODEL,
        horizon_days=BASELINE_HORIZON_DAYS,
        history_start=contacts["ds"].min().date(),
        settings={
            "horizon_days": BASELINE_HORIZON_DAYS,
            "model": BASELINE_MODEL,
            "made_by": "first start",
        },
    )
