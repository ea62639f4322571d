"""Workload-strain score per agent: signals combined into a 0..100 score, a level and reasons.

How signals combine
-------------------
1. Every registered signal (:mod:`wellbeing.signals`) that fires gives a severity on (0, 1]:
   0.5 when its rule just fires, rising to 1 at a documented "full" point (e.g. 48 h -> 55 h a
   week; Bradford bands 50/125/400/650 -> 0.25/0.4/0.75/1, ``Thresholds.bradford_severities``).
   An overtime streak stops at 0.75 (8+ weeks): many weeks of modest overtime are a medium
   concern on their own.
2. Within a family (absence, workload, rest, performance, exposure) only the agent's strongest
   signal counts, so near-duplicates (a 4- and a 17-week average) are not counted twice.
3. Families combine as independent pieces of evidence (a "noisy OR"):
   ``score = 100 * (1 - prod_f(1 - weight_f * severity_f))``. One family alone can reach at most
   ``100 * weight_f``; each further family adds to the score without ever passing 100.
4. ``level`` is ``high`` at ``score >= high_score`` (60), ``medium`` at ``>= medium_score`` (30),
   else ``low``. With the default weights: a Bradford Factor alone is low (24 at 125-399, at
   most 27 above: a level of absence without a rise against the own usual or spells after
   heavy weeks is not strain, ``bradford_alone_max_severity``); with such a change 400-649 is
   medium (45) and 650+ high (60); a 17-week
   average of 50 h alone is medium (39, or 45 with the overtime streak it usually comes with);
   Bradford 125 with a 50 h average is medium (53), with a 55 h average high (70); a
   performance decline alone scores 20 (just significant) to 40 (2 SD below the own baseline),
   so it is low unless strong, and otherwise adds to the workload evidence.

Every agent with a score above 0 has at least one reason, and the reasons are the rows that
produced the score: no reason, no flag. After them come context reasons that never count
(:data:`wellbeing.reasons.CONTEXT_CODES`): a flagged person's long absences and a new joiner's
"Not enough history yet (N weeks)". Long spells, new joiners and leave weeks are handled in the
signals and in :func:`score_context`; :func:`evaluate_burnout_risk` adds the non-risk items.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from formats import Formats
from wellbeing.levels import FLAGGED_LEVELS, LEVELS, RiskLevel
from wellbeing.reasons import Reason, make_reason, word_reason
from wellbeing.signals import SignalContext, compute_signals, long_spells, make_signal_context
from wellbeing.thresholds import DEFAULT_THRESHOLDS, FAMILIES, Thresholds

logger = logging.getLogger(__name__)

SCORE_COLUMNS: tuple[str, ...] = ("agent_id", "level", "score", "reasons", "signals")
EXPORT_COLUMNS: tuple[str, ...] = ("agent_id", "level", "score", "reasons")
REASON_SEPARATOR = "; "
#: Families that compare a person with their own history: silent for new joiners.
HISTORY_FAMILIES: frozenset[str] = frozenset({"absence", "performance"})
#: Columns of :attr:`BurnoutEvaluation.check_ins`.
CHECK_IN_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "start_date",
    "end_date",
    "back_on",
    "calendar_days",
    "working_days",
    "item",
)


def score_signals(
    signals: pd.DataFrame,
    agent_ids: pd.Index | list[str],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> pd.DataFrame:
    """Combine signal rows into one score, level and reason list per agent.

    Parameters
    ----------
    signals : pandas.DataFrame
        Output of :func:`wellbeing.signals.compute_signals`.
    agent_ids : pandas.Index or list of str
        Every agent to score, in output order (agents without signals score 0).
    thresholds : Thresholds, optional
        Family weights and level cut-offs.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`: ``agent_id`` (str), ``level`` (``low``/``medium``/
        ``high``), ``score`` (float, 0..100, one decimal), ``reasons`` (list of
        :class:`wellbeing.reasons.Reason`, strongest first) and ``signals`` (list of the signal
        names that fired).
    """
    ids = pd.Index(pd.Series(list(agent_ids), dtype=str), name="agent_id")
    families = list(FAMILIES)
    weights = np.array([thresholds.family_weight(f) for f in families])
    strongest = (
        signals.pivot_table(index="agent_id", columns="family", values="severity", aggfunc="max")
        .reindex(index=ids, columns=families)
        .fillna(0.0)
        .to_numpy(dtype=float)
        if len(signals)
        else np.zeros((len(ids), len(families)))
    )
    score = 100.0 * (1.0 - np.prod(1.0 - weights * np.clip(strongest, 0.0, 1.0), axis=1))
    score = np.round(score, 1)
    level = np.select(
        [score >= thresholds.high_score, score >= thresholds.medium_score],
        [RiskLevel.HIGH.value, RiskLevel.MEDIUM.value],
        default=RiskLevel.LOW.value,
    )
    ordered = signals.sort_values("severity", ascending=False, kind="stable")
    if len(ordered):
        # the detail one click away shows how much each reason weighed in the score
        ordered = ordered.assign(
            reason=[
                _weighed(r, f, sev, thresholds)
                for r, f, sev in zip(
                    ordered["reason"], ordered["family"], ordered["severity"], strict=True
                )
            ]
        )
    grouped = ordered.groupby("agent_id", sort=False)
    reasons = grouped["reason"].agg(list).reindex(ids)
    names = grouped["signal"].agg(lambda s: list(dict.fromkeys(s))).reindex(ids)
    out = pd.DataFrame(
        {
            "agent_id": ids.to_numpy(),
            "level": pd.Categorical(level, categories=[lv.value for lv in LEVELS], ordered=True),
            "score": score,
            "reasons": [r if isinstance(r, list) else [] for r in reasons],
            "signals": [n if isinstance(n, list) else [] for n in names],
        }
    )
    # no reason, no flag: guaranteed by construction (score > 0 only from signal rows)
    unexplained = (out["level"] != RiskLevel.LOW.value) & (out["reasons"].str.len() == 0)
    if unexplained.any():  # pragma: no cover - would be a bug in the combination above
        raise AssertionError(f"flagged without a reason: {out['agent_id'][unexplained].tolist()}")
    return out


def _weighed(reason: Reason, family: str, severity: float, th: Thresholds) -> Reason:
    if not isinstance(reason, Reason) or reason.code is None or family not in FAMILIES:
        return reason
    extra = {
        "family": family,
        "severity": round(float(severity), 4),
        "weight": th.family_weight(family),
    }
    return replace(reason, values={**reason.values, **extra})


def score_burnout_risk(
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    hours: pd.DataFrame,
    performance: pd.DataFrame,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    occupancy: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score every agent's workload strain with the reasons behind it.

    A flag is a prompt for an HR conversation, never a diagnosis or a decision.

    Parameters
    ----------
    agents : pandas.DataFrame
        ``agent_id, contract_hours_per_week`` (hours) and other attributes; one row per agent.
    absences : pandas.DataFrame
        ``agent_id, start_date, end_date, type`` (inclusive dates; type sick/vacation/other).
    hours : pandas.DataFrame
        ``agent_id, date, hours_worked`` (hours per day); optional ``shift_start, shift_end``.
    performance : pandas.DataFrame
        ``agent_id, date, metric, value``.
    as_of : date-like, optional
        Day to compute for (default: the latest date in ``hours``).
    thresholds : Thresholds, optional
        Thresholds, windows, weights and level cut-offs.
    occupancy : pandas.DataFrame, optional
        ``agent_id, week_start, occupancy`` (fraction) from the staffing results.

    Returns
    -------
    pandas.DataFrame
        One row per agent in ``agents`` order with :data:`SCORE_COLUMNS` (see
        :func:`score_signals`). ``attrs["notes"]`` lists how the data limited the signals
        (e.g. skipped metrics); ``attrs["as_of"]`` is the day used.

    Raises
    ------
    MissingColumnsError
        If an input frame lacks a required column.
    WellbeingInputError
        If ``as_of`` is not a date or agent ids repeat.

    Examples
    --------
    >>> scores = score_burnout_risk(agents, absences, hours, performance, "2024-06-30")
    ... # doctest: +SKIP
    >>> flags_table(scores).to_csv("flags.csv", index=False)  # doctest: +SKIP
    """
    ctx = make_signal_context(agents, absences, hours, performance, as_of, occupancy)
    return score_context(ctx, thresholds)


def score_context(ctx: SignalContext, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Run every registered signal on ``ctx`` and score the agents (see :func:`score_burnout_risk`).

    Strain, not illness: long spells never reach a signal (see
    :func:`wellbeing.signals.long_spells`); a flagged person who had one gets it as a context
    reason ("One 24-day absence in March 2024, not counted as strain"), never counted. A new
    joiner (fewer than ``min_history_weeks`` weeks of records) gets no signal from the families
    that compare a person with their own history (absence, performance) and the context reason
    "Not enough history yet (N weeks)". Context reasons come after the counted ones and are not
    in ``signals``.
    """
    signals = compute_signals(ctx, thresholds)
    history = ctx.history_weeks(thresholds.min_history_weeks)
    new = np.isfinite(history) & (history < thresholds.min_history_weeks)
    if new.any() and len(signals):
        joiner = new[ctx.codes(signals["agent_id"])]
        signals = signals[~(joiner & signals["family"].isin(HISTORY_FAMILIES).to_numpy())]
    scores = score_signals(signals, ctx.agent_ids, thresholds)
    context = _context_reasons(ctx, thresholds, scores, new)
    if context:
        scores["reasons"] = [
            reasons + context.get(agent, [])
            for agent, reasons in zip(scores["agent_id"], scores["reasons"], strict=True)
        ]
    scores.attrs["notes"] = list(ctx.notes)
    scores.attrs["as_of"] = pd.Timestamp(ctx.as_of)
    counts = scores["level"].value_counts()
    logger.info(
        "scored %d agents as of %s: %d high, %d medium",
        len(scores),
        ctx.as_of,
        counts.get(RiskLevel.HIGH, 0),
        counts.get(RiskLevel.MEDIUM, 0),
    )
    return scores


def _context_reasons(
    ctx: SignalContext, th: Thresholds, scores: pd.DataFrame, new: np.ndarray
) -> dict[str, list[Reason]]:
    """Context per agent: long absences of flagged people, the status of new joiners."""
    out: dict[str, list[Reason]] = {}
    history = ctx.history_weeks(th.min_history_weeks)
    flagged = set(scores.loc[scores["level"].isin(list(FLAGGED_LEVELS)), "agent_id"])
    spells = long_spells(ctx, th)
    # health data only where it explains a flag (GDPR Art. 9: no more than needed)
    spells = spells[spells["agent_id"].isin(flagged)]
    for agent, group in spells.groupby("agent_id", sort=False):
        items = [
            {"start_date": a, "end_date": b, "calendar_days": c, "working_days": w}
            for a, b, c, w in zip(
                group["start_date"],
                group["end_date"],
                group["calendar_days"],
                group["working_days"],
                strict=True,
            )
        ]
        out.setdefault(str(agent), []).append(
            make_reason(
                "long_absence", spells=items, long_spell_working_days=th.long_spell_working_days
            )
        )
    for i in np.flatnonzero(new):
        out.setdefault(str(ctx.agent_ids[i]), []).append(
            make_reason(
                "not_enough_history",
                weeks=int(history[i]),
                min_weeks=th.min_history_weeks,
            )
        )
    return out


@dataclass(frozen=True)
class BurnoutEvaluation:
    """Everything one evaluation gives HR: the scores and the non-risk items beside them.

    Attributes
    ----------
    scores : pandas.DataFrame
        As :func:`score_burnout_risk` returns them (the flags).
    long_spells : pandas.DataFrame
        Every long spell in the window (:func:`wellbeing.signals.long_spells`): illness, never
        counted as strain. For HR's eyes only, like the flags.
    check_ins : pandas.DataFrame
        Return-to-work check-ins (:data:`CHECK_IN_COLUMNS`; ``item`` a plain-sentence
        :class:`Reason`), one per long spell that ended within ``check_in_weeks`` weeks before
        ``as_of``; empty unless ``Thresholds.return_to_work_check_ins`` is set. Never a flag,
        never in a score.
    """

    scores: pd.DataFrame
    long_spells: pd.DataFrame
    check_ins: pd.DataFrame


def evaluate_burnout_risk(
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    hours: pd.DataFrame,
    performance: pd.DataFrame,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    occupancy: pd.DataFrame | None = None,
) -> BurnoutEvaluation:
    """Score every agent (as :func:`score_burnout_risk`) and list the non-risk items beside.

    Parameters are those of :func:`score_burnout_risk`.

    Returns
    -------
    BurnoutEvaluation
    """
    ctx = make_signal_context(agents, absences, hours, performance, as_of, occupancy)
    scores = score_context(ctx, thresholds)
    spells = long_spells(ctx, thresholds)
    return BurnoutEvaluation(
        scores, spells, return_to_work_check_ins(spells, ctx.as_of, thresholds)
    )


def return_to_work_check_ins(
    spells: pd.DataFrame, as_of: Any, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> pd.DataFrame:
    """Check-in items for people back from a long spell (only if HR turned them on).

    Parameters
    ----------
    spells : pandas.DataFrame
        Output of :func:`wellbeing.signals.long_spells`.
    as_of : date-like
        The evaluation's day.
    thresholds : Thresholds, optional
        ``return_to_work_check_ins`` (the setting) and ``check_in_weeks``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHECK_IN_COLUMNS`; ``back_on`` is the first weekday after the spell.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CHECK_IN_COLUMNS})
    if not thresholds.return_to_work_check_ins or not len(spells):
        return empty
    day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    end = spells["end_date"].to_numpy("datetime64[D]")
    recent = (end < day) & (end >= day - np.timedelta64(7 * thresholds.check_in_weeks, "D"))
    spells = spells[recent]
    if not len(spells):
        return empty
    back_on = np.busday_offset(
        spells["end_date"].to_numpy("datetime64[D]") + np.timedelta64(1, "D"), 0, roll="forward"
    )
    items = [
        make_reason("return_to_work_check_in", back_on=b, calendar_days=c, working_days=w)
        for b, c, w in zip(back_on, spells["calendar_days"], spells["working_days"], strict=True)
    ]
    return pd.DataFrame(
        {
            "agent_id": spells["agent_id"].to_numpy(),
            "start_date": spells["start_date"].to_numpy(),
            "end_date": spells["end_date"].to_numpy(),
            "back_on": pd.to_datetime(back_on),
            "calendar_days": spells["calendar_days"].to_numpy(),
            "working_days": spells["working_days"].to_numpy(),
            "item": pd.Series(items, dtype=object).to_numpy(),
        }
    )


def join_reasons(
    reasons: pd.Series, sep: str = REASON_SEPARATOR, fmt: Formats | None = None
) -> pd.Series:
    """Join each list of reasons into one string (``"; "`` by default; empty list -> ``""``).

    Parameters
    ----------
    reasons : pandas.Series
        Lists of :class:`wellbeing.reasons.Reason` (or of plain sentences).
    sep : str, default "; "
        Separator between reasons.
    fmt : Formats, optional
        Word the reasons with this locale's numbers and dates (the viewer's, on a page).
        Default: the English sentences as stored, for exports and the command line.
    """

    def sentence(item: Reason | str) -> str:
        if fmt is None:
            return str(item)  # a Reason's stored English sentence
        return word_reason(item, fmt)

    return reasons.map(
        lambda items: sep.join(map(sentence, items)) if isinstance(items, list) else str(items)
    )


def flags_table(scores: pd.DataFrame, sep: str = REASON_SEPARATOR) -> pd.DataFrame:
    """The export form of the scores: ``agent_id, level, score, reasons`` with joined reasons.

    The reasons are the English sentences (British number style, ``Bradford Factor 1,000``)
    whatever the reader's locale: exports and the command line are read by programs too.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`score_burnout_risk`.
    sep : str, default "; "
        Separator between reasons.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EXPORT_COLUMNS`, one row per agent, ``level`` as plain strings.
    """
    return pd.DataFrame(
        {
            "agent_id": scores["agent_id"].astype(str),
            "level": scores["level"].astype(str),
            "score": scores["score"].astype(float),
            "reasons": join_reasons(scores["reasons"], sep),
        }
    )
