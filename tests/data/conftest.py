"""Fixtures of the data tests: the database they run on."""

from __future__ import annotations

import pytest

import tests.conftest as shared

# The database URL comes from ONE fixture, `database_url`. Branch `pg` defines it in
# tests/conftest.py, parametrised over SQLite and PostgreSQL (CREWCAST_TEST_POSTGRES_URL); this
# fallback, a fresh SQLite file per test, steps aside as soon as that one exists, so the
# tests here run on both databases with no change.
if not hasattr(shared, "database_url"):

    @pytest.fixture
    def database_url(tmp_path) -> str:
        """A fresh SQLite database file for one test."""
        return f"sqlite:///{tmp_path / 'test.db'}"
