"""Follow-ups of flag reviews and HR's limits on a person's rostering: the rules, no storage.

A review can record what HR agreed (:class:`FollowupAction`), who follows up and by when, and
limits on the person's rostering for a time (:data:`staffing.roster.LIMIT_KINDS`): no overtime,
at most N hours a week, no late shifts (ending after
:data:`staffing.roster.LATE_SHIFT_END_HOUR`:00 in the person's local time, or past midnight).
The roster honours them as hard rules on the days inside their dates. Planners see that a limit
applies and until when (:func:`limit_notes`), never why.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Any

import pandas as pd

from staffing.roster import LATE_SHIFT_END_HOUR, LIMIT_COLUMNS, LIMIT_KINDS

__all__ = [
    "ACTION_LABELS",
    "LIMIT_LABELS",
    "LIMIT_NOTE_COLUMNS",
    "MAX_LIMIT_DAYS",
    "FollowupAction",
    "FollowupError",
    "agents_without_overtime",
    "check_followup",
    "check_limit",
    "due_order",
    "limit_notes",
]

#: A limit lasts at most this many days (about six months): then HR looks again and sets a new one.
MAX_LIMIT_DAYS = 183
#: The most a weekly cap may allow (a week has 168 h; the legal cap is the roster's own rule).
MAX_WEEKLY_CAP_HOURS = 168.0


class FollowupError(ValueError):
    """A follow-up or limit cannot be recorded as given; the message says which field and why."""


class FollowupAction(StrEnum):
    """What HR agreed with the person at a review."""

    TALK = "talk"
    REDUCE_OVERTIME = "reduce_overtime"
    CHANGE_CHANNEL_MIX = "change_channel_mix"
    NO_ACTION = "no_action"


ACTION_LABELS: dict[str, str] = {
    FollowupAction.TALK.value: "Talk",
    FollowupAction.REDUCE_OVERTIME.value: "Reduce overtime",
    FollowupAction.CHANGE_CHANNEL_MIX.value: "Change channel mix",
    FollowupAction.NO_ACTION.value: "No action",
}
LIMIT_LABELS: dict[str, str] = {
    "no_overtime": "no overtime",
    "max_weekly_hours": "at most {value:g} h a week",
    "no_late_shifts": f"no late shifts (ending after {LATE_SHIFT_END_HOUR}:00)",
}
LIMIT_NOTE_COLUMNS: tuple[str, ...] = ("agent_id", "limits", "until")


def check_followup(assignee: str, due_date: Any, action: str) -> tuple[str, dt.date, str]:
    """The follow-up's assignee, date and action, checked.

    Returns
    -------
    tuple of (str, datetime.date, str)

    Raises
    ------
    FollowupError
        No assignee, a date that is not a date, an action not in :class:`FollowupAction`.
    """
    assignee = str(assignee or "").strip()
    if not assignee:
        raise FollowupError("follow-up: choose who follows up (an HR user)")
    day = _day("follow-up date", due_date)
    try:
        action = FollowupAction(str(action)).value
    except ValueError:
        known = ", ".join(a.value for a in FollowupAction)
        raise FollowupError(f"follow-up: action {action!r} is not one of {known}") from None
    return assignee, day, action


def check_limit(kind: str, value: Any, start_date: Any, end_date: Any) -> dict[str, Any]:
    """One limit, checked: a known kind, a weekly cap in hours for ``max_weekly_hours``, an end
    on or after the start and at most :data:`MAX_LIMIT_DAYS` days after it.

    Returns
    -------
    dict
        ``kind, value, start_date, end_date`` (value None unless a weekly cap).

    Raises
    ------
    FollowupError
    """
    if kind not in LIMIT_KINDS:
        raise FollowupError(f"limit: kind {kind!r} is not one of {', '.join(LIMIT_KINDS)}")
    first, last = _day("limit start", start_date), _day("limit end", end_date)
    if last < first:
        raise FollowupError(f"limit: end {last} is before start {first}")
    if (last - first).days + 1 > MAX_LIMIT_DAYS:
        raise FollowupError(
            f"limit: {first} to {last} is {(last - first).days + 1} days; a limit lasts at most "
            f"{MAX_LIMIT_DAYS} days (set a new one when it ends)"
        )
    hours = None
    if kind == "max_weekly_hours":
        try:
            hours = float(value)
        except (TypeError, ValueError):
            hours = math.nan
        if isinstance(value, bool) or not (0 <= hours <= MAX_WEEKLY_CAP_HOURS):
            raise FollowupError(
                f"limit: at most N hours a week needs N between 0 and {MAX_WEEKLY_CAP_HOURS:g}, "
                f"got {value!r}"
            )
    return {"kind": kind, "value": hours, "start_date": first, "end_date": last}


def _day(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise FollowupError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def due_order(followups: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Open follow-ups, overdue first (longest overdue first), then by follow-up date.

    Parameters
    ----------
    followups : pandas.DataFrame
        At least ``due_date`` (dates) and ``done_at`` (empty while open).
    today : datetime.date

    Returns
    -------
    pandas.DataFrame
        The open rows with ``days_overdue`` (0 when not yet due), sorted.
    """
    open_ = followups[followups["done_at"].isna()].copy()
    due = pd.to_datetime(open_["due_date"])
    open_["days_overdue"] = (pd.Timestamp(today) - due).dt.days.clip(lower=0).astype("int64")
    open_["_overdue"] = open_["days_overdue"] > 0
    open_["_due"] = due
    open_ = open_.sort_values(["_overdue", "_due"], ascending=[False, True], kind="stable")
    return open_.drop(columns=["_overdue", "_due"]).reset_index(drop=True)


def _active(limits: pd.DataFrame, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    frame = limits.loc[:, list(LIMIT_COLUMNS)]
    start = pd.to_datetime(frame["start_date"])
    end = pd.to_datetime(frame["end_date"])
    return frame[(start <= pd.Timestamp(last_day)) & (end >= pd.Timestamp(first_day))]


def limit_notes(limits: pd.DataFrame, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    """Per person, the limits that apply between two days and the last day any of them applies.

    What planners are told: which limits and until when, nothing about why.

    Returns
    -------
    pandas.DataFrame
        :data:`LIMIT_NOTE_COLUMNS`: ``limits`` the kinds in words ("no late shifts (...)"),
        ``until`` a date; one row per person, by agent id.
    """
    active = _active(limits, first_day, last_day)
    records = []
    for agent_id, own in active.groupby("agent_id", sort=True):
        words = [
            LIMIT_LABELS[row.kind].format(value=row.value if pd.notna(row.value) else 0)
            for row in own.sort_values("start_date").itertuples()
        ]
        records.append(
            {
                "agent_id": str(agent_id),
                "limits": ", ".join(dict.fromkeys(words)),
                "until": pd.to_datetime(own["end_date"]).max().date(),
            }
        )
    return pd.DataFrame.from_records(records, columns=list(LIMIT_NOTE_COLUMNS))


def agents_without_overtime(
    limits: pd.DataFrame, first_day: dt.date, last_day: dt.date
) -> frozenset[str]:
    """People with a ``no_overtime`` limit on some day between the two: they take no overtime,
    so an outlook of covering a gap with overtime leaves them out."""
    active = _active(limits, first_day, last_day)
    return frozenset(active.loc[active["kind"] == "no_overtime", "agent_id"].astype(str))
