"""The real Italian daily calls beside the repository, for tests that plan real data."""

from __future__ import annotations

from pathlib import Path

from data.validation import ReadOptions
from tests.conftest import SHARED_DATA, require_shared_data

ITALIAN_CALLS = SHARED_DATA / "calls_italy" / "case_data_calls.csv"
#: How the file is read: ``date;calls;weekday``, D-M-YYYY dates, one Italian voice queue.
ITALIAN_OPTIONS = ReadOptions(date_order="dmy", default_country="IT", columns={"calls": "contacts"})


def italian_calls() -> Path:
    """The path of the Italian calls; a missing file fails the test in CI (``CI`` set), where
    the data must be present, and skips it elsewhere."""
    require_shared_data()
    return ITALIAN_CALLS
