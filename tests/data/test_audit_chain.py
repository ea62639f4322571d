"""The audit chain catches rewritten history; REPLACE, UPDATE, DELETE and TRUNCATE are refused;
review history is append-only except together with its flag; files are owner-only. The chain
and history tests run on SQLite and on PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
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
def store(database_url, tmp_path):
    store = open_store(Settings(tmp_path, database_url))
    for i in range(6):
        record(store.engine, "cli", "export", f"file{i}.csv", {"rows": i})
    return store


@pytest.fixture
def sqlite_store(tmp_path):
    """For what only SQLite has: REPLACE, PRAGMAs, files."""
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'test.db'}"))
    for i in range(6):
        record(store.engine, "cli", "export", f"file{i}.csv", {"rows": i})
    return store


def as_attacker(store, *statements: str) -> None:
    """What someone with the database file (SQLite) or the tables' owner role (PostgreSQL) can
    do: drop or disable the triggers, then rewrite."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
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
def test_replace_of_an_audit_row_is_refused(sqlite_store, verb):
    store = sqlite_store
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"{verb} audit_log (id, at, actor, action) VALUES (2, '2020-01-01', 'x', 'export')"
        )
    assert verify_audit_chain(store.engine).ok


def test_replace_fires_the_delete_trigger_even_without_the_replace_trigger(sqlite_store):
    """Belt and braces: recursive_triggers is on for every connection the engine opens."""
    store = sqlite_store
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_replace")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(
            "REPLACE INTO audit_log (id, at, actor, action) VALUES (2, '2020-01-01', 'x', 'x')"
        )


def test_update_and_delete_of_audit_rows_are_refused(store):
    refused = (sa.exc.IntegrityError, sa.exc.ProgrammingError)  # SQLite's RAISE, PostgreSQL's
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(refused, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(sql)
    assert verify_audit_chain(store.engine).ok


def test_concurrent_appenders_never_fork_the_chain(store):
    def append(n: int) -> None:
        engine = make_engine(store.engine.url)
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


def test_review_history_cannot_be_edited_replaced_or_deleted_alone(sqlite_store):
    store = sqlite_store
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


def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")


def refused_as(engine, sql: str) -> str:
    """Run ``sql`` in a transaction that must fail; the server's message."""
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as conn:
        conn.exec_driver_sql(sql)
    return str(caught.value.orig)


def test_postgres_refuses_truncate_update_delete_and_lone_review_deletions(database_url, tmp_path):
    postgres_only(database_url)
    store = open_store(Settings(tmp_path, database_url))
    record(store.engine, "cli", "export", "x.csv")
    flag_with_review(store, 1)
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
        assert message in refused_as(store.engine, sql), sql
    # The purge's and sample removal's way: the reviews, then their flag, in one transaction.
    with store.engine.begin() as conn:
        conn.execute(schema.flag_reviews.delete())
        conn.execute(schema.wellbeing_flags.delete())
    assert (count(store, schema.audit_log), count(store, schema.flag_reviews)) == (1, 0)
    assert verify_audit_chain(store.engine).ok


@pytest.fixture
def app_role(database_url, tmp_path):
    """The set-up SECURITY.md describes: the tables migrated by the test server's role (their
    owner), the app running as another role holding the grants listed there and no more.
    Yields the app's URL."""
    postgres_only(database_url)
    owner = open_store(Settings(tmp_path, database_url)).engine
    schema_name = owner.url.query["application_name"]
    role, password = f"crewcast_app_{secrets.token_hex(4)}", secrets.token_hex(12)
    grants = [
        f"CREATE ROLE {role} LOGIN PASSWORD '{password}'",
        f"GRANT {role} TO CURRENT_USER",  # PostgreSQL 15: to drop it and its grants afterwards
        f"GRANT USAGE ON SCHEMA {schema_name} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_name} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_name} TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}",
        f"REVOKE UPDATE, TRUNCATE ON flag_reviews FROM {role}",
    ]
    with owner.begin() as conn:
        for sql in grants:
            conn.exec_driver_sql(sql)
    owner.dispose()
    yield owner.url.set(username=role, password=password).render_as_string(hide_password=False)
    with owner.begin() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
            {"r": role},
        )
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")
    owner.dispose()


def test_postgres_app_role_cannot_disable_the_triggers_or_rewrite_history(app_role, tmp_path):
    """Migration 0007's triggers stop only a role that cannot drop or disable them: run as a
    role that does not own the tables, the app works and cannot undo its own history."""
    app = open_store(Settings(tmp_path, app_role))  # migrated already: opening changes nothing
    for i in range(3):
        record(app.engine, "cli", "export", f"file{i}.csv")
    flag_with_review(app, 1)
    attempts = {
        "ALTER TABLE audit_log DISABLE TRIGGER USER": "must be owner",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL": "must be owner",
        "DROP TRIGGER audit_log_no_truncate ON audit_log": "must be owner",
        "ALTER TABLE flag_reviews DISABLE TRIGGER USER": "must be owner",
        "DROP FUNCTION crewcast_refuse_change() CASCADE": "must be owner",
        "DROP TABLE audit_log": "must be owner",
        "ALTER TABLE audit_log OWNER TO CURRENT_USER": "must be owner",
        "TRUNCATE audit_log": "permission denied",
        "UPDATE audit_log SET actor = 'x'": "permission denied",
        "DELETE FROM audit_log": "permission denied",
        "UPDATE flag_reviews SET note = 'x'": "permission denied",
        "TRUNCATE flag_reviews": "permission denied",
        "DELETE FROM flag_reviews": "deleted only together with its flag",
    }
    for sql, message in attempts.items():
        assert message in refused_as(app.engine, sql), sql
    report = verify_audit_chain(app.engine)
    assert report.ok and report.rows_checked == 3
    from data.retention import purge_hr_data

    done = purge_hr_data(app, days=730, today=NOW.date())  # what the app may delete, it can
    assert done.deleted["flag_reviews"] == 1 and done.deleted["wellbeing_flags"] == 1
    assert verify_audit_chain(app.engine).ok


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
