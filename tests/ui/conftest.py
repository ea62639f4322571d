"""A seeded database shared by the UI tests (AppTest and the real browser)."""

from __future__ import annotations

import os

import pytest

from data.config import get_settings
from data.sample import seed_store
from data.store import open_store
from overview.baseline import ensure_baseline_forecast


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory):
    """Seed the sample once per test session and point the app at it."""
    directory = tmp_path_factory.mktemp("crewcast-data")
    previous = os.environ.get("CREWCAST_DATA_DIR")
    os.environ["CREWCAST_DATA_DIR"] = str(directory)
    os.environ.pop("CREWCAST_DATABASE_URL", None)
    store = open_store()
    seed_store(store, get_settings().sample_dir)
    ensure_baseline_forecast(store)  # as the app's first start does
    yield directory
    if previous is None:
        os.environ.pop("CREWCAST_DATA_DIR", None)
    else:
        os.environ["CREWCAST_DATA_DIR"] = previous
