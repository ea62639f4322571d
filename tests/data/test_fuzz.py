"""The fuzz corpus (issue #15): every bad file is refused by file, row, column and value, with
the expected words, and the database is unchanged, rows and audit chain alike.

The files and their expected fragments are written by ``tests/data/fuzz/make_corpus.py``
(``cases.csv``); the decompression bomb and the row and time budgets are made here.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import sys
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import readers, schema
from data.access import verify_audit_chain
from data.config import Settings
from data.readers import FileReadError
from data.store import open_store
from data.validation import BudgetExceeded, ImportBudget, ReadOptions
from services.imports import import_file, preview_file

FUZZ = Path(__file__).resolve().parent / "fuzz"
OPT = ReadOptions(today=dt.date(2026, 11, 22))
with (FUZZ / "cases.csv").open(encoding="utf-8", newline="") as _manifest:
    CASES = list(csv.DictReader(_manifest))

#: What the database holds before each case: agents A1 and A2, one absence, daily contacts.
SEED = (
    (
        "agents",
        "agent_id,name,team,country,timezone,contract_hours_per_week,channels\n"
        "A1,Ana,AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n"
        "A2,José,AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n",
    ),
    ("absences", "agent_id,start_date,end_date,type\nA1,2026-03-09,2026-03-13,vacation\n"),
    (
        "contacts",
        "country,channel,date,contacts\nAR,voice,2026-01-05,100\nAR,voice,2026-01-06,110\n",
    ),
)


@pytest.fixture(scope="module")
def corpus_store(module_database_url):
    """One seeded database for the whole corpus: every case must leave it exactly as it was,
    which each case checks, so sharing it is part of the test."""
    url, directory = module_database_url
    store = open_store(Settings(directory, url))
    for kind, text in SEED:
        outcome = import_file(store, kind, text.encode(), file_name=f"{kind}.csv", options=OPT)
        assert outcome.imported, outcome.report.lines()
    yield store
    store.engine.dispose()


@pytest.fixture
def store(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CREWCAST_DATA_DIR", str(tmp_path))  # the audit key, on any database
    store = open_store(Settings(tmp_path, database_url))
    for kind, text in SEED:
        outcome = import_file(store, kind, text.encode(), file_name=f"{kind}.csv", options=OPT)
        assert outcome.imported, outcome.report.lines()
    return store


def state(store) -> dict[str, object]:
    """Rows per table and the audit chain's head: what a refused file must leave as it was."""
    tables = {**schema.TABLES, "import_batches": schema.import_batches, "audit": schema.audit_log}
    with store.engine.connect() as conn:
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for name, t in tables.items()
        }
    chain = verify_audit_chain(store.engine)
    assert chain.ok, chain.first_break
    return {**counts, "head": (chain.head_seq, chain.head_hash)}


def refusal(store, name: str, kind: str, content: bytes, **kwargs) -> str:
    """The message refusing ``content``; fails the test if it was imported."""
    try:
        outcome = import_file(store, kind, content, file_name=name, options=OPT, **kwargs)
    except FileReadError as exc:
        return str(exc)
    assert not outcome.imported, f"{name} was imported"
    return "\n".join(outcome.report.lines())


def test_the_corpus_is_large_and_written_by_its_script(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", FUZZ / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    module.write(tmp_path / "files", tmp_path / "cases.csv")
    assert (tmp_path / "cases.csv").read_bytes() == (FUZZ / "cases.csv").read_bytes()
    committed = sorted(p.name for p in (FUZZ / "files").iterdir())
    assert committed == sorted(p.name for p in (tmp_path / "files").iterdir())
    for name in committed:
        assert (tmp_path / "files" / name).read_bytes() == (FUZZ / "files" / name).read_bytes()
    assert len(CASES) >= 100
    assert len({c["kind"] for c in CASES}) == 6


@pytest.mark.parametrize("chunk_rows", [None, 2], ids=["one-chunk", "chunks-of-2"])
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_a_bad_file_is_refused_and_changes_nothing(corpus_store, case, chunk_rows):
    """Each file as one chunk, and read two rows at a time (contacts, hours and performance
    CSVs): the same refusal, naming the same row, nothing written."""
    store = corpus_store
    before = state(store)
    content = (FUZZ / "files" / case["file"]).read_bytes()
    budget = None if chunk_rows is None else ImportBudget(chunk_rows=chunk_rows)
    message = refusal(store, case["file"], case["kind"], content, budget=budget)
    assert case["fragment"] in message
    assert case["file"] in message
    if case["row"]:
        column = f"column '{case['column']}'" if case["column"] else ""
        assert f"{case['file']} row {case['row']}: {column}" in message
    assert "Traceback" not in message
    for line in message.splitlines():  # long values come back shortened, never whole
        assert len(line) < 1000
    assert state(store) == before


# --- budgets ------------------------------------------------------------------------------------


def bomb(megabytes: int) -> bytes:
    """An .xlsx-shaped archive whose one sheet inflates to ``megabytes`` MB of spaces (a few
    hundred KB compressed), written in chunks so the test never holds it expanded."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b"<worksheet><sheetData>")
            for _ in range(megabytes):
                sheet.write(b" " * 1_000_000)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_without_being_opened(store, monkeypatch):
    content = bomb(ImportBudget().max_xlsx_megabytes.__int__() + 1)  # just over the default
    assert len(content) < 1_000_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(readers.pd, "read_excel", never)
    before = state(store)
    start = time.perf_counter()
    message = refusal(store, "bomb.xlsx", "contacts", content)
    assert time.perf_counter() - start < 2
    assert "bomb.xlsx: refused, the workbook expands to 201 MB" in message
    assert "above the 200 MB" in message and "CREWCAST_IMPORT_MAX_XLSX_MB" in message
    with pytest.raises(BudgetExceeded, match="expands to 201 MB"):
        preview_file("contacts", content, file_name="bomb.xlsx")
    assert state(store) == before


def test_the_xlsx_limit_comes_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("CREWCAST_IMPORT_MAX_XLSX_MB", "2")
    message = refusal(store, "sheet.xlsx", "contacts", bomb(3))
    assert "expands to 3 MB, above the 2 MB" in message


def test_rows_over_the_limit_are_refused(store, monkeypatch):
    rows = "".join(f"AR,voice,2026-02-{d:02d},5\n" for d in range(1, 12))
    content = ("country,channel,date,contacts\n" + rows).encode()
    before = state(store)
    budget = ImportBudget(max_rows=10)
    message = refusal(store, "big.csv", "contacts", content, budget=budget)
    assert "big.csv: refused, it has more than 10 rows; a file may have at most 10" in message
    monkeypatch.setenv("CREWCAST_IMPORT_MAX_ROWS", "4")
    monkeypatch.setenv("CREWCAST_IMPORT_CHUNK_ROWS", "2")  # refused at the third chunk
    message = refusal(store, "big.csv", "contacts", content)
    assert "big.csv: refused, it has more than 4 rows; a file may have at most 4 rows" in message
    assert state(store) == before
    monkeypatch.delenv("CREWCAST_IMPORT_MAX_ROWS")
    assert import_file(store, "contacts", content, file_name="ok.csv", options=OPT).imported


def test_rows_are_counted_as_parsed_not_as_lines(store, monkeypatch):
    """A quoted cell may hold line breaks: five rows of four lines each are five rows."""
    note = '"called back\nno answer\nleft a message"'
    rows = "".join(f"UY,chat,2026-02-{d:02d},5,{note}\n" for d in range(1, 6))
    content = ("country,channel,date,contacts,comment\n" + rows).encode()
    monkeypatch.setenv("CREWCAST_IMPORT_MAX_ROWS", "5")
    monkeypatch.setenv("CREWCAST_IMPORT_CHUNK_ROWS", "2")
    outcome = import_file(store, "contacts", content, file_name="notes.csv", options=OPT)
    assert outcome.imported and outcome.result.rows_written == 5
    bad = content.replace(b"2026-02-05", b"2026-02-31")
    assert "bad.csv row 6: column 'date' has '2026-02-31'" in refusal(
        store, "bad.csv", "contacts", bad
    )
    monkeypatch.setenv("CREWCAST_IMPORT_MAX_ROWS", "4")
    assert "it has more than 4 rows" in refusal(store, "notes.csv", "contacts", content)


def test_an_import_over_its_time_is_rolled_back(store, monkeypatch):
    rows = "".join(f"HU,voice,2026-02-{d:02d},5\n" for d in range(1, 29))
    content = ("country,channel,date,contacts\n" + rows).encode()
    before = state(store)
    clock = iter(range(0, 1000, 10))  # every look at the clock: ten seconds later
    monkeypatch.setattr("data.validation.time.monotonic", lambda: next(clock))
    message = refusal(store, "slow.csv", "contacts", content, budget=ImportBudget(max_seconds=25))
    assert "slow.csv: refused, writing the rows took longer" in message
    assert "took longer than the 25 s an import may take (CREWCAST_IMPORT_MAX_SECONDS)" in message
    assert state(store) == before


@pytest.mark.parametrize("value", ["0", "-1", "lots", "nan", "inf"])
def test_a_bad_budget_setting_is_named(value):
    with pytest.raises(
        ValueError, match=f"CREWCAST_IMPORT_MAX_ROWS must be a positive number, not '{value}'"
    ):
        ImportBudget.from_environment({"CREWCAST_IMPORT_MAX_ROWS": value})


def test_budget_defaults():
    assert ImportBudget.from_environment({}) == ImportBudget(5_000_000, 200.0, 300.0)
    assert ImportBudget.from_environment({"CREWCAST_IMPORT_MAX_SECONDS": "60"}).max_seconds == 60


def test_many_unknown_countries_cost_well_under_two_seconds(monkeypatch):
    from data import validation

    calls = []
    original = validation.country_hint
    monkeypatch.setattr(validation, "country_hint", lambda v: calls.append(v) or original(v))
    rows = "".join(f"Nowhereland {i},2026-02-01,1\n" for i in range(3000))
    start = time.perf_counter()
    report = validation.validate_file(
        "traffic", ("country,date,sessions\n" + rows).encode(), "t.csv", OPT
    )
    assert time.perf_counter() - start < 2
    assert report.error_count == 3000
    assert len(calls) <= validation.MAX_REPORTED  # hints only for the rows a message names
