"""Glue between the forecast, the requirements and the schedule for the planning pages.

Pure frame-in, frame-out helpers: recent handle times, the requirements input built from an
interval forecast, summaries and what-if comparisons of requirements, the default shift
templates, and a zip of export files. Nothing here reads or writes files or imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from staffing.erlang import StaffingTargets
from staffing.requirements import INPUT_COLUMNS, channel_kind
from staffing.scheduling import TEMPLATE_FILE_COLUMNS, WEEKDAY_NAMES, ShiftTemplate

__all__ = [
    "AHT_COLUMNS",
    "PlanningInputError",
    "default_shift_templates",
    "files_under",
    "forecast_to_requirements_input",
    "recent_aht",
    "requirements_for_week",
    "requirements_summary",
    "staff_hours",
    "targets_by_channel",
    "templates_to_frame",
    "what_if_difference",
    "with_time_of_day",
    "zip_files",
]

AHT_COLUMNS: tuple[str, ...] = ("country", "channel", "aht_seconds")
"""Columns of :func:`recent_aht`'s result."""

_KEYS = ["country", "channel"]


class PlanningInputError(ValueError):
    """A frame handed to a planning helper lacks what the helper needs."""


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanningInputError(
            f"{what}: missing column(s) {', '.join(missing)}; it has {list(frame.columns)}"
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
    _require(contacts, ["country", "channel", "ds", "contacts", "aht_seconds"], "contacts")
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


def forecast_to_requirements_input(
    intervals: pd.DataFrame, aht: pd.DataFrame, *, aht_change_pct: float = 0.0
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
    _require(intervals, [c for c in INPUT_COLUMNS if c != "aht_seconds"], "interval forecast")
    _require(aht, AHT_COLUMNS, "aht")
    if not float(aht_change_pct) > -100:
        raise PlanningInputError(f"aht_change_pct must be above -100, got {aht_change_pct!r}")
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
    frame["forecast_upper"] = np.maximum(upper, frame["forecast"])
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
    _require(requirements, ["required_staff", "interval_minutes"], "requirements")
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
    _require(requirements, [*_KEYS, *columns, "asa_seconds", "occupancy"], "requirements")
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
    _require(requirements, ["interval_start"], "requirements")
    out = requirements.copy()
    start = pd.to_datetime(out["interval_start"])
    out["day"] = start.dt.normalize()
    out["time_of_day"] = start.dt.strftime("%H:%M")
    return out


def requirements_for_week(
    requirements: pd.DataFrame, start: dt.date | pd.Timestamp, days: int = 7
) -> pd.DataFrame:
    """Rows whose ``interval_start`` falls in ``[start, start + days)``, index reset."""
    _require(requirements, ["interval_start"], "requirements")
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
