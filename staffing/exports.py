"""Schedule exports: CSV and Excel safe from formula injection, iCalendar (RFC 5545) per agent and team.

Everything here returns ``bytes``/``str``; only :func:`write_schedule_outputs` writes, and only
into the directory its caller passes (the CLI). Calendars are written by ``icalendar`` (escaping,
folding, VTIMEZONE from the tz database), workbooks by pandas with openpyxl.

Calendar events carry a UID derived from (agent_id, date, shift template), so re-importing an
updated schedule updates an event instead of duplicating it; ``DTSTAMP`` is the export time and
``SEQUENCE`` grows with it, so a later export supersedes an earlier one.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import io
import logging
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from pathlib import Path

import icalendar
import numpy as np
import pandas as pd

from contracts.checks import check_int, require_columns
from staffing.coverage import staff_on_shift
from staffing.roster import ASSIGNMENT_COLUMNS, Roster, build_roster
from staffing.scheduling import (
    LabourRules,
    OpeningHours,
    SchedulingError,
    ShiftPlan,
    ShiftTemplate,
    plan_shifts,
    shift_templates_from_frame,
)

logger = logging.getLogger(__name__)

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read text as a formula (OWASP CSV injection)."""

CALENDAR_PRODID = "-//Crewcast//Crewcast schedule export//EN"
UID_DOMAIN = "crewcast"
_SEQUENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

EXCEL_ROSTER_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "name",
    "channel",
    "date",
    "shift",
    "agent_start",
    "agent_end",
    "break_start",
    "break_end",
    "paid_hours",
    "agent_timezone",
)
"""Columns of each team-and-week sheet (``break_*`` in the agent's time zone)."""


class ExportError(ValueError):
    """A frame cannot be exported (missing columns, bad parameters)."""


# --------------------------------------------------------------------------- spreadsheets


def neutralise_formula(value: object) -> object:
    """Prefix ``'`` to text that a spreadsheet would run as a formula; leave other values alone.

    Numbers (including negative ones) are not text and are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with :func:`neutralise_formula` applied to text cells and column names."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            safe[column] = series.map(neutralise_formula).astype(object)
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    return safe


# Decimals kept per kind of number, found by the words of a column's name (first match wins).
_DECIMALS: tuple[tuple[frozenset[str], int], ...] = (
    (frozenset({"hours"}), 2),
    # staff and shift counts: whole people, a tenth where a break makes half an interval
    (
        frozenset(
            {"staff", "agents", "shortfall", "surplus", "planned", "assigned", "unfilled"}
        ),
        1,
    ),
    # fractions (0.804): four decimals are a hundredth of a percentage point
    (
        frozenset(
            {
                "wape", "mase", "smape", "coverage", "weight", "rate", "share", "pct",
                "change", "level", "occupancy", "probability", "shrinkage", "target",
            }
        ),
        4,
    ),
    (frozenset({"contacts", "forecast", "sessions", "volume", "total", "previous"}), 1),
    (frozenset({"erlangs", "cost", "mae", "rmse"}), 2),
    (frozenset({"seconds", "minutes"}), 1),
)  # fmt: skip
#: Decimals of any other float column: enough for any figure, none of the float noise.
_DEFAULT_DECIMALS = 6
#: A half hour of a small queue holds fractions of a contact: interval frames keep three
#: decimals of contacts, so a day's intervals still add up to its forecast.
_INTERVAL_CONTACT_DECIMALS = 3


def column_decimals(column: str, *, intervals: bool = False) -> int:
    """Decimals an export keeps of a float column, from the words of its name.

    Hours keep 2 (0.01 h), staff counts 1 (whole when every value is whole, see
    :func:`tidy_numbers`), fractions 4, contacts 1 (3 in an interval frame), seconds 1,
    anything else 6.

    Parameters
    ----------
    column : str
        The column name (``paid_hours``, ``required_staff``, ``forecast_lower``...).
    intervals : bool
        The frame holds intervals (it has ``interval_start`` or ``interval_minutes``).
    """
    words = set(re.split(r"[^a-z0-9]+", str(column).lower()))
    for names, decimals in _DECIMALS:
        if words & names:
            if decimals == 1 and intervals and words & {"contacts", "forecast", "volume"}:
                return _INTERVAL_CONTACT_DECIMALS
            return decimals
    return _DEFAULT_DECIMALS


def tidy_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with float columns rounded for people (:func:`column_decimals`).

    A float column whose rounded values are all whole becomes integers (``Int64``, missing
    values kept), so a file reads ``12``, not ``12.0`` or ``12.000000001``; ``0.1 + 0.2``
    comes out as ``0.3``. Other columns are left alone.
    """
    out = frame.copy()
    intervals = bool({"interval_start", "interval_minutes"} & set(map(str, frame.columns)))
    for column in out.columns:
        series = out[column]
        if not pd.api.types.is_float_dtype(series):
            continue
        rounded = series.round(column_decimals(str(column), intervals=intervals))
        finite = rounded.dropna()
        finite = finite[np.isfinite(finite)]
        if len(finite) == len(rounded.dropna()) and (finite == np.round(finite)).all():
            rounded = rounded.astype("Int64")
        out[column] = rounded + 0.0 if rounded.dtype.kind == "f" else rounded  # no -0.0
    return out


def _date_format(series: pd.Series) -> str:
    """ISO format of a naive date-time column: the date alone when every time is midnight,
    minutes unless some value has seconds."""
    values = series.dropna()
    if values.empty or (values == values.dt.normalize()).all():
        return "%Y-%m-%d"
    if (values.dt.second == 0).all() and (values.dt.microsecond == 0).all():
        return "%Y-%m-%d %H:%M"
    return "%Y-%m-%d %H:%M:%S"


def frame_to_csv(frame: pd.DataFrame, *, excel_bom: bool = False) -> bytes:
    """CSV bytes (UTF-8, ISO dates, rounded numbers) with formula injection neutralised.

    Dates are written ``YYYY-MM-DD`` (a column of midnights) or ``YYYY-MM-DD HH:MM``; time
    zone-aware columns ``YYYY-MM-DDTHH:MM:SS+HHMM``. Floats are rounded by
    :func:`tidy_numbers` (hours to 0.01, whole staff, contacts to 0.1, no float noise).

    Parameters
    ----------
    frame : pandas.DataFrame
    excel_bom : bool, default False
        Prefix a UTF-8 byte-order mark so that Excel detects the encoding.
    """
    safe = neutralise_formulas(tidy_numbers(frame))
    for column in safe.columns:
        series = safe[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            safe[column] = series.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif pd.api.types.is_datetime64_any_dtype(series):
            safe[column] = series.dt.strftime(_date_format(series))
    text = safe.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8-sig" if excel_bom else "utf-8")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(text: str, used: set[str]) -> str:
    title = _SHEET_FORBIDDEN.sub("_", text).strip("'") or "Sheet"
    title = title[:31]
    candidate, n = title, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def _excel_text(value: object) -> object:
    """A cell value as Excel will hold it, with text made safe from formulas.

    Numbers, booleans, dates and missing values stay as they are; pandas writes anything else
    as ``str(value)``, so the formula guard must see that text, not the object.
    """
    if isinstance(value, str):
        return neutralise_formula(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return value
    if isinstance(value, (bool, int, float, decimal.Decimal, dt.date, dt.timedelta, np.generic)):
        return value
    return neutralise_formula(str(value))


def _excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as Excel can hold it: text safe from formulas, numbers rounded
    (:func:`tidy_numbers`), wall times without time zones, a column of midnights as dates."""
    safe = tidy_numbers(frame)
    for column in safe.columns:
        series = safe[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            safe[column] = series.dt.tz_localize(None)
        elif pd.api.types.is_datetime64_any_dtype(series) and _date_format(series) == "%Y-%m-%d":
            # date cells (yyyy-mm-dd), not date-times at 00:00
            safe[column] = pd.Series(
                [None if pd.isna(v) else v.date() for v in series], index=series.index, dtype=object
            )
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            safe[column] = series.astype(object).map(_excel_text).astype(object)
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    return safe


def _shown_width(series: pd.Series) -> int:
    """Characters the widest cell of ``series`` shows (a date-time shows 16)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return 16 if series.notna().any() else 0
    shown = series.dropna().map(lambda v: 16 if isinstance(v, dt.datetime) else len(str(v)))
    return int(shown.max()) if len(shown) else 0


def _format_sheet(sheet: object, frame: pd.DataFrame) -> None:
    """Formatting after pandas wrote the values: a plain bold header, date formats, widths."""
    from openpyxl.styles import Alignment, Border, Font
    from openpyxl.utils import get_column_letter

    for cell in sheet[1]:  # pandas draws borders and centres its header; ours is bold only
        cell.font, cell.border, cell.alignment = Font(bold=True), Border(), Alignment()
    # pandas 3.1's openpyxl writer drops ExcelWriter's date_format/datetime_format
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for k, column in enumerate(frame.columns, start=1):
        width = max(len(str(column)), _shown_width(frame[column]))
        sheet.column_dimensions[get_column_letter(k)].width = min(max(width + 2, 8), 60)


def frames_to_excel(
    sheets: Mapping[str, pd.DataFrame],
    *,
    header_dates: Mapping[str, Mapping[str, dt.date]] | None = None,
) -> bytes:
    """Workbook bytes with one sheet per frame (bold frozen header, fitted widths, safe text).

    Each frame is written by :meth:`pandas.DataFrame.to_excel` (openpyxl) after the formula
    guard (:func:`neutralise_formula` on every text cell and column name), so no text cell
    becomes a formula; only the formatting is applied cell by cell afterwards.

    Parameters
    ----------
    sheets : mapping of sheet title to frame
        Titles are cleaned to Excel's rules (31 characters, no ``[]:*?/\\``) and made unique.
    header_dates : mapping of sheet title to {column: date}, optional
        Header cells written as real dates (``Mon 2026-12-07``) instead of the column's name.
    """
    frames = dict(sheets) or {"Empty": pd.DataFrame({"note": ["nothing to export"]})}
    buffer = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for title, frame in frames.items():
            safe = _excel_frame(frame)
            name = _sheet_title(str(title), used)
            safe.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
            _format_sheet(writer.sheets[name], safe)
            dates = (header_dates or {}).get(title, {})
            for k, column in enumerate(frame.columns, start=1):
                if column in dates:
                    cell = writer.sheets[name].cell(row=1, column=k)
                    cell.value, cell.number_format = dates[column], "ddd yyyy-mm-dd"
    return buffer.getvalue()


def _agent_local(assignments: pd.DataFrame, column: str) -> pd.Series:
    """Queue-local naive times in ``column`` shown in each row's agent time zone (naive)."""
    out = []
    for value, queue_zone, agent_zone in zip(
        assignments[column],
        assignments["queue_timezone"],
        assignments["agent_timezone"],
        strict=True,
    ):
        if pd.isna(value):
            out.append(pd.NaT)
        else:
            aware = pd.Timestamp(value).tz_localize(
                queue_zone, nonexistent="shift_forward", ambiguous=True
            )
            out.append(aware.tz_convert(agent_zone).tz_localize(None))
    return pd.Series(pd.to_datetime(out), index=assignments.index)


WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OFF = "off"


def _absence_days(absences: pd.DataFrame | None) -> dict[tuple[str, dt.date], str]:
    """(agent_id, day) to the absence's type, every day of every absence."""
    days: dict[tuple[str, dt.date], str] = {}
    if absences is None or absences.empty:
        return days
    require_columns(
        absences, ("agent_id", "start_date", "end_date", "type"), "absences", error=ExportError
    )
    for row in absences.itertuples(index=False):
        for day in pd.date_range(row.start_date, row.end_date, freq="D"):
            days[(str(row.agent_id), day.date())] = str(row.type)
    return days


def roster_grid(
    assignments: pd.DataFrame,
    agents: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
) -> dict[tuple[str, str], pd.DataFrame]:
    """The roster as an agent x day grid per team and ISO week, as people read a rota.

    Days and times are the agent's own (``agent_start``/``agent_end``): a shift sits under the
    day it starts for the agent. A cell holds the shift (``"08:00-16:30 voice"``, several
    joined by ``"; "``), the absence type (``"vacation"``) or ``"off"``.

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`staffing.roster.ASSIGNMENT_COLUMNS`.
    agents : pandas.DataFrame, optional
        ``agent_id, name, team``: a team's agents without a shift in a week get a row of days
        off (or absences) too.
    absences : pandas.DataFrame, optional
        ``agent_id, start_date, end_date, type`` (dates inclusive).

    Returns
    -------
    dict of (team, ISO week ``"2026-W49"``) to DataFrame
        ``agent_id, name``, one column per day Monday to Sunday named by its ISO date
        (``"2026-11-30"``), and ``weekly_hours`` (paid hours, 0.01 h); rows sorted by name.
    """
    require_columns(assignments, ASSIGNMENT_COLUMNS, "roster", error=ExportError)
    starts = pd.to_datetime(assignments["agent_start"])
    ends = pd.to_datetime(assignments["agent_end"])
    shifts = pd.DataFrame(
        {
            "agent_id": assignments["agent_id"].astype(str),
            "name": assignments["name"],
            "team": assignments["team"],
            "day": starts.dt.normalize(),
            "text": starts.dt.strftime("%H:%M") + "-" + ends.dt.strftime("%H:%M") + " "
            + assignments["channel"].astype(str),
            "start": starts,
            "paid_hours": assignments["paid_hours"].astype(float),
        }
    )  # fmt: skip
    shifts["monday"] = shifts["day"] - pd.to_timedelta(shifts["day"].dt.day_of_week, unit="D")
    people = shifts[["agent_id", "name", "team"]].drop_duplicates("agent_id")
    if agents is not None and not agents.empty:
        listed = agents.assign(agent_id=agents["agent_id"].astype(str))[
            ["agent_id", "name", "team"]
        ]
        people = pd.concat([people, listed]).drop_duplicates("agent_id")
    away = _absence_days(absences)
    grids: dict[tuple[str, str], pd.DataFrame] = {}
    for (team, monday), part in shifts.groupby(["team", "monday"], sort=True):
        week = [(monday + pd.Timedelta(days=k)).date() for k in range(7)]
        iso = monday.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        cells = part.sort_values("start").groupby(["agent_id", "day"])["text"].agg("; ".join)
        hours = part.groupby("agent_id")["paid_hours"].sum()
        members = people[people["team"] == team].sort_values(["name", "agent_id"])
        rows = []
        for agent_id, name in zip(members["agent_id"], members["name"], strict=True):
            row: dict[str, object] = {"agent_id": agent_id, "name": name}
            for day in week:
                key = (agent_id, pd.Timestamp(day))
                row[day.isoformat()] = (
                    cells[key] if key in cells.index else away.get((agent_id, day), OFF)
                )
            row["weekly_hours"] = round(float(hours.get(agent_id, 0.0)), 2)
            rows.append(row)
        columns = ["agent_id", "name", *(d.isoformat() for d in week), "weekly_hours"]
        grids[(str(team), label)] = pd.DataFrame(rows, columns=columns)
    return grids


def roster_to_excel(
    assignments: pd.DataFrame,
    agents: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
) -> bytes:
    """Workbook of the roster: per team and ISO week an agent x day grid (``"<team> 2026-W49"``,
    :func:`roster_grid`, headers real dates), then per team and week the shifts one per row
    (``"<team> <week_start>"``), agent-local times.

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`staffing.roster.ASSIGNMENT_COLUMNS`.
    agents, absences : pandas.DataFrame, optional
        See :func:`roster_grid`.
    """
    require_columns(assignments, ASSIGNMENT_COLUMNS, "roster", error=ExportError)
    frame = assignments.copy()
    frame["break_start"] = _agent_local(frame, "break_start")
    frame["break_end"] = _agent_local(frame, "break_end")
    sheets: dict[str, pd.DataFrame] = {}
    header_dates: dict[str, dict[str, dt.date]] = {}
    for (team, week), grid in roster_grid(assignments, agents, absences).items():
        title = f"{team} {week}"
        sheets[title] = grid
        header_dates[title] = {c: dt.date.fromisoformat(c) for c in grid.columns if c[:1].isdigit()}
    for (team, week), part in frame.groupby(["team", "week_start"], sort=True):
        week_text = pd.Timestamp(week).strftime("%Y-%m-%d")
        sheets[f"{team} {week_text}"] = (
            part.sort_values(["agent_start", "agent_id"])
            .loc[:, list(EXCEL_ROSTER_COLUMNS)]
            .reset_index(drop=True)
        )
    return frames_to_excel(sheets, header_dates=header_dates)


# --------------------------------------------------------------------------- iCalendar


def event_uid(agent_id: str, date: dt.date | pd.Timestamp | str, shift: str) -> str:
    """Stable event UID from (agent_id, date, shift template name).

    The same agent, day and template always give the same UID, whatever else changes.
    """
    day = pd.Timestamp(date).date().isoformat()
    digest = hashlib.sha256(f"{agent_id}\x1f{day}\x1f{shift}".encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def make_vtimezone(zone_name: str, first: dt.datetime, last: dt.datetime) -> icalendar.Timezone:
    """A VTIMEZONE for ``zone_name`` with every offset change between ``first`` and ``last``.

    Built by :meth:`icalendar.Timezone.from_tzid` from the system's tz database (``zoneinfo``)
    as explicit one-off observances, exact for the exported period without RRULE guesswork.

    Parameters
    ----------
    zone_name : str
        IANA zone, e.g. ``"Europe/Budapest"``.
    first, last : datetime
        Timezone-aware bounds of the events; a day of margin is added on either side.
    """
    first_date = (first.astimezone(dt.UTC) - dt.timedelta(days=1)).date()
    last_date = (last.astimezone(dt.UTC) + dt.timedelta(days=2)).date()
    return copy.deepcopy(_vtimezone(zone_name, first_date, last_date))  # callers may change it


@functools.lru_cache(maxsize=512)
def _vtimezone(zone_name: str, first_date: dt.date, last_date: dt.date) -> icalendar.Timezone:
    """:func:`make_vtimezone` by days, built once per process: ``from_tzid`` takes 20-60 ms for
    a zone without changes in the period (Buenos Aires, Sao Paulo), once per agent's calendar
    before, and the agents of a roster share a few first and last days."""
    zone = icalendar.Timezone.from_tzid(zone_name, first_date=first_date, last_date=last_date)
    for observance in zone.subcomponents:
        _onset_before_the_change(observance)
    return zone


def _onset_before_the_change(observance: icalendar.cal.Component) -> None:
    """Write an observance's onsets in the local time *before* the change (RFC 5545 3.6.5).

    ``DTSTART`` and ``RDATE`` of an observance are local times read with ``TZOFFSETFROM``.
    icalendar 7.3 writes the first local time after the change instead: the same for a clock
    that goes back, but an hour late for one that goes forward (CET -> CEST on 30 March 2025
    comes out as 03:00, read as 02:00 UTC; the change is at 01:00 UTC, 02:00 CET). Moving a
    forward change back by the jump puts it on the right instant.
    """
    jump = observance["TZOFFSETTO"].td - observance["TZOFFSETFROM"].td
    if jump <= dt.timedelta(0):
        return
    observance.DTSTART = observance.DTSTART - jump
    if "RDATE" in observance:
        rdates = observance.pop("RDATE")
        moments = [
            d.dt for lst in (rdates if isinstance(rdates, list) else [rdates]) for d in lst.dts
        ]
        observance.add("RDATE", [moment - jump for moment in moments])


def _aware(local: object, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A naive local time in ``zone`` as an aware datetime (icalendar writes it with its TZID)."""
    return pd.Timestamp(local).to_pydatetime().replace(tzinfo=zone)


def _calendar(
    name: str,
    assignments: pd.DataFrame,
    *,
    dtstamp: dt.datetime,
    sequence: int,
    uid_prefix: str = "",
) -> str:
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", CALENDAR_PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", icalendar.vText(name))  # an X- property is not text unless told
    zones = sorted(set(assignments["agent_timezone"])) if len(assignments) else []
    if len(zones) == 1:
        calendar.add("X-WR-TIMEZONE", zones[0])
    for zone_name in zones:
        own = assignments[assignments["agent_timezone"] == zone_name]
        calendar.add_component(
            make_vtimezone(
                zone_name,
                own["start_utc"].min().to_pydatetime(),
                own["end_utc"].max().to_pydatetime(),
            )
        )
    stamp = dtstamp.astimezone(dt.UTC)
    for row in assignments.sort_values(["start_utc", "agent_id"]).itertuples():
        zone = zoneinfo.ZoneInfo(row.agent_timezone)
        summary = f"{row.shift} shift ({row.channel})"
        if uid_prefix:
            summary = f"{row.name}: {summary}"
        details = [
            f"Agent: {row.name} ({row.agent_id})",
            f"Team: {row.team}",
            f"Queue: {row.country} {row.channel}",
        ]
        if not pd.isna(row.break_start):
            b0 = pd.Timestamp(row.break_start).tz_localize(
                row.queue_timezone, ambiguous=True, nonexistent="shift_forward"
            )
            b1 = pd.Timestamp(row.break_end).tz_localize(
                row.queue_timezone, ambiguous=True, nonexistent="shift_forward"
            )
            details.append(f"Unpaid break: {b0.astimezone(zone):%H:%M}-{b1.astimezone(zone):%H:%M}")
        details.append(f"Paid hours: {row.paid_hours:g}")
        event = icalendar.Event()
        event.add("UID", f"{uid_prefix}{event_uid(row.agent_id, row.date, row.shift)}")
        event.add("DTSTAMP", stamp)
        event.add("LAST-MODIFIED", stamp)
        event.add("SEQUENCE", sequence)
        event.add("DTSTART", _aware(row.agent_start, zone))
        event.add("DTEND", _aware(row.agent_end, zone))
        event.add("SUMMARY", summary)
        event.add("DESCRIPTION", "\n".join(details))
        event.add("CATEGORIES", [str(row.shift)])
        event.add("TRANSP", "OPAQUE")
        event.add("STATUS", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical(sorted=False).decode("utf-8")


def _stamp_and_sequence(
    dtstamp: dt.datetime | None, sequence: int | None
) -> tuple[dt.datetime, int]:
    stamp = dtstamp or dt.datetime.now(dt.UTC)
    if stamp.tzinfo is None:
        raise ExportError(f"dtstamp must be timezone-aware, got naive {stamp!r}")
    if sequence is None:
        # minutes since 2024-01-01 UTC: every later export carries a higher SEQUENCE, so calendar
        # clients that only accept revisions with a larger SEQUENCE still take the update
        sequence = max(int((stamp - _SEQUENCE_EPOCH).total_seconds() // 60), 0)
    return stamp, check_int("sequence", sequence, minimum=0, error=ExportError)


def agent_calendars(
    assignments: pd.DataFrame, *, dtstamp: dt.datetime | None = None, sequence: int | None = None
) -> dict[str, str]:
    """One iCalendar text per agent, events in the agent's own time zone.

    Parameters
    ----------
    assignments : pandas.DataFrame
        :data:`staffing.roster.ASSIGNMENT_COLUMNS`.
    dtstamp : datetime, optional
        Export time (timezone-aware); default now.
    sequence : int, optional
        SEQUENCE of every event; default minutes since 2024-01-01 UTC at ``dtstamp``.

    Returns
    -------
    dict of agent_id to str
        Calendar text with CRLF line endings, lines folded at 75 octets.
    """
    require_columns(assignments, ASSIGNMENT_COLUMNS, "roster", error=ExportError)
    stamp, seq = _stamp_and_sequence(dtstamp, sequence)
    return {
        str(agent_id): _calendar(f"Shifts: {own['name'].iloc[0]}", own, dtstamp=stamp, sequence=seq)
        for agent_id, own in assignments.groupby("agent_id", sort=True)
    }


def team_calendars(
    assignments: pd.DataFrame, *, dtstamp: dt.datetime | None = None, sequence: int | None = None
) -> dict[str, str]:
    """One iCalendar text per team with every member's shifts (times in each agent's zone).

    Team events use the agent event UID prefixed with ``team-`` so that a person who imports
    both their own and their team's calendar into one account does not get UID collisions.
    """
    require_columns(assignments, ASSIGNMENT_COLUMNS, "roster", error=ExportError)
    stamp, seq = _stamp_and_sequence(dtstamp, sequence)
    return {
        str(team): _calendar(
            f"Team {team} shifts", own, dtstamp=stamp, sequence=seq, uid_prefix="team-"
        )
        for team, own in assignments.groupby("team", sort=True)
    }


# --------------------------------------------------------------------------- CLI bundle


@dataclasses.dataclass(frozen=True)
class ScheduleOutputs:
    """Everything ``cli.py schedule`` writes.

    Attributes
    ----------
    plan : ShiftPlan
    roster : Roster or None
        ``None`` when no agents were given.
    files : mapping of relative path to bytes
        ``plan.csv``, ``coverage.csv``, ``uncovered.csv`` and, with agents, ``roster.csv``,
        ``roster.xlsx``, ``unfilled.csv``, ``overtime.csv``, ``calendars/agents/<agent_id>.ics``,
        ``calendars/teams/<team>.ics``.
    """

    plan: ShiftPlan
    roster: Roster | None
    files: Mapping[str, bytes]


def _safe_file_stem(text: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._") or "unnamed"
    return stem[:80]


def schedule_files(
    plan: ShiftPlan,
    roster: Roster | None,
    agents: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
    *,
    dtstamp: dt.datetime | None = None,
) -> dict[str, bytes]:
    """Every export file of a schedule, by relative path, from its shift plan and roster.

    The plan's CSVs always; with a roster also its CSVs, ``roster.xlsx`` (the rota per team and
    ISO week, from ``agents`` and ``absences`` when given) and one calendar per agent and per
    team. Nothing is solved: a schedule restored from a draft gets the same files as when it
    was generated (apart from the calendars' DTSTAMP, ``dtstamp``).
    """
    files: dict[str, bytes] = {
        "plan.csv": frame_to_csv(plan.shifts),
        "coverage.csv": frame_to_csv(plan.coverage),
        "uncovered.csv": frame_to_csv(plan.uncovered),
    }
    if roster is None:
        return files
    files["roster.csv"] = frame_to_csv(roster.assignments)
    files["unfilled.csv"] = frame_to_csv(roster.unfilled)
    files["overtime.csv"] = frame_to_csv(roster.overtime)
    files["roster.xlsx"] = roster_to_excel(roster.assignments, agents, absences)
    stamp, sequence = _stamp_and_sequence(dtstamp, None)
    used: set[str] = set()
    for kind, calendars in (
        ("agents", agent_calendars(roster.assignments, dtstamp=stamp, sequence=sequence)),
        ("teams", team_calendars(roster.assignments, dtstamp=stamp, sequence=sequence)),
    ):
        for key, text in calendars.items():
            stem = _safe_file_stem(key)
            path = f"calendars/{kind}/{stem}.ics"
            n = 2
            while path in used:  # two ids that clean to the same stem keep separate files
                path = f"calendars/{kind}/{stem}-{n}.ics"
                n += 1
            used.add(path)
            files[path] = text.encode("utf-8")
    return files


def make_schedule_outputs(
    requirements: pd.DataFrame,
    shifts: pd.DataFrame | Sequence[ShiftTemplate],
    agents: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
    *,
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None = None,
    min_staff_while_open: int = 0,
    rules: LabourRules | None = None,
    queue_timezones: Mapping[str, str] | None = None,
    time_limit_seconds: float = 60.0,
    mip_rel_gap: float = 1e-4,
    dtstamp: dt.datetime | None = None,
    executor: concurrent.futures.Executor | None = None,
    limits: pd.DataFrame | None = None,
) -> ScheduleOutputs:
    """Plan, roster (when agents are given) and render every export; reads and writes nothing.

    The pure steps of the schedule workflow; the pages and the CLI call it through
    :func:`services.schedules.make_schedule`.

    Parameters
    ----------
    requirements : pandas.DataFrame
        :data:`staffing.scheduling.REQUIREMENT_COLUMNS`.
    shifts : pandas.DataFrame or sequence of ShiftTemplate
        A shift-templates table (see :func:`staffing.scheduling.shift_templates_from_frame`)
        or templates.
    agents, absences : pandas.DataFrame, optional
        See :func:`staffing.roster.build_roster`.
    opening_hours, min_staff_while_open, time_limit_seconds, mip_rel_gap
        Passed to :func:`staffing.scheduling.plan_shifts`; the time limit applies to the plan
        and to the roster separately.
    rules, queue_timezones
        Passed to :func:`staffing.roster.build_roster`.
    dtstamp : datetime, optional
        Calendar export time (timezone-aware); default now.
    executor : concurrent.futures.Executor, optional
        Runs the roster's parts (see :func:`staffing.roster.build_roster`), e.g. a Dask
        client's ``get_executor()``; not shut down. Default: build_roster's own choice.
    limits : pandas.DataFrame, optional
        HR's limits on people's rostering (:data:`staffing.roster.LIMIT_COLUMNS`), hard rules
        of the roster on the days inside their dates.

    Returns
    -------
    ScheduleOutputs
    """
    templates = (
        shift_templates_from_frame(shifts) if isinstance(shifts, pd.DataFrame) else tuple(shifts)
    )
    plan = plan_shifts(
        requirements,
        templates,
        opening_hours=opening_hours,
        min_staff_while_open=min_staff_while_open,
        time_limit_seconds=time_limit_seconds,
        mip_rel_gap=mip_rel_gap,
    )
    roster = None
    if agents is not None:
        roster = build_roster(
            plan,
            agents,
            absences,
            rules=rules,
            queue_timezones=queue_timezones,
            time_limit_seconds=time_limit_seconds,
            executor=executor,
            limits=limits,
        )
    files = schedule_files(plan, roster, agents, absences, dtstamp=dtstamp)
    return ScheduleOutputs(plan=plan, roster=roster, files=files)


def write_schedule_outputs(outputs: ScheduleOutputs, directory: Path | str) -> list[Path]:
    """Write :attr:`ScheduleOutputs.files` under ``directory`` (created if needed); return the paths."""
    root = Path(directory)
    written: list[Path] = []
    for relative, content in outputs.files.items():
        target = (root / relative).resolve()
        if root.resolve() not in target.parents:
            raise SchedulingError(f"refusing to write outside {root}: {relative!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    logger.info("wrote %d schedule files to %s", len(written), root)
    return written


def staff_on_duty(outputs: ScheduleOutputs) -> pd.DataFrame:
    """Staff on duty per queue and interval of a schedule: required, the shift plan's and the
    named agents' (:func:`staffing.coverage.staff_on_shift` of the roster; NaN without one).

    Columns ``country, channel, interval_start, interval_minutes, required_staff,
    planned_staff, rostered_staff``: what ``data.schedules.publish_schedule`` stores.

    The roster may leave planned shifts unfilled, so its staff can fall below the plan's: it is
    the staff the schedule really puts on the queue.
    """
    coverage = outputs.plan.coverage
    out = pd.DataFrame(
        {
            "country": coverage["country"],
            "channel": coverage["channel"],
            "interval_start": pd.to_datetime(coverage["interval_start"]),
            "interval_minutes": coverage["interval_minutes"].astype(int),
            "required_staff": coverage["required_staff"].astype(float),
            "planned_staff": coverage["scheduled_staff"].astype(float),
            "rostered_staff": np.nan,
        }
    )
    if outputs.roster is not None:
        out["rostered_staff"] = staff_on_shift(outputs.roster.assignments, out)
    return out.reset_index(drop=True)
