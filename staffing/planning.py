"""Glue between the forecast, the requirements and the schedule for the planning pages.

The helpers live in one module per concern; this module re-exports them so callers keep
importing ``staffing.planning``:

- :mod:`staffing.handle_times`: recent handle times, else the planner's setting;
- :mod:`staffing.daily`: a daily forecast split into intervals, and the days it lacks;
- :mod:`staffing.requirement_inputs`: the requirements input from an interval forecast, targets;
- :mod:`staffing.requirement_views`: staff-hours, summaries and what-ifs of requirements;
- :mod:`staffing.coverage`: the staff a schedule puts on each interval against the requirement;
- :mod:`staffing.shift_templates`: the default shift templates and their table form;
- :mod:`staffing.archive`: a zip of export files;
- :mod:`staffing.planning_errors`: their errors.

All are pure frame-in, frame-out helpers: nothing reads or writes files or imports Streamlit.
"""

from __future__ import annotations

from staffing.archive import files_under, zip_files
from staffing.coverage import GAP_COLUMNS, gap_summary, scheduled_vs_required, staff_on_shift
from staffing.daily import (
    FORECAST_GAP_COLUMNS,
    PATTERN_COLUMNS,
    QueueIntervals,
    forecast_gaps,
    intervals_from_daily,
)
from staffing.handle_times import AHT_COLUMNS, HANDLE_TIME_COLUMNS, handle_times, recent_aht
from staffing.planning_errors import MissingHandleTimeError, PlanningInputError
from staffing.requirement_inputs import forecast_to_requirements_input, targets_by_channel
from staffing.requirement_views import (
    requirements_for_week,
    requirements_summary,
    staff_hours,
    what_if_difference,
    with_time_of_day,
)
from staffing.shift_templates import default_shift_templates, templates_to_frame

__all__ = [
    "AHT_COLUMNS",
    "FORECAST_GAP_COLUMNS",
    "GAP_COLUMNS",
    "HANDLE_TIME_COLUMNS",
    "PATTERN_COLUMNS",
    "MissingHandleTimeError",
    "PlanningInputError",
    "QueueIntervals",
    "default_shift_templates",
    "files_under",
    "forecast_gaps",
    "forecast_to_requirements_input",
    "gap_summary",
    "handle_times",
    "intervals_from_daily",
    "recent_aht",
    "requirements_for_week",
    "requirements_summary",
    "scheduled_vs_required",
    "staff_hours",
    "staff_on_shift",
    "targets_by_channel",
    "templates_to_frame",
    "what_if_difference",
    "with_time_of_day",
    "zip_files",
]
