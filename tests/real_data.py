"""The real Italian daily calls beside the repository, for tests that plan real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data.validation import ReadOptions
from tests.conftest import SHARED_DATA

ITALIAN_CALLS = SHARED_DATA / "calls_italy" / "case_data_calls.csv"
#: How the file is read: ``date;calls;weekday``, D-M-YYYY dates, one Italian voice queue.
ITALIAN_OPTIONS = ReadOptions(date_order="dmy", default_country="IT", columns={"calls": "contacts"})


def italian_calls() -> Path:
    """The path of the Italian calls; a missing file fails the test in CI (``CI`` set), where
    the data must be present, and skips it elsewhere."""
    if not ITALIAN_CALLS.is_file():
        message = f"real data file {ITALIAN_CALLS} is absent (../shared/data beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return ITALIAN_CALLS
