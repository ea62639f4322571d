"""What an evaluation does with each agent's flag: raise, update, ease, or not raise again.

Pure rules over the new scores and each agent's most recent flag; storing the outcome is the
data layer's job. Nothing is ever deleted: an active flag gets a new observation whatever the
level (so HR sees strain ease), and only HR closes a flag.

- An agent with an active flag (``open`` or ``in_review``) gets an observation on it: an
  *update* while still ``medium`` or ``high``, an *ease* once ``low``.
- Otherwise an agent at ``medium`` or ``high`` gets a new ``open`` flag (*raise*), unless the
  agent's most recent flag ended (resolved or dismissed) and the concern is not new: the level is
  not higher than at that flag's last observation and every signal family was already in it.
  Without this HR would see a dismissed flag come back on every evaluation.
- An agent at ``low`` without an active flag gets nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from wellbeing.errors import require_columns
from wellbeing.levels import FLAGGED_LEVELS, LEVEL_RANK
from wellbeing.review import ReviewState
from wellbeing.signals import signal_families

#: Review states in which a flag is still being handled (it gets the new observations).
ACTIVE_STATES: frozenset[ReviewState] = frozenset({ReviewState.OPEN, ReviewState.IN_REVIEW})
#: Columns of the "most recent flag per agent" frame :func:`decide_flags` reads.
LATEST_FLAG_COLUMNS: tuple[str, ...] = ("flag_id", "agent_id", "state", "level", "signals")
#: Columns :func:`decide_flags` adds to the scores.
DECISION_COLUMNS: tuple[str, ...] = ("action", "flag_id")


class FlagAction(StrEnum):
    """What an evaluation does for one agent."""

    RAISE = "raise"  # a new open flag with its first observation
    UPDATE = "update"  # an observation on the active flag, still medium or high
    EASE = "ease"  # an observation on the active flag, now low (HR closes it)
    NOT_RAISED_AGAIN = "not_raised_again"  # medium or high, but the ended flag's concern
    NONE = "none"  # low and no active flag: nothing to record


#: Actions that write the new level, score and reasons as an observation of a flag.
OBSERVED_ACTIONS: frozenset[FlagAction] = frozenset(
    {FlagAction.RAISE, FlagAction.UPDATE, FlagAction.EASE}
)


@dataclass(frozen=True)
class LastFlag:
    """An agent's most recent flag, as the decision needs it.

    Attributes
    ----------
    flag_id : int
    state : str
        Review state (:class:`wellbeing.ReviewState` value).
    level : str
        Level at the flag's latest observation (:class:`RiskLevel` value).
    signals : tuple of str
        Names of the signals at that observation.
    """

    flag_id: int
    state: str
    level: str
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecisionCounts:
    """How many agents each action was decided for (the evaluation's summary numbers)."""

    raised: int = 0
    updated: int = 0
    eased: int = 0
    not_raised_again: int = 0


def is_new_concern(
    last_level: str, last_signals: Iterable[str], level: str, signals: Iterable[str]
) -> bool:
    """Whether strain after an ended flag is a new concern.

    Parameters
    ----------
    last_level : str
        Level at the ended flag's last observation (an unknown value ranks as ``low``).
    last_signals : iterable of str
        Signal names at that observation.
    level : str
        The new level (a :class:`RiskLevel` value).
    signals : iterable of str
        The new signal names.

    Returns
    -------
    bool
        True if the level is higher than then, or a signal family appears that was not there.
    """
    if LEVEL_RANK[level] > LEVEL_RANK.get(last_level, 0):
        return True
    return bool(signal_families(signals) - signal_families(last_signals))


def decide_flag(level: str, signals: Sequence[str], last: LastFlag | None) -> FlagAction:
    """The action for one agent, given the new level and signals and the most recent flag.

    Parameters
    ----------
    level : str
        The agent's new level (a :class:`RiskLevel` value).
    signals : sequence of str
        Names of the signals that fired for the agent.
    last : LastFlag or None
        The agent's most recent flag, whatever its state; None if the agent never had one.

    Returns
    -------
    FlagAction
    """
    flagged = str(level) in FLAGGED_LEVELS
    if last is not None and last.state in ACTIVE_STATES:
        return FlagAction.UPDATE if flagged else FlagAction.EASE
    if not flagged:
        return FlagAction.NONE
    if last is not None and not is_new_concern(last.level, last.signals, str(level), signals):
        return FlagAction.NOT_RAISED_AGAIN
    return FlagAction.RAISE


def decide_flags(scores: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """Decide every scored agent's action (see the module's rules).

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`wellbeing.score_burnout_risk` (``agent_id, level, signals`` used).
    latest : pandas.DataFrame
        Each agent's most recent flag: :data:`LATEST_FLAG_COLUMNS` (``signals`` as lists of
        names). If an agent appears twice, the highest ``flag_id`` counts.

    Returns
    -------
    pandas.DataFrame
        ``scores`` (same rows, same order, same ``attrs``) with ``action`` (:class:`FlagAction`
        values) and ``flag_id`` (``Int64``: the active flag observed by ``update`` and ``ease``,
        NA otherwise).

    Raises
    ------
    MissingColumnsError
        If a frame lacks a required column.
    """
    require_columns(scores, "scores", ("agent_id", "level", "signals"))
    require_columns(latest, "latest flags", LATEST_FLAG_COLUMNS)
    last_by_agent = {
        str(r.agent_id): LastFlag(int(r.flag_id), str(r.state), str(r.level), tuple(r.signals))
        for r in latest.sort_values("flag_id", kind="stable").itertuples(index=False)
    }
    actions, flag_ids = [], []
    for agent_id, level, signals in zip(
        scores["agent_id"].astype(str), scores["level"].astype(str), scores["signals"], strict=True
    ):
        last = last_by_agent.get(agent_id)
        action = decide_flag(level, list(signals), last)
        actions.append(action.value)
        observed = action in (FlagAction.UPDATE, FlagAction.EASE)
        flag_ids.append(last.flag_id if observed and last is not None else pd.NA)
    return scores.assign(
        action=pd.Series(actions, index=scores.index, dtype=object),
        flag_id=pd.array(flag_ids, dtype="Int64"),
    )


def count_decisions(decisions: pd.DataFrame) -> DecisionCounts:
    """Count the agents per action in the output of :func:`decide_flags`."""
    counts = decisions["action"].astype(str).value_counts()
    return DecisionCounts(
        raised=int(counts.get(FlagAction.RAISE, 0)),
        updated=int(counts.get(FlagAction.UPDATE, 0)),
        eased=int(counts.get(FlagAction.EASE, 0)),
        not_raised_again=int(counts.get(FlagAction.NOT_RAISED_AGAIN, 0)),
    )


def order_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """Flags highest level first, then highest score, then oldest flag (``flag_id``).

    Parameters
    ----------
    flags : pandas.DataFrame
        With ``level``, ``score`` and ``flag_id``; a level outside :class:`RiskLevel` sorts last.

    Returns
    -------
    pandas.DataFrame
        The same rows, re-indexed from 0.
    """
    rank = flags["level"].map(LEVEL_RANK).fillna(-1)
    return (
        flags.assign(_rank=rank)
        .sort_values(["_rank", "score", "flag_id"], ascending=[False, False, True], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
