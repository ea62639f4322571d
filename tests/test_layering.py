"""Streamlit stays in the UI: importing every package must not import it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

from tests.conftest import REPO_ROOT

PACKAGES = ("data", "forecasting", "staffing", "wellbeing", "overview", "formats")


def test_packages_do_not_import_streamlit():
    modules = [
        f"{pkg}.{m.name}"
        for pkg in PACKAGES
        for m in pkgutil.iter_modules([str(REPO_ROOT / pkg)])
        if m.name != "migrations"
    ]
    modules += ["cli", *PACKAGES]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'streamlit' not in sys.modules, [m for m in sys.modules if m.startswith('streamlit')][:3]\n"
        "print(len(" + repr(modules) + "))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10


def test_no_page_file_shadows_a_package():
    # Streamlit puts a page script's folder on sys.path: app_pages/data.py would be imported
    # as the `data` package by the page's own imports, depending on what was imported before.
    pages = {p.stem for p in (REPO_ROOT / "app_pages").glob("*.py")}
    packages = {p.parent.name for p in REPO_ROOT.glob("*/__init__.py")}
    assert not pages & packages, pages & packages
