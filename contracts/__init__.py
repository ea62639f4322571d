"""Contracts every layer shares: forecast file columns, absence types, input checks.

The lowest package of all (import-linter's layers in pyproject.toml): the data door, which reads
and validates these files, and the domain packages, which write them, both take the names from
here, so a renamed column cannot drift between the writer and the reader.
"""

from contracts.checks import require_columns
from contracts.columns import (
    BAND_80_COLUMNS,
    DAILY_FORECAST_COLUMNS,
    INTERVAL_FORECAST_COLUMNS,
    POINT_COLUMN,
    WIDE_BAND_COLUMNS,
)
from contracts.vocab import ABSENCE_TYPES

__all__ = [
    "ABSENCE_TYPES",
    "BAND_80_COLUMNS",
    "DAILY_FORECAST_COLUMNS",
    "INTERVAL_FORECAST_COLUMNS",
    "POINT_COLUMN",
    "WIDE_BAND_COLUMNS",
    "require_columns",
]
