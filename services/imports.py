"""Import a file: preview how it will be read, then validate, store and re-evaluate the flags."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from data.access import Principal
from data.readers import read_column_values, stream_encoding
from data.store import ImportResult, Store
from data.validation import (
    CHUNKED_KINDS,
    ChunkedValidation,
    ColumnMatch,
    DateOrderGuess,
    ImportBudget,
    ReadOptions,
    ValidationReport,
    clip,
    detect_date_order,
    is_workbook,
    locate_source,
    match_columns,
    read_within_budget,
    validate_in_chunks,
    validate_table,
)
from services.flags import EvaluationSummary, reevaluate_after_import

logger = logging.getLogger(__name__)

Source = str | Path | bytes | BinaryIO

#: Columns holding dates or times, in the order a preview names them.
DATE_COLUMNS = ("date", "interval_start", "start_date", "end_date")
ORDER_WORDS = {"ymd": "year-month-day", "dmy": "day-month-year", "mdy": "month-day-year"}
#: The column whose sum ranks a kind's countries ("the largest by volume").
VOLUME_COLUMNS = {"contacts": "contacts", "traffic": "sessions"}


@dataclass(frozen=True)
class DateColumn:
    """How one date column of a file reads: the detected order, and the one that is used."""

    column: str
    header: str
    detected: DateOrderGuess
    used: str  # "ymd", "dmy", "mdy", or "auto" when the file cannot tell and nobody said

    def describe(self) -> str:
        """The detected order in words, and the stated one where it differs."""
        if self.used in ("auto", self.detected.order):
            return self.detected.describe()
        if self.detected.order is None and not self.detected.mixed:
            detected = f"ambiguous (e.g. '{clip(self.detected.example)}')"
        else:
            detected = self.detected.describe()
        return f"{detected}; read as {ORDER_WORDS[self.used]}, as stated"


@dataclass(frozen=True)
class ImportPreview:
    """What importing a file would do, before anything is stored.

    ``head`` holds the first rows as text under the file's own headers; ``columns`` says which
    header gives each of our columns (required first); ``report`` is the validation the import
    itself would run with the same options.
    """

    kind: str
    file: str
    separator: str | None
    encoding: str | None
    headers: tuple[str, ...]
    head: pd.DataFrame
    columns: tuple[ColumnMatch, ...]
    dates: tuple[DateColumn, ...]
    report: ValidationReport
    default_country: str | None = None

    def mapping(self) -> dict[str, str]:
        """``{file header: our column}`` for every matched column, as ``ReadOptions.columns``."""
        return {m.header: m.column for m in self.columns if m.header is not None}

    def how_read(self) -> str:
        """Separator and encoding in words: ``with separator ';' (semicolon), encoding utf-8``
        or ``as an Excel workbook``."""
        if self.encoding is None:
            return "as an Excel workbook"
        how = [] if self.separator is None else [f"separator {_separator_name(self.separator)}"]
        return "with " + ", ".join([*how, f"encoding {self.encoding}"])

    def lines(self) -> list[str]:
        """How the file is read, in words: separator, encoding, date order, columns."""
        out = [f"read {self.how_read()}"]
        out += [f"column '{d.column}': dates {d.describe()}" for d in self.dates]
        for m in self.columns:
            if m.header is None and m.column == "country" and self.default_country:
                out.append(f"country: {self.default_country} for every row (default country)")
            elif m.header is None:
                out.append(f"{m.column}: not in the file" + (" (required)" if m.required else ""))
            elif m.how == "same name" and m.header == m.column:
                out.append(f"{m.column}: column '{m.header}'")
            else:
                out.append(f"{m.column}: column '{m.header}' ({m.how})")
        return out


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one file did.

    ``result`` is None when the file was rejected (then nothing changed and ``report`` lists
    why); ``flags`` is the wellbeing flag re-evaluation after an HR file, or None when none ran.
    """

    report: ValidationReport
    result: ImportResult | None
    flags: EvaluationSummary | None

    @property
    def imported(self) -> bool:
        return self.result is not None

    def period(self) -> tuple[dt.date, dt.date] | None:
        """First and last day the imported rows cover (None for agents, or when rejected)."""
        frame = self.report.frame
        if frame is None:  # written a chunk at a time: each series' first and last time
            frame = self.report.extent
        if self.result is None or frame is None or frame.empty:
            return None
        columns = [c for c in ("ds", "first", "last", *DATE_COLUMNS) if c in frame.columns]
        if not columns:
            return None
        stamps = pd.concat([frame[c] for c in columns]).dropna()
        return stamps.min().date(), stamps.max().date()

    def countries(self) -> tuple[str, ...]:
        """The imported countries, largest first: by contacts or sessions where the file has
        them, by rows otherwise; empty for files without countries."""
        frame = self.report.frame if self.report.frame is not None else self.report.extent
        if self.result is None or frame is None or "country" not in frame.columns:
            return ()
        return tuple(_ranked(frame, VOLUME_COLUMNS.get(self.report.kind)))


def countries_by_volume(contacts: pd.DataFrame, traffic: pd.DataFrame) -> list[str]:
    """Every country of the two frames, largest first: by contacts, then the countries with web
    sessions only, by sessions (contacts and sessions are not added: different units)."""
    ranked = _ranked(contacts, "contacts")
    seen = set(ranked)
    return ranked + [c for c in _ranked(traffic, "sessions") if c not in seen]


def _ranked(frame: pd.DataFrame, value: str | None) -> list[str]:
    """Countries of ``frame`` by the sum of ``value`` (rows when it has none), largest first;
    ties by code, so the order never depends on the rows' order."""
    if frame.empty or "country" not in frame.columns:
        return []
    known = frame.dropna(subset=["country"])
    grouped = known.groupby("country")
    totals = grouped[value].sum() if value in known.columns else grouped.size()
    return [c for c, _ in sorted(totals.items(), key=lambda item: (-float(item[1]), item[0]))]


def preview_file(
    kind: str,
    source: Source,
    *,
    file_name: str | None = None,
    options: ReadOptions | None = None,
    separator: str | None = None,
    rows: int = 10,
    budget: ImportBudget | None = None,
) -> ImportPreview:
    """Read a file as the import would and say how: nothing is stored.

    Parameters
    ----------
    kind : str
        One of :data:`data.validation.KINDS`.
    source : path, bytes or binary file object
        The file; uploads arrive as bytes, the CLI passes a path.
    file_name : str, optional
        Name for messages (a path's own name by default).
    options : ReadOptions, optional
        What the user stated: date order, decimal mark, column mapping, default country.
    separator : str, optional
        Force a CSV separator (detected otherwise).
    rows : int
        How many of the first data rows ``head`` holds.
    budget : ImportBudget, optional
        Limits on rows, expanded .xlsx size and time (from the environment by default).

    Raises
    ------
    data.readers.FileReadError
        When the file is not a table at all (empty, binary, unreadable), or is over the budget
        (:class:`data.validation.BudgetExceeded`).
    """
    options = options or ReadOptions()
    budget = budget or ImportBudget.from_environment()
    deadline = budget.deadline()
    content, label = locate_source(source, file_name)
    streamed = None
    if kind in CHUNKED_KINDS and not is_workbook(content, label):
        streamed = stream_encoding(content)
    if streamed is not None:
        # Read as the import reads it, a chunk at a time: the first rows for the head, each
        # date column again on its own for its order; no frame of the whole file.
        encoding, notes = streamed
        validation = ChunkedValidation(kind, label, options, notes=notes, content=content)
        raw, cleans = None, []
        for chunk, clean in validate_in_chunks(
            validation,
            content,
            separator=separator,
            budget=budget,
            deadline=deadline,
            encoding=encoding,
        ):
            raw = raw or chunk
            cleans += [clean] if clean is not None and validation.chunks == 1 else []
        assert raw is not None  # a file gives one chunk at least
        one = validation.chunks == 1 and len(cleans) == 1
        report = validation.report(cleans[0] if one else None)

        def column(position: int) -> pd.Series:
            return read_column_values(
                content, position, separator=raw.separator or ",", encoding=encoding
            )
    else:
        raw, _ = read_within_budget(
            content, label, separator=separator, budget=budget, deadline=deadline
        )
        report = validate_table(kind, raw, options)

        def column(position: int) -> pd.Series:
            return raw.frame.iloc[:, position]

    headers = raw.headers or tuple(raw.frame.columns)
    columns = match_columns(kind, headers, options.columns)
    position = {header: i for i, header in enumerate(headers)}
    dates = tuple(
        DateColumn(m.column, m.header, guess, _used_order(options, guess))
        for m in columns
        if m.column in DATE_COLUMNS and m.header is not None
        for guess in [detect_date_order(column(position[m.header]))]
    )
    head = raw.frame.head(rows).set_axis(list(headers), axis=1)
    budget.check_time(deadline, raw.file, "validating the file")
    return ImportPreview(
        kind,
        raw.file,
        raw.separator,
        raw.encoding,
        headers,
        head,
        columns,
        dates,
        report,
        options.default_country,
    )


def import_file(
    store: Store,
    kind: str,
    source: Source,
    *,
    file_name: str | None = None,
    options: ReadOptions | None = None,
    separator: str | None = None,
    actor: Principal | None = None,
    source_label: str = "cli",
    budget: ImportBudget | None = None,
) -> ImportOutcome:
    """Validate a file, store it in one transaction, then re-evaluate the wellbeing flags.

    The one import workflow: the Data page, the command line and the tests call it. A rejected
    file changes nothing. After an accepted HR file (absences, hours, performance) the flags are
    re-evaluated on the new data, once HR has evaluated them at all; that runs after the import
    is committed, so a failing evaluation never undoes an import.

    Parameters
    ----------
    store : Store
        The database.
    kind, source, file_name, options, separator
        As for :func:`preview_file`.
    actor : Principal, optional
        The signed-in user importing (their role is checked, the import audited under them);
        None for trusted code (command line, seeding), audited under ``source_label``.
    source_label : str
        Where the file came from, kept with the import batch ("cli", "upload", "sample").
    budget : ImportBudget, optional
        Limits on rows, expanded .xlsx size and time (from the environment by default).

    Raises
    ------
    data.access.AccessDenied
        When ``actor``'s role may not import ``kind``.
    data.readers.FileReadError
        When the file is not a table at all, or is over the budget
        (:class:`data.validation.BudgetExceeded`); nothing is stored.
    """
    report, result = store.import_file(
        kind,
        source,
        file_name,
        options,
        source_label=source_label,
        separator=separator,
        actor=actor,
        budget=budget,
    )
    flags = reevaluate_after_import(store, kind) if result is not None else None
    if flags is not None:
        logger.info("wellbeing flags re-evaluated after importing %s", report.file)
    return ImportOutcome(report, result, flags)


def _used_order(options: ReadOptions, guess: DateOrderGuess) -> str:
    if options.date_order != "auto":
        return options.date_order
    return guess.order or "auto"


def _separator_name(separator: str) -> str:
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    return f"'{separator}' ({names[separator]})" if separator in names else repr(separator)
