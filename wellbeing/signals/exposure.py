"""Exposure signal: occupancy above the burnout zone for several weeks in a row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing.reasons import make_reason
from wellbeing.signals.context import HISTORY_WEEKS, SignalContext, run_lengths, to_days, week_start
from wellbeing.signals.registry import ramp, register_signal, signal_rows
from wellbeing.thresholds import Thresholds


@register_signal("sustained_occupancy", family="exposure")
def sustained_occupancy_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Occupancy above the threshold for several consecutive weeks (needs the occupancy frame)."""
    if ctx.occupancy is None or ctx.occupancy.empty:
        return signal_rows([], "sustained_occupancy", [], [], [], [])
    occ = ctx.occupancy
    weeks = week_start(to_days(occ["week_start"], "week_start"))
    past = weeks <= ctx.last_week
    if not past.any():
        return signal_rows([], "sustained_occupancy", [], [], [], [])
    # the streak ends at the latest week the staffing results cover (they may lag a week)
    last = weeks[past].max()
    n_weeks = HISTORY_WEEKS
    first = last - np.timedelta64(7 * (n_weeks - 1), "D")
    col = (weeks - first).astype("int64") // 7
    row = ctx.codes(occ["agent_id"])
    values = occ["occupancy"].to_numpy(dtype=float)
    keep = (row >= 0) & (col >= 0) & (col < n_weeks) & np.isfinite(values)
    matrix = np.full((len(ctx.agent_ids), n_weeks), np.nan)
    matrix[row[keep], col[keep]] = values[keep]
    streak = run_lengths(matrix > th.occupancy_threshold)[:, -1]
    fired = np.flatnonzero(streak >= th.occupancy_sustained_weeks)
    mean_occ = np.array([matrix[i, -streak[i] :].mean() for i in fired])
    reasons = [
        make_reason(
            "sustained_occupancy",
            occupancy_threshold=th.occupancy_threshold,
            weeks=streak[i],
            last_week=last,
            mean_occupancy=m,
            threshold_weeks=th.occupancy_sustained_weeks,
        )
        for i, m in zip(fired, mean_occ, strict=True)
    ]
    severity = ramp(mean_occ, th.occupancy_threshold, th.occupancy_full)
    return signal_rows(
        ctx.agent_ids[fired],
        "sustained_occupancy",
        severity,
        streak[fired],
        th.occupancy_sustained_weeks,
        reasons,
    )
