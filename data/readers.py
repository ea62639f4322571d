"""Read CSV and .xlsx exports as text tables: separators, BOMs and encodings detected, nothing coerced."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import pandas as pd

SEPARATORS = ",;\t|"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Rows per chunk when a CSV file is read a chunk at a time (:func:`read_table_chunks`): some
#: 40 MB of text cells and their checks at once, whatever the file's size.
CHUNK_ROWS = 50_000
_CSV_OPTIONS = {
    "dtype": str,
    "keep_default_na": False,
    "skip_blank_lines": False,
    "skipinitialspace": True,
}


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
    #: The header cells as the file wrote them, in the order of ``frame.columns``.
    headers: tuple[str, ...] = ()


def normalise_header(name: object) -> str:
    """``" Contract Hours-per week "`` -> ``"contract_hours_per_week"``."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _utf16_without_bom(content: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the start is NUL (ASCII text in UTF-16)."""
    head = content[:4000]
    if len(head) < 4 or head.count(0) < len(head) // 3:
        return None
    if head[1::2].count(0) > 0.9 * len(head[1::2]):
        return "utf-16-le"
    if head[0::2].count(0) > 0.9 * len(head[0::2]):
        return "utf-16-be"
    return None


def _decode(content: bytes, file_name: str) -> tuple[str, str, tuple[str, ...]]:
    """The file's text, the encoding it was read with, and a note when that was not UTF-8.

    UTF-16/32 by their BOM, or UTF-16 by its NUL bytes (Excel's "Unicode text" and many
    Windows tools); then UTF-8 (with or without BOM); Windows-1252 otherwise, which decodes any
    byte. Binary files (NUL bytes that are not UTF-16) are refused rather than read as garbage.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                text = content[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise FileReadError(
                    f"{file_name}: starts like {encoding.upper()} text but is not ({exc.reason})"
                ) from exc
            return text, encoding.removesuffix("-le").removesuffix("-be"), ()
    # Before UTF-8: ASCII text in UTF-16 is valid UTF-8 too, with a NUL after every letter.
    guess = _utf16_without_bom(content)
    if guess is not None:
        try:
            return content.decode(guess), "utf-16", ()
        except UnicodeDecodeError:
            pass
    if b"\x00" in content[:4000]:
        raise FileReadError(
            f"{file_name}: not a text file (it holds NUL bytes); save it as CSV (UTF-8) or .xlsx"
        )
    try:
        return content.decode("utf-8-sig"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    # Excel on Windows still saves "CSV" as Windows-1252; say so rather than fail.
    return content.decode("cp1252", errors="replace"), "cp1252", (CP1252_NOTE,)


def _sniff_separator(text: str) -> str:
    lines = text[: 1 << 20].splitlines()  # the first lines only, not a list of millions
    sample = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
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
    if not content or content.isspace():  # not .strip(): no copy of a large file
        raise FileReadError(f"{file_name}: the file is empty")

    if file_name.lower().endswith(EXCEL_SUFFIXES) or content[:4] == b"PK\x03\x04":
        frame = _read_excel(content, file_name, sheet)
        sep = encoding = None
        notes: tuple[str, ...] = ()
    else:
        text, encoding, notes = _decode(content, file_name)
        sep = separator or _sniff_separator(text)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, **_CSV_OPTIONS)
        except (pd.errors.ParserError, ValueError) as exc:
            raise FileReadError(f"{file_name}: not a readable CSV table ({exc})") from exc
    return _text_table(RawTable(file_name, frame, sep, encoding, notes), first_row=2)


def _text_table(raw: RawTable, first_row: int) -> RawTable:
    """``raw`` with its header normalised (the file's own words kept in ``headers``), every
    cell as trimmed text, the index the file's row numbers from ``first_row``, blank rows
    dropped. Refuses a table without columns."""
    frame = raw.frame
    if frame.shape[1] == 0:
        raise FileReadError(f"{raw.file}: no header row found")
    headers = tuple(str(c).replace("\ufeff", "").strip() for c in frame.columns)
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame = frame.fillna("").astype(str)
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    # spreadsheet row numbers, header is row 1
    frame.index = pd.RangeIndex(first_row, len(frame) + first_row)
    blank = (frame == "").all(axis=1)
    frame = frame.loc[~blank]
    return replace(raw, frame=frame, headers=headers)


#: A file read a chunk at a time: its bytes (an upload), or its path (never read whole).
Content = bytes | Path
_BLOCK = 1 << 22


def _open(content: Content) -> BinaryIO:
    return io.BytesIO(content) if isinstance(content, bytes) else Path(content).open("rb")


def file_blocks(content: Content) -> Iterator[bytes]:
    """The file's bytes a few MB at a time."""
    with _open(content) as handle:
        while block := handle.read(_BLOCK):
            yield block


def file_head(content: Content, size: int = 1 << 20) -> bytes:
    """The file's first ``size`` bytes."""
    with _open(content) as handle:
        return handle.read(size)


#: What :func:`read_table` notes when it falls back to Windows-1252.
CP1252_NOTE = "the file is not UTF-8; it was read as Windows-1252 (Excel's default)"


def stream_encoding(content: Content) -> tuple[str, tuple[str, ...]] | None:
    """The encoding :func:`read_table_chunks` reads ``content`` with, and the notes
    :func:`read_table` gives for it: ``utf-8`` (:func:`streams_as_utf8`), else ``cp1252`` for
    any other text without a UTF-16/32 mark or NUL bytes at its start, as :func:`read_table`
    falls back to (Windows-1252, undefined bytes replaced); None for UTF-16/32 files and
    binary ones, which are read whole."""
    head = file_head(content, 4000)
    if any(head.startswith(bom) for bom, _ in _BOMS) or b"\x00" in head:
        return None
    if streams_as_utf8(content):
        return "utf-8", ()
    return "cp1252", (CP1252_NOTE,)


def _pandas_encoding(encoding: str) -> dict[str, str]:
    """``read_csv``'s arguments reading ``encoding`` as :func:`_decode` does."""
    if encoding == "utf-8":
        return {"encoding": "utf-8-sig"}
    return {"encoding": encoding, "encoding_errors": "replace"}


def streams_as_utf8(content: Content) -> bool:
    """Whether ``content`` is UTF-8 text (with or without BOM) that :func:`read_table_chunks`
    can read a chunk at a time: no UTF-16/32 mark or NUL bytes, every byte sequence valid.
    Checked a few MB at a time, without a decoded copy of the whole file."""
    head = file_head(content, 4000)
    if any(head.startswith(bom) for bom, _ in _BOMS) or b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in file_blocks(content):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_table_chunks(
    content: Content,
    file_name: str | None = None,
    *,
    separator: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str = "utf-8",
) -> Iterator[RawTable]:
    """Read a CSV file in ``encoding`` (:func:`stream_encoding`: UTF-8 or Windows-1252) as
    :func:`read_table` does, ``chunk_rows`` rows at a time: each chunk a :class:`RawTable`
    whose index goes on with the file's own row numbers (rows as parsed, so a quoted line
    break never shifts them). A file with a header and no rows gives one empty chunk.

    Raises
    ------
    FileReadError
        When the file is not a CSV table, at whichever chunk shows it.
    """
    file_name = safe_file_label(file_name) or "upload"
    head = file_head(content)
    if not head or (head.isspace() and all(b.isspace() for b in file_blocks(content))):
        raise FileReadError(f"{file_name}: the file is empty")
    # A UTF-8 head may end inside a character; Windows-1252 reads as the whole file would.
    errors = "ignore" if encoding == "utf-8" else "replace"
    sep = separator or _sniff_separator(head.decode(encoding, errors=errors))
    first_row = 2
    with _open(content) as handle:
        try:
            reader = pd.read_csv(
                handle,
                sep=sep,
                chunksize=chunk_rows,
                **_pandas_encoding(encoding),
                **_CSV_OPTIONS,
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise FileReadError(f"{file_name}: not a readable CSV table ({exc})") from exc
        with reader:
            while True:
                try:
                    frame = reader.get_chunk()
                except StopIteration:
                    return
                except (pd.errors.ParserError, ValueError) as exc:
                    raise FileReadError(f"{file_name}: not a readable CSV table ({exc})") from exc
                rows = len(frame)
                yield _text_table(RawTable(file_name, frame, sep, encoding), first_row)
                first_row += rows


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


def read_column_values(
    content: Content,
    position: int,
    *,
    separator: str,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str = "utf-8",
) -> pd.Series:
    """Every distinct trimmed value of one column (by its position) of a CSV file read by
    :func:`read_table_chunks`, in the order they first appear; only that column is parsed."""
    seen: dict[str, None] = {}
    with _open(content) as handle:
        reader = pd.read_csv(
            handle,
            sep=separator,
            **_pandas_encoding(encoding),
            chunksize=chunk_rows,
            usecols=[position],
            **_CSV_OPTIONS,
        )
        with reader:
            for frame in reader:
                values = frame.iloc[:, 0].fillna("").astype(str).str.strip()
                seen.update(dict.fromkeys(values.unique()))
    return pd.Series(list(seen), dtype=object)
