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
