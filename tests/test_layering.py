"""The import direction holds: the import-linter contract in pyproject.toml, and page files that
never shadow a package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_the_import_contract_holds():
    # the contract is the one definition (pyproject.toml); scripts/test.sh runs it too, this
    # makes a bare `pytest` fail on a wrong-way import as well
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") >= 3


def test_no_page_file_shadows_a_package():
    # Streamlit puts a page script's folder on sys.path: app_pages/data.py would be imported
    # as the `data` package by the page's own imports, depending on what was imported before.
    pages = {p.stem for p in (REPO_ROOT / "app_pages").glob("*.py")}
    packages = {p.parent.name for p in REPO_ROOT.glob("*/__init__.py")}
    assert not pages & packages, pages & packages
