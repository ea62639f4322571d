"""The HR review workflow of a flag as a pure state machine (persistence lives in ``data/``).

A flag is ``open`` when raised, ``in_review`` while HR looks at it, and ends ``resolved``
(action agreed with the person) or ``dismissed`` (no action). A reviewer may hand a flag in
review back to ``open``. Ended reviews stay ended: a new concern is a new flag. Resolving or
dismissing needs a note, so that the human decision and its grounds are on record (no decision
is solely automated, GDPR Art. 22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

import pandas as pd

from wellbeing.errors import InvalidTransitionError


class ReviewState(StrEnum):
    """States of a flag's HR review."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


ALLOWED_TRANSITIONS: Mapping[ReviewState, frozenset[ReviewState]] = MappingProxyType(
    {
        ReviewState.OPEN: frozenset({ReviewState.IN_REVIEW}),
        ReviewState.IN_REVIEW: frozenset(
            {ReviewState.RESOLVED, ReviewState.DISMISSED, ReviewState.OPEN}
        ),
        ReviewState.RESOLVED: frozenset(),
        ReviewState.DISMISSED: frozenset(),
    }
)
#: States that end a review; reaching them needs a note.
FINAL_STATES: frozenset[ReviewState] = frozenset({ReviewState.RESOLVED, ReviewState.DISMISSED})


def _state(value: ReviewState | str, what: str) -> ReviewState:
    try:
        return ReviewState(value)
    except ValueError:
        known = ", ".join(s.value for s in ReviewState)
        raise InvalidTransitionError(f"unknown {what} {value!r}; known: {known}") from None


def validate_transition(from_state: ReviewState | str, to_state: ReviewState | str) -> ReviewState:
    """Check that a review may move from ``from_state`` to ``to_state``.

    Parameters
    ----------
    from_state, to_state : ReviewState or str
        States, as enum members or their values (``"open"``, ``"in_review"``, ...).

    Returns
    -------
    ReviewState
        The new state.

    Raises
    ------
    InvalidTransitionError
        If a state is unknown or the move is not allowed; the message lists the allowed moves.
    """
    old, new = _state(from_state, "state"), _state(to_state, "target state")
    allowed = ALLOWED_TRANSITIONS[old]
    if new not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none (the review has ended)"
        raise InvalidTransitionError(
            f"a flag cannot move from {old.value!r} to {new.value!r}; allowed from "
            f"{old.value!r}: {options}"
        )
    return new


@dataclass(frozen=True)
class FlagReview:
    """One reviewer action on a flag, checked when made.

    Attributes
    ----------
    flag_id : str
        The flag reviewed.
    from_state, to_state : ReviewState
        The move (must be allowed by :data:`ALLOWED_TRANSITIONS`).
    reviewer : str
        Who acted (an HR user id); required.
    at : pandas.Timestamp
        When.
    note : str
        Grounds of the decision; required for ``resolved`` and ``dismissed``.
    """

    flag_id: str
    from_state: ReviewState
    to_state: ReviewState
    reviewer: str
    at: pd.Timestamp
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "from_state", _state(self.from_state, "state"))
        object.__setattr__(self, "to_state", validate_transition(self.from_state, self.to_state))
        if not str(self.flag_id).strip():
            raise InvalidTransitionError("a review event needs a flag_id")
        if not str(self.reviewer).strip():
            raise InvalidTransitionError("a review event needs a reviewer")
        try:
            at = pd.Timestamp(self.at)
        except (TypeError, ValueError) as exc:
            raise InvalidTransitionError(f"review time {self.at!r} is not a timestamp") from exc
        if at is pd.NaT:
            raise InvalidTransitionError("a review event needs a time")
        object.__setattr__(self, "at", at)
        if self.to_state in FINAL_STATES and not self.note.strip():
            raise InvalidTransitionError(
                f"moving a flag to {self.to_state.value!r} needs a note with the grounds of the decision"
            )


def replay_reviews(
    events: Iterable[FlagReview], initial: ReviewState | str = ReviewState.OPEN
) -> ReviewState:
    """Replay one flag's review events in order and return its current state.

    Parameters
    ----------
    events : iterable of FlagReview
        Events of one flag, oldest first.
    initial : ReviewState or str, default "open"
        State before the first event.

    Returns
    -------
    ReviewState

    Raises
    ------
    InvalidTransitionError
        If an event starts from a state other than the current one, belongs to another flag,
        or is older than the previous event.
    """
    state = _state(initial, "state")
    flag_id: str | None = None
    last_at: pd.Timestamp | None = None
    for k, event in enumerate(events):
        if flag_id is not None and event.flag_id != flag_id:
            raise InvalidTransitionError(
                f"event {k} is for flag {event.flag_id!r}, not {flag_id!r}"
            )
        if event.from_state != state:
            raise InvalidTransitionError(
                f"event {k} moves flag {event.flag_id!r} from {event.from_state.value!r} but it is "
                f"{state.value!r}"
            )
        if last_at is not None and event.at < last_at:
            raise InvalidTransitionError(
                f"event {k} at {event.at} is older than the event before it"
            )
        flag_id, last_at, state = event.flag_id, event.at, event.to_state
    return state
