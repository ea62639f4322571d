"""Imports read, check and write a chunk of rows at a time (issue #15 item 5, issue #18 item 4):
the rules, file row numbers and all-or-nothing of a file read whole, across chunks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data import store as store_module
from data.config import Settings
from data.readers import read_table
from data.store import open_store
from data.validation import BudgetExceeded, ImportBudget, ReadOptions, validate_table
from services.imports import import_file, preview_file

OPT = ReadOptions(today=dt.date(2026, 11, 22))
SMALL = ImportBudget(chunk_rows=3)
HEADER = "country,channel,interval_start,contacts,comment\n"
AGENTS = (
    "agent_id,name,team,country,timezone,contract_hours_per_week,channels\n"
    "A1,Ana,AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n"
    "A2,Bea,AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n"
)


@pytest.fixture
def store(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CREWCAST_DATA_DIR", str(tmp_path))  # the audit key, on any database
    store = open_store(Settings(tmp_path, database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def writes(monkeypatch) -> list[int]:
    """The rows of each chunk written (to show a file was written in several)."""
    sizes: list[int] = []
    real = store_module.insert_frame

    def counting(conn, table, frame, batch_id, **kwargs):
        sizes.append(len(frame))
        return real(conn, table, frame, batch_id, **kwargs)

    monkeypatch.setattr(store_module, "insert_frame", counting)
    return sizes


def half_hours(country: str, channel: str, start: str, n: int, comment: str = "") -> str:
    stamps = pd.date_range(start, periods=n, freq="30min")
    return "".join(
        f"{country},{channel},{t:%Y-%m-%d %H:%M},{i + 1},{comment}\n" for i, t in enumerate(stamps)
    )


def state(store) -> dict[str, object]:
    """Every stored contact and the counts of batches and audit rows."""
    with store.engine.connect() as conn:
        contacts = conn.execute(
            sa.select(
                schema.contacts.c.country, schema.contacts.c.ds, schema.contacts.c.contacts
            ).order_by(schema.contacts.c.country, schema.contacts.c.ds)
        ).all()
        counts = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (schema.import_batches, schema.audit_log, schema.hours)
        }
    return {"contacts": contacts, **counts}


def refusal(store, name: str, content: str, kind: str = "contacts", **kwargs) -> str:
    outcome = import_file(
        store, kind, content.encode(), file_name=name, options=OPT, budget=SMALL, **kwargs
    )
    assert not outcome.imported, f"{name} was imported"
    return "\n".join(outcome.report.lines())


def test_a_file_in_many_chunks_stores_what_the_whole_file_would(store, writes):
    # A quoted comment with line breaks: rows as parsed, not as lines.
    text = (
        HEADER
        + half_hours("HU", "voice", "2026-02-02 08:00", 7, '"rang\nand rang"')
        + half_hours("Uruguay", "chat", "2026-02-02 08:00", 8)
    )
    outcome = import_file(
        store, "contacts", text.encode(), file_name="c.csv", options=OPT, budget=SMALL
    )
    assert outcome.imported and outcome.result.rows_written == 15
    assert len(writes) >= 5 and sum(writes) == 15
    whole = validate_table("contacts", read_table(text.encode(), "c.csv"), OPT)
    stored = store.load("contacts")
    expected = whole.frame.reset_index(drop=True)
    assert (
        stored[["country", "channel", "ds", "contacts"]]
        .sort_values(["country", "ds"])
        .reset_index(drop=True)
        .equals(expected[["country", "channel", "ds", "contacts"]].reset_index(drop=True))
    )
    assert set(stored["interval_minutes"]) == {30}
    assert outcome.report.notes == whole.notes  # each note once, as for the whole file
    assert outcome.period() == (dt.date(2026, 2, 2), dt.date(2026, 2, 2))
    assert outcome.countries() == ("UY", "HU")  # by contacts: 36 against 28


def test_a_bad_row_in_a_late_chunk_writes_nothing_and_names_its_file_row(store, writes):
    first = HEADER + half_hours("HU", "voice", "2026-01-05 08:00", 4)
    assert import_file(store, "contacts", first.encode(), file_name="a.csv", options=OPT).imported
    before = state(store)
    text = HEADER + half_hours("HU", "voice", "2026-01-05 08:00", 24, '"called\nback"')
    text = text.replace(",22,", ",lots,")  # file row 23 (header = 1), line 44
    message = refusal(store, "late.csv", text)
    assert "late.csv row 23: column 'contacts' has 'lots', is not a number" in message
    assert sum(writes) >= 18  # the chunks before it were written, then rolled back
    assert state(store) == before


def test_repeats_across_chunks_name_the_first_row(store):
    text = HEADER + half_hours("HU", "voice", "2026-02-02 08:00", 10)
    text += (
        "HU,voice,2026-02-02 08:30,5,\nAR,chat,2026-02-02 08:00,1,\nHU,Voice,2026-02-02 08:30,6,\n"
    )
    before = state(store)
    message = refusal(store, "twice.csv", text)
    same = "(the same country, channel and time: HU, voice, 2026-02-02 08:30)"
    assert f"twice.csv row 12: repeats row 3 {same}" in message
    assert f"twice.csv row 14: repeats row 3 {same}" in message
    assert message.count("repeats") == 2
    assert state(store) == before


def test_the_whole_period_a_file_covers_is_replaced(store, writes):
    daily = "".join(f"AR,voice,2024-01-{d:02d},{d}\n" for d in range(1, 11))
    seed = "country,channel,date,contacts\n" + daily
    assert import_file(store, "contacts", seed.encode(), file_name="a.csv", options=OPT).imported
    # AR in the first and third chunks only: its stored days 4-7 lie between them.
    text = (
        "country,channel,date,contacts\n"
        + "".join(f"AR,voice,2024-01-{d:02d},{100 + d}\n" for d in (1, 2, 3))
        + "".join(f"UY,voice,2024-01-{d:02d},1\n" for d in (1, 2, 3))
        + "".join(f"AR,voice,2024-01-{d:02d},{100 + d}\n" for d in (8, 9, 10))
    )
    outcome = import_file(
        store, "contacts", text.encode(), file_name="b.csv", options=OPT, budget=SMALL
    )
    assert outcome.imported and len(writes) >= 4
    assert outcome.result.rows_replaced == 10
    ar = store.load("contacts").query("country == 'AR'")
    assert ar["ds"].dt.day.tolist() == [1, 2, 3, 8, 9, 10]
    assert ar["contacts"].tolist() == [101.0, 102.0, 103.0, 108.0, 109.0, 110.0]


def test_the_date_order_is_decided_by_the_whole_file(store):
    ambiguous = "".join(f"AR,voice,0{d}/02/2024,{d}\n" for d in range(1, 7))
    text = "country,channel,date,contacts\n" + ambiguous + "AR,voice,13/02/2024,13\n"
    outcome = import_file(
        store, "contacts", text.encode(), file_name="d.csv", options=OPT, budget=SMALL
    )
    assert outcome.imported, outcome.report.lines()
    assert store.load("contacts")["ds"].dt.month.unique().tolist() == [2]
    assert any("dates read as day-month-year" in n for n in outcome.report.notes)
    mixed = text + "AR,voice,02/14/2024,14\n"
    message = refusal(store, "mixed.csv", mixed)
    assert "mixed.csv: column 'date' has dates in both day-first and month-first order" in message
    assert message.count("both day-first") == 1


def test_the_interval_is_found_when_the_first_chunk_cannot_tell(store):
    # Three series in the first three rows: no step between two intervals of one series yet.
    text = (
        "country,channel,interval_start,contacts\n"
        "HU,voice,2026-02-02 08:00,1\nAR,voice,2026-02-02 08:00,1\nUY,voice,2026-02-02 08:00,1\n"
        + "".join(f"HU,voice,2026-02-02 {h:02d}:{m:02d},2\n" for h in (9, 10) for m in (0, 30))
    )
    outcome = import_file(
        store, "contacts", text.encode(), file_name="i.csv", options=OPT, budget=SMALL
    )
    assert outcome.imported, outcome.report.lines()
    assert set(store.load("contacts")["interval_minutes"]) == {30}
    bad = text + "HU,voice,2026-02-02 11:10,3\n"
    assert (
        "i.csv row 9: column 'interval_start' has '2026-02-02 11:10', does not start a 30-minute interval"
        in refusal(store, "i.csv", bad)
    )


def test_time_is_checked_between_chunks(store, monkeypatch):
    before = state(store)
    clock = iter(range(0, 1000))  # every look at the clock: a second later
    monkeypatch.setattr("data.validation.time.monotonic", lambda: next(clock))
    budget = ImportBudget(chunk_rows=3, max_seconds=12)
    text = HEADER + half_hours("HU", "voice", "2026-02-02 00:00", 30)
    with pytest.raises(BudgetExceeded, match="took longer than the 12 s an import may take"):
        import_file(
            store, "contacts", text.encode(), file_name="slow.csv", options=OPT, budget=budget
        )
    assert state(store) == before


def test_agent_files_are_checked_against_the_database_in_every_chunk(store):
    assert import_file(
        store, "agents", AGENTS.encode(), file_name="agents.csv", options=OPT
    ).imported
    before = state(store)
    days = "".join(f"A{1 + d % 2},2026-02-{d:02d},8\n" for d in range(1, 11))
    header = "agent_id,date,hours_worked\n"
    message = refusal(store, "hours.csv", header + days + "A9,2026-02-11,8\n", kind="hours")
    assert "hours.csv row 12: column 'agent_id' has 'A9', is not a known agent" in message
    message = refusal(store, "again.csv", header + days + "A2,2026-02-01,7\n", kind="hours")
    assert "again.csv row 12: repeats row 2 (agent and day A2, 2026-02-01)" in message
    assert state(store) == before
    outcome = import_file(
        store, "hours", (header + days).encode(), file_name="h.csv", options=OPT, budget=SMALL
    )
    assert outcome.imported and outcome.result.rows_written == 10
    assert outcome.period() == (dt.date(2026, 2, 1), dt.date(2026, 2, 10))


def test_a_path_is_read_a_chunk_at_a_time_never_whole(store, tmp_path, monkeypatch, writes):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + half_hours("HU", "chat", "2026-02-02 00:00", 12), encoding="utf-8")

    def never(self):
        raise AssertionError(f"{self.name} was read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    outcome = import_file(store, "contacts", path, options=OPT, budget=SMALL)
    assert outcome.imported and outcome.result.rows_written == 12 and len(writes) == 4
    assert outcome.report.file == "big.csv"


def test_a_bad_date_is_refused_in_every_chunk_it_comes_in(store):
    """Readings are reused from the chunk before: a bad one too, with its message."""
    days = ["2026-02-01", "2026-02-31", "2026-02-02", "2026-02-03", "2026-02-31", "2026-02-04"]
    text = "country,channel,date,contacts\n" + "".join(
        f"{'AR' if i < 3 else 'UY'},voice,{d},1\n" for i, d in enumerate(days)
    )
    message = refusal(store, "days.csv", text)
    for row in (3, 6):
        assert f"days.csv row {row}: column 'date' has '2026-02-31', is not a date" in message


@pytest.mark.parametrize("by_time", [False, True])
def test_repeats_within_a_chunk_name_the_first_row_sorted_or_not(store, by_time):
    """A chunk sorted by its key is not sorted again; one by time is: the same messages."""
    rows = [
        ("HU", "voice", "2026-02-02 08:00"),
        ("HU", "voice", "2026-02-02 08:30"),
        ("HU", "voice", "2026-02-02 08:30"),
        ("UY", "chat", "2026-02-02 08:00"),
        ("UY", "chat", "2026-02-02 08:30"),
        ("UY", "chat", "2026-02-02 08:30"),
    ]
    if by_time:
        rows = sorted(rows, key=lambda r: (r[2], r[0]))
    text = HEADER + "".join(f"{c},{ch},{t},1,\n" for c, ch, t in rows)
    before = state(store)
    outcome = import_file(
        store, "contacts", text.encode(), file_name="rep.csv", options=OPT, budget=ImportBudget()
    )
    assert not outcome.imported
    message = "\n".join(outcome.report.lines())
    assert message.count("repeats") == 2
    for country, channel, time in set(rows):
        at = [i + 2 for i, r in enumerate(rows) if r == (country, channel, time)]
        if len(at) == 2:
            same = f"the same country, channel and time: {country}, {channel}, {time}"
            assert f"rep.csv row {at[1]}: repeats row {at[0]} ({same})" in message
    assert state(store) == before


def test_a_windows_1252_file_is_read_a_chunk_at_a_time_as_it_reads_whole(
    store, tmp_path, monkeypatch, writes
):
    """Excel's "CSV" on Windows: read in chunks too, with the note, names and refusals of the
    file read whole (undefined bytes replaced, as there)."""
    text = (
        "country;channel;interval_start;contacts;comment\n"
        + half_hours("HU", "voice", "2026-02-02 00:00", 7, "Señora Müller").replace(",", ";")
        + half_hours("Peru", "chat", "2026-02-02 00:00", 5, "caf\u00e9").replace(",", ";")
    )
    content = text.encode("cp1252").replace(b"caf\xe9", b"caf\x81")  # 0x81: undefined
    path = tmp_path / "excel.csv"
    path.write_bytes(content)
    whole = validate_table("contacts", read_table(content, "excel.csv"), OPT)
    assert whole.ok and whole.notes[0].startswith("the file is not UTF-8")

    def never(self):
        raise AssertionError(f"{self.name} was read whole")

    monkeypatch.setattr(Path, "read_bytes", never)
    preview = preview_file("contacts", path, options=OPT, budget=SMALL)
    assert preview.encoding == "cp1252" and preview.separator == ";"
    assert preview.head["comment"].iloc[0] == "Señora Müller"
    assert preview.report.notes == whole.notes
    outcome = import_file(store, "contacts", path, options=OPT, budget=SMALL)
    assert outcome.imported and outcome.result.rows_written == 12 and len(writes) == 4
    assert outcome.report.notes == whole.notes
    stored = store.load("contacts")
    assert sorted(stored["country"].unique()) == ["HU", "PE"]
    expected = whole.frame.reset_index(drop=True)[["country", "channel", "ds", "contacts"]]
    got = stored[["country", "channel", "ds", "contacts"]]
    assert (
        got.sort_values(["country", "ds"])
        .reset_index(drop=True)
        .equals(expected.sort_values(["country", "ds"]).reset_index(drop=True))
    )
    bad = content.replace(b";7;Se", b";seven;Se")  # file row 8
    before = state(store)
    outcome = import_file(store, "contacts", bad, file_name="bad.csv", options=OPT, budget=SMALL)
    lines = "\n".join(outcome.report.lines())
    assert not outcome.imported
    assert "bad.csv row 8: column 'contacts' has 'seven', is not a number" in lines
    assert outcome.report.notes[0].startswith("the file is not UTF-8")
    assert state(store) == before


def test_per_series_extents_equal_pandas_groupby_on_the_columns():
    """Grouped by integer codes for speed: the very frame grouping by the text columns gives."""
    rng = pd.Series(range(60)).sample(frac=1, random_state=3).to_numpy()
    frame = pd.DataFrame(
        {
            "country": pd.Series([["UY", "AR", "HU"][i % 3] for i in rng], dtype="str"),
            "channel": pd.Series([["voice", "chat"][i % 2] for i in rng], dtype="str"),
            "ds": pd.Timestamp("2026-02-02") + pd.to_timedelta(rng * 30, unit="min"),
            "contacts": rng.astype(float),
        }
    )
    named = {"first": ("ds", "min"), "last": ("ds", "max"), "contacts": ("contacts", "sum")}
    for cols in (["country", "channel"], ["channel"]):
        expected = frame.groupby(cols).agg(**named).reset_index()
        pd.testing.assert_frame_equal(store_module._per_series(frame, cols, named), expected)
