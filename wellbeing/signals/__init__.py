"""Workload-strain signals: a registry of small rules, each returning rows with reasons.

Every signal has one signature, ``signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame``,
is registered with :func:`register_signal`, and is run by the one loop in
:func:`compute_signals` (the pattern of Prophet's ``register_performance_metric``). A signal
returns only the agents it fires for, one row each (``performance_decline``: one per metric),
with the columns of :data:`SIGNAL_COLUMNS` minus ``family`` (the loop adds it):

``agent_id`` (str), ``signal`` (str), ``severity`` (float, 0 < severity <= 1),
``value`` (float, the measured number), ``threshold`` (float, the rule's threshold) and
``reason`` (a :class:`wellbeing.reasons.Reason`: a code and the numbers behind it, with the
sentence in English; :func:`wellbeing.reasons.word_reason` words it in a reader's locale). A
signal registered elsewhere may give a plain sentence; :func:`compute_signals` keeps it as a
reason without a code, which every reader sees as it is.

These are signs of *workload strain*, never a diagnosis; HR reviews every flag.

One module per signal family (:data:`wellbeing.thresholds.FAMILIES`), each registering its
rules on import: :mod:`~wellbeing.signals.absence`, :mod:`~wellbeing.signals.workload`,
:mod:`~wellbeing.signals.rest`, :mod:`~wellbeing.signals.performance` and
:mod:`~wellbeing.signals.exposure`; the inputs and calendar weeks they share are in
:mod:`~wellbeing.signals.context`, the registry and its loop in
:mod:`~wellbeing.signals.registry`. The families are imported in this order, which is the
order of :data:`SIGNALS` and so the order of tied rows in :func:`compute_signals`' output.

Weeks are calendar weeks starting on Monday; a week counts once it is complete on ``as_of``
(a Sunday ``as_of`` includes its own week). Day-level rules (absence, rest, consecutive days)
use every day up to and including ``as_of``.
"""

from wellbeing.signals.context import (
    ABSENCE_COLUMNS,
    AGENT_COLUMNS,
    HISTORY_WEEKS,
    HOURS_COLUMNS,
    OCCUPANCY_COLUMNS,
    PERFORMANCE_COLUMNS,
    SHIFT_COLUMNS,
    SignalContext,
    WeeklyHours,
    agent_codes,
    format_day,
    last_complete_week_start,
    make_signal_context,
    run_lengths,
    to_day,
    to_days,
    week_start,
    weekly_hours_matrix,
)
from wellbeing.signals.registry import (
    SIGNAL_COLUMNS,
    SIGNALS,
    SignalFunc,
    SignalSpec,
    compute_signals,
    empty_signals,
    ramp,
    register_signal,
    signal_families,
    signal_rows,
)

# The families register their signals on import: keep FAMILIES' order (see above).
# isort: off
from wellbeing.signals.absence import (
    absence_after_heavy_weeks_signal,
    absence_frequency_signal,
    absence_spells,
    absence_window_summary,
    bradford_factor,
    bradford_signal,
    heavy_week_spells,
    long_spells,
    sick_days_signal,
    strain_spells,
)
from wellbeing.signals.workload import (
    average_hours_recent_signal,
    average_hours_reference_signal,
    overtime_streak_signal,
    trailing_average_hours,
)
from wellbeing.signals.rest import consecutive_days_signal, short_rest_signal
from wellbeing.signals.performance import (
    RECENT_LEVEL_WEEKS,
    mann_kendall,
    performance_decline_signal,
    sen_slopes,
    weekly_performance,
)
from wellbeing.signals.exposure import sustained_occupancy_signal
# isort: on

__all__ = [
    "ABSENCE_COLUMNS",
    "AGENT_COLUMNS",
    "HISTORY_WEEKS",
    "HOURS_COLUMNS",
    "OCCUPANCY_COLUMNS",
    "PERFORMANCE_COLUMNS",
    "RECENT_LEVEL_WEEKS",
    "SHIFT_COLUMNS",
    "SIGNALS",
    "SIGNAL_COLUMNS",
    "SignalContext",
    "SignalFunc",
    "SignalSpec",
    "WeeklyHours",
    "absence_after_heavy_weeks_signal",
    "absence_frequency_signal",
    "absence_spells",
    "absence_window_summary",
    "agent_codes",
    "average_hours_recent_signal",
    "average_hours_reference_signal",
    "bradford_factor",
    "bradford_signal",
    "compute_signals",
    "consecutive_days_signal",
    "empty_signals",
    "format_day",
    "heavy_week_spells",
    "last_complete_week_start",
    "long_spells",
    "make_signal_context",
    "mann_kendall",
    "overtime_streak_signal",
    "performance_decline_signal",
    "ramp",
    "register_signal",
    "run_lengths",
    "sen_slopes",
    "short_rest_signal",
    "sick_days_signal",
    "signal_families",
    "signal_rows",
    "strain_spells",
    "sustained_occupancy_signal",
    "to_day",
    "to_days",
    "trailing_average_hours",
    "week_start",
    "weekly_hours_matrix",
    "weekly_performance",
]
