"""Frame conventions, validation and converters from the data layer's frames to model frames."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from contracts.columns import BAND_80_COLUMNS, POINT_COLUMN, WIDE_BAND_COLUMNS
from forecasting.errors import ForecastInputError, InsufficientHistoryError

logger = logging.getLogger(__name__)

SERIES_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "y")
ATTR_COLUMNS: tuple[str, ...] = ("unique_id", "country", "channel")
#: A model frame's value columns (named as the forecast files name them, :mod:`contracts.columns`,
#: so a model frame leaves the package without renaming): the point forecast, the 80% band and the 95% band.
INTERVAL_COLUMNS: tuple[str, ...] = (POINT_COLUMN, *BAND_80_COLUMNS, *WIDE_BAND_COLUMNS)
#: A forecast frame inside the package: one row per series, model and day.
FORECAST_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "model", *INTERVAL_COLUMNS)

#: Below this many days of history a series is refused.
MIN_HISTORY_DAYS = 28
#: Below this many days of history yearly terms and Prophet are not used.
YEAR_HISTORY_DAYS = 365


def make_unique_id(country: str, channel: str) -> str:
    """Return the series key used everywhere in the package, e.g. ``"AR/phone"``."""
    return f"{country}/{channel}"


def validate_history(df: pd.DataFrame, *, what: str = "history") -> None:
    """Check a model frame ``unique_id, ds, y`` and raise a clear error on bad input.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame with ``unique_id``, ``ds`` (timezone-naive dates, sorted within each series)
        and ``y`` (contacts per day, finite and >= 0).
    what : str
        Name used in messages.

    Raises
    ------
    ForecastInputError
        On missing columns, non-datetime or timezone-aware ``ds``, NaN/inf or negative ``y``,
        duplicate ``ds`` within a series, or unsorted ``ds``. The message names the series.
    """
    require_columns(df, SERIES_COLUMNS, what, error=ForecastInputError)
    if not pd.api.types.is_datetime64_any_dtype(df["ds"]):
        raise ForecastInputError(f"{what}: column 'ds' must be datetime64, got {df['ds'].dtype}")
    if getattr(df["ds"].dt, "tz", None) is not None:
        raise ForecastInputError(f"{what}: column 'ds' must be timezone-naive local dates")
    y = pd.to_numeric(df["y"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(y)
    if bad.any():
        row = df.loc[bad].iloc[0]
        raise ForecastInputError(
            f"{what}: series {row['unique_id']!r} has {int(bad.sum())} NaN/non-numeric 'y' "
            f"value(s), first at ds={row['ds']}"
        )
    neg = y < 0
    if neg.any():
        row = df.loc[neg].iloc[0]
        raise ForecastInputError(
            f"{what}: series {row['unique_id']!r} has negative 'y' ({row['y']}) at ds={row['ds']}"
        )
    # one series (every model fit): the same checks without grouping by the string key
    ids = df["unique_id"]
    single = len(df) == 0 or bool((ids == ids.iloc[0]).all())
    dup = df["ds"].duplicated() if single else df.duplicated(["unique_id", "ds"])
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise ForecastInputError(
            f"{what}: series {row['unique_id']!r} has duplicate ds {row['ds']} "
            f"({int(dup.sum())} duplicate row(s))"
        )
    step = df["ds"].diff() if single else df.groupby("unique_id", sort=False)["ds"].diff()
    unsorted = step < pd.Timedelta(0)
    if unsorted.any():
        row = df.loc[unsorted].iloc[0]
        raise ForecastInputError(
            f"{what}: series {row['unique_id']!r} is not sorted by ds (ds={row['ds']} "
            "comes after a later date); sort by unique_id, ds"
        )


def check_history_length(df: pd.DataFrame, min_days: int = MIN_HISTORY_DAYS) -> None:
    """Raise ``InsufficientHistoryError`` naming every series spanning fewer than ``min_days`` days.

    Parameters
    ----------
    df : pandas.DataFrame
        Model frame ``unique_id, ds, y``.
    min_days : int
        Minimum calendar span (days, first to last ``ds`` inclusive).
    """
    span = history_span_days(df)
    short = span[span < min_days]
    if len(short):
        detail = ", ".join(f"{uid!r} has {int(n)} days" for uid, n in short.items())
        raise InsufficientHistoryError(
            f"too little history to forecast (need at least {min_days} days): {detail}"
        )


def history_span_days(df: pd.DataFrame) -> pd.Series:
    """Calendar span of each series in days (first to last ``ds`` inclusive), by ``unique_id``."""
    ids = df["unique_id"]
    if len(df) and bool((ids == ids.iloc[0]).all()):  # one series: no grouping by the key
        span = (df["ds"].max() - df["ds"].min()).days + 1
        return pd.Series([span], index=pd.Index([ids.iloc[0]], name="unique_id"), name="ds")
    g = df.groupby("unique_id", sort=False)["ds"]
    return (g.max() - g.min()).dt.days + 1


def contacts_to_series(contacts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convert the data layer's contacts frame to a daily model frame and an attribute frame.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Columns ``country, channel, ds`` (datetime64, naive local; interval start or the day),
        ``interval_minutes`` (1440 for daily rows, else 15/30/60), ``contacts`` (count) and
        ``aht_seconds`` (may be NaN; not used here). A daily frame ``country, channel, date,
        contacts`` (the store's ``daily_contacts``) is accepted too.

    Returns
    -------
    series : pandas.DataFrame
        ``unique_id, ds, y``: daily contact totals per (country, channel), sorted. Only days
        present in the input appear: closed days (weekends of a bank, holidays) are *not*
        filled with zeros, so the models can tell them from days without demand.
    attrs : pandas.DataFrame
        ``unique_id, country, channel``.
    """
    if "ds" not in contacts.columns and "date" in contacts.columns:
        contacts = contacts.assign(ds=pd.to_datetime(contacts["date"]))
    require_columns(
        contacts, ("country", "channel", "ds", "contacts"), "contacts", error=ForecastInputError
    )
    if not pd.api.types.is_datetime64_any_dtype(contacts["ds"]):
        raise ForecastInputError(
            f"contacts: column 'ds' must be datetime64, got {contacts['ds'].dtype}"
        )
    values = pd.to_numeric(contacts["contacts"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = contacts.loc[values.isna() | (values < 0)].iloc[0]
        raise ForecastInputError(
            f"contacts: {bad['country']}/{bad['channel']} at {bad['ds']} has contacts="
            f"{bad['contacts']} (need a number >= 0)"
        )
    frame = pd.DataFrame(
        {
            "unique_id": [
                make_unique_id(c, ch)
                for c, ch in zip(contacts["country"], contacts["channel"], strict=True)
            ],
            "country": contacts["country"].to_numpy(),
            "channel": contacts["channel"].to_numpy(),
            "ds": contacts["ds"].dt.tz_localize(None)
            if contacts["ds"].dt.tz is not None
            else contacts["ds"],
            "y": values.to_numpy(dtype=float),
        }
    )
    frame["ds"] = frame["ds"].dt.normalize()
    series = (
        frame.groupby(["unique_id", "ds"], sort=True, as_index=False)["y"]
        .sum()
        .astype({"y": float})
    )
    attrs = (
        frame[list(ATTR_COLUMNS)]
        .drop_duplicates("unique_id")
        .sort_values("unique_id")
        .reset_index(drop=True)
    )
    return series.reset_index(drop=True), attrs


def contacts_to_intraday(contacts: pd.DataFrame) -> pd.DataFrame:
    """Convert the data layer's contacts frame to intraday history ``unique_id, ds, y``.

    Daily rows (``interval_minutes == 1440``) are dropped; ``ds`` is the interval start in naive
    local time.
    """
    require_columns(
        contacts,
        ("country", "channel", "ds", "interval_minutes", "contacts"),
        "contacts",
        error=ForecastInputError,
    )
    sub = contacts.loc[contacts["interval_minutes"] < 1440]
    # one key per queue, spread by group code: a Python call per row cost a second on the sample
    groups = sub.groupby(["country", "channel"], sort=True, observed=True)
    keys = np.array([make_unique_id(c, ch) for c, ch in groups.size().index], dtype=object)
    out = pd.DataFrame(
        {
            "unique_id": keys[groups.ngroup().to_numpy()],
            "ds": sub["ds"].to_numpy(),
            "y": pd.to_numeric(sub["contacts"], errors="coerce").to_numpy(dtype=float),
        }
    )
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def traffic_to_frame(traffic: pd.DataFrame) -> pd.DataFrame:
    """Turn the data layer's traffic frame into a complete daily grid per country.

    Parameters
    ----------
    traffic : pandas.DataFrame
        ``country, date, sessions`` (sessions per day). A missing day-country inside the frame's
        date range means zero sessions.

    Returns
    -------
    pandas.DataFrame
        ``country, ds, sessions`` with every day of the overall date range for every country.
    """
    require_columns(traffic, ("country", "date", "sessions"), "traffic", error=ForecastInputError)
    t = pd.DataFrame(
        {
            "country": traffic["country"].to_numpy(),
            "ds": pd.to_datetime(traffic["date"]).dt.normalize(),
            "sessions": pd.to_numeric(traffic["sessions"], errors="coerce").to_numpy(dtype=float),
        }
    )
    if t["sessions"].isna().any() or (t["sessions"] < 0).any():
        bad = t.loc[t["sessions"].isna() | (t["sessions"] < 0)].iloc[0]
        raise ForecastInputError(
            f"traffic: {bad['country']} on {bad['ds'].date()} has sessions={bad['sessions']} (need a number >= 0)"
        )
    t = t.groupby(["country", "ds"], as_index=False)["sessions"].sum()
    days = pd.date_range(t["ds"].min(), t["ds"].max(), freq="D")
    grid = pd.MultiIndex.from_product(
        [sorted(t["country"].unique()), days], names=["country", "ds"]
    )
    out = t.set_index(["country", "ds"])["sessions"].reindex(grid, fill_value=0.0)
    return out.reset_index()
