"""The drill-down on one agent: absences, weekly hours and performance trends behind a flag.

Computed from the same context and windows the signals use, so that the charts show what the
reasons describe (the weekly performance means are the performance signal's own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellbeing.reasons import METRIC_LABELS
from wellbeing.signals import (
    HISTORY_WEEKS,
    SignalContext,
    make_signal_context,
    sen_slopes,
    weekly_performance,
)
from wellbeing.thresholds import DEFAULT_THRESHOLDS, Thresholds

PERFORMANCE_COLUMNS: tuple[str, ...] = ("metric", "label", "week_start", "value", "trend")
TREND_COLUMNS: tuple[str, ...] = ("metric", "label", "slope_per_week", "change", "weeks_with_data")


@dataclass(frozen=True)
class Drilldown:
    """The charts of one agent's drill-down.

    Attributes
    ----------
    as_of : datetime.date
        Reference day of the charts.
    absences : pandas.DataFrame
        ``start_date, end_date, type, days`` in the absence window ending ``as_of``.
    weekly_hours : pandas.DataFrame
        ``week_start, hours_worked, contract_hours`` (hours; NaN: no hours that week).
    performance : pandas.DataFrame
        :data:`PERFORMANCE_COLUMNS`: weekly means over the baseline and trend windows the
        performance signal used; ``trend`` is the Theil-Sen line over the trend window (NaN
        before it).
    trends : pandas.DataFrame
        :data:`TREND_COLUMNS` per metric; ``change`` is ``worse``, ``better`` or ``flat`` given
        the metric's direction.
    window_weeks : int
        Weeks of the performance trend window.
    """

    as_of: dt.date
    absences: pd.DataFrame
    weekly_hours: pd.DataFrame
    performance: pd.DataFrame
    trends: pd.DataFrame
    window_weeks: int


def drilldown_day(
    day: Any, absences: pd.DataFrame, hours: pd.DataFrame, performance: pd.DataFrame
) -> Any:
    """The reference day of an agent's charts.

    Parameters
    ----------
    day : date-like or None
        The day of the agent's newest flag, else of the latest evaluation; None if neither
        exists (then the latest day with hours). NaN skips the hours.
    absences, hours, performance : pandas.DataFrame
        The agent's rows.

    Returns
    -------
    date-like
        ``day``, else the latest day with hours, performance or absence (in that order), else
        today.
    """
    if day is None and len(hours):
        day = hours["date"].max()
    if day is None or pd.isna(day):
        day = _latest_day(absences, performance)
    return day


def _latest_day(absences: pd.DataFrame, performance: pd.DataFrame) -> dt.date:
    for frame, col in ((performance, "date"), (absences, "end_date")):
        if len(frame):
            return pd.Timestamp(frame[col].max()).date()
    return dt.date.today()


def make_drilldown(
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    hours: pd.DataFrame,
    performance: pd.DataFrame,
    as_of: Any,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Drilldown:
    """Absences in the window, weekly hours and performance trends of one agent.

    Parameters
    ----------
    agents : pandas.DataFrame
        The agent's row (``agent_id, contract_hours_per_week``).
    absences, hours, performance : pandas.DataFrame
        The agent's rows, columns as for :func:`wellbeing.score_burnout_risk`.
    as_of : date-like
        Reference day (see :func:`drilldown_day`).
    thresholds : Thresholds, optional
        Windows of the charts (absence window, performance baseline and trend weeks).

    Returns
    -------
    Drilldown

    Raises
    ------
    MissingColumnsError
        If a frame lacks a required column.
    """
    ctx = make_signal_context(agents, absences, hours, performance, as_of)
    as_of_day = pd.Timestamp(ctx.as_of).date()
    perf, trends = performance_trends(ctx, thresholds)
    return Drilldown(
        as_of=as_of_day,
        absences=absences_in_window(absences, as_of_day, thresholds),
        weekly_hours=weekly_hours_frame(ctx),
        performance=perf,
        trends=trends,
        window_weeks=thresholds.trend_weeks,
    )


def absences_in_window(absences: pd.DataFrame, as_of: dt.date, th: Thresholds) -> pd.DataFrame:
    """Absences overlapping the Bradford window ending ``as_of`` (days counted in it).

    Returns ``start_date, end_date, type, days`` (days inside the window), oldest first.
    """
    first = pd.Timestamp(as_of) - pd.Timedelta(days=7 * th.bradford_window_weeks - 1)
    last = pd.Timestamp(as_of)
    shown = absences[(absences["end_date"] >= first) & (absences["start_date"] <= last)]
    days = (shown["end_date"].clip(upper=last) - shown["start_date"].clip(lower=first)).dt.days + 1
    return (
        shown.assign(days=days.astype(int))[["start_date", "end_date", "type", "days"]]
        .sort_values("start_date")
        .reset_index(drop=True)
    )


def weekly_hours_frame(ctx: SignalContext) -> pd.DataFrame:
    """The first agent's hours per complete week over the signals' history (hours)."""
    weekly = ctx.weekly_hours(HISTORY_WEEKS)
    return pd.DataFrame(
        {
            "week_start": pd.to_datetime(weekly.weeks),
            "hours_worked": weekly.hours[0],
            "contract_hours": float(ctx.contract_hours[0]),
        }
    )


def performance_trends(ctx: SignalContext, th: Thresholds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly means per metric and the Theil-Sen line over the trend window.

    Returns
    -------
    performance : pandas.DataFrame
        :data:`PERFORMANCE_COLUMNS`, one row per metric and week.
    trends : pandas.DataFrame
        :data:`TREND_COLUMNS`, one row per metric.
    """
    n_weeks = th.baseline_weeks + th.trend_weeks
    keys, matrix = weekly_performance(ctx, n_weeks)
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    weeks = pd.to_datetime(first + np.arange(n_weeks).astype("timedelta64[D]") * 7)
    window = matrix[:, -th.trend_weeks :]
    slopes = sen_slopes(window) if len(window) else np.array([])
    x = np.arange(th.trend_weeks, dtype=float)
    parts, summary = [], []
    for k, metric in enumerate(keys["metric"]):
        y = window[k]
        ok = np.isfinite(y)
        trend = np.full(n_weeks, np.nan)
        if np.isfinite(slopes[k]) and ok.any():
            # intercept as scipy.stats.theilslopes computes it: median(y) - slope * median(x)
            intercept = np.median(y[ok]) - slopes[k] * np.median(x[ok])
            trend[-th.trend_weeks :] = intercept + slopes[k] * x
        label = METRIC_LABELS.get(metric, metric)
        parts.append(
            pd.DataFrame(
                {
                    "metric": metric,
                    "label": label,
                    "week_start": weeks,
                    "value": matrix[k],
                    "trend": trend,
                }
            )
        )
        worse = -th.metric_direction(metric) * slopes[k]
        change = (
            "flat" if not np.isfinite(worse) or worse == 0 else "worse" if worse > 0 else "better"
        )
        summary.append(
            {
                "metric": metric,
                "label": label,
                "slope_per_week": float(slopes[k]),
                "change": change,
                "weeks_with_data": int(ok.sum()),
            }
        )
    columns = list(PERFORMANCE_COLUMNS)
    perf = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    trends = pd.DataFrame(summary, columns=list(TREND_COLUMNS))
    return perf, trends
