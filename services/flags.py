"""Wellbeing flag workflows: evaluate, re-evaluate after an import, review, and the two views.

Each function is one workflow over the data layer (:mod:`data.flags` stores and reads) and the
wellbeing package (:mod:`wellbeing` scores and decides):

- :func:`evaluate_flags` scores every agent and stores, in one transaction, a new flag for each
  agent newly at ``medium`` or ``high`` workload strain or an observation on the agent's active
  flag (the rules: :mod:`wellbeing.decisions`);
- :func:`reevaluate_after_import` does it again after an import of HR data, once HR has started;
- :func:`review_flag` moves a flag through :mod:`wellbeing.review`'s state machine;
  :func:`review_with_followup` does it and records who follows up, by when, the agreed action
  and limits on the person's rostering (:mod:`wellbeing.limits`), in one transaction;
- :func:`followups_due` lists HR's open follow-ups, overdue first; :func:`complete_followup`
  marks one done; :func:`limits_for_period` gives the limits that apply to a roster period,
  without the reason (planners, the schedule workflow);
- :func:`check_ins_on` and :func:`set_check_ins` read and change HR's setting "open a
  return-to-work check-in after a long absence" (off by default; the evaluation honours it);
  :func:`check_ins_due` lists the open check-ins and :func:`complete_check_in` marks one done
  (HR only): an item beside the flags, never a flag, with no level, score or reason;
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data import flags as flag_store
from data.access import HR_KINDS, Permission, Principal, require
from data.flags import (
    CHECK_IN_COLUMNS,
    CHECK_IN_SETTING,
    CHECK_IN_WRITE_COLUMNS,
    FLAG_COLUMNS,
    ROSTER_LIMIT_COLUMNS,
    EvaluationInfo,
    FlagError,
    FlagWrites,
    FollowupEntry,
    LimitEntry,
    StaleFlagError,
    UnknownFlagError,
    last_evaluation,
)
from data.store import Store
from wellbeing import (
    ALLOWED_TRANSITIONS,
    DEFAULT_THRESHOLDS,
    TEAM_STRAIN_COLUMNS,
    BurnoutEvaluation,
    FlagReview,
    InvalidTransitionError,
    Reason,
    ReviewState,
    RiskLevel,
    Thresholds,
    WellbeingInputError,
    count_decisions,
    decide_flags,
    drilldown_day,
    evaluate_burnout_risk,
    make_drilldown,
    order_flags,
    reasons_from_json,
    reasons_to_json,
    team_strain_table,
)
from wellbeing.decisions import OBSERVED_ACTIONS
from wellbeing.limits import FollowupError, check_followup, check_limit, due_order

logger = logging.getLogger(__name__)

__all__ = [
    "CHECK_IN_COLUMNS",
    "FLAG_COLUMNS",
    "NO_DATA_MESSAGE",
    "REEVALUATOR",
    "ROSTER_LIMIT_COLUMNS",
    "SCORED_KINDS",
    "TEAM_STRAIN_COLUMNS",
    "AgentDetail",
    "EvaluationInfo",
    "EvaluationSummary",
    "FlagError",
    "FollowupError",
    "StaleFlagError",
    "TeamStrain",
    "UnknownFlagError",
    "agent_detail",
    "agent_followups",
    "check_ins_due",
    "check_ins_on",
    "complete_check_in",
    "complete_followup",
    "evaluate_flags",
    "followups_due",
    "hr_users",
    "last_evaluation",
    "limits_for_period",
    "list_flags",
    "reevaluate_after_import",
    "review_flag",
    "review_with_followup",
    "set_check_ins",
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
    check_ins_opened : int
        Return-to-work check-ins opened (0 while HR's setting is off); never flags.
    """

    evaluation_id: int
    as_of: dt.date
    agents_scored: int
    raised: int
    updated: int
    eased: int
    not_raised_again: int
    notes: tuple[str, ...] = ()
    check_ins_opened: int = 0


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


def _evaluate(
    frames: dict[str, pd.DataFrame], as_of: Any, thresholds: Thresholds
) -> BurnoutEvaluation:
    """:func:`wellbeing.evaluate_burnout_risk` on the people data: scores and check-ins."""
    if frames["agents"].empty:
        raise FlagError(NO_DATA_MESSAGE)
    try:
        return evaluate_burnout_risk(
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

    When HR turned return-to-work check-ins on (:func:`set_check_ins`; the stored setting
    decides, whatever ``thresholds.return_to_work_check_ins`` says), a person back from a long
    absence within ``thresholds.check_in_weeks`` weeks gets a check-in item in the same
    transaction, once per absence: never a flag, never in a score.

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
    check_ins = bool(flag_store.read_hr_setting(store, CHECK_IN_SETTING, False))
    thresholds = dataclasses.replace(thresholds, return_to_work_check_ins=check_ins)
    result = _evaluate(flag_store.read_people(store), as_of, thresholds)
    scores = result.scores
    as_of_day = pd.Timestamp(scores.attrs["as_of"]).date()
    evaluation_id, writes = flag_store.record_evaluation(
        store,
        viewer,
        as_of=as_of_day,
        agents_scored=len(scores),
        thresholds=dataclasses.asdict(thresholds),
        decide=lambda latest: _flag_writes(decide_flags(scores, latest), as_of_day),
        check_ins=result.check_ins.loc[:, list(CHECK_IN_WRITE_COLUMNS)] if check_ins else None,
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
        int(counts.get("check_ins_opened", 0)),
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


# --- follow-ups and limits -------------------------------------------------------------------


def review_with_followup(
    store: Store,
    viewer: Principal,
    flag_id: int,
    to_state: ReviewState | str,
    note: str = "",
    *,
    expected_state: ReviewState | str,
    assignee: str,
    due_date: Any,
    action: str,
    followup_note: str = "",
    limits: Sequence[Mapping[str, Any]] = (),
) -> int:
    """Review a flag and record its follow-up and limits, in one audited transaction.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.REVIEW_FLAGS` and :attr:`Permission.MANAGE_FOLLOWUPS` (HR).
    flag_id, to_state, note, expected_state
        As :func:`review_flag`.
    assignee : str
        Who follows up: the viewer or another HR user.
    due_date : date-like
        The follow-up date.
    action : str
        The agreed action (:class:`wellbeing.limits.FollowupAction`).
    followup_note : str, optional
    limits : sequence of mapping, optional
        ``kind, value, start_date, end_date`` each (:func:`wellbeing.limits.check_limit`):
        limits on the person's rostering, honoured by the roster on the days inside them.

    Returns
    -------
    int
        The follow-up's id.

    Raises
    ------
    AccessDenied
        If the viewer may not review flags or manage follow-ups.
    FollowupError
        A missing assignee, a bad date, action or limit (nothing is written).
    InvalidTransitionError, UnknownFlagError, StaleFlagError, FlagError
        As :func:`review_flag`; FlagError also when the assignee is not an HR user.
    """
    require(viewer, Permission.REVIEW_FLAGS)
    require(viewer, Permission.MANAGE_FOLLOWUPS)
    who, day, agreed = check_followup(assignee, due_date, action)
    checked = [
        check_limit(
            limit.get("kind"), limit.get("value"), limit.get("start_date"), limit.get("end_date")
        )
        for limit in limits
    ]
    now = dt.datetime.now(dt.UTC)
    if ReviewState(to_state) == ReviewState(expected_state):
        # a follow-up on a flag that stays where it is: allowed while the review is active
        state = ReviewState(to_state)
        if not ALLOWED_TRANSITIONS[state]:
            raise InvalidTransitionError(
                f"the review of flag {flag_id} has ended ({state.value}): a follow-up goes with "
                "an active flag"
            )
        from_value, to_value = state.value, state.value
    else:
        event = FlagReview(
            flag_id=str(flag_id),
            from_state=expected_state,
            to_state=to_state,
            reviewer=viewer.username,
            at=pd.Timestamp(now),
            note=(note or "").strip(),
        )
        from_value, to_value = event.from_state.value, event.to_state.value
    return flag_store.record_review_with_followup(
        store,
        viewer,
        int(flag_id),
        from_state=from_value,
        to_state=to_value,
        note=(note or "").strip(),
        at=now,
        followup=FollowupEntry(who, day, agreed, (followup_note or "").strip()),
        limits=[LimitEntry(**limit) for limit in checked],
    )


def followups_due(store: Store, viewer: Principal, today: dt.date | None = None) -> pd.DataFrame:
    """HR's open follow-ups, overdue first (longest overdue first), then by follow-up date.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.MANAGE_FOLLOWUPS`; the look is audited.
    today : datetime.date, optional
        Default: today (UTC).

    Returns
    -------
    pandas.DataFrame
        :data:`data.flags.FOLLOWUP_COLUMNS` plus ``days_overdue``.
    """
    frame = flag_store.list_followups(store, viewer, open_only=True)
    return due_order(frame, today or dt.datetime.now(dt.UTC).date())


def agent_followups(
    store: Store, viewer: Principal, agent_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One person's follow-ups (newest first) and the limits set for them (HR only).

    Returns
    -------
    followups : pandas.DataFrame
        :data:`data.flags.FOLLOWUP_COLUMNS`.
    limits : pandas.DataFrame
        :data:`data.flags.LIMIT_COLUMNS`, newest first.
    """
    followups = flag_store.list_followups(store, viewer, agent_id=str(agent_id))
    limits = flag_store.list_limits(store, viewer, str(agent_id))
    return followups.iloc[::-1].reset_index(drop=True), limits.iloc[::-1].reset_index(drop=True)


def complete_followup(store: Store, viewer: Principal, followup_id: int, note: str = "") -> None:
    """Mark a follow-up done (audited); :class:`FlagError` if it is unknown or done already."""
    flag_store.mark_followup_done(
        store, viewer, int(followup_id), note=(note or "").strip(), at=dt.datetime.now(dt.UTC)
    )


def hr_users(store: Store, viewer: Principal) -> list[str]:
    """Who may be assigned a follow-up: the viewer first, then the other HR accounts."""
    others = [u for u in flag_store.list_hr_users(store, viewer) if u != viewer.username]
    return [viewer.username, *others]


def limits_for_period(
    store: Store, viewer: Principal, first_day: dt.date, last_day: dt.date
) -> pd.DataFrame:
    """The limits HR set that apply on some day of a roster period, without the reason.

    The one door for the Schedule page, the schedule workflow and tests: who, which limit, its
    value and days, never the flag, the follow-up or a note.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.VIEW_STAFFING` (or HR's :attr:`Permission.MANAGE_FOLLOWUPS`).
    first_day, last_day : datetime.date
        The period, inclusive.

    Returns
    -------
    pandas.DataFrame
        :data:`data.flags.ROSTER_LIMIT_COLUMNS`, as :func:`staffing.roster.build_roster` takes
        them.
    """
    return flag_store.limits_for_roster(store, viewer, first_day, last_day)


# --- return-to-work check-ins ----------------------------------------------------------------


def check_ins_on(store: Store, viewer: Principal) -> bool:
    """Whether HR turned on "open a return-to-work check-in after a long absence" (off unless
    turned on). Needs :attr:`Permission.VIEW_INDIVIDUAL_WELLBEING` (HR)."""
    require(viewer, Permission.VIEW_INDIVIDUAL_WELLBEING)
    return bool(flag_store.read_hr_setting(store, CHECK_IN_SETTING, False))


def set_check_ins(store: Store, viewer: Principal, on: bool) -> EvaluationSummary | None:
    """Turn return-to-work check-ins on or off (audited); turning them on evaluates at once.

    Off keeps the check-ins already opened (HR still marks them done) and opens no more.

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs :attr:`Permission.MANAGE_HR_SETTINGS` (HR, signed in) and, to evaluate,
        :attr:`Permission.EVALUATE_FLAGS`.
    on : bool

    Returns
    -------
    EvaluationSummary or None
        The evaluation run on turning them on (None when turned off, or with no people data
        yet: the first evaluation opens them).
    """
    if not isinstance(on, bool):
        raise FlagError(f"return-to-work check-ins: on must be True or False, got {on!r}")
    require(viewer, Permission.MANAGE_HR_SETTINGS)
    require(viewer, Permission.EVALUATE_FLAGS)
    flag_store.save_hr_setting(store, viewer, CHECK_IN_SETTING, on)
    if not on or flag_store.read_people(store)["agents"].empty:
        return None
    return evaluate_flags(store, viewer)


def check_ins_due(store: Store, viewer: Principal) -> pd.DataFrame:
    """The open return-to-work check-ins, by the day the person came back (HR only, audited).

    Returns
    -------
    pandas.DataFrame
        :data:`data.flags.CHECK_IN_COLUMNS`: the person, the absence's first and last day, the
        day back; no level, score or reason.
    """
    return flag_store.list_check_ins(store, viewer, open_only=True)


def complete_check_in(store: Store, viewer: Principal, check_in_id: int, note: str = "") -> None:
    """Mark a check-in done (audited); :class:`FlagError` if it is unknown or done already."""
    flag_store.mark_check_in_done(
        store, viewer, int(check_in_id), note=(note or "").strip(), at=dt.datetime.now(dt.UTC)
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
    frames = flag_store.read_people(store)
    # agents alone (a roster without HR history) give nothing to score yet: say what is missing
    if frames["agents"].empty or all(frames[k].empty for k in SCORED_KINDS):
        empty = pd.DataFrame(columns=[*TEAM_STRAIN_COLUMNS])
        return TeamStrain(None, empty, thresholds.min_group_size, (NO_DATA_MESSAGE,))
    scores = _evaluate(frames, as_of, thresholds).scores
    table = team_strain_table(
        scores, frames["agents"], frames["hours"], scores.attrs["as_of"], thresholds, group_by
    )
    return TeamStrain(
        pd.Timestamp(scores.attrs["as_of"]).date(),
        table,
        thresholds.min_group_size,
        tuple(scores.attrs.get("notes", ())),
    )
