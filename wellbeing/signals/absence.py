"""Absence signals: the Bradford Factor, sick days and spell frequency against the own usual."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wellbeing.errors import WellbeingInputError, require_columns
from wellbeing.reasons import make_reason
from wellbeing.signals.context import ABSENCE_COLUMNS, SignalContext, to_days
from wellbeing.signals.registry import ramp, register_signal, signal_rows
from wellbeing.thresholds import DEFAULT_THRESHOLDS, Thresholds


def bradford_factor(spells: np.ndarray | int, days: np.ndarray | float) -> np.ndarray | float:
    """Bradford Factor ``S**2 * D``.

    Parameters
    ----------
    spells : int or array
        Separate spells (occasions) of absence, S.
    days : float or array
        Total days absent, D.

    Returns
    -------
    float or numpy.ndarray
        The score (dimensionless); e.g. ten 1-day spells give 1,000, one 10-day spell 10.
    """
    return np.asarray(spells, dtype=float) ** 2 * np.asarray(days, dtype=float)


def absence_spells(
    absences: pd.DataFrame,
    types: Iterable[str] | None = None,
    join_gap_days: int = 0,
) -> pd.DataFrame:
    """Join absence records into spells and de-duplicate overlapping days.

    Records of the same agent and type that overlap, touch (the next starts the day after the
    previous ends) or are separated by at most ``join_gap_days`` absence-free days form one
    spell. Records of different types never join.

    Parameters
    ----------
    absences : pandas.DataFrame
        ``agent_id, start_date, end_date, type`` (dates inclusive).
    types : iterable of str, optional
        Keep only these absence types (default: all).
    join_gap_days : int, default 0
        Absence-free days allowed inside a spell, days.

    Returns
    -------
    pandas.DataFrame
        One row per record, sorted, with ``agent_id, type, start_date, end_date`` (as
        ``datetime64``), ``spell`` (a spell number, unique over the frame), ``own_start``
        (first day of this record not already covered by an earlier record of the spell) and
        ``spell_start`` (first day of the spell). Days are counted from ``own_start`` to
        ``end_date`` so that overlapping records count each day once.
    """
    require_columns(absences, "absences", ABSENCE_COLUMNS)
    frame = absences
    if types is not None:
        frame = frame[frame["type"].isin(list(types))]
    starts = to_days(frame["start_date"], "start_date")
    ends = to_days(frame["end_date"], "end_date")
    bad = ends < starts
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise WellbeingInputError(
            f"absences: end_date {ends[i]} is before start_date {starts[i]} "
            f"(agent_id {frame['agent_id'].iloc[i]!r})"
        )
    df = pd.DataFrame(
        {
            "agent_id": frame["agent_id"].astype(str).to_numpy(),
            "type": frame["type"].astype(str).to_numpy(),
            "start_date": starts,
            "end_date": ends,
        }
    ).sort_values(["agent_id", "type", "start_date", "end_date"], kind="stable")
    keys = [df["agent_id"], df["type"]]
    running_end = df.groupby(keys, sort=False)["end_date"].cummax()
    prev_end = running_end.groupby(keys, sort=False).shift()
    gap = pd.Timedelta(days=join_gap_days + 1)
    new_spell = prev_end.isna() | (df["start_date"] > prev_end + gap)
    spell = new_spell.cumsum().to_numpy()
    own_start = df["start_date"].where(
        prev_end.isna() | (df["start_date"] > prev_end), prev_end + pd.Timedelta(days=1)
    )
    df = df.assign(spell=spell, own_start=own_start)
    df["spell_start"] = df.groupby("spell")["start_date"].transform("min")
    return df.reset_index(drop=True)


def absence_window_summary(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Spells, days and Bradford Factor of every agent over the rolling window ending ``as_of``.

    Only ``th.bradford_absence_types`` count. The window is the ``7 * bradford_window_weeks``
    days ending on ``as_of`` (364 days: 2023-07-03..2024-06-30 for ``as_of`` 2024-06-30). A
    spell counts if any of its days falls inside; only the days inside count (a spell running
    past either edge is cut there). Days are calendar days, each counted once.

    Parameters
    ----------
    ctx : SignalContext
        Inputs.
    th : Thresholds, optional
        Window, absence types and spell-joining rule.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``agent_id`` in agent order, columns ``spells`` (int), ``days`` (int, days)
        and ``bradford_factor`` (float); zeros for agents without absence.
    """

    def compute() -> pd.DataFrame:
        recs = absence_spells(ctx.absences, th.bradford_absence_types, th.spell_join_gap_days)
        window_start = ctx.as_of - np.timedelta64(7 * th.bradford_window_weeks - 1, "D")
        first = np.maximum(recs["own_start"].to_numpy("datetime64[D]"), window_start)
        last = np.minimum(recs["end_date"].to_numpy("datetime64[D]"), ctx.as_of)
        days = np.maximum((last - first).astype("int64") + 1, 0)
        recs = recs.assign(days=days)
        recs = recs[recs["days"] > 0]
        per_agent = (
            recs.groupby("agent_id")
            .agg(spells=("spell", "nunique"), days=("days", "sum"))
            .reindex(ctx.agent_ids, fill_value=0)
            .astype("int64")
        )
        per_agent["bradford_factor"] = bradford_factor(per_agent["spells"], per_agent["days"])
        return per_agent

    key = ("absence_window", th.bradford_absence_types, th.spell_join_gap_days)
    return ctx.memo((*key, th.bradford_window_weeks), compute)


@register_signal("bradford", family="absence")
def bradford_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Bradford Factor S^2 x D over the rolling window, against the trigger points."""
    per_agent = absence_window_summary(ctx, th)
    score = per_agent["bradford_factor"].to_numpy()
    triggers = np.asarray(th.bradford_triggers)
    band = np.searchsorted(triggers, score, side="right")  # 0: below the first trigger
    fired = band > 0
    sub = per_agent[fired]
    score, band = score[fired], band[fired]
    threshold = triggers[band - 1]
    reasons = [
        make_reason(
            "bradford",
            bradford_factor=b,
            threshold=t,
            window_weeks=th.bradford_window_weeks,
            spells=s,
            days=d,
            types=th.bradford_absence_types,
        )
        for b, t, s, d in zip(score, threshold, sub["spells"], sub["days"], strict=True)
    ]
    return signal_rows(sub.index, "bradford", band / len(triggers), score, threshold, reasons)


@register_signal("sick_days", family="absence")
def sick_days_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Days absent (counted types) in the rolling window, against a days threshold."""
    per_agent = absence_window_summary(ctx, th)
    per_agent = per_agent[per_agent["days"] >= th.sick_days_threshold]
    days = per_agent["days"].to_numpy(dtype=float)
    reasons = [
        make_reason(
            "sick_days",
            days=int(d),
            spells=s,
            window_weeks=th.bradford_window_weeks,
            threshold_days=th.sick_days_threshold,
            types=th.bradford_absence_types,
        )
        for d, s in zip(days, per_agent["spells"], strict=True)
    ]
    severity = ramp(days, th.sick_days_threshold, th.sick_days_full)
    return signal_rows(
        per_agent.index, "sick_days", severity, days, th.sick_days_threshold, reasons
    )


@register_signal("absence_frequency", family="absence")
def absence_frequency_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Recent spell frequency against the person's own earlier baseline."""
    recs = absence_spells(ctx.absences, th.bradford_absence_types, th.spell_join_gap_days)
    spells = recs.drop_duplicates("spell")[["agent_id", "spell_start"]]
    start = spells["spell_start"].to_numpy("datetime64[D]")
    recent_from = ctx.as_of - np.timedelta64(7 * th.frequency_recent_weeks - 1, "D")
    base_from = recent_from - np.timedelta64(7 * th.frequency_baseline_weeks, "D")
    recent = (start >= recent_from) & (start <= ctx.as_of)
    base = (start >= base_from) & (start < recent_from)
    counts = (
        pd.DataFrame({"agent_id": spells["agent_id"].to_numpy(), "recent": recent, "base": base})
        .groupby("agent_id")[["recent", "base"]]
        .sum()
    )
    counts = counts[counts.index.isin(ctx.agent_ids)]
    # baseline rate rescaled to the length of the recent window
    base_rate = counts["base"] * th.frequency_recent_weeks / th.frequency_baseline_weeks
    fired = (counts["recent"] >= th.frequency_min_recent_spells) & (
        counts["recent"] >= th.frequency_ratio * base_rate
    )
    counts, base_rate = counts[fired], base_rate[fired]
    reasons = [
        make_reason(
            "absence_frequency",
            recent_spells=r,
            recent_weeks=th.frequency_recent_weeks,
            baseline_spells=b,
            baseline_weeks=th.frequency_baseline_weeks,
            min_recent_spells=th.frequency_min_recent_spells,
            min_ratio=th.frequency_ratio,
            types=th.bradford_absence_types,
        )
        for r, b in zip(counts["recent"], base_rate, strict=True)
    ]
    severity = ramp(
        counts["recent"].to_numpy(),
        th.frequency_min_recent_spells,
        2 * th.frequency_min_recent_spells,
    )
    return signal_rows(
        counts.index,
        "absence_frequency",
        severity,
        counts["recent"],
        th.frequency_min_recent_spells,
        reasons,
    )
