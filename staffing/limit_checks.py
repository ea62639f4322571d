"""HR's limits checked on a finished roster: the part of :func:`staffing.roster.find_rule_violations`
that reads the limits (:data:`staffing.roster.LIMIT_KINDS`).

The same rules the roster model honours (:mod:`staffing.roster_solve`), on the days inside each
limit's dates (the shift's queue-local ``date``), inclusive:

* ``no_late_shifts``: no shift ending after :data:`LATE_SHIFT_END_HOUR`:00 of its starting day
  in the agent's local time, or on a later day;
* ``no_overtime``: the shifts on the limit's days of a week total at most the contract hours
  (capped by ``LabourRules.max_weekly_hours``);
* ``max_weekly_hours``: ... at most the limit's ``value`` hours.

A breach is reported as rule :data:`LIMIT_RULE` with the agent, the day or week and which limit,
never why it was set (the limits frame holds no reason).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffing.roster_solve import LATE_SHIFT_END_HOUR

__all__ = ["LIMIT_RULE", "find_limit_violations"]

#: The ``rule`` of a breach of a limit set by HR.
LIMIT_RULE = "hr_limit"
_TOLERANCE_HOURS = 1e-9


def _late(assignments: pd.DataFrame) -> np.ndarray:
    """Shifts ending after LATE_SHIFT_END_HOUR of their starting day, agent's local time."""
    start = pd.to_datetime(assignments["agent_start"])
    end = pd.to_datetime(assignments["agent_end"])
    return np.asarray(end > start.dt.normalize() + pd.Timedelta(hours=LATE_SHIFT_END_HOUR))


def find_limit_violations(
    assignments: pd.DataFrame,
    limits: pd.DataFrame,
    contract_hours: pd.Series,
) -> list[dict[str, str]]:
    """Breaches of HR's limits in a roster, as ``agent_id, rule, detail`` records.

    Parameters
    ----------
    assignments : pandas.DataFrame
        At least ``agent_id, date, paid_hours, week_start, agent_start, agent_end``.
    limits : pandas.DataFrame
        ``agent_id, kind, value, start_date, end_date``, checked
        (:func:`staffing.roster.validate_limits`).
    contract_hours : pandas.Series
        Weekly hours each agent may work without overtime (index ``agent_id``), already capped
        by the legal maximum: the ``no_overtime`` cap.

    Returns
    -------
    list of dict
        One per late shift (``no_late_shifts``) or per agent, limit and week over its cap.
    """
    found: list[dict[str, str]] = []
    if not len(assignments) or not len(limits):
        return found
    day = pd.to_datetime(assignments["date"]).dt.normalize()
    late = _late(assignments)
    for row in limits.itertuples(index=False):
        first, last = pd.Timestamp(row.start_date), pd.Timestamp(row.end_date)
        inside = (
            (assignments["agent_id"].astype(str) == str(row.agent_id))
            & (day >= first)
            & (day <= last)
        ).to_numpy()
        if not inside.any():
            continue
        if row.kind == "no_late_shifts":
            for shift in assignments[inside & late].itertuples():
                found.append(
                    {
                        "agent_id": str(row.agent_id),
                        "rule": LIMIT_RULE,
                        "detail": f"limit set by HR (no late shifts): the shift on "
                        f"{pd.Timestamp(shift.date).date()} ends {shift.agent_end} "
                        f"(agent's time), after {LATE_SHIFT_END_HOUR}:00",
                    }
                )
            continue
        if row.kind == "no_overtime":
            cap, words = float(contract_hours.get(str(row.agent_id), np.nan)), "no overtime"
        else:
            cap, words = float(row.value), f"at most {float(row.value):g} h a week"
        own = assignments[inside]
        weekly = own.groupby("week_start")["paid_hours"].sum()
        for week, hours in weekly.items():
            if not hours > cap + _TOLERANCE_HOURS:
                continue
            days = pd.to_datetime(own.loc[own["week_start"] == week, "date"]).dt.date
            found.append(
                {
                    "agent_id": str(row.agent_id),
                    "rule": LIMIT_RULE,
                    "detail": f"limit set by HR ({words}): {hours:.2f} h over {cap:.2f} h on "
                    f"{days.min()} to {days.max()} (week {pd.Timestamp(week).date()})",
                }
            )
    return found
