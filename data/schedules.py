"""Published schedules: the schedule a planner makes current for its days, and what it puts on duty.

A schedule generated on the Schedule page lives in the planner's session. Publishing stores it:
the staff on duty per queue and interval (the shift plan's, and the named agents' when there is
a roster) and the roster's shifts. The Overview reads the published staff as "the current
schedule": for each queue and day the newest publication covering it wins, so publishing a
week again replaces it without deleting the older one (it stays listed).

Like the other data-layer modules, this one takes and returns plain frames; turning a
``staffing`` result into them is the caller's job.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from contracts.checks import require_columns
from data import schema
from data.access import AuditAction, Permission, Principal, audit, require
from data.store import Store, query_frame

logger = logging.getLogger(__name__)

#: Staff on duty per queue and interval: required, the shift plan's and (with a roster) the
#: named agents'; ``rostered_staff`` is NaN for a shift plan without names.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "required_staff",
    "planned_staff",
    "rostered_staff",
)
#: One row per agent and shift of the roster (times are the queue's local time).
SHIFT_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "country",
    "channel",
    "date",
    "shift",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "paid_hours",
)
LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "published_at",
    "published_by",
    "first_day",
    "last_day",
    "countries",
    "channels",
    "plan_status",
    "roster_status",
    "shortfall_staff_hours",
    "labour_cost",
    "filled_shifts",
    "unfilled_shifts",
    "note",
)
#: The staff the current schedule puts on duty (:func:`current_staff`).
CURRENT_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "scheduled_staff",
    "schedule_id",
)
_QUEUE = ["country", "channel"]
_STATUS_LENGTH = 16


class ScheduleError(ValueError):
    """A schedule cannot be published or found; the message says what and why."""


@dataclass(frozen=True)
class ScheduleSummary:
    """What the Schedule page reports about a schedule, stored with it.

    ``roster_status``, ``filled_shifts`` and ``unfilled_shifts`` are None for a shift plan
    without named agents.
    """

    plan_status: str
    shortfall_staff_hours: float
    labour_cost: float
    roster_status: str | None = None
    filled_shifts: int | None = None
    unfilled_shifts: int | None = None


@dataclass(frozen=True)
class PublishedSchedule:
    """A published schedule as stored: its row (:data:`LIST_COLUMNS` as a dict), the staff per
    interval (:data:`INTERVAL_COLUMNS`) and the roster's shifts (:data:`SHIFT_COLUMNS` plus the
    agents' ``name`` and ``team`` where they are still loaded)."""

    info: dict[str, Any]
    intervals: pd.DataFrame
    shifts: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


# --- writing -----------------------------------------------------------------------------------


def publish_schedule(
    store: Store,
    viewer: Principal,
    *,
    intervals: pd.DataFrame,
    shifts: pd.DataFrame,
    summary: ScheduleSummary,
    settings: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> int:
    """Store a schedule as the current one for its queues and days, in one transaction.

    Parameters
    ----------
    intervals : DataFrame
        :data:`INTERVAL_COLUMNS`, one row per queue and interval of the schedule's days.
    shifts : DataFrame
        :data:`SHIFT_COLUMNS`, the roster (empty for a shift plan without names).
    summary : ScheduleSummary
    settings : mapping, optional
        What the schedule was made with (opening hours, templates, ...); stored as JSON.
    note : str, optional
        The planner's words, e.g. "agreed with the team leads".

    Returns
    -------
    int
        The new schedule's id.

    Raises
    ------
    AccessDenied
        The viewer may not publish schedules.
    ScheduleError
        No intervals, a missing column, a value that is not a finite number or a time.
    """
    require(viewer, Permission.PUBLISH_SCHEDULES)
    staff = _checked_intervals(intervals)
    roster = _checked_shifts(shifts)
    days = staff["interval_start"].dt.normalize()
    row = {
        "published_at": dt.datetime.now(dt.UTC),
        "published_by": viewer.username[:100],
        "first_day": days.min().date(),
        "last_day": days.max().date(),
        "countries": ",".join(sorted(staff["country"].unique()))[:400],
        "channels": ",".join(sorted(staff["channel"].unique()))[:100],
        "plan_status": str(summary.plan_status)[:_STATUS_LENGTH],
        "roster_status": (
            None if summary.roster_status is None else str(summary.roster_status)[:_STATUS_LENGTH]
        ),
        "shortfall_staff_hours": float(summary.shortfall_staff_hours),
        "labour_cost": float(summary.labour_cost),
        "filled_shifts": None if summary.filled_shifts is None else int(summary.filled_shifts),
        "unfilled_shifts": (
            None if summary.unfilled_shifts is None else int(summary.unfilled_shifts)
        ),
        "settings": json.dumps(dict(settings or {}), default=str, sort_keys=True),
        "note": (str(note).strip() or None) if note is not None else None,
    }
    with store.engine.begin() as conn:
        inserted = conn.execute(sa.insert(schema.published_schedules).values(**row))
        schedule_id = int(inserted.inserted_primary_key[0])
        conn.execute(
            sa.insert(schema.published_schedule_intervals),
            _records(staff.assign(schedule_id=schedule_id)),
        )
        if len(roster):
            conn.execute(
                sa.insert(schema.published_schedule_shifts),
                _records(roster.assign(schedule_id=schedule_id)),
            )
        audit(
            conn,
            viewer,
            AuditAction.PUBLISH_SCHEDULE,
            f"schedule:{schedule_id}",
            {
                "first_day": row["first_day"].isoformat(),
                "last_day": row["last_day"].isoformat(),
                "countries": row["countries"],
                "channels": row["channels"],
                "shifts": len(roster),
            },
        )
    logger.info("published schedule %s for %s", schedule_id, viewer.username)
    return schedule_id


def _require_columns(what: str, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    require_columns(frame, columns, what, error=ScheduleError)
    return frame.loc[:, list(columns)].reset_index(drop=True)


def _times(what: str, frame: pd.DataFrame, columns: Sequence[str], optional=()) -> None:
    for column in columns:
        parsed = pd.to_datetime(frame[column], errors="coerce")
        bad = parsed.isna() & (frame[column].notna() | (column not in optional))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScheduleError(
                f"{what} row {row}: column {column!r} has '{frame[column].iloc[row]}', "
                "not a date and time"
            )
        frame[column] = parsed


def _numbers(what: str, frame: pd.DataFrame, columns: Sequence[str], optional=()) -> None:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        finite = np.isfinite(values.to_numpy())
        bad = ~finite & ~(values.isna().to_numpy() & (column in optional))
        bad |= finite & (values.to_numpy() < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ScheduleError(
                f"{what} row {row}: column {column!r} has '{frame[column].iloc[row]}', "
                "not a number >= 0"
            )
        frame[column] = values


def _checked_intervals(intervals: pd.DataFrame) -> pd.DataFrame:
    staff = _require_columns("intervals", intervals, INTERVAL_COLUMNS)
    if staff.empty:
        raise ScheduleError("intervals: the schedule is empty; generate one before publishing")
    _times("intervals", staff, ["interval_start"])
    _numbers(
        "intervals",
        staff,
        ["interval_minutes", "required_staff", "planned_staff", "rostered_staff"],
        optional=("rostered_staff",),
    )
    zero = staff["interval_minutes"] <= 0
    if zero.any():
        row = int(np.flatnonzero(zero.to_numpy())[0])
        raise ScheduleError(
            f"intervals row {row}: column 'interval_minutes' has "
            f"'{staff['interval_minutes'].iloc[row]:g}', not a length of at least one minute"
        )
    staff["interval_minutes"] = staff["interval_minutes"].astype(int)
    dupes = staff.duplicated([*_QUEUE, "interval_start"])
    if dupes.any():
        first = staff[dupes].iloc[0]
        raise ScheduleError(
            f"intervals: {first['country']}/{first['channel']} has the interval "
            f"{first['interval_start']:%Y-%m-%d %H:%M} more than once"
        )
    return staff


def _checked_shifts(shifts: pd.DataFrame) -> pd.DataFrame:
    roster = _require_columns("shifts", shifts, SHIFT_COLUMNS)
    _times("shifts", roster, ["shift_start", "shift_end", "break_start", "break_end"],
           optional=("break_start", "break_end"))  # fmt: skip
    _numbers("shifts", roster, ["paid_hours"])
    roster["date"] = pd.to_datetime(roster["date"]).dt.date
    roster["agent_id"] = roster["agent_id"].astype(str)
    roster["shift"] = roster["shift"].astype(str).str.slice(0, 100)
    return roster


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (NaN and NaT as None)."""
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            plain = [None if pd.isna(v) else v.to_pydatetime() for v in values]
        else:
            plain = [None if _missing(v) else (v.item() if hasattr(v, "item") else v)
                     for v in values]  # fmt: skip
        columns[column] = plain
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and np.isnan(value))


# --- reading -----------------------------------------------------------------------------------


def list_schedules(store: Store, viewer: Principal) -> pd.DataFrame:
    """Published schedules, newest first (:data:`LIST_COLUMNS`)."""
    require(viewer, Permission.VIEW_STAFFING)
    table = schema.published_schedules
    query = sa.select(*(table.c[c] for c in LIST_COLUMNS)).order_by(table.c.id.desc())
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    return frame.reindex(columns=list(LIST_COLUMNS))


def load_schedule(store: Store, viewer: Principal, schedule_id: int) -> PublishedSchedule:
    """One published schedule with its staff per interval and its roster."""
    require(viewer, Permission.VIEW_STAFFING)
    table = schema.published_schedules
    with store.engine.connect() as conn:
        row = (
            conn.execute(sa.select(table).where(table.c.id == int(schedule_id))).mappings().first()
        )
        if row is None:
            raise ScheduleError(f"there is no published schedule #{schedule_id}")
        ivs = schema.published_schedule_intervals
        intervals = query_frame(
            conn,
            sa.select(*(ivs.c[c] for c in INTERVAL_COLUMNS))
            .where(ivs.c.schedule_id == int(schedule_id))
            .order_by(ivs.c.country, ivs.c.channel, ivs.c.interval_start),
        )
        sh, agents = schema.published_schedule_shifts, schema.agents
        shifts = query_frame(
            conn,
            sa.select(*(sh.c[c] for c in SHIFT_COLUMNS), agents.c.name, agents.c.team)
            .select_from(sh.outerjoin(agents, agents.c.agent_id == sh.c.agent_id))
            .where(sh.c.schedule_id == int(schedule_id))
            .order_by(sh.c.shift_start, sh.c.agent_id),
        )
    info = {c: row[c] for c in LIST_COLUMNS}
    for column in ("interval_start",):
        intervals[column] = pd.to_datetime(intervals[column])
    for column in ("shift_start", "shift_end", "break_start", "break_end"):
        shifts[column] = pd.to_datetime(shifts[column])
    return PublishedSchedule(info, intervals, shifts, json.loads(row["settings"] or "{}"))


def current_staff(store: Store, viewer: Principal, first: dt.date, last: dt.date) -> pd.DataFrame:
    """The staff the current schedule puts on duty from ``first`` to ``last``.

    Per queue and day the newest published schedule covering that day is the current one; its
    named agents on duty count where it has a roster, else its shift plan's staff.

    Returns
    -------
    DataFrame
        :data:`CURRENT_COLUMNS`, one row per queue and interval of the days some schedule
        covers (intervals where it puts nobody on duty included, with 0).
    """
    require(viewer, Permission.VIEW_STAFFING)
    ivs = schema.published_schedule_intervals
    start = dt.datetime.combine(first, dt.time())
    stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    query = sa.select(
        ivs.c.schedule_id,
        ivs.c.country,
        ivs.c.channel,
        ivs.c.interval_start,
        ivs.c.interval_minutes,
        ivs.c.planned_staff,
        ivs.c.rostered_staff,
    ).where(ivs.c.interval_start >= start, ivs.c.interval_start < stop)
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(columns=list(CURRENT_COLUMNS)).astype(
            {"interval_start": "datetime64[ns]", "scheduled_staff": float}
        )
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["day"] = frame["interval_start"].dt.normalize()
    newest = frame.groupby([*_QUEUE, "day"])["schedule_id"].transform("max")
    current = frame[frame["schedule_id"] == newest]
    current = current.assign(
        scheduled_staff=on_duty(current),
        interval_minutes=current["interval_minutes"].astype(int),
        schedule_id=current["schedule_id"].astype(int),
    )
    return (
        current[list(CURRENT_COLUMNS)]
        .sort_values([*_QUEUE, "interval_start"])
        .reset_index(drop=True)
    )


def on_duty(intervals: pd.DataFrame) -> pd.Series:
    """The staff a published schedule puts on duty per row of its intervals: the named agents
    (``rostered_staff``) where it has a roster, else the shift plan's (``planned_staff``).
    A roster has a value in every interval, so the rule holds row by row."""
    return intervals["rostered_staff"].fillna(intervals["planned_staff"]).astype(float)


def schedules_version(store: Store) -> tuple[int, int]:
    """How many schedules are published and the newest's id: a cache key that changes with
    every publication (schedules are never deleted)."""
    table = schema.published_schedules
    with store.engine.connect() as conn:
        count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(table.c.id))).one()
    return int(count), int(newest or 0)
