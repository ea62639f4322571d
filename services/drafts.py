"""Drafts workflow: keep a planner's staffing plan and unpublished schedule across reloads.

The Staffing page saves its plan's choices here whenever a plan is made, the Schedule page its
schedule whenever one is generated; in a new session (a reload, a new sign-in) both pages ask
here for what to restore. Publishing a schedule or discarding a draft clears it. Storing and
access checks are :mod:`data.drafts`'; this module turns plans and schedules into JSON and back.

What a schedule draft holds, and why: the schedule's *results* (the shift plan's and the
roster's frames and figures, as JSON rows) with the settings it was made with, not only its
inputs. Regenerating from the requirements and settings would rerun the solver (up to twice the
time limit, 30-60 s) and, stopped by its time limit, need not find the same schedule: the
planner would come back to a different one than they left. A week's results are small (a few
thousand rows for a few hundred agents); the export files (CSV, Excel, calendars) are rebuilt
from them on restore, in well under a second, rather than stored.

The demo visitor keeps no drafts (every visitor shares its name): for it, saving does nothing
and there is nothing to restore.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from data import drafts as stored
from data.access import Principal
from data.drafts import SCHEDULE, STAFFING_PLAN, Draft, DraftError
from data.store import Store
from services import schedules
from staffing.exports import ScheduleOutputs, schedule_files
from staffing.roster import Roster
from staffing.scheduling import ShiftPlan

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEDULE",
    "STAFFING_PLAN",
    "DraftError",
    "PlanDraft",
    "ScheduleDraft",
    "can_keep_drafts",
    "discard_plan",
    "discard_schedule",
    "plan_from_payload",
    "plan_payload",
    "publish_schedule",
    "restore_plan",
    "restore_schedule",
    "save_plan",
    "save_schedule",
    "schedule_from_payload",
    "schedule_payload",
]

#: Bumped when a payload's layout changes; older drafts are then ignored (and dropped).
PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class PlanDraft:
    """A restored staffing plan: the Staffing page's plan dict and when it was saved (UTC)."""

    plan: dict[str, Any]
    saved_at: dt.datetime


@dataclass(frozen=True)
class ScheduleDraft:
    """A restored, unpublished schedule.

    Attributes
    ----------
    plan : dict
        The Staffing page's plan the schedule was made for.
    outputs : ScheduleOutputs
        The shift plan, the roster (None without agents) and the export files, rebuilt.
    week_start : date
    settings : dict
        What the schedule was made with, as stored when it is published.
    saved_at : datetime
        When it was generated and saved (UTC).
    """

    plan: dict[str, Any]
    outputs: ScheduleOutputs
    week_start: dt.date
    settings: dict[str, Any]
    saved_at: dt.datetime


def can_keep_drafts(principal: Principal | None, kind: str) -> bool:
    """True when ``principal`` has drafts of ``kind`` (an account, not the demo visitor, in a
    role that may: :data:`data.drafts.KINDS`)."""
    return (
        principal is not None
        and not principal.demo
        and kind in stored.KINDS
        and principal.can(stored.KINDS[kind])
    )


# --- plain JSON values ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as JSON: dates and times as ISO text, NaN and NaT as None, numpy scalars as
    Python's, tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):  # pandas' Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _frame_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame as ``columns``, ``dtypes``, ``dates`` (object columns of dates) and ``rows``."""
    dates = [
        c
        for c in frame.columns
        if frame[c].dtype == object
        and frame[c].map(lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime)).any()
    ]
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
        "dates": dates,
        "rows": [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def _frame_from(payload: Mapping[str, Any]) -> pd.DataFrame:
    columns = list(payload["columns"])
    frame = pd.DataFrame.from_records(payload["rows"], columns=columns)
    for column, dtype in payload["dtypes"].items():
        values = frame[column]
        if dtype.startswith("datetime64"):
            frame[column] = pd.to_datetime(values).astype(dtype)
        elif column in payload["dates"]:
            frame[column] = [None if v is None else dt.date.fromisoformat(v) for v in values]
        elif dtype != "object":
            # e.g. an int column with None: keep pandas' guess
            with contextlib.suppress(TypeError, ValueError):
                frame[column] = values.astype(dtype)
    return frame


# --- staffing plans ------------------------------------------------------------------------------


def plan_payload(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The Staffing page's plan dict (``app_pages.planning_cache``) as JSON."""
    return {"version": PAYLOAD_VERSION, "plan": _plain(plan)}


def plan_from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The plan dict of :func:`plan_payload`, with its dates and tuples back.

    Raises
    ------
    DraftError
        Another payload version, or a plan without its period, queues or targets.
    """
    if payload.get("version") != PAYLOAD_VERSION:
        raise DraftError(f"a draft of version {payload.get('version')!r}, not {PAYLOAD_VERSION}")
    try:
        plan = dict(payload["plan"])
        plan["period"] = tuple(dt.date.fromisoformat(day) for day in plan["period"])
        plan["countries"] = tuple(plan["countries"])
        plan["channels"] = tuple(plan["channels"])
        plan["targets"] = dict(plan["targets"])
        for name, kind in (
            ("chat_concurrency", int),
            ("use_upper_bound", bool),
            ("volume_share", float),
        ):
            if name in plan:
                plan[name] = kind(plan[name])
    except (KeyError, TypeError, ValueError) as exc:
        raise DraftError(f"the stored plan is incomplete or malformed: {exc!r}") from None
    if len(plan["period"]) != 2:
        raise DraftError(f"the stored plan's period is not two days: {plan['period']}")
    return plan


def save_plan(store: Store, principal: Principal, plan: Mapping[str, Any]) -> Draft | None:
    """Keep ``plan`` as the principal's staffing-plan draft (audited); None for the demo
    visitor and roles without drafts, who keep nothing."""
    if not can_keep_drafts(principal, STAFFING_PLAN):
        return None
    return stored.save_draft(store, principal, STAFFING_PLAN, plan_payload(plan))


def restore_plan(store: Store, principal: Principal | None) -> PlanDraft | None:
    """The principal's staffing-plan draft, or None (none kept, or one this version cannot
    read, which is then discarded)."""
    if not can_keep_drafts(principal, STAFFING_PLAN):
        return None
    draft = stored.load_draft(store, principal, STAFFING_PLAN)
    if draft is None:
        return None
    try:
        return PlanDraft(plan_from_payload(draft.payload), draft.updated_at)
    except DraftError as exc:
        logger.warning("dropping the staffing plan draft of %s: %s", principal.username, exc)
        stored.discard_draft(store, principal, STAFFING_PLAN, reason=f"unreadable: {exc}")
        return None


def discard_plan(store: Store, principal: Principal | None) -> bool:
    """Drop the principal's staffing-plan draft (audited); True if there was one."""
    if not can_keep_drafts(principal, STAFFING_PLAN):
        return False
    return stored.discard_draft(store, principal, STAFFING_PLAN)


# --- schedules -----------------------------------------------------------------------------------

_PARTS = {"plan": ShiftPlan, "roster": Roster}
#: Roster fields not kept: the per-part solver diagnostics (countries, weeks, gaps).
_SKIPPED = {"parts"}


def _result_payload(result: ShiftPlan | Roster) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(result):
        if f.name in _SKIPPED:
            continue
        value = getattr(result, f.name)
        out[f.name] = (
            {"frame": _frame_payload(value)} if isinstance(value, pd.DataFrame) else _plain(value)
        )
    return out


def _result_from(cls: type, payload: Mapping[str, Any]) -> Any:
    values = {
        name: _frame_from(value["frame"]) if isinstance(value, dict) and "frame" in value else value
        for name, value in payload.items()
    }
    return cls(**values)


def schedule_payload(
    plan: Mapping[str, Any],
    outputs: ScheduleOutputs,
    week_start: dt.date,
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    """A generated schedule as JSON: its plan, week and settings, and the shift plan's and
    roster's results (not the export files: :func:`schedule_from_payload` rebuilds them)."""
    return {
        "version": PAYLOAD_VERSION,
        "plan": _plain(plan),
        "week_start": week_start.isoformat(),
        "settings": _plain(settings),
        "shift_plan": _result_payload(outputs.plan),
        "roster": None if outputs.roster is None else _result_payload(outputs.roster),
        # the rota workbook as generated: it lists the team's agents without shifts and their
        # absences, which the roster's results alone do not hold
        "roster_xlsx": (
            base64.b64encode(outputs.files["roster.xlsx"]).decode("ascii")
            if "roster.xlsx" in outputs.files
            else None
        ),
    }


def schedule_from_payload(
    payload: Mapping[str, Any], *, dtstamp: dt.datetime | None = None
) -> tuple[dict[str, Any], ScheduleOutputs, dt.date, dict[str, Any]]:
    """The plan, outputs (export files rebuilt, calendars stamped ``dtstamp``, default now),
    week start and settings of :func:`schedule_payload`.

    Raises
    ------
    DraftError
        Another payload version, or a payload that does not make a schedule.
    """
    plan = plan_from_payload(payload)
    try:
        shift_plan = _result_from(ShiftPlan, payload["shift_plan"])
        roster = None if payload["roster"] is None else _result_from(Roster, payload["roster"])
        week_start = dt.date.fromisoformat(payload["week_start"])
        settings = dict(payload["settings"])
        files = export_files(shift_plan, roster, dtstamp=dtstamp)
        if payload.get("roster_xlsx"):
            files["roster.xlsx"] = base64.b64decode(payload["roster_xlsx"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise DraftError(f"the stored schedule is incomplete or malformed: {exc!r}") from None
    return plan, ScheduleOutputs(shift_plan, roster, files), week_start, settings


def export_files(
    plan: ShiftPlan, roster: Roster | None, *, dtstamp: dt.datetime | None = None
) -> dict[str, bytes]:
    """The export files of a restored schedule: :func:`staffing.exports.schedule_files`, the
    same function the generation uses, so nothing is solved again and nothing differs."""
    return schedule_files(plan, roster, dtstamp=dtstamp)


def save_schedule(
    store: Store,
    principal: Principal,
    *,
    plan: Mapping[str, Any],
    outputs: ScheduleOutputs,
    week_start: dt.date,
    settings: Mapping[str, Any],
) -> Draft | None:
    """Keep a generated schedule as the principal's schedule draft (audited); None for the
    demo visitor and roles that do not publish schedules.

    Raises
    ------
    DraftError
        The schedule is too large to keep (:data:`data.drafts.MAX_PAYLOAD_CHARS`).
    """
    if not can_keep_drafts(principal, SCHEDULE):
        return None
    payload = schedule_payload(plan, outputs, week_start, settings)
    return stored.save_draft(store, principal, SCHEDULE, payload)


def restore_schedule(store: Store, principal: Principal | None) -> ScheduleDraft | None:
    """The principal's unpublished schedule, or None (none kept, or one this version cannot
    read, which is then discarded)."""
    if not can_keep_drafts(principal, SCHEDULE):
        return None
    draft = stored.load_draft(store, principal, SCHEDULE)
    if draft is None:
        return None
    try:
        plan, outputs, week_start, settings = schedule_from_payload(draft.payload)
    except DraftError as exc:
        logger.warning("dropping the schedule draft of %s: %s", principal.username, exc)
        stored.discard_draft(store, principal, SCHEDULE, reason=f"unreadable: {exc}")
        return None
    return ScheduleDraft(plan, outputs, week_start, settings, draft.updated_at)


def discard_schedule(
    store: Store, principal: Principal | None, *, reason: str = "discarded"
) -> bool:
    """Drop the principal's schedule draft (audited with ``reason``); True if there was one."""
    if not can_keep_drafts(principal, SCHEDULE):
        return False
    return stored.discard_draft(store, principal, SCHEDULE, reason=reason)


def publish_schedule(
    store: Store,
    principal: Principal,
    outputs: ScheduleOutputs,
    *,
    settings: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> int:
    """Publish a schedule (:func:`services.schedules.publish_schedule`) and clear the
    principal's schedule draft: once published it is no longer work in progress.

    The draft is cleared after the publication's own transaction; should that fail, a draft
    left behind only offers the published schedule again.
    """
    schedule_id = schedules.publish_schedule(
        store, principal, outputs, settings=settings, note=note
    )
    discard_schedule(store, principal, reason=f"published as schedule {schedule_id}")
    return schedule_id
