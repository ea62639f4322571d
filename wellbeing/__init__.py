"""Wellbeing: burnout-risk signals, scoring with reasons, and the outlook from staffing gaps."""

from wellbeing.aggregates import (
    TEAM_COLUMNS,
    TEAM_STRAIN_COLUMNS,
    aggregate_teams,
    team_strain_table,
)
from wellbeing.decisions import (
    FlagAction,
    LastFlag,
    count_decisions,
    decide_flag,
    decide_flags,
    is_new_concern,
    order_flags,
)
from wellbeing.drilldown import Drilldown, drilldown_day, make_drilldown
from wellbeing.errors import (
    InvalidTransitionError,
    MissingColumnsError,
    ThresholdError,
    WellbeingInputError,
)
from wellbeing.levels import FLAGGED_LEVELS, LEVEL_ORDER, LEVELS, RiskLevel
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
    "FLAGGED_LEVELS",
    "LEVELS",
    "LEVEL_ORDER",
    "OUTLOOK_COLUMNS",
    "SCORE_COLUMNS",
    "SIGNALS",
    "SIGNAL_COLUMNS",
    "TEAM_COLUMNS",
    "TEAM_STRAIN_COLUMNS",
    "Drilldown",
    "FlagAction",
    "FlagReview",
    "InvalidTransitionError",
    "LastFlag",
    "MissingColumnsError",
    "OvertimeOutlook",
    "Reason",
    "ReviewState",
    "RiskLevel",
    "SignalContext",
    "ThresholdError",
    "Thresholds",
    "WellbeingInputError",
    "absence_window_summary",
    "aggregate_teams",
    "compute_signals",
    "count_decisions",
    "decide_flag",
    "decide_flags",
    "drilldown_day",
    "flags_table",
    "is_new_concern",
    "join_reasons",
    "make_drilldown",
    "make_reason",
    "make_signal_context",
    "order_flags",
    "project_overtime_outlook",
    "reasons_from_json",
    "reasons_to_json",
    "register_signal",
    "replay_reviews",
    "score_burnout_risk",
    "score_signals",
    "team_strain_table",
    "validate_transition",
    "word_reason",
]
