"""Drafts: a user's staffing plan and unpublished schedule, kept so a reload loses neither.

The Staffing page's choices and a schedule generated on the Schedule page live in the browser
session; this module keeps a copy in the database, one current draft per owner and kind, so a
reload or a new sign-in can restore it. It only stores and reads: what a payload holds (and
turning it back into a plan or a schedule) is ``services.drafts``' job.

Access: a draft is its owner's alone (every function acts on the caller's own drafts; there is
no way to name another user's). Staffing plans are for the roles that plan staffing (planners,
managers, admins), schedule drafts for the roles that publish schedules (planners, admins). The
demo visitor is everyone at once (one shared name), so it keeps no drafts. Saving and
discarding write an audit row in the same transaction, as publishing a schedule does.

Drafts go with their owner (``data.users.remove_user`` deletes a removed user's drafts) and with
the HR data they name: the retention purge deletes every draft naming an agent whose HR records
it purged (:func:`drafts_naming`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data import schema
from data.access import AccessDenied, AuditAction, Permission, Principal, audit, require
from data.store import Store

logger = logging.getLogger(__name__)

STAFFING_PLAN = "staffing_plan"
SCHEDULE = "schedule"
#: The kinds of draft and the permission each needs.
KINDS: Mapping[str, Permission] = {
    STAFFING_PLAN: Permission.VIEW_STAFFING,  # planners, managers, admins
    SCHEDULE: Permission.PUBLISH_SCHEDULES,  # planners, admins
}
#: The largest payload stored, in characters of JSON (a week's roster of a few hundred agents
#: is well under 1 MB).
MAX_PAYLOAD_CHARS = 16_000_000


class DraftError(ValueError):
    """A draft cannot be stored or read as given; the message says which and why."""


@dataclass(frozen=True)
class Draft:
    """One stored draft.

    Attributes
    ----------
    owner : str
        The user name it belongs to.
    kind : str
        ``staffing_plan`` or ``schedule`` (:data:`KINDS`).
    payload : dict
        The JSON object saved.
    updated_at : datetime
        When it was last saved (UTC, timezone-aware).
    """

    owner: str
    kind: str
    payload: dict[str, Any]
    updated_at: dt.datetime


def _check(viewer: Principal | None, kind: str) -> Principal:
    if kind not in KINDS:
        raise DraftError(f"unknown kind of draft {kind!r}; kinds are: {', '.join(KINDS)}")
    viewer = require(viewer, KINDS[kind])
    if viewer.demo:
        raise AccessDenied(
            "the demo visitor keeps no drafts: every visitor shares its name; sign in with an "
            "account to keep your work"
        )
    return viewer


def _owner(viewer: Principal) -> str:
    return viewer.username[:200]


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def save_draft(store: Store, viewer: Principal, kind: str, payload: Mapping[str, Any]) -> Draft:
    """Store ``payload`` as the viewer's current draft of ``kind``, replacing the one before;
    audited in the same transaction.

    Parameters
    ----------
    kind : str
        ``staffing_plan`` or ``schedule``.
    payload : mapping
        Plain JSON values only (no NaN or infinity: write them as None).

    Returns
    -------
    Draft
        As stored.

    Raises
    ------
    AccessDenied
        The viewer may not keep drafts of this kind (or is the demo visitor).
    DraftError
        An unknown kind, a payload that is not JSON or larger than :data:`MAX_PAYLOAD_CHARS`.
    """
    viewer = _check(viewer, kind)
    if not isinstance(payload, Mapping):
        raise DraftError(f"a draft is a mapping of names to values, got {type(payload).__name__}")
    try:
        text = json.dumps(dict(payload), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DraftError(f"the {kind} draft is not plain JSON: {exc}") from None
    if len(text) > MAX_PAYLOAD_CHARS:
        raise DraftError(
            f"the {kind} draft is {len(text):,} characters of JSON, more than the "
            f"{MAX_PAYLOAD_CHARS:,} kept"
        )
    table = schema.drafts
    owner = _owner(viewer)
    key = (table.c.owner == owner) & (table.c.kind == kind)
    now = dt.datetime.now(dt.UTC)
    with store.engine.begin() as conn:
        before = conn.execute(sa.select(table.c.id).where(key)).first()
        if before is None:
            conn.execute(
                sa.insert(table).values(owner=owner, kind=kind, payload=text, updated_at=now)
            )
        else:
            conn.execute(sa.update(table).where(key).values(payload=text, updated_at=now))
        audit(
            conn,
            viewer,
            AuditAction.SAVE_DRAFT,
            f"draft:{kind}",
            {"characters": len(text), "replaced": before is not None},
        )
    logger.info("saved the %s draft of %s", kind, owner)
    return Draft(owner, kind, json.loads(text), now)


def load_draft(store: Store, viewer: Principal, kind: str) -> Draft | None:
    """The viewer's current draft of ``kind``, or None.

    Raises
    ------
    AccessDenied
        The viewer may not keep drafts of this kind (or is the demo visitor).
    DraftError
        An unknown kind, or a stored payload that is no longer a JSON object.
    """
    viewer = _check(viewer, kind)
    table = schema.drafts
    owner = _owner(viewer)
    with store.engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(table.c.payload, table.c.updated_at).where(
                    (table.c.owner == owner) & (table.c.kind == kind)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    try:
        payload = json.loads(row["payload"])
    except ValueError as exc:
        raise DraftError(f"the stored {kind} draft of {owner} is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise DraftError(f"the stored {kind} draft of {owner} is not a JSON object")
    return Draft(owner, kind, payload, _utc(row["updated_at"]))


def discard_draft(store: Store, viewer: Principal, kind: str, *, reason: str = "discarded") -> bool:
    """Delete the viewer's draft of ``kind``; audited (with ``reason``, e.g. ``published``)
    when there was one.

    Returns
    -------
    bool
        True if a draft was deleted.

    Raises
    ------
    AccessDenied
        The viewer may not keep drafts of this kind (or is the demo visitor).
    """
    viewer = _check(viewer, kind)
    table = schema.drafts
    owner = _owner(viewer)
    with store.engine.begin() as conn:
        deleted = conn.execute(
            sa.delete(table).where((table.c.owner == owner) & (table.c.kind == kind))
        ).rowcount
        if deleted:
            audit(conn, viewer, AuditAction.DISCARD_DRAFT, f"draft:{kind}", {"reason": reason})
    return bool(deleted)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value: the keys and values of objects, the items of arrays."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def drafts_naming(conn: Connection, names: Iterable[str]) -> list[int]:
    """The ids of the drafts (anyone's) holding one of ``names`` as a whole string anywhere in
    their payload: an agent id or name in a roster, a plan or a settings field. For the HR
    retention purge, which deletes them with the records they name; a payload that is not
    JSON counts as naming no one (it cannot be restored either)."""
    wanted = {name for name in names if name}
    if not wanted:
        return []
    table = schema.drafts
    found = []
    for draft_id, text in conn.execute(sa.select(table.c.id, table.c.payload)):
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        if not wanted.isdisjoint(_strings(payload)):
            found.append(draft_id)
    return found


def delete_owner_drafts(conn: Connection, owner: str) -> int:
    """Delete every draft of ``owner`` (a user being removed); the number deleted."""
    table = schema.drafts
    return conn.execute(sa.delete(table).where(table.c.owner == owner[:200])).rowcount
