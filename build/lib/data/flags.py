"""Wellbeing flags on file: evaluations, the HR review workflow, the drill-down, team aggregates.

The scoring is the wellbeing package's; this module keeps its results and HR's decisions.

- :func:`evaluate_flags` scores every agent and, in one transaction, raises a flag for each
  agent newly at ``medium`` or ``high`` workload strain, or records a new observation on the
  agent's active flag. Nothing is ever deleted: a flag keeps every observation and every review.
- :func:`review_flag` moves a flag through :mod:`wellbeing.review`'s state machine, refusing a
  move made on a state someone else has changed in the meantime.
- :func:`list_flags` and :func:`agent_detail` show individuals (HR only, each look audited);
  :func:`team_strain` shows team aggregates, suppressed under five people, to managers.

A flag is a prompt for a conversation about *workload strain*, never a diagnosis; a person
decides (GDPR Art. 22).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data import schema
from data.access import HR_KINDS, AuditAction, Permission, Principal, audit, require
from data.store import Store, query_frame
from wellbeing import (
    DEFAULT_THRESHOLDS,
    FlagReview,
    Reason,
    ReviewState,
    Thresholds,
    WellbeingInputError,
    aggregate_teams,
    make_signal_context,
    reasons_from_json,
    reasons_to_json,
    score_burnout_risk,
)
from wellbeing.aggregates import NO_TEAM
from wellbeing.reasons import METRIC_LABELS
from wellbeing.signals import (
    HISTORY_WEEKS,
    SIGNALS,
    sen_slopes,
    weekly_performance,  # the signal's own weekly means, so the chart is what was tested
)

logger = logging.getLogger(__name__)

ACTIVE_STATES: tuple[str, ...] = (ReviewState.OPEN.value, ReviewState.IN_REVIEW.value)
ENDED_STATES: tuple[str, ...] = (ReviewState.RESOLVED.value, ReviewState.DISMISSED.value)
LEVEL_ORDER: tuple[str, ...] = ("high", "medium", "low")
_LEVEL_RANK = {"low": 0, "medium": 1, "high": 2}
FLAGGED_LEVELS = frozenset({"medium", "high"})

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
NO_DATA_MESSAGE = (
    "no people data yet: import the agents, absences, hours and performance files on the Data page"
)
#: The HR tables strain is scored from (with the agents).
SCORED_KINDS = ("absences", "hours", "performance")


class FlagError(ValueError):
    """A flag operation cannot be done as asked; the message says why and what to do."""


class UnknownFlagError(FlagError):
    """No flag (or agent) with the given id."""


class StaleFlagError(FlagError):
    """The flag's state changed since the reviewer looked at it (someone else moved it)."""


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationSummary:
    """What one :func:`evaluate_flags` run wrote.

    Attributes
    ----------
    evaluation_id : int
        Row of ``flag_evaluations``.
    as_of : datetime.date
        The data's reference day.
    agents_scored : int
    raised : int
        New flags (state ``open``).
    updated : int
        Active flags still at medium or high, with a new observation.
    eased : int
        Active flags now at low, with a new observation (HR closes them).
    not_raised_again : int
        Agents at medium or high whose last flag was resolved or dismissed for the same concern.
    notes : tuple of str
        How the data limited the signals (skipped metrics and the like).
    """

    evaluation_id: int
    as_of: dt.date
    agents_scored: int
    raised: int
    updated: int
    eased: int
    not_raised_again: int
    notes: tuple[str, ...] = ()


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
class AgentDetail:
    """Everything the drill-down on one agent shows.

    Attributes
    ----------
    agent_id, name, team, country : str
    contract_hours_per_week : float
        Hours.
    as_of : datetime.date
        Reference day of the charts (the day the agent's latest flag was observed).
    level : str
        ``low``/``medium``/``high`` at the latest observation (``low`` without a flag).
    score : float
        0..100 at the latest observation.
    reasons : tuple of Reason
        The latest observation's reasons (a code, the numbers and thresholds, the English
        sentence); :func:`wellbeing.word_reason` writes them in a reader's locale.
    absences : pandas.DataFrame
        ``start_date, end_date, type, days`` in the absence window ending ``as_of``.
    weekly_hours : pandas.DataFrame
        ``week_start, hours_worked, contract_hours`` (hours; NaN: no hours that week).
    performance : pandas.DataFrame
        ``metric, label, week_start, value, trend``: weekly means over the baseline and trend
        windows the performance signal used; ``trend`` is the Theil-Sen line over the trend
        window (NaN before it).
    trends : pandas.DataFrame
        ``metric, label, slope_per_week, change, weeks_with_data`` per metric; ``change`` is
        ``worse``, ``better`` or ``flat`` given the metric's direction.
    flags : pandas.DataFrame
        The agent's flags, newest first (columns as in ``wellbeing_flags``, lists decoded).
    observations : pandas.DataFrame
        Every observation of those flags, with ``evaluated_at``; newest first.
    reviews : pandas.DataFrame
        Every review event of those flags, newest first.
    window_weeks : int
        Weeks of the performance trend window.
    """

    agent_id: str
    name: str
    team: str
    country: str
    contract_hours_per_week: float
    as_of: dt.date
    level: str
    score: float
    reasons: tuple[Reason, ...]
    absences: pd.DataFrame
    weekly_hours: pd.DataFrame
    performance: pd.DataFrame
    trends: pd.DataFrame
    flags: pd.DataFrame
    observations: pd.DataFrame
    reviews: pd.DataFrame
    window_weeks: int

    @property
    def current_flag(self) -> pd.Series | None:
        """The agent's newest flag, or None."""
        return None if self.flags.empty else self.flags.iloc[0]


@dataclass(frozen=True)
class TeamStrain:
    """Team aggregates of workload strain, without a single agent id or name.

    Attributes
    ----------
    as_of : datetime.date or None
        The data's reference day (None without data).
    teams : pandas.DataFrame
        :data:`wellbeing.TEAM_COLUMNS` plus ``share_low``, ``share_medium``, ``share_high``
        (fractions) and ``top_reason_families`` (families of the flagged people's reasons,
        most frequent first); suppressed rows carry no numbers.
    min_group_size : int
        Groups smaller than this are suppressed.
    notes : tuple of str
    """

    as_of: dt.date | None
    teams: pd.DataFrame
    min_group_size: int
    notes: tuple[str, ...] = ()


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


def _families(signal_names: Sequence[str]) -> set[str]:
    return {SIGNALS[s].family if s in SIGNALS else s for s in signal_names}


def _load_people(store: Store) -> dict[str, pd.DataFrame]:
    """The four HR tables through the one door (trusted call: callers checked the viewer)."""
    return {kind: store.load(kind) for kind in ("agents", "absences", "hours", "performance")}


def _score(frames: dict[str, pd.DataFrame], as_of: Any, thresholds: Thresholds) -> pd.DataFrame:
    if frames["agents"].empty:
        raise FlagError(NO_DATA_MESSAGE)
    try:
        return score_burnout_risk(
            frames["agents"],
            frames["absences"],
            frames["hours"],
            frames["performance"],
            as_of=as_of,
            thresholds=thresholds,
        )
    except WellbeingInputError as exc:
        raise FlagError(f"cannot score the people data: {exc}") from exc


def _thresholds_json(thresholds: Thresholds) -> str:
    return json.dumps(dataclasses.asdict(thresholds), sort_keys=True, default=list)


def _flag_values(row: Any, as_of: dt.date) -> dict[str, Any]:
    return {
        "as_of": as_of,
        "level": str(row.level),
        "score": float(row.score),
        # code, values and English sentence of each reason: pages word them in their locale
        "reasons": reasons_to_json(row.reasons),
        "signals": json.dumps(list(row.signals)),
    }


# --- evaluation ------------------------------------------------------------------------------


def evaluate_flags(
    store: Store,
    viewer: Principal,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> EvaluationSummary:
    """Score every agent and record the result as flags and observations, in one transaction.

    Per agent at ``medium`` or ``high``: an active flag (``open`` or ``in_review``) gets the new
    level, score and reasons and an observation; otherwise a new ``open`` flag is raised with
    its first observation, unless the agent's most recent flag ended (resolved or dismissed)
    and the concern is not new: the level is not higher than at that flag's last observation
    and every signal family was already in it (otherwise HR would see a dismissed flag come
    back on every evaluation). Agents with an active flag who are now ``low`` get an observation
    too, so HR sees the strain eased; the flag stays for HR to close.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.EVALUATE_FLAGS`.
    as_of : date-like, optional
        Reference day (default: the latest date in the hours, see
        :func:`wellbeing.score_burnout_risk`).
    thresholds : Thresholds, optional

    Returns
    -------
    EvaluationSummary

    Raises
    ------
    AccessDenied
        If the viewer may not evaluate flags.
    FlagError
        If there are no people data to score.
    """
    require(viewer, Permission.EVALUATE_FLAGS)
    scores = _score(_load_people(store), as_of, thresholds)
    as_of_day = _day(scores.attrs["as_of"])
    now = _now()
    raised = updated = eased = not_raised = 0
    wf, obs = schema.wellbeing_flags, schema.flag_observations
    with store.engine.begin() as conn:
        # Write first: on SQLite this takes the write lock before the flags are read, so two
        # evaluations at once run one after the other instead of both raising the same flag.
        evaluation_id = conn.execute(
            sa.insert(schema.flag_evaluations).values(
                evaluated_at=now,
                evaluated_by=viewer.username[:100],
                as_of=as_of_day,
                agents_scored=len(scores),
                flags_raised=0,
                flags_updated=0,
                thresholds=_thresholds_json(thresholds),
            )
        ).inserted_primary_key[0]
        latest = _latest_flag_per_agent(conn)
        observations: list[dict[str, Any]] = []
        for row in scores.itertuples(index=False):
            agent_id = str(row.agent_id)
            flagged = str(row.level) in FLAGGED_LEVELS
            last = latest.get(agent_id)
            values = _flag_values(row, as_of_day)
            if last is not None and last["state"] in ACTIVE_STATES:
                conn.execute(sa.update(wf).where(wf.c.id == last["id"]).values(**values))
                observations.append(
                    {"flag_id": last["id"], "evaluation_id": evaluation_id, **values}
                )
                if flagged:
                    updated += 1
                else:
                    eased += 1
                continue
            if not flagged:
                continue
            if last is not None and not _is_new_concern(last, str(row.level), list(row.signals)):
                not_raised += 1
                continue
            flag_id = conn.execute(
                sa.insert(wf).values(
                    agent_id=agent_id,
                    raised_evaluation_id=evaluation_id,
                    raised_at=now,
                    state=ReviewState.OPEN.value,
                    state_changed_at=now,
                    **values,
                )
            ).inserted_primary_key[0]
            observations.append({"flag_id": flag_id, "evaluation_id": evaluation_id, **values})
            raised += 1
        if observations:
            conn.execute(sa.insert(obs), observations)
        conn.execute(
            sa.update(schema.flag_evaluations)
            .where(schema.flag_evaluations.c.id == evaluation_id)
            .values(flags_raised=raised, flags_updated=updated + eased)
        )
        detail = {
            "as_of": as_of_day.isoformat(),
            "agents_scored": len(scores),
            "raised": raised,
            "updated": updated,
            "eased": eased,
            "not_raised_again": not_raised,
        }
        audit(conn, viewer, AuditAction.EVALUATE, f"evaluation {evaluation_id}", detail)
    logger.info("evaluation %s as of %s: %s", evaluation_id, as_of_day, detail)
    return EvaluationSummary(
        evaluation_id,
        as_of_day,
        len(scores),
        raised,
        updated,
        eased,
        not_raised,
        tuple(scores.attrs.get("notes", ())),
    )


def _latest_flag_per_agent(conn: Connection) -> dict[str, dict[str, Any]]:
    """Each agent's most recent flag (highest id): id, state, level and signal names."""
    wf = schema.wellbeing_flags
    rows = conn.execute(
        sa.select(wf.c.id, wf.c.agent_id, wf.c.state, wf.c.level, wf.c.signals).order_by(wf.c.id)
    ).mappings()
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        latest[r["agent_id"]] = {
            "id": r["id"],
            "state": r["state"],
            "level": r["level"],
            "signals": json.loads(r["signals"]),
        }
    return latest


def _is_new_concern(last: dict[str, Any], level: str, signals: list[str]) -> bool:
    """Whether strain after an ended flag is new: a higher level or a family not seen then."""
    if _LEVEL_RANK[level] > _LEVEL_RANK.get(last["level"], 0):
        return True
    return bool(_families(signals) - _families(last["signals"]))


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
    if "reasons" in frame:
        # objects with a code and values; rows written before hold plain sentences
        frame["reasons"] = frame["reasons"].map(reasons_from_json)
    if "signals" in frame:
        frame["signals"] = frame["signals"].map(json.loads)
    for col in ("raised_at", "state_changed_at", "evaluated_at", "at"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    if "as_of" in frame:
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def _sort_by_level(frame: pd.DataFrame) -> pd.DataFrame:
    rank = frame["level"].map(_LEVEL_RANK).fillna(-1)
    return (
        frame.assign(_rank=rank)
        .sort_values(["_rank", "score", "flag_id"], ascending=[False, False, True], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def list_flags(
    store: Store,
    viewer: Principal,
    *,
    states: Sequence[str] | None = None,
    levels: Sequence[str] | None = None,
    teams: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Individual flags with the agent's name, team and country, highest strain first.

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
        Columns :data:`FLAG_COLUMNS`; ``reasons`` (lists of :class:`wellbeing.Reason`) and
        ``signals`` (lists of str) are lists; sorted by level (high first), then score
        (highest first).
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
    return _sort_by_level(_decode(frame))


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


def agent_detail(
    store: Store,
    viewer: Principal,
    agent_id: str,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> AgentDetail:
    """One agent's absences, hours, performance trends, flags, observations and reviews.

    The charts' reference day is that of the agent's newest flag (so they show what its reasons
    describe), else the latest evaluation's, else the latest day with hours.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_INDIVIDUAL_WELLBEING`; the look is audited (``view_agent``
        with the agent id as subject).
    agent_id : str
    thresholds : Thresholds, optional
        Windows of the charts (absence window, performance baseline and trend weeks).

    Returns
    -------
    AgentDetail

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
    person = agents.iloc[0]
    absences = store.load("absences", viewer, agent_id=[agent_id])
    hours = store.load("hours", viewer, agent_id=[agent_id])
    performance = store.load("performance", viewer, agent_id=[agent_id])
    with store.engine.begin() as conn:
        flags, observations, reviews = _agent_flags(conn, agent_id)
        audit(conn, viewer, AuditAction.VIEW_AGENT, agent_id, {"flags": len(flags)})

    if not flags.empty:
        newest = flags.iloc[0]
        as_of: Any = newest["as_of"]
        level, score, reasons = newest["level"], float(newest["score"]), tuple(newest["reasons"])
    else:
        info = last_evaluation(store)
        as_of = info.as_of if info else (hours["date"].max() if len(hours) else None)
        level, score, reasons = "low", 0.0, ()
    if as_of is None or pd.isna(as_of):
        as_of = _today_or_latest(absences, performance)
    ctx = make_signal_context(agents, absences, hours, performance, as_of)
    as_of_day = _day(ctx.as_of)
    perf, trends = _performance_trends(ctx, thresholds)
    return AgentDetail(
        agent_id=agent_id,
        name=str(person["name"] or ""),
        team=str(person["team"] or ""),
        country=str(person["country"] or ""),
        contract_hours_per_week=float(person["contract_hours_per_week"]),
        as_of=as_of_day,
        level=str(level),
        score=score,
        reasons=reasons,
        absences=_absences_in_window(absences, as_of_day, thresholds),
        weekly_hours=_weekly_hours(ctx),
        performance=perf,
        trends=trends,
        flags=flags,
        observations=observations,
        reviews=reviews,
        window_weeks=thresholds.trend_weeks,
    )


def _today_or_latest(absences: pd.DataFrame, performance: pd.DataFrame) -> dt.date:
    for frame, col in ((performance, "date"), (absences, "end_date")):
        if len(frame):
            return _day(frame[col].max())
    return dt.date.today()


def _absences_in_window(absences: pd.DataFrame, as_of: dt.date, th: Thresholds) -> pd.DataFrame:
    """Absences overlapping the Bradford window ending ``as_of`` (days counted in it)."""
    first = pd.Timestamp(as_of) - pd.Timedelta(days=7 * th.bradford_window_weeks - 1)
    last = pd.Timestamp(as_of)
    shown = absences[(absences["end_date"] >= first) & (absences["start_date"] <= last)]
    days = (shown["end_date"].clip(upper=last) - shown["start_date"].clip(lower=first)).dt.days + 1
    return (
        shown.assign(days=days.astype(int))[["start_date", "end_date", "type", "days"]]
        .sort_values("start_date")
        .reset_index(drop=True)
    )


def _weekly_hours(ctx: Any) -> pd.DataFrame:
    weekly = ctx.weekly_hours(HISTORY_WEEKS)
    return pd.DataFrame(
        {
            "week_start": pd.to_datetime(weekly.weeks),
            "hours_worked": weekly.hours[0],
            "contract_hours": float(ctx.contract_hours[0]),
        }
    )


def _performance_trends(ctx: Any, th: Thresholds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weekly means per metric and the Theil-Sen line over the trend window."""
    n_weeks = th.baseline_weeks + th.trend_weeks
    keys, matrix = weekly_performance(ctx, n_weeks)
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    weeks = pd.to_datetime(first + np.arange(n_weeks).astype("timedelta64[D]") * 7)
    window = matrix[:, -th.trend_weeks :]
    slopes = sen_slopes(window) if len(window) else np.array([])
    x = np.arange(th.trend_weeks, dtype=float)
    parts, summary = [], []
    for k, metric in enumerate(keys["metric"]):
        y = window[k]
        ok = np.isfinite(y)
        trend = np.full(n_weeks, np.nan)
        if np.isfinite(slopes[k]) and ok.any():
            # intercept as scipy.stats.theilslopes computes it: median(y) - slope * median(x)
            intercept = np.median(y[ok]) - slopes[k] * np.median(x[ok])
            trend[-th.trend_weeks :] = intercept + slopes[k] * x
        label = METRIC_LABELS.get(metric, metric)
        parts.append(
            pd.DataFrame(
                {
                    "metric": metric,
                    "label": label,
                    "week_start": weeks,
                    "value": matrix[k],
                    "trend": trend,
                }
            )
        )
        worse = -th.metric_direction(metric) * slopes[k]
        change = (
            "flat" if not np.isfinite(worse) or worse == 0 else "worse" if worse > 0 else "better"
        )
        summary.append(
            {
                "metric": metric,
                "label": label,
                "slope_per_week": float(slopes[k]),
                "change": change,
                "weeks_with_data": int(ok.sum()),
            }
        )
    columns = ["metric", "label", "week_start", "value", "trend"]
    perf = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    trends = pd.DataFrame(
        summary, columns=["metric", "label", "slope_per_week", "change", "weeks_with_data"]
    )
    return perf, trends


# --- review ----------------------------------------------------------------------------------


def review_flag(
    store: Store,
    viewer: Principal,
    flag_id: int,
    to_state: ReviewState | str,
    note: str = "",
    *,
    expected_state: ReviewState | str,
) -> FlagReview:
    """Move a flag to ``to_state``, recording who, when and why, in one transaction.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.REVIEW_FLAGS`; recorded as the reviewer.
    flag_id : int
    to_state : ReviewState or str
        Allowed moves: :data:`wellbeing.ALLOWED_TRANSITIONS`.
    note : str, optional
        Grounds of the decision; required for ``resolved`` and ``dismissed``.
    expected_state : ReviewState or str
        The state the reviewer saw. If the flag is no longer in it (someone else moved it),
        nothing changes and :class:`StaleFlagError` says what happened.

    Returns
    -------
    FlagReview
        The recorded event.

    Raises
    ------
    AccessDenied
        If the viewer may not review flags.
    InvalidTransitionError
        If the move is not allowed or a required note is missing.
    UnknownFlagError
        If there is no such flag.
    StaleFlagError
        If the flag's state is no longer ``expected_state``.
    """
    require(viewer, Permission.REVIEW_FLAGS)
    now = _now()
    event = FlagReview(
        flag_id=str(flag_id),
        from_state=expected_state,
        to_state=to_state,
        reviewer=viewer.username,
        at=pd.Timestamp(now),
        note=(note or "").strip(),
    )
    wf, rv = schema.wellbeing_flags, schema.flag_reviews
    with store.engine.begin() as conn:
        current = conn.execute(
            sa.select(wf.c.state, wf.c.agent_id).where(wf.c.id == int(flag_id))
        ).first()
        if current is None:
            raise UnknownFlagError(f"there is no flag {flag_id}")
        # compare-and-set: the update only happens if the state is still the one seen
        moved = conn.execute(
            sa.update(wf)
            .where(wf.c.id == int(flag_id), wf.c.state == event.from_state.value)
            .values(state=event.to_state.value, state_changed_at=now)
        ).rowcount
        if moved != 1:
            raise StaleFlagError(_stale_message(conn, int(flag_id), event.from_state.value))
        conn.execute(
            sa.insert(rv).values(
                flag_id=int(flag_id),
                from_state=event.from_state.value,
                to_state=event.to_state.value,
                reviewer=viewer.username[:100],
                at=now,
                note=event.note,
            )
        )
        audit(
            conn,
            viewer,
            AuditAction.REVIEW,
            current.agent_id,
            {"flag_id": int(flag_id), "from": event.from_state.value, "to": event.to_state.value},
        )
    return event


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


# --- team aggregates -------------------------------------------------------------------------


def team_strain(
    store: Store,
    viewer: Principal,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    group_by: str = "team",
) -> TeamStrain:
    """Workload strain per team (counts, shares, mean score, reason families), nobody named.

    Scores the current data (it does not read the flags: HR's decisions are not for managers).

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_TEAM_WELLBEING`.
    as_of : date-like, optional
        Reference day (default: the latest date in the hours).
    thresholds : Thresholds, optional
        ``min_group_size`` (5) sets the suppression.
    group_by : str, default "team"
        Column of the agents table to group by (``team`` or ``country``).

    Returns
    -------
    TeamStrain
        No agent ids or names anywhere in it.
    """
    require(viewer, Permission.VIEW_TEAM_WELLBEING)
    frames = _load_people(store)
    # agents alone (a roster without HR history) give nothing to score yet: say what is missing
    if frames["agents"].empty or all(frames[k].empty for k in SCORED_KINDS):
        empty = pd.DataFrame(columns=[*TEAM_STRAIN_COLUMNS])
        return TeamStrain(None, empty, thresholds.min_group_size, (NO_DATA_MESSAGE,))
    scores = _score(frames, as_of, thresholds)
    table = aggregate_teams(
        scores, frames["agents"], frames["hours"], scores.attrs["as_of"], thresholds, group_by
    )
    for level in ("low", "medium", "high"):
        table[f"share_{level}"] = (table[f"n_{level}"] / table["n_agents"]).astype("Float64")
    table["top_reason_families"] = _top_families(scores, frames["agents"], table, group_by)
    table = table[list(TEAM_STRAIN_COLUMNS)]
    return TeamStrain(
        _day(scores.attrs["as_of"]),
        table,
        thresholds.min_group_size,
        tuple(scores.attrs.get("notes", ())),
    )


TEAM_STRAIN_COLUMNS: tuple[str, ...] = (
    "team",
    "suppressed",
    "n_agents",
    "n_low",
    "n_medium",
    "n_high",
    "share_low",
    "share_medium",
    "share_high",
    "mean_score",
    "share_flagged",
    "share_with_overtime",
    "top_reason_families",
    "note",
)


def _top_families(
    scores: pd.DataFrame, agents: pd.DataFrame, table: pd.DataFrame, group_by: str
) -> list[str]:
    """Signal families of the flagged people per group, most frequent first ("" if suppressed)."""
    groups = agents.set_index(agents["agent_id"].astype(str))[group_by]
    flagged = scores[scores["level"].astype(str).isin(FLAGGED_LEVELS)]
    counts: dict[str, dict[str, int]] = {}
    for agent_id, names in zip(flagged["agent_id"].astype(str), flagged["signals"], strict=True):
        group = groups.get(agent_id)
        group = NO_TEAM if group is None or pd.isna(group) else group
        for family in _families(names):
            counts.setdefault(group, {}).setdefault(family, 0)
            counts[group][family] += 1
    out = []
    for team, suppressed in zip(table["team"], table["suppressed"], strict=True):
        fams = counts.get(team, {})
        ranked = sorted(fams, key=lambda f: (-fams[f], f))
        out.append("" if suppressed else ", ".join(ranked))
    return out


#: Who re-evaluates flags when new HR data arrive (the audit log names it).
REEVALUATOR = Principal("crewcast", "hr", "Crewcast (re-evaluation on new data)")


def reevaluate_after_import(store: Store, kind: str) -> EvaluationSummary | None:
    """Re-evaluate the flags after an import of HR data, once HR has started evaluating.

    Before the first evaluation nothing is done: HR's first visit evaluates. Returns the summary,
    or None when nothing was re-evaluated.
    """
    if kind not in HR_KINDS or last_evaluation(store) is None:
        return None
    return evaluate_flags(store, REEVALUATOR)
