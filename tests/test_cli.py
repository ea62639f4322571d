"""The command line: exit status, messages on stderr, and files that are not the sample."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def run(*args: str, env_dir, database_url: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "CREWCAST_DATA_DIR": str(env_dir)}
    env.pop("CREWCAST_DATABASE_URL", None)
    if database_url:  # else the SQLite file in env_dir
        env["CREWCAST_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "hu_calls.csv"
    good.write_text(
        "Country;Interval Start;Contacts;Channel\nHU;2025-03-14 09:00;12;voice\nHU;2025-03-14 09:30;15;voice\n"
    )
    bad = tmp_path / "broken.csv"
    bad.write_text("country,date,contacts\nAR,2025-01-01,5\nAR,2025-01-02,-1\nZZ,2025-01-03,3\n")
    return good, bad


def test_validate_good_and_bad(files, tmp_path):
    good, bad = files
    ok = run("validate", "contacts", str(good), env_dir=tmp_path / "db")
    assert ok.returncode == 0, ok.stderr
    assert "hu_calls.csv: valid contacts file, 2 rows" in ok.stdout
    rejected = run("validate", "contacts", str(bad), env_dir=tmp_path / "db")
    assert rejected.returncode == 1
    assert "broken.csv row 3: column 'contacts' has '-1', must be at least 0" in rejected.stderr
    assert "broken.csv row 4: column 'country' has 'ZZ', is not a known country" in rejected.stderr
    assert rejected.stdout == ""


def test_import_all_or_nothing(files, tmp_path, database_url):
    good, bad = files
    db = tmp_path / "db"
    rejected = run("import", "contacts", str(bad), env_dir=db, database_url=database_url)
    assert rejected.returncode == 1 and "nothing was imported" in rejected.stderr
    imported = run("import", "contacts", str(good), env_dir=db, database_url=database_url)
    assert imported.returncode == 0, imported.stderr
    # the refused file left nothing: no rows replaced (a batch number may have been spent:
    # PostgreSQL's sequences do not roll back, and a chunked import numbers its batch first)
    assert re.search(r"imported 2 contacts rows as batch \d+\n", imported.stdout)
    assert "replacing" not in imported.stdout
    again = run("import", "contacts", str(good), env_dir=db, database_url=database_url)
    assert "replacing 2 stored rows" in again.stdout


def test_missing_file_and_bad_option(tmp_path):
    missing = run("validate", "traffic", str(tmp_path / "nope.csv"), env_dir=tmp_path / "db")
    assert missing.returncode == 1 and "nope.csv: cannot read the file" in missing.stderr
    wrong = run(
        "validate",
        "traffic",
        str(tmp_path / "nope.csv"),
        "--date-order",
        "ydm",
        env_dir=tmp_path / "db",
    )
    assert wrong.returncode == 2 and "invalid choice: 'ydm'" in wrong.stderr


@pytest.mark.slow
def test_seed_then_refuse_to_seed_twice(tmp_path, database_url):
    from data.store import make_engine

    db = tmp_path / "db"
    seeded = run("-v", "seed", "--no-baseline", env_dir=db, database_url=database_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "[6/6] performance" in seeded.stdout
    assert (db / "sample" / "drift_truth.csv").exists()
    again = run("seed", env_dir=db, database_url=database_url)
    assert again.returncode == 1 and "already holds data" in again.stderr
    password = make_engine(database_url).url.password
    if password:  # seed used to print the URL with it (issue 15)
        assert password not in seeded.stdout + seeded.stderr + again.stdout + again.stderr


def test_validate_says_how_it_read_the_file(files, tmp_path):
    good, _ = files
    ok = run("validate", "contacts", str(good), env_dir=tmp_path / "db")
    assert "read with separator ';' (semicolon), encoding utf-8" in ok.stdout
    assert "interval_start: column 'Interval Start'" in ok.stdout


def test_real_italian_calls_import_without_renaming(shared_data, tmp_path):
    # The export says 'calls'; the import reads it as contacts and says so.
    path = shared_data / "calls_italy" / "case_data_calls.csv"
    imported = run("import", "contacts", str(path), "--default-country", "IT", env_dir=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "imported 1155 contacts rows as batch 1" in imported.stdout
    assert "covering 2013-01-01 to 2016-02-29 for IT" in imported.stdout
    assert "note: column 'calls' read as 'contacts'" in imported.stdout
    missing = run("validate", "contacts", str(path), env_dir=tmp_path)
    assert missing.returncode == 1
    assert "case_data_calls.csv: missing column 'country' (or state a default country)" in (
        missing.stderr
    )
