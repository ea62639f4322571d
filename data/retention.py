"""Retention of HR data: absences, hours, performance and ended wellbeing flags older than the
retention period are purged; the purge itself is audited (counts per table, never the rows).

The audit log is not purged: it is the record that the purge, and every look at the data, took
place, and the database refuses deletions from it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import sqlalchemy as sa

from data import schema
from data.access import AuditAction, Permission, Principal, audit, require
from data.drafts import drafts_naming
from data.store import Store

RETENTION_ENV = "CREWCAST_HR_RETENTION_DAYS"
#: Two years: the signals look back 52 weeks (Bradford Factor) and compare with a baseline before.
DEFAULT_RETENTION_DAYS = 730
#: Shorter than a year would cut into the 52-week window the absence signals read.
MIN_RETENTION_DAYS = 366
ENDED_STATES = ("resolved", "dismissed")


class RetentionError(ValueError):
    """A refused purge (e.g. a retention period too short for the signals)."""


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.date
    deleted: dict[str, int]
    dry_run: bool


def retention_days() -> int:
    """The configured retention period in days (``CREWCAST_HR_RETENTION_DAYS``, default 730)."""
    raw = os.environ.get(RETENTION_ENV)
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise RetentionError(f"{RETENTION_ENV}={raw!r} is not a whole number of days") from None
    return days


def purge_hr_data(
    store: Store,
    *,
    days: int | None = None,
    today: dt.date | None = None,
    actor: Principal | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete HR records that ended more than ``days`` ago, in one audited transaction.

    Parameters
    ----------
    days : int, optional
        Retention period; default :func:`retention_days`. At least :data:`MIN_RETENTION_DAYS`.
    today : date, optional
        Reference day (default: today).
    actor : Principal, optional
        The user purging (needs ``PURGE_HR_DATA``); ``None`` is the command line.
    dry_run : bool
        Count what would go, change nothing (and write no audit row).
    """
    if actor is not None:  # counting changes nothing: the demo admin may see the counts
        require(actor, Permission.PURGE_HR_DATA, look_only=dry_run)
    days = retention_days() if days is None else int(days)
    if days < MIN_RETENTION_DAYS:
        raise RetentionError(
            f"retention of {days} days is shorter than the {MIN_RETENTION_DAYS} days the "
            "wellbeing signals read (52-week Bradford Factor); choose a longer period"
        )
    cutoff = (today or dt.date.today()) - dt.timedelta(days=days)
    cutoff_ts = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    flags = schema.wellbeing_flags
    old_flags = sa.select(flags.c.id).where(
        flags.c.state.in_(ENDED_STATES), flags.c.state_changed_at < cutoff_ts
    )
    targets = [
        ("absences", schema.absences, schema.absences.c.end_date < cutoff),
        ("hours", schema.hours, schema.hours.c.date < cutoff),
        ("performance", schema.performance, schema.performance.c.date < cutoff),
        (  # who worked when: the published rosters' shifts (their staff counts stay)
            "published_schedule_shifts",
            schema.published_schedule_shifts,
            schema.published_schedule_shifts.c.date < cutoff,
        ),
        (  # a check-in names a person's absence: it goes with the absence
            "return_to_work_check_ins",
            schema.return_to_work_check_ins,
            schema.return_to_work_check_ins.c.end_date < cutoff,
        ),
        ("hr_limits", schema.hr_limits, schema.hr_limits.c.flag_id.in_(old_flags)),
        ("hr_followups", schema.hr_followups, schema.hr_followups.c.flag_id.in_(old_flags)),
        ("flag_reviews", schema.flag_reviews, schema.flag_reviews.c.flag_id.in_(old_flags)),
        (
            "flag_observations",
            schema.flag_observations,
            schema.flag_observations.c.flag_id.in_(old_flags),
        ),
        ("wellbeing_flags", flags, flags.c.id.in_(old_flags)),
    ]
    deleted: dict[str, int] = {}
    with store.engine.begin() as conn:
        # Drafts naming an agent none of whose HR records outlive the purge go too.
        purged = _purged_agents(conn, [(table, where) for _, table, where in targets])
        draft_ids = drafts_naming(conn, purged)
        drafts = schema.drafts.c.id.in_(draft_ids)
        targets.append(("drafts", schema.drafts, drafts))
        for name, table, where in targets:
            if dry_run:
                deleted[name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(where)
                ).scalar_one()
            else:
                deleted[name] = conn.execute(table.delete().where(where)).rowcount
        if not dry_run:
            audit(
                conn,
                actor if actor is not None else "cli",
                AuditAction.PURGE,
                None,
                {"cutoff": cutoff.isoformat(), "days": days, **deleted},
            )
    return PurgeResult(cutoff, deleted, dry_run)


def _purged_agents(
    conn: sa.Connection, targets: list[tuple[sa.Table, sa.ColumnElement]]
) -> set[str]:
    """The ids and names of the agents whose every HR record is among those the purge deletes."""
    touched: set[str] = set()
    kept: set[str] = set()
    for table, where in targets:
        if "agent_id" not in table.c:
            continue
        going = sa.select(table.c.id).where(where)
        touched.update(conn.execute(sa.select(table.c.agent_id).where(where).distinct()).scalars())
        kept.update(
            conn.execute(
                sa.select(table.c.agent_id).where(table.c.id.not_in(going)).distinct()
            ).scalars()
        )
    ids = touched - kept
    if not ids:
        return set()
    agents = schema.agents
    names = conn.execute(
        sa.select(agents.c.name).where(agents.c.agent_id.in_(ids), agents.c.name.is_not(None))
    ).scalars()
    return ids | set(names)
