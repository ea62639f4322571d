"""The account, purge and audit commands: exit codes, messages, and what lands in the database."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from tests.conftest import REPO_ROOT

PASSWORD = "correct horse battery"


def run(*args: str, data_dir, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CREWCAST_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_user_commands_manage_accounts_and_leave_an_audit_trail(tmp_path):
    added = run("user", "add", "alice", "--role", "hr", "--password-stdin",
                data_dir=tmp_path, stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added alice as hr (signs in with a password)"
    short = run("user", "add", "bob", "--role", "planner", "--password-stdin",
                data_dir=tmp_path, stdin="short\n")  # fmt: skip
    assert (short.returncode, short.stderr.strip()) == (
        1,
        "error: a password needs at least 12 characters",
    )
    oidc = run("user", "add", "carol@example.com", "--role", "manager", "--oidc", data_dir=tmp_path)
    assert oidc.returncode == 0 and "OIDC only" in oidc.stdout
    bad_role = run("user", "add", "dan", "--role", "boss", "--oidc", data_dir=tmp_path)
    assert bad_role.returncode == 2 and "invalid choice: 'boss'" in bad_role.stderr
    assert run("user", "set-role", "alice", "admin", data_dir=tmp_path).returncode == 0
    missing = run("user", "remove", "nobody", data_dir=tmp_path)
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no user 'nobody'")
    listing = run("user", "list", data_dir=tmp_path).stdout.splitlines()
    assert listing == ["alice\tadmin\tpassword\t", "carol@example.com\tmanager\toidc\t"]
    out = tmp_path / "audit.csv"
    assert run("audit", "--out", str(out), data_dir=tmp_path).returncode == 0
    log = pd.read_csv(out)
    assert log["action"].tolist() == ["user_add", "user_add", "role_change"]
    assert log["subject"].tolist() == ["alice", "carol@example.com", "alice"]
    assert PASSWORD not in out.read_text()


def test_purge_refuses_a_retention_too_short_and_counts_on_a_dry_run(tmp_path):
    short = run("purge", "--retention-days", "30", data_dir=tmp_path)
    assert short.returncode == 2 and "shorter than the 366 days" in short.stderr
    dry = run("purge", "--dry-run", data_dir=tmp_path)
    assert dry.returncode == 0
    assert "absences: would delete 0 rows that ended before" in dry.stdout


def test_sample_remove_deletes_the_sample_and_keeps_the_users_own_data(tmp_path):
    import datetime as dt

    from data.config import Settings
    from data.store import open_store
    from data.validation import ReadOptions

    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    options = ReadOptions(today=dt.date(2026, 11, 22))
    for source, body in (
        ("sample", b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n"),
        ("cli", b"country,date,contacts\nIT,2026-10-01,5\n"),
    ):
        report, result = store.import_file(
            "contacts", body, "contacts.csv", options, source_label=source
        )
        assert result is not None, report.messages()
    dry = run("sample", "remove", "--dry-run", data_dir=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would remove 1 sample imports with their rows")
    assert len(store.load("contacts")) == 3  # a dry run changes nothing
    done = run("sample", "remove", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "contacts: deleted 2 rows" in done.stdout
    assert store.load("contacts")["country"].tolist() == ["IT"]
    again = run("sample", "remove", data_dir=tmp_path)
    assert again.stdout.strip() == "the database holds no sample data; nothing to remove"
    out = tmp_path / "audit.csv"
    assert run("audit", "--out", str(out), data_dir=tmp_path).returncode == 0
    log = pd.read_csv(out)
    assert log["action"].tolist()[-1] == "remove_sample" and log["actor"].tolist()[-1] == "cli"


def test_user_list_without_accounts_names_a_command_that_works_on_a_fresh_machine(tmp_path):
    listing = run("user", "list", data_dir=tmp_path)
    assert ".venv/bin/crewcast user add NAME --role admin" in listing.stdout


def test_user_add_and_set_password_refuse_weak_passwords_with_zxcvbns_reason(tmp_path):
    weak = run("user", "add", "bob", "--role", "planner", "--password-stdin",
               data_dir=tmp_path, stdin="password1234\n")  # fmt: skip
    assert weak.returncode == 1 and "too easy to guess" in weak.stderr
    assert run("user", "add", "bob", "--role", "planner", "--password-stdin",
               data_dir=tmp_path, stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    repeat = run("user", "set-password", "bob", "--password-stdin",
                 data_dir=tmp_path, stdin="bobbobbobbobbob\n")  # fmt: skip
    assert repeat.returncode == 1 and "too easy to guess" in repeat.stderr


def test_audit_verify_passes_an_untouched_log_and_catches_a_rewritten_row(tmp_path):
    import sqlite3

    run("user", "add", "carol@example.com", "--role", "manager", "--oidc", data_dir=tmp_path)
    run("user", "set-role", "carol@example.com", "admin", data_dir=tmp_path)
    good = run("audit", "verify", data_dir=tmp_path)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("audit log intact: 2 rows verified; head 2:")
    # An attacker with the file: drop the trigger, make the role change look like a downgrade.
    with sqlite3.connect(tmp_path / "crewcast.db") as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET detail = replace(detail, 'admin', 'planner')")
    bad = run("audit", "verify", data_dir=tmp_path)
    assert bad.returncode == 1
    assert "audit log BROKEN (edited): row 2 (" in bad.stderr
    assert "1 rows verified before the break" in bad.stderr


def test_exports_are_written_owner_only(tmp_path):
    out = tmp_path / "exports" / "audit.csv"
    assert run("audit", "--out", str(out), data_dir=tmp_path).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "crewcast.db").stat().st_mode & 0o777 == 0o600
    assert "mode 0600" in run("audit", "--help", data_dir=tmp_path).stdout
