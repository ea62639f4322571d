"""A daily forecast split into intervals, queue by queue, and the days a daily forecast lacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from forecasting.frames import contacts_to_intraday
from forecasting.intraday import intraday_profiles
from forecasting.service import split_daily_forecast
from staffing.planning_errors import PlanningInputError
from staffing.profiles import (
    INTERVAL_COLUMNS,
    ProfileError,
    QueueSetup,
    builtin_profile,
    fit_to_opening_hours,
    format_opening_hours,
    profile_from_intraday,
    profile_from_shares,
    spread_daily_forecast,
)

__all__ = [
    "FORECAST_GAP_COLUMNS",
    "PATTERN_COLUMNS",
    "QueueIntervals",
    "forecast_gaps",
    "intervals_from_daily",
]

_KEYS = ["country", "channel"]


PATTERN_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "pattern",
    "opening_hours",
    "closed_contacts",
)
"""Columns of :attr:`QueueIntervals.queues`: how each queue's days were split into intervals.

``pattern`` is ``history`` (the queue's own intraday history), ``learnt`` (similar queues'),
``builtin`` or ``uploaded``; ``opening_hours`` the hours used (empty for ``history``, whose
intervals follow the history); ``closed_contacts`` the forecast contacts of closed days."""


@dataclass(frozen=True)
class QueueIntervals:
    """A daily forecast split into intervals, queue by queue.

    Attributes
    ----------
    intervals : pandas.DataFrame
        ``staffing.profiles.INTERVAL_COLUMNS`` (``aht_seconds`` NaN:
        :func:`staffing.handle_times.handle_times`
        gives them), sorted by country, channel and interval.
    queues : pandas.DataFrame
        :data:`PATTERN_COLUMNS`, one row per queue.
    notes : tuple of str
        What was assumed or left out, in words.
    """

    intervals: pd.DataFrame
    queues: pd.DataFrame
    notes: tuple[str, ...] = ()


def intervals_from_daily(
    daily: pd.DataFrame,
    contacts: pd.DataFrame,
    setups: Mapping[tuple[str, str], QueueSetup] | None = None,
    interval_minutes: int = 30,
) -> QueueIntervals:
    """Split a daily forecast into intervals: with a queue's intraday history where it has one,
    else with its arrival profile inside its opening hours.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``forecasting.service.DAILY_EXPORT_COLUMNS``.
    contacts : pandas.DataFrame
        The data layer's contacts frame: its intraday rows give a queue its own split, and
        give ``learnt`` profiles to queues of the same channel without intraday history.
    setups : mapping of (country, channel) to QueueSetup, optional
        Opening hours and profile per queue; a queue without one is open
        ``staffing.profiles.DEFAULT_OPENING`` with the learnt (else built-in) profile.
    interval_minutes : int, default 30

    Returns
    -------
    QueueIntervals
    """
    require_columns(
        daily,
        ["country", "channel", "date", "forecast"],
        "daily forecast",
        error=PlanningInputError,
    )
    setups = setups or {}
    intraday = contacts[contacts["interval_minutes"] < 1440] if len(contacts) else contacts
    own = (
        set(zip(intraday["country"], intraday["channel"], strict=True)) if len(intraday) else set()
    )
    queues = list(dict.fromkeys(zip(daily["country"], daily["channel"], strict=True)))
    parts, rows, notes = [], [], []
    has_own = [q for q in queues if q in own]
    if has_own:
        mine = daily[pd.MultiIndex.from_frame(daily[_KEYS]).isin(has_own)]
        split = split_daily_forecast(mine, contacts, int(interval_minutes))
        parts.append(split.assign(aht_seconds=np.nan)[list(INTERVAL_COLUMNS)])
        rows += [(c, ch, "history", "", 0.0) for c, ch in has_own]
    learnt: dict[str, pd.DataFrame | None] = {}
    for country, channel in (q for q in queues if q not in own):
        setup = setups.get((country, channel)) or QueueSetup()
        name = f"{country}/{channel}"
        fallback = builtin_profile(channel, interval_minutes)
        source = setup.profile_source
        if source is None:
            source = (
                "learnt"
                if _learnt(learnt, intraday, channel, interval_minutes) is not None
                else "builtin"
            )
        profile = fallback
        if source == "learnt":
            found = _learnt(learnt, intraday, channel, interval_minutes)
            if found is None:
                notes.append(
                    f"{name}: no intraday history of another {channel} queue to learn from, so the "
                    f"built-in {channel} pattern is used"
                )
                source = "builtin"
            else:
                profile = found
        elif source == "uploaded":
            profile = profile_from_shares(setup.profile, interval_minutes)
        opening = setup.opening
        profile, fitted_notes = fit_to_opening_hours(profile, opening, interval_minutes, fallback)
        notes += [f"{name}: {n}" for n in fitted_notes]
        queue_daily = daily[(daily["country"] == country) & (daily["channel"] == channel)]
        spread = spread_daily_forecast(
            queue_daily, profile, opening, interval_minutes=interval_minutes
        )
        parts.append(spread.intervals)
        hours = format_opening_hours(opening)
        if spread.closed_contacts > 0:
            notes.append(
                f"{name}: {spread.closed_contacts:,.0f} forecast contacts fall on days the queue "
                f"is closed ({hours}) and are not staffed"
            )
        rows.append((country, channel, source, hours, spread.closed_contacts))
    intervals = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(INTERVAL_COLUMNS))
    )
    intervals = intervals.sort_values([*_KEYS, "interval_start"]).reset_index(drop=True)
    return QueueIntervals(
        intervals, pd.DataFrame(rows, columns=list(PATTERN_COLUMNS)), tuple(notes)
    )


def _learnt(
    cache: dict[str, pd.DataFrame | None],
    intraday: pd.DataFrame,
    channel: str,
    interval_minutes: int,
) -> pd.DataFrame | None:
    """The weekday profile learnt from the intraday history of ``channel``'s queues (None
    without any), once per channel."""
    if channel not in cache:
        similar = intraday[intraday["channel"] == channel] if len(intraday) else intraday
        if similar.empty:
            cache[channel] = None
        else:
            shares = intraday_profiles(contacts_to_intraday(similar), int(interval_minutes))
            try:
                cache[channel] = profile_from_intraday(shares, int(interval_minutes))
            except ProfileError:
                cache[channel] = None
    return cache[channel]


FORECAST_GAP_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "missing_days",
    "first_missing",
    "last_missing",
)
"""Columns of :func:`forecast_gaps`'s result."""


def forecast_gaps(
    daily: pd.DataFrame,
    queues: Sequence[tuple[str, str]],
    start: dt.date,
    end: dt.date,
) -> pd.DataFrame:
    """The days of ``start..end`` (both included) a daily forecast has no value for, per queue.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``country, channel, date, forecast``, e.g. a saved run's picked forecast; a row whose
        ``forecast`` is NaN counts as missing. An empty frame without columns is accepted
        (nothing saved).
    queues : sequence of (country, channel)
        The queues that need a forecast.
    start, end : date
        The period; ``end`` before ``start`` is an empty period.

    Returns
    -------
    pandas.DataFrame
        :data:`FORECAST_GAP_COLUMNS`, one row per queue lacking at least one day, in the order
        of ``queues``: ``missing_days`` (int) and the first and last missing dates
        (``datetime.date``; days in between may be covered). Empty when every queue has
        every day.
    """
    days = pd.date_range(start, end, freq="D")
    if len(daily):
        require_columns(
            daily, [*_KEYS, "date", "forecast"], "daily forecast", error=PlanningInputError
        )
        present = daily[daily["forecast"].notna()]
        dates = pd.to_datetime(present["date"]).dt.normalize()
        have = set(zip(present["country"], present["channel"], dates, strict=True))
    else:
        have = set()
    rows = []
    for country, channel in dict.fromkeys((str(c), str(ch)) for c, ch in queues):
        missing = [d for d in days if (country, channel, d) not in have]
        if missing:
            rows.append((country, channel, len(missing), missing[0].date(), missing[-1].date()))
    return pd.DataFrame(rows, columns=list(FORECAST_GAP_COLUMNS)).astype({"missing_days": int})
