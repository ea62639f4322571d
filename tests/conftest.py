"""Shared test fixtures: the third-party reference data beside the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data`` (real third-party data).

    Where it is absent the test skips on a developer's machine and fails under CI (``CI`` set,
    as ``.ci/run`` does): a golden test that silently stops running is worse than a red run.
    """
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                f"reference data folder {SHARED_DATA} is absent; CI needs it", pytrace=False
            )
        pytest.skip(
            f"reference data folder {SHARED_DATA} is absent (it lives beside the repository)"
        )
    return SHARED_DATA


_SPACES = "\u00a0\u2009\u202f "


def plain_text(text: str) -> str:
    """Formatted text as it reads, without the library's choice of spaces: CLDR data (through
    Babel) changes thin, narrow and no-break spaces between releases ("24 – 25 Dec" in Babel
    2.19, "24–25 Dec" before), so a test compares the words and signs, not the whitespace.
    Spaces around a range dash (–) go; any other run of spaces becomes one plain space."""
    text = re.sub(f"[{_SPACES}]*(–)[{_SPACES}]*(?=\\d)", r"\1", text)
    return re.sub(f"[{_SPACES}]+", " ", text)
