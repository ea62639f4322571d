"""Glue between the forecast, the requirements and the schedule for the planning pages.

Pure frame-in, frame-out helpers: recent handle times, the requirements input built from an
interval forecast, summaries and what-if comparisons of requirements, the staff a schedule puts
on each interval against the requirement (with the service it projects), the default shift
templates, and a zip of export files. Nothing here reads or writes files or imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from forecasting.frames import contacts_to_intraday
from forecasting.intraday import intraday_profiles
from forecasting.service import split_daily_forecast
from staffing.erlang import StaffingTargets, evaluate_staffing
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
from staffing.requirements import INPUT_COLUMNS, channel_kind
from staffing.scheduling import TEMPLATE_FILE_COLUMNS, WEEKDAY_NAMES, ShiftTemplate

__all__ = [
    "AHT_COLUMNS",
    "FORECAST_GAP_COLUMNS",
    "GAP_COLUMNS",
    "HANDLE_TIME_COLUMNS",
    "PATTERN_COLUMNS",
    "MissingHandleTimeError",
    "PlanningInputError",
    "QueueIntervals",
    "default_shift_templates",
    "files_under",
    "forecast_gaps",
    "forecast_to_requirements_input",
    "gap_summary",
    "handle_times",
    "intervals_from_daily",
    "recent_aht",
    "requirements_for_week",
    "requirements_summary",
    "scheduled_vs_required",
    "staff_hours",
    "staff_on_shift",
    "targets_by_channel",
    "templates_to_frame",
    "what_if_difference",
    "with_time_of_day",
    "zip_files",
]

AHT_COLUMNS: tuple[str, ...] = ("country", "channel", "aht_seconds")
"""Columns of :func:`recent_aht`'s result."""

FORECAST_GAP_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "missing_days",
    "first_missing",
    "last_missing",
)
"""Columns of :func:`forecast_gaps`'s result."""

_KEYS = ["country", "channel"]


class PlanningInputError(ValueError):
    """A frame handed to a planning helper lacks what the helper needs."""


class MissingHandleTimeError(PlanningInputError):
    """Queues to plan have no handle time, neither in the history nor in their settings."""

    def __init__(self, queues: Sequence[str], where: str) -> None:
        self.queues = tuple(queues)
        names = ", ".join(self.queues)
        super().__init__(
            f"no handle time for {names}: the history has no aht_seconds for "
            f"{'it' if len(self.queues) == 1 else 'them'}; {where}"
        )


def recent_aht(contacts: pd.DataFrame, weeks: int = 8) -> pd.DataFrame:
    """Average handle time per (country, channel) over the last ``weeks`` weeks of history.

    The mean is weighted by contacts (a busy interval's handle time counts for more than a
    quiet one's); a series whose recent rows carry no contacts gets the plain mean. Each series
    uses its own last timestamp, so a queue with older data still gets a value.

    Parameters
    ----------
    contacts : pandas.DataFrame
        The data layer's contacts frame: ``country, channel, ds, contacts, aht_seconds``.
        Rows without an ``aht_seconds`` are ignored.
    weeks : int, default 8
        Look-back window in weeks (>= 1).

    Returns
    -------
    pandas.DataFrame
        :data:`AHT_COLUMNS`, one row per series with at least one handle time, sorted.
    """
    if int(weeks) < 1:
        raise PlanningInputError(f"weeks must be >= 1, got {weeks!r}")
    require_columns(
        contacts,
        ["country", "channel", "ds", "contacts", "aht_seconds"],
        "contacts",
        error=PlanningInputError,
    )
    frame = contacts.loc[contacts["aht_seconds"].notna(), ["country", "channel", "ds"]].copy()
    if frame.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "aht_seconds" else str) for c in AHT_COLUMNS}
        )
    frame["aht"] = contacts["aht_seconds"].astype(float)
    frame["volume"] = contacts["contacts"].astype(float).clip(lower=0).fillna(0.0)
    last = frame.groupby(_KEYS)["ds"].transform("max")
    frame = frame[frame["ds"] > last - pd.Timedelta(weeks=int(weeks))]
    frame["work"] = frame["aht"] * frame["volume"]
    sums = frame.groupby(_KEYS, as_index=False).agg(
        work=("work", "sum"), volume=("volume", "sum"), plain=("aht", "mean")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = sums["work"] / sums["volume"]
    sums["aht_seconds"] = weighted.where(sums["volume"] > 0, sums["plain"])
    return sums[list(AHT_COLUMNS)].sort_values(_KEYS).reset_index(drop=True)


HANDLE_TIME_COLUMNS: tuple[str, ...] = ("country", "channel", "aht_seconds", "aht_source")
"""Columns of :func:`handle_times`' result (``aht_source``: ``history`` or ``setting``)."""


def handle_times(
    contacts: pd.DataFrame,
    queues: Sequence[tuple[str, str]],
    setups: Mapping[tuple[str, str], QueueSetup] | None = None,
    weeks: int = 8,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The handle time of each queue: the history's recent one, else the planner's setting.

    Parameters
    ----------
    contacts : pandas.DataFrame
        The data layer's contacts frame (see :func:`recent_aht`).
    queues : sequence of (country, channel)
    setups : mapping of (country, channel) to QueueSetup, optional
        The planner's settings; their ``aht_seconds`` fills queues whose history has none.
    weeks : int, default 8
        Look-back of :func:`recent_aht`.

    Returns
    -------
    aht : pandas.DataFrame
        :data:`HANDLE_TIME_COLUMNS`, one row per queue that has a handle time.
    lacking : tuple of str
        ``"IT/voice"`` names of the queues that have none.
    """
    recent = recent_aht(contacts, weeks=weeks) if len(contacts) else pd.DataFrame()
    known = (
        {(c, ch): float(a) for c, ch, a in recent[list(AHT_COLUMNS)].itertuples(index=False)}
        if len(recent)
        else {}
    )
    rows, lacking = [], []
    for country, channel in dict.fromkeys((str(c), str(ch)) for c, ch in queues):
        setup = (setups or {}).get((country, channel))
        if (country, channel) in known:
            rows.append((country, channel, known[(country, channel)], "history"))
        elif setup is not None and setup.aht_seconds is not None:
            rows.append((country, channel, float(setup.aht_seconds), "setting"))
        else:
            lacking.append(f"{country}/{channel}")
    frame = pd.DataFrame(rows, columns=list(HANDLE_TIME_COLUMNS)).astype({"aht_seconds": float})
    return frame, tuple(lacking)


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
        ``staffing.profiles.INTERVAL_COLUMNS`` (``aht_seconds`` NaN: :func:`handle_times`
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


def forecast_to_requirements_input(
    intervals: pd.DataFrame,
    aht: pd.DataFrame,
    *,
    aht_change_pct: float = 0.0,
    volume_share: float = 1.0,
) -> pd.DataFrame:
    """The input of :func:`staffing.requirements.interval_requirements` from an interval forecast.

    Negative model outputs are read as zero contacts and ``forecast_upper`` is kept at or
    above ``forecast``, so the requirements' input checks hold for any forecast.

    Parameters
    ----------
    intervals : pandas.DataFrame
        ``forecasting.service.forecast_contacts(...).intervals``: ``country, channel,
        interval_start, interval_minutes, forecast, forecast_upper`` (other columns kept).
    aht : pandas.DataFrame
        :data:`AHT_COLUMNS` (from :func:`recent_aht`).
    aht_change_pct : float, default 0
        What-if change of every handle time in percent (``10`` = 10% longer calls, > -100).
    volume_share : float, default 1
        Fraction of the forecast contacts this team answers (0 < x <= 1), e.g. 0.3 when the
        rest is routed to another site. Scales ``forecast`` and ``forecast_upper`` before any
        Erlang maths (staff does not scale linearly with volume).

    Returns
    -------
    pandas.DataFrame
        :data:`staffing.requirements.INPUT_COLUMNS` first (``interval_start`` datetime64),
        then the other forecast columns, sorted by country, channel and interval.

    Raises
    ------
    PlanningInputError
        Missing columns, or a (country, channel) without a handle time.
    """
    require_columns(
        intervals,
        [c for c in INPUT_COLUMNS if c != "aht_seconds"],
        "interval forecast",
        error=PlanningInputError,
    )
    require_columns(aht, AHT_COLUMNS, "aht", error=PlanningInputError)
    if not float(aht_change_pct) > -100:
        raise PlanningInputError(f"aht_change_pct must be above -100, got {aht_change_pct!r}")
    share = float(volume_share)
    if isinstance(volume_share, bool) or not 0 < share <= 1:
        raise PlanningInputError(f"volume_share must be in (0, 1], got {volume_share!r}")
    frame = intervals.drop(columns=["aht_seconds"], errors="ignore").merge(
        aht[list(AHT_COLUMNS)], on=_KEYS, how="left"
    )
    lacking = frame.loc[frame["aht_seconds"].isna(), _KEYS].drop_duplicates()
    if not lacking.empty:
        names = ", ".join(f"{c}/{ch}" for c, ch in lacking.itertuples(index=False))
        raise PlanningInputError(f"no handle time in the history for {names}")
    frame["aht_seconds"] = frame["aht_seconds"].astype(float) * (1 + float(aht_change_pct) / 100)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["forecast"] = frame["forecast"].astype(float).clip(lower=0).fillna(0.0)
    upper = frame["forecast_upper"].astype(float).fillna(frame["forecast"])
    frame["forecast_upper"] = np.maximum(upper, frame["forecast"]) * share
    frame["forecast"] *= share
    rest = [c for c in frame.columns if c not in INPUT_COLUMNS]
    ordered = frame[[*INPUT_COLUMNS, *rest]]
    return ordered.sort_values([*_KEYS, "interval_start"]).reset_index(drop=True)


def targets_by_channel(
    channels: Sequence[str], targets: Mapping[str, object], chat_concurrency: int = 1
) -> dict[str, StaffingTargets]:
    """One :class:`StaffingTargets` per channel from one set of planner targets.

    Chat channels (see :func:`staffing.requirements.channel_kind`) get ``chat_concurrency``;
    voice and workload channels handle one contact at a time.

    Parameters
    ----------
    channels : sequence of str
    targets : mapping
        Keyword arguments of :class:`StaffingTargets` (without ``concurrency``).
    chat_concurrency : int, default 1
        Chats an agent handles at once.

    Raises
    ------
    staffing.requirements.RequirementsInputError
        For a channel nobody said how to staff.
    staffing.checks.InvalidParameterError
        For targets out of range.
    """
    return {
        channel: StaffingTargets(
            **{**targets, "concurrency": chat_concurrency if channel_kind(channel) == "chat" else 1}
        )
        for channel in channels
    }


def staff_hours(requirements: pd.DataFrame) -> float:
    """Agent-hours to schedule (``required_staff`` x interval length), summed over all rows."""
    require_columns(
        requirements,
        ["required_staff", "interval_minutes"],
        "requirements",
        error=PlanningInputError,
    )
    hours = requirements["required_staff"] * requirements["interval_minutes"] / 60.0
    return float(hours.sum())


def requirements_summary(requirements: pd.DataFrame) -> pd.DataFrame:
    """Per (country, channel): staff-hours, peak staff and contact-weighted projected metrics.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, contacts, staff_hours, peak_staff, service_level, asa_seconds,
        occupancy``; the metrics are averages weighted by planned contacts over the intervals
        that have a queue model (NaN for workload channels).
    """
    columns = ["planned_contacts", "required_staff", "interval_minutes", "service_level"]
    require_columns(
        requirements,
        [*_KEYS, *columns, "asa_seconds", "occupancy"],
        "requirements",
        error=PlanningInputError,
    )
    frame = requirements[[*_KEYS, *columns, "asa_seconds", "occupancy"]].copy()
    frame["hours"] = frame["required_staff"] * frame["interval_minutes"] / 60.0
    weight = frame["planned_contacts"].where(frame["service_level"].notna(), 0.0)
    frame["weight"] = weight
    metrics = ["service_level", "asa_seconds", "occupancy"]
    for metric in metrics:
        frame[f"w_{metric}"] = frame[metric].fillna(0.0) * weight
    grouped = frame.groupby(_KEYS, as_index=False).agg(
        contacts=("planned_contacts", "sum"),
        staff_hours=("hours", "sum"),
        peak_staff=("required_staff", "max"),
        weight=("weight", "sum"),
        **{f"w_{m}": (f"w_{m}", "sum") for m in metrics},
    )
    for metric in metrics:
        grouped[metric] = (grouped[f"w_{metric}"] / grouped["weight"]).where(grouped["weight"] > 0)
    grouped["peak_staff"] = grouped["peak_staff"].astype("int64")
    out = [*_KEYS, "contacts", "staff_hours", "peak_staff", *metrics]
    return grouped[out].sort_values(_KEYS).reset_index(drop=True)


def what_if_difference(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Staff-hours of two requirement sets side by side, per (country, channel) and in total.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, baseline_hours, scenario_hours, difference_hours, difference_pct``;
        the last row is the total (``country`` = ``"All"``, ``channel`` = ``""``).
    """
    base = requirements_summary(baseline)[[*_KEYS, "staff_hours"]]
    other = requirements_summary(scenario)[[*_KEYS, "staff_hours"]]
    both = base.merge(other, on=_KEYS, how="outer", suffixes=("_b", "_s")).fillna(0.0)
    both = both.rename(
        columns={"staff_hours_b": "baseline_hours", "staff_hours_s": "scenario_hours"}
    )
    total = pd.DataFrame(
        {
            "country": ["All"],
            "channel": [""],
            "baseline_hours": [both["baseline_hours"].sum()],
            "scenario_hours": [both["scenario_hours"].sum()],
        }
    )
    both = pd.concat([both, total], ignore_index=True)
    both["difference_hours"] = both["scenario_hours"] - both["baseline_hours"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * both["difference_hours"] / both["baseline_hours"]
    both["difference_pct"] = pct.where(both["baseline_hours"] > 0)
    return both


def with_time_of_day(requirements: pd.DataFrame) -> pd.DataFrame:
    """Copy with ``day`` (the interval's date, midnight) and ``time_of_day`` (``"HH:MM"``) added."""
    require_columns(requirements, ["interval_start"], "requirements", error=PlanningInputError)
    out = requirements.copy()
    start = pd.to_datetime(out["interval_start"])
    out["day"] = start.dt.normalize()
    out["time_of_day"] = start.dt.strftime("%H:%M")
    return out


GAP_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "day",
    "time_of_day",
    "planned_contacts",
    "required_staff",
    "scheduled_staff",
    "gap",
    "understaffed",
    "on_queue_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "stable",
)
"""Columns of :func:`scheduled_vs_required`'s result."""


def staff_on_shift(assignments: pd.DataFrame, intervals: pd.DataFrame) -> np.ndarray:
    """Agents at work in each interval according to a roster, breaks excluded.

    An agent counts for the fraction of the interval they work (a shift ending at 10:15
    counts half in 10:00-10:30), the same rule the shift planner uses for its coverage.

    Parameters
    ----------
    assignments : pandas.DataFrame
        ``staffing.roster.Roster.assignments``: ``country, channel, shift_start, shift_end,
        break_start, break_end`` (naive local time of the queue; breaks may be NaT).
    intervals : pandas.DataFrame
        ``country, channel, interval_start`` (naive local) and ``interval_minutes``.

    Returns
    -------
    numpy.ndarray
        Float agents per row of ``intervals``, in its order.
    """
    require_columns(
        assignments,
        [*_KEYS, "shift_start", "shift_end", "break_start", "break_end"],
        "roster",
        error=PlanningInputError,
    )
    require_columns(
        intervals,
        [*_KEYS, "interval_start", "interval_minutes"],
        "intervals",
        error=PlanningInputError,
    )
    out = np.zeros(len(intervals))
    if assignments.empty or intervals.empty:
        return out
    start = pd.to_datetime(intervals["interval_start"]).to_numpy("datetime64[ns]").astype(np.int64)
    minutes = intervals["interval_minutes"].to_numpy(dtype=np.int64)
    end = start + minutes * 60_000_000_000
    queues = intervals.groupby(_KEYS, sort=False).indices
    shifts = assignments.groupby(_KEYS, sort=False)

    def ns(times: pd.Series) -> np.ndarray:
        return pd.to_datetime(times).to_numpy("datetime64[ns]").astype(np.int64)[:, None]

    for key, rows in queues.items():
        if key not in shifts.groups:
            continue
        queue = shifts.get_group(key)
        shift_start = pd.to_datetime(queue["shift_start"])
        # a shift without a break gets a zero-length break at its start
        break_start = pd.to_datetime(queue["break_start"]).fillna(shift_start)
        break_end = pd.to_datetime(queue["break_end"]).fillna(break_start)
        a, b = ns(shift_start), ns(queue["shift_end"])
        pause_a, pause_b = np.clip(ns(break_start), a, b), np.clip(ns(break_end), a, b)
        lo, hi = start[rows][None, :], end[rows][None, :]

        def overlap(x: np.ndarray, y: np.ndarray, lo=lo, hi=hi) -> np.ndarray:
            return np.clip(np.minimum(y, hi) - np.maximum(x, lo), 0, None)

        worked = overlap(a, b) - overlap(pause_a, np.maximum(pause_a, pause_b))
        out[rows] = worked.sum(axis=0) / (hi - lo)[0]
    return out


def scheduled_vs_required(
    requirements: pd.DataFrame,
    scheduled: pd.DataFrame,
    targets: Mapping[str, StaffingTargets],
) -> pd.DataFrame:
    """Staff a schedule puts on each interval against the requirement, and the service it buys.

    Only intervals present in both frames are kept (a schedule covers one week of a longer
    plan). Scheduled staff include shrinkage like ``required_staff`` does, so the agents on the
    queue are ``floor(scheduled_staff x (1 - shrinkage))``, the inverse of the requirement's
    ``ceil(agents / (1 - shrinkage))``; service level, ASA and occupancy are those of Erlang C
    (or A with a patience) at that many agents (:func:`staffing.erlang.evaluate_staffing`).

    Parameters
    ----------
    requirements : pandas.DataFrame
        ``staffing.requirements.interval_requirements`` output: ``country, channel,
        interval_start, interval_minutes, planned_contacts, aht_seconds, required_staff``.
    scheduled : pandas.DataFrame
        ``country, channel, interval_start, scheduled_staff`` (headcount at work, may be
        fractional where a shift covers part of an interval), e.g. a shift plan's coverage or
        :func:`staff_on_shift` of a roster.
    targets : mapping of channel to StaffingTargets
        As used for the requirements (:func:`targets_by_channel`).

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS`: ``gap = scheduled_staff - required_staff`` (negative = short),
        ``understaffed = gap < 0``, ``on_queue_agents`` (int). Queue metrics are NaN for
        workload channels; where the Erlang C queue is unstable (agents <= traffic)
        ``stable`` is False, the service level 0 and the ASA NaN (it is unbounded).
    """
    needed = ["interval_minutes", "planned_contacts", "aht_seconds", "required_staff"]
    require_columns(
        requirements, [*_KEYS, "interval_start", *needed], "requirements", error=PlanningInputError
    )
    require_columns(
        scheduled,
        [*_KEYS, "interval_start", "scheduled_staff"],
        "scheduled",
        error=PlanningInputError,
    )
    keys = [*_KEYS, "interval_start"]
    left = requirements[[*keys, *needed]].assign(
        interval_start=lambda f: pd.to_datetime(f["interval_start"])
    )
    right = scheduled[[*keys, "scheduled_staff"]].assign(
        interval_start=lambda f: pd.to_datetime(f["interval_start"])
    )
    frame = left.merge(right, on=keys, how="inner", validate="one_to_one")
    frame = with_time_of_day(frame.sort_values(keys).reset_index(drop=True))
    staff = frame["scheduled_staff"].astype(float).to_numpy()
    frame["gap"] = staff - frame["required_staff"].to_numpy(dtype=float)
    frame["understaffed"] = frame["gap"] < -1e-9
    frame["on_queue_agents"] = 0
    for metric in ("service_level", "asa_seconds", "occupancy"):
        frame[metric] = np.nan
    frame["stable"] = True
    for channel, rows in frame.groupby("channel", sort=False).indices.items():
        if channel not in targets:
            raise PlanningInputError(f"no targets for channel {channel!r}")
        chosen = targets[channel]
        agents = np.floor(staff[rows] * (1.0 - chosen.shrinkage) + 1e-9).astype(np.int64)
        frame.loc[frame.index[rows], "on_queue_agents"] = agents
        if channel_kind(channel) == "workload":
            continue
        result = evaluate_staffing(
            frame["planned_contacts"].to_numpy(dtype=float)[rows],
            frame["aht_seconds"].to_numpy(dtype=float)[rows],
            frame["interval_minutes"].to_numpy(dtype=float)[rows],
            agents,
            chosen,
        )
        stable = np.asarray(result.stable, dtype=bool)
        frame.loc[frame.index[rows], "stable"] = stable
        frame.loc[frame.index[rows], "service_level"] = result.service_level
        frame.loc[frame.index[rows], "asa_seconds"] = np.where(stable, result.asa_seconds, np.nan)
        frame.loc[frame.index[rows], "occupancy"] = result.occupancy
    return frame[list(GAP_COLUMNS)]


def gap_summary(gaps: pd.DataFrame) -> pd.DataFrame:
    """Per (country, channel): staff-hours required and scheduled, short intervals, and service.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`scheduled_vs_required` output.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, required_hours, scheduled_hours, short_hours`` (agent-hours below
        the requirement), ``understaffed_intervals``, ``unstable_intervals`` (more contacts than
        agents can ever answer), and contact-weighted ``service_level``, ``asa_seconds`` (over
        the stable intervals only) and ``occupancy``.
    """
    require_columns(gaps, GAP_COLUMNS, "gaps", error=PlanningInputError)
    frame = gaps.copy()
    hours = frame["interval_minutes"] / 60.0
    frame["required_hours"] = frame["required_staff"] * hours
    frame["scheduled_hours"] = frame["scheduled_staff"] * hours
    frame["short_hours"] = (-frame["gap"]).clip(lower=0) * hours
    frame["unstable"] = ~frame["stable"].astype(bool)
    weight = frame["planned_contacts"].where(frame["service_level"].notna(), 0.0)
    stable_weight = weight.where(frame["stable"].astype(bool), 0.0)
    parts = {
        "w_service_level": frame["service_level"].fillna(0.0) * weight,
        "w_occupancy": frame["occupancy"].fillna(0.0) * weight,
        "w_asa_seconds": frame["asa_seconds"].fillna(0.0) * stable_weight,
        "weight": weight,
        "stable_weight": stable_weight,
    }
    frame = frame.assign(**parts)
    grouped = frame.groupby(_KEYS, as_index=False).agg(
        required_hours=("required_hours", "sum"),
        scheduled_hours=("scheduled_hours", "sum"),
        short_hours=("short_hours", "sum"),
        understaffed_intervals=("understaffed", "sum"),
        unstable_intervals=("unstable", "sum"),
        **{name: (name, "sum") for name in parts},
    )
    for metric, base in (
        ("service_level", "weight"),
        ("asa_seconds", "stable_weight"),
        ("occupancy", "weight"),
    ):
        grouped[metric] = (grouped[f"w_{metric}"] / grouped[base]).where(grouped[base] > 0)
    for column in ("understaffed_intervals", "unstable_intervals"):
        grouped[column] = grouped[column].astype("int64")
    out = [
        *_KEYS,
        "required_hours",
        "scheduled_hours",
        "short_hours",
        "understaffed_intervals",
        "unstable_intervals",
        "service_level",
        "asa_seconds",
        "occupancy",
    ]
    return grouped[out].sort_values(_KEYS).reset_index(drop=True)


def requirements_for_week(
    requirements: pd.DataFrame, start: dt.date | pd.Timestamp, days: int = 7
) -> pd.DataFrame:
    """Rows whose ``interval_start`` falls in ``[start, start + days)``, index reset."""
    require_columns(requirements, ["interval_start"], "requirements", error=PlanningInputError)
    first = pd.Timestamp(start).normalize()
    last = first + pd.Timedelta(days=int(days))
    starts = requirements["interval_start"]
    return requirements[(starts >= first) & (starts < last)].reset_index(drop=True)


def default_shift_templates() -> tuple[ShiftTemplate, ...]:
    """A starting set of shifts for a queue open 08:00-22:00, every day of the week.

    Three full-time shifts of 8.5 hours (8 paid, a 30-minute unpaid break that the planner
    places between 3 and 5 hours in) starting at 08:00, 10:00 and 13:30, and two part-time
    shifts of 4 hours without a break, morning (08:00) and evening (18:00). All lie within the
    opening hours, so none is ruled out when the planner sets 08:00-22:00.
    """
    full = {
        "length_minutes": 510,
        "break_minutes": 30,
        "break_earliest_offset_minutes": 180,
        "break_latest_offset_minutes": 300,
    }
    return (
        ShiftTemplate("Early", dt.time(8, 0), **full),
        ShiftTemplate("Day", dt.time(10, 0), **full),
        ShiftTemplate("Late", dt.time(13, 30), **full),
        ShiftTemplate("Part-time AM", dt.time(8, 0), length_minutes=240),
        ShiftTemplate("Part-time PM", dt.time(18, 0), length_minutes=240),
    )


def _days_text(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "Mon-Sun"
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))


def templates_to_frame(templates: Sequence[ShiftTemplate]) -> pd.DataFrame:
    """A shift-templates table that :func:`staffing.scheduling.shift_templates_from_frame` reads.

    Columns :data:`staffing.scheduling.TEMPLATE_FILE_COLUMNS` plus ``break_earliest_minutes``,
    ``break_latest_minutes``, ``countries`` and ``channels`` (empty text = all).
    """
    rows = [
        {
            "name": t.name,
            "start": t.start.strftime("%H:%M"),
            "length_hours": t.length_minutes / 60.0,
            "break_minutes": t.break_minutes,
            "days": _days_text(t.weekdays),
            "cost_per_hour": float(t.cost_per_hour),
            "break_earliest_minutes": t.break_earliest_offset_minutes,
            "break_latest_minutes": t.break_latest_offset_minutes,
            "countries": ",".join(sorted(t.countries or ())),
            "channels": ",".join(sorted(t.channels or ())),
        }
        for t in templates
    ]
    columns = [
        *TEMPLATE_FILE_COLUMNS,
        "break_earliest_minutes",
        "break_latest_minutes",
        "countries",
        "channels",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("break_earliest_minutes", "break_latest_minutes"):
        frame[column] = frame[column].astype(float)
    return frame


def files_under(files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    """The entries of ``files`` whose path starts with ``prefix``, keyed by the rest of the path."""
    return {
        path[len(prefix) :]: content
        for path, content in sorted(files.items())
        if path.startswith(prefix)
    }


def zip_files(files: Mapping[str, bytes], *, under: str = "") -> bytes:
    """Zip archive bytes of ``files`` (relative path -> content) whose path starts with ``under``.

    Paths are stored relative to ``under`` (``calendars/agents/A001.ics`` with
    ``under="calendars/"`` becomes ``agents/A001.ics``).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files_under(files, under).items():
            archive.writestr(name, content)
    return buffer.getvalue()
