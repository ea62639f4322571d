"""Split daily forecasts into 5- to 60-minute intervals with weekday profiles.

The profile of a weekday is its share of the day per interval, from the last reference weeks
of intraday history (6-8 weeks is what the commercial suites use), holidays excluded; holidays
and holiday eves (half days) get profiles of their own. Times are naive local times of the
series' country. History of any of the lengths real ACD exports use (5, 6, 10, 15, 30 or 60
minutes) is resampled to the planning interval: finer intervals are summed, coarser ones spread
evenly over the minutes they cover.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from forecasting.errors import ForecastInputError
from forecasting.frames import FORECAST_COLUMNS, INTERVAL_COLUMNS, validate_history

logger = logging.getLogger(__name__)

ALLOWED_INTERVALS: tuple[int, ...] = (5, 6, 10, 15, 30, 60)
INTRADAY_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "ds",
    "interval_minutes",
    "model",
    *INTERVAL_COLUMNS,
)


def _history_resolution(ds: pd.Series) -> int:
    """Interval length of the history in minutes (the most common step within a day)."""
    minutes = ds.dt.hour * 60 + ds.dt.minute
    steps = minutes.groupby(ds.dt.normalize()).diff().dropna()
    steps = steps[steps > 0]
    return int(steps.mode().iloc[0]) if len(steps) else 60


def resample_intervals(history: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Contacts per planning interval from history of another interval length.

    Parameters
    ----------
    history : pandas.DataFrame
        ``unique_id, ds, y`` with ``ds`` the interval start (naive local).
    interval_minutes : int
        The planning interval (minutes).

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, y`` at ``interval_minutes``: finer history summed, coarser history
        spread evenly over its minutes (a 15-minute interval gives half of itself to each
        10-minute piece it covers: 10 of its minutes to one, 5 to the next). Totals per day
        are unchanged.
    """
    resolution = _history_resolution(history["ds"])
    if resolution == interval_minutes:
        return history[["unique_id", "ds", "y"]].copy()
    step = math.gcd(int(resolution), int(interval_minutes))
    k = max(int(resolution) // step, 1)
    pieces = history.loc[history.index.repeat(k), ["unique_id", "ds", "y"]].copy()
    pieces["ds"] = pieces["ds"] + pd.to_timedelta(
        np.tile(np.arange(k) * step, len(history)), unit="min"
    )
    pieces["y"] = pieces["y"] / k
    minutes = pieces["ds"].dt.hour * 60 + pieces["ds"].dt.minute
    pieces["ds"] = pieces["ds"].dt.normalize() + pd.to_timedelta(
        (minutes // interval_minutes) * interval_minutes, unit="min"
    )
    return pieces.groupby(["unique_id", "ds"], as_index=False, sort=True)["y"].sum()


def intraday_profiles(
    intraday_history: pd.DataFrame,
    interval_minutes: int,
    holidays: pd.DataFrame | None = None,
    reference_weeks: int = 8,
    eves: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of the day per interval, per series and day type.

    Parameters
    ----------
    intraday_history : pandas.DataFrame
        ``unique_id, ds, y``: contacts per interval, ``ds`` the interval start (naive local).
    interval_minutes : int
        Output interval length (5, 6, 10, 15, 30 or 60 minutes); history of another length is
        resampled (:func:`resample_intervals`).
    holidays : pandas.DataFrame, optional
        Holiday dates: ``ds`` (and optionally ``unique_id``, otherwise for all series).
    reference_weeks : int
        Weeks of the latest history used for the normal weekday profiles.
    eves : pandas.DataFrame, optional
        Holiday eves (half days, e.g. Christmas Eve) in the same form as ``holidays``; a date in
        both counts as a holiday.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, day_type, slot, share`` where ``day_type`` is ``0..6`` (weekday, Monday = 0),
        ``"holiday"`` or ``"eve"``, ``slot`` the interval index within the day and the shares of
        one (series, day type) sum to 1.
    """
    if interval_minutes not in ALLOWED_INTERVALS:
        raise ForecastInputError(
            f"interval_minutes must be one of {ALLOWED_INTERVALS}, got {interval_minutes!r}"
        )
    validate_history(intraday_history, what="intraday_history")
    hist = resample_intervals(intraday_history.reset_index(drop=True), interval_minutes)
    hist["date"] = hist["ds"].dt.normalize()
    hist["slot"] = (hist["ds"].dt.hour * 60 + hist["ds"].dt.minute) // interval_minutes
    hist["is_holiday"] = _holiday_mask(hist, holidays)
    hist["is_eve"] = _holiday_mask(hist, eves) & ~hist["is_holiday"].to_numpy()
    last = hist.groupby("unique_id")["date"].transform("max")
    recent = hist["date"] > last - pd.Timedelta(weeks=reference_weeks)
    normal = hist.loc[recent & ~hist["is_holiday"] & ~hist["is_eve"]].assign(
        day_type=lambda f: f["date"].dt.day_of_week
    )
    special = hist.loc[hist["is_holiday"]].assign(day_type="holiday")
    eve = hist.loc[hist["is_eve"]].assign(day_type="eve")
    parts = []
    for frame in (normal, special, eve):
        if frame.empty:
            continue
        sums = frame.groupby(["unique_id", "day_type", "slot"], as_index=False)["y"].sum()
        totals = sums.groupby(["unique_id", "day_type"])["y"].transform("sum")
        sums = sums.loc[totals > 0]
        sums["share"] = sums["y"] / totals[totals > 0]
        parts.append(sums[["unique_id", "day_type", "slot", "share"]])
    if not parts:
        return pd.DataFrame(columns=["unique_id", "day_type", "slot", "share"])
    out = pd.concat(parts, ignore_index=True)
    out["day_type"] = out["day_type"].astype(str)
    return out


def _holiday_mask(
    frame: pd.DataFrame, holidays: pd.DataFrame | None, date_col: str = "date"
) -> np.ndarray:
    if holidays is None or holidays.empty:
        return np.zeros(len(frame), dtype=bool)
    h = holidays.copy()
    h["ds"] = pd.to_datetime(h["ds"]).dt.normalize()
    if "unique_id" in h.columns:
        keys = pd.MultiIndex.from_arrays([h["unique_id"].astype(object), h["ds"]])
        rows = pd.MultiIndex.from_arrays([frame["unique_id"].astype(object), frame[date_col]])
        return np.asarray(rows.isin(keys), dtype=bool)
    return frame[date_col].isin(set(h["ds"])).to_numpy()


def split_intraday(
    daily_forecast: pd.DataFrame,
    intraday_history: pd.DataFrame,
    interval_minutes: int,
    holidays: pd.DataFrame | None = None,
    reference_weeks: int = 8,
    eves: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split daily forecasts into intervals; interval sums equal the daily totals.

    Parameters
    ----------
    daily_forecast : pandas.DataFrame
        Forecast frame ``unique_id, ds, model, forecast, forecast_lower, forecast_upper, forecast_lower_95,
        forecast_upper_95`` (contacts per day).
    intraday_history : pandas.DataFrame
        ``unique_id, ds, y`` per interval (see :func:`~forecasting.frames.contacts_to_intraday`).
    interval_minutes : int
        5, 6, 10, 15, 30 or 60.
    holidays : pandas.DataFrame, optional
        Holiday dates (``ds``, optionally ``unique_id``): excluded from the normal profiles and
        split with the holiday profile (the weekday profile where no holiday history exists).
    reference_weeks : int
        Weeks of latest history for the weekday profiles.
    eves : pandas.DataFrame, optional
        Holiday eves (half days) like ``holidays``: split with the eve profile (the weekday
        profile where no eve history exists).

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, interval_minutes, model, forecast, forecast_lower, forecast_upper, forecast_lower_95,
        forecast_upper_95``: contacts per interval, ``ds`` the interval start (naive local time); every
        interval of each day, zeros outside the profile's opening hours. Bounds are split with
        the same shares as the point forecast.
    """
    require_columns(daily_forecast, FORECAST_COLUMNS, "daily_forecast", error=ForecastInputError)
    profiles = intraday_profiles(
        intraday_history, interval_minutes, holidays, reference_weeks, eves=eves
    )
    slots_per_day = 1440 // interval_minutes
    day = daily_forecast.copy()
    day["ds"] = pd.to_datetime(day["ds"]).dt.normalize()
    day["day_type"] = day["ds"].dt.day_of_week.astype(str)
    is_hol = _holiday_mask(day, holidays, date_col="ds")
    has_hol = set(profiles.loc[profiles["day_type"] == "holiday", "unique_id"])
    use_hol = is_hol & day["unique_id"].isin(has_hol).to_numpy()
    day.loc[use_hol, "day_type"] = "holiday"
    is_eve = _holiday_mask(day, eves, date_col="ds") & ~is_hol
    has_eve = set(profiles.loc[profiles["day_type"] == "eve", "unique_id"])
    day.loc[is_eve & day["unique_id"].isin(has_eve).to_numpy(), "day_type"] = "eve"
    # full share matrix: (series, day type) x slot, with fallbacks for missing profiles
    grid = profiles.pivot_table(
        index=["unique_id", "day_type"],
        columns="slot",
        values="share",
        aggfunc="sum",
        fill_value=0.0,
    ).reindex(columns=range(slots_per_day), fill_value=0.0)
    overall = grid.groupby(level="unique_id").mean()
    keys = pd.MultiIndex.from_arrays([day["unique_id"], day["day_type"]])
    shares = grid.reindex(keys).to_numpy()
    lacking = np.isnan(shares).any(axis=1)
    if lacking.any():
        fallback = overall.reindex(day.loc[lacking, "unique_id"]).to_numpy()
        no_profile = np.isnan(fallback).any(axis=1)
        if no_profile.any():
            ids = sorted(set(day.loc[lacking, "unique_id"].to_numpy()[no_profile]))
            logger.warning("no intraday history for %s: splitting the day evenly", ids)
            fallback[no_profile] = 1.0 / slots_per_day
        shares[lacking] = fallback
    shares = shares / shares.sum(axis=1, keepdims=True)
    values = day[list(INTERVAL_COLUMNS)].to_numpy(dtype=float)  # (days, 5)
    split = shares[:, :, None] * values[:, None, :]  # (days, slots, 5)
    # put the rounding remainder on each day's largest slot so the sums are exact
    top = shares.argmax(axis=1)
    rows = np.arange(len(day))
    split[rows, top, :] += values - split.sum(axis=1)
    n = len(day)
    starts = day["ds"].to_numpy().repeat(slots_per_day) + np.tile(
        (np.arange(slots_per_day) * interval_minutes).astype("timedelta64[m]"), n
    )
    out = pd.DataFrame(
        split.reshape(n * slots_per_day, len(INTERVAL_COLUMNS)), columns=list(INTERVAL_COLUMNS)
    )
    out.insert(0, "model", day["model"].to_numpy().repeat(slots_per_day))
    out.insert(0, "interval_minutes", int(interval_minutes))
    out.insert(0, "ds", starts)
    out.insert(0, "unique_id", day["unique_id"].to_numpy().repeat(slots_per_day))
    return out[list(INTRADAY_COLUMNS)]
