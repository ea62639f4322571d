"""Queue settings: the handle time, opening hours and arrival profile a planner states per queue.

Daily exports rarely carry what staffing needs besides the volume, so the planner states it per
queue (country x channel). This module stores and reads those settings, with the same access
rules as the rest of planning (planners and admins write, every role that sees staffing reads)
and an audit row for every change, written in the change's transaction. It takes and returns
plain values: what a setting means (parsing opening hours, normalising a profile) is
``staffing.profiles``' job, and the caller checks a setting before storing it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from contracts import require_columns
from contracts.checks import check_positive
from data import schema
from data.access import AuditAction, Permission, Principal, audit, require
from data.store import Store, query_frame

#: Columns of an uploaded profile as stored (``data.validation``'s clean ``profile`` frame).
PROFILE_FRAME_COLUMNS: tuple[str, ...] = ("weekday", "minute_of_day", "interval_minutes", "share")
#: Columns of :func:`queue_settings_frame`.
LIST_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "aht_seconds",
    "opening_hours",
    "profile_source",
    "profile_file",
    "updated_at",
    "updated_by",
)
_WRITE = Permission.IMPORT_PLANNING  # planners and admins: they import the planning inputs too
_READ = Permission.VIEW_STAFFING  # managers read


class QueueSettingsError(ValueError):
    """A setting cannot be stored as given; the message says which and why."""


@dataclass(frozen=True)
class QueueSettings:
    """What is stored for one queue.

    Attributes
    ----------
    country, channel : str
    aht_seconds : float or None
        Average handle time in seconds (None: not stated).
    opening_hours : str or None
        The opening hours as planners write them (``staffing.profiles.parse_opening_hours``).
    profile_source : str or None
        ``learnt``, ``builtin`` or ``uploaded`` (``staffing.profiles.PROFILE_SOURCES``).
    profile : DataFrame or None
        The uploaded profile (:data:`PROFILE_FRAME_COLUMNS`), None unless one was uploaded.
    profile_file : str or None
        The uploaded profile's file name.
    updated_at : datetime or None
    updated_by : str or None
    """

    country: str
    channel: str
    aht_seconds: float | None = None
    opening_hours: str | None = None
    profile_source: str | None = None
    profile: pd.DataFrame | None = None
    profile_file: str | None = None
    updated_at: dt.datetime | None = None
    updated_by: str | None = None


def _profile_json(profile: pd.DataFrame | None) -> str | None:
    if profile is None:
        return None
    require_columns(profile, PROFILE_FRAME_COLUMNS, "profile", error=QueueSettingsError)
    rows = [
        [
            None if pd.isna(w) else int(w),
            int(m),
            int(i),
            float(s),
        ]
        for w, m, i, s in profile[list(PROFILE_FRAME_COLUMNS)].itertuples(index=False)
    ]
    return json.dumps(rows)


def _profile_frame(text: str | None) -> pd.DataFrame | None:
    if not text:
        return None
    frame = pd.DataFrame(json.loads(text), columns=list(PROFILE_FRAME_COLUMNS))
    return frame.astype({"weekday": "Int64", "minute_of_day": int, "interval_minutes": int})


def save_queue_settings(
    store: Store,
    viewer: Principal,
    country: str,
    channel: str,
    *,
    aht_seconds: float | None,
    opening_hours: str | None,
    profile_source: str | None,
    profile: pd.DataFrame | None = None,
    profile_file: str | None = None,
) -> QueueSettings:
    """Store one queue's settings (replacing what was stored), audited, in one transaction.

    An uploaded profile is kept until another is uploaded: saving with ``profile=None`` and
    ``profile_source="uploaded"`` keeps the stored one.

    Raises
    ------
    AccessDenied
        The viewer may not change planning inputs (planners and admins may).
    QueueSettingsError
        A handle time that is not a positive finite number, text too long to store, or
        ``uploaded`` chosen without a profile stored or given.
    """
    require(viewer, _WRITE)
    country, channel = str(country).strip().upper(), str(channel).strip().lower()
    if not country or not channel or len(country) > 2 or len(channel) > 8:
        raise QueueSettingsError(f"not a queue: {country!r} / {channel!r}")
    if aht_seconds is not None:
        check_positive("aht_seconds", aht_seconds, error=QueueSettingsError)
    if opening_hours is not None and len(str(opening_hours)) > 200:
        raise QueueSettingsError("opening hours: at most 200 characters")
    if profile_source is not None and len(str(profile_source)) > 16:
        raise QueueSettingsError(f"profile source too long: {profile_source!r}")
    table = schema.queue_settings
    key = (table.c.country == country) & (table.c.channel == channel)
    with store.engine.begin() as conn:
        before = conn.execute(sa.select(table).where(key)).mappings().first()
        stored_profile = before["profile"] if before is not None else None
        profile_text = _profile_json(profile) if profile is not None else stored_profile
        file_name = (
            (str(profile_file)[:200] if profile_file else None)
            if profile is not None
            else (before["profile_file"] if before is not None else None)
        )
        if profile_source == "uploaded" and not profile_text:
            raise QueueSettingsError(
                f"{country}/{channel}: upload a profile file before choosing an uploaded profile"
            )
        row = {
            "aht_seconds": None if aht_seconds is None else float(aht_seconds),
            "opening_hours": None if opening_hours is None else str(opening_hours).strip(),
            "profile_source": profile_source,
            "profile": profile_text,
            "profile_file": file_name,
            "updated_at": dt.datetime.now(dt.UTC),
            "updated_by": viewer.username[:100],
        }
        if before is None:
            conn.execute(sa.insert(table).values(country=country, channel=channel, **row))
        else:
            conn.execute(sa.update(table).where(key).values(**row))
        shown = ("aht_seconds", "opening_hours", "profile_source", "profile_file")
        detail = {name: row[name] for name in shown}
        if before is not None:
            detail["before"] = {name: before[name] for name in shown}
        if profile is not None:
            detail["profile_rows"] = len(profile)
        audit(conn, viewer, AuditAction.SAVE_QUEUE_SETTINGS, f"queue:{country}/{channel}", detail)
    return load_queue_settings(store, viewer)[(country, channel)]


def load_queue_settings(store: Store, viewer: Principal) -> dict[tuple[str, str], QueueSettings]:
    """Every stored queue's settings, keyed by ``(country, channel)``.

    Raises
    ------
    AccessDenied
        The viewer may not see staffing.
    """
    require(viewer, _READ)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.queue_settings)).mappings().all()
    return {
        (row["country"], row["channel"]): QueueSettings(
            country=row["country"],
            channel=row["channel"],
            aht_seconds=row["aht_seconds"],
            opening_hours=row["opening_hours"],
            profile_source=row["profile_source"],
            profile=_profile_frame(row["profile"]),
            profile_file=row["profile_file"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )
        for row in rows
    }


def queue_settings_frame(store: Store, viewer: Principal) -> pd.DataFrame:
    """The stored settings as a table (:data:`LIST_COLUMNS`), sorted by queue."""
    require(viewer, _READ)
    t = schema.queue_settings
    with store.engine.connect() as conn:
        frame = query_frame(
            conn, sa.select(*[t.c[c] for c in LIST_COLUMNS]).order_by(t.c.country, t.c.channel)
        )
    return frame


def settings_version(store: Store) -> tuple[int, str]:
    """Changes whenever a queue's settings change (count and newest change), for caches."""
    t = schema.queue_settings
    with store.engine.connect() as conn:
        count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(t.c.updated_at))).one()
    return int(count), str(newest)
