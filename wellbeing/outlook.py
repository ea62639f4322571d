"""Outlook: which agents would cross a working-time threshold if a staffing gap is covered with overtime."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellbeing.errors import WellbeingInputError, require_columns
from wellbeing.signals import (
    HISTORY_WEEKS,
    format_day,
    last_complete_week_start,
    run_lengths,
    to_day,
    to_days,
    trailing_average_hours,
    week_start,
    weekly_hours_matrix,
)
from wellbeing.thresholds import DEFAULT_THRESHOLDS, Thresholds

logger = logging.getLogger(__name__)

PROJECTED_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "week_start",
    "contract_hours",
    "scheduled_hours",
    "projected_overtime_hours",
)
OUTLOOK_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "crosses",
    "first_week_over",
    "peak_average_hours_reference",
    "peak_average_hours_recent",
    "peak_week_hours",
    "overtime_hours",
    "over_without_overtime",
    "reasons",
)
#: Names of the thresholds an outlook row can cross.
CROSSINGS: tuple[str, ...] = ("average_hours", "long_week", "overtime_streak")


@dataclass(frozen=True)
class OvertimeOutlook:
    """Result of :func:`project_overtime_outlook`.

    Attributes
    ----------
    agents : pandas.DataFrame
        One row per agent who would cross a threshold with overtime, columns
        :data:`OUTLOOK_COLUMNS`: ``crosses`` (list of :data:`CROSSINGS`), ``first_week_over``
        (Monday of the first projected week over a threshold), peaks in hours (the 17- and
        4-week averages, the longest week), ``overtime_hours`` (projected overtime in total),
        ``over_without_overtime`` (bool: crosses a threshold even without the overtime) and
        ``reasons`` (list of sentences with numbers and thresholds).
    summary : str
        One sentence for planners, e.g. "Covering the gap with overtime would put 6 agents
        above a 48 h average ...".
    n_over_average : int
        Agents whose 17- or 4-week average would exceed the weekly limit.
    n_long_week : int
        Agents with a projected week at or above ``long_hours_week`` (55 h).
    n_overtime_streak : int
        Agents who would reach ``overtime_streak_weeks`` consecutive overtime weeks.
    first_week, last_week : pandas.Timestamp or None
        The projected weeks covered (None when the projection is empty).
    """

    agents: pd.DataFrame
    summary: str
    n_over_average: int
    n_long_week: int
    n_overtime_streak: int
    first_week: pd.Timestamp | None
    last_week: pd.Timestamp | None


def _crossings(
    weekly: np.ndarray, contract: np.ndarray, n_hist: int, th: Thresholds
) -> dict[str, np.ndarray]:
    """Per projected week, which thresholds each agent crosses (boolean matrices)."""
    avg_ref = trailing_average_hours(
        weekly, th.reference_period_weeks, th.min_share_of_weeks_with_hours
    )
    avg_recent = trailing_average_hours(
        weekly, th.short_period_weeks, th.min_share_of_weeks_with_hours
    )
    over = weekly >= contract[:, None] + th.overtime_min_hours
    streak = run_lengths(over)
    proj = slice(n_hist, None)
    limit = th.max_average_weekly_hours
    return {
        "avg_ref": avg_ref[:, proj],
        "avg_recent": avg_recent[:, proj],
        "streak": streak[:, proj],
        "average_hours": (avg_ref[:, proj] > limit) | (avg_recent[:, proj] > limit),
        "long_week": weekly[:, proj] >= th.long_hours_week,
        "overtime_streak": streak[:, proj] >= th.overtime_streak_weeks,
    }


def project_overtime_outlook(
    projected: pd.DataFrame,
    hours: pd.DataFrame,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    no_overtime: Collection[str] = (),
) -> OvertimeOutlook:
    """Find the agents who would cross a working-time threshold if the gap is covered with overtime.

    Projected weekly hours are ``scheduled_hours + projected_overtime_hours``; they extend the
    actual weekly hours of the history, and the rolling averages of :mod:`wellbeing.signals`
    (17 and 4 weeks against 48 h; weeks without hours left out), the WHO/ILO 55 h week and the
    consecutive-overtime rule are evaluated at every projected week. The same is done without
    the overtime (``scheduled_hours`` only) to tell who would be over anyway.

    Parameters
    ----------
    projected : pandas.DataFrame
        ``agent_id, week_start, contract_hours, scheduled_hours, projected_overtime_hours``
        (hours per week), e.g. from ``staffing.roster``. ``week_start`` is moved to its Monday.
    hours : pandas.DataFrame
        Actual ``agent_id, date, hours_worked`` history.
    as_of : date-like, optional
        Last day of actual history (default: the day before the first projected week). History
        weeks after it, if any, are unknown and left out of the averages.
    thresholds : Thresholds, optional
        Weekly limit, reference periods, long-week and overtime-streak rules.
    no_overtime : collection of str, optional
        Agents who may not take overtime (an HR limit, :func:`wellbeing.limits.
        agents_without_overtime`): left out, the outlook counts only people who may take it.

    Returns
    -------
    OvertimeOutlook

    Raises
    ------
    MissingColumnsError
        If ``projected`` or ``hours`` lacks a required column.
    WellbeingInputError
        If an agent has more than one row for the same projected week, or hours are negative.
    """
    th = thresholds
    require_columns(projected, "projected overtime", PROJECTED_COLUMNS)
    require_columns(hours, "hours", ("agent_id", "date", "hours_worked"))
    barred = projected["agent_id"].astype(str).isin({str(a) for a in no_overtime})
    n_barred = int(projected.loc[barred, "agent_id"].nunique())
    projected = projected[~barred]
    if projected.empty:
        return OvertimeOutlook(
            agents=_empty_outlook(),
            summary="No projected weeks: nothing to assess.",
            n_over_average=0,
            n_long_week=0,
            n_overtime_streak=0,
            first_week=None,
            last_week=None,
        )
    proj_weeks = week_start(to_days(projected["week_start"], "week_start"))
    ids = pd.Index(pd.unique(projected["agent_id"].astype(str)), name="agent_id")
    numbers = projected[["contract_hours", "scheduled_hours", "projected_overtime_hours"]]
    values = numbers.to_numpy(dtype=float)
    if (values < 0).any():
        raise WellbeingInputError("projected overtime: hours must not be negative")
    first_proj, last_proj = proj_weeks.min(), proj_weeks.max()
    n_proj = int((last_proj - first_proj).astype("int64") // 7) + 1
    n_hist = HISTORY_WEEKS
    grid_start = first_proj - np.timedelta64(7 * n_hist, "D")
    history = weekly_hours_matrix(hours, ids, grid_start, n_hist)
    cutoff = to_day(as_of) if as_of is not None else first_proj - np.timedelta64(1, "D")
    known = last_complete_week_start(cutoff)
    hist_weeks = grid_start + np.arange(n_hist).astype("timedelta64[D]") * 7
    history[:, hist_weeks > known] = np.nan

    row = ids.get_indexer(projected["agent_id"].astype(str))
    col = (proj_weeks - first_proj).astype("int64") // 7
    if pd.Series(row * n_proj + col).duplicated().any():
        raise WellbeingInputError(
            "projected overtime: an agent has more than one row for the same week_start"
        )
    scheduled = np.full((len(ids), n_proj), np.nan)
    overtime = np.zeros((len(ids), n_proj))
    contract_w = np.full((len(ids), n_proj), np.nan)
    scheduled[row, col] = values[:, 1]
    overtime[row, col] = values[:, 2]
    contract_w[row, col] = values[:, 0]
    with np.errstate(all="ignore"):
        contract = np.nanmedian(contract_w, axis=1)  # history judged against the current contract

    with_ot = np.concatenate([history, scheduled + overtime], axis=1)
    without = np.concatenate([history, scheduled], axis=1)
    with_ot[with_ot <= 0] = np.nan
    without[without <= 0] = np.nan
    cross = _crossings(with_ot, contract, n_hist, th)
    base = _crossings(without, contract, n_hist, th)

    any_cross = np.stack([cross[c].any(axis=1) for c in CROSSINGS], axis=1)
    any_base = np.stack([base[c].any(axis=1) for c in CROSSINGS], axis=1)
    flagged = np.flatnonzero(any_cross.any(axis=1))
    weeks = first_proj + np.arange(n_proj).astype("timedelta64[D]") * 7
    proj_hours = with_ot[:, n_hist:]
    records = []
    for i in flagged:
        crossed = [c for k, c in enumerate(CROSSINGS) if any_cross[i, k]]
        hit = np.logical_or.reduce([cross[c][i] for c in crossed])
        first = int(np.argmax(hit))
        reasons = _reasons(i, crossed, cross, base, proj_hours, weeks, contract, th)
        records.append(
            {
                "agent_id": ids[i],
                "crosses": crossed,
                "first_week_over": pd.Timestamp(weeks[first]),
                "peak_average_hours_reference": _peak(cross["avg_ref"][i]),
                "peak_average_hours_recent": _peak(cross["avg_recent"][i]),
                "peak_week_hours": _peak(proj_hours[i]),
                "overtime_hours": float(overtime[i].sum()),
                "over_without_overtime": bool(
                    any_base[i, [CROSSINGS.index(c) for c in crossed]].any()
                ),
                "reasons": reasons,
            }
        )
    frame = (
        pd.DataFrame.from_records(records, columns=list(OUTLOOK_COLUMNS))
        if records
        else _empty_outlook()
    )
    n_avg = int(any_cross[:, 0].sum())
    n_avg_anyway = int((any_cross[:, 0] & any_base[:, 0]).sum())
    n_long = int(any_cross[:, 1].sum())
    n_streak = int(any_cross[:, 2].sum())
    summary = _summary(n_avg, n_avg_anyway, n_long, n_streak, weeks, th)
    if n_barred:
        summary += (
            f" {_agents(n_barred)} under an HR limit of no overtime "
            f"{'is' if n_barred == 1 else 'are'} not counted: they take none."
        )
    logger.info(summary)
    return OvertimeOutlook(
        agents=frame,
        summary=summary,
        n_over_average=n_avg,
        n_long_week=n_long,
        n_overtime_streak=n_streak,
        first_week=pd.Timestamp(first_proj),
        last_week=pd.Timestamp(last_proj),
    )


def _empty_outlook() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTLOOK_COLUMNS})


def _agents(n: int) -> str:
    return "1 agent" if n == 1 else f"{n} agents"


def _reasons(
    i: int,
    crossed: list[str],
    cross: dict[str, np.ndarray],
    base: dict[str, np.ndarray],
    proj_hours: np.ndarray,
    weeks: np.ndarray,
    contract: np.ndarray,
    th: Thresholds,
) -> list[str]:
    limit = th.max_average_weekly_hours
    out = []
    if "average_hours" in crossed:
        for key, n in (
            ("avg_ref", th.reference_period_weeks),
            ("avg_recent", th.short_period_weeks),
        ):
            series = cross[key][i]
            if not (series > limit).any():
                continue
            j = int(np.nanargmax(series))
            before = base[key][i, j]
            without = (
                f"{before:.1f} h without overtime"
                if np.isfinite(before)
                else "no average without overtime"
            )
            out.append(
                f"Average {series[j]:.1f} h a week over {n} weeks by the week of {format_day(weeks[j])} "
                f"if the gap is covered with overtime (threshold {limit:g} h; {without})"
            )
    if "long_week" in crossed:
        j = int(np.nanargmax(proj_hours[i]))
        n_long = int(cross["long_week"][i].sum())
        out.append(
            f"{proj_hours[i, j]:.1f} h in the week of {format_day(weeks[j])} "
            f"({n_long} projected week{'s' if n_long != 1 else ''} at {th.long_hours_week:g} h or more; "
            f"threshold {th.long_hours_week:g} h, WHO/ILO)"
        )
    if "overtime_streak" in crossed:
        streak = cross["streak"][i]
        j = int(np.argmax(streak))
        # the history is HISTORY_WEEKS long: a streak that fills it may be longer still
        capped = "at least " if streak[j] >= HISTORY_WEEKS + j + 1 else ""
        out.append(
            f"{capped}{int(streak[j])} consecutive weeks above contract ({contract[i]:g} h) by the week of "
            f"{format_day(weeks[j])} (threshold {th.overtime_streak_weeks} weeks)"
        )
    return out


def _summary(
    n_avg: int, n_avg_anyway: int, n_long: int, n_streak: int, weeks: np.ndarray, th: Thresholds
) -> str:
    period = f"from {format_day(weeks[0])} to {format_day(weeks[-1] + np.timedelta64(6, 'D'))}"
    text = (
        f"Covering the gap with overtime would put {_agents(n_avg)} above a "
        f"{th.max_average_weekly_hours:g} h average ({th.reference_period_weeks}- or "
        f"{th.short_period_weeks}-week) {period}"
    )
    if n_avg_anyway:
        text += f" ({n_avg_anyway} of them would be above it even without overtime)"
    extras = []
    if n_long:
        extras.append(f"{_agents(n_long)} would work a week of {th.long_hours_week:g} h or more")
    if n_streak:
        extras.append(
            f"{_agents(n_streak)} would work above contract for "
            f"{th.overtime_streak_weeks} or more weeks in a row"
        )
    if extras:
        text += "; " + "; ".join(extras)
    return text + "."


def _peak(values: np.ndarray) -> float:
    """The largest known value; NaN when none is known (without numpy's all-NaN warning)."""
    known = values[~np.isnan(values)]
    return float(known.max()) if known.size else float("nan")
