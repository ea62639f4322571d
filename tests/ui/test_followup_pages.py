"""AppTest of follow-ups and HR limits: HR records a review with a follow-up and a limit on
"Flag review" and works the follow-ups due; a planner's Schedule page honours the limit and says
until when it applies, never why."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data import schema
from data.access import Principal
from services import flags
from tests.conftest import REPO_ROOT
from tests.flag_fixtures import raise_flag
from tests.ui.conftest import data_dir_with
from tests.ui.test_schedule_page import PLAN, plan_period
from tests.ui.test_wellbeing_page import REVIEW_PAGE, TIMEOUT, flags_table, page_text

HR = Principal("hana", "hr", "Hana")
NOTE = "Talked about the late shifts and the child-care pick-up."


def open_as(principal: Principal | None, page: str, demo_role: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    if principal is not None:
        at.session_state["principal"] = principal
    if demo_role is not None:
        at.session_state["demo_role"] = demo_role
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def copy_dir(seeded_data_dir, tmp_path):
    """A copy of the seeded sample: this test's follow-ups and limits stay in it."""
    with data_dir_with(tmp_path / "data", copy_of=seeded_data_dir) as store:
        yield store


def test_hr_records_a_review_with_follow_up_and_limit_and_works_the_due_list(copy_dir):
    at = open_as(HR, REVIEW_PAGE)
    listed = flags_table(at)
    agent = listed[listed["state"] == "Open"]["agent_id"].iloc[0]
    at.selectbox(key="wellbeing_agent").set_value(agent).run()
    at.button(key="wellbeing_to_in_review").click().run()
    assert not at.exception, at.exception

    yesterday = dt.date.today() - dt.timedelta(days=1)
    at.toggle(key="wellbeing_fu_on").set_value(True).run()
    assert at.selectbox(key="wellbeing_fu_assignee").options == ["hana"]
    at.date_input(key="wellbeing_fu_due").set_value(yesterday)
    at.selectbox(key="wellbeing_fu_action").set_value("reduce_overtime")
    at.text_area(key="wellbeing_fu_note").input("Check the rota with the team lead")
    at.selectbox(key="wellbeing_fu_limit").set_value("max_weekly_hours").run()
    at.number_input(key="wellbeing_fu_hours").set_value(24.0)
    at.date_input(key="wellbeing_fu_limit_days").set_value(
        (dt.date.today(), dt.date.today() + dt.timedelta(days=20))
    )
    at.text_area(key="wellbeing_note").input(NOTE)
    at.button(key="wellbeing_to_resolved").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("now resolved" in s.value and "with its follow-up" in s.value for s in at.success)

    mine = next(d.value for d in at.dataframe if "done_note" in d.value.columns)
    assert mine["action"].tolist() == ["Reduce overtime"] and mine["assignee"].tolist() == ["hana"]
    limit = next(d.value for d in at.dataframe if "set_by" in d.value.columns)
    assert limit[["kind", "value"]].values.tolist() == [["At most N hours a week", 24.0]]
    due = next(d.value for d in at.dataframe if "days_overdue" in d.value.columns)
    assert due["agent_id"].tolist() == [agent]
    assert due["days_overdue"].tolist() == [1] and due["action"].tolist() == ["Reduce overtime"]
    assert any("1 follow-up(s) overdue" in w.value for w in at.warning)
    limits = flags.limits_for_period(
        copy_dir, HR, dt.date.today(), dt.date.today() + dt.timedelta(days=6)
    )
    assert limits[["agent_id", "kind", "value"]].values.tolist() == [
        [agent, "max_weekly_hours", 24.0]
    ]

    at.text_input(key="wellbeing_fu_done_note").input("All well now")
    at.button(key="wellbeing_fu_done").click().run()
    assert not at.exception, at.exception
    assert any("is done" in s.value for s in at.success)
    assert not any("days_overdue" in d.value.columns for d in at.dataframe)
    assert "No follow-up is open." in page_text(at)
    with copy_dir.engine.connect() as conn:
        actions = conn.execute(sa.select(schema.audit_log.c.action)).scalars().all()
    assert {"followup", "set_limit", "followup_done", "view_followups"} <= set(actions)


def test_the_demo_visitor_as_hr_gets_no_follow_ups(seeded_data_dir):
    at = open_as(None, REVIEW_PAGE, demo_role="hr")
    listed = flags_table(at)
    at.selectbox(key="wellbeing_agent").set_value(listed["agent_id"].iloc[0]).run()
    assert not at.exception, at.exception
    assert not [t for t in at.toggle if t.key == "wellbeing_fu_on"]
    assert not any("days_overdue" in d.value.columns for d in at.dataframe)
    assert "kept for signed-in HR accounts" in page_text(at)


def _limit_for(store, agent_id: str, first: dt.date, last: dt.date) -> None:
    """A flag for ``agent_id`` and a review setting a 0-hour weekly cap from first to last."""
    flag_id = raise_flag(store, HR, agent_id, first)
    limit = {"kind": "max_weekly_hours", "value": 0, "start_date": first, "end_date": last}
    flags.review_with_followup(
        store,
        HR,
        flag_id,
        "in_review",
        NOTE,
        expected_state="open",
        assignee=HR.username,
        due_date=last,
        action="reduce_overtime",
        followup_note="secret grounds",
        limits=[limit],
    )


def test_the_planner_sees_until_when_a_limit_applies_and_the_roster_keeps_to_it(copy_dir):
    agents = copy_dir.load("agents")
    voice = agents[(agents["country"] == "HU") & agents["channels"].str.contains("voice")]
    agent = voice.sort_values("agent_id").iloc[0]  # PLAN rosters HU voice
    first, last = plan_period()
    _limit_for(copy_dir, str(agent["agent_id"]), first, last)

    at = open_as(Principal("pia", "planner", "Pia"), "app_pages/schedule_page.py")
    at.session_state["staffing_plan"] = {**PLAN, "period": (first, last)}
    at.run()
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = [i.value for i in at.info if "Limits set by HR" in i.value]
    assert len(shown) == 1, [i.value for i in at.info]
    assert f"({agent['agent_id']})" in shown[0] and "a limit set by HR applies until" in shown[0]
    assert "at most 0 h a week" in shown[0]
    text = page_text(at)
    for secret in (NOTE, "secret grounds", "overtime_streak", "flag", "Reduce overtime"):
        assert secret not in text
    roster = at.session_state["schedule_result"]["outputs"].roster
    assert roster.filled_shifts > 0
    assert agent["agent_id"] not in set(roster.assignments["agent_id"])
