"""Wellbeing flags on file: the tables of evaluations, flags, observations and reviews.

This module stores and reads; it decides nothing about strain. What an evaluation does for each
agent (raise, update, ease, not raise again) is :mod:`wellbeing.decisions`'; the workflows that
score, decide and store are :mod:`services.flags`'. Here:

- :func:`read_people` reads the HR tables scores are made from;
- :func:`record_evaluation` writes one evaluation in one transaction: the evaluation row, the
  flags raised or observed, their observations and the audit row;
- :func:`record_review` moves a flag's review state with a compare-and-set, refusing a move made
  on a state someone else has changed in the meantime;
- :func:`list_flags`, :func:`read_agent` and :func:`last_evaluation` read them back (the first
  two for HR only, each look audited);
- :func:`record_evaluation` also opens the return-to-work check-ins it is given (HR's setting,
  :func:`read_hr_setting` / :func:`save_hr_setting`); :func:`list_check_ins` and
  :func:`mark_check_in_done` are HR's list of them (never flags: no level, score or reason).

Nothing is ever deleted here: a flag keeps every observation and every review (retention is
:mod:`data.retention`'s). Columns holding lists are JSON text in the database; ``signals`` come
back as lists of names, ``reasons`` as the stored JSON text (:func:`wellbeing.reasons_from_json`
reads it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data import schema
from data.access import HR_KINDS, AuditAction, Permission, Principal, audit, require
from data.store import Store, query_frame

logger = logging.getLogger(__name__)

FLAG_COLUMNS: tuple[str, ...] = (
    "flag_id",
    "agent_id",
    "name",
    "team",
    "country",
    "state",
    "level",
    "score",
    "reasons",
    "signals",
    "as_of",
    "raised_at",
    "state_changed_at",
)
#: Each agent's most recent flag, as :func:`record_evaluation` hands it to ``decide``.
LATEST_FLAG_COLUMNS: tuple[str, ...] = ("flag_id", "agent_id", "state", "level", "signals")
#: The rows ``decide`` returns for :func:`record_evaluation` to write (see :class:`FlagWrites`).
FLAG_WRITE_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "flag_id",
    "state",
    "as_of",
    "level",
    "score",
    "reasons",
    "signals",
)
#: The HR tables strain is scored from, with the agents.
PEOPLE_KINDS: tuple[str, ...] = ("agents", "absences", "hours", "performance")

_VALUE_COLUMNS = ("as_of", "level", "score", "reasons", "signals")


class FlagError(ValueError):
    """A flag operation cannot be done as asked; the message says why and what to do."""


class UnknownFlagError(FlagError):
    """No flag (or agent) with the given id."""


class StaleFlagError(FlagError):
    """The flag's state changed since the reviewer looked at it (someone else moved it)."""


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationInfo:
    """The latest evaluation, and the HR files imported since it.

    Attributes
    ----------
    evaluation_id : int
    evaluated_at : datetime.datetime
        UTC.
    evaluated_by : str
    as_of : datetime.date
        The data's reference day.
    agents_scored, flags_raised, flags_updated : int
    imports_since : tuple of str
        File names of agents, absences, hours or performance imports after the evaluation.
    """

    evaluation_id: int
    evaluated_at: dt.datetime
    evaluated_by: str
    as_of: dt.date
    agents_scored: int
    flags_raised: int
    flags_updated: int
    imports_since: tuple[str, ...] = ()

    @property
    def data_changed(self) -> bool:
        """True when HR data were imported after this evaluation."""
        return bool(self.imports_since)


@dataclass(frozen=True)
class FlagWrites:
    """What one evaluation writes, as decided by the caller's ``decide``.

    Attributes
    ----------
    rows : pandas.DataFrame
        :data:`FLAG_WRITE_COLUMNS`, written in row order. A row with ``flag_id`` (an existing
        flag) updates that flag's ``as_of, level, score, reasons, signals`` and adds an
        observation; a row with ``flag_id`` NA inserts a new flag in ``state`` (raised by this
        evaluation) with its first observation. ``reasons`` and ``signals`` are JSON text.
    counts : mapping of str to int
        Counts for the audit row (e.g. raised, updated, eased, not raised again).
    """

    rows: pd.DataFrame
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AgentRecords:
    """One agent's rows: the person, HR data, flags, observations and reviews.

    Attributes
    ----------
    agents : pandas.DataFrame
        The agent's one row of ``agents``.
    absences, hours, performance : pandas.DataFrame
        The agent's rows of those tables.
    flags : pandas.DataFrame
        The agent's flags, newest first (columns of ``wellbeing_flags``, ``id`` as ``flag_id``).
    observations : pandas.DataFrame
        Every observation of those flags with its evaluation's ``evaluated_at``, newest first.
    reviews : pandas.DataFrame
        Every review event of those flags, newest first.
    """

    agents: pd.DataFrame
    absences: pd.DataFrame
    hours: pd.DataFrame
    performance: pd.DataFrame
    flags: pd.DataFrame
    observations: pd.DataFrame
    reviews: pd.DataFrame

    @property
    def person(self) -> pd.Series:
        """The agent's row."""
        return self.agents.iloc[0]


# --- helpers ---------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: Any) -> dt.datetime | None:
    """Datetimes come back naive from SQLite; they were written in UTC."""
    if value is None or value is pd.NaT:
        return None
    ts = pd.Timestamp(value)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).to_pydatetime()


def _day(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def read_people(store: Store) -> dict[str, pd.DataFrame]:
    """The four HR tables (:data:`PEOPLE_KINDS`) through the one door.

    A trusted read: the caller has checked the viewer's permission for what it shows.

    Parameters
    ----------
    store : Store

    Returns
    -------
    dict of str to pandas.DataFrame
        ``agents``, ``absences``, ``hours`` and ``performance``.
    """
    return {kind: store.load(kind) for kind in PEOPLE_KINDS}


# --- evaluation ------------------------------------------------------------------------------


def record_evaluation(
    store: Store,
    viewer: Principal,
    *,
    as_of: dt.date,
    agents_scored: int,
    thresholds: Mapping[str, Any],
    decide: Callable[[pd.DataFrame], FlagWrites],
    check_ins: pd.DataFrame | None = None,
) -> tuple[int, FlagWrites]:
    """Write one evaluation, its flags and observations and its audit row, in one transaction.

    The evaluation row is written first: on SQLite that takes the write lock before the flags
    are read, so two evaluations at once run one after the other instead of both raising the
    same flag. That is why the decision is a callback run inside the transaction.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.EVALUATE_FLAGS`; recorded as the evaluator.
    as_of : datetime.date
        The data's reference day.
    agents_scored : int
    thresholds : mapping
        The settings scored with, stored as JSON with the evaluation.
    decide : callable
        Called once with each agent's most recent flag (:data:`LATEST_FLAG_COLUMNS`,
        ``signals`` as lists), returns the :class:`FlagWrites`.
    check_ins : pandas.DataFrame, optional
        Return-to-work check-ins to open (:data:`CHECK_IN_WRITE_COLUMNS`), in the same
        transaction; one already on file for the same person and absence is not opened again
        (nor reopened once done). None: the setting is off, nothing is opened.

    Returns
    -------
    evaluation_id : int
    writes : FlagWrites
        What ``decide`` returned (and was written); with ``check_ins``, its counts also hold
        ``check_ins_opened``.

    Raises
    ------
    AccessDenied
        If the viewer may not evaluate flags.
    """
    require(viewer, Permission.EVALUATE_FLAGS)
    now = _now()
    wf, obs, fe = schema.wellbeing_flags, schema.flag_observations, schema.flag_evaluations
    with store.engine.begin() as conn:
        evaluation_id = conn.execute(
            sa.insert(fe).values(
                evaluated_at=now,
                evaluated_by=viewer.username[:100],
                as_of=as_of,
                agents_scored=agents_scored,
                flags_raised=0,
                flags_updated=0,
                thresholds=json.dumps(dict(thresholds), sort_keys=True, default=list),
            )
        ).inserted_primary_key[0]
        writes = decide(_latest_flag_per_agent(conn))
        if check_ins is not None:
            opened = _open_check_ins(conn, check_ins, evaluation_id, now)
            writes = FlagWrites(writes.rows, {**writes.counts, "check_ins_opened": opened})
        raised = updated = 0
        observations: list[dict[str, Any]] = []
        for row in writes.rows.itertuples(index=False):
            values = {
                "as_of": row.as_of,
                "level": str(row.level),
                "score": float(row.score),
                "reasons": str(row.reasons),
                "signals": str(row.signals),
            }
            if pd.notna(row.flag_id):
                flag_id = int(row.flag_id)
                conn.execute(sa.update(wf).where(wf.c.id == flag_id).values(**values))
                updated += 1
            else:
                flag_id = conn.execute(
                    sa.insert(wf).values(
                        agent_id=str(row.agent_id),
                        raised_evaluation_id=evaluation_id,
                        raised_at=now,
                        state=str(row.state),
                        state_changed_at=now,
                        **values,
                    )
                ).inserted_primary_key[0]
                raised += 1
            observations.append({"flag_id": flag_id, "evaluation_id": evaluation_id, **values})
        if observations:
            conn.execute(sa.insert(obs), observations)
        conn.execute(
            sa.update(fe)
            .where(fe.c.id == evaluation_id)
            .values(flags_raised=raised, flags_updated=updated)
        )
        detail = {"as_of": as_of.isoformat(), "agents_scored": agents_scored, **writes.counts}
        audit(conn, viewer, AuditAction.EVALUATE, f"evaluation {evaluation_id}", detail)
    logger.info("evaluation %s as of %s: %s", evaluation_id, as_of, detail)
    return evaluation_id, writes


def _latest_flag_per_agent(conn: Connection) -> pd.DataFrame:
    """Each agent's most recent flag (highest id): :data:`LATEST_FLAG_COLUMNS`."""
    wf = schema.wellbeing_flags
    rows = conn.execute(
        sa.select(wf.c.id, wf.c.agent_id, wf.c.state, wf.c.level, wf.c.signals).order_by(wf.c.id)
    ).mappings()
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        latest[r["agent_id"]] = {
            "flag_id": r["id"],
            "agent_id": r["agent_id"],
            "state": r["state"],
            "level": r["level"],
            "signals": json.loads(r["signals"]),
        }
    return pd.DataFrame(list(latest.values()), columns=list(LATEST_FLAG_COLUMNS))


def last_evaluation(store: Store) -> EvaluationInfo | None:
    """The latest evaluation and the HR files imported since, or None if never evaluated.

    Parameters
    ----------
    store : Store

    Returns
    -------
    EvaluationInfo or None
        Holds counts and dates only, nothing about individuals.
    """
    fe, ib = schema.flag_evaluations, schema.import_batches
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(fe).order_by(fe.c.id.desc()).limit(1)).mappings().first()
        if row is None:
            return None
        since = conn.execute(
            sa.select(ib.c.file_name)
            .where(ib.c.kind.in_(sorted(HR_KINDS)), ib.c.imported_at > row["evaluated_at"])
            .order_by(ib.c.id)
        ).scalars()
        files = tuple(since)
    return EvaluationInfo(
        evaluation_id=row["id"],
        evaluated_at=_utc(row["evaluated_at"]),
        evaluated_by=row["evaluated_by"],
        as_of=_day(row["as_of"]),
        agents_scored=row["agents_scored"],
        flags_raised=row["flags_raised"],
        flags_updated=row["flags_updated"],
        imports_since=files,
    )


# --- reading flags ---------------------------------------------------------------------------


def _decode(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored types to Python ones: signal lists, UTC times, days (reasons stay JSON text)."""
    if "signals" in frame:
        frame["signals"] = frame["signals"].map(json.loads)
    for col in ("raised_at", "state_changed_at", "evaluated_at", "at"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    if "as_of" in frame:
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def list_flags(
    store: Store,
    viewer: Principal,
    *,
    states: Sequence[str] | None = None,
    levels: Sequence[str] | None = None,
    teams: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Individual flags with the agent's name, team and country, in the order stored.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_INDIVIDUAL_WELLBEING`; the look is audited (``view_flags``).
    states, levels, teams, countries : sequence of str, optional
        Keep only these values (None or empty: all).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FLAG_COLUMNS`; ``signals`` are lists of str, ``reasons`` the stored JSON
        text, times UTC and ``as_of`` a date.
    """
    require(viewer, Permission.VIEW_INDIVIDUAL_WELLBEING)
    wf, ag = schema.wellbeing_flags, schema.agents
    query = sa.select(
        wf.c.id.label("flag_id"),
        wf.c.agent_id,
        ag.c.name,
        ag.c.team,
        ag.c.country,
        wf.c.state,
        wf.c.level,
        wf.c.score,
        wf.c.reasons,
        wf.c.signals,
        wf.c.as_of,
        wf.c.raised_at,
        wf.c.state_changed_at,
    ).select_from(wf.outerjoin(ag, ag.c.agent_id == wf.c.agent_id))
    for column, values in (
        (wf.c.state, states),
        (wf.c.level, levels),
        (ag.c.team, teams),
        (ag.c.country, countries),
    ):
        if values:
            query = query.where(column.in_([str(v) for v in values]))
    with store.engine.begin() as conn:
        frame = query_frame(conn, query).set_axis(list(FLAG_COLUMNS), axis=1)
        filters = {"states": states, "levels": levels, "teams": teams, "countries": countries}
        audit(
            conn,
            viewer,
            AuditAction.VIEW_FLAGS,
            None,
            {"rows": len(frame), **{k: list(v) for k, v in filters.items() if v}},
        )
    return _decode(frame)


def _agent_flags(conn: Connection, agent_id: str) -> tuple[pd.DataFrame, ...]:
    wf, obs, fe, rv = (
        schema.wellbeing_flags,
        schema.flag_observations,
        schema.flag_evaluations,
        schema.flag_reviews,
    )
    flags = query_frame(
        conn, sa.select(wf).where(wf.c.agent_id == agent_id).order_by(wf.c.id.desc())
    ).rename(columns={"id": "flag_id"})
    ids = flags["flag_id"].tolist()
    observations = query_frame(
        conn,
        sa.select(
            obs.c.flag_id,
            obs.c.evaluation_id,
            fe.c.evaluated_at,
            obs.c.as_of,
            obs.c.level,
            obs.c.score,
            obs.c.reasons,
            obs.c.signals,
        )
        .select_from(obs.join(fe, fe.c.id == obs.c.evaluation_id))
        .where(obs.c.flag_id.in_(ids))
        .order_by(obs.c.id.desc()),
    )
    reviews = query_frame(
        conn,
        sa.select(rv.c.flag_id, rv.c.at, rv.c.reviewer, rv.c.from_state, rv.c.to_state, rv.c.note)
        .where(rv.c.flag_id.in_(ids))
        .order_by(rv.c.id.desc()),
    )
    return _decode(flags), _decode(observations), _decode(reviews)


def read_agent(store: Store, viewer: Principal, agent_id: str) -> AgentRecords:
    """One agent's row, HR data, flags, observations and reviews; the look is audited.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_INDIVIDUAL_WELLBEING`; the look is audited (``view_agent``
        with the agent id as subject).
    agent_id : str

    Returns
    -------
    AgentRecords

    Raises
    ------
    AccessDenied
        If the viewer may not see individual wellbeing data.
    UnknownFlagError
        If no such agent is on file.
    """
    require(viewer, Permission.VIEW_INDIVIDUAL_WELLBEING)
    agent_id = str(agent_id)
    agents = store.load("agents", viewer, agent_id=[agent_id])
    if agents.empty:
        raise UnknownFlagError(f"no agent {agent_id!r} on file")
    absences = store.load("absences", viewer, agent_id=[agent_id])
    hours = store.load("hours", viewer, agent_id=[agent_id])
    performance = store.load("performance", viewer, agent_id=[agent_id])
    with store.engine.begin() as conn:
        flags, observations, reviews = _agent_flags(conn, agent_id)
        audit(conn, viewer, AuditAction.VIEW_AGENT, agent_id, {"flags": len(flags)})
    return AgentRecords(agents, absences, hours, performance, flags, observations, reviews)


# --- review ----------------------------------------------------------------------------------


def record_review(
    store: Store,
    viewer: Principal,
    flag_id: int,
    *,
    from_state: str,
    to_state: str,
    note: str,
    at: dt.datetime,
) -> None:
    """Move a flag from ``from_state`` to ``to_state`` and record the review, in one transaction.

    The caller has checked that the move is allowed (:func:`wellbeing.validate_transition`).

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.REVIEW_FLAGS`; recorded as the reviewer.
    flag_id : int
    from_state : str
        The state the reviewer saw. If the flag is no longer in it (someone else moved it),
        nothing changes and :class:`StaleFlagError` says what happened.
    to_state : str
    note : str
        Grounds of the decision, stored with the review (not in the audit log: it may hold
        health details).
    at : datetime.datetime
        When (UTC).

    Raises
    ------
    AccessDenied
        If the viewer may not review flags.
    UnknownFlagError
        If there is no such flag.
    StaleFlagError
        If the flag's state is no longer ``from_state``.
    """
    require(viewer, Permission.REVIEW_FLAGS)
    with store.engine.begin() as conn:
        _move_and_review(conn, viewer, int(flag_id), from_state, to_state, note, at)


def _move_and_review(
    conn: Connection,
    viewer: Principal,
    flag_id: int,
    from_state: str,
    to_state: str,
    note: str,
    at: dt.datetime,
) -> tuple[str, int]:
    """The review in the caller's transaction: the flag moved if still in ``from_state``, the
    review row, the audit row; returns the flag's agent id and the review's id."""
    wf, rv = schema.wellbeing_flags, schema.flag_reviews
    current = conn.execute(sa.select(wf.c.agent_id).where(wf.c.id == flag_id)).first()
    if current is None:
        raise UnknownFlagError(f"there is no flag {flag_id}")
    # compare-and-set: the update only happens if the state is still the one seen
    moved = conn.execute(
        sa.update(wf)
        .where(wf.c.id == flag_id, wf.c.state == from_state)
        .values(state=to_state, state_changed_at=at)
    ).rowcount
    if moved != 1:
        raise StaleFlagError(_stale_message(conn, flag_id, from_state))
    review_id = conn.execute(
        sa.insert(rv).values(
            flag_id=flag_id,
            from_state=from_state,
            to_state=to_state,
            reviewer=viewer.username[:100],
            at=at,
            note=note,
        )
    ).inserted_primary_key[0]
    audit(
        conn,
        viewer,
        AuditAction.REVIEW,
        current.agent_id,
        {"flag_id": flag_id, "from": from_state, "to": to_state},
    )
    return current.agent_id, review_id


def _stale_message(conn: Connection, flag_id: int, seen: str) -> str:
    wf, rv = schema.wellbeing_flags, schema.flag_reviews
    state = conn.execute(sa.select(wf.c.state).where(wf.c.id == flag_id)).scalar_one()
    last = conn.execute(
        sa.select(rv.c.reviewer, rv.c.at)
        .where(rv.c.flag_id == flag_id)
        .order_by(rv.c.id.desc())
        .limit(1)
    ).first()
    by = f" by {last.reviewer} at {_utc(last.at):%Y-%m-%d %H:%M} UTC" if last else ""
    return (
        f"flag {flag_id} is now {state!r}, not {seen!r} as shown: it was changed{by}. "
        "Nothing was saved; reload the flag and decide again"
    )


# --- follow-ups and limits -------------------------------------------------------------------

#: The follow-ups list (:func:`list_followups`), one row per follow-up.
FOLLOWUP_COLUMNS: tuple[str, ...] = (
    "followup_id",
    "flag_id",
    "agent_id",
    "name",
    "team",
    "assignee",
    "due_date",
    "action",
    "note",
    "recorded_by",
    "at",
    "done_at",
    "done_by",
    "done_note",
)
#: HR's limits with the follow-up and flag they came from (HR only: :func:`list_limits`).
LIMIT_COLUMNS: tuple[str, ...] = (
    "limit_id",
    "flag_id",
    "followup_id",
    "agent_id",
    "kind",
    "value",
    "start_date",
    "end_date",
    "set_by",
    "at",
)
#: What planners and the roster get of a limit (:func:`limits_for_roster`): never why.
ROSTER_LIMIT_COLUMNS: tuple[str, ...] = ("agent_id", "kind", "value", "start_date", "end_date")


@dataclass(frozen=True)
class FollowupEntry:
    """A follow-up recorded with a review: who follows up, by when, the agreed action, a note.

    The caller has checked the action against :data:`wellbeing.limits.FOLLOWUP_ACTIONS`.
    """

    assignee: str
    due_date: dt.date
    action: str
    note: str = ""


@dataclass(frozen=True)
class LimitEntry:
    """A limit on a person's rostering, days inclusive; ``value`` in hours or None.

    The caller has checked it (:func:`wellbeing.limits.check_limit`).
    """

    kind: str
    value: float | None
    start_date: dt.date
    end_date: dt.date


def list_hr_users(store: Store, viewer: Principal) -> list[str]:
    """User names of the HR accounts, who may be assigned a follow-up (sorted).

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.MANAGE_FOLLOWUPS`.
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    u = schema.users
    with store.engine.connect() as conn:
        names = conn.execute(
            sa.select(u.c.username).where(u.c.role == "hr").order_by(u.c.username)
        ).scalars()
        return list(names)


def _check_assignee(conn: Connection, viewer: Principal, assignee: str) -> str:
    """The assignee is the viewer (HR) or an HR account; anything else is refused."""
    assignee = str(assignee or "").strip()
    if not assignee:
        raise FlagError("a follow-up needs someone assigned: choose an HR user")
    if assignee == viewer.username:
        return assignee
    u = schema.users
    role = conn.execute(sa.select(u.c.role).where(u.c.username == assignee)).scalar()
    if role != "hr":
        what = "has no account" if role is None else f"is {role}, not hr"
        raise FlagError(f"follow-up assignee {assignee!r} {what}: assign an HR user")
    return assignee


def record_review_with_followup(
    store: Store,
    viewer: Principal,
    flag_id: int,
    *,
    from_state: str,
    to_state: str,
    note: str,
    at: dt.datetime,
    followup: FollowupEntry,
    limits: Sequence[LimitEntry] = (),
) -> int:
    """:func:`record_review` and, in the same transaction, its follow-up and limits; audited.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.REVIEW_FLAGS` and :attr:`Permission.MANAGE_FOLLOWUPS`.
    flag_id : int
    from_state, to_state, note, at
        As :func:`record_review`; ``from_state == to_state`` records the follow-up without
        moving the flag (a review row is still written: the decision is on record).
    followup : FollowupEntry
        The assignee must be the viewer or an HR account.
    limits : sequence of LimitEntry
        Limits on the person's rostering agreed with it.

    Returns
    -------
    int
        The follow-up's id.

    Raises
    ------
    AccessDenied
        If the viewer may not review flags or manage follow-ups.
    UnknownFlagError, StaleFlagError
        As :func:`record_review`.
    FlagError
        If the assignee is not an HR user.
    """
    require(viewer, Permission.REVIEW_FLAGS)
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    fu, lim = schema.hr_followups, schema.hr_limits
    with store.engine.begin() as conn:
        agent_id, review_id = _move_and_review(
            conn, viewer, int(flag_id), from_state, to_state, note, at
        )
        assignee = _check_assignee(conn, viewer, followup.assignee)  # refused: all rolled back
        followup_id = conn.execute(
            sa.insert(fu).values(
                flag_id=int(flag_id),
                review_id=review_id,
                agent_id=agent_id,
                event="assigned",
                assignee=assignee[:200],
                due_date=followup.due_date,
                action=followup.action,
                note=followup.note,
                recorded_by=viewer.username[:100],
                at=at,
            )
        ).inserted_primary_key[0]
        for entry in limits:
            conn.execute(
                sa.insert(lim).values(
                    flag_id=int(flag_id),
                    followup_id=followup_id,
                    agent_id=agent_id,
                    kind=entry.kind,
                    value=None if entry.value is None else float(entry.value),
                    start_date=entry.start_date,
                    end_date=entry.end_date,
                    set_by=viewer.username[:100],
                    at=at,
                )
            )
        # the agreed action and dates, never the note (it may hold health details)
        audit(
            conn,
            viewer,
            AuditAction.FOLLOWUP,
            agent_id,
            {
                "flag_id": int(flag_id),
                "followup_id": followup_id,
                "assignee": assignee,
                "due_date": followup.due_date.isoformat(),
                "action": followup.action,
            },
        )
        for entry in limits:
            audit(
                conn,
                viewer,
                AuditAction.SET_LIMIT,
                agent_id,
                {
                    "followup_id": followup_id,
                    "kind": entry.kind,
                    "value": entry.value,
                    "start_date": entry.start_date.isoformat(),
                    "end_date": entry.end_date.isoformat(),
                },
            )
    return int(followup_id)


def mark_followup_done(
    store: Store, viewer: Principal, followup_id: int, *, note: str, at: dt.datetime
) -> None:
    """Mark a follow-up done (an appended ``done`` row), audited.

    Raises
    ------
    AccessDenied
        If the viewer may not manage follow-ups.
    FlagError
        If there is no such follow-up or it is done already.
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    fu = schema.hr_followups
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(fu.c.flag_id, fu.c.agent_id).where(
                fu.c.id == int(followup_id), fu.c.event == "assigned"
            )
        ).first()
        if row is None:
            raise FlagError(f"there is no follow-up {followup_id}")
        done = conn.execute(
            sa.select(fu.c.recorded_by, fu.c.at).where(
                fu.c.followup_id == int(followup_id), fu.c.event == "done"
            )
        ).first()
        if done is not None:
            raise FlagError(
                f"follow-up {followup_id} was marked done by {done.recorded_by} at "
                f"{_utc(done.at):%Y-%m-%d %H:%M} UTC already; nothing was saved"
            )
        conn.execute(
            sa.insert(fu).values(
                flag_id=row.flag_id,
                agent_id=row.agent_id,
                event="done",
                followup_id=int(followup_id),
                note=note,
                recorded_by=viewer.username[:100],
                at=at,
            )
        )
        audit(
            conn,
            viewer,
            AuditAction.FOLLOWUP_DONE,
            row.agent_id,
            {"flag_id": row.flag_id, "followup_id": int(followup_id)},
        )


def list_followups(
    store: Store, viewer: Principal, *, open_only: bool = False, agent_id: str | None = None
) -> pd.DataFrame:
    """Every follow-up with the person's name and team and whether it is done; audited.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.MANAGE_FOLLOWUPS`; the look is audited (``view_followups``).
    open_only : bool, default False
        Only those not marked done.
    agent_id : str, optional
        Only this person's.

    Returns
    -------
    pandas.DataFrame
        :data:`FOLLOWUP_COLUMNS`, in the order recorded; ``due_date`` a date, times UTC,
        ``done_*`` empty while open.
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    fu, ag = schema.hr_followups, schema.agents
    done = fu.alias("done")
    query = (
        sa.select(
            fu.c.id,
            fu.c.flag_id,
            fu.c.agent_id,
            ag.c.name,
            ag.c.team,
            fu.c.assignee,
            fu.c.due_date,
            fu.c.action,
            fu.c.note,
            fu.c.recorded_by,
            fu.c.at,
            done.c.at,
            done.c.recorded_by,
            done.c.note,
        )
        .select_from(
            fu.outerjoin(ag, ag.c.agent_id == fu.c.agent_id).outerjoin(
                done, sa.and_(done.c.followup_id == fu.c.id, done.c.event == "done")
            )
        )
        .where(fu.c.event == "assigned")
        .order_by(fu.c.id)
    )
    if open_only:
        query = query.where(done.c.id.is_(None))
    if agent_id is not None:
        query = query.where(fu.c.agent_id == str(agent_id))
    with store.engine.begin() as conn:
        frame = query_frame(conn, query).set_axis(list(FOLLOWUP_COLUMNS), axis=1)
        audit(conn, viewer, AuditAction.VIEW_FOLLOWUPS, None, {"rows": len(frame)})
    for col in ("at", "done_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
    return frame


def list_limits(store: Store, viewer: Principal, agent_id: str | None = None) -> pd.DataFrame:
    """HR's limits with the follow-up and flag each came from (HR only).

    Returns
    -------
    pandas.DataFrame
        :data:`LIMIT_COLUMNS`, in the order set; dates as dates.
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    lim = schema.hr_limits
    query = sa.select(
        lim.c.id,
        lim.c.flag_id,
        lim.c.followup_id,
        lim.c.agent_id,
        lim.c.kind,
        lim.c.value,
        lim.c.start_date,
        lim.c.end_date,
        lim.c.set_by,
        lim.c.at,
    ).order_by(lim.c.id)
    if agent_id is not None:
        query = query.where(lim.c.agent_id == str(agent_id))
    with store.engine.connect() as conn:
        frame = query_frame(conn, query).set_axis(list(LIMIT_COLUMNS), axis=1)
    return _limit_days(frame)


def limits_for_roster(
    store: Store, viewer: Principal, first_day: dt.date, last_day: dt.date
) -> pd.DataFrame:
    """The limits that apply on some day from ``first_day`` to ``last_day`` (inclusive).

    What planners and the roster see: who, which limit, its value and days. Never the flag, the
    follow-up, the note or who set it.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_STAFFING` (planners, managers, admins) or
        :attr:`Permission.MANAGE_FOLLOWUPS` (HR).
    first_day, last_day : datetime.date

    Returns
    -------
    pandas.DataFrame
        :data:`ROSTER_LIMIT_COLUMNS` only, sorted by agent and start.
    """
    if viewer is None or not viewer.can(Permission.MANAGE_FOLLOWUPS):
        require(viewer, Permission.VIEW_STAFFING)
    return read_limits(store, first_day, last_day)


def read_limits(store: Store, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    """:func:`limits_for_roster` for trusted callers that checked the viewer themselves (the
    overview's aggregate outlook): :data:`ROSTER_LIMIT_COLUMNS` only."""
    lim = schema.hr_limits
    query = (
        sa.select(lim.c.agent_id, lim.c.kind, lim.c.value, lim.c.start_date, lim.c.end_date)
        .where(lim.c.start_date <= last_day, lim.c.end_date >= first_day)
        .order_by(lim.c.agent_id, lim.c.start_date, lim.c.id)
    )
    with store.engine.connect() as conn:
        frame = query_frame(conn, query).set_axis(list(ROSTER_LIMIT_COLUMNS), axis=1)
    return _limit_days(frame)


def _limit_days(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("start_date", "end_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    frame["value"] = frame["value"].astype("float64")
    return frame


# --- HR settings and return-to-work check-ins ------------------------------------------------

#: The HR setting that opens a return-to-work check-in after a long absence (off by default).
CHECK_IN_SETTING = "return_to_work_check_ins"
#: What an evaluation hands :func:`record_evaluation` to open (one row per long absence).
CHECK_IN_WRITE_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "start_date",
    "end_date",
    "back_on",
    "calendar_days",
    "working_days",
)
#: The check-ins list (:func:`list_check_ins`): the person and the absence, never a level,
#: a score or a reason.
CHECK_IN_COLUMNS: tuple[str, ...] = (
    "check_in_id",
    "agent_id",
    "name",
    "team",
    "start_date",
    "end_date",
    "back_on",
    "calendar_days",
    "working_days",
    "opened_at",
    "done_at",
    "done_by",
    "done_note",
)


def read_hr_setting(store: Store, name: str, default: Any = None) -> Any:
    """The stored value of HR setting ``name`` (``default`` when never set).

    A trusted read of a setting (no personal data): the caller has checked the viewer.
    """
    hs = schema.hr_settings
    with store.engine.connect() as conn:
        text = conn.execute(sa.select(hs.c.value).where(hs.c.name == str(name))).scalar()
    return default if text is None else json.loads(text)


def save_hr_setting(store: Store, viewer: Principal, name: str, value: Any) -> None:
    """Store HR setting ``name`` (replacing the old value), audited with both values.

    Raises
    ------
    AccessDenied
        If the viewer may not change HR settings (HR only; not the demo visitor).
    """
    require(viewer, Permission.MANAGE_HR_SETTINGS)
    hs = schema.hr_settings
    text = json.dumps(value)
    now = _now()
    with store.engine.begin() as conn:
        old = conn.execute(sa.select(hs.c.value).where(hs.c.name == str(name))).scalar()
        values = {"value": text, "updated_at": now, "updated_by": viewer.username[:100]}
        if old is None:
            conn.execute(sa.insert(hs).values(name=str(name), **values))
        else:
            conn.execute(sa.update(hs).where(hs.c.name == str(name)).values(**values))
        audit(
            conn,
            viewer,
            AuditAction.SAVE_HR_SETTING,
            str(name),
            {"from": None if old is None else json.loads(old), "to": value},
        )


def _open_check_ins(
    conn: Connection, check_ins: pd.DataFrame, evaluation_id: int, at: dt.datetime
) -> int:
    """Insert the check-ins not yet on file (same person, same absence); returns how many."""
    ci = schema.return_to_work_check_ins
    known = {
        (r.agent_id, _day(r.start_date), _day(r.end_date))
        for r in conn.execute(sa.select(ci.c.agent_id, ci.c.start_date, ci.c.end_date))
    }
    rows = []
    for r in check_ins.loc[:, list(CHECK_IN_WRITE_COLUMNS)].itertuples(index=False):
        key = (str(r.agent_id), _day(r.start_date), _day(r.end_date))
        if key in known:
            continue
        known.add(key)
        rows.append(
            {
                "agent_id": key[0],
                "start_date": key[1],
                "end_date": key[2],
                "back_on": _day(r.back_on),
                "calendar_days": int(r.calendar_days),
                "working_days": int(r.working_days),
                "evaluation_id": int(evaluation_id),
                "opened_at": at,
            }
        )
    if rows:
        conn.execute(sa.insert(ci), rows)
    return len(rows)


def list_check_ins(store: Store, viewer: Principal, *, open_only: bool = True) -> pd.DataFrame:
    """Return-to-work check-ins with the person's name and team, by return day; audited.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.MANAGE_FOLLOWUPS` (HR; not the demo visitor); the look is
        audited (``view_check_ins``).
    open_only : bool, default True
        Only those not marked done.

    Returns
    -------
    pandas.DataFrame
        :data:`CHECK_IN_COLUMNS`; days as dates, times UTC, ``done_*`` empty while open.
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    ci, ag = schema.return_to_work_check_ins, schema.agents
    query = (
        sa.select(
            ci.c.id,
            ci.c.agent_id,
            ag.c.name,
            ag.c.team,
            ci.c.start_date,
            ci.c.end_date,
            ci.c.back_on,
            ci.c.calendar_days,
            ci.c.working_days,
            ci.c.opened_at,
            ci.c.done_at,
            ci.c.done_by,
            ci.c.done_note,
        )
        .select_from(ci.outerjoin(ag, ag.c.agent_id == ci.c.agent_id))
        .order_by(ci.c.back_on, ci.c.agent_id, ci.c.id)
    )
    if open_only:
        query = query.where(ci.c.done_at.is_(None))
    with store.engine.begin() as conn:
        frame = query_frame(conn, query).set_axis(list(CHECK_IN_COLUMNS), axis=1)
        audit(conn, viewer, AuditAction.VIEW_CHECK_INS, None, {"rows": len(frame)})
    for col in ("start_date", "end_date", "back_on"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    for col in ("opened_at", "done_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def mark_check_in_done(
    store: Store, viewer: Principal, check_in_id: int, *, note: str, at: dt.datetime
) -> None:
    """Mark a return-to-work check-in done, audited (the note stays out of the audit log).

    Raises
    ------
    AccessDenied
        If the viewer may not manage follow-ups (HR only).
    FlagError
        If there is no such check-in or it is done already (nothing is saved).
    """
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    ci = schema.return_to_work_check_ins
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(ci.c.agent_id, ci.c.done_by, ci.c.done_at).where(ci.c.id == int(check_in_id))
        ).first()
        if row is None:
            raise FlagError(f"there is no return-to-work check-in {check_in_id}")
        done = conn.execute(
            sa.update(ci)
            .where(ci.c.id == int(check_in_id), ci.c.done_at.is_(None))
            .values(done_at=at, done_by=viewer.username[:100], done_note=note)
        ).rowcount
        if done != 1:
            raise FlagError(
                f"return-to-work check-in {check_in_id} was marked done by {row.done_by} at "
                f"{_utc(row.done_at):%Y-%m-%d %H:%M} UTC already; nothing was saved"
            )
        audit(
            conn,
            viewer,
            AuditAction.CHECK_IN_DONE,
            row.agent_id,
            {"check_in_id": int(check_in_id)},
        )
