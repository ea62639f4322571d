"""The forecast workflow: the back-test policy stated once, the baseline saved once."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.config import Settings
from data.forecast_runs import list_runs, load_run
from data.store import open_store
from services.forecasts import (
    BASELINE_HORIZON_DAYS,
    SYSTEM,
    ClusterUnavailableError,
    backtest_models,
    ensure_baseline_forecast,
    forecast_frames,
)

LAST_DAY = dt.date(2026, 11, 30)


@pytest.fixture
def store(tmp_path):
    """A database holding 16 weeks of AR voice contacts with a weekly shape."""
    days = pd.date_range(end=LAST_DAY, periods=112, freq="D")
    rng = np.random.default_rng(7)
    weekly = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])
    contacts = np.round(300 * weekly[days.day_of_week] * rng.normal(1, 0.05, len(days)))
    path = tmp_path / "contacts.csv"
    pd.DataFrame(
        {"country": "AR", "date": days.strftime("%Y-%m-%d"), "contacts": contacts.astype(int)}
    ).to_csv(path, index=False)
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    _, result = store.import_file("contacts", path)
    assert result is not None
    return store


def test_auto_back_tests_every_model_and_a_fixed_model_only_against_the_naive():
    assert backtest_models("auto") is None
    assert backtest_models("ets") == ["ets", "seasonal_naive"]
    assert backtest_models("seasonal_naive") == ["seasonal_naive"]


def test_a_fixed_model_run_forecasts_after_the_history_with_the_benchmark_beside_it(store):
    with cf.ThreadPoolExecutor(1) as pool:
        result = forecast_frames(
            store.load("contacts"), 14, traffic=store.load("traffic"), model="ets", executor=pool
        )
    assert set(result.run.metrics["model"]) == {"ets", "seasonal_naive"}
    days = result.daily["date"].dt.date
    assert days.min() == LAST_DAY + dt.timedelta(days=1) and days.nunique() == 14
    assert (result.daily["model"] == "ets").all()
    assert (result.daily["forecast_lower"] <= result.daily["forecast"]).all()


def test_the_baseline_is_saved_once_with_the_history_it_was_made_from(store):
    with cf.ThreadPoolExecutor(1) as pool:
        run_id = ensure_baseline_forecast(store, executor=pool)
        assert isinstance(run_id, int)
        assert ensure_baseline_forecast(store, executor=pool) is None  # a run is saved already
    runs = list_runs(store, SYSTEM)
    assert list(runs["id"]) == [run_id]
    run = load_run(store, SYSTEM, run_id)
    assert run.info.history_end == LAST_DAY
    assert run.info.horizon_days == BASELINE_HORIZON_DAYS


def test_no_contacts_no_baseline(tmp_path):
    empty = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"))
    assert ensure_baseline_forecast(empty) is None
    assert list_runs(empty, SYSTEM).empty


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_forecast_as_the_local_pool(store):
    distributed = pytest.importorskip("distributed")
    contacts, traffic = store.load("contacts"), store.load("traffic")
    with cf.ThreadPoolExecutor(2) as pool:
        local = forecast_frames(contacts, 14, traffic=traffic, model="auto", executor=pool)
    # real worker processes, as on a cluster of machines, on loopback
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = forecast_frames(
            contacts, 14, traffic=traffic, model="auto", scheduler=cluster.scheduler_address
        )
    pd.testing.assert_frame_equal(remote.daily, local.daily)
    pd.testing.assert_frame_equal(
        remote.run.metrics.drop(columns="seconds"), local.run.metrics.drop(columns="seconds")
    )


def test_an_address_where_no_scheduler_answers_is_named(store, monkeypatch):
    monkeypatch.setattr("services.forecasts.CONNECT_TIMEOUT_SECONDS", 1)
    with pytest.raises(
        ClusterUnavailableError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"
    ):
        forecast_frames(store.load("contacts"), 7, scheduler="tcp://127.0.0.1:9")
