"""Validate input files once, at the door: every problem named by file, row, column and value."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import pandas as pd

from data.countries import resolve_countries
from data.readers import RawTable, normalise_header, read_table

KINDS = ("contacts", "traffic", "agents", "absences", "hours", "performance")
# Planning files: read through the same door for the CLI, never stored as history.
PLANNING_KINDS = ("interval_forecast", "requirements")
CHANNELS = ("voice", "chat", "email")
ABSENCE_TYPES = ("sick", "vacation", "other")
INTERVAL_MINUTES = (5, 6, 10, 15, 30, 60)
DAILY_MINUTES = 1440
MAX_REPORTED = 50

# Columns of the clean frames the data layer hands to the other packages. Their index is the
# file's row number (header = 1), so later checks can still name the row; traffic is summed
# over breakdowns and has a plain index.
CLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("country", "channel", "ds", "interval_minutes", "contacts", "aht_seconds"),
    "traffic": ("country", "date", "sessions"),
    "agents": (
        "agent_id",
        "name",
        "team",
        "country",
        "timezone",
        "contract_hours_per_week",
        "channels",
    ),
    "absences": ("agent_id", "start_date", "end_date", "type"),
    "hours": ("agent_id", "date", "hours_worked"),
    "performance": ("agent_id", "date", "metric", "value"),
    "interval_forecast": (
        "country",
        "channel",
        "interval_start",
        "interval_minutes",
        "forecast",
        "forecast_upper",
        "aht_seconds",
    ),
    "requirements": ("country", "channel", "interval_start", "interval_minutes", "required_staff"),
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("country", "contacts"),  # plus `date` or `interval_start`
    "traffic": ("country", "date", "sessions"),
    "agents": ("agent_id",),
    "absences": ("agent_id", "start_date", "end_date", "type"),
    "hours": ("agent_id", "date", "hours_worked"),
    "performance": ("agent_id", "date", "metric", "value"),
    "interval_forecast": ("country", "interval_start", "forecast"),
    "requirements": ("country", "interval_start", "required_staff"),
}

# Metrics whose values are fractions; 0-100 percentages are a common slip.
FRACTION_METRICS = frozenset({"adherence", "occupancy", "conformance", "fcr"})

DateOrder = Literal["auto", "ymd", "dmy", "mdy"]

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?$"
)
_NUMERIC_FIRST = re.compile(
    r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_METRIC = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ReadOptions:
    """What the user states about a file where detection would be a guess.

    Parameters
    ----------
    date_order : {"auto", "ymd", "dmy", "mdy"}
        Order of day and month in dates like ``03-04-2024``. ``auto`` decides only when the
        file itself makes it unambiguous (a day above 12), and otherwise reports an error.
    decimal : {".", ","}
        Decimal mark of numbers.
    default_country : str, optional
        Country for files without a ``country`` column (e.g. one centre's call log).
    default_channel : str
        Channel for contacts files without a ``channel`` column.
    columns : mapping
        Renames from the file's headers to ours, e.g. ``{"calls": "contacts"}``.
    today : date, optional
        "Now" for the future-date checks (tests pin it); today by default.
    interval_minutes : int, optional
        Interval length of intraday contacts; detected from the timestamps otherwise.
    """

    date_order: DateOrder = "auto"
    decimal: str = "."
    default_country: str | None = None
    default_channel: str = "voice"
    columns: Mapping[str, str] = field(default_factory=dict)
    today: dt.date | None = None
    interval_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.date_order not in ("auto", "ymd", "dmy", "mdy"):
            raise ValueError(f"date_order must be auto, ymd, dmy or mdy, not {self.date_order!r}")
        if self.decimal not in (".", ","):
            raise ValueError(f"decimal must be '.' or ',', not {self.decimal!r}")
        if self.default_channel not in CHANNELS:
            raise ValueError(
                f"default_channel must be one of {', '.join(CHANNELS)}, not {self.default_channel!r}"
            )
        if self.interval_minutes is not None and self.interval_minutes not in INTERVAL_MINUTES:
            raise ValueError(
                f"interval_minutes must be 15, 30 or 60 (or 5, 6 or 10 from ACD exports), not {self.interval_minutes!r}"
            )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. ``row`` is the spreadsheet row (header = 1), or None."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.column is None:
            return f"{where}: {self.message}"
        if self.value is None:
            return f"{where}: column '{self.column}' {self.message}"
        return f"{where}: column '{self.column}' has '{self.value}', {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    """All problems of one file, and its clean frame when there were no errors."""

    kind: str
    file: str
    rows: int
    frame: pd.DataFrame | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    error_count: int
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def lines(self) -> list[str]:
        """Human-readable lines: errors, then warnings, then notes."""
        out = [f"error: {p}" for p in self.errors]
        if self.error_count > len(self.errors):
            out.append(f"error: ... and {self.error_count - len(self.errors)} more errors")
        out += [f"warning: {p}" for p in self.warnings]
        out += [f"note: {n}" for n in self.notes]
        return out

    def raise_for_errors(self) -> pd.DataFrame:
        """Return the clean frame, or raise :class:`DataValidationError` listing the errors."""
        if not self.ok:
            raise DataValidationError(self)
        assert self.frame is not None
        return self.frame


class DataValidationError(ValueError):
    """A file was rejected; ``report`` holds every problem found."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        head = f"{report.file} rejected ({report.error_count} errors in {report.rows} rows):"
        super().__init__("\n".join([head, *report.lines()]))


class _Checker:
    """Collects problems for one file; builds messages only for the first ``MAX_REPORTED``."""

    def __init__(self, raw: RawTable, kind: str) -> None:
        self.raw = raw
        self.kind = kind
        self.file = raw.file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.error_count = 0
        self.notes: list[str] = list(raw.notes)

    def file_error(self, message: str, column: str | None = None) -> None:
        self.error_count += 1
        self.errors.append(Problem(self.file, None, column, None, message))

    def rows(
        self,
        mask: pd.Series,
        column: str | None,
        message: str | Callable[[int], str],
        *,
        severity: Literal["error", "warning"] = "error",
        value: pd.Series | None = None,
    ) -> None:
        """Report every row where ``mask`` is true (messages for the first few only)."""
        hit = mask[mask.fillna(False).astype(bool)].index
        if not len(hit):
            return
        target = self.errors if severity == "error" else self.warnings
        if severity == "error":
            self.error_count += len(hit)
        values = value if value is not None else (self.raw.frame[column] if column else None)
        room = max(MAX_REPORTED - len(target), 0)
        for row in hit[:room]:
            text = message(row) if callable(message) else message
            shown = None if values is None else str(values.loc[row])
            target.append(Problem(self.file, int(row), column, shown, text, severity))
        if severity == "warning" and len(hit) > room:
            self.notes.append(f"{len(hit) - room} more rows like: {text}")

    # --- column parsers -------------------------------------------------------------------

    def text(self, col: str, *, required: bool = True) -> pd.Series:
        values = self.raw.frame[col]
        if required:
            self.rows(values == "", col, "is empty", value=values)
        return values.where(values != "", None)

    def number(
        self,
        col: str,
        *,
        decimal: str,
        required: bool = True,
        minimum: float | None = None,
        maximum: float | None = None,
        minimum_exclusive: bool = False,
        unit: str = "",
    ) -> pd.Series:
        raw = self.raw.frame[col]
        text = raw.str.replace(" ", "", regex=False).str.replace("\u00a0", "", regex=False)
        if decimal == ",":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        empty = text == ""
        parsed = pd.to_numeric(text.where(~empty, None), errors="coerce").astype(float)
        nan_text = text.str.lower().isin(["nan", "na", "n/a", "null", "none", "-"])
        if required:
            self.rows(empty, col, "is empty")
        self.rows(nan_text, col, "is not a number (NaN); leave the cell empty only where optional")
        bad = parsed.isna() & ~empty & ~nan_text
        hint = (
            " (the decimal mark is '.'; state ',' if the file uses commas)"
            if decimal == "."
            else ""
        )
        self.rows(bad & raw.str.contains(",", regex=False), col, f"is not a number{hint}")
        self.rows(bad & ~raw.str.contains(",", regex=False), col, "is not a number")
        self.rows(np.isinf(parsed), col, "is infinite")
        parsed = parsed.where(np.isfinite(parsed))
        if minimum is not None:
            low = parsed <= minimum if minimum_exclusive else parsed < minimum
            op = "above" if minimum_exclusive else "at least"
            self.rows(low, col, f"must be {op} {minimum:g}{unit}")
        if maximum is not None:
            self.rows(parsed > maximum, col, f"must be at most {maximum:g}{unit}")
        return parsed

    def dates(self, col: str, *, order: DateOrder, with_time: bool = False) -> pd.Series:
        """Parse ISO, D-M-YYYY or M-D-YYYY dates; ambiguous orders need the user's word."""
        raw = self.raw.frame[col]
        empty = raw == ""
        self.rows(empty, col, "is empty")
        iso = raw.str.extract(_ISO)
        numeric = raw.str.extract(_NUMERIC_FIRST)
        is_iso = iso["y"].notna()
        is_num = numeric["y"].notna() & ~is_iso
        parts = pd.DataFrame(index=raw.index, columns=["y", "m", "d", "H", "M", "S"], dtype=object)
        parts.loc[is_iso, ["y", "m", "d", "H", "M", "S"]] = iso.loc[
            is_iso, ["y", "m", "d", "H", "M", "S"]
        ].to_numpy()
        used_order = order
        if is_num.any():
            a = numeric.loc[is_num, "a"].astype(int)
            b = numeric.loc[is_num, "b"].astype(int)
            if order == "auto":
                day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
                if day_first and month_first:
                    self.file_error(
                        "has dates in both day-first and month-first order "
                        f"(e.g. '{raw[is_num][a > 12].iloc[0]}' and '{raw[is_num][b > 12].iloc[0]}')",
                        col,
                    )
                    used_order = "dmy"
                elif day_first:
                    used_order = "dmy"
                elif month_first:
                    used_order = "mdy"
                elif (a != b).any():
                    example = raw[is_num][a != b].iloc[0]
                    self.file_error(
                        f"has dates like '{example}' that read either day-first or month-first; "
                        "state the order (CLI: --date-order dmy|mdy; upload: 'Date order')",
                        col,
                    )
                    used_order = "dmy"
                else:
                    used_order = "dmy"  # every value has day == month: both readings agree
                if used_order != "auto" and (day_first or month_first):
                    self.notes.append(
                        f"column '{col}': dates read as {'day-month-year' if used_order == 'dmy' else 'month-day-year'}"
                        " (values above 12 make the order unambiguous)"
                    )
            elif order == "ymd":
                self.rows(
                    is_num, col, "is not a YYYY-MM-DD date (the date order was stated as ymd)"
                )
                used_order = "ymd"
            day, month = (
                (numeric["a"], numeric["b"])
                if used_order in ("dmy", "ymd")
                else (numeric["b"], numeric["a"])
            )
            parts.loc[is_num, "y"] = numeric.loc[is_num, "y"]
            parts.loc[is_num, "m"] = month[is_num]
            parts.loc[is_num, "d"] = day[is_num]
            parts.loc[is_num, ["H", "M", "S"]] = numeric.loc[is_num, ["H", "M", "S"]].to_numpy()
        parts = parts.fillna({"H": "0", "M": "0", "S": "0"})
        stamp = (
            parts["y"].astype(str)
            + "-"
            + parts["m"].astype(str).str.zfill(2)
            + "-"
            + parts["d"].astype(str).str.zfill(2)
            + " "
            + parts["H"].astype(str).str.zfill(2)
            + ":"
            + parts["M"].astype(str).str.zfill(2)
            + ":"
            + parts["S"].astype(str).str.zfill(2)
        )
        matched = is_iso | is_num
        parsed = pd.to_datetime(stamp.where(matched), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        expected = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD or D-M-YYYY"
        self.rows(
            parsed.isna() & ~empty,
            col,
            f"is not a {'date-time' if with_time else 'date'} ({expected})",
        )
        if not with_time:
            has_time = parsed.notna() & (parsed != parsed.dt.normalize())
            self.rows(
                has_time,
                col,
                "has a time of day; daily files take dates only (intraday data goes in 'interval_start')",
            )
        return parsed.astype("datetime64[ns]")

    def countries(
        self, col: str, *, drop_unplaced: bool, required: bool = True
    ) -> tuple[pd.Series, pd.Series]:
        """Resolve codes/names to alpha-2; returns (codes, keep-mask)."""
        raw = self.raw.frame[col]
        matches = resolve_countries(raw.unique())
        codes = raw.map(lambda v: matches[v].code)
        keep = pd.Series(True, index=raw.index)
        unplaced = raw.map(lambda v: matches[v].unplaced)
        outside = raw.map(lambda v: matches[v].outside_iso)
        if drop_unplaced:
            if unplaced.any():
                names = ", ".join(sorted(set(raw[unplaced])))
                self.notes.append(
                    f"{int(unplaced.sum())} rows with country {names} (not placed by the exporting tool) were left out"
                )
            if outside.any():
                names = ", ".join(sorted(set(raw[outside])))
                self.notes.append(
                    f"{int(outside.sum())} rows for {names} (outside ISO 3166-1, no national calendar) were left out"
                )
            keep = ~(unplaced | outside)
        else:
            self.rows(unplaced | outside, col, "is not an ISO 3166-1 country")
        unknown = codes.isna() & ~unplaced & ~outside & (raw != "")
        self.rows(unknown, col, lambda r: f"is not a known country; {matches[raw[r]].hint}")
        if required:
            self.rows(raw == "", col, "is empty")
        return codes, keep

    def duplicates(self, frame: pd.DataFrame, key: list[str], what: str) -> None:
        usable = frame[key].notna().all(axis=1)
        sub = frame.loc[usable, key]
        dup = sub.duplicated(keep=False)
        if not dup.any():
            return
        first_row = sub[dup].reset_index().groupby(key, dropna=False)["index"].transform("min")
        first_row.index = sub[dup].index
        repeats = dup & ~sub.duplicated(keep="first")
        later = sub.index[dup & ~repeats]

        def message(row: int) -> str:
            values = ", ".join(_show(v) for v in sub.loc[row])
            return f"repeats row {first_row.loc[row]} ({what} {values})"

        self.rows(pd.Series(sub.index.isin(later), index=sub.index), None, message)

    def future(self, dates: pd.Series, col: str, today: dt.date) -> None:
        limit = pd.Timestamp(today) + pd.Timedelta(days=1)
        self.rows(
            dates >= limit,
            col,
            f"is in the future (after {today.isoformat()}); history files hold past data only",
        )

    def report(self, frame: pd.DataFrame | None, rows: int) -> ValidationReport:
        return ValidationReport(
            kind=self.kind,
            file=self.file,
            rows=rows,
            frame=frame if self.error_count == 0 else None,
            errors=tuple(
                sorted(self.errors[:MAX_REPORTED], key=lambda p: (p.row is not None, p.row or 0))
            ),
            warnings=tuple(self.warnings),
            error_count=self.error_count,
            notes=tuple(self.notes),
        )


def _show(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if value != value.normalize()
            else value.date().isoformat()
        )
    return str(value)


def validate_table(
    kind: str, raw: RawTable, options: ReadOptions | None = None
) -> ValidationReport:
    """Validate a text table of one input kind and build its clean frame.

    Parameters
    ----------
    kind : {"contacts", "traffic", "agents", "absences", "hours", "performance"}
    raw : RawTable
        The file as read by :func:`data.readers.read_table`.
    options : ReadOptions, optional
        What the user stated (date order, renames, default country ...).

    Returns
    -------
    ValidationReport
        ``frame`` has the columns of ``CLEAN_COLUMNS[kind]`` when ``ok``.
    """
    if kind not in KINDS + PLANNING_KINDS:
        raise ValueError(
            f"unknown kind {kind!r}; choose one of {', '.join(KINDS + PLANNING_KINDS)}"
        )
    options = options or ReadOptions()
    renames = {normalise_header(k): normalise_header(v) for k, v in options.columns.items()}
    frame = raw.frame.rename(columns=renames)
    if (
        kind in ("contacts", "traffic")
        and "country" not in frame.columns
        and options.default_country
    ):
        frame = frame.assign(country=options.default_country)
    raw = RawTable(raw.file, frame, raw.separator, raw.encoding, raw.notes)
    check = _Checker(raw, kind)
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in frame.columns]
    if kind == "contacts" and not {"date", "interval_start"} & set(frame.columns):
        missing.append("date' or 'interval_start")
    if missing:
        found = ", ".join(frame.columns)
        for col in missing:
            hint = " (or state a default country)" if col == "country" else ""
            check.file_error(f"missing column '{col}'{hint}; found: {found}")
        return check.report(None, len(frame))
    if frame.empty:
        check.file_error("has a header but no data rows")
        return check.report(None, 0)
    today = options.today or dt.date.today()
    clean = _VALIDATORS[kind](check, frame, options, today)
    return check.report(clean, len(frame))


def _channels(check: _Checker, frame: pd.DataFrame, opt: ReadOptions) -> pd.Series:
    """The channel column, lower-cased, defaulted where absent or empty."""
    if "channel" not in frame.columns:
        return pd.Series(opt.default_channel, index=frame.index)
    channel = frame["channel"].str.lower().replace("", opt.default_channel)
    check.rows(~channel.isin(CHANNELS), "channel", f"is not a channel ({', '.join(CHANNELS)})")
    return channel


def _interval_starts(
    check: _Checker, codes: pd.Series, channel: pd.Series, opt: ReadOptions
) -> tuple[pd.Series, int]:
    """Parse ``interval_start``, find the interval length, check every start is aligned to it."""
    start = check.dates("interval_start", order=opt.date_order, with_time=True)
    minutes = opt.interval_minutes or _detect_interval(start, codes, channel)
    if minutes is None:
        check.file_error(
            "has no regular 15, 30 or 60-minute step between intervals; state it (--interval-minutes)",
            "interval_start",
        )
        return start, 30
    minute_of_day = start.dt.hour * 60 + start.dt.minute
    check.rows(
        start.notna() & (minute_of_day % minutes != 0),
        "interval_start",
        f"does not start a {minutes}-minute interval",
    )
    return start, minutes


def _contacts(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    known = {"country", "channel", "date", "interval_start", "contacts", "aht_seconds"}
    ignored = [c for c in frame.columns if c not in known]
    if ignored:
        check.notes.append(f"columns not used: {', '.join(ignored)}")
    codes, _ = check.countries("country", drop_unplaced=False)
    channel = _channels(check, frame, opt)
    contacts = check.number("contacts", decimal=opt.decimal, minimum=0)
    if "aht_seconds" in frame.columns:
        aht = check.number(
            "aht_seconds",
            decimal=opt.decimal,
            required=False,
            minimum=0,
            minimum_exclusive=True,
            unit=" s",
        )
    else:
        aht = pd.Series(np.nan, index=frame.index)
    if "interval_start" in frame.columns:
        if "date" in frame.columns:
            check.notes.append("column 'date' was ignored: 'interval_start' gives the intervals")
        ds, minutes = _interval_starts(check, codes, channel, opt)
        check.future(ds, "interval_start", today)
    else:
        ds = check.dates("date", order=opt.date_order)
        minutes = DAILY_MINUTES
        check.future(ds, "date", today)
    clean = pd.DataFrame(
        {
            "country": codes,
            "channel": channel,
            "ds": ds,
            "interval_minutes": minutes,
            "contacts": contacts,
            "aht_seconds": aht,
        }
    )
    check.duplicates(clean, ["country", "channel", "ds"], "the same country, channel and time:")
    return clean.sort_values(["country", "channel", "ds"])


def _detect_interval(ds: pd.Series, codes: pd.Series, channel: pd.Series) -> int | None:
    """Most common step between consecutive intervals of a series, if it is 15, 30 or 60."""
    frame = (
        pd.DataFrame({"c": codes, "ch": channel, "ds": ds}).dropna().sort_values(["c", "ch", "ds"])
    )
    step = frame.groupby(["c", "ch"])["ds"].diff().dt.total_seconds().div(60)
    step = step[(step > 0) & (step <= 60)]
    if step.empty:
        return None
    common = int(step.mode().iloc[0])
    return common if common in INTERVAL_MINUTES else None


def _traffic(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    codes, keep = check.countries("country", drop_unplaced=True)
    date = check.dates("date", order=opt.date_order)
    check.future(date, "date", today)
    sessions = check.number("sessions", decimal=opt.decimal, minimum=0)
    # Exports from web analytics break sessions down by browser, device ...: rows that differ in
    # such a column are parts of one day's total and are summed; rows equal in every column are
    # duplicates.
    extra = [c for c in frame.columns if c not in ("country", "date", "sessions")]
    breakdown = [c for c in extra if not _mostly_numeric(frame[c])]
    key = ["country", "date", *breakdown]
    probe = pd.DataFrame({"country": codes, "date": date}).join(frame[breakdown])
    check.duplicates(probe.loc[keep], key, "the same")
    clean = pd.DataFrame({"country": codes, "date": date, "sessions": sessions}).loc[keep]
    if breakdown:
        check.notes.append(f"sessions were summed over {', '.join(breakdown)} per country and day")
    clean = clean.groupby(["country", "date"], as_index=False)["sessions"].sum(min_count=1)
    return clean.sort_values(["country", "date"]).reset_index(drop=True)


def _mostly_numeric(values: pd.Series) -> bool:
    non_empty = values[values != ""]
    return bool(len(non_empty)) and pd.to_numeric(non_empty, errors="coerce").notna().mean() > 0.95


def _agents(check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date) -> pd.DataFrame:
    ids = check.text("agent_id")
    n = len(frame)
    blank = pd.Series([None] * n, index=frame.index, dtype=object)
    name = check.text("name", required=False) if "name" in frame.columns else blank
    team = check.text("team", required=False) if "team" in frame.columns else blank
    if "country" in frame.columns:
        codes, _ = check.countries("country", drop_unplaced=False, required=False)
    else:
        codes = blank
    if "timezone" in frame.columns:
        tz = frame["timezone"]
        zones = zoneinfo.available_timezones()
        check.rows(
            (tz != "") & ~tz.isin(zones),
            "timezone",
            "is not an IANA time zone (e.g. 'America/Argentina/Buenos_Aires', 'Europe/Budapest')",
        )
        tz = tz.where(tz != "", None)
    else:
        tz = blank
    if "contract_hours_per_week" in frame.columns:
        hours = check.number(
            "contract_hours_per_week",
            decimal=opt.decimal,
            minimum=0,
            minimum_exclusive=True,
            maximum=80,
            unit=" h",
        )
        check.rows(
            hours > 48,
            "contract_hours_per_week",
            "is above the 48 h average week of the EU Working Time Directive",
            severity="warning",
        )
    else:
        hours = pd.Series(40.0, index=frame.index)
        check.notes.append("no 'contract_hours_per_week' column: 40 h assumed for every agent")
    if "channels" in frame.columns:
        tokens = frame["channels"].str.lower().str.split(r"[\s,|/+]+", regex=True)
        tokens = tokens.map(lambda parts: [p for p in parts if p] or ["voice"])
        unknown = tokens.map(lambda parts: any(p not in CHANNELS for p in parts))
        check.rows(unknown, "channels", f"names a channel other than {', '.join(CHANNELS)}")
        channels = tokens.map(lambda parts: ",".join(dict.fromkeys(parts)))
    else:
        channels = pd.Series("voice", index=frame.index)
    clean = pd.DataFrame(
        {
            "agent_id": ids,
            "name": name,
            "team": team,
            "country": codes,
            "timezone": tz,
            "contract_hours_per_week": hours,
            "channels": channels,
        }
    )
    check.duplicates(clean, ["agent_id"], "agent")
    return clean


def _absences(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    ids = check.text("agent_id")
    start = check.dates("start_date", order=opt.date_order)
    end = check.dates("end_date", order=opt.date_order)
    check.rows(end < start, "end_date", lambda r: f"is before start_date '{_show(start[r])}'")
    kind = frame["type"].str.lower()
    check.rows(
        ~kind.isin(ABSENCE_TYPES), "type", f"is not an absence type ({', '.join(ABSENCE_TYPES)})"
    )
    check.rows(
        (kind == "sick") & (start > pd.Timestamp(today)),
        "start_date",
        "is a sick absence starting in the future",
        severity="warning",
    )
    clean = pd.DataFrame({"agent_id": ids, "start_date": start, "end_date": end, "type": kind})
    check.duplicates(clean, ["agent_id", "start_date", "end_date"], "absence")
    _overlaps(check, clean)
    return clean.sort_values(["agent_id", "start_date"])


def _overlaps(check: _Checker, clean: pd.DataFrame) -> None:
    """Two absences of one agent may not share a day (exact duplicates are reported apart)."""
    usable = clean.dropna(subset=["agent_id", "start_date", "end_date"])
    usable = usable[usable["end_date"] >= usable["start_date"]]
    usable = usable.drop_duplicates(["agent_id", "start_date", "end_date"])
    ordered = usable.sort_values(["agent_id", "start_date", "end_date"])
    prev_end = ordered.groupby("agent_id")["end_date"].cummax().groupby(ordered["agent_id"]).shift()
    prev_row = (
        pd.Series(ordered.index, index=ordered.index)
        .where(ordered["end_date"] == ordered.groupby("agent_id")["end_date"].cummax())
        .groupby(ordered["agent_id"])
        .ffill()
        .groupby(ordered["agent_id"])
        .shift()
    )
    overlap = ordered["start_date"] <= prev_end

    def message(row: int) -> str:
        other = int(prev_row.loc[row])
        return (
            f"overlaps the absence in row {other} "
            f"({_show(clean.loc[other, 'start_date'])} to {_show(clean.loc[other, 'end_date'])}) for agent "
            f"{clean.loc[row, 'agent_id']}"
        )

    check.rows(overlap, "start_date", message)


def _hours(check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date) -> pd.DataFrame:
    ids = check.text("agent_id")
    date = check.dates("date", order=opt.date_order)
    check.future(date, "date", today)
    hours = check.number("hours_worked", decimal=opt.decimal, minimum=0, maximum=24, unit=" h")
    check.rows(
        (hours > 13) & (hours <= 24),
        "hours_worked",
        "leaves less than the 11 h daily rest of the Working Time Directive",
        severity="warning",
    )
    clean = pd.DataFrame({"agent_id": ids, "date": date, "hours_worked": hours})
    check.duplicates(clean, ["agent_id", "date"], "agent and day")
    return clean.sort_values(["agent_id", "date"])


def _performance(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    ids = check.text("agent_id")
    date = check.dates("date", order=opt.date_order)
    check.future(date, "date", today)
    metric = frame["metric"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    check.rows(
        ~metric.str.match(_METRIC),
        "metric",
        "is not a metric name (letters, digits and '_', e.g. csat, qa_score, aht_seconds)",
    )
    value = check.number("value", decimal=opt.decimal)
    check.rows(
        metric.isin(FRACTION_METRICS) & ((value < 0) | (value > 1)),
        "value",
        lambda r: f"is outside 0..1 for {metric[r]}, a fraction (write 0.93, not 93)",
    )
    check.rows(
        (metric == "aht_seconds") & (value <= 0), "value", "must be above 0 s for aht_seconds"
    )
    clean = pd.DataFrame({"agent_id": ids, "date": date, "metric": metric, "value": value})
    check.duplicates(clean, ["agent_id", "date", "metric"], "agent, day and metric")
    return clean.sort_values(["agent_id", "metric", "date"])


def _planning_intervals(check: _Checker, frame: pd.DataFrame, opt: ReadOptions) -> pd.DataFrame:
    """Country, channel and interval columns shared by the planning files (future dates allowed)."""
    codes, _ = check.countries("country", drop_unplaced=False)
    channel = _channels(check, frame, opt)
    start, minutes = _interval_starts(check, codes, channel, opt)
    base = pd.DataFrame(
        {"country": codes, "channel": channel, "interval_start": start, "interval_minutes": minutes}
    )
    check.duplicates(
        base, ["country", "channel", "interval_start"], "the same country, channel and interval:"
    )
    return base


def _interval_forecast(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    base = _planning_intervals(check, frame, opt)
    base["forecast"] = check.number("forecast", decimal=opt.decimal, minimum=0)
    if "forecast_upper" in frame.columns:
        upper = check.number("forecast_upper", decimal=opt.decimal, minimum=0)
        check.rows(upper < base["forecast"], "forecast_upper", "is below the forecast")
        base["forecast_upper"] = upper
    else:
        base["forecast_upper"] = base["forecast"]
    if "aht_seconds" in frame.columns:
        base["aht_seconds"] = check.number(
            "aht_seconds", decimal=opt.decimal, minimum=0, minimum_exclusive=True, unit=" s"
        )
    else:
        base["aht_seconds"] = np.nan
    return base.sort_values(["country", "channel", "interval_start"])


def _requirements(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    base = _planning_intervals(check, frame, opt)
    base["required_staff"] = check.number("required_staff", decimal=opt.decimal, minimum=0)
    return base.sort_values(["country", "channel", "interval_start"])


_VALIDATORS = {
    "interval_forecast": _interval_forecast,
    "requirements": _requirements,
    "contacts": _contacts,
    "traffic": _traffic,
    "agents": _agents,
    "absences": _absences,
    "hours": _hours,
    "performance": _performance,
}


def validate_file(
    kind: str,
    source: str | Path | bytes | BinaryIO,
    file_name: str | None = None,
    options: ReadOptions | None = None,
    *,
    separator: str | None = None,
) -> ValidationReport:
    """Read and validate one file (CSV or .xlsx). See :func:`validate_table`."""
    raw = read_table(source, file_name, separator=separator)
    return validate_table(kind, raw, options)
