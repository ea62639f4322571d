"""The account, purge and audit commands: exit codes, messages, and what lands in the database."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import REPO_ROOT

PASSWORD = "correct horse battery"


def run(
    *args: str, data_dir, stdin: str = "", database_url: str | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "CREWCAST_DATA_DIR": str(data_dir)}
    env.pop("CREWCAST_DATABASE_URL", None)
    if database_url:
        env["CREWCAST_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def cli(database_url, tmp_path):
    """``run`` on a fresh database, SQLite or PostgreSQL (the ``database_url`` fixture)."""
    return functools.partial(run, data_dir=tmp_path, database_url=database_url)


def test_user_commands_manage_accounts_and_leave_an_audit_trail(cli, tmp_path):
    added = cli("user", "add", "alice", "--role", "hr", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added alice as hr (signs in with a password)"
    short = cli("user", "add", "bob", "--role", "planner", "--password-stdin",
                stdin="short\n")  # fmt: skip
    assert (short.returncode, short.stderr.strip()) == (
        1,
        "error: a password needs at least 12 characters",
    )
    oidc = cli("user", "add", "carol@example.com", "--role", "manager", "--oidc")
    assert oidc.returncode == 0 and "OIDC only" in oidc.stdout
    bad_role = cli("user", "add", "dan", "--role", "boss", "--oidc")
    assert bad_role.returncode == 2 and "invalid choice: 'boss'" in bad_role.stderr
    assert cli("user", "set-role", "alice", "admin").returncode == 0
    missing = cli("user", "remove", "nobody")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no user 'nobody'")
    listing = cli("user", "list").stdout.splitlines()
    assert listing == ["alice\tadmin\tpassword\t", "carol@example.com\tmanager\toidc\t"]
    out = tmp_path / "audit.csv"
    assert cli("audit", "--out", str(out)).returncode == 0
    log = pd.read_csv(out)
    assert log["action"].tolist() == ["user_add", "user_add", "role_change"]
    assert log["subject"].tolist() == ["alice", "carol@example.com", "alice"]
    assert PASSWORD not in out.read_text()


def test_purge_refuses_a_retention_too_short_and_counts_on_a_dry_run(cli):
    short = cli("purge", "--retention-days", "30")
    assert short.returncode == 2 and "shorter than the 366 days" in short.stderr
    dry = cli("purge", "--dry-run")
    assert dry.returncode == 0
    assert "absences: would delete 0 rows that ended before" in dry.stdout


def test_sample_remove_deletes_the_sample_and_keeps_the_users_own_data(cli, database_url, tmp_path):
    import datetime as dt

    from data.config import Settings
    from data.store import open_store
    from data.validation import ReadOptions

    store = open_store(Settings(tmp_path, database_url))
    options = ReadOptions(today=dt.date(2026, 11, 22))
    for source, body in (
        ("sample", b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n"),
        ("cli", b"country,date,contacts\nIT,2026-10-01,5\n"),
    ):
        report, result = store.import_file(
            "contacts", body, "contacts.csv", options, source_label=source
        )
        assert result is not None, report.messages()
    dry = cli("sample", "remove", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would remove 1 sample imports with their rows")
    assert len(store.load("contacts")) == 3  # a dry run changes nothing
    done = cli("sample", "remove")
    assert done.returncode == 0, done.stderr
    assert "contacts: deleted 2 rows" in done.stdout
    assert store.load("contacts")["country"].tolist() == ["IT"]
    again = cli("sample", "remove")
    assert again.stdout.strip() == "the database holds no sample data; nothing to remove"
    out = tmp_path / "audit.csv"
    assert cli("audit", "--out", str(out)).returncode == 0
    log = pd.read_csv(out)
    assert log["action"].tolist()[-1] == "remove_sample" and log["actor"].tolist()[-1] == "cli"


def test_user_list_without_accounts_names_a_command_that_works_on_a_fresh_machine(cli):
    listing = cli("user", "list")
    assert ".venv/bin/crewcast user add NAME --role admin" in listing.stdout


def test_user_add_and_set_password_refuse_weak_passwords_with_zxcvbns_reason(cli):
    weak = cli("user", "add", "bob", "--role", "planner", "--password-stdin",
               stdin="password1234\n")  # fmt: skip
    assert weak.returncode == 1 and "too easy to guess" in weak.stderr
    assert cli("user", "add", "bob", "--role", "planner", "--password-stdin",
               stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    repeat = cli("user", "set-password", "bob", "--password-stdin",
                 stdin="bobbobbobbobbob\n")  # fmt: skip
    assert repeat.returncode == 1 and "too easy to guess" in repeat.stderr


def test_audit_verify_passes_an_untouched_log_and_catches_a_rewritten_row(cli, database_url):
    cli("user", "add", "carol@example.com", "--role", "manager", "--oidc")
    cli("user", "set-role", "carol@example.com", "admin")
    good = cli("audit", "verify")
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("audit log intact: 2 rows verified; head 2:")
    # An attacker with the file (or the tables' owner role): drop or disable the trigger, make
    # the role change look like a downgrade.
    with sa.create_engine(database_url.replace("postgresql:", "postgresql+psycopg:")).begin() as c:
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
            c.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        c.exec_driver_sql("UPDATE audit_log SET detail = replace(detail, 'admin', 'planner')")
    bad = cli("audit", "verify")
    assert bad.returncode == 1
    assert "audit log BROKEN (edited): row 2 (" in bad.stderr
    assert "1 rows verified before the break" in bad.stderr


def test_exports_are_written_owner_only(tmp_path):
    out = tmp_path / "exports" / "audit.csv"
    assert run("audit", "--out", str(out), data_dir=tmp_path).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "crewcast.db").stat().st_mode & 0o777 == 0o600
    assert "mode 0600" in run("audit", "--help", data_dir=tmp_path).stdout


def test_the_database_password_is_never_printed(cli, database_url):
    """Not by the commands nor their verbose logs, on a server that asks for one."""
    from data.store import make_engine

    password = make_engine(database_url).url.password
    if not password:
        pytest.skip("this database URL carries no password")
    said = [
        cli("-v", "user", "add", "alice", "--role", "admin", "--oidc"),
        cli("-v", "user", "list"),
        cli("-v", "audit", "verify"),
    ]
    for done in said:
        assert done.returncode == 0, done.stderr
        assert password not in done.stdout + done.stderr


def test_a_bad_or_unreachable_database_url_is_refused_without_its_password(tmp_path):
    """A URL that does not parse, and a ``postgresql://`` URL (psycopg serves it) of a server
    that is not there: each said with the password as ***."""
    refused = {
        "postgresql://crewcast:s3cret-Pa55@127.0.0.1:notaport/crewcast": "not a database URL",
        "postgresql://crewcast:s3cret-Pa55@127.0.0.1:1/crewcast": "cannot open the database",
    }
    for url, message in refused.items():
        done = run("-v", "user", "list", data_dir=tmp_path, database_url=url)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "crewcast:***@127.0.0.1" in done.stderr
        assert "s3cret-Pa55" not in done.stdout + done.stderr
