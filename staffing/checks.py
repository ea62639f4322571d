"""Staffing's parameter checks: the shared ones in :mod:`contracts.checks`, under their old names.

Kept so ``from staffing.checks import check_fraction`` goes on working; the definitions, and the
default error :class:`InvalidParameterError`, live once in :mod:`contracts.checks`.
"""

from __future__ import annotations

from contracts.checks import (
    InvalidParameterError,
    check_finite,
    check_fraction,
    check_non_negative,
    check_non_negative_array,
    check_positive,
    check_positive_array,
    check_positive_int,
)

__all__ = [
    "InvalidParameterError",
    "check_finite",
    "check_fraction",
    "check_non_negative",
    "check_non_negative_array",
    "check_positive",
    "check_positive_array",
    "check_positive_int",
]
