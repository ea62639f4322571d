"""A big import into SQLite builds its table's secondary indexes once at its end (issue #18
item 4): the indexes come back exactly as they were, rows as a row-by-row import stores them,
and a refused file or an exceeded budget leaves indexes and rows as before."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data import store as store_module
from data.config import Settings
from data.store import open_store
from data.validation import BudgetExceeded, ImportBudget, ReadOptions
from services.imports import import_file

OPT = ReadOptions(today=dt.date(2026, 11, 22))
SMALL = ImportBudget(chunk_rows=5)
HEADER = "country,channel,interval_start,contacts\n"
DROPPED = "secondary indexes dropped"


@pytest.fixture
def store(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CREWCAST_DATA_DIR", str(tmp_path))
    store = open_store(Settings(tmp_path, database_url))
    yield store
    store.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CREWCAST_DATA_DIR", str(tmp_path))
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'a.db'}"))
    yield store
    store.engine.dispose()


@pytest.fixture
def rebuilt(monkeypatch, caplog) -> logging.LogCaptureHandler:
    """Imports of 8 rows or more count as big; the log says when indexes were dropped."""
    monkeypatch.setattr(store_module, "REBUILD_INDEXES_MIN_ROWS", 8)
    caplog.set_level(logging.INFO, logger="data.store")
    return caplog


@pytest.fixture
def writes_whole(monkeypatch) -> list[int]:
    """The rows of each frame written by the path that reads a file whole."""
    sizes: list[int] = []
    real = store_module.Store.import_frame

    def counting(self, kind, report, **kwargs):
        sizes.append(len(report.frame))
        return real(self, kind, report, **kwargs)

    monkeypatch.setattr(store_module.Store, "import_frame", counting)
    return sizes


def half_hours(country: str, channel: str, start: str, n: int, first: int = 1) -> str:
    stamps = pd.date_range(start, periods=n, freq="30min")
    return "".join(
        f"{country},{channel},{t:%Y-%m-%d %H:%M},{first + i}\n" for i, t in enumerate(stamps)
    )


def indexes(store) -> list[tuple[str, str, str | None]]:
    """Every index of the database as SQLite stores it: name, table and its CREATE statement."""
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).all()


def rows(store) -> list[tuple]:
    t = schema.contacts
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(
                t.c.country, t.c.channel, t.c.ds, t.c.interval_minutes, t.c.contacts
            ).order_by(t.c.country, t.c.channel, t.c.ds)
        ).all()


def consistent(store) -> bool:
    """SQLite's own check: every index holds exactly the table's rows."""
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def imported(store, text: str, name: str = "c.csv", budget: ImportBudget = SMALL):
    outcome = import_file(
        store, "contacts", text.encode(), file_name=name, options=OPT, budget=budget
    )
    assert outcome.imported, outcome.report.lines()
    return outcome


BIG = (
    HEADER
    + half_hours("HU", "voice", "2026-02-02 00:00", 20)
    + half_hours("AR", "chat", "2026-02-02 00:00", 20)
)


def test_a_big_import_builds_the_same_indexes_and_stores_the_same_rows(
    sqlite_store, rebuilt, tmp_path, monkeypatch
):
    before = indexes(sqlite_store)
    assert {"ix_contacts_country", "ix_contacts_ds"} <= {name for name, _, _ in before}
    outcome = imported(sqlite_store, BIG)
    assert outcome.result.rows_written == 40
    assert DROPPED in rebuilt.text
    assert indexes(sqlite_store) == before and consistent(sqlite_store)
    # The same file written row by row into every index: the same rows.
    monkeypatch.setattr(store_module, "REBUILD_INDEXES_MIN_ROWS", 10**9)
    rebuilt.clear()
    (tmp_path / "b").mkdir()
    other = open_store(Settings(tmp_path / "b", f"sqlite:///{tmp_path / 'b' / 'b.db'}"))
    imported(other, BIG)
    assert DROPPED not in rebuilt.text
    assert rows(sqlite_store) == rows(other) and len(rows(other)) == 40
    # The pages' queries still read the rebuilt indexes.
    with sqlite_store.engine.connect() as conn:
        plan = " ".join(
            str(row)
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT country, channel, date(ds), sum(contacts) "
                "FROM contacts GROUP BY country, channel, date(ds)"
            )
        )
    assert "COVERING INDEX ix_contacts_country" in plan
    other.engine.dispose()


def test_a_file_read_whole_is_written_the_same_way(sqlite_store, rebuilt, writes_whole):
    # UTF-16 is read whole, not in chunks: the indexes are still built once at the end.
    before = indexes(sqlite_store)
    outcome = import_file(
        sqlite_store, "contacts", BIG.encode("utf-16"), file_name="u.csv", options=OPT
    )
    assert outcome.imported and outcome.result.rows_written == 40
    assert writes_whole == [40]
    assert DROPPED in rebuilt.text
    assert indexes(sqlite_store) == before and consistent(sqlite_store)


def test_a_bad_late_row_leaves_the_indexes_and_rows_as_before(sqlite_store, rebuilt):
    imported(sqlite_store, HEADER + half_hours("HU", "voice", "2026-02-02 00:00", 4))
    before, stored = indexes(sqlite_store), rows(sqlite_store)
    rebuilt.clear()
    bad = BIG + "AR,chat,2026-02-03 00:00,lots\n"
    outcome = import_file(
        sqlite_store, "contacts", bad.encode(), file_name="bad.csv", options=OPT, budget=SMALL
    )
    assert not outcome.imported
    assert "bad.csv row 42: column 'contacts' has 'lots', is not a number" in "\n".join(
        outcome.report.lines()
    )
    assert DROPPED in rebuilt.text  # dropped before the bad row was read, then rolled back
    assert indexes(sqlite_store) == before and rows(sqlite_store) == stored
    assert consistent(sqlite_store)


def test_an_import_over_its_time_after_the_rebuild_leaves_the_indexes_as_before(
    sqlite_store, rebuilt, monkeypatch
):
    before = indexes(sqlite_store)
    late = {"now": 0.0}
    real_restore = store_module._DeferredIndexes.restore

    def restore(self, conn):  # the rebuild takes an hour
        real_restore(self, conn)
        late["now"] = 3600.0

    monkeypatch.setattr(store_module._DeferredIndexes, "restore", restore)
    monkeypatch.setattr("data.validation.time.monotonic", lambda: late["now"])
    with pytest.raises(BudgetExceeded, match="took longer than the 60 s an import may take"):
        import_file(
            sqlite_store,
            "contacts",
            BIG.encode(),
            file_name="slow.csv",
            options=OPT,
            budget=ImportBudget(chunk_rows=5, max_seconds=60),
        )
    assert DROPPED in rebuilt.text
    assert indexes(sqlite_store) == before and rows(sqlite_store) == [] and consistent(sqlite_store)


def test_an_import_smaller_than_the_table_keeps_its_indexes(sqlite_store, rebuilt):
    """Rebuilding costs the whole table: only an import at least as large as it pays."""
    imported(sqlite_store, BIG)
    rebuilt.clear()
    more = HEADER + half_hours("UY", "voice", "2026-02-02 00:00", 12)
    imported(sqlite_store, more)
    assert DROPPED not in rebuilt.text
    assert len(rows(sqlite_store)) == 52 and consistent(sqlite_store)
    # As large as the table again: rebuilt.
    imported(sqlite_store, HEADER + half_hours("DE", "voice", "2026-02-02 00:00", 60))
    assert DROPPED in rebuilt.text
    assert len(rows(sqlite_store)) == 112 and consistent(sqlite_store)


def test_indexes_are_kept_on_every_database_but_sqlite(store, rebuilt):
    """On PostgreSQL ``DROP INDEX`` would lock out every reader for the whole import."""
    outcome = imported(store, BIG)
    assert outcome.result.rows_written == 40
    assert (DROPPED in rebuilt.text) == (store.engine.dialect.name == "sqlite")
    assert len(rows(store)) == 40
    found = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("contacts")}
    assert {"ix_contacts_country", "ix_contacts_ds"} <= found


def test_the_import_has_a_larger_page_cache_and_gives_it_back(sqlite_store, monkeypatch):
    seen: list[int] = []
    real = store_module.insert_frame

    def spying(conn, table, frame, batch_id, **kwargs):
        seen.append(conn.exec_driver_sql("PRAGMA cache_size").scalar())
        return real(conn, table, frame, batch_id, **kwargs)

    monkeypatch.setattr(store_module, "insert_frame", spying)
    with sqlite_store.engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    imported(sqlite_store, BIG)
    refused = BIG + "AR,chat,2026-02-03 00:00,lots\n"
    assert not import_file(
        sqlite_store, "contacts", refused.encode(), file_name="r.csv", options=OPT, budget=SMALL
    ).imported
    assert set(seen) == {-store_module.IMPORT_CACHE_KIB} and len(seen) >= 8
    with sqlite_store.engine.connect() as conn:  # the pool's connection, as it was
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before != seen[0]
