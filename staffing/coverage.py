"""The staff a schedule or roster puts on each interval against the requirement, and its service."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from staffing.erlang import StaffingTargets, evaluate_staffing
from staffing.planning_errors import PlanningInputError
from staffing.requirement_views import with_time_of_day
from staffing.requirements import channel_kind

__all__ = [
    "GAP_COLUMNS",
    "gap_summary",
    "scheduled_vs_required",
    "staff_on_shift",
]

_KEYS = ["country", "channel"]


GAP_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "day",
    "time_of_day",
    "planned_contacts",
    "required_staff",
    "scheduled_staff",
    "gap",
    "understaffed",
    "on_queue_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "stable",
)
"""Columns of :func:`scheduled_vs_required`'s result."""


def staff_on_shift(assignments: pd.DataFrame, intervals: pd.DataFrame) -> np.ndarray:
    """Agents at work in each interval according to a roster, breaks excluded.

    An agent counts for the fraction of the interval they work (a shift ending at 10:15
    counts half in 10:00-10:30), the same rule the shift planner uses for its coverage.

    Parameters
    ----------
    assignments : pandas.DataFrame
        ``staffing.roster.Roster.assignments``: ``country, channel, shift_start, shift_end,
        break_start, break_end`` (naive local time of the queue; breaks may be NaT).
    intervals : pandas.DataFrame
        ``country, channel, interval_start`` (naive local) and ``interval_minutes``.

    Returns
    -------
    numpy.ndarray
        Float agents per row of ``intervals``, in its order.
    """
    require_columns(
        assignments,
        [*_KEYS, "shift_start", "shift_end", "break_start", "break_end"],
        "roster",
        error=PlanningInputError,
    )
    require_columns(
        intervals,
        [*_KEYS, "interval_start", "interval_minutes"],
        "intervals",
        error=PlanningInputError,
    )
    out = np.zeros(len(intervals))
    if assignments.empty or intervals.empty:
        return out
    start = pd.to_datetime(intervals["interval_start"]).to_numpy("datetime64[ns]").astype(np.int64)
    minutes = intervals["interval_minutes"].to_numpy(dtype=np.int64)
    end = start + minutes * 60_000_000_000
    queues = intervals.groupby(_KEYS, sort=False).indices
    shifts = assignments.groupby(_KEYS, sort=False)

    def ns(times: pd.Series) -> np.ndarray:
        return pd.to_datetime(times).to_numpy("datetime64[ns]").astype(np.int64)[:, None]

    for key, rows in queues.items():
        if key not in shifts.groups:
            continue
        queue = shifts.get_group(key)
        shift_start = pd.to_datetime(queue["shift_start"])
        # a shift without a break gets a zero-length break at its start
        break_start = pd.to_datetime(queue["break_start"]).fillna(shift_start)
        break_end = pd.to_datetime(queue["break_end"]).fillna(break_start)
        a, b = ns(shift_start), ns(queue["shift_end"])
        pause_a, pause_b = np.clip(ns(break_start), a, b), np.clip(ns(break_end), a, b)
        lo, hi = start[rows][None, :], end[rows][None, :]

        def overlap(x: np.ndarray, y: np.ndarray, lo=lo, hi=hi) -> np.ndarray:
            return np.clip(np.minimum(y, hi) - np.maximum(x, lo), 0, None)

        worked = overlap(a, b) - overlap(pause_a, np.maximum(pause_a, pause_b))
        out[rows] = worked.sum(axis=0) / (hi - lo)[0]
    return out


def scheduled_vs_required(
    requirements: pd.DataFrame,
    scheduled: pd.DataFrame,
    targets: Mapping[str, StaffingTargets],
) -> pd.DataFrame:
    """Staff a schedule puts on each interval against the requirement, and the service it buys.

    Only intervals present in both frames are kept (a schedule covers one week of a longer
    plan). Scheduled staff include shrinkage like ``required_staff`` does, so the agents on the
    queue are ``floor(scheduled_staff x (1 - shrinkage))``, the inverse of the requirement's
    ``ceil(agents / (1 - shrinkage))``; service level, ASA and occupancy are those of Erlang C
    (or A with a patience) at that many agents (:func:`staffing.erlang.evaluate_staffing`).

    Parameters
    ----------
    requirements : pandas.DataFrame
        ``staffing.requirements.interval_requirements`` output: ``country, channel,
        interval_start, interval_minutes, planned_contacts, aht_seconds, required_staff``.
    scheduled : pandas.DataFrame
        ``country, channel, interval_start, scheduled_staff`` (headcount at work, may be
        fractional where a shift covers part of an interval), e.g. a shift plan's coverage or
        :func:`staff_on_shift` of a roster.
    targets : mapping of channel to StaffingTargets
        As used for the requirements (:func:`staffing.requirement_inputs.targets_by_channel`).

    Returns
    -------
    pandas.DataFrame
        :data:`GAP_COLUMNS`: ``gap = scheduled_staff - required_staff`` (negative = short),
        ``understaffed = gap < 0``, ``on_queue_agents`` (int). Queue metrics are NaN for
        workload channels; where the Erlang C queue is unstable (agents <= traffic)
        ``stable`` is False, the service level 0 and the ASA NaN (it is unbounded).
    """
    needed = ["interval_minutes", "planned_contacts", "aht_seconds", "required_staff"]
    require_columns(
        requirements, [*_KEYS, "interval_start", *needed], "requirements", error=PlanningInputError
    )
    require_columns(
        scheduled,
        [*_KEYS, "interval_start", "scheduled_staff"],
        "scheduled",
        error=PlanningInputError,
    )
    keys = [*_KEYS, "interval_start"]
    left = requirements[[*keys, *needed]].assign(
        interval_start=lambda f: pd.to_datetime(f["interval_start"])
    )
    right = scheduled[[*keys, "scheduled_staff"]].assign(
        interval_start=lambda f: pd.to_datetime(f["interval_start"])
    )
    frame = left.merge(right, on=keys, how="inner", validate="one_to_one")
    frame = with_time_of_day(frame.sort_values(keys).reset_index(drop=True))
    staff = frame["scheduled_staff"].astype(float).to_numpy()
    frame["gap"] = staff - frame["required_staff"].to_numpy(dtype=float)
    frame["understaffed"] = frame["gap"] < -1e-9
    frame["on_queue_agents"] = 0
    for metric in ("service_level", "asa_seconds", "occupancy"):
        frame[metric] = np.nan
    frame["stable"] = True
    for channel, rows in frame.groupby("channel", sort=False).indices.items():
        if channel not in targets:
            raise PlanningInputError(f"no targets for channel {channel!r}")
        chosen = targets[channel]
        agents = np.floor(staff[rows] * (1.0 - chosen.shrinkage) + 1e-9).astype(np.int64)
        frame.loc[frame.index[rows], "on_queue_agents"] = agents
        if channel_kind(channel) == "workload":
            continue
        result = evaluate_staffing(
            frame["planned_contacts"].to_numpy(dtype=float)[rows],
            frame["aht_seconds"].to_numpy(dtype=float)[rows],
            frame["interval_minutes"].to_numpy(dtype=float)[rows],
            agents,
            chosen,
        )
        stable = np.asarray(result.stable, dtype=bool)
        frame.loc[frame.index[rows], "stable"] = stable
        frame.loc[frame.index[rows], "service_level"] = result.service_level
        frame.loc[frame.index[rows], "asa_seconds"] = np.where(stable, result.asa_seconds, np.nan)
        frame.loc[frame.index[rows], "occupancy"] = result.occupancy
    return frame[list(GAP_COLUMNS)]


def gap_summary(gaps: pd.DataFrame) -> pd.DataFrame:
    """Per (country, channel): staff-hours required and scheduled, short intervals, and service.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`scheduled_vs_required` output.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, required_hours, scheduled_hours, short_hours`` (agent-hours below
        the requirement), ``understaffed_intervals``, ``unstable_intervals`` (more contacts than
        agents can ever answer), and contact-weighted ``service_level``, ``asa_seconds`` (over
        the stable intervals only) and ``occupancy``.
    """
    require_columns(gaps, GAP_COLUMNS, "gaps", error=PlanningInputError)
    frame = gaps.copy()
    hours = frame["interval_minutes"] / 60.0
    frame["required_hours"] = frame["required_staff"] * hours
    frame["scheduled_hours"] = frame["scheduled_staff"] * hours
    frame["short_hours"] = (-frame["gap"]).clip(lower=0) * hours
    frame["unstable"] = ~frame["stable"].astype(bool)
    weight = frame["planned_contacts"].where(frame["service_level"].notna(), 0.0)
    stable_weight = weight.where(frame["stable"].astype(bool), 0.0)
    parts = {
        "w_service_level": frame["service_level"].fillna(0.0) * weight,
        "w_occupancy": frame["occupancy"].fillna(0.0) * weight,
        "w_asa_seconds": frame["asa_seconds"].fillna(0.0) * stable_weight,
        "weight": weight,
        "stable_weight": stable_weight,
    }
    frame = frame.assign(**parts)
    grouped = frame.groupby(_KEYS, as_index=False).agg(
        required_hours=("required_hours", "sum"),
        scheduled_hours=("scheduled_hours", "sum"),
        short_hours=("short_hours", "sum"),
        understaffed_intervals=("understaffed", "sum"),
        unstable_intervals=("unstable", "sum"),
        **{name: (name, "sum") for name in parts},
    )
    for metric, base in (
        ("service_level", "weight"),
        ("asa_seconds", "stable_weight"),
        ("occupancy", "weight"),
    ):
        grouped[metric] = (grouped[f"w_{metric}"] / grouped[base]).where(grouped[base] > 0)
    for column in ("understaffed_intervals", "unstable_intervals"):
        grouped[column] = grouped[column].astype("int64")
    out = [
        *_KEYS,
        "required_hours",
        "scheduled_hours",
        "short_hours",
        "understaffed_intervals",
        "unstable_intervals",
        "service_level",
        "asa_seconds",
        "occupancy",
    ]
    return grouped[out].sort_values(_KEYS).reset_index(drop=True)
