"""The audit chain catches rewritten history; REPLACE, UPDATE, DELETE and TRUNCATE are refused;
review history is append-only except together with its flag; files are owner-only."""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import shutil
import subprocess
import threading

import pytest
import sqlalchemy as sa

from data import schema
from data.access import (
    AUDIT_KEY_FILE,
    audit_key,
    audit_key_path,
    pseudonym_key,
    record,
    session_key,
    verify_audit_chain,
)
from data.config import Settings
from data.store import make_engine, open_store

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path):
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'test.db'}"))
    for i in range(6):
        record(store.engine, "cli", "export", f"file{i}.csv", {"rows": i})
    return store


def as_attacker(store, *statements: str) -> None:
    """What someone with the database file can do: drop the triggers, then rewrite."""
    with store.engine.begin() as conn:
        for trigger in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).scalars():
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
        for sql in statements:
            conn.exec_driver_sql(sql)


def test_an_untouched_log_verifies(store):
    report = verify_audit_chain(store.engine)
    assert report.ok and report.rows_checked == 6 and report.head_seq == 6
    assert len(report.head_hash) == 64


def test_an_edited_row_is_found_with_its_id_and_time(store):
    as_attacker(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    brk = verify_audit_chain(store.engine).first_break
    assert (brk.kind, brk.row_id) == ("edited", 3)
    assert "row 3 (" in brk.message and "UTC" in brk.message


def test_a_row_rewritten_with_a_fresh_hash_but_the_wrong_key_is_found(store):
    import hashlib
    import hmac

    from data.access import chain_hash

    with store.engine.connect() as conn:
        row = conn.execute(sa.select(schema.audit_log).where(schema.audit_log.c.id == 2)).one()
    forged = {**row._asdict(), "subject": "nothing.csv"}
    digest = chain_hash(b"a guessed key", row.chain_seq, row.chain_prev, forged)
    assert digest != hmac.new(b"x", b"", hashlib.sha256).hexdigest()
    as_attacker(
        store,
        f"UPDATE audit_log SET subject = 'nothing.csv', chain_hash = '{digest}' WHERE id = 2",
    )
    assert verify_audit_chain(store.engine).first_break.kind == "edited"


def test_a_deleted_row_is_found(store):
    as_attacker(store, "DELETE FROM audit_log WHERE id = 4")
    brk = verify_audit_chain(store.engine).first_break
    assert (brk.kind, brk.row_id) == ("deleted", 5)
    assert "1 row(s) missing" in brk.message


def test_deleted_newest_rows_are_found_from_the_head(store):
    as_attacker(store, "DELETE FROM audit_log WHERE id >= 5")
    brk = verify_audit_chain(store.engine).first_break
    assert brk.kind == "deleted" and "newest 2 row(s)" in brk.message


def test_reordered_rows_are_found(store):
    as_attacker(
        store,
        "UPDATE audit_log SET id = 100 WHERE id = 2",
        "UPDATE audit_log SET id = 2 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 100",
    )
    brk = verify_audit_chain(store.engine).first_break
    assert (brk.kind, brk.row_id) == ("reordered", 2)


def test_a_row_inserted_behind_the_apps_back_is_found(store):
    as_attacker(
        store,
        "INSERT INTO audit_log (at, actor, action) VALUES ('2026-12-01 09:00:00', 'x', 'export')",
    )
    assert verify_audit_chain(store.engine).first_break.kind == "inserted"


@pytest.mark.parametrize("verb", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
def test_replace_of_an_audit_row_is_refused(store, verb):
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"{verb} audit_log (id, at, actor, action) VALUES (2, '2020-01-01', 'x', 'export')"
        )
    assert verify_audit_chain(store.engine).ok


def test_replace_fires_the_delete_trigger_even_without_the_replace_trigger(store):
    """Belt and braces: recursive_triggers is on for every connection the engine opens."""
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_replace")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(
            "REPLACE INTO audit_log (id, at, actor, action) VALUES (2, '2020-01-01', 'x', 'x')"
        )


def test_update_and_delete_of_audit_rows_are_refused(store):
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(sql)
    assert verify_audit_chain(store.engine).ok


def test_concurrent_appenders_never_fork_the_chain(store):
    def append(n: int) -> None:
        engine = make_engine(str(store.engine.url))
        for i in range(10):
            record(engine, f"writer{n}", "export", f"{n}-{i}")
        engine.dispose()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = verify_audit_chain(store.engine)
    assert report.ok and report.rows_checked == 46


# --- review history ---------------------------------------------------------------------------


def flag_with_review(store, flag_id: int) -> None:
    with store.engine.begin() as conn:
        if not conn.execute(sa.select(schema.flag_evaluations.c.id)).first():
            conn.execute(
                schema.flag_evaluations.insert().values(
                    id=1, evaluated_at=NOW, evaluated_by="hana", as_of=NOW.date(),
                    agents_scored=1, flags_raised=1, flags_updated=0, thresholds="{}",
                )
            )  # fmt: skip
        conn.execute(
            schema.wellbeing_flags.insert().values(
                id=flag_id, agent_id="A1", raised_evaluation_id=1, raised_at=NOW,
                state="dismissed", state_changed_at=NOW - dt.timedelta(days=1000),
                as_of=NOW.date(), level="high", score=1.0, reasons="[]", signals="[]",
            )
        )  # fmt: skip
        conn.execute(
            schema.flag_reviews.insert().values(
                flag_id=flag_id, from_state="open", to_state="dismissed", reviewer="hana",
                at=NOW, note="talked it through",
            )
        )  # fmt: skip


def count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_review_history_cannot_be_edited_replaced_or_deleted_alone(store):
    flag_with_review(store, 1)
    rv = schema.flag_reviews
    attempts = [
        lambda c: c.execute(rv.update().values(note="nothing happened")),
        lambda c: c.exec_driver_sql(
            "REPLACE INTO flag_reviews (id, flag_id, from_state, to_state, reviewer, at, note) "
            "VALUES (1, 1, 'open', 'resolved', 'x', '2026-01-01', 'x')"
        ),
        lambda c: c.execute(rv.delete()),  # the review gone, its flag kept: refused at commit
        lambda c: c.exec_driver_sql("INSERT INTO flag_review_guard (id) VALUES (0)"),
    ]
    for attempt in attempts:
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            attempt(conn)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(rv.c.note)).scalars().all() == ["talked it through"]
    assert count(store, schema.flag_review_deletions) == 0


def test_the_retention_purge_still_deletes_old_reviews_with_their_flags(store):
    from data.retention import purge_hr_data

    flag_with_review(store, 1)
    done = purge_hr_data(store, days=730, today=NOW.date())
    assert done.deleted["flag_reviews"] == 1 and done.deleted["wellbeing_flags"] == 1
    assert count(store, schema.flag_reviews) == count(store, schema.flag_review_deletions) == 0
    assert verify_audit_chain(store.engine).ok  # the purge is in the chain


# --- files ------------------------------------------------------------------------------------


def mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_files_crewcast_creates_are_owner_only(tmp_path):
    data_dir = tmp_path / "new" / "data"
    store = open_store(Settings(data_dir, f"sqlite:///{data_dir / 'crewcast.db'}"))
    record(store.engine, "cli", "export", "x.csv")  # writes: -wal and -shm exist now
    session_key(data_dir)
    pseudonym_key(data_dir)
    assert mode(data_dir) == 0o700
    assert audit_key_path(store.engine) == data_dir / AUDIT_KEY_FILE
    files = {p.name: mode(p) for p in data_dir.iterdir()}
    assert {"crewcast.db", "crewcast.db-wal", "crewcast.db-shm", AUDIT_KEY_FILE} <= set(files)
    assert set(files.values()) == {0o600}, files


def test_an_old_world_readable_database_is_tightened_on_open(tmp_path):
    db = tmp_path / "old.db"
    open_store(Settings(tmp_path, f"sqlite:///{db}")).engine.dispose()
    os.chmod(db, 0o644)
    open_store(Settings(tmp_path, f"sqlite:///{db}"))
    assert mode(db) == 0o600


def test_the_audit_key_comes_from_the_environment_when_set(store, monkeypatch):
    file_key = audit_key(store.engine)
    monkeypatch.setenv("CREWCAST_AUDIT_KEY", "another key")
    assert audit_key(store.engine) == b"another key" != file_key
    assert verify_audit_chain(store.engine).first_break.kind == "edited"  # the wrong key


def test_sample_files_are_owner_only(tmp_path):
    from dataclasses import fields

    import pandas as pd

    from data.sample import SampleData, write_sample

    tiny = SampleData(**{f.name: pd.DataFrame({"x": [1]}) for f in fields(SampleData)})
    paths = write_sample(tiny, tmp_path / "sample")
    assert mode(tmp_path / "sample") == 0o700
    assert {mode(p) for p in paths.values()} == {0o600}


# --- PostgreSQL ---------------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("CREWCAST_TEST_POSTGRES_URL", "")


def psql(*sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", POSTGRES_URL, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", "; ".join(sql)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def postgres_schema():
    """The migrations' PostgreSQL DDL applied in a fresh schema by psql.

    The environment has no PostgreSQL driver for Python (the issue's item 7 adds one), so the
    DDL comes from Alembic's offline mode and psql runs it: what is tested is the triggers.
    """
    if not POSTGRES_URL or not shutil.which("psql"):
        pytest.skip("set CREWCAST_TEST_POSTGRES_URL (and have psql) to test on PostgreSQL")
    if psql("SELECT 1").returncode != 0:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL}")
    from alembic import command

    from data.store import _alembic_config

    cfg = _alembic_config("postgresql://offline/crewcast")
    cfg.output_buffer = io.StringIO()
    command.upgrade(cfg, "head", sql=True)
    # Offline mode doubles % for a driver that never sees it (plpgsql's RAISE placeholders).
    ddl = cfg.output_buffer.getvalue().replace("%%", "%")
    name = f"crewcast_test_{secrets.token_hex(4)}"
    setup = subprocess.run(
        ["psql", POSTGRES_URL, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=f"CREATE SCHEMA {name}; SET search_path TO {name};\n{ddl}",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    yield f"SET search_path TO {name}"
    psql(f"DROP SCHEMA {name} CASCADE")


def test_postgres_refuses_truncate_update_delete_and_lone_review_deletions(postgres_schema):
    at = postgres_schema
    seed = psql(
        at,
        "INSERT INTO audit_log (at, actor, action) VALUES (now(), 'cli', 'export')",
        "INSERT INTO flag_evaluations (evaluated_at, evaluated_by, as_of, agents_scored, "
        "flags_raised, flags_updated, thresholds) VALUES (now(), 'h', current_date, 1, 1, 0, '{}')",
        "INSERT INTO wellbeing_flags (id, agent_id, raised_evaluation_id, raised_at, state, "
        "state_changed_at, as_of, level, score, reasons, signals) VALUES (1, 'A1', 1, now(), "
        "'open', now(), current_date, 'high', 1, '[]', '[]')",
        "INSERT INTO flag_reviews (flag_id, from_state, to_state, reviewer, at, note) "
        "VALUES (1, 'open', 'in_review', 'h', now(), 'n')",
    )
    assert seed.returncode == 0, seed.stderr
    refused = {
        "TRUNCATE audit_log": "append-only (TRUNCATE refused)",
        "TRUNCATE flag_reviews": "append-only (TRUNCATE refused)",
        "TRUNCATE audit_log CASCADE": "append-only (TRUNCATE refused)",
        "UPDATE audit_log SET actor = 'x'": "append-only",
        "DELETE FROM audit_log": "append-only",
        "INSERT INTO audit_log (id, at, actor, action) VALUES (1, now(), 'x', 'x') "
        "ON CONFLICT (id) DO UPDATE SET actor = 'x'": "append-only",
        "UPDATE flag_reviews SET note = 'x'": "append-only (UPDATE refused)",
        "DELETE FROM flag_reviews": "deleted only together with its flag",
    }
    for sql, message in refused.items():
        result = psql(at, sql)
        assert result.returncode != 0 and message in result.stderr, (sql, result.stderr)
    # The purge's and sample removal's way: the reviews, then their flag, in one transaction.
    both = psql(at, "BEGIN", "DELETE FROM flag_reviews", "DELETE FROM wellbeing_flags", "COMMIT")
    assert both.returncode == 0, both.stderr
    counts = psql(at, "SELECT (SELECT count(*) FROM audit_log) || ',' || "
                      "(SELECT count(*) FROM flag_reviews)")  # fmt: skip
    assert counts.stdout.strip() == "1,0"


def test_rows_from_before_the_chain_are_counted_apart_and_the_chain_follows(tmp_path):
    from alembic import command

    from data.store import _alembic_config, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:  # a database from before this change, with a history
        cfg = _alembic_config(str(engine.url))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(
            sa.text("INSERT INTO audit_log (at, actor, action) VALUES (:at, 'cli', 'import')"),
            [{"at": NOW}, {"at": NOW}],
        )
    migrate(engine)
    record(engine, "cli", "export", "x.csv")
    report = verify_audit_chain(engine)
    assert report.ok and (report.rows_before_chain, report.rows_checked) == (2, 1)
