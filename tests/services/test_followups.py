"""Follow-ups and HR limits end to end: review with follow-up, the due list, the roster period."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import flags as flag_store
from data import schema
from data.access import AccessDenied
from data.config import Settings
from data.store import open_store
from services import flags
from services.schedules import make_schedule
from staffing.planning import default_shift_templates
from staffing.scheduling import OpeningHours
from tests.services import test_flags as flag_tests
from tests.services import test_schedules as schedule_tests
from tests.services.test_flags import HR, MANAGER, PLANNER, _count, _only_flag
from tests.services.test_schedules import MONDAY, STAMP, requirements
from wellbeing import InvalidTransitionError
from wellbeing.limits import FollowupError

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def flags_store(tmp_path):
    """tests/services/test_flags.py's store: A1 works 50 h weeks, the others 40 h."""
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'flags.db'}"))
    flag_tests._import(st, "agents", flag_tests._agents())
    flag_tests._import(st, "hours", flag_tests._hours({"A1": 10.0}))
    return st


@pytest.fixture
def schedule_store(tmp_path):
    """tests/services/test_schedules.py's store: four HU agents, A1 on leave Mon-Tue."""
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    for kind, content in (("agents", schedule_tests.AGENTS), ("absences", schedule_tests.ABSENCES)):
        report, result = st.import_file(kind, content.encode(), f"{kind}.csv", schedule_tests.OPT)
        assert result is not None, report.lines()
    return st


NO_LATE = {
    "kind": "no_late_shifts",
    "value": None,
    "start_date": "2026-12-07",
    "end_date": "2026-12-20",
}


def _review(store, flag, **changes):
    if flag["state"] == "open":  # HR starts the review, then resolves it with the follow-up
        flags.review_flag(store, HR, int(flag["flag_id"]), "in_review", expected_state="open")
        flag = _only_flag(store)
    options = {
        "expected_state": flag["state"],
        "assignee": HR.username,
        "due_date": TODAY + dt.timedelta(days=7),
        "action": "reduce_overtime",
        "followup_note": "check the rota with the team lead",
        "limits": [NO_LATE],
        **changes,
    }
    return flags.review_with_followup(
        store, HR, int(flag["flag_id"]), "resolved", "agreed a lighter month", **options
    )


def test_a_review_records_its_follow_up_and_limits_and_the_due_list_shows_it(flags_store):
    store = flags_store
    flags.evaluate_flags(store, HR)
    flag = _only_flag(store)
    followup_id = _review(store, flag)
    assert _only_flag(store)["state"] == "resolved"
    due = flags.followups_due(store, HR, today=TODAY)
    assert due.loc[0, ["followup_id", "agent_id", "action", "days_overdue"]].tolist() == [
        followup_id,
        "A1",
        "reduce_overtime",
        0,
    ]
    late = flags.followups_due(store, HR, today=TODAY + dt.timedelta(days=10))
    assert late.loc[0, "days_overdue"] == 3
    flags.complete_followup(store, HR, followup_id, "talked again: fine")
    assert flags.followups_due(store, HR, today=TODAY).empty
    mine, limits = flags.agent_followups(store, HR, "A1")
    assert mine["done_note"].tolist() == ["talked again: fine"]
    assert limits[["kind", "end_date"]].values.tolist() == [
        ["no_late_shifts", dt.date(2026, 12, 20)]
    ]
    assert all(frame.empty for frame in flags.agent_followups(store, HR, "A2"))
    with pytest.raises(AccessDenied):
        flags.agent_followups(store, PLANNER, "A1")
    period = flags.limits_for_period(store, PLANNER, dt.date(2026, 12, 14), dt.date(2026, 12, 20))
    assert list(period.columns) == list(flags.ROSTER_LIMIT_COLUMNS)
    assert period[["agent_id", "kind"]].values.tolist() == [["A1", "no_late_shifts"]]
    assert flags.hr_users(store, HR) == ["hr.one"]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"action": "fire"}, FollowupError, "action 'fire'"),
        ({"due_date": "next week"}, FollowupError, "is not a date"),
        ({"limits": [{**NO_LATE, "end_date": "2027-12-31"}]}, FollowupError, "at most 183 days"),
        ({"expected_state": "dismissed"}, InvalidTransitionError, "dismissed"),
        ({"assignee": "manager"}, flags.FlagError, "has no account"),
    ],
)
def test_a_refused_follow_up_writes_nothing(flags_store, changes, error, message):
    store = flags_store
    flags.evaluate_flags(store, HR)
    flag = _only_flag(store)
    with pytest.raises(error, match=message):
        _review(store, flag, **changes)
    assert _count(store, schema.flag_reviews) == 1  # the start of the review, nothing more
    assert _count(store, schema.hr_followups) == 0
    assert _only_flag(store)["state"] == "in_review"


def test_managers_and_planners_neither_record_nor_list_follow_ups(flags_store):
    store = flags_store
    flags.evaluate_flags(store, HR)
    flag = _only_flag(store)
    for viewer in (MANAGER, PLANNER):
        with pytest.raises(AccessDenied):
            flags.review_with_followup(
                store,
                viewer,
                int(flag["flag_id"]),
                "resolved",
                "x",
                expected_state="open",
                assignee=viewer.username,
                due_date=TODAY,
                action="talk",
            )
        with pytest.raises(AccessDenied):
            flags.followups_due(store, viewer)
        with pytest.raises(AccessDenied):
            flags.complete_followup(store, viewer, 1)
    assert _count(store, schema.hr_followups) == 0


def _flag_for(store, agent_id: str) -> int:
    def decide(latest):
        row = {
            "agent_id": agent_id,
            "flag_id": pd.NA,
            "state": "open",
            "as_of": MONDAY,
            "level": "high",
            "score": 80.0,
            "reasons": "[]",
            "signals": json.dumps(["overtime_streak"]),
        }
        return flag_store.FlagWrites(
            pd.DataFrame([row], columns=list(flag_store.FLAG_WRITE_COLUMNS))
        )

    flag_store.record_evaluation(
        store, HR, as_of=MONDAY, agents_scored=4, thresholds={}, decide=decide
    )
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(schema.wellbeing_flags.c.id))).scalar_one()


def _schedule(store, limits):
    return make_schedule(
        requirements(),
        default_shift_templates(),
        store.load("agents"),
        store.load("absences"),
        week_start=MONDAY,
        opening_hours=OpeningHours.every_day(dt.time(8), dt.time(22)),
        time_limit_seconds=20,
        dtstamp=STAMP,
        limits=limits,
    )


def test_the_schedule_workflow_honours_the_limits_of_its_week(schedule_store):
    store = schedule_store
    flag_id = _flag_for(store, "A2")
    week = (MONDAY, MONDAY + dt.timedelta(days=6))
    zero = {"kind": "max_weekly_hours", "value": 0, "start_date": week[0], "end_date": week[1]}
    flags.review_with_followup(
        store,
        HR,
        flag_id,
        "in_review",
        expected_state="open",
        assignee=HR.username,
        due_date=week[1],
        action="reduce_overtime",
        limits=[zero],
    )
    limits = flags.limits_for_period(store, PLANNER, *week)
    assert limits[["agent_id", "kind", "value"]].values.tolist() == [
        ["A2", "max_weekly_hours", 0.0]
    ]
    roster = _schedule(store, limits).roster
    assert roster.filled_shifts > 0
    assert "A2" not in set(roster.assignments["agent_id"])
    # the week after the limit: nothing applies, A2 is rostered again
    after = flags.limits_for_period(
        store, PLANNER, week[1] + dt.timedelta(days=1), week[1] + dt.timedelta(days=7)
    )
    assert after.empty
    assert "A2" in set(_schedule(store, None).roster.assignments["agent_id"])
