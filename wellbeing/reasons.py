"""Reasons of a flag: what a rule measured (a code and its numbers), worded in a reader's locale.

A signal measures once and records a :class:`Reason`: a stable ``code``, the ``values`` it
measured and compared (JSON-friendly: numbers, ISO dates, lists of str, bools) and ``text``,
the sentence in English with British number style (``Formats()``, en_GB). The text is what
exports, the command line and the database keep; :func:`word_reason` writes the same reason
again in any reader's :class:`formats.Formats` (``Bradford Factor 1,000`` in en_GB,
``Bradford Factor 1.000`` in de_DE). The words stay English; numbers, percentages and dates
follow the locale. Units are joined with a plain space (``48 h``), as the sentences always had.

Codes and their values (counts are whole numbers, hours in hours, shares as fractions,
days as ISO dates ``YYYY-MM-DD``):

=========================  ==========================================================================
code                       values
=========================  ==========================================================================
bradford                   bradford_factor, threshold, window_weeks, spells, days, types,
                           long_spell_working_days, alone (bool: capped, no other absence
                           signal), alone_max_severity
sick_days                  days, spells, window_weeks, threshold_days, types (retired rule)
absence_frequency          recent_spells, recent_weeks, baseline_spells (per recent_weeks),
                           baseline_weeks, min_recent_spells, min_ratio, types
absence_after_heavy_weeks  spells_after, spells, within_days, window_weeks, min_spells,
                           min_overtime_hours, contract_hours, types, chance_share,
                           rate_ratio (None: every spell), min_ratio, other_weeks,
                           min_other_weeks
average_hours_reference,   average_hours, weeks, threshold_hours, weeks_with_hours, last_week
average_hours_recent
overtime_streak            weeks, at_least (bool: the streak fills the history), contract_hours,
                           last_week, average_hours, threshold_weeks, min_overtime_hours,
                           leave_weeks (weeks with leave inside the run, not counted)
short_rest_long_days       days, lookback_weeks, long_day_hours, longest_hours, min_rest_hours,
                           min_count
short_rest_shifts          rests, lookback_weeks, shortest_hours, min_rest_hours
consecutive_days           days, first_day, last_day, threshold_days
performance_decline        metric, rising (bool: worse is higher), slope, slope_low, slope_high (per
                           week), trend_weeks, history_weeks, p_adjusted, fdr_q, recent_weeks,
                           recent, baseline, effect_sd, min_effect_sd (recent, baseline and
                           effect_sd None without a baseline), min_baseline_weeks,
                           steeper_than_share, stable_colleagues, leave_weeks, p_person_adjusted
sustained_occupancy        occupancy_threshold, weeks, last_week, mean_occupancy, threshold_weeks
long_absence (context)     spells (start_date, end_date, calendar_days, working_days each),
                           long_spell_working_days
not_enough_history         weeks, min_weeks (context)
return_to_work_check_in    back_on, calendar_days, working_days (an HR item, never a reason)
=========================  ==========================================================================

A reason that counted in a score also carries ``family``, ``severity`` and ``weight``. The
``text`` is the plain sentence a person reads first; :func:`reason_detail` gives the statistics
behind it (test, slope, p-values, thresholds, weight), one click away on the page.

Reasons stored before codes existed are plain sentences; :func:`reasons_from_json` reads them
as reasons without a code, which every reader sees as stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

from babel import Locale
from babel import dates as babel_dates

from formats import Formats, statements
from formats.statements import ENGLISH, Statement, Wordings

logger = logging.getLogger(__name__)

#: The English sentences kept with every reason (exports, command line, database).
DEFAULT_FORMATS = ENGLISH
#: p-values below this are written as "< 0.0001" (scientific notation reads badly).
SMALLEST_P = 0.0001

#: A flag's reason: a rule that fired (``code``), with its numbers (``values``) and the English
#: sentence (``text``); ``code`` is None for a reason stored as a sentence alone.
Reason = Statement
#: Wording functions by reason code (``@REASON_WORDINGS.register(code)``).
REASON_WORDINGS = Wordings("reason")
register_wording = REASON_WORDINGS.register
#: The statistics behind each reason (test, slope, p-values, thresholds, weight), by code.
REASON_DETAILS = Wordings("reason detail")
register_detail = REASON_DETAILS.register


def make_reason(code: str, **values: Any) -> Reason:
    """A reason with its English sentence (numpy numbers and dates become plain JSON values).

    Raises
    ------
    ValueError
        If no wording is registered for ``code``.
    """
    return REASON_WORDINGS.make(code, **values)


def word_reason(reason: Reason | str, fmt: Formats = DEFAULT_FORMATS) -> str:
    """The reason as a sentence with ``fmt``'s numbers and dates.

    A reason without a code, with a code this version has no wording for, or with values the
    wording cannot read (stored by another version) is shown as stored.

    Examples
    --------
    >>> r = make_reason("bradford", bradford_factor=1000, threshold=650, window_weeks=52,
    ...                 spells=10, days=10, types=["sick"])
    >>> word_reason(r, Formats("de_DE"))
    'Frequent short absences (sick): 10 spells, 10 days in the last 52 weeks, Bradford Factor 1.000 (threshold 650)'
    """
    if not isinstance(reason, Reason):
        return str(reason)
    return REASON_WORDINGS.word(reason.code, reason.values, fmt, reason.text)


def reason_detail(reason: Reason | str, fmt: Formats = DEFAULT_FORMATS) -> str:
    """The statistics behind a reason, one click away from its plain sentence.

    The test's name, the slope, p-values, every threshold and, for a reason that counted in
    a score, its severity and family weight. ``""`` for a reason without a code or a code
    without a detail.

    Examples
    --------
    >>> r = make_reason("bradford", bradford_factor=1000, threshold=650, window_weeks=52,
    ...                 spells=10, days=10, types=["sick"])
    >>> reason_detail(r)  # doctest: +ELLIPSIS
    'Bradford Factor S² × D = 10² × 10 = 1,000 over 52 weeks...'
    """
    if not isinstance(reason, Reason) or not reason.code:
        return ""
    detail = REASON_DETAILS.word(reason.code, reason.values, fmt, "")
    weight = _weight_detail(reason.values, fmt) if isinstance(reason.values, Mapping) else ""
    return "; ".join(part for part in (detail, weight) if part)


def _weight_detail(v: Mapping[str, Any], fmt: Formats) -> str:
    if v.get("weight") is None or v.get("severity") is None:
        return ""
    return (
        f"score: severity {_plain(fmt, v['severity'], 2)} x {v.get('family', '')} weight "
        f"{_plain(fmt, v['weight'], 2)} (up to {_plain(fmt, 100 * v['weight'], 1)} points alone)"
    )


def reason_from_stored(item: object) -> Reason:
    """A reason from its stored form: a dict as :meth:`Reason.to_dict` writes, or a plain
    sentence (rows written before reasons had codes)."""
    return REASON_WORDINGS.from_stored(item)


def reasons_to_json(reasons: Iterable[Reason | str]) -> str:
    """The JSON list stored in ``wellbeing_flags.reasons`` and ``flag_observations.reasons``."""
    return json.dumps([reason_from_stored(r).to_dict() for r in reasons])


def reasons_from_json(text: str | None) -> list[Reason]:
    """Reasons from their stored JSON list (objects, or plain sentences from older rows)."""
    if not text:
        return []
    items = json.loads(text)
    if not isinstance(items, list):
        items = [items]
    return [reason_from_stored(item) for item in items]


# --- number styles -----------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _number(fmt: Formats, value: float, decimals: int = 0) -> str:
    """``fmt.number``, remembered: thresholds, windows and counts repeat in every reason, and
    babel takes some 30 µs a number (2,000 reasons of 5,000 agents: 0.4 s without this)."""
    return fmt.number(value, decimals)


def _decimals_needed(value: float, most: int) -> int:
    """Decimals that show ``value`` rounded to ``most`` places, without trailing zeros."""
    if not math.isfinite(value):
        return 0
    text = f"{value:.{most}f}"
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _plain(fmt: Formats, value: float, most: int = 3) -> str:
    """A threshold or setting as people write it: ``48``, ``37.5``, ``0.05`` (like ``:g``)."""
    value = float(value)
    return _number(fmt, value, _decimals_needed(value, most))


def _significant(fmt: Formats, value: float | None, digits: int = 3, most: int = 6) -> str:
    """``value`` to about ``digits`` significant digits, no trailing zeros (like ``:.3g``)."""
    if value is None:
        return _number(fmt, None)
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return _number(fmt, value)
    places = min(most, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    return _number(fmt, value, _decimals_needed(value, places))


def _signed_significant(fmt: Formats, value: float, digits: int = 3, most: int = 6) -> str:
    """``+10.9`` / ``−0.0727``: signed, to about ``digits`` significant digits."""
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return _number(fmt, value)
    places = min(most, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    return fmt.signed(value, _decimals_needed(value, places))


def _p_value(fmt: Formats, p: float) -> str:
    """``0.0123``; ``< 0.0001`` for smaller ones."""
    if math.isfinite(float(p)) and float(p) < SMALLEST_P:
        return f"< {_plain(fmt, SMALLEST_P, 4)}"
    return _significant(fmt, p)


def _count(fmt: Formats, n: int, word: str) -> str:
    """``1 day``, ``14 days``, ``1,200 days``."""
    n = int(n)
    return f"{_number(fmt, n)} {word if n == 1 else word + 's'}"


def _hours(fmt: Formats, value: float, decimals: int | None = None) -> str:
    """``48 h`` / ``54.0 h``: a plain space, as the sentences have always been written."""
    text = _plain(fmt, value) if decimals is None else _number(fmt, float(value), decimals)
    return f"{text} h"


@cache
def _day_pattern(locale: str) -> str:
    """The locale's day-month-year pattern without the weekday (``d MMM y`` in en_GB)."""
    pattern = Locale.parse(locale).datetime_skeletons.get("yMMMd")
    return str(pattern.pattern if hasattr(pattern, "pattern") else pattern or "medium")


@lru_cache(maxsize=1024)
def _day(fmt: Formats, value: str) -> str:
    """An ISO day as the locale writes it: ``24 Jun 2024`` (en_GB), ``24. Juni 2024`` (de_DE)."""
    day = dt.date.fromisoformat(str(value)[:10])
    return babel_dates.format_date(day, _day_pattern(fmt.locale), locale=fmt.locale)


def _number_style(fmt: Formats, value: float, decimals: str = "0") -> str:
    return _number(fmt, value, int(decimals))


def _plain_style(fmt: Formats, value: float, most: str = "3") -> str:
    return _plain(fmt, value, int(most))


def _count_style(fmt: Formats, n: int, *word: str) -> str:
    return _count(fmt, n, " ".join(word))


def _hours_style(fmt: Formats, value: float, decimals: str | None = None) -> str:
    return _hours(fmt, value, None if decimals is None else int(decimals))


def _slashed(fmt: Formats, items: list[str]) -> str:
    return "/".join(items)


#: How the reasons' templates write a value (besides ``percent``): ``number`` (remembered;
#: optional decimals), ``plain`` (a threshold: ``37.5``), ``count`` (``{spells:count spell}``:
#: ``1 spell``, ``3 spells``), ``hours`` (``48 h``; optional decimals), ``dmy`` (an ISO day,
#: ``24 Jun 2024``) and ``slashed`` (absence types: ``sick/unpaid``).
STYLES = {
    **statements.STYLES,
    "number": _number_style,
    "plain": _plain_style,
    "count": _count_style,
    "hours": _hours_style,
    "dmy": _day,
    "slashed": _slashed,
}


# --- wordings --------------------------------------------------------------------------------

REASON_WORDINGS.register_templates(
    {
        "sick_days": (
            "{days:count day} absent ({types:slashed}) in {spells:count short spell} in the last "
            "{window_weeks:number} weeks (threshold {threshold_days:plain} days)"
        ),
        "absence_frequency": (
            "{recent_spells:count absence spell} ({types:slashed}) in the last "
            "{recent_weeks:number} weeks, against {baseline_spells:number 1} per "
            "{recent_weeks:number} weeks before (threshold: at least {min_recent_spells:number} "
            "and {min_ratio:plain}x the own usual)"
        ),
        ("average_hours_reference", "average_hours_recent"): (
            "Average {average_hours:hours 1} a week over the last {weeks:number} weeks "
            "(threshold {threshold_hours:hours}; {weeks_with_hours:count week} with hours, to "
            "week of {last_week:dmy})"
        ),
        "short_rest_long_days": (
            "{days:count day} in the last {lookback_weeks:number} weeks with more than "
            "{long_day_hours:hours} worked (longest {longest_hours:hours 1}), leaving under "
            "{min_rest_hours:hours} of rest (threshold {min_rest_hours:hours} rest, "
            "{min_count:count occurrence})"
        ),
        "short_rest_shifts": (
            "{rests:count rest} under {min_rest_hours:hours} between shifts in the last "
            "{lookback_weeks:number} weeks (shortest {shortest_hours:hours 1}; threshold "
            "{min_rest_hours:hours})"
        ),
        "consecutive_days": (
            "Worked {days:number} days in a row ({first_day:dmy} to {last_day:dmy}) without a "
            "day off (threshold {threshold_days:number} days)"
        ),
        "sustained_occupancy": (
            "Occupancy above {occupancy_threshold:percent} for {weeks:number} consecutive weeks "
            "to week of {last_week:dmy} (mean {mean_occupancy:percent}; threshold "
            "{threshold_weeks:number} weeks above {occupancy_threshold:percent})"
        ),
        # context: shown to HR with a flag, never counted
        "not_enough_history": "Not enough history yet ({weeks:count week})",
        "return_to_work_check_in": (
            "Return-to-work check-in: back on {back_on:dmy} after a {calendar_days:number}-day "
            "absence (not a risk flag)"
        ),
    },
    STYLES,
)


def _types(v: Mapping[str, Any]) -> str:
    return "/".join(v["types"])


@register_wording("bradford")
def _bradford(v: Mapping[str, Any], fmt: Formats) -> str:
    return (
        f"Frequent short absences ({_types(v)}): {_count(fmt, v['spells'], 'spell')}, "
        f"{_count(fmt, v['days'], 'day')} in the last {_number(fmt, v['window_weeks'])} weeks, "
        f"Bradford Factor {_number(fmt, v['bradford_factor'])} (threshold "
        f"{_plain(fmt, v['threshold'])}"
        + (
            "; no rise against the own usual, so it counts only with other signs)"
            if v.get("alone")
            else ")"
        )
    )


@register_wording("absence_after_heavy_weeks")
def _absence_after_heavy_weeks(v: Mapping[str, Any], fmt: Formats) -> str:
    return (
        f"{_number(fmt, v['spells_after'])} of {_count(fmt, v['spells'], 'short absence')} "
        f"({_types(v)}) in the last {_number(fmt, v['window_weeks'])} weeks began within "
        f"{_number(fmt, v['within_days'])} days after a week of overtime"
        + (
            f"; {fmt.percent(v['chance_share'])} of their working days fall in such a time "
            f"(threshold: {_number(fmt, v['min_spells'])} spells, and "
            f"{_plain(fmt, v['min_ratio'])}x the rate of their other days)"
            if "chance_share" in v
            else f" (threshold {_number(fmt, v['min_spells'])})"
        )
    )


@register_wording("overtime_streak")
def _overtime_streak(v: Mapping[str, Any], fmt: Formats) -> str:
    at_least = "at least " if v["at_least"] else ""
    return (
        f"Worked above contract ({_hours(fmt, v['contract_hours'])}) for {at_least}"
        f"{_number(fmt, v['weeks'])} consecutive weeks to week of {_day(fmt, v['last_week'])}, "
        f"averaging {_hours(fmt, v['average_hours'], 1)} (threshold "
        f"{_number(fmt, v['threshold_weeks'])} weeks at {_hours(fmt, v['min_overtime_hours'])} "
        "or more over contract)"
    ) + (
        f"; {_count(fmt, v['leave_weeks'], 'week')} with leave in between not counted"
        if v.get("leave_weeks")
        else ""
    )


#: How the performance metrics are named in reasons and on the charts.
METRIC_LABELS = {
    "csat": "CSAT",
    "qa_score": "QA score",
    "adherence": "Adherence",
    "fcr": "FCR",
    "nps": "NPS",
    "aht_seconds": "AHT (s)",
    "acw_seconds": "After-call work (s)",
    "hold_seconds": "Hold time (s)",
}


@register_wording("performance_decline")
def _performance_decline(v: Mapping[str, Any], fmt: Formats) -> str:
    metric = str(v["metric"])
    label = METRIC_LABELS.get(metric, metric)
    moved = "risen" if v["rising"] else "fallen"
    text = f"{label} has {moved} over the last {_number(fmt, v['trend_weeks'])} weeks"
    if v.get("baseline") is not None and v.get("recent") is not None:
        text += f", from {_significant(fmt, v['baseline'])} to {_significant(fmt, v['recent'])}"
    else:
        text += f", by {_significant(fmt, abs(float(v['slope'])))} a week"
    share = v.get("steeper_than_share")
    if share is not None:
        text += f" (steeper than {fmt.percent(share)} of stable colleagues)"
    return text


# --- context: shown to HR with a flag, never counted -------------------------------------------


def _month(fmt: Formats, value: str) -> str:
    day = dt.date.fromisoformat(str(value)[:10])
    return babel_dates.format_date(day, "LLLL y", locale=fmt.locale)


@register_wording("long_absence")
def _long_absence(v: Mapping[str, Any], fmt: Formats) -> str:
    spells = list(v["spells"])
    parts = [
        f"{_number(fmt, s['calendar_days'])}-day absence in {_month(fmt, s['start_date'])}"
        for s in spells
    ]
    if len(parts) == 1:
        return f"One {parts[0]}, not counted as strain"
    return f"{len(parts)} long absences ({', '.join(parts)}), not counted as strain"


#: Codes of reasons that are context for HR, never counted in a score.
CONTEXT_CODES: frozenset[str] = frozenset({"long_absence", "not_enough_history"})


def is_context(reason: Reason | str) -> bool:
    """Whether a reason is context shown with a flag (a long absence, a new joiner's status)."""
    return isinstance(reason, Reason) and reason.code in CONTEXT_CODES


# --- details -----------------------------------------------------------------------------------


def _long_spell_rule(v: Mapping[str, Any], fmt: Formats) -> str:
    days = v.get("long_spell_working_days")
    if days is None:
        return ""
    return f"; spells of {_number(fmt, days)} or more working days left out (illness, not strain)"


REASON_DETAILS.register_templates(
    {
        "sick_days": (
            "Days absent ({types:slashed}) in the {window_weeks:number}-week window, each counted "
            "once; fires from {threshold_days:plain} days"
        ),
        "absence_frequency": (
            "Spells starting in the last {recent_weeks:number} weeks against the own rate over "
            "the {baseline_weeks:number} weeks before, rescaled to {recent_weeks:number} weeks; "
            "fires at {min_recent_spells:number} or more spells and {min_ratio:plain}x the "
            "baseline or more"
        ),
    },
    STYLES,
    then=_long_spell_rule,  # the absence rules leave long spells out
)

REASON_DETAILS.register_templates(
    {
        ("average_hours_reference", "average_hours_recent"): (
            "Mean of the weekly hours over {weeks:number} weeks, weeks without hours (leave, "
            "sickness) left out; limit {threshold_hours:hours} (Working Time Directive art. 6); "
            "full severity at 55 h (WHO/ILO 2021)"
        ),
        "overtime_streak": (
            "Overtime measured against the person's own contract ({contract_hours:hours}); a week "
            "counts at {min_overtime_hours:hours} or more over it; fires at "
            "{threshold_weeks:number} weeks in a row"
        ),
        ("short_rest_long_days", "short_rest_shifts"): (
            "Minimum daily rest {min_rest_hours:hours} (Working Time Directive art. 3) over the "
            "last {lookback_weeks:number} weeks"
        ),
        "consecutive_days": (
            "Weekly rest: at most {threshold_days:number} working days in a row (Working Time "
            "Directive art. 5)"
        ),
        "sustained_occupancy": (
            "Weekly occupancy from the staffing results; burnout zone above "
            "{occupancy_threshold:percent} sustained for {threshold_weeks:number} weeks or more"
        ),
        "long_absence": (
            "A spell of {long_spell_working_days:number} or more working days is illness, not "
            "workload strain: it is left out of every absence rule and shown only as context"
        ),
        "not_enough_history": (
            "The absence and performance rules compare a person with their own history and need "
            "{min_weeks:count week}; until then they raise no flag (the working-time limits still "
            "apply)"
        ),
    },
    STYLES,
)


@register_detail("bradford")
def _bradford_detail(v: Mapping[str, Any], fmt: Formats) -> str:
    return (
        f"Bradford Factor S² × D = {_number(fmt, v['spells'])}² × {_number(fmt, v['days'])} = "
        f"{_number(fmt, v['bradford_factor'])} over {_number(fmt, v['window_weeks'])} weeks; "
        f"fires from trigger point {_plain(fmt, v['threshold'])} (counted: {_types(v)})"
        + (
            f"; without a rise against the own usual or spells after heavy weeks at most "
            f"severity {_plain(fmt, v['alone_max_severity'])} (a level of absence, not a change)"
            if "alone_max_severity" in v
            else ""
        )
        + _long_spell_rule(v, fmt)
    )


@register_detail("absence_after_heavy_weeks")
def _absence_after_heavy_weeks_detail(v: Mapping[str, Any], fmt: Formats) -> str:
    return (
        f"A spell counts when it starts within {_number(fmt, v['within_days'])} days after the "
        f"end of a week with at least {_hours(fmt, v['min_overtime_hours'])} over the own "
        f"contract ({_hours(fmt, v['contract_hours'])}); fires from "
        f"{_count(fmt, v['min_spells'], 'such spell')}"
        + (
            f" starting at least {_plain(fmt, v['min_ratio'])}x as often per day in those "
            "times as on the other days (the own share of heavy weeks weighs chance), with at "
            f"least {_count(fmt, v['min_other_weeks'], 'week')} of other days to compare with"
            if "min_ratio" in v
            else ""
        )
        + _long_spell_rule(v, fmt)
    )


@register_detail("performance_decline")
def _performance_decline_detail(v: Mapping[str, Any], fmt: Formats) -> str:
    text = (
        f"Theil-Sen slope {_signed_significant(fmt, v['slope'])} per week over the last "
        f"{_number(fmt, v['trend_weeks'])} weeks ({fmt.percent(0.95)} CI "
        f"{_signed_significant(fmt, v['slope_low'])} to "
        f"{_signed_significant(fmt, v['slope_high'])}); Mann-Kendall trend over "
        f"{_number(fmt, v['history_weeks'])} weeks of own history, BH-adjusted p "
        f"{_p_value(fmt, v['p_adjusted'])} (threshold q = {_plain(fmt, v['fdr_q'])})"
    )
    if v.get("p_person_adjusted") is not None:
        text += (
            f"; with the person's other metrics (Stouffer, empirical null): BH-adjusted p "
            f"{_p_value(fmt, v['p_person_adjusted'])}"
        )
    if v["baseline"] is None:
        text += (
            f"; no own baseline yet (fewer than {_number(fmt, v['min_baseline_weeks'])} "
            "earlier weeks)"
        )
    else:
        text += (
            f"; last {_number(fmt, v['recent_weeks'])} weeks {_significant(fmt, v['recent'])} vs "
            f"own baseline {_significant(fmt, v['baseline'])} ({_number(fmt, v['effect_sd'], 1)} "
            f"SD worse; threshold {_plain(fmt, v['min_effect_sd'])} SD)"
        )
    if v.get("stable_colleagues"):
        text += (
            f"; compared with the Theil-Sen slopes of {_number(fmt, v['stable_colleagues'])} "
            "colleagues whose trend is not significant"
        )
    if v.get("leave_weeks"):
        text += f"; {_count(fmt, v['leave_weeks'], 'leave week')} left out"
    return text
