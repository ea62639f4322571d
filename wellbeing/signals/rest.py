"""Rest signals: daily rests under 11 h and too many working days in a row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing.reasons import make_reason
from wellbeing.signals.context import SHIFT_COLUMNS, SignalContext, run_lengths
from wellbeing.signals.registry import ramp, register_signal, signal_rows
from wellbeing.thresholds import Thresholds


@register_signal("short_rest", family="rest")
def short_rest_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Daily rests under 11 h in the lookback window (exact with shift times, else inferred)."""
    if all(c in ctx.hours.columns for c in SHIFT_COLUMNS):
        return _short_rest_from_shifts(ctx, th)
    # Only daily totals: a day with more than 24 - 11 = 13 h worked leaves under 11 h of rest in
    # that 24-hour day whatever the shift times, so it is a certain breach; shorter rests
    # between days cannot be seen, so this undercounts (never overcounts).
    ctx.note(
        "short_rest: hours have no shift_start/shift_end, so rests under "
        f"{th.min_daily_rest_hours:g} h are inferred only from days with more than "
        f"{24 - th.min_daily_rest_hours:g} h worked (an undercount)"
    )
    n_days = 7 * th.rest_lookback_weeks
    _, daily = ctx.daily_hours(n_days)
    long_day = 24.0 - th.min_daily_rest_hours
    counts = (daily > long_day).sum(axis=1)
    fired = np.flatnonzero(counts >= th.short_rest_min_count)
    longest = daily[fired].max(axis=1) if len(fired) else np.array([])
    reasons = [
        make_reason(
            "short_rest_long_days",
            days=counts[i],
            lookback_weeks=th.rest_lookback_weeks,
            long_day_hours=long_day,
            longest_hours=longest[k],
            min_rest_hours=th.min_daily_rest_hours,
            min_count=th.short_rest_min_count,
        )
        for k, i in enumerate(fired)
    ]
    severity = ramp(counts[fired], th.short_rest_min_count, 4 * th.short_rest_min_count)
    return signal_rows(
        ctx.agent_ids[fired],
        "short_rest",
        severity,
        counts[fired],
        th.short_rest_min_count,
        reasons,
    )


def _short_rest_from_shifts(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    shifts = pd.DataFrame(
        {
            "row": ctx.codes(ctx.hours["agent_id"]),
            "start": pd.to_datetime(ctx.hours["shift_start"]).to_numpy("datetime64[ns]"),
            "end": pd.to_datetime(ctx.hours["shift_end"]).to_numpy("datetime64[ns]"),
        }
    ).dropna()
    shifts = shifts[shifts["row"] >= 0].sort_values(["row", "start"], kind="stable")
    prev_end = shifts.groupby("row")["end"].shift()
    rest_h = (shifts["start"] - prev_end).dt.total_seconds() / 3600.0
    window_from = pd.Timestamp(ctx.as_of - np.timedelta64(7 * th.rest_lookback_weeks - 1, "D"))
    in_window = (shifts["start"] >= window_from) & (
        shifts["start"] < pd.Timestamp(ctx.as_of + np.timedelta64(1, "D"))
    )
    short = shifts.assign(rest_h=rest_h)[in_window & (rest_h < th.min_daily_rest_hours)]
    per = short.groupby("row")["rest_h"].agg(["size", "min"])
    per = per[per["size"] >= th.short_rest_min_count]
    rows = per.index.to_numpy()
    reasons = [
        make_reason(
            "short_rest_shifts",
            rests=n,
            lookback_weeks=th.rest_lookback_weeks,
            shortest_hours=m,
            min_rest_hours=th.min_daily_rest_hours,
        )
        for n, m in zip(per["size"], per["min"], strict=True)
    ]
    severity = ramp(per["size"].to_numpy(), th.short_rest_min_count, 4 * th.short_rest_min_count)
    return signal_rows(
        ctx.agent_ids[rows], "short_rest", severity, per["size"], th.short_rest_min_count, reasons
    )


@register_signal("consecutive_days", family="rest")
def consecutive_days_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Longest run of working days (ending in the lookback window) above the limit."""
    lookback = 7 * th.rest_lookback_weeks
    # look a quarter further back so a run that began before the window is measured in full
    n_days = lookback + 7 * 13
    days, daily = ctx.daily_hours(n_days)
    runs = run_lengths(daily > 0)[:, -lookback:]
    longest = runs.max(axis=1)
    end_col = runs.argmax(axis=1)
    fired = np.flatnonzero(longest > th.max_consecutive_working_days)
    tail_days = days[-lookback:]
    reasons = [
        make_reason(
            "consecutive_days",
            days=longest[i],
            first_day=tail_days[end_col[i]] - np.timedelta64(int(longest[i]) - 1, "D"),
            last_day=tail_days[end_col[i]],
            threshold_days=th.max_consecutive_working_days,
        )
        for i in fired
    ]
    limit = th.max_consecutive_working_days
    severity = ramp(longest[fired], limit + 1, 2 * limit)
    return signal_rows(
        ctx.agent_ids[fired], "consecutive_days", severity, longest[fired], limit, reasons
    )
