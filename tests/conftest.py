"""Shared test fixtures: the third-party reference data beside the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def require_shared_data() -> Path:
    """``../shared/data`` (real third-party data). Where it is absent the calling test skips,
    except under CI (the ``CI`` variable set, as CI services do): a golden test must never pass
    there by not running."""
    if not SHARED_DATA.is_dir():
        message = f"reference data folder {SHARED_DATA} is absent (it lives beside the repository)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
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
