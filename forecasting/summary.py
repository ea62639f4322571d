"""One row per series of a forecast run: model, back-test accuracy, totals and holidays ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from forecasting.errors import ForecastInputError
from forecasting.holidays import holidays_in_range

SUMMARY_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "model",
    "wape",
    "coverage_80",
    "days",
    "forecast_total",
    "previous_total",
    "change",
    "holidays_ahead",
)
"""Columns of :func:`series_summary` (``wape``, ``coverage_80`` and ``change`` are fractions)."""

_KEYS = ["country", "channel"]


def _holidays_ahead(days: pd.DataFrame) -> pd.Series:
    """Distinct holiday dates per series between its first and last forecast day."""
    counts = {}
    for (country, channel), part in days.groupby(_KEYS, sort=False):
        try:
            found = holidays_in_range([country], part["first"].iloc[0], part["last"].iloc[0])
        except ForecastInputError:  # a country the holidays package does not know has none
            found = pd.DataFrame(columns=["date"])
        counts[(country, channel)] = found["date"].nunique()
    return pd.Series(counts, dtype="Int64")


def series_summary(
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    picks: pd.DataFrame,
    history: pd.DataFrame,
) -> pd.DataFrame:
    """Each series of a run in one row: the picked model, its back-test, its total and holidays.

    The frames are a run's saved layout (``ContactForecast.saved_layout()`` or a saved run):
    ``country`` and ``channel`` instead of the series key.

    Parameters
    ----------
    forecasts : DataFrame
        ``country, channel, date, model, forecast`` (contacts per day, every model of the run).
    metrics : DataFrame
        ``country, channel, model, wape, coverage_80`` (back-test, fractions).
    picks : DataFrame
        ``country, channel, model``: the model each series uses (``"combination"`` for Auto).
    history : DataFrame
        ``country, channel, date, contacts``: contacts per day so far.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`, one row per pick, sorted by country and channel.
        ``forecast_total`` sums the picked model's contacts over its ``days`` forecast days;
        ``previous_total`` the contacts of as many days just before the first forecast day
        (missing when the history does not reach back that far), ``change`` the first over the
        second minus one (a fraction; missing without a previous total or when it is zero);
        ``holidays_ahead`` the national holiday dates among the forecast days.
    """
    require_columns(
        forecasts, [*_KEYS, "date", "model", "forecast"], "forecasts", error=ForecastInputError
    )
    require_columns(
        metrics, [*_KEYS, "model", "wape", "coverage_80"], "metrics", error=ForecastInputError
    )
    require_columns(picks, [*_KEYS, "model"], "picks", error=ForecastInputError)
    require_columns(history, [*_KEYS, "date", "contacts"], "history", error=ForecastInputError)
    chosen = picks[[*_KEYS, "model"]].drop_duplicates(_KEYS)
    picked = forecasts.merge(chosen, on=[*_KEYS, "model"])
    dates = pd.to_datetime(picked["date"]).dt.normalize()
    per_series = (
        picked.assign(date=dates)
        .groupby(_KEYS, sort=False)
        .agg(
            first=("date", "min"),
            last=("date", "max"),
            days=("date", "nunique"),
            forecast_total=("forecast", "sum"),
        )
        .reset_index()
    )
    out = chosen.merge(per_series, on=_KEYS, how="left").merge(
        metrics[[*_KEYS, "model", "wape", "coverage_80"]].drop_duplicates([*_KEYS, "model"]),
        on=[*_KEYS, "model"],
        how="left",
    )
    # the same number of days just before the forecast starts
    days = history.assign(date=pd.to_datetime(history["date"]).dt.normalize())
    window = days.merge(out[[*_KEYS, "first", "days"]], on=_KEYS)
    window_start = window["first"] - pd.to_timedelta(window["days"], unit="D")
    inside = (window["date"] >= window_start) & (window["date"] < window["first"])
    index = pd.MultiIndex.from_frame(out[_KEYS])
    previous = window[inside].groupby(_KEYS)["contacts"].sum().reindex(index)
    earliest = days.groupby(_KEYS)["date"].min().reindex(index)
    starts = (out["first"] - pd.to_timedelta(out["days"], unit="D")).to_numpy()
    reaches = (earliest.to_numpy() <= starts) & earliest.notna().to_numpy()
    out["previous_total"] = previous.to_numpy(dtype=float, na_value=np.nan)
    out.loc[~reaches, "previous_total"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        change = out["forecast_total"] / out["previous_total"] - 1
    out["change"] = change.where(out["previous_total"] > 0)
    holidays = _holidays_ahead(out.dropna(subset=["first"]))
    out["holidays_ahead"] = holidays.reindex(index).fillna(0).astype(int).to_numpy()
    out["days"] = out["days"].fillna(0).astype(int)
    return out.loc[:, list(SUMMARY_COLUMNS)].sort_values(_KEYS, ignore_index=True)
