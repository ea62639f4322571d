"""Shared test fixtures: the third-party reference data beside the repository, and a fresh
database on SQLite and on PostgreSQL for the data and CLI tests."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def in_ci() -> bool:
    """True under CI (the ``CI`` variable set, as CI services do, and not "false" or "0")."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def require_shared_data() -> Path:
    """``../shared/data`` (real third-party data). Where it is absent the calling test skips,
    except under CI (the ``CI`` variable set, as CI services do): a golden test must never pass
    there by not running."""
    if not SHARED_DATA.is_dir():
        message = f"reference data folder {SHARED_DATA} is absent (it lives beside the repository)"
        if in_ci():
            pytest.fail(f"{message}; CI is set, so the tests that read it fail rather than skip")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; see :func:`require_shared_data`."""
    return require_shared_data()


_SPACES = "\u00a0\u2009\u202f "


def plain_text(text: str) -> str:
    """Formatted text as it reads, without the library's choice of spaces: CLDR data (through
    Babel) changes thin, narrow and no-break spaces between releases ("24 – 25 Dec" in Babel
    2.19, "24–25 Dec" before), so a test compares the words and signs, not the whitespace.
    Spaces around a range dash (–) go; any other run of spaces becomes one plain space."""
    text = re.sub(f"[{_SPACES}]*(–)[{_SPACES}]*(?=\\d)", r"\1", text)
    return re.sub(f"[{_SPACES}]+", " ", text)


# --- databases ------------------------------------------------------------------------------------

#: A PostgreSQL server for the tests (``scripts/test.sh`` starts one under CI), as a SQLAlchemy
#: URL whose role may create schemas in its database (and roles, for the ownership test).
POSTGRES_URL_ENV = "CREWCAST_TEST_POSTGRES_URL"


def require_postgres_url() -> str:
    """The test server's URL. Without one the calling test skips, except under CI, where the
    PostgreSQL half of the suite must never pass by not running."""
    url = os.environ.get(POSTGRES_URL_ENV, "")
    if not url:
        message = f"{POSTGRES_URL_ENV} is not set (scripts/test.sh starts a server under CI)"
        if in_ci():
            pytest.fail(f"{message}; CI is set, so the PostgreSQL tests fail rather than skip")
        pytest.skip(message)
    return url


def postgres_admin_engine():
    """An engine on the test server that keeps no connection open between uses."""
    import sqlalchemy as sa

    from data.store import make_engine

    url = make_engine(require_postgres_url()).url
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A URL of a fresh, empty database: a SQLite file in ``directory``, or a schema of its own
    on the test server (``CREWCAST_TEST_POSTGRES_URL``), dropped afterwards with every
    connection into it."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'crewcast.db'}"
        return
    import sqlalchemy as sa

    admin = postgres_admin_engine()
    schema = f"crewcast_test_{secrets.token_hex(6)}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    # Every connection made from this URL works in the schema and is named after it.
    url = admin.url.update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": schema},
            )
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """A fresh database for one test (:func:`fresh_database`), on SQLite and on PostgreSQL. The
    data directory (keys, sample files) is ``tmp_path`` either way."""
    monkeypatch.setenv("CREWCAST_DATA_DIR", str(tmp_path))
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """One fresh database (and data directory) shared by a module's tests, on SQLite and on
    PostgreSQL: for many tests that each must leave the database as they found it (the fuzz
    corpus), where migrating a database per test would cost minutes on PostgreSQL."""
    directory = tmp_path_factory.mktemp("db")
    with pytest.MonkeyPatch.context() as patch, fresh_database(request.param, directory) as url:
        patch.setenv("CREWCAST_DATA_DIR", str(directory))
        yield url, directory
