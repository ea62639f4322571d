"""Tiny shared parameter checks that fail when a bad setting is made, not deep inside the maths."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

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


class InvalidParameterError(ValueError):
    """A staffing parameter is missing, of the wrong type or outside its allowed range."""


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking it is a finite real number.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : Any
        The value to check. ``bool`` is rejected although Python treats it as a number:
        ``shrinkage=True`` is a mistake, not 1.0.

    Returns
    -------
    float
        The value as a Python float.

    Raises
    ------
    InvalidParameterError
        If the value is a bool, not a real number, NaN or infinite.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidParameterError(f"{name} must be finite, got {value!r}")
    return out


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking it is finite and strictly positive.

    Raises
    ------
    InvalidParameterError
        If the value is not finite or is <= 0.
    """
    out = check_finite(name, value)
    if out <= 0:
        raise InvalidParameterError(f"{name} must be > 0, got {value!r}")
    return out


def check_non_negative(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking it is finite and >= 0.

    Raises
    ------
    InvalidParameterError
        If the value is not finite or is negative.
    """
    out = check_finite(name, value)
    if out < 0:
        raise InvalidParameterError(f"{name} must be >= 0, got {value!r}")
    return out


def check_fraction(
    name: str,
    value: Any,
    *,
    include_zero: bool = True,
    include_one: bool = True,
) -> float:
    """Return ``value`` as a float after checking it is a fraction (0..1, never percent).

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : Any
        The value to check.
    include_zero, include_one : bool
        Whether the end points 0 and 1 are allowed (e.g. shrinkage may be 0 but not 1;
        maximum occupancy may be 1 but not 0).

    Returns
    -------
    float
        The fraction.

    Raises
    ------
    InvalidParameterError
        If the value is not finite or lies outside the interval. A value above 1 gets a
        hint that fractions are not percentages.
    """
    out = check_finite(name, value)
    low_ok = out >= 0 if include_zero else out > 0
    high_ok = out <= 1 if include_one else out < 1
    if not (low_ok and high_ok):
        interval = f"{'[' if include_zero else '('}0, 1{']' if include_one else ')'}"
        hint = " (a fraction, not a percentage: write 0.8 for 80%)" if out > 1 else ""
        raise InvalidParameterError(f"{name} must be in {interval}, got {value!r}{hint}")
    return out


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Raises
    ------
    InvalidParameterError
        If the value is a bool, not an integer, or below ``minimum``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if out < minimum:
        raise InvalidParameterError(f"{name} must be >= {minimum}, got {value!r}")
    return out


def _as_float_array(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == bool:
        raise InvalidParameterError(f"{name} must be numbers, got booleans")
    try:
        out = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{name} must be numbers: {exc}") from exc
    bad = ~np.isfinite(out)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidParameterError(
            f"{name} must be finite: {int(bad.sum())} value(s) are NaN or infinite "
            f"(first at position {first}: {out.ravel()[first]!r})"
        )
    return out


def check_non_negative_array(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a float array after checking every entry is finite and >= 0.

    Raises
    ------
    InvalidParameterError
        Naming how many entries are bad and the first offending position and value.
    """
    out = _as_float_array(name, values)
    bad = out < 0
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidParameterError(
            f"{name} must be >= 0: {int(bad.sum())} value(s) are negative "
            f"(first at position {first}: {out.ravel()[first]!r})"
        )
    return out


def check_positive_array(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a float array after checking every entry is finite and > 0.

    Raises
    ------
    InvalidParameterError
        Naming how many entries are bad and the first offending position and value.
    """
    out = _as_float_array(name, values)
    bad = out <= 0
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise InvalidParameterError(
            f"{name} must be > 0: {int(bad.sum())} value(s) are zero or negative "
            f"(first at position {first}: {out.ravel()[first]!r})"
        )
    return out
