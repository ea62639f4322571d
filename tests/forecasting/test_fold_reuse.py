"""Back-test folds reuse the first fold's fitted parameters; the final fit is a real fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import SeriesModelTask, fold_cutoffs, run_series_model
from forecasting.holidays import make_holidays_frame
from forecasting.models import make_forecaster
from tests.forecasting.conftest import make_series

STATSFORECAST_MODELS = ("autoets", "autotheta", "mstl", "autoarima")


def _count_searches(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the statsforecast model searches (``fit``) made in this process, by class."""
    import statsforecast.models as sm

    calls: dict[str, int] = {}
    for cls in (sm.AutoETS, sm.AutoTheta, sm.MSTL, sm.AutoARIMA):
        original = cls.fit

        def counted(self, *args, _original=original, _name=cls.__name__, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "fit", counted)
    return calls


@pytest.mark.parametrize("name", STATSFORECAST_MODELS)
def test_three_folds_and_a_final_forecast_cost_two_searches(name, monkeypatch):
    hist = make_series(days=160, seed=4)
    assert len(fold_cutoffs(hist["ds"], 28, 3)) == 3
    calls = _count_searches(monkeypatch)
    result = run_series_model(SeriesModelTask("AR/phone", name, hist, 28, 3))
    assert result.error is None
    assert result.fits == 2  # the first fold's and the final fit; folds 2 and 3 roll forward
    # AutoTheta tries three variants on the first fold and, on the final history, the one the
    # first fold chose; MSTL fits its trend model inside its own fit
    searches = {"autoets": "AutoETS", "autotheta": "AutoTheta", "mstl": "MSTL"}
    if name in searches:
        assert calls[searches[name]] == (3 + 1 if name == "autotheta" else 2)
    else:
        assert calls["AutoARIMA"] == 2
    assert result.backtest["cutoff"].nunique() == 3
    assert np.isfinite(result.backtest["forecast"]).all()


def test_a_model_without_parameters_to_carry_fits_every_fold():
    hist = make_series(days=160, seed=4)
    result = run_series_model(SeriesModelTask("AR/phone", "seasonal_naive", hist, 28, 3))
    assert result.fits == 4


def test_reused_parameters_are_run_over_the_longer_history():
    hist = make_series(days=160, seed=5)
    short = hist.iloc[:104]
    first = make_forecaster("autoets").fit(short)
    rolled = make_forecaster("autoets").fit(hist.iloc[:132], parameters_from=first)
    fresh = make_forecaster("autoets").fit(hist.iloc[:132])
    assert rolled.parameters_reused_ and not fresh.parameters_reused_
    assert rolled.model_.model_["par"] is first.model_.model_["par"]
    fc = rolled.predict(28)
    # the forecast starts after the longer history, from its own last states
    assert fc["ds"].iloc[0] == hist["ds"].iloc[132]
    assert not np.allclose(fc["forecast"], first.predict(28)["forecast"])
    np.testing.assert_allclose(fc["forecast"], fresh.predict(28)["forecast"], rtol=0.15)


@pytest.mark.parametrize("name", ["autoets", "autotheta", "mstl"])
def test_the_final_fit_searches_only_the_form_the_first_fold_chose(name):
    hist = make_series(days=200, seed=9)
    first = make_forecaster(name).fit(hist.iloc[:120])
    final = make_forecaster(name).fit(hist, search_from=first)
    full = make_forecaster(name).fit(hist)
    assert final.search_narrowed_ and not full.search_narrowed_
    assert not final.parameters_reused_  # a real fit: its own parameters
    if name == "autoets":
        chosen = first.model_.model_["components"]
        assert final.model_.model_["components"] == chosen
        assert final.model_.model_["par"] is not first.model_.model_["par"]
    elif name == "autotheta":
        assert final.model_.model == first.model_.model
    else:
        trend = first.model_.trend_forecaster.model_["components"]
        assert final.model_.trend_forecaster.model_["components"] == trend
    fc = final.predict(28)
    assert np.isfinite(fc["forecast"]).all() and (fc["forecast"] >= 0).all()


def test_a_search_is_not_narrowed_across_a_changed_calendar():
    hist = make_series(days=200, seed=9)
    first = make_forecaster("autoets").fit(hist.iloc[:120])
    shut = hist.loc[hist["ds"].dt.day_of_week != 6].reset_index(drop=True)  # Sundays closed
    assert not make_forecaster("autoets").fit(shut, search_from=first).search_narrowed_
    naive = make_forecaster("seasonal_naive").fit(hist.iloc[:120])
    assert not make_forecaster("seasonal_naive").fit(hist, search_from=naive).search_narrowed_


def test_a_changed_calendar_or_season_set_fits_afresh():
    hist = make_series(days=160, seed=6)
    first = make_forecaster("autoets").fit(hist.iloc[:104])
    shut = hist.loc[hist["ds"].dt.day_of_week != 6].reset_index(drop=True)  # Sundays closed
    again = make_forecaster("autoets").fit(shut, parameters_from=first)
    assert not again.parameters_reused_
    long = make_series(days=2 * 365 + 30, seed=7)
    weekly_only = make_forecaster("mstl").fit(long.iloc[:400])
    yearly_too = make_forecaster("mstl").fit(long, parameters_from=weekly_only)
    assert not yearly_too.parameters_reused_
    assert list(yearly_too.model_.season_length) == [7, 365]


def test_autoarima_rolls_its_holiday_regressor_forward():
    hist = make_series("DE/phone", days=220, seed=8)
    hf = make_holidays_frame(["DE"], hist["ds"].min(), hist["ds"].max() + pd.Timedelta(days=60))
    first = make_forecaster("autoarima", holidays=hf).fit(hist.iloc[:150])
    rolled = make_forecaster("autoarima", holidays=hf).fit(hist, parameters_from=first)
    assert rolled.parameters_reused_
    assert rolled.coef_.equals(first.coef_)
    fc = rolled.predict(28)
    assert np.isfinite(fc["forecast"]).all() and (fc["forecast"] >= 0).all()


def test_a_fold_whose_reused_parameters_fail_is_refitted(monkeypatch):
    import statsforecast.models as sm

    def broken(self, *args, **kwargs):
        raise ValueError("cannot roll forward")

    monkeypatch.setattr(sm.AutoETS, "forward", broken)
    hist = make_series(days=160, seed=4)
    result = run_series_model(SeriesModelTask("AR/phone", "autoets", hist, 28, 3))
    assert result.error is None
    assert result.fits == 4  # every fold a real fit, as before the reuse
    assert result.backtest["cutoff"].nunique() == 3


def test_the_run_reports_the_model_searches_of_every_series():
    import concurrent.futures as cf

    from forecasting.pipeline import run_forecast

    hist = pd.concat(
        [make_series("AR/phone", days=160, seed=4), make_series("AR/chat", days=160, seed=6)],
        ignore_index=True,
    )
    attrs = pd.DataFrame(
        {"unique_id": ["AR/phone", "AR/chat"], "country": "AR", "channel": ["phone", "chat"]}
    )
    with cf.ThreadPoolExecutor(1) as pool:
        run = run_forecast(
            hist, attrs, 28, executor=pool, folds=3, models=["seasonal_naive", "autoets"]
        )
    fits = run.fits.set_index(["unique_id", "model"])["fits"].to_dict()
    # the naive model estimates on every fold and the final history; AutoETS searches on the
    # first fold and the final history only
    assert fits == {
        ("AR/chat", "autoets"): 2,
        ("AR/chat", "seasonal_naive"): 4,
        ("AR/phone", "autoets"): 2,
        ("AR/phone", "seasonal_naive"): 4,
    }
    assert run.fits_per_series().to_dict() == {"AR/chat": 6, "AR/phone": 6}


def test_autoets_searches_the_last_year_of_open_days():
    hist = make_series(days=500, seed=10)
    fitted = make_forecaster("autoets").fit(hist)
    assert len(fitted.model_.model_["fitted"]) == 371
    short = make_forecaster("autoets").fit(hist.iloc[:200])
    assert len(short.model_.model_["fitted"]) == 200
    # the last year's parameters still roll forward over a longer history
    rolled = make_forecaster("autoets").fit(hist.iloc[:450], parameters_from=fitted)
    assert rolled.parameters_reused_
    assert np.isfinite(rolled.predict(28)["forecast"]).all()
