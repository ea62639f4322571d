"""run_forecast at scale: the same forecasts from the run-wide shortcuts, and quiet thread pools."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import warnings

import pandas as pd
import pytest

import forecasting.pipeline as pipeline
from forecasting.backtest import quiet_fitting
from forecasting.holidays import holidays_in_range
from tests.forecasting.conftest import make_series

UIDS = ["AR/voice", "AR/chat", "HU/voice", "HU/chat"]

#: Sums over the 14 forecast days of ``forecast`` and ``forecast_upper_95`` per series and model,
#: recorded from the pipeline before it grouped the frame once, cached holiday frames per (country,
#: span) and looked its tables up per series (commit "forecasting: the run's serial work linear"),
#: then again when the back-test's later folds began to reuse the first fold's parameters: the
#: models' point forecasts (a real final fit) stayed equal, their conformal bands (made from the
#: back-test's errors) and the combination's weights moved by under 0.2%; and when MSTL's trend
#: model searched additive errors only (its back-test folds, so its bands, moved by under 0.01%);
#: and when the final fit began to search only the form the first fold chose (AutoTheta's
#: variant, MSTL's trend): AutoTheta's final forecasts of AR/voice, HU/chat and HU/voice moved by
#: 0.005-0.02% (the first fold's variant, not the one the full history would pick), the
#: combinations by half that, MSTL's and the weights not at all.
EXPECTED_SUMS = {
    ("AR/chat", "autotheta"): (898.589933, 1001.76244),
    ("AR/chat", "combination"): (899.050474, 995.746651),
    ("AR/chat", "mstl"): (899.522856, 989.564893),
    ("AR/chat", "seasonal_naive"): (912.0, 1048.71621),
    ("AR/voice", "autotheta"): (2417.886999, 2675.319861),
    ("AR/voice", "combination"): (2415.026716, 2684.954433),
    ("AR/voice", "mstl"): (2412.018954, 2695.243484),
    ("AR/voice", "seasonal_naive"): (2428.0, 2749.181453),
    ("HU/chat", "autotheta"): (716.86548, 806.834321),
    ("HU/chat", "combination"): (719.127647, 805.072286),
    ("HU/chat", "mstl"): (721.396351, 806.250188),
    ("HU/chat", "seasonal_naive"): (720.0, 800.676385),
    ("HU/voice", "autotheta"): (1837.144853, 2060.051444),
    ("HU/voice", "combination"): (1831.697402, 2031.785953),
    ("HU/voice", "mstl"): (1826.464356, 2014.414595),
    ("HU/voice", "seasonal_naive"): (1816.0, 2059.476834),
}
EXPECTED_WEIGHTS = [
    ["AR/chat", "autotheta", 0.506346158],
    ["AR/chat", "mstl", 0.493653842],
    ["AR/voice", "autotheta", 0.512566341],
    ["AR/voice", "mstl", 0.487433659],
    ["HU/chat", "autotheta", 0.500721393],
    ["HU/chat", "mstl", 0.499278607],
    ["HU/voice", "mstl", 0.510037227],
    ["HU/voice", "autotheta", 0.489962773],
]
HU_AHEAD = [
    ("Day off (substituted)", "2024-12-24"),
    ("Christmas Day", "2024-12-25"),
    ("Second Day of Christmas", "2024-12-26"),
    ("Day off (substituted)", "2024-12-27"),
    ("New Year's Day", "2025-01-01"),
]


def _inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two AR series on one span (one closed on every holiday), two HU series on two spans."""
    parts = [
        make_series("AR/voice", start="2024-08-01", days=142, seed=11),
        make_series("AR/chat", start="2024-08-01", days=142, level=90.0, seed=12),
        make_series("HU/voice", start="2024-08-01", days=142, level=150.0, seed=13),
        make_series("HU/chat", start="2024-09-02", days=110, level=60.0, seed=14),
    ]
    shut = holidays_in_range(["AR"], "2024-08-01", "2024-12-20")["date"]
    parts[1] = parts[1].loc[~parts[1]["ds"].isin(shut)]
    attrs = pd.DataFrame(
        {
            "unique_id": UIDS,
            "country": ["AR", "AR", "HU", "HU"],
            "channel": ["voice", "chat", "voice", "chat"],
        }
    )
    return pd.concat(parts, ignore_index=True), attrs


@pytest.fixture(scope="module")
def counted_run():
    hist, attrs = _inputs()
    spans = []
    real = pipeline.make_holidays_frame

    def counting(countries, start, end, **kwargs):
        spans.append((tuple(countries), pd.Timestamp(start), pd.Timestamp(end)))
        return real(countries, start, end, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "make_holidays_frame", counting)
        with cf.ThreadPoolExecutor(1) as pool:
            run = pipeline.run_forecast(
                hist,
                attrs,
                14,
                executor=pool,
                folds=2,
                models=["seasonal_naive", "autotheta", "mstl"],
            )
    return run, spans


def test_many_series_shortcuts_give_the_recorded_forecasts(counted_run):
    run, _ = counted_run
    f = run.all_forecasts
    sums = f.groupby(["unique_id", "model"])[["forecast", "forecast_upper_95"]].sum().round(6)
    got = {key: tuple(v) for key, v in zip(sums.index, sums.to_numpy().tolist(), strict=True)}
    assert got == EXPECTED_SUMS
    assert run.weights.round(9).to_numpy().tolist() == EXPECTED_WEIGHTS
    # closed on every holiday it saw: forecast closed on Christmas and New Year, and only it
    zero = f.loc[f["forecast"] == 0]
    assert set(zero["unique_id"]) == {"AR/chat"}
    assert sorted(str(d.date()) for d in zero["ds"].unique()) == ["2024-12-25", "2025-01-01"]
    assert [n.code for n in run.notes].count("closed_holidays") == 1
    drivers = [
        (d.values["series"], d.values["holiday"], str(d.values["date"])[:10]) for d in run.drivers
    ]
    assert drivers == [
        ("AR/chat", "Christmas Day", "2024-12-25"),
        ("AR/chat", "New Year's Day", "2025-01-01"),
        ("AR/voice", "Christmas Day", "2024-12-25"),
        ("AR/voice", "New Year's Day", "2025-01-01"),
        *(("HU/chat", *h) for h in HU_AHEAD),
        *(("HU/voice", *h) for h in HU_AHEAD),
    ]
    assert run.picks["model"].tolist() == ["combination"] * 4


def test_one_holidays_frame_per_country_and_span(counted_run):
    _, spans = counted_run
    # AR's two series share a span; HU's two have their own
    assert len(spans) == 3
    assert sorted(c for c, _, _ in spans) == [("AR",), ("HU",), ("HU",)]


def test_thread_pool_jobs_leave_the_callers_warning_filters_alone():
    hist, attrs = _inputs()
    hist = hist.loc[hist["unique_id"].isin(["AR/voice", "HU/voice"])]
    before = list(warnings.filters)
    for _ in range(2):
        with cf.ThreadPoolExecutor(2) as pool:
            pipeline.run_forecast(
                hist, attrs, 14, executor=pool, folds=1, models=["seasonal_naive", "autotheta"]
            )
    assert warnings.filters == before


def test_quiet_fitting_holds_while_any_job_runs():
    """Job A starts, job B starts, A ends (restoring its own filters), then B warns."""
    a_in, b_in, a_out, b_warned = (threading.Event() for _ in range(4))
    before = list(warnings.filters)

    def job_a():
        with quiet_fitting(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def job_b():
        a_in.wait(5)
        with quiet_fitting(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b_in.set()
            a_out.wait(5)
            warnings.warn_explicit(
                "did not converge", RuntimeWarning, "statsforecast/ets.py", 1, "statsforecast.ets"
            )
        b_warned.set()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outer = list(warnings.filters)
        threads = [threading.Thread(target=job_a), threading.Thread(target=job_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert b_warned.is_set()
        assert warnings.filters == outer, "the caller's filters are back as they were"
        warnings.warn("the caller's own warning still shows", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["the caller's own warning still shows"]
    assert warnings.filters == before


def test_fitting_jobs_run_one_blas_thread_and_find_the_libraries_once(monkeypatch):
    from threadpoolctl import threadpool_info

    from forecasting import backtest

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with backtest.fitting_threads():
        inside = [p["num_threads"] for p in threadpool_info()]
        first = backtest._thread_controller()
    with backtest.fitting_threads():
        again = backtest._thread_controller()
    assert inside and set(inside) == {1}
    assert again is first  # no import in between: the libraries are not looked up again
