"""Typed errors raised by the wellbeing package."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


class WellbeingInputError(ValueError):
    """An input frame handed to the wellbeing package is unusable (missing columns, bad dates)."""


class MissingColumnsError(WellbeingInputError):
    """An input frame lacks one or more required columns."""


class ThresholdError(ValueError):
    """A threshold or weight is out of range, not a number, or out of order."""


class InvalidTransitionError(ValueError):
    """An HR review event asks for a state change the review workflow does not allow."""


def require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    """Raise :class:`MissingColumnsError` naming every required column ``frame`` lacks.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check.
    name : str
        What the frame is called in messages, e.g. ``"hours"``.
    columns : iterable of str
        Columns that must be present.

    Raises
    ------
    MissingColumnsError
        If any column is missing; the message lists the missing and the expected columns.
    """
    needed = list(columns)
    if not isinstance(frame, pd.DataFrame):
        raise WellbeingInputError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"{name} frame is missing column(s) {', '.join(repr(c) for c in missing)} "
            f"(needs {', '.join(needed)}; has {', '.join(map(str, frame.columns)) or 'none'})"
        )
