"""Wellbeing: burnout-risk signals, scoring with reasons, and the outlook from staffing gaps."""

from wellbeing.aggregates import TEAM_COLUMNS, aggregate_teams
from wellbeing.errors import (
    InvalidTransitionError,
    MissingColumnsError,
    ThresholdError,
    WellbeingInputError,
)
from wellbeing.outlook import OUTLOOK_COLUMNS, OvertimeOutlook, project_overtime_outlook
from wellbeing.reasons import (
    Reason,
    make_reason,
    reasons_from_json,
    reasons_to_json,
    word_reason,
)
from wellbeing.review import (
    ALLOWED_TRANSITIONS,
    FlagReview,
    ReviewState,
    replay_reviews,
    validate_transition,
)
from wellbeing.scoring import (
    EXPORT_COLUMNS,
    SCORE_COLUMNS,
    flags_table,
    join_reasons,
    score_burnout_risk,
    score_signals,
)
from wellbeing.signals import (
    SIGNAL_COLUMNS,
    SIGNALS,
    SignalContext,
    absence_window_summary,
    compute_signals,
    make_signal_context,
    register_signal,
)
from wellbeing.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_THRESHOLDS",
    "EXPORT_COLUMNS",
    "OUTLOOK_COLUMNS",
    "SCORE_COLUMNS",
    "SIGNALS",
    "SIGNAL_COLUMNS",
    "TEAM_COLUMNS",
    "FlagReview",
    "InvalidTransitionError",
    "MissingColumnsError",
    "OvertimeOutlook",
    "Reason",
    "ReviewState",
    "SignalContext",
    "ThresholdError",
    "Thresholds",
    "WellbeingInputError",
    "absence_window_summary",
    "aggregate_teams",
    "compute_signals",
    "flags_table",
    "join_reasons",
    "make_reason",
    "make_signal_context",
    "project_overtime_outlook",
    "reasons_from_json",
    "reasons_to_json",
    "register_signal",
    "replay_reviews",
    "score_burnout_risk",
    "score_signals",
    "validate_transition",
    "word_reason",
]
