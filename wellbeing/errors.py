"""Typed errors raised by the wellbeing package."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

import contracts


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

    :func:`contracts.checks.require_columns` with the wellbeing error and the frame's name.

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
        If ``frame`` is not a DataFrame or lacks a column; the message names the missing
        columns and the ones the frame has.
    """
    contracts.require_columns(frame, columns, name, error=MissingColumnsError)
