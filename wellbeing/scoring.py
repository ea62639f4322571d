"""Workload-strain score per agent: signals combined into a 0..100 score, a level and reasons.

How signals combine
-------------------
1. Every registered signal (:mod:`wellbeing.signals`) that fires gives a severity on (0, 1]:
   0.5 when its rule just fires, rising to 1 at a documented "full" point (e.g. 48 h -> 55 h a
   week; Bradford bands 50/125/400/650 -> 0.25/0.5/0.75/1). An overtime streak stops at 0.75
   (8+ weeks): many weeks of modest overtime are a medium concern on their own.
2. Within a family (absence, workload, rest, performance, exposure) only the agent's strongest
   signal counts, so near-duplicates (a 4- and a 17-week average) are not counted twice.
3. Families combine as independent pieces of evidence (a "noisy OR"):
   ``score = 100 * (1 - prod_f(1 - weight_f * severity_f))``. One family alone can reach at most
   ``100 * weight_f``; each further family adds to the score without ever passing 100.
4. ``level`` is ``high`` at ``score >= high_score`` (60), ``medium`` at ``>= medium_score`` (30),
   else ``low``. With the default weights: a Bradford Factor of 125-399 alone is medium (30),
   650+ alone is high (60); a 17-week average of 50 h alone is medium (39, or 45 with the
   overtime streak it usually comes with); Bradford 125 with a 50 h average is medium (57),
   with a 55 h average high (72); a performance decline alone
   scores 20 (just significant) to 40 (2 SD below the own baseline), so it is low unless strong,
   and otherwise adds to the workload evidence.

Every agent with a score above 0 has at least one reason, and the reasons are the rows that
produced the score: no reason, no flag. Low agents may carry informational reasons.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from formats import Formats
from wellbeing.levels import LEVELS, RiskLevel
from wellbeing.reasons import Reason, word_reason
from wellbeing.signals import SignalContext, compute_signals, make_signal_context
from wellbeing.thresholds import DEFAULT_THRESHOLDS, FAMILIES, Thresholds

logger = logging.getLogger(__name__)

SCORE_COLUMNS: tuple[str, ...] = ("agent_id", "level", "score", "reasons", "signals")
EXPORT_COLUMNS: tuple[str, ...] = ("agent_id", "level", "score", "reasons")
REASON_SEPARATOR = "; "


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
    """Run every registered signal on ``ctx`` and score the agents (see :func:`score_burnout_risk`)."""
    signals = compute_signals(ctx, thresholds)
    scores = score_signals(signals, ctx.agent_ids, thresholds)
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
