"""Write the fuzz corpus: small bad files, each with the message fragment its refusal must hold.

Run from the repository root (deterministic: the same files byte for byte every time)::

    .venv/bin/python tests/data/fuzz/make_corpus.py

It rewrites ``tests/data/fuzz/files/`` and ``tests/data/fuzz/cases.csv`` (columns ``file, kind,
row, column, fragment``: ``row`` and ``column`` are what the message must name, empty for a
file-level refusal). ``tests/data/test_fuzz.py`` imports every file into a seeded database
through ``services.imports.import_file`` and checks the refusal and that nothing changed; it
also checks that this script still writes exactly the committed files. The decompression bomb
is made by the test itself (too large to commit).

Every case is a file a careless user or an attacker could send (issue #15); the database
they meet holds agents A1 and A2, an absence of A1 in March 2026 and daily voice contacts for
AR in January 2026 (see ``SEED`` in the test), and "today" is 2026-11-22.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "cases.csv"

#: The first data row of every base file (header = row 1).
ROW = 2


@dataclass(frozen=True)
class Case:
    file: str
    kind: str
    content: bytes
    fragment: str
    row: int | None = None
    column: str | None = None


BASES: dict[str, tuple[list[str], list[list[str]]]] = {
    "contacts": (
        ["country", "channel", "date", "contacts", "aht_seconds"],
        [["AR", "voice", "2026-02-01", "120", "300"], ["HU", "chat", "2026-02-01", "80", "240"]],
    ),
    "intervals": (
        ["country", "channel", "interval_start", "contacts", "aht_seconds"],
        [
            ["HU", "voice", "2026-02-01 09:00", "12", "300"],
            ["HU", "voice", "2026-02-01 09:30", "14", "310"],
            ["HU", "voice", "2026-02-01 10:00", "9", "290"],
            ["HU", "voice", "2026-02-01 10:30", "11", "280"],
        ],
    ),
    "traffic": (["country", "date", "sessions"], [["AR", "2026-02-01", "1000"]]),
    "agents": (
        ["agent_id", "name", "team", "country", "timezone", "contract_hours_per_week", "channels"],
        [
            ["B1", "Bea", "HU Voice", "HU", "Europe/Budapest", "40", "voice"],
            ["B2", "Bo", "HU Voice", "HU", "Europe/Budapest", "30", "voice,chat"],
        ],
    ),
    "absences": (
        ["agent_id", "start_date", "end_date", "type"],
        [
            ["A1", "2026-05-04", "2026-05-08", "vacation"],
            ["A2", "2026-05-04", "2026-05-05", "sick"],
        ],
    ),
    "hours": (
        ["agent_id", "date", "hours_worked"],
        [["A1", "2026-05-04", "8"], ["A2", "2026-05-04", "7.5"]],
    ),
    "performance": (
        ["agent_id", "date", "metric", "value"],
        [["A1", "2026-05-04", "csat", "4.5"], ["A2", "2026-05-04", "adherence", "0.93"]],
    ),
}

LONG = "X" * 100_000  # echoed shortened: "XXX... (100,000 characters)"

#: (base, column, bad value, fragment): one file each, the value in the first data row.
VALUES: list[tuple[str, str, str, str]] = [
    # contacts, daily
    ("contacts", "country", "Narnia", "is not a known country"),
    ("contacts", "country", "Untied States", "did you mean 'US'"),
    ("contacts", "country", "UK", "did you mean 'GB'"),
    ("contacts", "country", "", "is empty"),
    ("contacts", "country", "(not set)", "is not an ISO 3166-1 country"),
    ("contacts", "country", "Kosovo", "is not an ISO 3166-1 country"),
    ("contacts", "channel", "fax", "is not a channel"),
    ("contacts", "channel", "voicemail", "is not a channel"),
    ("contacts", "contacts", "-3", "must be at least 0"),
    ("contacts", "contacts", "abc", "is not a number"),
    ("contacts", "contacts", "1,5", "the decimal mark is '.'"),
    ("contacts", "contacts", "NaN", "is not a number (NaN)"),
    ("contacts", "contacts", "null", "is not a number (NaN)"),
    ("contacts", "contacts", "inf", "is infinite"),
    ("contacts", "contacts", "-inf", "is infinite"),
    ("contacts", "contacts", "1e308", "is too large"),
    ("contacts", "contacts", "1e999", "is infinite"),
    ("contacts", "contacts", "", "is empty"),
    ("contacts", "contacts", "0x1F", "is not a number"),
    ("contacts", "contacts", "=1+1", "is not a number"),
    ("contacts", "contacts", LONG, "(100,000 characters)"),
    ("contacts", "aht_seconds", "0", "must be above 0 s"),
    ("contacts", "aht_seconds", "-30", "must be above 0 s"),
    ("contacts", "aht_seconds", "5e9", "is too large"),
    ("contacts", "date", "2026-02-30", "is not a date"),
    ("contacts", "date", "2026-13-01", "is not a date"),
    ("contacts", "date", "1500-01-01", "is outside the years 1900 to 2199"),
    ("contacts", "date", "1677-09-21", "is outside the years 1900 to 2199"),
    ("contacts", "date", "2300-01-01", "is outside the years 1900 to 2199"),
    ("contacts", "date", "9999-12-31", "is outside the years 1900 to 2199"),
    ("contacts", "date", "0001-01-01", "is outside the years 1900 to 2199"),
    ("contacts", "date", "2030-01-01", "is in the future"),
    ("contacts", "date", "2026-02-01 10:00", "has a time of day"),
    ("contacts", "date", "yesterday", "is not a date"),
    ("contacts", "date", "2026-02- 1", "is not a date"),
    ("contacts", "date", "", "is empty"),
    ("contacts", "date", "2026-02-01T25:00", "is not a date"),
    ("contacts", "date", LONG, "(100,000 characters)"),
    # contacts, intraday
    ("intervals", "interval_start", "2026-02-01 09:07", "does not start a 30-minute interval"),
    ("intervals", "interval_start", "2026-02-01 24:00", "is not a date-time"),
    ("intervals", "interval_start", "2199-12-31 23:30", "is in the future"),
    ("intervals", "contacts", "-1", "must be at least 0"),
    ("intervals", "country", "Atlantis", "is not a known country"),
    # traffic
    ("traffic", "sessions", "-5", "must be at least 0"),
    ("traffic", "sessions", "1e12", "is too large"),
    ("traffic", "sessions", "many", "is not a number"),
    ("traffic", "sessions", "", "is empty"),
    ("traffic", "country", "Nowhere", "is not a known country"),
    ("traffic", "date", "2031-05-05", "is in the future"),
    ("traffic", "date", "1200-05-05", "is outside the years 1900 to 2199"),
    ("traffic", "date", "31/31/2026", "is not a date"),
    # agents
    ("agents", "agent_id", "", "is empty"),
    ("agents", "agent_id", "A" * 10_000, "the database holds at most 64"),
    ("agents", "agent_id", "\u200b\u200d\ufeff", "is empty"),
    ("agents", "name", "N" * 201, "the database holds at most 200"),
    ("agents", "team", "T" * 101, "the database holds at most 100"),
    ("agents", "country", "Freedonia", "is not a known country"),
    ("agents", "timezone", "Mars/Olympus_Mons", "is not an IANA time zone"),
    ("agents", "timezone", "GMT+3", "is not an IANA time zone"),
    ("agents", "contract_hours_per_week", "0", "must be above 0 h"),
    ("agents", "contract_hours_per_week", "-40", "must be above 0 h"),
    ("agents", "contract_hours_per_week", "168", "must be at most 80 h"),
    ("agents", "contract_hours_per_week", "forty", "is not a number"),
    ("agents", "contract_hours_per_week", "1e308", "must be at most 80 h"),
    ("agents", "channels", "fax", "names a channel other than"),
    ("agents", "channels", "voice;pigeon", "names a channel other than"),
    # absences
    ("absences", "agent_id", "ZZ9", "is not a known agent"),
    ("absences", "agent_id", "", "is empty"),
    ("absences", "agent_id", "Q" * 65, "the database holds at most 64"),
    ("absences", "end_date", "2026-05-01", "is before start_date"),
    ("absences", "type", "holiday", "is not an absence type"),
    ("absences", "type", "", "is not an absence type"),
    ("absences", "start_date", "2026-03-10", "overlaps a stored"),
    ("absences", "start_date", "1800-01-01", "is outside the years 1900 to 2199"),
    ("absences", "start_date", "soon", "is not a date"),
    ("absences", "end_date", "", "is empty"),
    # hours
    ("hours", "hours_worked", "25", "must be at most 24 h"),
    ("hours", "hours_worked", "-1", "must be at least 0 h"),
    ("hours", "hours_worked", "8h", "is not a number"),
    ("hours", "hours_worked", "inf", "is infinite"),
    ("hours", "agent_id", "nobody", "is not a known agent"),
    ("hours", "date", "2027-01-01", "is in the future"),
    ("hours", "date", "2026-02-29", "is not a date"),
    # performance
    ("performance", "metric", "bad metric!", "is not a metric name"),
    ("performance", "metric", "m" * 33, "the database holds at most 32"),
    ("performance", "metric", "", "is not a metric name"),
    ("performance", "value", "-50", "is negative, and csat is a score"),
    ("performance", "value", "1e308", "is too large"),
    ("performance", "value", "", "is empty"),
    ("performance", "agent_id", "X" * 64 + "Y", "the database holds at most 64"),
    ("performance", "date", "2099-01-01", "is in the future"),
]

#: Second-row changes (base, column, value, fragment, the column the message names): repeats
#: are reported on the later row; adherence as a percentage; AHT of zero seconds.
SECOND_ROW: list[tuple[str, str, str, str, str]] = [
    ("performance", "value", "93", "is outside 0..1 for adherence", "value"),
    ("performance", "metric", "aht_seconds", "must be above 0 s for aht_seconds", "value"),
    ("intervals", "interval_start", "2026-02-01 09:00", "repeats row 2", ""),
    ("agents", "agent_id", "B1", "repeats row 2 (agent B1)", ""),
    # Invisible characters and decomposed accents do not make a second agent.
    ("agents", "agent_id", "B\u200b1", "repeats row 2 (agent B1)", ""),
    ("agents", "agent_id", "\ufeffB1\u2060", "repeats row 2 (agent B1)", ""),
    ("hours", "agent_id", "A\u20601", "repeats row 2 (agent and day A1", ""),
    ("hours", "agent_id", "A\u200c1", "repeats row 2 (agent and day A1", ""),
]


def _csv(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _base(name: str) -> tuple[list[str], list[list[str]]]:
    header, rows = BASES[name]
    return list(header), [list(r) for r in rows]


def _kind(base: str) -> str:
    return "contacts" if base == "intervals" else base


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())[:24].strip("-")
    return keep or "empty"


def value_cases() -> Iterator[Case]:
    seen: dict[str, int] = {}
    first = [(*change, change[1]) for change in VALUES]
    for number, (changes, at) in enumerate(((first, 0), (SECOND_ROW, 1))):
        for base, column, value, fragment, reported in changes:
            header, rows = _base(base)
            rows[at][header.index(column)] = value
            if (base, column, value) == ("performance", "metric", "aht_seconds"):
                rows[at][header.index("value")] = "0"
            stem = f"{base}-{column}-{_slug(value)}" + ("-second" if number else "")
            seen[stem] = seen.get(stem, 0) + 1
            if seen[stem] > 1:
                stem += f"-{seen[stem]}"
            yield Case(
                f"{stem}.csv",
                _kind(base),
                _csv(header, rows).encode("utf-8"),
                fragment,
                ROW + at,
                reported or None,
            )


def file_cases() -> Iterator[Case]:
    """Whole-file problems: what is not a table, or not the table it claims to be."""
    contacts = _csv(*_base("contacts"))
    yield Case("empty.csv", "contacts", b"", "the file is empty")
    yield Case("blank-lines.csv", "contacts", b"\n\n \r\n\t\n", "the file is empty")
    yield Case("header-only.csv", "contacts", b"country,date,contacts\n", "no data rows")
    yield Case(
        "only-empty-rows.csv", "contacts", b"country,date,contacts\n,,\n,,\n", "no data rows"
    )
    yield Case("nul-bytes.csv", "contacts", b"country,date\x00\x00\x01\x02,contacts\n", "NUL bytes")
    yield Case("elf-binary.csv", "contacts", b"\x7fELF\x02\x01\x01\x00" * 16, "NUL bytes")
    yield Case("png-image.csv", "contacts", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes")
    yield Case("broken-utf16.csv", "contacts", b"\xff\xfec\x00o\x00\x00\xd8", "starts like UTF-16")
    yield Case("broken-utf32.csv", "contacts", b"\xff\xfe\x00\x00\xff\xff\xff\xff", "UTF-32")
    yield Case("not-a-zip.xlsx", "contacts", b"PK\x03\x04" + b"\x00" * 40, "not a readable .xlsx")
    yield Case("text-named.xlsx", "contacts", contacts.encode(), "not a readable .xlsx")
    yield Case("truncated.xlsx", "contacts", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", ".xlsx")
    yield Case(
        "unclosed-quote.csv",
        "contacts",
        b'country,date,contacts\nAR,2026-02-01,"12\nAR,2026-02-02,13\n',
        "not a readable CSV table",
    )
    yield Case(
        "missing-contacts.csv",
        "contacts",
        b"country,date,aht_seconds\nAR,2026-02-01,300\n",
        "missing column 'contacts'",
    )
    yield Case(
        "missing-date.csv",
        "contacts",
        b"country,contacts\nAR,12\n",
        "missing column 'date' or 'interval_start'",
    )
    yield Case(
        "missing-country.csv",
        "contacts",
        b"date,contacts\n2026-02-01,12\n",
        "missing column 'country' (or state a default country)",
    )
    yield Case(
        "agents-without-id.csv", "agents", b"name,team\nAna,AR\n", "missing column 'agent_id'"
    )
    yield Case(
        "absences-without-type.csv",
        "absences",
        b"agent_id,start_date,end_date\nA1,2026-05-04,2026-05-05\n",
        "missing column 'type'",
    )
    yield Case(
        "wrong-kind-traffic-as-hours.csv",
        "hours",
        _csv(*_base("traffic")).encode(),
        "missing column 'agent_id'",
    )
    yield Case(
        "ambiguous-dates.csv",
        "contacts",
        b"country,date,contacts\nAR,03-04-2026,12\nAR,04-04-2026,12\n",
        "read either day-first or month-first",
    )
    yield Case(
        "mixed-date-orders.csv",
        "contacts",
        b"country,date,contacts\nAR,13-04-2026,12\nAR,04-14-2026,12\n",
        "both day-first and month-first",
    )
    yield Case(
        "duplicate-days.csv",
        "contacts",
        b"country,date,contacts\nAR,2026-02-01,12\nAR,2026-02-01,13\n",
        "repeats row 2",
        3,
    )
    yield Case(
        "no-regular-step.csv",
        "contacts",
        b"country,interval_start,contacts\nHU,2026-02-01 09:00,1\nHU,2026-02-01 11:00,1\n",
        "no regular 15, 30 or 60-minute step",
    )
    yield Case(
        "granularity-clash.csv",
        "contacts",
        (
            b"country,channel,interval_start,contacts\nAR,voice,2026-02-01 09:00,1\n"
            b"AR,voice,2026-02-01 09:30,1\n"
        ),
        "are stored as daily totals",
    )
    yield Case(
        "overlapping-absences.csv",
        "absences",
        (
            b"agent_id,start_date,end_date,type\nA2,2026-06-01,2026-06-10,vacation\n"
            b"A2,2026-06-05,2026-06-12,sick\n"
        ),
        "overlaps the absence in row 2",
        3,
    )
    yield Case(
        "two-headers-one-column.csv",
        "contacts",
        b"country,date,calls,offered\nAR,2026-02-01,1,2\n",
        "missing column 'contacts'",
    )
    yield Case(
        "long-header.csv",
        "contacts",
        ("country,date," + "h" * 5000 + "\nAR,2026-02-01,1\n").encode(),
        "(5,000 characters)",
    )
    yield Case(
        "formula-injection.csv",
        "contacts",
        b'country,date,contacts\n"=HYPERLINK(""http://x"")",2026-02-01,1\n',
        "is not a known country",
        ROW,
        "country",
    )
    yield Case(
        "agents-nfc-nfd.csv",
        "agents",
        "agent_id,name\nJos\u00e9,NFC\nJose\u0301,NFD\n".encode(),
        "repeats row 2 (agent Jos\u00e9)",
        3,
    )
    # The same faults through other encodings and separators: the reading must not hide them.
    bad = "country;date;contacts\nNarnia;2026-02-01;12\nAR;2026-02-02;-4\n"
    yield Case("semicolons.csv", "contacts", bad.encode(), "is not a known country", ROW, "country")
    yield Case(
        "utf16-bom.csv",
        "contacts",
        b"\xff\xfe" + bad.encode("utf-16-le"),
        "must be at least 0",
        ROW + 1,
        "contacts",
    )
    yield Case(
        "utf16-no-bom.csv",
        "contacts",
        bad.encode("utf-16-le"),
        "is not a known country",
        ROW,
        "country",
    )
    yield Case(
        "utf32-bom.csv",
        "contacts",
        b"\xff\xfe\x00\x00" + bad.encode("utf-32-le"),
        "is not a known country",
        ROW,
        "country",
    )
    yield Case(
        "utf8-bom.csv",
        "contacts",
        b"\xef\xbb\xbf" + bad.encode(),
        "must be at least 0",
        ROW + 1,
        "contacts",
    )
    yield Case(
        "cp1252.csv",
        "contacts",
        "country,date,contacts\nCôte d'Ivoir€,2026-02-01,1\n".encode("cp1252"),
        "is not a known country",
        ROW,
        "country",
    )
    yield Case(
        "tabs-crlf.csv",
        "contacts",
        b"country\tdate\tcontacts\r\nAR\t2026-02-01\t-2\r\n",
        "must be at least 0",
        ROW,
        "contacts",
    )


def cases() -> list[Case]:
    return [*value_cases(), *file_cases()]


def write(folder: Path = FILES, manifest: Path = MANIFEST) -> list[Case]:
    """Write every case's file into ``folder`` (emptied first) and the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    found = cases()
    names = [c.file for c in found]
    if len(set(names)) != len(names):
        raise SystemExit(
            f"two cases share a file name: {sorted(n for n in names if names.count(n) > 1)}"
        )
    with manifest.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["file", "kind", "row", "column", "fragment"])
        for case in found:
            (folder / case.file).write_bytes(case.content)
            writer.writerow(
                [case.file, case.kind, case.row or "", case.column or "", case.fragment]
            )
    return found


if __name__ == "__main__":
    written = write()
    print(f"{len(written)} cases in {FILES.relative_to(HERE.parents[2])}, manifest {MANIFEST.name}")
