"""Crewcast is a package people can install: a wheel with every package, the migrations and
the ``crewcast`` command (built offline, as ``pip install .`` builds it)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile

from tests.conftest import REPO_ROOT

PACKAGES = (
    "app_pages",
    "contracts",
    "data",
    "forecasting",
    "formats",
    "overview",
    "services",
    "staffing",
    "wellbeing",
)


def test_the_wheel_holds_the_product_and_its_command(tmp_path):
    # built from a copy: setuptools writes build/ and *.egg-info beside the sources
    source = tmp_path / "src"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "build", "*.egg-info", "test-artifacts", "__pycache__"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("crewcast-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry = configparser.ConfigParser()
        entry.read_string(zf.read(info).decode())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert entry["console_scripts"]["crewcast"] == "cli:main"
    assert {"app.py", "cli.py", "serve.py"} <= names
    assert {f"{p}/__init__.py" for p in PACKAGES} <= names
    # the database opens from an installed package: Alembic's script folder comes along
    assert "data/migrations/alembic.ini" in names and "data/migrations/env.py" in names
    shipped = {p for p in (REPO_ROOT / "data/migrations/versions").glob("*.py")}
    assert {f"data/migrations/versions/{p.name}" for p in shipped} <= names
    # one list of dependencies: requirements.txt's names are the package's
    wanted = {
        line.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    required = {
        line.split(":", 1)[1]
        .strip()
        .split(">")[0]
        .split("<")[0]
        .split("=")[0]
        .split(" ")[0]
        .lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert wanted == required
    # PostgreSQL's driver is an extra: pip install "crewcast[postgres]"
    assert "Provides-Extra: postgres" in metadata
    assert any(
        line.startswith("Requires-Dist: psycopg[binary]") and 'extra == "postgres"' in line
        for line in metadata.splitlines()
    )
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_the_command_answers_help():
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: crewcast")
