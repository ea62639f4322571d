"""Working-time signals: average weekly hours against the 48 h cap, and overtime streaks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from wellbeing.reasons import make_reason
from wellbeing.signals.context import HISTORY_WEEKS, SignalContext
from wellbeing.signals.registry import ramp, register_signal, signal_rows
from wellbeing.thresholds import Thresholds


def trailing_average_hours(hours: np.ndarray, n_weeks: int, min_share: float) -> np.ndarray:
    """Trailing average over ``n_weeks`` weeks at every week, leaving out weeks without hours.

    Parameters
    ----------
    hours : numpy.ndarray
        Weekly hours ``(n_agents, n_total_weeks)``, NaN for weeks without hours.
    n_weeks : int
        Reference period, weeks.
    min_share : float
        Fraction of the period that must have hours; otherwise the result is NaN.

    Returns
    -------
    numpy.ndarray
        Same shape as ``hours``: the average weekly hours over the ``n_weeks`` weeks ending at
        each column, hours (NaN where too few of those weeks have hours).
    """
    have = np.isfinite(hours)
    pad = ((0, 0), (1, 0))
    csum = np.pad(np.cumsum(np.where(have, hours, 0.0), axis=1), pad)
    ccount = np.pad(np.cumsum(have, axis=1), pad)
    end = np.arange(1, hours.shape[1] + 1)
    start = np.maximum(end - n_weeks, 0)
    total = csum[:, end] - csum[:, start]
    count = ccount[:, end] - ccount[:, start]
    need = max(1, math.ceil(min_share * n_weeks))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= need, total / count, np.nan)


def _average_hours_signal(
    ctx: SignalContext, th: Thresholds, n_weeks: int, name: str
) -> pd.DataFrame:
    weekly = ctx.weekly_hours(max(HISTORY_WEEKS, n_weeks))
    avg = trailing_average_hours(weekly.hours, n_weeks, th.min_share_of_weeks_with_hours)[:, -1]
    have = np.isfinite(weekly.hours[:, -n_weeks:]).sum(axis=1)
    fired = np.flatnonzero(avg > th.max_average_weekly_hours)
    limit = th.max_average_weekly_hours
    reasons = [
        make_reason(
            name,
            average_hours=avg[i],
            weeks=n_weeks,
            threshold_hours=limit,
            weeks_with_hours=have[i],
            last_week=weekly.weeks[-1],
        )
        for i in fired
    ]
    severity = ramp(avg[fired], limit, th.long_hours_week)
    return signal_rows(ctx.agent_ids[fired], name, severity, avg[fired], limit, reasons)


@register_signal("average_hours_reference", family="workload")
def average_hours_reference_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Average weekly hours over the reference period (17 weeks) above 48 h."""
    return _average_hours_signal(ctx, th, th.reference_period_weeks, "average_hours_reference")


@register_signal("average_hours_recent", family="workload")
def average_hours_recent_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Average weekly hours over the last few weeks (4) above 48 h."""
    return _average_hours_signal(ctx, th, th.short_period_weeks, "average_hours_recent")


@register_signal("overtime_streak", family="workload")
def overtime_streak_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Consecutive weeks above the own contract, up to the last complete week (leave weeks
    between do not break the run and are not counted in it)."""
    weekly = ctx.weekly_hours(HISTORY_WEEKS)
    contract = ctx.contract_hours[:, None]
    over = weekly.hours >= contract + th.overtime_min_hours  # NaN weeks compare False
    # a week with leave in it (any weekday absent) neither breaks nor extends a streak: a
    # vacation must not hide months of overtime, nor a short week look like relief
    leave = ctx.leave_weeks(HISTORY_WEEKS, 1) & ~over
    position = np.arange(over.shape[1])
    last_break = np.where(~over & ~leave, position, -1).max(axis=1)
    in_run = position[None, :] > last_break[:, None]
    streak = (over & in_run).sum(axis=1)
    fired = np.flatnonzero(streak >= th.overtime_streak_weeks)
    s = streak[fired]
    run_hours = np.where((over & in_run)[fired], weekly.hours[fired], np.nan)
    mean_hours = np.nanmean(run_hours, axis=1) if len(fired) else np.array([])
    skipped = (leave & in_run)[fired].sum(axis=1)
    reasons = [
        make_reason(
            "overtime_streak",
            weeks=s[k],
            at_least=bool(last_break[i] < 0),  # the streak fills the history
            contract_hours=ctx.contract_hours[i],
            last_week=weekly.weeks[-1],
            average_hours=mean_hours[k],
            threshold_weeks=th.overtime_streak_weeks,
            min_overtime_hours=th.overtime_min_hours,
            leave_weeks=int(skipped[k]),
        )
        for k, i in enumerate(fired)
    ]
    # a long run of modest overtime is a medium concern on its own (severity at most 0.75);
    # the hours themselves reach full severity through the average-hours signals
    severity = ramp(s, th.overtime_streak_weeks, 2 * th.overtime_streak_weeks, top=0.75)
    return signal_rows(
        ctx.agent_ids[fired], "overtime_streak", severity, s, th.overtime_streak_weeks, reasons
    )
