"""What an evaluation does per agent: raise, update, ease, or not raise again; and the levels."""

from __future__ import annotations

import pandas as pd
import pytest

from wellbeing import LEVEL_ORDER, LEVELS, RiskLevel, Thresholds
from wellbeing.decisions import (
    FlagAction,
    LastFlag,
    count_decisions,
    decide_flag,
    decide_flags,
    is_new_concern,
    order_flags,
)
from wellbeing.errors import MissingColumnsError

WORKLOAD = ["average_hours_reference", "overtime_streak"]
ABSENCE = ["bradford"]


def _last(state: str, level: str = "medium", signals=WORKLOAD, flag_id: int = 7) -> LastFlag:
    return LastFlag(flag_id, state, level, tuple(signals))


# --- one agent -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["medium", "high"])
def test_strain_without_any_flag_raises_one(level):
    assert decide_flag(level, WORKLOAD, None) is FlagAction.RAISE


def test_low_strain_without_an_active_flag_records_nothing():
    assert decide_flag("low", [], None) is FlagAction.NONE
    assert decide_flag("low", WORKLOAD, _last("dismissed")) is FlagAction.NONE


@pytest.mark.parametrize("state", ["open", "in_review"])
def test_an_active_flag_is_updated_while_strain_lasts_and_eased_when_it_is_low(state):
    assert decide_flag("high", ABSENCE, _last(state)) is FlagAction.UPDATE
    assert decide_flag("medium", WORKLOAD, _last(state)) is FlagAction.UPDATE
    assert decide_flag("low", [], _last(state)) is FlagAction.EASE


@pytest.mark.parametrize("state", ["resolved", "dismissed"])
def test_the_same_concern_after_an_ended_flag_is_not_raised_again(state):
    assert decide_flag("medium", WORKLOAD, _last(state)) is FlagAction.NOT_RAISED_AGAIN
    # another rule of the same family is the same concern
    other_rule = ["average_hours_recent"]
    assert decide_flag("medium", other_rule, _last(state)) is FlagAction.NOT_RAISED_AGAIN
    # lower than then, with fewer families: still not new
    then = _last(state, "high", WORKLOAD + ABSENCE)
    assert decide_flag("medium", ABSENCE, then) is FlagAction.NOT_RAISED_AGAIN


@pytest.mark.parametrize("state", ["resolved", "dismissed"])
def test_a_higher_level_or_a_new_family_after_an_ended_flag_raises_a_new_one(state):
    assert decide_flag("high", WORKLOAD, _last(state, "medium")) is FlagAction.RAISE
    assert decide_flag("medium", WORKLOAD + ABSENCE, _last(state)) is FlagAction.RAISE


def test_is_new_concern_ranks_an_unknown_stored_level_as_low():
    assert is_new_concern("unknown", WORKLOAD, "medium", WORKLOAD)
    assert not is_new_concern("high", WORKLOAD, "high", WORKLOAD)
    assert is_new_concern("high", [], "medium", ["some_unregistered_signal"])


def test_levels_are_plain_strings_in_one_order():
    assert [str(level) for level in LEVEL_ORDER] == ["high", "medium", "low"]
    assert list(LEVELS) == ["low", "medium", "high"]
    assert RiskLevel("medium") is RiskLevel.MEDIUM and RiskLevel.MEDIUM == "medium"
    assert [level.rank for level in LEVELS] == [0, 1, 2]
    th = Thresholds()
    assert th.level_for(th.high_score) is RiskLevel.HIGH
    assert th.level_for(th.medium_score) == "medium" and th.level_for(0) == "low"


# --- every agent -----------------------------------------------------------------------------


def _scores() -> pd.DataFrame:
    scores = pd.DataFrame(
        {
            "agent_id": ["A", "B", "C", "D", "E", "F"],
            "level": ["medium", "low", "high", "low", "medium", "high"],
            "score": [40.0, 5.0, 70.0, 0.0, 35.0, 65.0],
            "reasons": [[] for _ in range(6)],
            "signals": [WORKLOAD, [], ABSENCE, [], WORKLOAD, WORKLOAD],
        }
    )
    scores.attrs["as_of"] = pd.Timestamp("2026-06-26")
    return scores


def _latest() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # B: open, now low -> ease; C: in review -> update
            (1, "B", "open", "medium", WORKLOAD),
            (2, "C", "in_review", "high", ABSENCE),
            # E: an old open flag, then a newer dismissed one: the newest counts
            (5, "E", "open", "medium", WORKLOAD),
            (9, "E", "dismissed", "medium", WORKLOAD),
            (4, "F", "resolved", "medium", WORKLOAD),  # F: higher now -> raise
        ],
        columns=["flag_id", "agent_id", "state", "level", "signals"],
    )


def test_decide_flags_keeps_the_scores_and_adds_action_and_flag_id():
    scores = _scores()
    decisions = decide_flags(scores, _latest())
    assert decisions["agent_id"].tolist() == scores["agent_id"].tolist()
    assert decisions["action"].tolist() == [
        "raise",
        "ease",
        "update",
        "none",
        "not_raised_again",
        "raise",
    ]
    assert decisions["flag_id"].tolist() == [pd.NA, 1, 2, pd.NA, pd.NA, pd.NA]
    assert str(decisions["flag_id"].dtype) == "Int64"
    assert decisions.attrs["as_of"] == scores.attrs["as_of"]
    assert list(scores.columns) == ["agent_id", "level", "score", "reasons", "signals"]
    counts = count_decisions(decisions)
    assert (counts.raised, counts.updated, counts.eased, counts.not_raised_again) == (2, 1, 1, 1)


def test_decide_flags_on_an_empty_history_raises_for_medium_and_high_only():
    decisions = decide_flags(_scores(), _latest().iloc[0:0])
    assert decisions["action"].tolist() == ["raise", "none", "raise", "none", "raise", "raise"]
    assert decisions["flag_id"].isna().all()
    empty = decide_flags(_scores().iloc[0:0], _latest())
    assert empty.empty and "action" in empty and count_decisions(empty).raised == 0


def test_decide_flags_names_a_missing_column():
    with pytest.raises(MissingColumnsError, match=r"latest flags: missing column.*'state'"):
        decide_flags(_scores(), _latest().drop(columns="state"))


def test_order_flags_puts_high_first_then_the_highest_score_then_the_oldest():
    flags = pd.DataFrame(
        {
            "flag_id": [1, 2, 3, 4, 5],
            "level": ["low", "high", "medium", "high", "odd"],
            "score": [10.0, 61.0, 45.0, 61.0, 99.0],
        }
    )
    assert order_flags(flags)["flag_id"].tolist() == [2, 4, 3, 1, 5]
