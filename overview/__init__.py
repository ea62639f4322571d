"""The manager's Monday-morning overview: demand against capacity for the coming weeks, holidays,
the staffing gap, the strain covering it would cause, and what to do about it."""

from overview.core import (
    DEFAULT_TARGETS,
    FTE_HOURS,
    WEEK_COLUMNS,
    Action,
    Overview,
    available_hours,
    build_overview,
    fte_per_week,
    holiday_effects,
    in_locale,
)

__all__ = [
    "DEFAULT_TARGETS",
    "FTE_HOURS",
    "WEEK_COLUMNS",
    "Action",
    "Overview",
    "available_hours",
    "build_overview",
    "fte_per_week",
    "holiday_effects",
    "in_locale",
]
