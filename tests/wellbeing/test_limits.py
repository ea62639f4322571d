"""Follow-up and limit rules: checks, the follow-ups due order, planners' notes, the outlook."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.wellbeing.test_outlook import _case
from wellbeing.limits import (
    FollowupAction,
    FollowupError,
    agents_without_overtime,
    check_followup,
    check_limit,
    due_order,
    limit_notes,
)
from wellbeing.outlook import project_overtime_outlook

D = dt.date


def test_followups_need_an_assignee_a_date_and_a_known_action():
    assert check_followup(" hr.one ", "2026-12-10", "talk") == ("hr.one", D(2026, 12, 10), "talk")
    assert [a.value for a in FollowupAction] == [
        "talk",
        "reduce_overtime",
        "change_channel_mix",
        "no_action",
    ]
    with pytest.raises(FollowupError, match="choose who follows up"):
        check_followup("", D(2026, 12, 10), "talk")
    with pytest.raises(FollowupError, match="'soon' is not a date"):
        check_followup("hr.one", "soon", "talk")
    with pytest.raises(FollowupError, match="action 'fire' is not one of talk, reduce_overtime"):
        check_followup("hr.one", D(2026, 12, 10), "fire")


def test_limits_are_known_kinds_with_dates_in_order_and_time_limited():
    assert check_limit("max_weekly_hours", "30", "2026-12-07", D(2026, 12, 20)) == {
        "kind": "max_weekly_hours",
        "value": 30.0,
        "start_date": D(2026, 12, 7),
        "end_date": D(2026, 12, 20),
    }
    assert check_limit("no_overtime", 99, D(2026, 12, 7), D(2026, 12, 7))["value"] is None
    for args, message in (
        (("nights", None, D(2026, 12, 7), D(2026, 12, 8)), "kind 'nights' is not one of"),
        (("no_overtime", None, D(2026, 12, 8), D(2026, 12, 7)), "end 2026-12-07 is before"),
        (("no_overtime", None, D(2026, 1, 1), D(2026, 12, 31)), "365 days; a limit lasts at"),
        (("max_weekly_hours", None, D(2026, 12, 7), D(2026, 12, 8)), "got None"),
        (("max_weekly_hours", -4, D(2026, 12, 7), D(2026, 12, 8)), "got -4"),
        (("max_weekly_hours", True, D(2026, 12, 7), D(2026, 12, 8)), "got True"),
    ):
        with pytest.raises(FollowupError, match=message):
            check_limit(*args)


def test_follow_ups_due_overdue_first_then_by_date_done_left_out():
    frame = pd.DataFrame(
        {
            "followup_id": [1, 2, 3, 4, 5],
            "due_date": [
                D(2026, 12, 20),
                D(2026, 12, 1),
                D(2026, 11, 20),
                D(2026, 12, 6),
                D(2026, 11, 1),
            ],
            "done_at": [pd.NaT, pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-11-02", tz="UTC")],
        }
    )
    due = due_order(frame, D(2026, 12, 6))
    assert due["followup_id"].tolist() == [3, 2, 4, 1]
    assert due["days_overdue"].tolist() == [16, 5, 0, 0]


LIMITS = pd.DataFrame(
    {
        "agent_id": ["A1", "A1", "A2", "A3"],
        "kind": ["no_late_shifts", "max_weekly_hours", "no_overtime", "no_overtime"],
        "value": [None, 30.0, None, None],
        "start_date": [D(2026, 12, 1), D(2026, 12, 7), D(2026, 11, 1), D(2027, 1, 1)],
        "end_date": [D(2026, 12, 31), D(2027, 1, 15), D(2026, 12, 9), D(2027, 1, 31)],
    }
)


def test_planners_notes_say_which_limit_and_until_when_only():
    notes = limit_notes(LIMITS, D(2026, 12, 7), D(2026, 12, 13))
    assert notes.to_dict("records") == [
        {
            "agent_id": "A1",
            "limits": "no late shifts (ending after 20:00), at most 30 h a week",
            "until": D(2027, 1, 15),
        },
        {"agent_id": "A2", "limits": "no overtime", "until": D(2026, 12, 9)},
    ]  # A3's limit starts later
    assert limit_notes(LIMITS.iloc[:0], D(2026, 12, 7), D(2026, 12, 13)).empty


def test_who_may_not_take_overtime_in_a_period():
    assert agents_without_overtime(LIMITS, D(2026, 12, 7), D(2026, 12, 13)) == {"A2"}
    assert agents_without_overtime(LIMITS, D(2026, 12, 10), D(2027, 1, 3)) == {"A3"}


def test_the_outlook_counts_only_people_who_may_take_overtime():
    projected, history = _case()
    everyone = project_overtime_outlook(projected, history)
    assert everyone.n_over_average == 2  # EDGE (by the overtime) and ALREADY
    limited = project_overtime_outlook(projected, history, no_overtime={"EDGE"})
    assert limited.n_over_average == 1
    assert set(limited.agents["agent_id"]) == {"ALREADY"}
    assert limited.summary.endswith(
        "1 agent under an HR limit of no overtime is not counted: they take none."
    )
