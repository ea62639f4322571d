"""Forecasters behind one interface: ``fit(df) -> self``, ``predict(h, future_regressors) -> frame``.

Every forecaster takes one series ``unique_id, ds, y`` (daily, naive local dates, sorted) plus
optional regressor columns it was told about, and returns the package's forecast frame
``unique_id, ds, model, forecast, forecast_lower, forecast_upper, forecast_lower_95, forecast_upper_95`` with one row per
calendar day of the horizon. Closed weekdays (a weekday on which the series (almost) never has
contacts, e.g. a bank's weekend) are left out of fitting and forecast as zero.

Fitted state lives in attributes ending in ``_``; ``predict`` before ``fit`` raises
:class:`~forecasting.errors.NotFittedError`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from contracts.checks import check_int, require_columns
from forecasting.errors import ForecastInputError, NotFittedError
from forecasting.frames import (
    FORECAST_COLUMNS,
    YEAR_HISTORY_DAYS,
    check_history_length,
    validate_history,
)
from forecasting.holiday_effects import HolidayEffects, estimate_holiday_effects

logger = logging.getLogger(__name__)

#: A weekday counts as open when it has contacts on at least this share of its dates.
OPEN_WEEKDAY_SHARE = 0.3
_Z80 = float(stats.norm.ppf(0.9))
_Z95 = float(stats.norm.ppf(0.975))


def open_weekdays(ds: pd.Series, y: np.ndarray) -> frozenset[int]:
    """Weekdays (Monday = 0) on which a series is open: contacts on >= 30% of that weekday's dates.

    Parameters
    ----------
    ds : pandas.Series
        Dates present in the history (days without a row count as closed).
    y : numpy.ndarray
        Contacts per day, aligned with ``ds``.
    """
    calendar = pd.date_range(ds.min(), ds.max(), freq="D")
    possible = np.bincount(calendar.day_of_week, minlength=7)
    present = np.bincount(pd.DatetimeIndex(ds).day_of_week[np.asarray(y) > 0], minlength=7)
    share = np.divide(present, possible, out=np.zeros(7), where=possible > 0)
    return frozenset(int(d) for d in np.flatnonzero(share >= OPEN_WEEKDAY_SHARE))


def yearly_fourier(ds: pd.DatetimeIndex, order: int = 4) -> pd.DataFrame:
    """Yearly Fourier terms ``sin/cos(2 pi k t / 365.25)`` for ``k = 1..order`` (t in days)."""
    t = (ds - pd.Timestamp("2000-01-01")).days.to_numpy(dtype=float)
    k = np.arange(1, order + 1)
    angle = 2.0 * np.pi * np.outer(t, k) / 365.25
    data = np.hstack([np.sin(angle), np.cos(angle)])
    names = [f"yearly_sin{i}" for i in k] + [f"yearly_cos{i}" for i in k]
    return pd.DataFrame(data, columns=names)


class Forecaster:
    """Base class: validation, open-day calendar, regressors and the output frame.

    Parameters
    ----------
    regressors : sequence of str
        Names of extra numeric columns in the fit frame (and in ``future_regressors``) to use,
        e.g. ``("traffic",)``. Only models with ``supports_regressors`` use them.
    """

    name: ClassVar[str] = "base"
    #: Whether ``fit(search_from=...)`` narrows the model search to the form chosen before.
    narrows_search: ClassVar[bool] = False
    supports_holidays: ClassVar[bool] = False
    supports_regressors: ClassVar[bool] = False
    needs_year: ClassVar[bool] = False
    #: How holiday effects enter: ``"adjust"`` (the series is divided by them before fitting
    #: and the forecast multiplied back) or ``"exog"`` (one regressor, the model weighs it).
    holiday_mode: ClassVar[str] = "adjust"

    def __init__(
        self,
        regressors: Sequence[str] = (),
        holidays: pd.DataFrame | None = None,
        holiday_effects: HolidayEffects | None = None,
    ) -> None:
        self.regressors = tuple(regressors)
        self.holidays = holidays
        self.holiday_effects = holiday_effects

    # -- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        df: pd.DataFrame,
        *,
        parameters_from: Forecaster | None = None,
        search_from: Forecaster | None = None,
        validated: bool = False,
    ) -> Forecaster:
        """Fit on one series ``unique_id, ds, y`` (+ regressor columns); return ``self``.

        Parameters
        ----------
        df : pandas.DataFrame
            The history.
        parameters_from : Forecaster, optional
            A fitted forecaster of the same model (e.g. on a shorter history of the series):
            its estimated parameters are kept and only run over ``df`` (statsforecast's
            ``forward``: no model search, no re-estimation), which is how a back-test's later
            folds reuse the first fold's fit. Models with nothing to carry over, or whose
            calendar (open weekdays, seasons) differs between the two histories, fit afresh;
            ``parameters_reused_`` says which happened.
        search_from : Forecaster, optional
            A fitted forecaster of the same model on a shorter history of the series (e.g. a
            back-test's first fold): the model search tries only the form that one chose
            (:attr:`narrows_search`: AutoETS's trend and damping, AutoTheta's variant, MSTL's
            trend model) and estimates its parameters afresh on ``df``; ``search_narrowed_``
            says whether it did. Models without a search, or whose calendar differs between
            the two histories, search in full.
        validated : bool
            The caller has already checked ``df`` as one series of at least 28 days
            (:func:`~forecasting.frames.validate_history` and
            :func:`~forecasting.frames.check_history_length`, e.g. on the whole history a
            back-test's folds are slices of): the checks are not made again.

        Raises
        ------
        ForecastInputError
            Malformed history (NaN, negative, duplicate or unsorted ``ds``, several series,
            missing regressor column or values).
        InsufficientHistoryError
            Fewer than 28 days of history.
        """
        if validated:
            ids = df["unique_id"].iloc[:1].to_numpy()
        else:
            validate_history(df, what=f"{self.name}.fit")
            ids = df["unique_id"].unique()
            if len(ids) != 1:
                raise ForecastInputError(
                    f"{self.name}.fit takes one series, got {len(ids)}: {ids[:5]}"
                )
            check_history_length(df)
        require_columns(df, self.regressors, f"{self.name}.fit", error=ForecastInputError)
        self.unique_id_ = ids[0]
        ds = df["ds"].dt.normalize()
        y = df["y"].to_numpy(dtype=float)
        self.open_weekdays_ = open_weekdays(ds, y)
        if not self.open_weekdays_:
            raise ForecastInputError(f"{self.name}.fit: series {ids[0]!r} has no open weekday")
        grid = pd.date_range(ds.min(), ds.max(), freq="D")
        grid = grid[grid.day_of_week.isin(sorted(self.open_weekdays_))]
        series = pd.Series(y, index=pd.DatetimeIndex(ds)).reindex(grid)
        self.missing_ = series.isna().to_numpy()
        self.season_length_ = len(self.open_weekdays_)
        s = self.season_length_
        filled = (
            series.fillna(series.shift(s)).fillna(series.shift(-s)).interpolate().bfill().ffill()
        )
        self.ds_ = grid
        self.y_ = filled.to_numpy(dtype=float)
        self.span_days_ = int((ds.max() - ds.min()).days) + 1
        self.last_ds_ = ds.max()
        exog = pd.DataFrame(index=pd.RangeIndex(len(grid)))
        for r in self.regressors:
            values = pd.to_numeric(df[r], errors="coerce")
            if values.isna().any():
                raise ForecastInputError(f"{self.name}.fit: regressor {r!r} has NaN values")
            exog[r] = (
                pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(ds))
                .reindex(grid)
                .interpolate()
                .bfill()
                .ffill()
                .to_numpy()
            )
        self.exog_ = exog
        self._set_holiday_effects(ds, y)
        self.parameters_reused_ = parameters_from is not None and self._reuse_parameters(
            parameters_from
        )
        self.search_narrowed_ = False
        if not self.parameters_reused_:
            self.search_narrowed_ = (
                search_from is not None
                and self.narrows_search
                and type(search_from) is type(self)
                and getattr(search_from, "is_fitted_", False)
                and search_from.open_weekdays_ == self.open_weekdays_
                and self._narrow_search(search_from)
            )
            self._fit()
        self.is_fitted_ = True
        return self

    def _reuse_parameters(self, fitted: Forecaster) -> bool:
        """Take ``fitted``'s parameters for this history; False = nothing to reuse (fit afresh)."""
        return False

    def _narrow_search(self, fitted: Forecaster) -> bool:
        """Search only the form ``fitted`` (same model and calendar) chose; False = search all."""
        return False

    def _set_holiday_effects(self, ds: pd.Series, y: np.ndarray) -> None:
        """Pooled holiday effects (given, or estimated from this history) and the fit offsets."""
        effects = None
        if self.supports_holidays:
            effects = self.holiday_effects
            if effects is None and self.holidays is not None and len(self.holidays):
                effects = estimate_holiday_effects(ds, y, self.holidays)
        self.pooled_effects_ = effects
        self.holiday_effects_ = None if effects is None else effects.effects
        offset = np.zeros(len(self.ds_)) if effects is None else effects.offsets(self.ds_)
        # an imputed (closed) day carries no holiday effect: its value is a neighbour's
        offset[self.missing_] = 0.0
        self.offset_ = offset
        if self.holiday_mode == "adjust" and offset.any():
            self.y_ = np.expm1(np.log1p(self.y_) - offset)

    def _future_offset(self, future_ds: pd.DatetimeIndex) -> np.ndarray:
        effects = getattr(self, "pooled_effects_", None)
        return np.zeros(len(future_ds)) if effects is None else effects.offsets(future_ds)

    def _fit(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- prediction --------------------------------------------------------------------------
    def predict(self, h: int, future_regressors: pd.DataFrame | None = None) -> pd.DataFrame:
        """Forecast the ``h`` calendar days after the last history date.

        Parameters
        ----------
        h : int
            Horizon in days (>= 1).
        future_regressors : pandas.DataFrame, optional
            ``ds`` plus every regressor column, covering the horizon's open days
            (e.g. forecast traffic; never the actual future traffic in a back-test).

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, model, forecast, forecast_lower, forecast_upper, forecast_lower_95, forecast_upper_95``
            (contacts per day), ``h`` rows, all >= 0 and ``lo_95 <= lo_80 <= forecast <= hi_80 <=
            hi_95``; zero on closed weekdays.
        """
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(df) first")
        check_int(f"{self.name}.predict: h", h, minimum=1, error=ForecastInputError)
        days = pd.date_range(self.last_ds_ + pd.Timedelta(days=1), periods=int(h), freq="D")
        is_open = days.day_of_week.isin(sorted(self.open_weekdays_))
        future_ds = days[is_open]
        future_exog = self._future_exog(future_ds, future_regressors)
        out = np.zeros((int(h), 5))
        if len(future_ds):
            mean, lo80, hi80, lo95, hi95 = self._forecast(future_ds, future_exog)
            values = np.column_stack([mean, lo80, hi80, lo95, hi95])
            if self.holiday_mode == "adjust":
                offset = self._future_offset(future_ds)[:, None]
                values = np.expm1(np.log1p(np.clip(np.nan_to_num(values), 0.0, None)) + offset)
            out[is_open] = values
        out = _tidy_bounds(out)
        # one frame built at once (three column inserts cost more than the fit of a naive model)
        return pd.DataFrame(
            {
                "unique_id": self.unique_id_,
                "ds": days,
                "model": self.name,
                **{c: out[:, i] for i, c in enumerate(FORECAST_COLUMNS[3:])},
            },
            columns=list(FORECAST_COLUMNS),
        )

    def _future_exog(
        self, future_ds: pd.DatetimeIndex, future: pd.DataFrame | None
    ) -> pd.DataFrame:
        exog = pd.DataFrame(index=pd.RangeIndex(len(future_ds)))
        if not self.regressors:
            return exog
        if future is None:
            raise ForecastInputError(
                f"{self.name}.predict: future values of {list(self.regressors)} are needed "
                "(forecast them or give a scenario)"
            )
        f = future.assign(ds=pd.to_datetime(future["ds"]).dt.normalize()).set_index("ds")
        for r in self.regressors:
            if r not in f.columns:
                raise ForecastInputError(f"{self.name}.predict: future_regressors lacks {r!r}")
            values = f[r].reindex(future_ds)
            if values.isna().any():
                gap = future_ds[values.isna().to_numpy()][0]
                raise ForecastInputError(
                    f"{self.name}.predict: future regressor {r!r} has no value on {gap.date()}"
                )
            exog[r] = values.to_numpy(dtype=float)
        return exog

    def _forecast(
        self, future_ds: pd.DatetimeIndex, future_exog: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(regressors={self.regressors!r})"


def _tidy_bounds(values: np.ndarray) -> np.ndarray:
    """Clip at zero (contacts can't be negative) and enforce lo95 <= lo80 <= forecast <= hi80 <= hi95."""
    v = np.where(np.isfinite(values), values, 0.0).clip(min=0.0)
    mean, lo80, hi80, lo95, hi95 = v.T
    lo80 = np.minimum(lo80, mean)
    hi80 = np.maximum(hi80, mean)
    lo95 = np.minimum(lo95, lo80)
    hi95 = np.maximum(hi95, hi80)
    return np.column_stack([mean, lo80, hi80, lo95, hi95])


class SeasonalNaive(Forecaster):
    """Repeat the last week; intervals from in-sample week-on-week errors, widening with sqrt(weeks)."""

    name = "seasonal_naive"

    def __init__(self) -> None:
        super().__init__(regressors=())

    def _fit(self) -> None:
        s = self.season_length_
        self.last_season_ = self.y_[-s:].copy()
        errors = self.y_[s:] - self.y_[:-s]
        self.error_quantiles_ = (
            np.quantile(errors, [0.025, 0.1, 0.9, 0.975]) if len(errors) else np.zeros(4)
        )

    def _forecast(self, future_ds, future_exog):
        s = self.season_length_
        steps = np.arange(len(future_ds))
        mean = self.last_season_[steps % s]
        widen = np.sqrt(steps // s + 1.0)
        q025, q10, q90, q975 = self.error_quantiles_
        return (
            mean,
            mean + q10 * widen,
            mean + q90 * widen,
            mean + q025 * widen,
            mean + q975 * widen,
        )


class ETSForecaster(Forecaster):
    """statsmodels ETS (additive error, damped trend, weekly seasonality) on log(1 + contacts).

    Additive on the log scale = multiplicative on contacts; intervals stay positive. Holiday
    effects (pooled, :mod:`forecasting.holiday_effects`) are taken out before fitting and put
    back on the forecast.
    """

    name = "ets"
    supports_holidays = True

    def __init__(
        self,
        holidays: pd.DataFrame | None = None,
        holiday_effects: HolidayEffects | None = None,
        damped_trend: bool = True,
    ) -> None:
        super().__init__(regressors=(), holidays=holidays, holiday_effects=holiday_effects)
        self.damped_trend = damped_trend

    def _fit(self) -> None:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        # a Series, not an array: statsmodels' ETS prediction summary needs an index
        z = pd.Series(np.log1p(self.y_))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ETSModel(
                z,
                error="add",
                trend="add",
                damped_trend=self.damped_trend,
                seasonal="add" if self.season_length_ > 1 else None,
                seasonal_periods=self.season_length_ if self.season_length_ > 1 else None,
            )
            self.result_ = model.fit(disp=False, maxiter=300)

    def _forecast(self, future_ds, future_exog):
        n = len(self.y_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = self.result_.get_prediction(start=n, end=n + len(future_ds) - 1)
            f80 = pred.summary_frame(alpha=0.2)
            f95 = pred.summary_frame(alpha=0.05)
        mean = f80["mean"].to_numpy()
        cols = [
            mean,
            f80["pi_lower"].to_numpy(),
            f80["pi_upper"].to_numpy(),
            f95["pi_lower"].to_numpy(),
            f95["pi_upper"].to_numpy(),
        ]
        return tuple(np.expm1(c) for c in cols)


class RegressionARIMA(Forecaster):
    """Log-linear regression with calendar and traffic terms, plus ARIMA errors.

    ``log(1 + contacts) - holiday effect = weekday + yearly Fourier (>= 1 year of history) +
    b * log(1 + traffic) + u``, with ``u`` an ARIMA(1,1,1) (a local level that drifts). The
    holiday effects are the pooled ones (:mod:`forecasting.holiday_effects`: each holiday's own
    effect shrunk toward the country's shared one), taken out before the fit, so a holiday
    absent from the history still gets the country's effect. Intervals come from the ARIMA
    forecast variance.

    Parameters
    ----------
    holidays : pandas.DataFrame, optional
        Holidays frame (:func:`~forecasting.holidays.make_holidays_frame`) of the series' country.
    regressors : sequence of str
        Regressor columns; they enter as ``log(1 + value)``.
    yearly : bool or None
        Yearly Fourier terms; ``None`` = only with at least a year of history.
    order : tuple of int
        ARIMA order of the errors.
    holiday_effects : HolidayEffects, optional
        Pooled effects made by the caller (the pipeline pools across the run's series);
        estimated from the history when absent.
    """

    name = "regression"
    supports_holidays = True
    supports_regressors = True

    def __init__(
        self,
        holidays: pd.DataFrame | None = None,
        regressors: Sequence[str] = (),
        yearly: bool | None = None,
        order: tuple[int, int, int] = (1, 1, 1),
        holiday_effects: HolidayEffects | None = None,
    ) -> None:
        super().__init__(regressors=regressors, holidays=holidays, holiday_effects=holiday_effects)
        self.yearly = yearly
        self.order = order

    def _design(
        self, ds: pd.DatetimeIndex, exog: pd.DataFrame, columns: list[str] | None
    ) -> pd.DataFrame:
        parts = []
        weekdays = sorted(self.open_weekdays_)
        dow = pd.DataFrame(
            {f"weekday_{d}": (ds.day_of_week == d).astype(float) for d in weekdays[1:]}
        )
        parts.append(dow)
        if self.use_yearly_:
            parts.append(yearly_fourier(ds))
        for r in self.regressors:
            parts.append(pd.DataFrame({f"log_{r}": np.log1p(exog[r].to_numpy())}))
        X = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
        if columns is not None:
            X = X.reindex(columns=columns, fill_value=0.0)
        return X

    def _fit(self) -> None:
        from statsmodels.tsa.arima.model import ARIMA

        self.use_yearly_ = (
            self.span_days_ >= YEAR_HISTORY_DAYS if self.yearly is None else bool(self.yearly)
        )
        X = self._design(self.ds_, self.exog_, None)
        X = X.loc[:, (X != 0).any(axis=0)]
        self.columns_ = list(X.columns)
        z = np.log1p(self.y_)
        A = np.column_stack([np.ones(len(z)), X.to_numpy()])
        coef, *_ = np.linalg.lstsq(A, z, rcond=None)
        self.intercept_ = float(coef[0])
        self.coef_ = pd.Series(coef[1:], index=self.columns_, dtype=float)
        resid = z - A @ coef
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.arima_ = ARIMA(resid, order=self.order).fit()

    def _forecast(self, future_ds, future_exog):
        X = self._design(future_ds, future_exog, self.columns_)
        level = self.intercept_ + X.to_numpy() @ self.coef_.to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.arima_.get_forecast(len(future_ds))
        mean_u = np.asarray(fc.predicted_mean)
        se = np.sqrt(np.asarray(fc.var_pred_mean))
        centre = level + mean_u
        return (
            np.expm1(centre),
            np.expm1(centre - _Z80 * se),
            np.expm1(centre + _Z80 * se),
            np.expm1(centre - _Z95 * se),
            np.expm1(centre + _Z95 * se),
        )


class ProphetForecaster(Forecaster):
    """Prophet on log(1 + contacts) with the pooled holiday effects and regressors.

    Holidays enter as the pooled effects (:mod:`forecasting.holiday_effects`), taken out before
    the fit, rather than Prophet's own per-holiday terms, which give a holiday absent from the
    history no effect at all.

    A fresh ``Prophet`` is built in every ``fit`` (a Prophet object fits once only).
    80% and 95% intervals come from one set of posterior predictive samples
    (``uncertainty_samples``, 200 by default for speed; prophet#479).

    Parameters
    ----------
    holidays : pandas.DataFrame, optional
        Holidays frame (``holiday, ds, lower_window, upper_window``).
    regressors : sequence of str
        Extra regressors (entered as ``log(1 + value)``).
    yearly : bool or None
        Yearly seasonality; ``None`` = only with at least a year of history.
    uncertainty_samples : int
        Posterior predictive samples for the intervals.
    """

    name = "prophet"
    supports_holidays = True
    supports_regressors = True
    needs_year = True

    def __init__(
        self,
        holidays: pd.DataFrame | None = None,
        regressors: Sequence[str] = (),
        yearly: bool | None = None,
        uncertainty_samples: int = 200,
        changepoint_prior_scale: float = 0.05,
        holiday_effects: HolidayEffects | None = None,
    ) -> None:
        super().__init__(regressors=regressors, holidays=holidays, holiday_effects=holiday_effects)
        self.yearly = yearly
        self.uncertainty_samples = uncertainty_samples
        self.changepoint_prior_scale = changepoint_prior_scale

    def _frame(self, ds: pd.DatetimeIndex, exog: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame({"ds": ds})
        for r in self.regressors:
            frame[f"log_{r}"] = np.log1p(exog[r].to_numpy())
        return frame

    def _fit(self) -> None:
        # cmdstanpy logs every chain at INFO; Prophet warns about yearly terms on 1-2 years,
        # which is this package's decision to make (yearly only with >= 1 year)
        # Prophet logs "Importing plotly failed" at ERROR on import; the package never plots
        logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
        from prophet import Prophet

        use_yearly = (
            self.span_days_ >= YEAR_HISTORY_DAYS if self.yearly is None else bool(self.yearly)
        )
        model = Prophet(
            yearly_seasonality=use_yearly,
            weekly_seasonality=True,
            daily_seasonality=False,
            uncertainty_samples=self.uncertainty_samples,
            changepoint_prior_scale=self.changepoint_prior_scale,
        )
        for r in self.regressors:
            model.add_regressor(f"log_{r}")
        train = self._frame(self.ds_, self.exog_)
        train["y"] = np.log1p(self.y_)
        # closed-holiday gaps were imputed for the other models; Prophet can skip them
        train = train.loc[~self.missing_]
        # cmdstanpy sets its logger to DEBUG on first use (get_logger) and logs every chain at
        # INFO; Prophet warns about yearly terms on 1-2 years, which is this package's decision
        from cmdstanpy.utils import get_logger

        get_logger().setLevel(logging.WARNING)
        logging.getLogger("prophet").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            # Prophet 1.5 uses pandas' deprecated inplace=; not ours to fix
            warnings.filterwarnings("ignore", module="prophet")
            model.fit(train)
        self.model_ = model

    def _forecast(self, future_ds, future_exog):
        future = self._frame(future_ds, future_exog)
        m = self.model_
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="prophet")
            # point forecast without sampling, then one set of samples for both intervals
            m.uncertainty_samples = 0
            try:
                point = m.predict(future)["yhat"].to_numpy()
            finally:
                m.uncertainty_samples = self.uncertainty_samples
            samples = m.predictive_samples(future)["yhat"]
        q = np.quantile(samples, [0.1, 0.9, 0.025, 0.975], axis=1)
        return tuple(np.expm1(v) for v in (point, q[0], q[1], q[2], q[3]))


# --- statsforecast (Nixtla) candidates ---------------------------------------------------------
# Fitted through the models' own fit/predict (no StatsForecast frame round trip) on
# log(1 + contacts) of the open days, so weekly seasonality is the count of open weekdays.
# numba compiles them on first use in a process (cached on disk by statsforecast).


class _StatsForecastModel(Forecaster):
    """Base of the statsforecast adapters: fit on log(1 + contacts), intervals at 80 and 95%."""

    supports_holidays = True

    def __init__(
        self,
        holidays: pd.DataFrame | None = None,
        holiday_effects: HolidayEffects | None = None,
    ) -> None:
        super().__init__(regressors=(), holidays=holidays, holiday_effects=holiday_effects)

    def _model(self):  # pragma: no cover - abstract
        raise NotImplementedError

    #: Open days of history the model is fitted on (the most recent); None = all of them.
    max_train_days: ClassVar[int | None] = None

    def _window(self) -> slice:
        if self.max_train_days is None:
            return slice(None)
        return slice(max(len(self.y_) - self.max_train_days, 0), None)

    def _train(self) -> np.ndarray:
        return np.log1p(self.y_)[self._window()]

    def _fit(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model_ = self._model().fit(self._train())

    def _reuse_parameters(self, fitted: Forecaster) -> bool:
        if (
            type(fitted) is not type(self)
            or not getattr(fitted, "is_fitted_", False)
            or fitted.open_weekdays_ != self.open_weekdays_
            or not self._same_structure(fitted)
        ):
            return False
        self.model_ = fitted.model_
        return True

    def _same_structure(self, fitted: _StatsForecastModel) -> bool:
        """Whether a fit on this history would have the same model structure as ``fitted``'s."""
        return True

    def _predict_raw(self, h: int, X_future: np.ndarray | None = None) -> dict:
        """The statsforecast model's forecast: its own state after ``fit``, or its parameters
        run over this history (``forward``) when they were reused."""
        if self.parameters_reused_:
            return self.model_.forward(
                y=self._train(), h=h, X=self._forward_exog(), X_future=X_future, level=[80, 95]
            )
        if X_future is not None:
            return self.model_.predict(h, X=X_future, level=[80, 95])
        return self.model_.predict(h, level=[80, 95])

    def _forward_exog(self) -> np.ndarray | None:
        return None

    def _forecast(self, future_ds, future_exog):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self._predict_raw(len(future_ds))
        return tuple(
            np.expm1(np.asarray(out[k], dtype=float))
            for k in ("mean", "lo-80", "hi-80", "lo-95", "hi-95")
        )


def _ets_form(components: str) -> tuple[str, bool]:
    """statsforecast's ETS ``components`` (e.g. ``"AAAD"``: error, trend, season, damped) as
    the ``model`` and ``damped`` arguments that fit that one form."""
    return components[:3], components[3] != "N"


class AutoETSForecaster(_StatsForecastModel):
    """statsforecast AutoETS on the log: additive error and weekly season, the trend (none,
    additive, damped) chosen by AICc.

    Additive errors only (``AZA``): on ``log(1 + contacts)`` AICc never chose a multiplicative
    error on the real series (forecasts identical at four origins) and the search costs half.
    With ``fit(search_from=...)`` only the trend and damping chosen there are fitted (one ETS
    fit instead of three).

    Fitted on the last year of open days (:attr:`max_train_days`, as AutoARIMA): the search's
    cost grows with the history, and the holiday effects it needs are pooled from the whole
    history beforehand. On the real series at four origins (only the Italian calls are longer
    than a year) the combination's geometric-mean WAPE over the seasonal naive's went 0.7453 ->
    0.7456 and mean MASE 0.9503 -> 0.9500; on 24 synthetic two-year series at two holdouts the
    mean WAPE 0.0807 -> 0.0815 (0.0813 before the searches were narrowed); AutoETS's CPU a
    series about 40% less (bench/RESULTS.md, 2026-12-06, second session).
    """

    name = "autoets"
    narrows_search = True
    max_train_days = 371

    def _model(self):
        from statsforecast.models import AutoETS

        season = max(self.season_length_, 1)
        form = getattr(self, "form_", None)
        if form is not None:  # the form chosen on a shorter history (fit(search_from=...))
            return AutoETS(season_length=season, model=form[0], damped=form[1])
        return AutoETS(season_length=season, model="AZA" if season > 1 else "AZN")

    def _narrow_search(self, fitted: Forecaster) -> bool:
        self.form_ = _ets_form(fitted.model_.model_["components"])
        return True


class AutoThetaForecaster(_StatsForecastModel):
    """statsforecast AutoTheta: the standard, optimised and dynamic standard Theta models
    (weekly season), the one with the lowest in-sample MSE.

    The dynamic optimised variant (DOTM) is left out: on half the sample's holiday-adjusted
    series its optimiser took 1.7-1.8 s a fit against 0.01-0.03 s for the other three, and it
    made AutoTheta the slowest candidate by far. With ``fit(search_from=...)`` only the variant
    chosen there is fitted.
    """

    name = "autotheta"
    narrows_search = True
    variants: ClassVar[tuple[str, ...]] = ("STM", "OTM", "DSTM")

    def _fit(self) -> None:
        from statsforecast.models import AutoTheta

        z = self._train()
        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for variant in getattr(self, "chosen_variants_", self.variants):
                try:
                    fitted = AutoTheta(season_length=max(self.season_length_, 1), model=variant)
                    fitted = fitted.fit(z)
                except Exception:  # a variant that cannot fit leaves the others
                    continue
                if best is None or fitted.model_["mse"] < best.model_["mse"]:
                    best = fitted
        if best is None:
            raise ForecastInputError(f"{self.name}: no Theta variant could be fitted")
        self.model_ = best

    def _narrow_search(self, fitted: Forecaster) -> bool:
        self.chosen_variants_ = (fitted.model_.model,)
        return True


class MSTLForecaster(_StatsForecastModel):
    """statsforecast MSTL: weekly and (with two years of history) yearly STL, an additive-error
    ETS (``AZN``, as :class:`AutoETSForecaster`) on the trend; with ``fit(search_from=...)`` (the
    same season set) only the trend form chosen there."""

    name = "mstl"
    narrows_search = True

    def _model(self):
        from statsforecast.models import MSTL, AutoETS

        form = getattr(self, "trend_form_", None)
        trend = (
            AutoETS(model="AZN")
            if form is None
            else AutoETS(model=form[0], damped=form[1])  # fit(search_from=...)
        )
        return MSTL(season_length=self._seasons(), trend_forecaster=trend)

    def _narrow_search(self, fitted: Forecaster) -> bool:
        if not self._same_structure(fitted):
            return False
        self.trend_form_ = _ets_form(fitted.model_.trend_forecaster.model_["components"])
        return True

    def _seasons(self) -> list[int]:
        week = max(self.season_length_, 1)
        year = round(365.25 * week / 7)
        return [week, year] if len(self.y_) >= 2 * year + week else [week]

    def _same_structure(self, fitted: _StatsForecastModel) -> bool:
        return list(np.atleast_1d(fitted.model_.season_length)) == self._seasons()


class AutoARIMAForecaster(_StatsForecastModel):
    """statsforecast AutoARIMA with the pooled holiday effect (and traffic) as exogenous inputs.

    The holiday effect enters as one regressor (the pooled log effect of each day, see
    :mod:`forecasting.holiday_effects`) whose weight the model estimates: the exogenous form of
    the shared holiday dummy. The search is kept small (p, q, P, Q <= 1; approximate
    likelihood) and to the last year of open days: the full search on three years took 12-19 s
    a fit here, p, q <= 2 on a year 0.9 s of CPU, this one 0.45 s.
    """

    name = "autoarima"
    supports_regressors = True
    holiday_mode = "exog"
    max_train_days = 371

    def __init__(
        self,
        holidays: pd.DataFrame | None = None,
        regressors: Sequence[str] = (),
        holiday_effects: HolidayEffects | None = None,
    ) -> None:
        Forecaster.__init__(
            self, regressors=regressors, holidays=holidays, holiday_effects=holiday_effects
        )

    def _exog(self, offset: np.ndarray, exog: pd.DataFrame) -> np.ndarray:
        cols = [offset] + [np.log1p(exog[r].to_numpy(float)) for r in self.regressors]
        return np.column_stack(cols)

    def _train_exog(self) -> np.ndarray:
        return self._exog(self.offset_, self.exog_)[self._window()]

    def _fit(self) -> None:
        from statsforecast.models import AutoARIMA

        X = self._train_exog()
        # a regressor without variation in the window cannot be estimated
        self.exog_used_ = np.ptp(X, axis=0) > 1e-9 if len(X) else np.zeros(0, bool)
        model = AutoARIMA(
            season_length=max(self.season_length_, 1),
            max_p=1,
            max_q=1,
            max_P=1,
            max_Q=1,
            approximation=True,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.exog_used_.any():
                self.model_ = model.fit(self._train(), X[:, self.exog_used_])
            else:
                self.model_ = model.fit(self._train())
        # the regressors' weights under the regression's names (log-log traffic elasticity)
        names = ["holiday_effect", *(f"log_{r}" for r in self.regressors)]
        used = [n for n, u in zip(names, self.exog_used_, strict=True) if u]
        fitted = self.model_.model_.get("coef", {})
        self.coef_ = pd.Series(
            {n: float(fitted.get(f"ex_{i}", np.nan)) for i, n in enumerate(used, start=1)},
            dtype=float,
        )

    def _reuse_parameters(self, fitted: Forecaster) -> bool:
        if not super()._reuse_parameters(fitted):
            return False
        self.exog_used_ = fitted.exog_used_
        self.coef_ = fitted.coef_
        return True

    def _forward_exog(self) -> np.ndarray | None:
        return self._train_exog()[:, self.exog_used_] if self.exog_used_.any() else None

    def _forecast(self, future_ds, future_exog):
        X = self._exog(self._future_offset(future_ds), future_exog)
        X_future = X[:, self.exog_used_] if self.exog_used_.any() else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self._predict_raw(len(future_ds), X_future)
        return tuple(
            np.expm1(np.asarray(out[k], dtype=float))
            for k in ("mean", "lo-80", "hi-80", "lo-95", "hi-95")
        )


MODEL_CLASSES: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (
        SeasonalNaive,
        ETSForecaster,
        RegressionARIMA,
        ProphetForecaster,
        AutoETSForecaster,
        AutoThetaForecaster,
        MSTLForecaster,
        AutoARIMAForecaster,
    )
}


def make_forecaster(
    name: str,
    holidays: pd.DataFrame | None = None,
    regressors: Sequence[str] = (),
    **params: object,
) -> Forecaster:
    """Build a forecaster by name, passing holidays/regressors only to models that use them.

    Parameters
    ----------
    name : str
        One of :data:`MODEL_CLASSES` (``seasonal_naive``, ``ets``, ``regression``, ``prophet``,
        ``autoets``, ``autotheta``, ``mstl``, ``autoarima``).
    holidays : pandas.DataFrame, optional
        The series' holidays frame.
    regressors : sequence of str
        Regressor column names.
    **params
        Extra constructor parameters (e.g. ``yearly=False``, ``holiday_effects=...``);
        ``yearly`` and ``holiday_effects`` are dropped for models that do not take them.
    """
    if name not in MODEL_CLASSES:
        raise ForecastInputError(f"unknown model {name!r}; choose from {sorted(MODEL_CLASSES)}")
    cls = MODEL_CLASSES[name]
    kwargs: dict[str, object] = dict(params)
    if cls.supports_holidays:
        kwargs["holidays"] = holidays
    else:
        kwargs.pop("holiday_effects", None)
    if cls.supports_regressors:
        kwargs["regressors"] = tuple(regressors)
    if "yearly" in kwargs and name not in ("regression", "prophet"):
        kwargs.pop("yearly")
    return cls(**kwargs)
