"""Shared test fixtures: the third-party reference data beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data`` (real third-party data); skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"reference data folder {SHARED_DATA} is absent (it lives beside the repository)"
        )
    return SHARED_DATA
