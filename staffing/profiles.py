"""Intraday arrival patterns and opening hours: a daily forecast spread over a queue's open intervals.

Most real starting points are daily volumes (a ticketing or ACD report), a known handle time and
the opening hours. Staffing needs contacts per interval, so the day's total is spread over the
open intervals with an *arrival profile*: the share of the day's contacts each interval gets.
A profile comes from one of three places (see :data:`PROFILE_SOURCES`):

``learnt``
    The intraday history Crewcast has for a similar queue (same channel, another country),
    averaged per weekday (:func:`profile_from_intraday`, fed by
    ``forecasting.intraday.intraday_profiles``).
``builtin``
    A field-standard shape per channel (:func:`builtin_profile`, :data:`BUILTIN_SHAPES`).
``uploaded``
    A profile file of the planner's (input kind ``profile``: ``weekday`` optional, ``time``
    HH:MM, ``share``; :func:`profile_from_shares`).

Whatever its source, a profile is cut to the opening hours and scaled so that each open
day's shares sum to 1 (:func:`fit_to_opening_hours`); :func:`spread_daily_forecast` then turns
daily rows into interval rows inside the opening hours only, keeping each open day's total.

The built-in shapes
-------------------
Each is a base level plus Gaussian bumps over the hour of day (local time), evaluated at the
middle of every interval:

- **voice**: a morning peak around 10:00-11:00 (the day's main peak: callers phone once their
  own day is under way) and a smaller early-afternoon peak around 14:00-15:00 after lunch,
  low early and late. This double hump is the textbook inbound-call day (Erlang-era traffic
  studies, and what the commercial WFM suites show as their default voice curve).
- **chat**: flatter and later: a broad bump through the afternoon and a second one in the
  evening (19:00-21:00), because chat is used from desks and sofas, and in the evening when
  phone lines are closed.
- **email**: flat: arrival spread evenly over the opening hours. Emails and tickets are worked
  from a backlog, not answered as they arrive, so the arrival curve hardly changes the staff a
  service window needs (staffing counts email as workload, not Erlang).

The same shape is used on every weekday: without the queue's own history, nothing better is
known about how weekdays differ within the day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from contracts import INTERVAL_FORECAST_COLUMNS, require_columns
from contracts.checks import check_positive
from staffing.requirements import channel_kind
from staffing.scheduling import WEEKDAY_NAMES, OpeningHours, ShiftTemplateError, parse_weekdays

__all__ = [
    "BUILTIN_SHAPES",
    "DEFAULT_OPENING",
    "INTERVAL_COLUMNS",
    "PROFILE_COLUMNS",
    "PROFILE_SOURCES",
    "ProfileError",
    "QueueSetup",
    "Spread",
    "builtin_profile",
    "fit_to_opening_hours",
    "format_opening_hours",
    "open_slots",
    "parse_opening_hours",
    "profile_from_intraday",
    "profile_from_shares",
    "spread_daily_forecast",
]

#: Where a queue's arrival profile comes from (the value stored per queue).
PROFILE_SOURCES: tuple[str, ...] = ("learnt", "builtin", "uploaded")

#: Columns of a profile frame: weekday 0 (Monday) .. 6, the interval's index within the day
#: at the profile's interval length, and its share of the day (each weekday sums to 1).
PROFILE_COLUMNS: tuple[str, ...] = ("weekday", "slot", "share")

#: The columns of the interval rows :func:`spread_daily_forecast` writes: those of
#: ``forecasting.service.INTERVAL_EXPORT_COLUMNS`` plus the handle time.
INTERVAL_COLUMNS: tuple[str, ...] = (*INTERVAL_FORECAST_COLUMNS, "aht_seconds")

#: Opening hours assumed for a queue nobody set them for.
DEFAULT_OPENING = "Mon-Sun 08:00-20:00"

#: The built-in shapes: (base level, ((peak hour, spread in hours, height), ...)) per channel
#: kind; see the module docstring for why.
BUILTIN_SHAPES: Mapping[str, tuple[float, tuple[tuple[float, float, float], ...]]] = {
    "queue": (0.15, ((10.5, 1.4, 1.0), (14.5, 1.3, 0.65))),
    "chat": (0.35, ((14.0, 3.0, 0.6), (20.0, 1.8, 0.55))),
    "workload": (1.0, ()),
}

_DAY_MINUTES = 1440
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class ProfileError(ValueError):
    """Opening hours, a profile or a daily forecast handed to this module are not usable."""


# --- opening hours ---------------------------------------------------------------------------


def _minutes(text: str, where: str) -> int:
    match = _TIME.match(text.strip())
    if not match or int(match.group(2)) > 59 or int(match.group(1)) > 24:
        raise ProfileError(f"{where}: {text.strip()!r} is not a time HH:MM")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > _DAY_MINUTES:
        raise ProfileError(f"{where}: {text.strip()!r} is after 24:00")
    return minutes


def _time(minutes: int) -> dt.time:
    return dt.time(0, 0) if minutes >= _DAY_MINUTES else dt.time(minutes // 60, minutes % 60)


def parse_opening_hours(text: str) -> OpeningHours:
    """Opening hours from the text planners write.

    Parameters
    ----------
    text : str
        ``"08:00-20:00"`` (every day), or weekday groups separated by ``;``:
        ``"Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed"``. Days not named are closed;
        ``24:00`` closes at midnight. Times are the queue's local time.

    Returns
    -------
    staffing.scheduling.OpeningHours
        The weekly windows (the schedule uses the same class).

    Raises
    ------
    ProfileError
        A part that is not ``DAYS HH:MM-HH:MM`` or ``DAYS closed``, a time that is not HH:MM,
        a closing time not after the opening time, a day named twice, or no open day at all.
    """
    weekly: dict[int, tuple[dt.time, dt.time] | None] = {}
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    if not parts:
        raise ProfileError("opening hours are empty: write e.g. 'Mon-Fri 08:00-20:00; Sat closed'")
    for part in parts:
        match = re.match(r"^(?:(?P<days>[A-Za-z][A-Za-z,\s-]*?)\s+)?(?P<hours>\S+)$", part)
        if not match:
            raise ProfileError(f"opening hours: {part!r} is not like 'Mon-Fri 08:00-20:00'")
        days_text = match.group("days") or "all"
        try:
            days = parse_weekdays(days_text)
        except ShiftTemplateError:
            raise ProfileError(
                f"opening hours: {days_text!r} in {part!r} is not like 'Mon-Fri' or 'Sat,Sun'"
            ) from None
        hours = match.group("hours").lower()
        if hours == "closed":
            window = None
        else:
            if hours.count("-") != 1:
                raise ProfileError(
                    f"opening hours: {match.group('hours')!r} in {part!r} is not HH:MM-HH:MM"
                )
            first, last = hours.split("-")
            opens, closes = _minutes(first, "opening hours"), _minutes(last, "opening hours")
            if closes <= opens:
                raise ProfileError(
                    f"opening hours: {part!r} closes at or before it opens (write 24:00 for midnight)"
                )
            window = (_time(opens), _time(closes))
        for day in days:
            if day in weekly:
                raise ProfileError(f"opening hours: {WEEKDAY_NAMES[day]} is named twice")
            weekly[day] = window
    if not any(w is not None for w in weekly.values()):
        raise ProfileError("opening hours: every day is closed")
    return OpeningHours(weekly={d: w for d, w in weekly.items() if w is not None})


def _window_minutes(window: tuple[dt.time, dt.time]) -> tuple[int, int]:
    opens = window[0].hour * 60 + window[0].minute
    closes = window[1].hour * 60 + window[1].minute
    return opens, closes if closes > opens else closes + _DAY_MINUTES


def format_opening_hours(opening: OpeningHours) -> str:
    """The text :func:`parse_opening_hours` reads, weekdays with equal hours grouped:
    ``"Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed"``."""

    def hours(day: int) -> str:
        window = opening.weekly.get(day)
        if window is None:
            return "closed"
        opens, closes = _window_minutes(window)
        closes = min(closes, _DAY_MINUTES)
        return f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"

    groups: list[tuple[int, int, str]] = []
    for day in range(7):
        text = hours(day)
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    return "; ".join(
        f"{WEEKDAY_NAMES[a]}{'' if a == b else '-' + WEEKDAY_NAMES[b]} {text}"
        for a, b, text in groups
    )


def open_slots(opening: OpeningHours, interval_minutes: int) -> np.ndarray:
    """Which intervals of each weekday are open: a (7, slots per day) boolean array.

    An interval is open when the whole of it lies inside the weekday's window. A window that
    closes after midnight (``22:00-06:00``) opens the day's evening and its early morning.

    Raises
    ------
    ProfileError
        ``interval_minutes`` does not divide a day, or a window's ends are not on the
        interval grid (``08:15`` with 30-minute intervals would staff half an interval).
    """
    _check_interval(interval_minutes)
    slots = _DAY_MINUTES // interval_minutes
    mask = np.zeros((7, slots), dtype=bool)
    starts = np.arange(slots) * interval_minutes
    for day, window in opening.weekly.items():
        if window is None:
            continue
        opens, closes = _window_minutes(window)
        for edge in (opens, closes):
            if edge % interval_minutes:
                raise ProfileError(
                    f"opening hours for {WEEKDAY_NAMES[day]}: {edge // 60:02d}:{edge % 60:02d} is "
                    f"not on the {interval_minutes}-minute grid of the plan's intervals"
                )
        inside = (starts >= opens) & (starts + interval_minutes <= closes)
        if closes > _DAY_MINUTES:  # past midnight: the same day's early hours
            inside |= starts + interval_minutes <= closes - _DAY_MINUTES
        mask[day] = inside
    return mask


def _check_interval(interval_minutes: int) -> None:
    if (
        isinstance(interval_minutes, bool)
        or not isinstance(interval_minutes, int | np.integer)
        or interval_minutes <= 0
        or _DAY_MINUTES % interval_minutes
    ):
        raise ProfileError(
            f"interval_minutes must be a whole number of minutes dividing a day (15, 30, 60), "
            f"got {interval_minutes!r}"
        )


# --- profiles --------------------------------------------------------------------------------


def _frame(shares: np.ndarray) -> pd.DataFrame:
    """A (7, slots) array of shares as a profile frame."""
    days, slots = shares.shape
    return pd.DataFrame(
        {
            "weekday": np.repeat(np.arange(days), slots),
            "slot": np.tile(np.arange(slots), days),
            "share": shares.reshape(-1),
        }
    )


def _matrix(profile: pd.DataFrame, interval_minutes: int) -> np.ndarray:
    """A profile frame as a (7, slots) array (missing cells 0)."""
    require_columns(profile, PROFILE_COLUMNS, "profile", error=ProfileError)
    slots = _DAY_MINUTES // interval_minutes
    matrix = np.zeros((7, slots))
    if len(profile):
        day = profile["weekday"].to_numpy(dtype=int)
        slot = profile["slot"].to_numpy(dtype=int)
        if (day < 0).any() or (day > 6).any() or (slot < 0).any() or (slot >= slots).any():
            raise ProfileError(f"profile: weekday must be 0..6 and slot 0..{slots - 1}")
        np.add.at(matrix, (day, slot), profile["share"].to_numpy(dtype=float))
    return matrix


def builtin_profile(channel: str, interval_minutes: int = 30) -> pd.DataFrame:
    """The field-standard arrival shape of ``channel`` over the whole day, every weekday.

    Parameters
    ----------
    channel : str
        ``voice``, ``chat``, ``email`` (or another name :func:`staffing.requirements.channel_kind`
        knows).
    interval_minutes : int, default 30

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`; each weekday's shares sum to 1 over the 24 hours (cut to the
        opening hours with :func:`fit_to_opening_hours`).
    """
    _check_interval(interval_minutes)
    base, bumps = BUILTIN_SHAPES[channel_kind(channel)]
    slots = _DAY_MINUTES // interval_minutes
    hours = (np.arange(slots) + 0.5) * interval_minutes / 60.0
    curve = np.full(slots, base)
    for peak, spread, height in bumps:
        curve += height * np.exp(-0.5 * ((hours - peak) / spread) ** 2)
    curve /= curve.sum()
    return _frame(np.tile(curve, (7, 1)))


def profile_from_shares(shares: pd.DataFrame, interval_minutes: int = 30) -> pd.DataFrame:
    """A profile from an uploaded profile file's clean frame, at ``interval_minutes``.

    Parameters
    ----------
    shares : pandas.DataFrame
        ``data.validation``'s clean ``profile`` frame: ``weekday`` (0..6, or missing for
        "every day without rows of its own"), ``minute_of_day`` (the row's interval start),
        ``interval_minutes`` (the file's step) and ``share`` (>= 0, any scale: each weekday is
        scaled to sum to 1).
    interval_minutes : int, default 30
        The plan's interval length. A coarser file is spread evenly over the finer intervals
        (an hour's share halves into two half hours); a finer one is summed.

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`. Weekdays the file does not name take its every-day rows, else
        the mean of the days it names.

    Raises
    ------
    ProfileError
        Missing columns, or no weekday with a positive share.
    """
    _check_interval(interval_minutes)
    require_columns(shares, ("weekday", "minute_of_day", "share"), "profile", error=ProfileError)
    step = (
        shares["interval_minutes"].astype(int)
        if "interval_minutes" in shares.columns
        else pd.Series(interval_minutes, index=shares.index)
    )
    matrix = np.zeros((8, _DAY_MINUTES // interval_minutes))  # row 7: every day
    weekday = shares["weekday"].astype("Int64").fillna(7).to_numpy(dtype=int)
    minute = shares["minute_of_day"].to_numpy(dtype=int)
    share = shares["share"].to_numpy(dtype=float)
    for row_step in np.unique(step.to_numpy()):
        chosen = step.to_numpy() == row_step
        piece = math.gcd(int(row_step), interval_minutes)
        for offset in range(0, int(row_step), piece):  # spread the row over its minutes
            at = (minute[chosen] + offset) % _DAY_MINUTES // interval_minutes
            np.add.at(matrix, (weekday[chosen], at), share[chosen] * piece / row_step)
    totals = matrix.sum(axis=1)
    named = totals[:7] > 0
    if not named.any() and totals[7] <= 0:
        raise ProfileError("profile: every share is zero; at least one interval needs a share")
    scaled = matrix / np.where(totals > 0, totals, 1.0)[:, None]
    fallback = scaled[7] if totals[7] > 0 else scaled[:7][named].mean(axis=0)
    out = np.where(named[:, None], scaled[:7], fallback[None, :])
    return _frame(out)


def profile_from_intraday(profiles: pd.DataFrame, interval_minutes: int = 30) -> pd.DataFrame:
    """One weekday profile from the intraday profiles of similar queues.

    Parameters
    ----------
    profiles : pandas.DataFrame
        ``forecasting.intraday.intraday_profiles`` output: ``unique_id, day_type, slot,
        share`` (``day_type`` ``"0"``..``"6"`` or ``"holiday"``), at ``interval_minutes``.
    interval_minutes : int, default 30

    Returns
    -------
    pandas.DataFrame
        :data:`PROFILE_COLUMNS`: per weekday the mean share over the queues (each queue counts
        once, whatever its volume); a weekday none of them has takes the mean of the others.
        Holiday profiles are left out (a holiday is not a normal weekday).

    Raises
    ------
    ProfileError
        No weekday profile in ``profiles``.
    """
    _check_interval(interval_minutes)
    normal = profiles[profiles["day_type"].astype(str).isin([str(d) for d in range(7)])]
    if normal.empty:
        raise ProfileError("no intraday history to learn a profile from")
    frame = normal.assign(weekday=normal["day_type"].astype(int))
    queues = frame.groupby("weekday")["unique_id"].nunique()
    sums = frame.groupby(["weekday", "slot"], as_index=False)["share"].sum()
    sums["share"] /= sums["weekday"].map(queues)
    matrix = _matrix(sums, interval_minutes)
    have = matrix.sum(axis=1) > 0
    matrix[~have] = matrix[have].mean(axis=0)
    return _frame(matrix / matrix.sum(axis=1, keepdims=True))


def fit_to_opening_hours(
    profile: pd.DataFrame,
    opening: OpeningHours,
    interval_minutes: int = 30,
    fallback: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Cut a profile to the open intervals and scale each open weekday to sum to 1.

    Parameters
    ----------
    profile : pandas.DataFrame
        :data:`PROFILE_COLUMNS` at ``interval_minutes``.
    opening : OpeningHours
    interval_minutes : int, default 30
    fallback : pandas.DataFrame, optional
        A profile (usually :func:`builtin_profile`) for an open weekday on which ``profile`` has
        no share inside the opening hours (a learnt queue closed on Sundays, this one open);
        an even spread over the open intervals without it.

    Returns
    -------
    profile : pandas.DataFrame
        :data:`PROFILE_COLUMNS`, rows for open intervals only; each open weekday sums to 1.
    notes : tuple of str
        The weekdays that took the fallback, in words.
    """
    mask = open_slots(opening, interval_minutes)
    matrix = _matrix(profile, interval_minutes) * mask
    notes = []
    empty = mask.any(axis=1) & (matrix.sum(axis=1) <= 0)
    if empty.any():
        other = (
            _matrix(fallback, interval_minutes) * mask
            if fallback is not None
            else mask.astype(float)
        )
        other = np.where(other.sum(axis=1, keepdims=True) > 0, other, mask.astype(float))
        matrix[empty] = other[empty]
        days = ", ".join(WEEKDAY_NAMES[d] for d in np.flatnonzero(empty))
        notes.append(
            f"the profile has no contacts inside the opening hours on {days}: "
            + ("the built-in shape is used there" if fallback is not None else "spread evenly")
        )
    totals = matrix.sum(axis=1, keepdims=True)
    matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    frame = _frame(matrix)
    keep = mask.reshape(-1)
    return frame[keep].reset_index(drop=True), tuple(notes)


@dataclass(frozen=True, eq=False)
class QueueSetup:
    """What a planner stated about one queue, for planning it from a daily forecast.

    Parameters
    ----------
    aht_seconds : float, optional
        Average handle time in seconds, used where the history has none.
    opening_hours : str, optional
        As :func:`parse_opening_hours` reads it; :data:`DEFAULT_OPENING` when not set.
    profile_source : str, optional
        One of :data:`PROFILE_SOURCES`; when not set, ``learnt`` where a similar queue has
        intraday history, else ``builtin``.
    profile : pandas.DataFrame, optional
        The uploaded profile (``data.validation``'s clean ``profile`` frame), needed for
        ``uploaded``.

    Raises
    ------
    ProfileError
        At construction: a handle time that is not a positive number, opening hours that do not
        parse, an unknown source, or ``uploaded`` without a profile.
    """

    aht_seconds: float | None = None
    opening_hours: str | None = None
    profile_source: str | None = None
    profile: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.aht_seconds is not None:
            check_positive("aht_seconds", self.aht_seconds, error=ProfileError)
        if self.profile_source is not None and self.profile_source not in PROFILE_SOURCES:
            raise ProfileError(
                f"profile source must be one of {', '.join(PROFILE_SOURCES)}, "
                f"got {self.profile_source!r}"
            )
        if self.profile_source == "uploaded" and self.profile is None:
            raise ProfileError("an uploaded profile needs the profile file")
        self.opening  # noqa: B018 - parse now, so bad hours fail when the setup is made

    @property
    def opening(self) -> OpeningHours:
        """The opening hours (:data:`DEFAULT_OPENING` when not set)."""
        return parse_opening_hours(self.opening_hours or DEFAULT_OPENING)


# --- spreading a daily forecast --------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """A daily forecast spread over the open intervals.

    Attributes
    ----------
    intervals : pandas.DataFrame
        :data:`INTERVAL_COLUMNS`, one row per open interval of each day, sorted by country,
        channel and interval; each open day's ``forecast``, ``forecast_lower`` and
        ``forecast_upper`` sum to the daily values.
    closed_days : pandas.DataFrame
        ``country, channel, date, forecast``: days with a forecast on which the queue is
        closed, left out of ``intervals`` (their contacts are not staffed).
    """

    intervals: pd.DataFrame
    closed_days: pd.DataFrame

    @property
    def closed_contacts(self) -> float:
        """Forecast contacts on closed days, not staffed."""
        return float(self.closed_days["forecast"].sum())


def spread_daily_forecast(
    daily: pd.DataFrame,
    profile: pd.DataFrame,
    opening: OpeningHours,
    *,
    interval_minutes: int = 30,
    aht_seconds: float | None = None,
) -> Spread:
    """Spread daily forecasts of one queue's kind over its open intervals.

    Parameters
    ----------
    daily : pandas.DataFrame
        ``country, channel, date, forecast, forecast_lower, forecast_upper, model``
        (``forecasting.service.DAILY_EXPORT_COLUMNS``; lower/upper default to the forecast);
        may hold several queues that share ``profile`` and ``opening``.
    profile : pandas.DataFrame
        :data:`PROFILE_COLUMNS` at ``interval_minutes`` (any source; cut to the opening hours
        here, so a whole-day profile is fine).
    opening : OpeningHours
        The queue's weekly opening hours (date exceptions are not read).
    interval_minutes : int, default 30
    aht_seconds : float, optional
        Written to every row's ``aht_seconds`` (NaN when not given).

    Returns
    -------
    Spread
    """
    _check_interval(interval_minutes)
    needed = ["country", "channel", "date", "forecast"]
    require_columns(daily, needed, "daily forecast", error=ProfileError)
    if aht_seconds is not None:
        check_positive("aht_seconds", aht_seconds, error=ProfileError)
    day = daily.copy()
    day["date"] = pd.to_datetime(day["date"]).dt.normalize()
    for bound in ("forecast_lower", "forecast_upper"):
        if bound not in day.columns:
            day[bound] = day["forecast"]
    if "model" not in day.columns:
        day["model"] = ""
    fitted, _ = fit_to_opening_hours(profile, opening, interval_minutes)
    matrix = _matrix(fitted, interval_minutes)
    weekday = day["date"].dt.day_of_week.to_numpy()
    is_open = matrix[weekday].sum(axis=1) > 0
    closed = day.loc[~is_open, ["country", "channel", "date", "forecast"]].reset_index(drop=True)
    day = day.loc[is_open].reset_index(drop=True)
    shares = matrix[day["date"].dt.day_of_week.to_numpy()]  # (days, slots)
    open_cells = np.nonzero(shares > 0)
    rows, slot = open_cells
    columns = ["forecast", "forecast_lower", "forecast_upper"]
    values = day[columns].to_numpy(dtype=float)
    split = shares[rows, slot][:, None] * values[rows]
    # the rounding remainder goes on each day's largest interval, so the sums are exact
    top = shares.argmax(axis=1)
    is_top = slot == top[rows]
    sums = np.zeros_like(values)
    np.add.at(sums, rows, split)
    split[is_top] += (values - sums)[rows[is_top]]
    out = pd.DataFrame(
        {
            "country": day["country"].to_numpy()[rows],
            "channel": day["channel"].to_numpy()[rows],
            "date": day["date"].to_numpy()[rows],
            "interval_start": day["date"].to_numpy()[rows]
            + (slot * interval_minutes).astype("timedelta64[m]"),
            "interval_minutes": int(interval_minutes),
            "forecast": split[:, 0],
            "forecast_lower": split[:, 1],
            "forecast_upper": split[:, 2],
            "model": day["model"].to_numpy()[rows],
            "aht_seconds": float(aht_seconds) if aht_seconds is not None else np.nan,
        }
    )
    out = out.sort_values(["country", "channel", "interval_start"]).reset_index(drop=True)
    return Spread(out[list(INTERVAL_COLUMNS)], closed)
