"""Typed errors raised by the forecasting package."""

from __future__ import annotations


class ForecastInputError(ValueError):
    """A history, attribute or regressor frame is malformed (NaN, negative, duplicate, unsorted)."""


class NotFittedError(ValueError):
    """``predict`` was called on a forecaster before ``fit``."""


class InsufficientHistoryError(ValueError):
    """A series is too short to forecast (fewer than the minimum number of days)."""
