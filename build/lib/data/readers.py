"""Read CSV and .xlsx exports as text tables: separators, BOMs and encodings detected, nothing coerced."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

SEPARATORS = ",;\t|"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class FileReadError(ValueError):
    """A file could not be read as a table at all (empty, not CSV/xlsx, no header)."""


@dataclass(frozen=True)
class RawTable:
    """A file read as text.

    ``frame`` holds every cell as a string (empty cells as ""), columns normalised to
    snake_case, and an index equal to the row number a spreadsheet would show (header = 1).
    """

    file: str
    frame: pd.DataFrame
    separator: str | None
    encoding: str | None
    notes: tuple[str, ...] = ()


def normalise_header(name: object) -> str:
    """``" Contract Hours-per week "`` -> ``"contract_hours_per_week"``."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _decode(content: bytes) -> tuple[str, str, tuple[str, ...]]:
    try:
        return content.decode("utf-8-sig"), "utf-8", ()
    except UnicodeDecodeError:
        # Excel on Windows still saves "CSV" as Windows-1252; say so rather than fail.
        note = "the file is not UTF-8; it was read as Windows-1252 (Excel's default)"
        return content.decode("cp1252", errors="replace"), "cp1252", (note,)


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {sep: header.count(sep) for sep in SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def safe_file_label(file_name: str | None) -> str | None:
    """A file's name fit for messages and records: the last path part only, printable, at most
    255 characters. Uploaded names are labels, never paths (``../../etc/passwd`` -> ``passwd``)."""
    if file_name is None:
        return None
    name = str(file_name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:255] or "upload"


def read_table(
    source: str | Path | bytes | BinaryIO,
    file_name: str | None = None,
    *,
    separator: str | None = None,
    sheet: str | int | None = 0,
) -> RawTable:
    """Read a CSV or .xlsx file into a text table without interpreting any value.

    Parameters
    ----------
    source : path, bytes or binary file object
        The file. Uploaded files arrive as bytes; the CLI passes a path.
    file_name : str, optional
        Name used in messages (and to tell .xlsx from CSV for bytes).
    separator : str, optional
        Force a CSV separator; detected from the first lines otherwise.
    sheet : str or int
        Worksheet of an .xlsx file.
    """
    file_name = safe_file_label(file_name)
    if isinstance(source, str | Path):
        path = Path(source)
        file_name = file_name or path.name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise FileReadError(f"{file_name}: cannot read the file ({exc.strerror})") from exc
    elif isinstance(source, bytes):
        content = source
    else:
        content = source.read()
    file_name = file_name or "upload"
    if not content.strip():
        raise FileReadError(f"{file_name}: the file is empty")

    if file_name.lower().endswith(EXCEL_SUFFIXES) or content[:4] == b"PK\x03\x04":
        frame = _read_excel(content, file_name, sheet)
        sep = encoding = None
        notes: tuple[str, ...] = ()
    else:
        text, encoding, notes = _decode(content)
        sep = separator or _sniff_separator(text)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                skipinitialspace=True,
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise FileReadError(f"{file_name}: not a readable CSV table ({exc})") from exc
    if frame.shape[1] == 0:
        raise FileReadError(f"{file_name}: no header row found")
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame = frame.fillna("").astype(str)
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # spreadsheet row numbers, header is row 1
    blank = (frame == "").all(axis=1)
    frame = frame.loc[~blank]
    return RawTable(file_name, frame, sep, encoding, notes)


def _read_excel(content: bytes, file_name: str, sheet: str | int | None) -> pd.DataFrame:
    try:
        frame = pd.read_excel(
            io.BytesIO(content), sheet_name=sheet, dtype=object, engine="openpyxl"
        )
    except Exception as exc:  # openpyxl raises many types for broken archives
        raise FileReadError(f"{file_name}: not a readable .xlsx workbook ({exc})") from exc

    def cell_text(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.isoformat(sep=" ")
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return frame.map(cell_text)
