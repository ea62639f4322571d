"""Absence types are defined once: the data door and the roster take contracts' list."""

from __future__ import annotations

import contracts
import data.validation
import staffing.roster


def test_absence_types_have_one_definition() -> None:
    assert contracts.ABSENCE_TYPES == ("sick", "vacation", "other")
    assert data.validation.ABSENCE_TYPES is contracts.ABSENCE_TYPES
    assert staffing.roster.ABSENCE_TYPES is contracts.ABSENCE_TYPES
