"""HR review workflow: allowed moves, notes on decisions, replay of events."""

from __future__ import annotations

import pandas as pd
import pytest

from wellbeing.errors import InvalidTransitionError
from wellbeing.review import FlagReview, ReviewState, replay_reviews, validate_transition

T0 = pd.Timestamp("2024-07-01 09:00")


def test_the_normal_path():
    events = [
        FlagReview("F1", "open", "in_review", "hr.jane", T0),
        FlagReview(
            "F1",
            "in_review",
            "resolved",
            "hr.jane",
            T0 + pd.Timedelta(days=2),
            "agreed fewer overtime shifts",
        ),
    ]
    assert replay_reviews(events) is ReviewState.RESOLVED
    assert events[0].to_state is ReviewState.IN_REVIEW


def test_hand_back_then_dismiss():
    assert validate_transition("in_review", "open") is ReviewState.OPEN
    assert validate_transition(ReviewState.IN_REVIEW, "dismissed") is ReviewState.DISMISSED


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "open",
            "resolved",
            r"cannot move from 'open' to 'resolved'; allowed from 'open': in_review",
        ),
        ("resolved", "open", r"allowed from 'resolved': none \(the review has ended\)"),
        ("dismissed", "in_review", "the review has ended"),
        ("open", "closed", "unknown target state 'closed'"),
        ("pending", "open", "unknown state 'pending'"),
    ],
)
def test_disallowed_moves(old, new, message):
    with pytest.raises(InvalidTransitionError, match=message):
        validate_transition(old, new)


def test_decisions_need_a_note_and_a_reviewer():
    with pytest.raises(InvalidTransitionError, match="to 'dismissed' needs a note"):
        FlagReview("F1", "in_review", "dismissed", "hr.jane", T0)
    with pytest.raises(InvalidTransitionError, match="needs a reviewer"):
        FlagReview("F1", "open", "in_review", " ", T0)
    with pytest.raises(InvalidTransitionError, match="not a timestamp"):
        FlagReview("F1", "open", "in_review", "hr.jane", "soon")


def test_replay_checks_order_and_flag():
    a = FlagReview("F1", "open", "in_review", "hr.jane", T0)
    b = FlagReview("F1", "in_review", "open", "hr.jane", T0 - pd.Timedelta(hours=1))
    with pytest.raises(InvalidTransitionError, match="older than the event before it"):
        replay_reviews([a, b])
    with pytest.raises(InvalidTransitionError, match="from 'in_review' but it is 'open'"):
        replay_reviews([FlagReview("F1", "in_review", "open", "hr.jane", T0)])
    with pytest.raises(InvalidTransitionError, match="is for flag 'F2', not 'F1'"):
        replay_reviews([a, FlagReview("F2", "in_review", "open", "hr.jane", T0)])


def test_invalid_transition_is_a_value_error():
    assert issubclass(InvalidTransitionError, ValueError)
