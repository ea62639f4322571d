"""Views of interval requirements: staff-hours, per-queue summaries, what-ifs, a week, times."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from staffing.planning_errors import PlanningInputError

__all__ = [
    "requirements_for_week",
    "requirements_summary",
    "staff_hours",
    "what_if_difference",
    "with_time_of_day",
]

_KEYS = ["country", "channel"]


def staff_hours(requirements: pd.DataFrame) -> float:
    """Agent-hours to schedule (``required_staff`` x interval length), summed over all rows."""
    require_columns(
        requirements,
        ["required_staff", "interval_minutes"],
        "requirements",
        error=PlanningInputError,
    )
    hours = requirements["required_staff"] * requirements["interval_minutes"] / 60.0
    return float(hours.sum())


def requirements_summary(requirements: pd.DataFrame) -> pd.DataFrame:
    """Per (country, channel): staff-hours, peak staff and contact-weighted projected metrics.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, contacts, staff_hours, peak_staff, service_level, asa_seconds,
        occupancy``; the metrics are averages weighted by planned contacts over the intervals
        that have a queue model (NaN for workload channels).
    """
    columns = ["planned_contacts", "required_staff", "interval_minutes", "service_level"]
    require_columns(
        requirements,
        [*_KEYS, *columns, "asa_seconds", "occupancy"],
        "requirements",
        error=PlanningInputError,
    )
    frame = requirements[[*_KEYS, *columns, "asa_seconds", "occupancy"]].copy()
    frame["hours"] = frame["required_staff"] * frame["interval_minutes"] / 60.0
    weight = frame["planned_contacts"].where(frame["service_level"].notna(), 0.0)
    frame["weight"] = weight
    metrics = ["service_level", "asa_seconds", "occupancy"]
    for metric in metrics:
        frame[f"w_{metric}"] = frame[metric].fillna(0.0) * weight
    grouped = frame.groupby(_KEYS, as_index=False).agg(
        contacts=("planned_contacts", "sum"),
        staff_hours=("hours", "sum"),
        peak_staff=("required_staff", "max"),
        weight=("weight", "sum"),
        **{f"w_{m}": (f"w_{m}", "sum") for m in metrics},
    )
    for metric in metrics:
        grouped[metric] = (grouped[f"w_{metric}"] / grouped["weight"]).where(grouped["weight"] > 0)
    grouped["peak_staff"] = grouped["peak_staff"].astype("int64")
    out = [*_KEYS, "contacts", "staff_hours", "peak_staff", *metrics]
    return grouped[out].sort_values(_KEYS).reset_index(drop=True)


def what_if_difference(baseline: pd.DataFrame, scenario: pd.DataFrame) -> pd.DataFrame:
    """Staff-hours of two requirement sets side by side, per (country, channel) and in total.

    Returns
    -------
    pandas.DataFrame
        ``country, channel, baseline_hours, scenario_hours, difference_hours, difference_pct``;
        the last row is the total (``country`` = ``"All"``, ``channel`` = ``""``).
    """
    base = requirements_summary(baseline)[[*_KEYS, "staff_hours"]]
    other = requirements_summary(scenario)[[*_KEYS, "staff_hours"]]
    both = base.merge(other, on=_KEYS, how="outer", suffixes=("_b", "_s")).fillna(0.0)
    both = both.rename(
        columns={"staff_hours_b": "baseline_hours", "staff_hours_s": "scenario_hours"}
    )
    total = pd.DataFrame(
        {
            "country": ["All"],
            "channel": [""],
            "baseline_hours": [both["baseline_hours"].sum()],
            "scenario_hours": [both["scenario_hours"].sum()],
        }
    )
    both = pd.concat([both, total], ignore_index=True)
    both["difference_hours"] = both["scenario_hours"] - both["baseline_hours"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * both["difference_hours"] / both["baseline_hours"]
    both["difference_pct"] = pct.where(both["baseline_hours"] > 0)
    return both


def with_time_of_day(requirements: pd.DataFrame) -> pd.DataFrame:
    """Copy with ``day`` (the interval's date, midnight) and ``time_of_day`` (``"HH:MM"``) added."""
    require_columns(requirements, ["interval_start"], "requirements", error=PlanningInputError)
    out = requirements.copy()
    start = pd.to_datetime(out["interval_start"])
    out["day"] = start.dt.normalize()
    out["time_of_day"] = start.dt.strftime("%H:%M")
    return out


def requirements_for_week(
    requirements: pd.DataFrame, start: dt.date | pd.Timestamp, days: int = 7
) -> pd.DataFrame:
    """Rows whose ``interval_start`` falls in ``[start, start + days)``, index reset."""
    require_columns(requirements, ["interval_start"], "requirements", error=PlanningInputError)
    first = pd.Timestamp(start).normalize()
    last = first + pd.Timedelta(days=int(days))
    starts = requirements["interval_start"]
    return requirements[(starts >= first) & (starts < last)].reset_index(drop=True)
