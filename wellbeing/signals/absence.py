"""Absence signals: the Bradford Factor, sick days and spell frequency against the own usual."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wellbeing.errors import WellbeingInputError, require_columns
from wellbeing.reasons import make_reason
from wellbeing.signals.context import ABSENCE_COLUMNS, HISTORY_WEEKS, SignalContext, to_days
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
    join_over_weekends: bool = False,
) -> pd.DataFrame:
    """Join absence records into spells and de-duplicate overlapping days.

    Records of the same agent and type that overlap, touch (the next starts the day after the
    previous ends), are separated by at most ``join_gap_days`` absence-free days or (with
    ``join_over_weekends``) only by Saturdays and Sundays form one spell. Records of different
    types never join.

    Parameters
    ----------
    absences : pandas.DataFrame
        ``agent_id, start_date, end_date, type`` (dates inclusive).
    types : iterable of str, optional
        Keep only these absence types (default: all).
    join_gap_days : int, default 0
        Absence-free days allowed inside a spell, days.
    join_over_weekends : bool, default False
        Join records whose gap holds no weekday (sick on Friday and on Monday: one spell).

    Returns
    -------
    pandas.DataFrame
        One row per record, sorted, with ``agent_id, type, start_date, end_date`` (as
        ``datetime64``), ``spell`` (a spell number, unique over the frame), ``own_start``
        (first day of this record not already covered by an earlier record of the spell) and
        ``spell_start`` and ``spell_end`` (first and last day of the spell) and
        ``spell_working_days`` (weekdays from the spell's first to its last day). Days are counted from ``own_start`` to
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
    if join_over_weekends and len(df):
        after = (prev_end.fillna(df["start_date"]) + pd.Timedelta(days=1)).to_numpy("datetime64[D]")
        before = df["start_date"].to_numpy("datetime64[D]")
        weekdays_between = np.busday_count(after, np.maximum(before, after))
        new_spell &= ~(prev_end.notna().to_numpy() & (weekdays_between == 0))
    spell = new_spell.cumsum().to_numpy()
    own_start = df["start_date"].where(
        prev_end.isna() | (df["start_date"] > prev_end), prev_end + pd.Timedelta(days=1)
    )
    df = df.assign(spell=spell, own_start=own_start)
    df["spell_start"] = df.groupby("spell")["start_date"].transform("min")
    df["spell_end"] = df.groupby("spell")["end_date"].transform("max")
    df["spell_working_days"] = np.busday_count(
        df["spell_start"].to_numpy("datetime64[D]"),
        df["spell_end"].to_numpy("datetime64[D]") + np.timedelta64(1, "D"),
    )
    return df.reset_index(drop=True)


def strain_spells(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """The counted absence records (see :func:`absence_spells`) with a ``long`` column.

    A spell of at least ``th.long_spell_working_days`` weekdays is long: illness, not strain.
    Memoised per context and rule.
    """

    def compute() -> pd.DataFrame:
        recs = absence_spells(
            ctx.absences,
            th.bradford_absence_types,
            th.spell_join_gap_days,
            th.spell_join_over_weekends,
        )
        return recs.assign(long=recs["spell_working_days"] >= th.long_spell_working_days)

    key = (
        "strain_spells",
        th.bradford_absence_types,
        th.spell_join_gap_days,
        th.spell_join_over_weekends,
        th.long_spell_working_days,
    )
    return ctx.memo(key, compute)


def long_spells(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Long spells (illness, not strain) of every agent that touch the Bradford window.

    Parameters
    ----------
    ctx : SignalContext
        Inputs.
    th : Thresholds, optional
        Window, counted absence types, spell rules and ``long_spell_working_days``.

    Returns
    -------
    pandas.DataFrame
        One row per long spell, in agent order then date: ``agent_id`` (str), ``start_date``,
        ``end_date`` (``datetime64``, the spell's first and last day, the end possibly after
        ``as_of``), ``calendar_days`` (int, days), ``working_days`` (int, weekdays) and
        ``ended`` (bool: the person was back by ``as_of``).
    """
    recs = strain_spells(ctx, th)
    window_start = ctx.as_of - np.timedelta64(7 * th.bradford_window_weeks - 1, "D")
    spells = recs[recs["long"]].drop_duplicates("spell")
    first = spells["spell_start"].to_numpy("datetime64[D]")
    last = spells["spell_end"].to_numpy("datetime64[D]")
    keep = (last >= window_start) & (first <= ctx.as_of) & (ctx.codes(spells["agent_id"]) >= 0)
    spells = spells[keep]
    out = pd.DataFrame(
        {
            "agent_id": spells["agent_id"].astype(str).to_numpy(),
            "start_date": spells["spell_start"].to_numpy(),
            "end_date": spells["spell_end"].to_numpy(),
            "calendar_days": (
                (spells["spell_end"] - spells["spell_start"]).dt.days.to_numpy() + 1
            ).astype("int64"),
            "working_days": spells["spell_working_days"].to_numpy().astype("int64"),
            "ended": spells["spell_end"].to_numpy("datetime64[D]") < ctx.as_of,
        }
    )
    order = np.lexsort((out["start_date"].to_numpy(), ctx.codes(out["agent_id"])))
    return out.iloc[order].reset_index(drop=True)


def absence_window_summary(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Short spells, days and Bradford Factor of every agent over the window ending ``as_of``.

    Only ``th.bradford_absence_types`` count, and only spells shorter than
    ``th.long_spell_working_days`` weekdays: a long spell is illness, not strain (see
    :func:`long_spells`). The window is the ``7 * bradford_window_weeks``
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
        recs = strain_spells(ctx, th)
        recs = recs[~recs["long"]]  # a long spell is illness, not strain
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

    key = (
        "absence_window",
        th.bradford_absence_types,
        th.spell_join_gap_days,
        th.spell_join_over_weekends,
        th.long_spell_working_days,
    )
    return ctx.memo((*key, th.bradford_window_weeks), compute)


@register_signal("bradford", family="absence")
def bradford_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Bradford Factor S^2 x D over the rolling window, against the trigger points.

    A level of absence, not a change: for a person without another absence signal (a rise
    against the own usual, spells after heavy weeks) the severity is capped at
    ``th.bradford_alone_max_severity``, below the medium line.
    """
    per_agent = absence_window_summary(ctx, th)
    changed = set(absence_frequency_signal(ctx, th)["agent_id"]) | set(
        absence_after_heavy_weeks_signal(ctx, th)["agent_id"]
    )
    score = per_agent["bradford_factor"].to_numpy()
    triggers = np.asarray(th.bradford_triggers)
    band = np.searchsorted(triggers, score, side="right")  # 0: below the first trigger
    fired = band > 0
    sub = per_agent[fired]
    score, band = score[fired], band[fired]
    threshold = triggers[band - 1]
    alone = ~sub.index.isin(list(changed))
    severity = np.asarray(th.bradford_severities)[band - 1]
    capped = alone & (severity > th.bradford_alone_max_severity)
    severity = np.where(capped, th.bradford_alone_max_severity, severity)
    reasons = [
        make_reason(
            "bradford",
            bradford_factor=b,
            threshold=t,
            window_weeks=th.bradford_window_weeks,
            spells=s,
            days=d,
            types=th.bradford_absence_types,
            long_spell_working_days=th.long_spell_working_days,
            alone=bool(a),
            alone_max_severity=th.bradford_alone_max_severity,
        )
        for b, t, s, d, a in zip(score, threshold, sub["spells"], sub["days"], capped, strict=True)
    ]
    return signal_rows(sub.index, "bradford", severity, score, threshold, reasons)


def sick_days_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Days absent (counted types, short spells) in the rolling window, against a threshold.

    Not registered since strain was told apart from illness: the total of days is what weighs
    long illness (the reason sick-day counts became notorious), and the days of short spells
    are already the D of the Bradford Factor. Kept callable (and its reasons worded) for flags
    stored before, and for anyone who registers it on purpose.
    """
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
            long_spell_working_days=th.long_spell_working_days,
        )
        for d, s in zip(days, per_agent["spells"], strict=True)
    ]
    severity = ramp(days, th.sick_days_threshold, th.sick_days_full)
    return signal_rows(
        per_agent.index, "sick_days", severity, days, th.sick_days_threshold, reasons
    )


@register_signal("absence_frequency", family="absence")
def absence_frequency_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Recent spell frequency against the person's own earlier baseline (quarter, half-year)."""
    return ctx.memo(("absence_frequency", th), lambda: _absence_frequency(ctx, th))


def _absence_frequency(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    recs = strain_spells(ctx, th)
    spells = recs[~recs["long"]].drop_duplicates("spell")[["agent_id", "spell_start"]]
    start = spells["spell_start"].to_numpy("datetime64[D]")
    windows = (
        (th.frequency_recent_weeks, th.frequency_baseline_weeks, th.frequency_min_recent_spells),
        (
            th.frequency_long_recent_weeks,
            th.frequency_long_baseline_weeks,
            th.frequency_long_min_recent_spells,
        ),
    )
    parts = []
    for recent_weeks, baseline_weeks, min_spells in windows:
        recent_from = ctx.as_of - np.timedelta64(7 * recent_weeks - 1, "D")
        base_from = recent_from - np.timedelta64(7 * baseline_weeks, "D")
        recent = (start >= recent_from) & (start <= ctx.as_of)
        base = (start >= base_from) & (start < recent_from)
        counts = (
            pd.DataFrame(
                {"agent_id": spells["agent_id"].to_numpy(), "recent": recent, "base": base}
            )
            .groupby("agent_id")[["recent", "base"]]
            .sum()
        )
        counts = counts[counts.index.isin(ctx.agent_ids)]
        # baseline rate rescaled to the length of the recent window
        base_rate = counts["base"] * recent_weeks / baseline_weeks
        fired = (counts["recent"] >= min_spells) & (
            counts["recent"] >= th.frequency_ratio * base_rate
        )
        counts = counts[fired].assign(
            base_rate=base_rate[fired],
            recent_weeks=recent_weeks,
            baseline_weeks=baseline_weeks,
            min_spells=min_spells,
            severity=ramp(counts["recent"][fired].to_numpy(), min_spells, 2 * min_spells),
        )
        parts.append(counts)
    both = pd.concat(parts)
    # the stronger window per person (ties: the quarter, the first)
    both = both.sort_values("severity", ascending=False, kind="stable")
    both = both[~both.index.duplicated()]
    both = both.iloc[np.argsort(ctx.codes(pd.Series(both.index)), kind="stable")]
    reasons = [
        make_reason(
            "absence_frequency",
            recent_spells=r.recent,
            recent_weeks=r.recent_weeks,
            baseline_spells=r.base_rate,
            baseline_weeks=r.baseline_weeks,
            min_recent_spells=r.min_spells,
            min_ratio=th.frequency_ratio,
            types=th.bradford_absence_types,
            long_spell_working_days=th.long_spell_working_days,
        )
        for r in both.itertuples()
    ]
    return signal_rows(
        both.index,
        "absence_frequency",
        both["severity"],
        both["recent"],
        both["min_spells"],
        reasons,
    )


def heavy_week_spells(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Short spells after heavy weeks, against the share the person's own heavy weeks give by chance.

    A spell *follows a heavy week* when it starts within ``th.heavy_week_spell_days`` days after
    the end (Sunday) of a week with hours at least ``th.heavy_week_share`` (and
    ``th.overtime_min_hours``) over the own contract. Someone who works heavy weeks most of the
    time has most spells "after a heavy week" by chance, so the count is weighed against the
    person's own exposure: ``chance_share`` is the share of their available weekdays in the
    Bradford window (weeks with hours, or in which a counted spell began) on which a spell
    starting would follow a heavy week. ``rate_ratio`` compares the spell rate on those days
    with the rate on the other days:
    ``(spells_after / chance_share) / ((spells - spells_after) / (1 - chance_share))``
    (infinite when every spell followed a heavy week, 0 without any). The rate of the other
    days is the person's own usual: ``other_weeks`` (their available weekdays not after a heavy
    week, in weeks of 5) says how much of it there is to go by.

    Parameters
    ----------
    ctx : SignalContext
        Inputs.
    th : Thresholds, optional
        Window, spell rules and the heavy-week rule.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``agent_id`` in agent order: ``spells`` (int, short spells starting in the
        window), ``spells_after`` (int, of them after a heavy week), ``chance_share`` (float,
        fraction), ``rate_ratio`` (float, dimensionless) and ``other_weeks`` (float, weeks).
    """
    recs = strain_spells(ctx, th)
    window_start = ctx.as_of - np.timedelta64(7 * th.bradford_window_weeks - 1, "D")
    spells = recs[~recs["long"]].drop_duplicates("spell")
    begin = spells["spell_start"].to_numpy("datetime64[D]")
    rows = ctx.codes(spells["agent_id"])
    keep = (begin >= window_start) & (begin <= ctx.as_of) & (rows >= 0)
    begin, rows = begin[keep], rows[keep]
    # the weekly hours the other rules use (52 weeks): a spell in the window's first two
    # weeks cannot look back past its start
    n_weeks = max(HISTORY_WEEKS, th.bradford_window_weeks)
    weekly = ctx.weekly_hours(n_weeks)
    contract = ctx.contract_hours[:, None]
    heavy = weekly.hours >= contract + np.maximum(
        th.heavy_week_share * contract, th.overtime_min_hours
    )
    # heavy weeks among weeks 0..k-1, per agent: a prefix sum with a leading 0 column
    csum = np.pad(np.cumsum(heavy, axis=1), ((0, 0), (1, 0)))
    first = weekly.weeks[0]

    def follows_heavy(day: np.ndarray, row: np.ndarray | slice) -> np.ndarray:
        """Whether a spell starting ``day`` days after ``first`` follows a heavy week."""
        # weeks whose Sunday falls in [day - heavy_week_spell_days, day - 1]
        lo = np.ceil((day - th.heavy_week_spell_days - 6) / 7).astype("int64")
        hi = np.floor((day - 7) / 7).astype("int64")
        lo, hi = np.clip(lo, 0, n_weeks), np.clip(hi + 1, 0, n_weeks)
        return (csum[row, np.maximum(hi, lo)] - csum[row, lo]) > 0

    day = (begin - first).astype("int64")
    n_agents = len(ctx.agent_ids)
    total = np.bincount(rows, minlength=n_agents)
    after = np.bincount(rows[follows_heavy(day, rows)], minlength=n_agents)
    # the chance share: weekdays of the weeks the person was there to fall sick in
    available = ~np.isnan(weekly.hours)
    in_weeks = (day >= 0) & (day < 7 * n_weeks)
    available[rows[in_weeks], day[in_weeks] // 7] = True
    available[:, weekly.weeks + 6 < window_start] = False
    exposed = np.zeros(n_agents)
    for weekday in range(5):  # ``first`` is a Monday
        days = 7 * np.arange(n_weeks) + weekday
        exposed += (follows_heavy(days, slice(None)) & available).sum(axis=1)
    possible = 5 * available.sum(axis=1)
    share = np.divide(exposed, possible, out=np.zeros(n_agents), where=possible > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (after / share) / ((total - after) / (1.0 - share))
    ratio = np.where(after == 0, 0.0, np.where(after == total, np.inf, ratio))
    return pd.DataFrame(
        {
            "spells": total,
            "spells_after": after,
            "chance_share": share,
            "rate_ratio": ratio,
            "other_weeks": (possible - exposed) / 5.0,
        },
        index=ctx.agent_ids,
    )


@register_signal("absence_after_heavy_weeks", family="absence")
def absence_after_heavy_weeks_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Short sick spells that begin soon after overtime weeks, more often than chance would."""
    return ctx.memo(("absence_after_heavy_weeks", th), lambda: _after_heavy_weeks(ctx, th))


def _after_heavy_weeks(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    per = heavy_week_spells(ctx, th)
    fired = (
        (per["spells_after"] >= th.heavy_week_min_spells)
        & (per["rate_ratio"] >= th.heavy_week_min_ratio)
        # without enough ordinary weeks there is no own usual to compare with: someone who
        # works heavy weeks nearly all the time is left to the working-time rules
        & (per["other_weeks"] >= th.heavy_week_min_other_weeks)
    )
    idx = np.flatnonzero(fired.to_numpy())
    per = per[fired]
    reasons = [
        make_reason(
            "absence_after_heavy_weeks",
            spells_after=int(r.spells_after),
            spells=int(r.spells),
            within_days=th.heavy_week_spell_days,
            window_weeks=th.bradford_window_weeks,
            min_spells=th.heavy_week_min_spells,
            min_overtime_hours=max(
                th.heavy_week_share * ctx.contract_hours[i], th.overtime_min_hours
            ),
            contract_hours=ctx.contract_hours[i],
            types=th.bradford_absence_types,
            long_spell_working_days=th.long_spell_working_days,
            chance_share=float(r.chance_share),
            rate_ratio=None if np.isinf(r.rate_ratio) else float(r.rate_ratio),
            min_ratio=th.heavy_week_min_ratio,
            other_weeks=float(r.other_weeks),
            min_other_weeks=th.heavy_week_min_other_weeks,
        )
        for i, r in zip(idx, per.itertuples(), strict=True)
    ]
    after = per["spells_after"].to_numpy()
    severity = ramp(after, th.heavy_week_min_spells, 2 * th.heavy_week_min_spells)
    return signal_rows(
        per.index,
        "absence_after_heavy_weeks",
        severity,
        after,
        th.heavy_week_min_spells,
        reasons,
    )
