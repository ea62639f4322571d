"""Validate input files once, at the door: every problem named by file, row, column and value."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import time
import unicodedata
import zipfile
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import pandas as pd

from contracts import DAILY_FORECAST_COLUMNS
from contracts.vocab import ABSENCE_TYPES  # the one list, re-exported for the pages
from data.countries import country_hint, resolve_countries
from data.readers import (
    CHUNK_ROWS,
    Content,
    FileReadError,
    RawTable,
    file_head,
    normalise_header,
    read_column_values,
    read_table,
    read_table_chunks,
    safe_file_label,
)
from data.schema import TABLES

try:  # pandas' string storage; installed with streamlit, not required here
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover
    pa = pc = None

KINDS = ("contacts", "traffic", "agents", "absences", "hours", "performance")
# Planning files: read through the same door for the CLI, never stored as history.
PLANNING_KINDS = ("interval_forecast", "daily_forecast", "requirements", "profile")
CHANNELS = ("voice", "chat", "email")
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
    "daily_forecast": DAILY_FORECAST_COLUMNS,
    "requirements": ("country", "channel", "interval_start", "interval_minutes", "required_staff"),
    # An intraday arrival profile: weekday 0 (Monday)..6 or <NA> (every day without rows of its
    # own), the interval's start in minutes after midnight, the file's interval length, share.
    "profile": ("weekday", "minute_of_day", "interval_minutes", "share"),
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("country", "contacts"),  # plus `date` or `interval_start`
    "traffic": ("country", "date", "sessions"),
    "agents": ("agent_id",),
    "absences": ("agent_id", "start_date", "end_date", "type"),
    "hours": ("agent_id", "date", "hours_worked"),
    "performance": ("agent_id", "date", "metric", "value"),
    "interval_forecast": ("country", "interval_start", "forecast"),
    "daily_forecast": ("country", "date", "forecast"),
    "requirements": ("country", "interval_start", "required_staff"),
    "profile": ("time", "share"),
}

#: Columns a kind also reads when the file has them (REQUIRED_COLUMNS are the others).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("date", "interval_start", "channel", "aht_seconds"),
    "agents": ("name", "team", "country", "timezone", "contract_hours_per_week", "channels"),
    "interval_forecast": ("channel", "forecast_upper", "aht_seconds"),
    "requirements": ("channel",),
}
#: Where one of several columns is required (contacts are daily or intraday).
ONE_OF_COLUMNS: dict[str, tuple[str, ...]] = {"contacts": ("date", "interval_start")}
#: Headers that mean one of our columns in common exports (normalised, as
#: :func:`data.readers.normalise_header` writes them). Used only when the file lacks our own name
#: and exactly one of them is present. No bare "aht": its unit (seconds or minutes) is a guess.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "contacts": ("calls", "calls_offered", "offered", "contact_volume", "volume", "tickets"),
    "sessions": ("visits",),
    "date": ("day",),
    "interval_start": ("datetime", "timestamp"),  # not "interval": often a time of day alone
    "country": ("country_code", "country_name"),
    "aht_seconds": ("aht_sec", "handle_time_seconds"),
    "agent_id": ("employee_id",),
}

# Metrics whose values are fractions; 0-100 percentages are a common slip.
FRACTION_METRICS = frozenset({"adherence", "occupancy", "conformance", "fcr"})
# Scores that cannot be negative whatever their scale (0-100, 1-5, 0-1); NPS can.
SCORE_METRICS = frozenset({"csat", "qa_score"})

#: Dates outside these bounds are typos in the year (and beyond what pandas can hold, 1677-2262).
EARLIEST_DATE = pd.Timestamp("1900-01-01")
LATEST_DATE = pd.Timestamp("2199-12-31 23:59:59")
#: No count, duration or score in a contact centre's files comes near this; 1e308 does.
LARGEST_NUMBER = 1e9
#: Cell values and examples are echoed in messages up to this many characters.
ECHO_CHARACTERS = 60

DateOrder = Literal["auto", "ymd", "dmy", "mdy"]

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?$"
)
_NUMERIC_FIRST = re.compile(
    r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_ISO_LAYOUT = re.compile(r"^\d{4}([-/])\d{1,2}([-/])\d{1,2}(?:([ T])\d{1,2}:\d{2}(:\d{2})?)?$")
#: Zero-width characters that copy and paste bring along invisibly: removed from keys.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
#: Columns whose values are keys or joined on (agents, teams, countries, channels, metrics).
IDENTIFIER_COLUMNS = ("agent_id", "name", "team", "country", "channel", "metric")
_METRIC = re.compile(r"^[a-z][a-z0-9_]*$")


#: Environment variables that set the :class:`ImportBudget` (defaults in its fields).
BUDGET_VARIABLES = {
    "max_rows": "CREWCAST_IMPORT_MAX_ROWS",
    "max_xlsx_megabytes": "CREWCAST_IMPORT_MAX_XLSX_MB",
    "max_seconds": "CREWCAST_IMPORT_MAX_SECONDS",
    "chunk_rows": "CREWCAST_IMPORT_CHUNK_ROWS",
}


class BudgetExceeded(FileReadError):
    """A file was refused for its size or the time it took, before anything was stored."""


@dataclass(frozen=True)
class ImportBudget:
    """What one file may cost the server (issue #15: uploads must not exhaust it).

    Parameters
    ----------
    max_rows : int
        Data rows per file (5,000,000: twice the 2.1 M half-hours of 20 countries x 3
        channels x 2 years; ``CREWCAST_IMPORT_MAX_ROWS``).
    max_xlsx_megabytes : float
        What an .xlsx workbook may expand to, by its archive's own member sizes, checked before
        a byte is decompressed (200 MB, about 1 M rows of a sheet;
        ``CREWCAST_IMPORT_MAX_XLSX_MB``). A "decompression bomb" is refused unopened.
    max_seconds : float
        Wall-clock seconds to read, validate and write one file (300;
        ``CREWCAST_IMPORT_MAX_SECONDS``); checked between steps and between chunks read,
        checked and written, so an import over it is rolled back whole.
    chunk_rows : int
        Rows read, checked and written at a time by a CSV import of contacts, hours or
        performance (50,000; ``CREWCAST_IMPORT_CHUNK_ROWS``): what bounds its memory.
    """

    max_rows: int = 5_000_000
    max_xlsx_megabytes: float = 200.0
    max_seconds: float = 300.0
    chunk_rows: int = CHUNK_ROWS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ImportBudget:
        """The budget with each field the environment sets (:data:`BUDGET_VARIABLES`)."""
        environ = os.environ if environ is None else environ
        values: dict[str, float] = {}
        for name, variable in BUDGET_VARIABLES.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{variable} must be a positive number, not {text!r}")
            values[name] = int(value) if name in ("max_rows", "chunk_rows") else value
        return cls(**values)

    def deadline(self) -> float:
        """The ``time.monotonic()`` by which an import starting now must be done."""
        return time.monotonic() + self.max_seconds

    def check_time(self, deadline: float | None, file: str, step: str) -> None:
        """Refuse the file when ``deadline`` has passed (``step`` says where it was)."""
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExceeded(
                f"{file}: refused, {step} took longer than the {self.max_seconds:g} s an import "
                f"may take ({BUDGET_VARIABLES['max_seconds']}); nothing was imported. "
                "Split the file or import it from the command line with a larger budget."
            )

    def check_content(self, content: bytes, file: str) -> None:
        """Refuse a file before parsing: an .xlsx that would expand beyond the limit (by the
        sizes its archive declares; Python's zipfile never inflates a member beyond its
        declared size), or a text file with more lines than twice the row limit."""
        if content[:4] == b"PK\x03\x04" or file.lower().endswith((".xlsx", ".xlsm")):
            try:
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    expanded = sum(member.file_size for member in archive.infolist())
            except (zipfile.BadZipFile, ValueError, EOFError):
                return  # not an archive: the reader says so
            limit = self.max_xlsx_megabytes * 1e6
            if expanded > limit:
                raise BudgetExceeded(
                    f"{file}: refused, the workbook expands to {expanded / 1e6:,.0f} MB, above "
                    f"the {self.max_xlsx_megabytes:g} MB an .xlsx upload may expand to "
                    f"({BUDGET_VARIABLES['max_xlsx_megabytes']}); save it as CSV or split it"
                )
            return
        lines = content.count(b"\n")
        if lines > 2 * (self.max_rows + 1):
            raise BudgetExceeded(self._rows_message(file, f"{lines:,} lines"))

    def check_rows(self, raw: RawTable) -> None:
        """Refuse a table with more data rows than the limit."""
        if len(raw.frame) > self.max_rows:
            raise BudgetExceeded(self._rows_message(raw.file, f"{len(raw.frame):,} rows"))

    def check_rows_so_far(self, rows: int, file: str) -> None:
        """Refuse a file read in chunks once the rows parsed so far are over the limit (rows
        as parsed: a quoted line break is no new row)."""
        if rows > self.max_rows:
            raise BudgetExceeded(self._rows_message(file, f"more than {self.max_rows:,} rows"))

    def _rows_message(self, file: str, size: str) -> str:
        return (
            f"{file}: refused, it has {size}; a file may have at most {self.max_rows:,} rows "
            f"({BUDGET_VARIABLES['max_rows']}); split it by period or country"
        )


def locate_source(
    source: str | Path | bytes | BinaryIO, file_name: str | None = None
) -> tuple[Content, str]:
    """A file as :func:`data.readers.read_table_chunks` takes it (a path stays a path, checked
    readable; anything else its bytes), and the name its messages use
    (:func:`data.readers.safe_file_label`; a path's own name by default, ``upload`` without)."""
    file_name = safe_file_label(file_name)
    if isinstance(source, str | Path):
        path = Path(source)
        file_name = file_name or safe_file_label(path.name) or "upload"
        try:
            file_head(path, 1)
        except OSError as exc:
            raise FileReadError(f"{file_name}: cannot read the file ({exc.strerror})") from exc
        return path, file_name
    content = source if isinstance(source, bytes) else source.read()
    return content, file_name or "upload"


def is_workbook(content: Content, file: str) -> bool:
    """Whether a file is an .xlsx workbook, by its name or its first bytes (a zip archive)."""
    return file.lower().endswith((".xlsx", ".xlsm")) or file_head(content, 4) == b"PK\x03\x04"


def read_source(
    source: str | Path | bytes | BinaryIO, file_name: str | None = None
) -> tuple[bytes, str]:
    """A file's bytes and the name its messages use (see :func:`locate_source`)."""
    content, label = locate_source(source, file_name)
    if isinstance(content, Path):
        try:
            content = content.read_bytes()
        except OSError as exc:
            raise FileReadError(f"{label}: cannot read the file ({exc.strerror})") from exc
    return content, label


def read_within_budget(
    source: str | Path | bytes | BinaryIO,
    file_name: str | None = None,
    *,
    separator: str | None = None,
    budget: ImportBudget | None = None,
    deadline: float | None = None,
) -> tuple[RawTable, bytes]:
    """Read a file as :func:`data.readers.read_table` does, within ``budget`` (from the
    environment by default): its size checked before parsing, its rows after. Returns the
    table and the file's bytes (for its checksum).

    Raises
    ------
    BudgetExceeded
        When the file is over a limit of the budget.
    data.readers.FileReadError
        When the file cannot be read as a table.
    """
    budget = budget or ImportBudget.from_environment()
    content, label = read_source(source, file_name)
    budget.check_content(content, label)
    raw = read_table(content, label, separator=separator)
    budget.check_rows(raw)
    budget.check_time(deadline, label, "reading the file")
    return raw, content


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

    def __post_init__(self) -> None:
        # A 100 KB cell must not come back 100 KB long in every message that names it.
        if self.value is not None:
            object.__setattr__(self, "value", clip(self.value))
        object.__setattr__(self, "message", clip(self.message, ECHO_CHARACTERS * 6))

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
    #: For a file stored a chunk at a time (``frame`` is None then): per series, its first and
    #: last time (``first``, ``last``) and, for contacts, the sum of ``contacts``.
    extent: pd.DataFrame | None = None

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


def clip(text: object, limit: int = ECHO_CHARACTERS) -> str:
    """``text`` as a string of at most about ``limit`` characters, saying how long it was."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


@dataclass(frozen=True)
class ColumnMatch:
    """Which header of a file gives one of our columns.

    ``how`` is ``stated`` (the user mapped it), ``same name``, ``synonym`` (a common export's
    name, :data:`COLUMN_SYNONYMS`) or ``absent`` (``header`` is None).
    """

    column: str
    required: bool
    header: str | None
    how: Literal["stated", "same name", "synonym", "absent"]


def expected_columns(kind: str) -> tuple[tuple[str, bool], ...]:
    """``(column, required)`` for every column a file of ``kind`` may have, required first.

    Columns of :data:`ONE_OF_COLUMNS` count as optional here: one of them is required.
    """
    required = REQUIRED_COLUMNS[kind]
    optional = tuple(c for c in OPTIONAL_COLUMNS.get(kind, ()) if c not in required)
    return tuple((c, True) for c in required) + tuple((c, False) for c in optional)


def match_columns(
    kind: str, headers: Sequence[str], stated: Mapping[str, str] | None = None
) -> tuple[ColumnMatch, ...]:
    """Match a file's headers to the columns of ``kind``: what the user stated first (``{file
    header: our column}``; an empty our-column leaves the header out), then the same name, then
    one unambiguous synonym. Headers compare normalised (``"Interval Start"`` is
    ``interval_start``); the match names the header as the file wrote it.
    """
    written = {}
    for header in headers:
        written.setdefault(normalise_header(header), str(header))
    claims = {
        normalise_header(k): normalise_header(v) if v else "" for k, v in (stated or {}).items()
    }
    ours = [c for c, _ in expected_columns(kind)]
    taken: set[str] = set()
    out = []
    for column, required in expected_columns(kind):
        found, how = None, "absent"
        chosen = [h for h in written if claims.get(h) == column and h not in taken]
        if chosen:
            found, how = chosen[0], "stated"
        elif column in written and column not in claims and column not in taken:
            found, how = column, "same name"
        else:
            candidates = [
                h
                for h in COLUMN_SYNONYMS.get(column, ())
                if h in written and h not in claims and h not in ours and h not in taken
            ]
            if len(candidates) == 1:
                found, how = candidates[0], "synonym"
        if found is not None:
            taken.add(found)
        out.append(ColumnMatch(column, required, written.get(found), how))
    return tuple(out)


@dataclass(frozen=True)
class DateOrderGuess:
    """What the values of a date column say about their order.

    ``order`` is None when the file cannot tell (every numeric date reads both ways) or
    contradicts itself (``mixed``); ``example`` is a value showing why.
    """

    order: Literal["ymd", "dmy", "mdy"] | None
    example: str | None = None
    mixed: tuple[str, str] | None = None

    def describe(self) -> str:
        """The guess in words, for previews and notes."""
        if self.mixed:
            return (
                f"mixed: '{clip(self.mixed[0])}' is day-first, '{clip(self.mixed[1])}' month-first"
            )
        if self.order is None:
            return f"ambiguous (e.g. '{clip(self.example)}'): state day-first or month-first"
        words = {"ymd": "year-month-day", "dmy": "day-month-year", "mdy": "month-day-year"}
        return words[self.order] + (f" (e.g. '{clip(self.example)}')" if self.example else "")


def detect_date_order(values: pd.Series) -> DateOrderGuess:
    """Detect the order of day and month from a column's text values.

    ISO dates (``2024-03-14``) are year-month-day. Numeric dates (``3-4-2024``) are day-first
    only when some first part is above 12, month-first only when some second part is; with
    neither, the order is undecided unless every value has day == month (both readings agree).
    """
    values = values[values != ""]
    numeric = values.str.extract(_NUMERIC_FIRST)
    is_num = numeric["y"].notna() & values.str.extract(_ISO)["y"].isna()
    if not is_num.any():
        iso = values[values.str.match(_ISO)]
        return DateOrderGuess("ymd", iso.iloc[0] if len(iso) else None)
    num = values[is_num]
    a, b = numeric.loc[is_num, "a"].astype(int), numeric.loc[is_num, "b"].astype(int)
    day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
    if day_first and month_first:
        return DateOrderGuess(None, None, (num[a > 12].iloc[0], num[b > 12].iloc[0]))
    if day_first:
        return DateOrderGuess("dmy", num[a > 12].iloc[0])
    if month_first:
        return DateOrderGuess("mdy", num[b > 12].iloc[0])
    if (a != b).any():
        return DateOrderGuess(None, num[a != b].iloc[0])
    return DateOrderGuess("dmy", None)  # every value has day == month: both readings agree


def _iso_layout(values: pd.Series) -> tuple[str, int] | None:
    """The explicit ``strftime`` format of the first non-empty value when it is an ISO date or
    date-time (``2024-03-14``, ``2024/03/14 09:30``, ``2024-03-14T09:30:00``), with the number
    of spaces it holds; None for any other layout (numeric-first, fractions of seconds)."""
    first = next((v for v in values if v != ""), None)
    found = _ISO_LAYOUT.match(first) if isinstance(first, str) else None
    if found is None:
        return None
    date_sep, date_sep2, time_sep, seconds = found.groups()
    fmt = f"%Y{date_sep}%m{date_sep2}%d"
    if time_sep:
        fmt += f"{time_sep}%H:%M" + (":%S" if seconds else "")
    return fmt, fmt.count(" ")


def _to_float(text: pd.Series, empty: pd.Series) -> pd.Series:
    """Text to float64, NaN where it is no number: one Arrow cast (C++, some 25x faster on
    millions of cells) when every cell reads, pandas' ``to_numeric`` otherwise, so the values a
    bad file's messages name are always pandas' reading. ``-0`` becomes 0."""
    if pa is not None and not empty.any():
        try:
            cast = pc.cast(pa.array(text), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
            pass
        else:
            return pd.Series(cast.to_numpy(zero_copy_only=False) + 0.0, index=text.index)
    return pd.to_numeric(text.where(~empty, None), errors="coerce").astype(float)


def _plain_numbers(raw: pd.Series) -> pd.Series | None:
    """Every cell of ``raw`` a finite number with '.' as its decimal mark, read by one Arrow
    cast of the text as it is; None when any cell is not (an empty cell, a space, a comma,
    NaN or infinity: :meth:`_Checker._numbers_cell_by_cell` then reads and reports each).

    The cast refuses any space, so the text is what the cell-by-cell reading would cast after
    removing them: the same numbers, without its six passes over the text (about 0.1 CPU s
    per column per million rows). ``-0`` becomes 0."""
    if pa is None or not len(raw):
        return None
    try:
        cast = pc.cast(pa.array(raw), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError, ValueError):
        return None
    values = cast.to_numpy(zero_copy_only=False) + 0.0
    if not np.isfinite(values).all():
        return None
    return pd.Series(values, index=raw.index)


class _SeenKeys:
    """The keys of a file's earlier chunks, exactly, in a few bytes a key.

    A key becomes fixed-width bytes: each text column a 4-byte code from a dictionary of its
    distinct values (a few thousand agents, countries, channels or metrics), each time column
    its 8 bytes of nanoseconds, so equal keys are equal bytes and nothing else is (no hash to
    collide). The keys are kept sorted, each with the file row where it first appeared (24
    bytes a key for contacts, some 50 MB for 2.1 M rows), in runs: a chunk's new keys are a
    run, merged with the run before while that is no larger, up to :attr:`MAX_RUN` keys, so
    no merge ever copies all the keys at once and a lookup searches a few runs.
    """

    MAX_RUN = 1 << 19

    def __init__(self, width: int) -> None:
        self.dictionaries: list[dict[object, int]] = [{} for _ in range(width)]
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, their first rows)

    def _encode(self, keys: pd.DataFrame) -> np.ndarray:
        parts = []
        for col, dictionary in zip(keys.columns, self.dictionaries, strict=True):
            values = keys[col]
            # Big-endian, times with the sign bit flipped: the bytes sort as the values do,
            # so a chunk sorted by its key (codes are given in order of appearance) needs no
            # sort (:meth:`first_rows_then_add`).
            if values.dtype.kind == "M":
                stamps = values.astype("datetime64[ns]").to_numpy().view(np.uint64)
                parts.append((stamps ^ np.uint64(1 << 63)).astype(">u8"))
                continue
            codes, uniques = pd.factorize(values)
            mapped = [dictionary.setdefault(v, len(dictionary)) for v in uniques]
            parts.append(np.asarray(mapped, dtype=">u4")[codes])
        record = np.empty(len(keys), dtype=[(f"f{j}", p.dtype) for j, p in enumerate(parts)])
        for j, part in enumerate(parts):
            record[f"f{j}"] = part
        return record.view(f"S{record.dtype.itemsize}")

    def first_rows_then_add(self, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """For each row of ``keys`` (a chunk's, index = file rows), the file row where an
        earlier chunk had the same key, or -1, and whether another row of the chunk has the
        same key (``DataFrame.duplicated(keep=False)``, from the sorted keys); then the
        chunk's new keys are kept."""
        encoded = self._encode(keys)
        if len(encoded) < 2 or (encoded[1:] >= encoded[:-1]).all():
            # A file sorted by its key (most exports) gives sorted codes: no sort needed.
            order = np.arange(len(encoded))
            ordered = encoded
        else:
            order = np.argsort(encoded, kind="stable")  # equal keys keep the file's order
            ordered = encoded[order]
        same_as_next = ordered[1:] == ordered[:-1]
        repeated_sorted = np.zeros(len(ordered), dtype=bool)
        repeated_sorted[1:] |= same_as_next
        repeated_sorted[:-1] |= same_as_next
        repeated = np.empty_like(repeated_sorted)
        repeated[order] = repeated_sorted
        found = np.full(len(ordered), -1, dtype=np.int64)
        for run, rows in self.runs:  # a key is in one run at most
            pos = np.minimum(np.searchsorted(run, ordered), len(run) - 1)
            hit = run[pos] == ordered
            found[hit] = rows[pos[hit]]
        first = np.empty_like(found)
        first[order] = found
        # Each new key once, at its first row in the chunk.
        new = found < 0
        new[1:] &= ~same_as_next
        if new.any():
            self._add_run(ordered[new], keys.index.to_numpy(dtype=np.int64)[order[new]])
        return first, repeated

    def _add_run(self, run: np.ndarray, rows: np.ndarray) -> None:
        while (
            self.runs
            and len(self.runs[-1][0]) <= len(run)
            and len(self.runs[-1][0]) + len(run) <= self.MAX_RUN
        ):
            before, before_rows = self.runs.pop()
            at = np.searchsorted(before, run)
            run, rows = np.insert(before, at, run), np.insert(before_rows, at, rows)
        self.runs.append((run, rows))


class _Checker:
    """Collects problems for one file; builds messages only for the first ``MAX_REPORTED``."""

    def __init__(self, raw: RawTable, kind: str, *, chunked: bool = False) -> None:
        #: The rows being checked: the whole file, or its current chunk.
        self.raw = raw
        self.kind = kind
        self.file = raw.file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.error_count = 0
        self.notes: list[str] = list(raw.notes)
        #: Warnings beyond the reported ones, by message: one note each at the end.
        self.more_warnings: dict[str, int] = {}
        #: Keys of earlier chunks per duplicate check (None: the file is checked whole).
        self.seen_keys: dict[tuple[str, ...], _SeenKeys] | None = {} if chunked else None
        #: Date order per column decided from the whole file's values (chunked reading).
        self.date_orders: dict[str, DateOrderGuess] = {}
        #: Every distinct value of a column in the whole file (chunked reading), or None.
        self.column_values: Callable[[str], pd.Series] | None = None
        #: The interval length detected from the timestamps, once it was.
        self.detected_minutes: int | None = None
        #: Per date column and order: the previous chunk's distinct texts and their readings.
        self.date_cache: dict[tuple[str, str], tuple[pd.Index, np.ndarray, np.ndarray]] | None
        self.date_cache = {} if chunked else None

    def file_error(self, message: str, column: str | None = None) -> None:
        problem = Problem(self.file, None, column, None, message)
        if problem in self.errors:  # each chunk of a file may find the same file-level problem
            return
        self.error_count += 1
        self.errors.append(problem)

    def add_problems(self, problems: Sequence[Problem]) -> None:
        """Errors found elsewhere (against the database), each file-level one once."""
        for problem in problems:
            if problem.row is None and problem in self.errors:
                continue
            self.error_count += 1
            if len(self.errors) < MAX_REPORTED:
                self.errors.append(problem)

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
            key = message if isinstance(message, str) else text
            self.more_warnings[key] = self.more_warnings.get(key, 0) + len(hit) - room

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
        parsed = _plain_numbers(raw) if decimal == "." else None
        if parsed is None:
            parsed = self._numbers_cell_by_cell(raw, col, decimal=decimal, required=required)
        if maximum is None or maximum > LARGEST_NUMBER:
            huge = parsed.abs() > LARGEST_NUMBER
            self.rows(
                huge, col, f"is too large (above {LARGEST_NUMBER:,.0f}); a unit or export slip?"
            )
            parsed = parsed.where(~huge)
        if minimum is not None:
            low = parsed <= minimum if minimum_exclusive else parsed < minimum
            op = "above" if minimum_exclusive else "at least"
            self.rows(low, col, f"must be {op} {minimum:g}{unit}")
        if maximum is not None:
            self.rows(parsed > maximum, col, f"must be at most {maximum:g}{unit}")
        return parsed

    def _numbers_cell_by_cell(
        self, raw: pd.Series, col: str, *, decimal: str, required: bool
    ) -> pd.Series:
        """Text to numbers, spaces and thousands marks removed, each kind of bad cell
        reported; NaN where there is no finite number."""
        text = raw.str.replace(" ", "", regex=False).str.replace("\u00a0", "", regex=False)
        if decimal == ",":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        empty = text == ""
        parsed = _to_float(text, empty)
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
        return parsed.where(np.isfinite(parsed))

    def dates(self, col: str, *, order: DateOrder, with_time: bool = False) -> pd.Series:
        """Parse ISO, D-M-YYYY or M-D-YYYY dates; ambiguous orders need the user's word.

        Each distinct value is parsed once (a 2 M-row file of half-hours holds some 35,000
        distinct stamps), and the results are spread back over the rows; a file read in
        chunks parses only the values its previous chunk did not have (the same half-hours
        come again for the next queue).
        """
        raw = self.raw.frame[col]
        empty = raw == ""
        self.rows(empty, col, "is empty")
        codes, uniques = pd.factorize(raw)
        values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        parsed_values, not_ymd = self._parse_dates_once(values, col, order)
        if not_ymd.any():
            self.rows(
                pd.Series(not_ymd.to_numpy()[codes], index=raw.index),
                col,
                "is not a YYYY-MM-DD date (the date order was stated as ymd)",
            )
        parsed = pd.Series(parsed_values.to_numpy()[codes], index=raw.index)
        expected = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD or D-M-YYYY"
        self.rows(
            parsed.isna() & ~empty,
            col,
            f"is not a {'date-time' if with_time else 'date'} ({expected})",
        )
        outside = (parsed < EARLIEST_DATE) | (parsed > LATEST_DATE)
        self.rows(
            outside,
            col,
            f"is outside the years {EARLIEST_DATE.year} to {LATEST_DATE.year} (a typo in the year?)",
        )
        parsed = parsed.where(~outside)
        if not with_time:
            has_time = parsed.notna() & (parsed != parsed.dt.normalize())
            self.rows(
                has_time,
                col,
                "has a time of day; daily files take dates only (intraday data goes in 'interval_start')",
            )
        return parsed.astype("datetime64[ns]")

    def _parse_dates_once(
        self, values: pd.Series, col: str, order: DateOrder
    ) -> tuple[pd.Series, pd.Series]:
        """:meth:`_parse_dates`, with the previous chunk's readings reused (a value's reading
        depends on the value and the file's date order only)."""
        if self.date_cache is None:
            return self._parse_dates(values, col, order)
        known = self.date_cache.get((col, order))
        if known is None or not len(known[0]):
            parsed, not_ymd = self._parse_dates(values, col, order)
        else:
            texts, known_parsed, known_not_ymd = known
            at = texts.get_indexer(values)
            new = at < 0
            parsed = pd.Series(known_parsed[at], index=values.index, dtype="datetime64[us]")
            not_ymd = pd.Series(known_not_ymd[at], index=values.index)
            if new.any():
                fresh, fresh_not_ymd = self._parse_dates(values[new], col, order)
                parsed[new] = fresh.to_numpy()
                not_ymd[new] = fresh_not_ymd.to_numpy()
        self.date_cache[(col, order)] = (
            pd.Index(values),
            parsed.to_numpy(dtype="datetime64[us]"),
            not_ymd.to_numpy(dtype=bool),
        )
        return parsed, not_ymd

    def _parse_dates(
        self, values: pd.Series, col: str, order: DateOrder
    ) -> tuple[pd.Series, pd.Series]:
        """Distinct text values -> (timestamps, NaT where unreadable; mask of numeric dates
        refused because the order was stated as ymd). File-level problems are reported here.

        The common case, every value ISO in one layout, is one ``pd.to_datetime`` with that
        explicit format; only the values it cannot read go through the regular expressions
        (the other layouts, and the bad values whose messages need them).
        """
        # Microseconds hold any year (nanoseconds stop at 1677 and 2262): the caller reports
        # the years outside the supported range before narrowing.
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        layout = _iso_layout(values)
        if layout is not None:
            fmt, spaces = layout
            # %d and %H also read " 1": the count of spaces keeps the layout exact.
            fast = pd.to_datetime(values, format=fmt, errors="coerce")
            fast = fast.where(values.str.count(" ") == spaces)
            parsed = fast.astype("datetime64[us]") if fast.notna().any() else parsed
        rest = values[parsed.isna() & (values != "")]
        not_ymd = pd.Series(False, index=values.index)
        if rest.empty:
            return parsed, not_ymd
        iso = rest.str.extract(_ISO)
        numeric = rest.str.extract(_NUMERIC_FIRST)
        is_iso = iso["y"].notna()
        is_num = numeric["y"].notna() & ~is_iso
        parts = pd.DataFrame(index=rest.index, columns=["y", "m", "d", "H", "M", "S"], dtype=object)
        parts.loc[is_iso, ["y", "m", "d", "H", "M", "S"]] = iso.loc[
            is_iso, ["y", "m", "d", "H", "M", "S"]
        ].to_numpy()
        used_order = order
        if is_num.any():
            if order == "auto":
                guess = self._date_order(col, rest[is_num])
                if guess.mixed:
                    first, second = (clip(v) for v in guess.mixed)
                    self.file_error(
                        "has dates in both day-first and month-first order "
                        f"(e.g. '{first}' and '{second}')",
                        col,
                    )
                elif guess.order is None:
                    self.file_error(
                        f"has dates like '{clip(guess.example)}' that read either day-first or "
                        "month-first; state the order (CLI: --date-order dmy|mdy; upload: "
                        "'Date order')",
                        col,
                    )
                elif guess.example is not None:
                    words = "day-month-year" if guess.order == "dmy" else "month-day-year"
                    self.notes.append(
                        f"column '{col}': dates read as {words}"
                        " (values above 12 make the order unambiguous)"
                    )
                used_order = guess.order or "dmy"
            elif order == "ymd":
                not_ymd.loc[is_num[is_num].index] = True
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
        slow = pd.to_datetime(stamp.where(matched), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        parsed.loc[rest.index] = slow.astype("datetime64[us]").to_numpy()
        return parsed, not_ymd

    def _date_order(self, col: str, numeric: pd.Series) -> DateOrderGuess:
        """The order of ``col``'s numeric dates: from ``numeric`` when the file is checked
        whole, from every value of the file when it is read in chunks (the first chunk cannot
        tell what a later day above 12 would)."""
        if self.column_values is None:
            return detect_date_order(numeric)
        if col not in self.date_orders:
            self.date_orders[col] = detect_date_order(self.column_values(col))
        return self.date_orders[col]

    def countries(
        self, col: str, *, drop_unplaced: bool, required: bool = True
    ) -> tuple[pd.Series, pd.Series]:
        """Resolve codes/names to alpha-2; returns (codes, keep-mask)."""
        raw = self.raw.frame[col]
        # Hints only for the rows a message names: 3,000 unknown names cost 50 hints.
        rows, distinct = pd.factorize(raw)
        distinct = list(distinct)
        matches = resolve_countries(distinct, hints=False)

        def per_row(attribute: str, dtype: type) -> pd.Series:
            # Each distinct value's answer spread over the rows (2 M rows, a handful of values).
            found = np.asarray([getattr(matches[v], attribute) for v in distinct], dtype=dtype)
            return pd.Series(found[rows], index=raw.index)

        codes = per_row("code", object)
        keep = pd.Series(True, index=raw.index)
        unplaced = per_row("unplaced", bool)
        outside = per_row("outside_iso", bool)
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
        self.rows(unknown, col, lambda r: f"is not a known country; {country_hint(raw[r])}")
        if required:
            self.rows(raw == "", col, "is empty")
        return codes, keep

    def duplicates(self, frame: pd.DataFrame, key: list[str], what: str) -> None:
        """Report every row whose ``key`` an earlier row of the file has (in this chunk or,
        when the file is read in chunks, in an earlier one), naming the first such row."""
        usable = frame[key].notna().all(axis=1)
        sub = frame.loc[usable, key]
        first_row = pd.Series(-1, index=sub.index, dtype="int64")
        if self.seen_keys is not None:
            seen = self.seen_keys.setdefault(tuple(key), _SeenKeys(len(key)))
            earlier_rows, repeated = seen.first_rows_then_add(sub)
            first_row[:] = earlier_rows
            repeated = pd.Series(repeated, index=sub.index)
        else:
            repeated = sub.duplicated(keep=False)
        earlier = first_row >= 0
        dup = repeated & ~earlier
        if not dup.any() and not earlier.any():
            return
        if dup.any():
            in_chunk = sub[dup].reset_index().groupby(key, dropna=False)["index"].transform("min")
            first_row[dup] = in_chunk.to_numpy()
        later = earlier | (dup & sub.duplicated(keep="first"))

        def message(row: int) -> str:
            values = ", ".join(_show(v) for v in sub.loc[row])
            return f"repeats row {first_row.loc[row]} ({what} {values})"

        self.rows(later, None, message)

    def future(self, dates: pd.Series, col: str, today: dt.date) -> None:
        limit = pd.Timestamp(today) + pd.Timedelta(days=1)
        self.rows(
            dates >= limit,
            col,
            f"is in the future (after {today.isoformat()}); history files hold past data only",
        )

    def report(self, frame: pd.DataFrame | None, rows: int) -> ValidationReport:
        self.notes += [f"{n} more rows like: {text}" for text, n in self.more_warnings.items()]
        self.more_warnings = {}
        self.notes = list(dict.fromkeys(self.notes))  # each chunk notes the same things
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
            notes=tuple(clip(n, ECHO_CHARACTERS * 6) for n in self.notes),
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
    validation = ChunkedValidation(kind, raw.file, options, notes=raw.notes, chunked=False)
    clean = validation.add(raw, last=True)
    return validation.report(clean)


#: Rows a file's first chunks may grow to while their interval length is unknown (two half-hours
#: of 10,000 queues sorted by time take 20,000): a file showing no step by then is refused.
PENDING_ROWS = 200_000
#: Kinds whose rules hold row by row or by key, so that a file can be checked (and stored) a
#: chunk of rows at a time; traffic sums rows across the file and absences compare them.
CHUNKED_KINDS = ("contacts", "hours", "performance")


class ChunkedValidation:
    """Validate one file a chunk of rows at a time, with the rules of :func:`validate_table`
    (which is this class fed the whole file as one chunk).

    What spans chunks is carried from one to the next: problems and their count (messages for
    the first :data:`MAX_REPORTED`), notes (each once), the keys of earlier rows for repeats,
    the detected interval length, and the date order, decided from every value of the file
    (read again from ``content``, that column only) rather than the first chunk's.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` or :data:`PLANNING_KINDS`; more than one chunk only for
        :data:`CHUNKED_KINDS`.
    file : str
        The file's name, for messages.
    options : ReadOptions, optional
        What the user stated.
    notes : sequence of str
        What reading the file noted (its encoding).
    chunked : bool
        More chunks may follow: keep the keys of each chunk for the repeats of later ones and
        its date readings for the next (off for a file checked whole).
    content : bytes or Path, optional
        The file being read in chunks (:func:`validate_in_chunks`): one of its columns is read
        again only for numeric dates whose order the whole file must decide.
    """

    def __init__(
        self,
        kind: str,
        file: str,
        options: ReadOptions | None = None,
        *,
        notes: Sequence[str] = (),
        chunked: bool = True,
        content: Content | None = None,
    ) -> None:
        if kind not in KINDS + PLANNING_KINDS:
            raise ValueError(
                f"unknown kind {kind!r}; choose one of {', '.join(KINDS + PLANNING_KINDS)}"
            )
        self.kind = kind
        self.file = file
        self.options = options or ReadOptions()
        self.today = self.options.today or dt.date.today()
        empty = RawTable(file, pd.DataFrame(), None, None, tuple(notes))
        self.check = _Checker(empty, kind, chunked=chunked)
        self.rows = 0
        self.chunks = 0
        #: The file lacks a column or maps two onto one: no chunk can be checked.
        self.stopped = False
        self._content = content
        self._changed: dict[str, int] = {}
        self._changed_at = 0
        self._pending: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """No error so far."""
        return self.check.error_count == 0

    def add(self, raw: RawTable, *, last: bool = False) -> pd.DataFrame | None:
        """Check one chunk (index = the file's row numbers); its clean frame, or None once
        the file has any error (the rest is still checked, for the report) or while its rows
        are held for the next chunk's (:meth:`finish` checks what is held at the end)."""
        options = self.options
        if self.stopped:
            return None
        self.chunks += 1
        frame, notes, clashes, sources = _our_columns(self.kind, raw, options.columns)
        if (
            self.kind in ("contacts", "traffic")
            and "country" not in frame.columns
            and options.default_country
        ):
            frame = frame.assign(country=options.default_country)
        self.rows += len(frame)
        if self.chunks == 1 and not self._first_chunk(raw, frame, notes, clashes, sources):
            return None
        frame, changed = _normalise_identifiers(frame)
        for col, n in changed.items():
            self._changed[col] = self._changed.get(col, 0) + n
        if self._pending is not None:
            frame = pd.concat([self._pending, frame])
            self._pending = None
        if frame.empty:
            return None
        if not last and len(frame) < PENDING_ROWS and not self._interval_known(frame):
            self._pending = frame  # checked with the next chunk's rows
            return None
        return self._validate(frame)

    def finish(self) -> pd.DataFrame | None:
        """Check the rows still held (a first chunk whose interval length its own rows could
        not tell); their clean frame, or None."""
        frame, self._pending = self._pending, None
        return None if frame is None else self._validate(frame)

    def _validate(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        check, options = self.check, self.options
        check.raw = RawTable(self.file, frame, None, None)
        clean = _VALIDATORS[self.kind](check, frame, options, self.today)
        _check_lengths(check, self.kind, clean)
        if options.interval_minutes is None and check.detected_minutes is not None:
            # The step the first rows show holds for the file: every chunk is checked with it.
            self.options = replace(options, interval_minutes=check.detected_minutes)
        return clean if self.ok else None

    def _interval_known(self, frame: pd.DataFrame) -> bool:
        """Whether rows of intraday contacts can be checked: their interval length is stated
        or known, or ``frame`` shows it (parsed on a scratch checker, whose findings the real
        check repeats). A file's first chunk may not, where a whole file would."""
        if (
            self.kind != "contacts"
            or "interval_start" not in frame.columns
            or self.options.interval_minutes is not None
        ):
            return True
        scratch = _Checker(RawTable(self.file, frame, None, None), self.kind)
        scratch.column_values, scratch.date_orders = (
            self.check.column_values,
            self.check.date_orders,
        )
        codes, _ = scratch.countries("country", drop_unplaced=False)
        channel = _channels(scratch, frame, self.options)
        start = scratch.dates("interval_start", order=self.options.date_order, with_time=True)
        return _detect_interval(start, codes, channel) is not None

    def _first_chunk(
        self,
        raw: RawTable,
        frame: pd.DataFrame,
        notes: list[str],
        clashes: list[str],
        sources: dict[str, int],
    ) -> bool:
        """The file-level checks of the header; False when no row can be checked."""
        check = self.check
        check.notes.extend(notes)
        self._changed_at = len(check.notes)
        if self._content is not None:
            content, separator = self._content, raw.separator or ","
            encoding = raw.encoding or "utf-8"

            def column_values(col: str) -> pd.Series:
                return read_column_values(
                    content, sources[col], separator=separator, encoding=encoding
                )

            check.column_values = column_values
        for clash in clashes:
            check.file_error(clash)
        missing = [c for c in REQUIRED_COLUMNS[self.kind] if c not in frame.columns]
        one_of = ONE_OF_COLUMNS.get(self.kind, ())
        if one_of and not set(one_of) & set(frame.columns):
            missing.append("' or '".join(one_of))
        if missing:
            found = ", ".join(clip(h, 40) for h in (raw.headers or raw.frame.columns)[:30])
            for col in missing:
                hint = " (or state a default country)" if col == "country" else ""
                check.file_error(f"missing column '{col}'{hint}; found: {found}")
        if clashes or missing:
            self.stopped = True
            return False
        return True

    def add_problems(self, problems: Sequence[Problem]) -> None:
        """Errors found against the stored data (by :mod:`data.store`)."""
        self.check.add_problems(problems)

    def report(self, frame: pd.DataFrame | None = None) -> ValidationReport:
        """Every problem of the file so far; ``frame`` (the clean rows of a file checked
        whole) is kept only when there is no error."""
        check = self.check
        if not self.stopped and self.rows == 0:
            check.file_error("has a header but no data rows")
        check.notes[self._changed_at : self._changed_at] = [
            f"column '{col}': {n:,} values written with zero-width characters or decomposed "
            "accents were normalised (NFC)"
            for col, n in self._changed.items()
        ]
        self._changed = {}
        return check.report(frame, self.rows)


def validate_in_chunks(
    validation: ChunkedValidation,
    content: Content,
    *,
    separator: str | None = None,
    budget: ImportBudget,
    deadline: float | None = None,
    encoding: str = "utf-8",
) -> Iterator[tuple[RawTable | None, pd.DataFrame | None]]:
    """Read a CSV in ``encoding`` (:func:`data.readers.stream_encoding`) a chunk of
    ``budget.chunk_rows`` rows at a time and check each.

    Yields every chunk as read with its clean frame (None once the file has errors, or while
    its first rows are held), then ``(None, clean frame of the rows still held)``. The rows
    (as parsed) and the time are checked against ``budget`` between chunks.

    Raises
    ------
    BudgetExceeded
        At the first chunk over the row limit or the time.
    data.readers.FileReadError
        When the file is not a CSV table.
    """
    file = validation.file
    chunks = read_table_chunks(
        content, file, separator=separator, chunk_rows=budget.chunk_rows, encoding=encoding
    )
    for raw in chunks:
        budget.check_rows_so_far(validation.rows + len(raw.frame), file)
        budget.check_time(deadline, file, "reading the file")
        clean = validation.add(raw)
        budget.check_time(deadline, file, "validating the file")
        yield raw, clean
        if validation.stopped:
            return
    yield None, validation.finish()


def normalise_identifier(text: str) -> str:
    """``text`` as a key: Unicode NFC (``"José"`` typed with a combining accent is the same
    agent as with the composed letter), zero-width characters removed, trimmed."""
    return unicodedata.normalize("NFC", text.translate(_ZERO_WIDTH)).strip()


def _normalise_identifiers(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`normalise_identifier` over the key columns (:data:`IDENTIFIER_COLUMNS`), each
    distinct value once; returns the frame and how many cells changed per column."""
    changed: dict[str, int] = {}
    out = frame
    for col in IDENTIFIER_COLUMNS:
        if col not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[col])
        original = np.asarray(uniques, dtype=object)
        fixed = np.asarray([normalise_identifier(v) for v in original], dtype=object)
        differs = fixed != original
        if not differs.any():
            continue
        if out is frame:
            out = frame.copy()
        out[col] = pd.Series(fixed[codes], index=frame.index, dtype=frame[col].dtype)
        changed[col] = int(differs[codes].sum())
    return out, changed


def _check_lengths(check: _Checker, kind: str, clean: pd.DataFrame) -> None:
    """Text longer than its database column (the lengths of :mod:`data.schema`'s tables) is an
    error here, the same on SQLite (which would store it) and PostgreSQL (which would fail)."""
    table = TABLES.get(kind)
    if table is None:
        return
    for column in table.columns:
        limit = getattr(column.type, "length", None)
        if not limit or column.name not in clean.columns or column.name == "batch_id":
            continue
        values = clean[column.name]
        distinct = pd.Series(values.dropna().unique(), dtype=object)
        if not (distinct.str.len() > limit).any():
            continue
        too_long = values.notna() & (values.astype(str).str.len() > limit)
        check.rows(
            too_long,
            column.name,
            lambda r, limit=limit, values=values: (
                f"is {len(str(values[r])):,} characters long; "
                f"the database holds at most {limit} in this column"
            ),
            value=values.astype(str),
        )


def _our_columns(
    kind: str, raw: RawTable, stated: Mapping[str, str]
) -> tuple[pd.DataFrame, list[str], list[str], dict[str, int]]:
    """The file's frame with our column names (:func:`match_columns`), notes on what was
    renamed or left out, clashes (two headers read as one column), and the position in the
    file of each of our columns."""
    headers = raw.headers or tuple(raw.frame.columns)
    matches = match_columns(kind, headers, stated)
    renames = {normalise_header(k): normalise_header(v) if v else "" for k, v in stated.items()}
    ours = {normalise_header(m.header): m for m in matches if m.header is not None}
    names: list[str | None] = []
    notes = [f"column '{m.header}' read as '{m.column}'" for m in matches if m.how == "synonym"]
    for col, header in zip(raw.frame.columns, headers, strict=True):
        if col in ours:
            names.append(ours[col].column)
        elif col in renames:
            names.append(renames[col] or None)  # mapped to nothing: left out
        elif col in {m.column for m in matches}:
            used = next(m.header for m in matches if m.column == col)
            notes.append(f"column '{clip(header)}' was not used: '{used}' gives {col}")
            names.append(None)
        else:
            names.append(col)
    keep = [i for i, name in enumerate(names) if name]
    frame = raw.frame.iloc[:, keep].set_axis([names[i] for i in keep], axis=1)
    sources = {names[i]: i for i in keep}
    counts = pd.Series([names[i] for i in keep]).value_counts()
    clashes = [
        f"columns {', '.join(repr(clip(headers[i])) for i in keep if names[i] == name)} "
        f"are all read as '{name}'; map only one of them"
        for name in counts[counts > 1].index
    ]
    return frame, notes, clashes, sources


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
    check.detected_minutes = minutes
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
    check.rows(
        metric.isin(SCORE_METRICS) & (value < 0),
        "value",
        lambda r: f"is negative, and {metric[r]} is a score (0-100, 1-5 or 0-1 scales start at 0)",
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


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY_DAY = ("", "all", "*", "daily", "every day")
_CLOCK = re.compile(r"^(?P<H>\d{1,2}):(?P<M>\d{2})(?::00)?$")


def _weekday_numbers(values: pd.Series) -> pd.Series:
    """Monday = 0 ... Sunday = 6 from English names (``Mon``, ``monday``) or ISO numbers 1-7;
    <NA> for "every day" (empty, ``all``) and for what is not a weekday (-1)."""
    lowered = values.str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    for number, name in enumerate(_WEEKDAYS):
        out[lowered.isin([name, name[:3], str(number + 1)])] = number
    out[~lowered.isin(_EVERY_DAY) & out.isna()] = -1
    return out


def _profile(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    """An intraday arrival profile: ``weekday`` (optional), ``time`` (HH:MM), ``share``."""
    ignored = [c for c in frame.columns if c not in ("weekday", "time", "share")]
    if ignored:
        check.notes.append(f"columns not used: {', '.join(ignored)}")
    if "weekday" in frame.columns:
        weekday = _weekday_numbers(frame["weekday"])
        check.rows(
            weekday == -1,
            "weekday",
            "is not a weekday (Mon..Sun, Monday..Sunday, 1-7 with Monday = 1, or empty/'all' "
            "for every day)",
        )
    else:
        weekday = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    raw = frame["time"].str.strip()
    clock = raw.str.extract(_CLOCK)
    hour = pd.to_numeric(clock["H"], errors="coerce")
    minute = pd.to_numeric(clock["M"], errors="coerce")
    bad = hour.isna() | (hour > 23) | (minute > 59)
    check.rows(bad & (raw != ""), "time", "is not a time of day (HH:MM, 00:00 to 23:45)")
    check.rows(raw == "", "time", "is empty")
    minute_of_day = (hour * 60 + minute).where(~bad)
    check.rows(
        minute_of_day.notna() & (minute_of_day % 15 != 0),
        "time",
        "does not start a 15, 30 or 60-minute interval (HH:00, HH:15, HH:30 or HH:45)",
    )
    share = check.number("share", decimal=opt.decimal, minimum=0)
    clean = pd.DataFrame(
        {"weekday": weekday.where(weekday != -1), "minute_of_day": minute_of_day, "share": share}
    )
    names = pd.Series([w.title() for w in _WEEKDAYS] + ["every day"])
    day = names.reindex(clean["weekday"].fillna(7).astype(int).clip(0, 7)).set_axis(clean.index)
    check.duplicates(
        pd.DataFrame({"weekday": day, "time": raw}),
        ["weekday", "time"],
        "the same weekday and time:",
    )
    usable = clean.dropna(subset=["minute_of_day", "share"])
    if check.error_count == 0 and len(usable):
        totals = usable.groupby(day.loc[usable.index])["share"].sum()
        for label, total in totals.items():
            if total <= 0:
                check.file_error(
                    f"has only zeros for {label}: the day would get no contacts", "share"
                )
    steps = usable["minute_of_day"].astype(int)
    step = 60
    for value in steps.unique():
        step = math.gcd(step, int(value))
    clean["interval_minutes"] = step if step in INTERVAL_MINUTES else 15
    clean["minute_of_day"] = clean["minute_of_day"].astype("Int64")
    clean = clean[list(CLEAN_COLUMNS["profile"])]
    return clean.sort_values(["weekday", "minute_of_day"], na_position="first")


def _daily_forecast(
    check: _Checker, frame: pd.DataFrame, opt: ReadOptions, today: dt.date
) -> pd.DataFrame:
    """A daily forecast as ``cli.py forecast`` writes it (future dates allowed)."""
    codes, _ = check.countries("country", drop_unplaced=False)
    channel = _channels(check, frame, opt)
    date = check.dates("date", order=opt.date_order)
    forecast = check.number("forecast", decimal=opt.decimal)
    check.rows(
        forecast < 0, "forecast", "is negative; it is staffed as 0 contacts", severity="warning"
    )
    clean = pd.DataFrame({"country": codes, "channel": channel, "date": date, "forecast": forecast})
    for bound in ("forecast_lower", "forecast_upper"):
        clean[bound] = (
            check.number(bound, decimal=opt.decimal) if bound in frame.columns else forecast
        )
    check.rows(
        clean["forecast_upper"] < clean["forecast"], "forecast_upper", "is below the forecast"
    )
    clean["model"] = frame["model"] if "model" in frame.columns else ""
    check.duplicates(clean, ["country", "channel", "date"], "the same country, channel and day:")
    return clean.sort_values(["country", "channel", "date"])


_VALIDATORS = {
    "interval_forecast": _interval_forecast,
    "daily_forecast": _daily_forecast,
    "profile": _profile,
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
