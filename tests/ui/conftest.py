"""A seeded database shared by the UI tests (AppTest and the real browser), and databases of
their own for the tests that need other data."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import streamlit as st

from data.config import get_settings
from data.store import Store, open_store
from data.validation import ReadOptions
from services.sample import seed_sample


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory):
    """Seed the sample once per test session and point the app at it."""
    directory = tmp_path_factory.mktemp("crewcast-data")
    previous = os.environ.get("CREWCAST_DATA_DIR")
    os.environ["CREWCAST_DATA_DIR"] = str(directory)
    os.environ.pop("CREWCAST_DATABASE_URL", None)
    seed_sample(open_store())  # as "Explore the sample" does: the sample and the baseline
    yield directory
    if previous is None:
        os.environ.pop("CREWCAST_DATA_DIR", None)
    else:
        os.environ["CREWCAST_DATA_DIR"] = previous


def import_files(store: Store, files: Sequence[tuple[str, bytes]]) -> None:
    """Import ``(kind, content)`` files as from the command line; each must be accepted."""
    for kind, content in files:
        report, result = store.import_file(
            kind, content, f"{kind}.csv", ReadOptions(today=dt.date.today()), source_label="cli"
        )
        assert result is not None, report.lines()


@contextlib.contextmanager
def data_dir_with(
    directory, files: Sequence[tuple[str, bytes]] = (), copy_of: Path | None = None
) -> Iterator[Store]:
    """The app pointed at a fresh database in ``directory`` holding ``files`` (kind, content),
    Streamlit's caches cleared before and after. Without files the app opens on its first-run
    choice (the sample, or an empty start). ``copy_of``: start from a copy of that data directory (e.g. the seeded
    one, for a test that changes it)."""
    previous = os.environ.get("CREWCAST_DATA_DIR")
    if copy_of is not None:
        shutil.copytree(copy_of, directory, dirs_exist_ok=True)
    os.environ["CREWCAST_DATA_DIR"] = str(directory)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        store = open_store(get_settings())
        import_files(store, files)
        yield store
    finally:
        if previous is None:
            os.environ.pop("CREWCAST_DATA_DIR", None)
        else:
            os.environ["CREWCAST_DATA_DIR"] = previous
        st.cache_resource.clear()
        st.cache_data.clear()
