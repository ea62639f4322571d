"""Forecast accuracy metrics: WAPE, MASE (against the weekly seasonal naive) and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error ``sum|a - f| / sum|a|`` (a fraction; NaN if no volume)."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    denom = np.abs(a).sum()
    return float(np.abs(a - f).sum() / denom) if denom > 0 else float("nan")


def seasonal_naive_scale(history: pd.DataFrame, season_days: int = 7) -> float:
    """In-sample mean absolute error of the weekly seasonal naive (``y[d] - y[d - 7 days]``).

    Parameters
    ----------
    history : pandas.DataFrame
        ``ds, y`` of one series (training part only).
    season_days : int
        Season length in calendar days.
    """
    s = pd.Series(history["y"].to_numpy(float), index=pd.DatetimeIndex(history["ds"]))
    lagged = s.reindex(s.index - pd.Timedelta(days=season_days)).to_numpy()
    diff = np.abs(s.to_numpy() - lagged)
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if len(diff) else float("nan")


def sorted_seasonal_naive_scale(days: np.ndarray, y: np.ndarray, season_days: int = 7) -> float:
    """:func:`seasonal_naive_scale` of days given sorted and unique, on arrays (no frames).

    Parameters
    ----------
    days : numpy.ndarray
        ``datetime64`` days of one series, ascending, no duplicates.
    y : numpy.ndarray
        Contacts per day, aligned with ``days``.
    season_days : int
        Season length in calendar days.
    """
    if not len(days):
        return float("nan")
    lag = days - np.timedelta64(season_days, "D")
    at = np.clip(np.searchsorted(days, lag), 0, len(days) - 1)
    lagged = np.where(days[at] == lag, y[at], np.nan)
    diff = np.abs(np.asarray(y, dtype=float) - lagged)
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if len(diff) else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error: MAE / ``scale`` (the in-sample seasonal-naive MAE)."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if not np.isfinite(scale) or scale <= 0:
        return float("nan")
    return float(np.abs(a - f).mean() / scale)


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside ``[lower, upper]`` (a fraction)."""
    a = np.asarray(actual, dtype=float)
    if not len(a):
        return float("nan")
    return float(((a >= np.asarray(lower)) & (a <= np.asarray(upper))).mean())
