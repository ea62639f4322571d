"""The input checks every layer shares: required columns of a frame and tiny scalar checks.

One definition of each, so a missing column or a bad setting reads the same wherever it is
caught. Each check takes ``error=``, the caller's own ``ValueError`` subclass (e.g. staffing's
:class:`InvalidParameterError`, wellbeing's ``ThresholdError``, the data door's
``ScheduleError``), so callers keep catching what they caught before.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "InvalidParameterError",
    "check_finite",
    "check_fraction",
    "check_increasing",
    "check_int",
    "check_non_negative",
    "check_non_negative_array",
    "check_positive",
    "check_positive_array",
    "check_positive_int",
    "check_range",
    "require_columns",
]

#: How many of a frame's columns a missing-column message lists before it says "and N more".
_SHOWN_COLUMNS = 20


class InvalidParameterError(ValueError):
    """A parameter is missing, of the wrong type or outside its allowed range."""


def _names(columns: Sequence[Any]) -> str:
    shown = ", ".join(repr(str(c)) for c in columns[:_SHOWN_COLUMNS])
    more = len(columns) - _SHOWN_COLUMNS
    return f"{shown} and {more} more" if more > 0 else shown


def require_columns(
    frame: Any,
    columns: Iterable[str],
    what: str,
    *,
    error: type[ValueError] = ValueError,
) -> None:
    """Raise ``error`` unless ``frame`` is a DataFrame holding every one of ``columns``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check.
    columns : iterable of str
        Columns that must be present (extra columns are allowed).
    what : str
        What the frame is called in the message, e.g. ``"roster"`` or ``"shifts.csv"``.
    error : type of ValueError
        The caller's error class.

    Raises
    ------
    ValueError
        ``error``: if ``frame`` is not a DataFrame, or lacks columns. The message names
        ``what``, every missing column and the columns the frame has, e.g.
        ``roster: missing column(s) 'agent_id'; it has 'date', 'start'``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise error(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = _names(list(frame.columns)) or "no columns"
        raise error(f"{what}: missing column(s) {_names(missing)}; it has {present}")


def check_finite(
    name: str, value: Any, *, error: type[ValueError] = InvalidParameterError
) -> float:
    """Return ``value`` as a float after checking it is a finite real number.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : Any
        The value to check. ``bool`` is rejected although Python treats it as a number:
        ``shrinkage=True`` is a mistake, not 1.0.
    error : type of ValueError
        The caller's error class.

    Returns
    -------
    float
        The value as a Python float.

    Raises
    ------
    ValueError
        ``error``: if the value is a bool, not a real number, NaN or infinite.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise error(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise error(f"{name} must be finite, got {value!r}")
    return out


def check_range(
    name: str,
    value: Any,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    include_low: bool = True,
    include_high: bool = True,
    error: type[ValueError] = InvalidParameterError,
) -> float:
    """Return ``value`` as a float after checking it is finite and between ``low`` and ``high``.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : Any
        The value to check (see :func:`check_finite`).
    low, high : float
        The bounds; an infinite bound is no bound.
    include_low, include_high : bool
        Whether the bounds themselves are allowed.
    error : type of ValueError
        The caller's error class.

    Raises
    ------
    ValueError
        ``error``: if the value is not finite or out of range; the message states the range
        as ``>= 0``, ``> 0`` or ``in [0, 1)``.
    """
    out = check_finite(name, value, error=error)
    low_ok = math.isinf(low) or (out >= low if include_low else out > low)
    high_ok = math.isinf(high) or (out <= high if include_high else out < high)
    if not (low_ok and high_ok):
        raise error(f"{name} must be {_range(low, high, include_low, include_high)}, got {value!r}")
    return out


def _range(low: float, high: float, include_low: bool, include_high: bool) -> str:
    if math.isinf(high):
        return f"{'>=' if include_low else '>'} {low:g}"
    if math.isinf(low):
        return f"{'<=' if include_high else '<'} {high:g}"
    return f"in {'[' if include_low else '('}{low:g}, {high:g}{']' if include_high else ')'}"


def check_positive(
    name: str, value: Any, *, error: type[ValueError] = InvalidParameterError
) -> float:
    """Return ``value`` as a float after checking it is finite and strictly positive.

    Raises
    ------
    ValueError
        ``error``: if the value is not finite or is <= 0.
    """
    return check_range(name, value, low=0.0, include_low=False, error=error)


def check_non_negative(
    name: str, value: Any, *, error: type[ValueError] = InvalidParameterError
) -> float:
    """Return ``value`` as a float after checking it is finite and >= 0.

    Raises
    ------
    ValueError
        ``error``: if the value is not finite or is negative.
    """
    return check_range(name, value, low=0.0, error=error)


def check_fraction(
    name: str,
    value: Any,
    *,
    include_zero: bool = True,
    include_one: bool = True,
    error: type[ValueError] = InvalidParameterError,
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
    error : type of ValueError
        The caller's error class.

    Returns
    -------
    float
        The fraction.

    Raises
    ------
    ValueError
        ``error``: if the value is not finite or lies outside the interval. A value above 1
        gets a hint that fractions are not percentages.
    """
    out = check_finite(name, value, error=error)
    low_ok = out >= 0 if include_zero else out > 0
    high_ok = out <= 1 if include_one else out < 1
    if not (low_ok and high_ok):
        interval = _range(0.0, 1.0, include_zero, include_one)
        hint = " (a fraction, not a percentage: write 0.8 for 80%)" if out > 1 else ""
        raise error(f"{name} must be {interval}, got {value!r}{hint}")
    return out


def check_int(
    name: str, value: Any, *, minimum: int = 1, error: type[ValueError] = InvalidParameterError
) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Raises
    ------
    ValueError
        ``error``: if the value is a bool, not an integer, or below ``minimum``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise error(f"{name} must be an integer, got {value!r}")
    out = int(value)
    if out < minimum:
        raise error(f"{name} must be >= {minimum}, got {value!r}")
    return out


#: The name staffing's callers know: an integer >= 1 unless ``minimum`` says otherwise.
check_positive_int = check_int


def check_increasing(
    names: Sequence[str],
    values: Sequence[float],
    *,
    error: type[ValueError] = InvalidParameterError,
) -> None:
    """Raise ``error`` unless ``values`` increase strictly, naming the first pair out of order.

    Raises
    ------
    ValueError
        ``error``, e.g. ``medium_score (70) must be below high_score (60)``.
    """
    for (n1, v1), (n2, v2) in pairwise(zip(names, values, strict=True)):
        if not v1 < v2:
            raise error(f"{n1} ({v1:g}) must be below {n2} ({v2:g})")


def _as_float_array(name: str, values: Any, error: type[ValueError]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == bool:
        raise error(f"{name} must be numbers, got booleans")
    try:
        out = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must be numbers: {exc}") from exc
    _raise_first(name, ~np.isfinite(out), out, "must be finite", "are NaN or infinite", error)
    return out


def _raise_first(
    name: str,
    bad: np.ndarray,
    out: np.ndarray,
    rule: str,
    problem: str,
    error: type[ValueError],
) -> None:
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise error(
            f"{name} {rule}: {int(bad.sum())} value(s) {problem} "
            f"(first at position {first}: {out.ravel()[first].item()!r})"
        )


def check_non_negative_array(
    name: str, values: Any, *, error: type[ValueError] = InvalidParameterError
) -> np.ndarray:
    """Return ``values`` as a float array after checking every entry is finite and >= 0.

    Raises
    ------
    ValueError
        ``error``, naming how many entries are bad and the first offending position and value.
    """
    out = _as_float_array(name, values, error)
    _raise_first(name, out < 0, out, "must be >= 0", "are negative", error)
    return out


def check_positive_array(
    name: str, values: Any, *, error: type[ValueError] = InvalidParameterError
) -> np.ndarray:
    """Return ``values`` as a float array after checking every entry is finite and > 0.

    Raises
    ------
    ValueError
        ``error``, naming how many entries are bad and the first offending position and value.
    """
    out = _as_float_array(name, values, error)
    _raise_first(name, out <= 0, out, "must be > 0", "are zero or negative", error)
    return out
