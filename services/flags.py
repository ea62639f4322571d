"""Wellbeing flag workflows: evaluate, re-evaluate after an import, review, and the two views.

Each function is one workflow over the data layer (:mod:`data.flags` stores and reads) and the
wellbeing package (:mod:`wellbeing` scores and decides):

- :func:`evaluate_flags` scores every agent and stores, in one transaction, a new flag for each
  agent newly at ``medium`` or ``high`` workload strain or an observation on the agent's active
  flag (the rules: :mod:`wellbeing.decisions`);
- :func:`reevaluate_after_import` does it again after an import of HR data, once HR has started;
- :func:`review_flag` moves a flag through :mod:`wellbeing.review`'s state machine;
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

import pandas as pd

from data import flags as flag_store
from data.access import HR_KINDS, Permission, Principal, require
from data.flags import (
    FLAG_COLUMNS,
    EvaluationInfo,
    FlagError,
    FlagWrites,
    StaleFlagError,
    UnknownFlagError,
    last_evaluation,
)
from data.store import Store
from wellbeing import (
    DEFAULT_THRESHOLDS,
    TEAM_STRAIN_COLUMNS,
    FlagReview,
    Reason,
    ReviewState,
    RiskLevel,
    Thresholds,
    WellbeingInputError,
    count_decisions,
    decide_flags,
    drilldown_day,
    make_drilldown,
    order_flags,
    reasons_from_json,
    reasons_to_json,
    score_burnout_risk,
    team_strain_table,
)
from wellbeing.decisions import OBSERVED_ACTIONS

logger = logging.getLogger(__name__)

__all__ = [
    "FLAG_COLUMNS",
    "NO_DATA_MESSAGE",
    "REEVALUATOR",
    "SCORED_KINDS",
    "TEAM_STRAIN_COLUMNS",
    "AgentDetail",
    "EvaluationInfo",
    "EvaluationSummary",
    "FlagError",
    "StaleFlagError",
    "TeamStrain",
    "UnknownFlagError",
    "agent_detail",
    "evaluate_flags",
    "last_evaluation",
    "list_flags",
    "reevaluate_after_import",
    "review_flag",
    "team_strain",
]

NO_DATA_MESSAGE = (
    "no people data yet: import the agents, absences, hours and performance files on the Data page"
)
#: The HR tables strain is scored from (with the agents).
SCORED_KINDS = ("absences", "hours", "performance")
#: Who re-evaluates flags when new HR data arrive (the audit log names it).
REEVALUATOR = Principal("crewcast", "hr", "Crewcast (re-evaluation on new data)")


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
        :data:`wellbeing.TEAM_STRAIN_COLUMNS`: :data:`wellbeing.TEAM_COLUMNS` plus
        ``share_low``, ``share_medium``, ``share_high`` (fractions) and ``top_reason_families``
        (families of the flagged people's reasons, most frequent first); suppressed rows carry
        no numbers.
    min_group_size : int
        Groups smaller than this are suppressed.
    notes : tuple of str
    """

    as_of: dt.date | None
    teams: pd.DataFrame
    min_group_size: int
    notes: tuple[str, ...] = ()


# --- helpers ---------------------------------------------------------------------------------


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


def _flag_writes(decisions: pd.DataFrame, as_of: dt.date) -> FlagWrites:
    """The rows :func:`data.flags.record_evaluation` writes for the decided actions."""
    observed = decisions[decisions["action"].isin(list(OBSERVED_ACTIONS))]
    rows = pd.DataFrame(
        {
            "agent_id": observed["agent_id"].astype(str),
            "flag_id": observed["flag_id"],
            "state": ReviewState.OPEN.value,  # of a raised flag; an observed one keeps its own
            "as_of": as_of,
            "level": observed["level"].astype(str),
            "score": observed["score"].astype(float),
            # code, values and English sentence of each reason: pages word them in their locale
            "reasons": observed["reasons"].map(reasons_to_json),
            "signals": observed["signals"].map(lambda names: json.dumps(list(names))),
        },
        columns=list(flag_store.FLAG_WRITE_COLUMNS),
    )
    return FlagWrites(rows, dataclasses.asdict(count_decisions(decisions)))


def _with_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored reasons as :class:`wellbeing.Reason` lists (rows written before hold sentences)."""
    if "reasons" in frame:
        frame["reasons"] = frame["reasons"].map(reasons_from_json)
    return frame


# --- evaluation ------------------------------------------------------------------------------


def evaluate_flags(
    store: Store,
    viewer: Principal,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> EvaluationSummary:
    """Score every agent and record the result as flags and observations, in one transaction.

    Per agent (:func:`wellbeing.decide_flags`): at ``medium`` or ``high`` an active flag
    (``open`` or ``in_review``) gets the new level, score and reasons and an observation;
    otherwise a new ``open`` flag is raised with its first observation, unless the agent's most
    recent flag ended (resolved or dismissed) and the concern is not new (no higher level, no new
    signal family). Agents with an active flag who are now ``low`` get an observation too, so
    HR sees the strain eased; the flag stays for HR to close.

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
    require(viewer, Permission.EVALUATE_FLAGS)  # before the scoring, which takes seconds
    scores = _score(flag_store.read_people(store), as_of, thresholds)
    as_of_day = pd.Timestamp(scores.attrs["as_of"]).date()
    evaluation_id, writes = flag_store.record_evaluation(
        store,
        viewer,
        as_of=as_of_day,
        agents_scored=len(scores),
        thresholds=dataclasses.asdict(thresholds),
        decide=lambda latest: _flag_writes(decide_flags(scores, latest), as_of_day),
    )
    counts = writes.counts
    return EvaluationSummary(
        evaluation_id,
        as_of_day,
        len(scores),
        counts["raised"],
        counts["updated"],
        counts["eased"],
        counts["not_raised_again"],
        tuple(scores.attrs.get("notes", ())),
    )


def reevaluate_after_import(store: Store, kind: str) -> EvaluationSummary | None:
    """Re-evaluate the flags after an import of HR data, once HR has started evaluating.

    Before the first evaluation nothing is done: HR's first visit evaluates. The evaluation is
    recorded as :data:`REEVALUATOR`'s.

    Parameters
    ----------
    store : Store
    kind : str
        The kind of file just imported (``agents``, ``absences``, ``hours``, ...).

    Returns
    -------
    EvaluationSummary or None
        None when nothing was re-evaluated (not HR data, or never evaluated yet).
    """
    if kind not in HR_KINDS or last_evaluation(store) is None:
        return None
    return evaluate_flags(store, REEVALUATOR)


# --- reading flags ---------------------------------------------------------------------------


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
    frame = flag_store.list_flags(
        store, viewer, states=states, levels=levels, teams=teams, countries=countries
    )
    return order_flags(_with_reasons(frame))


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
    records = flag_store.read_agent(store, viewer, agent_id)
    flags = _with_reasons(records.flags)
    if not flags.empty:
        newest = flags.iloc[0]
        day: Any = newest["as_of"]
        level, score, reasons = newest["level"], float(newest["score"]), tuple(newest["reasons"])
    else:
        info = last_evaluation(store)
        day = info.as_of if info else None
        level, score, reasons = RiskLevel.LOW.value, 0.0, ()
    day = drilldown_day(day, records.absences, records.hours, records.performance)
    drill = make_drilldown(
        records.agents, records.absences, records.hours, records.performance, day, thresholds
    )
    person = records.person
    return AgentDetail(
        agent_id=str(agent_id),
        name=str(person["name"] or ""),
        team=str(person["team"] or ""),
        country=str(person["country"] or ""),
        contract_hours_per_week=float(person["contract_hours_per_week"]),
        as_of=drill.as_of,
        level=str(level),
        score=score,
        reasons=reasons,
        absences=drill.absences,
        weekly_hours=drill.weekly_hours,
        performance=drill.performance,
        trends=drill.trends,
        flags=flags,
        observations=_with_reasons(records.observations),
        reviews=records.reviews,
        window_weeks=drill.window_weeks,
    )


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
    require(viewer, Permission.REVIEW_FLAGS)  # before the move is checked
    now = dt.datetime.now(dt.UTC)
    event = FlagReview(
        flag_id=str(flag_id),
        from_state=expected_state,
        to_state=to_state,
        reviewer=viewer.username,
        at=pd.Timestamp(now),
        note=(note or "").strip(),
    )
    flag_store.record_review(
        store,
        viewer,
        int(flag_id),
        from_state=event.from_state.value,
        to_state=event.to_state.value,
        note=event.note,
        at=now,
    )
    return event


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
    frames = flag_store.read_people(store)
    # agents alone (a roster without HR history) give nothing to score yet: say what is missing
    if frames["agents"].empty or all(frames[k].empty for k in SCORED_KINDS):
        empty = pd.DataFrame(columns=[*TEAM_STRAIN_COLUMNS])
        return TeamStrain(None, empty, thresholds.min_group_size, (NO_DATA_MESSAGE,))
    scores = _score(frames, as_of, thresholds)
    table = team_strain_table(
        scores, frames["agents"], frames["hours"], scores.attrs["as_of"], thresholds, group_by
    )
    return TeamStrain(
        pd.Timestamp(scores.attrs["as_of"]).date(),
        table,
        thresholds.min_group_size,
        tuple(scores.attrs.get("notes", ())),
    )
