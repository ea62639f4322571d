"""The import workflow: preview, validate, store in one transaction, re-evaluate flags; on the
real exports in ../shared/data and on the bad files people send."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

import tests.conftest as shared
from data import schema
from data.access import Principal
from data.config import Settings
from data.readers import FileReadError
from data.store import open_store
from data.validation import ReadOptions
from services import imports
from services.flags import evaluate_flags
from services.imports import import_file, preview_file

TODAY = dt.date(2026, 11, 22)
OPT = ReadOptions(today=TODAY)
ITALY = ("calls_italy", "case_data_calls.csv")
GA = ("traffic_sessions_by_country", "google-analytics.csv")


@pytest.fixture
def store(tmp_path):
    return open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'test.db'}"))


def rows(store, kind: str) -> int:
    with store.engine.connect() as conn:
        table = schema.TABLES[kind]
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --- the real exports --------------------------------------------------------------------------


def test_italian_calls_import_as_exported(store, shared_data):
    # As downloaded: semicolons, a BOM, CRLF, D-M-YYYY dates, 'calls' not 'contacts', no country.
    path = shared_data.joinpath(*ITALY)
    preview = preview_file("contacts", path, options=ReadOptions(default_country="IT"))
    assert (preview.separator, preview.encoding) == (";", "utf-8")
    assert preview.headers == ("date", "calls", "weekday")
    assert preview.mapping() == {"calls": "contacts", "date": "date"}
    assert [(d.column, d.detected.order, d.used) for d in preview.dates] == [("date", "dmy", "dmy")]
    assert preview.head.iloc[0].tolist() == ["1-1-2013", "2429", "2"]
    assert preview.report.ok and preview.report.rows == 1155
    assert "country: IT for every row (default country)" in preview.lines()

    outcome = import_file(store, "contacts", path, options=ReadOptions(default_country="IT"))
    assert outcome.imported and outcome.flags is None  # not an HR file
    assert outcome.result.rows_written == 1155 and rows(store, "contacts") == 1155
    assert outcome.period() == (dt.date(2013, 1, 1), dt.date(2016, 2, 29))
    assert outcome.countries() == ("IT",)
    again = import_file(store, "contacts", path, options=ReadOptions(default_country="IT"))
    assert again.result.rows_replaced == 1155 and rows(store, "contacts") == 1155


def test_web_analytics_export_imports_with_countries_largest_first(store, shared_data):
    path = shared_data.joinpath(*GA)
    preview = preview_file("traffic", path)
    assert preview.separator == ";" and preview.report.ok
    assert preview.dates[0].detected.order == "ymd"
    outcome = import_file(store, "traffic", path)
    assert outcome.imported
    assert outcome.period() == (dt.date(2018, 12, 1), dt.date(2019, 12, 1))
    countries = outcome.countries()
    assert len(countries) == 214  # (not set) and Kosovo have no national calendar: left out
    raw = pd.read_csv(path, sep=";")
    by_volume = raw.groupby("country")["sessions"].sum().sort_values(ascending=False)
    assert by_volume.index[0] == "United States" and countries[0] == "US"
    stored = store.load("traffic")
    assert (
        stored["sessions"].sum()
        == raw[~raw["country"].isin(["(not set)", "Kosovo"])]["sessions"].sum()
    )


def test_shared_data_is_required_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(shared, "SHARED_DATA", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        shared.require_shared_data()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="absent"):
        shared.require_shared_data()


# --- the workflow -----------------------------------------------------------------------------

AGENTS = b"agent_id,name,team,country\nA1,Ana,T,AR\nA2,Ben,T,AR\n"
HOURS = b"agent_id,date,hours_worked\nA1,2026-11-02,8\nA2,2026-11-02,7.5\n"


def test_hr_files_re_evaluate_the_flags_once_hr_has_evaluated(store):
    assert import_file(store, "agents", AGENTS, file_name="agents.csv", options=OPT).flags is None
    first = import_file(store, "hours", HOURS, file_name="hours.csv", options=OPT)
    assert first.imported and first.flags is None  # HR has not evaluated yet: nothing to redo
    evaluate_flags(store, Principal("hr1", "hr", "HR"), as_of=TODAY)
    later = import_file(store, "hours", HOURS, file_name="hours.csv", options=OPT)
    assert later.imported and later.flags is not None


def test_a_rejected_file_changes_nothing_and_evaluates_nothing(store, monkeypatch):
    calls = []
    monkeypatch.setattr(imports, "reevaluate_after_import", lambda s, k: calls.append(k))
    bad = b"agent_id,date,hours_worked\nA1,2026-11-02,8\nA9,2026-11-02,30\n"
    outcome = import_file(store, "hours", bad, file_name="hours.csv", options=OPT)
    assert not outcome.imported and outcome.result is None and outcome.flags is None
    assert (
        "hours.csv row 3: column 'hours_worked' has '30', must be at most 24 h"
        in (outcome.report.lines()[0])
    )
    assert calls == [] and rows(store, "hours") == 0 and store.is_empty()


def test_the_actor_role_is_checked(store):
    with pytest.raises(PermissionError):
        import_file(store, "hours", HOURS, file_name="h.csv", actor=Principal("p", "planner", "P"))


# --- bad files through the same door ------------------------------------------------------------


def test_utf16_export_imports(store):
    text = "Country\tDate\tCalls\nAR\t2024-01-01\t5\nAR\t2024-01-02\t6\n"
    preview = preview_file("contacts", text.encode("utf-16"), file_name="excel.txt", options=OPT)
    assert (preview.separator, preview.encoding) == ("\t", "utf-16")
    outcome = import_file(
        store, "contacts", text.encode("utf-16"), file_name="excel.txt", options=OPT
    )
    assert outcome.imported and outcome.countries() == ("AR",)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"country,date,contacts\nAR,2024-01-01," + b"7" * 100_000 + b"\n",
            "big.csv row 2: column 'contacts' has '777",
        ),
        (
            b"country,date,contacts\nAR,1066-10-14,5\n",
            "big.csv row 2: column 'date' has '1066-10-14'",
        ),
        (
            b"country,date,contacts\nAR,2024-01-01,1e308\n",
            "big.csv row 2: column 'contacts' has '1e308'",
        ),
    ],
)
def test_bad_cells_are_named_and_nothing_is_stored(store, content, expected):
    outcome = import_file(store, "contacts", content, file_name="big.csv", options=OPT)
    assert not outcome.imported and store.is_empty()
    (line,) = outcome.report.lines()
    assert line.startswith(f"error: {expected}") and len(line) < 300


def test_negative_csat_is_refused(store):
    import_file(store, "agents", AGENTS, file_name="agents.csv", options=OPT)
    bad = b"agent_id,date,metric,value\nA1,2026-11-02,csat,-4\n"
    outcome = import_file(store, "performance", bad, file_name="perf.csv", options=OPT)
    assert "perf.csv row 2: column 'value' has '-4', is negative" in outcome.report.lines()[0]


def test_unreadable_files_raise_with_their_name(store, tmp_path):
    with pytest.raises(FileReadError, match=r"nope\.csv: cannot read the file"):
        import_file(store, "contacts", tmp_path / "nope.csv")
    with pytest.raises(FileReadError, match=r"blob\.csv: not a text file"):
        preview_file("contacts", b"\x00\x01\x02\x03" * 10, file_name="blob.csv")


def test_an_ambiguous_file_previews_what_was_stated():
    content = b"country,date,contacts\nAR,01-02-2024,5\nAR,02-02-2024,6\n"
    auto = preview_file("contacts", content, file_name="a.csv", options=OPT)
    assert not auto.report.ok and auto.dates[0].used == "auto"
    assert "ambiguous (e.g. '01-02-2024')" in auto.dates[0].describe()
    stated = preview_file(
        "contacts", content, file_name="a.csv", options=ReadOptions(today=TODAY, date_order="dmy")
    )
    assert stated.report.ok and stated.report.frame["ds"].iloc[0] == pd.Timestamp("2024-02-01")
    assert stated.dates[0].describe().endswith("; read as day-month-year, as stated")


def test_an_excel_workbook_previews_with_its_own_headers():
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Country", "Date", "Calls"])
    book.active.append(["HU", dt.date(2024, 1, 2), 5])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = preview_file("contacts", buffer.getvalue(), file_name="calls.xlsx", options=OPT)
    assert preview.lines()[0] == "read as an Excel workbook"
    assert preview.mapping() == {"Country": "country", "Calls": "contacts", "Date": "date"}
    assert preview.report.ok and preview.report.frame["contacts"].tolist() == [5.0]


def test_a_large_file_previews_a_chunk_at_a_time(tmp_path, monkeypatch):
    """A contacts CSV previews as it imports, in chunks: the head is its first rows, the date
    order is the whole file's, the report counts every row, and no frame of it is kept."""
    from pathlib import Path

    from data.validation import ImportBudget

    days = [f"0{d}/02/2024" for d in range(1, 8)] + ["13/02/2024"]
    path = tmp_path / "calls.csv"
    path.write_text(
        "Country,Day,Calls\n" + "".join(f"AR,{d},{i}\n" for i, d in enumerate(days)),
        encoding="utf-8",
    )

    def never(self):
        raise AssertionError("read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    preview = preview_file("contacts", path, options=OPT, rows=3, budget=ImportBudget(chunk_rows=3))
    assert preview.head.to_dict("list") == {
        "Country": ["AR"] * 3,
        "Day": days[:3],
        "Calls": ["0", "1", "2"],
    }
    assert preview.dates[0].describe() == "day-month-year (e.g. '13/02/2024')"
    assert preview.report.ok and preview.report.rows == 8 and preview.report.frame is None
    bad = path.read_text(encoding="utf-8").replace("AR,07/02", "AR,31/02")
    path.write_text(bad, encoding="utf-8")
    preview = preview_file("contacts", path, options=OPT, budget=ImportBudget(chunk_rows=3))
    assert (
        "calls.csv row 8: column 'date' has '31/02/2024', is not a date"
        in preview.report.lines()[0]
    )
