"""AppTest of return-to-work check-ins on "Flag review": HR turns them on, sees the person back
from a long absence in a list of their own (no level, no score), marks it done, turns them off.
Managers and planners never reach the page; the demo visitor viewing as HR gets no check-ins."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.access import Principal
from tests.ui.conftest import data_dir_with, import_files
from tests.ui.test_followup_pages import open_as
from tests.ui.test_wellbeing_page import REVIEW_PAGE, page_text

HR = Principal("hana", "hr", "Hana")
TOGGLE = "flag_review_check_ins_on"


@pytest.fixture
def with_long_absence(seeded_data_dir, tmp_path):
    """A copy of the seeded sample where one person was off three weeks, back ten days ago."""
    with data_dir_with(tmp_path / "data", copy_of=seeded_data_dir) as store:
        as_of = pd.Timestamp(store.load("hours")["date"].max()).date()
        last = as_of - dt.timedelta(days=10)
        first = last - dt.timedelta(days=20)
        absences = store.load("absences")
        near = absences[
            (pd.to_datetime(absences["end_date"]).dt.date >= first - dt.timedelta(days=30))
        ]
        agent = sorted(set(store.load("agents")["agent_id"]) - set(near["agent_id"]))[0]
        spell = pd.DataFrame(
            {"agent_id": [agent], "start_date": [first], "end_date": [last], "type": ["sick"]}
        )
        import_files(store, [("absences", spell.to_csv(index=False).encode())])
        yield store, agent, first, last


def _check_ins(at) -> pd.DataFrame | None:
    shown = [d for d in at.dataframe if "back_on" in d.value.columns]  # AppTest keeps no key
    return shown[0].value if shown else None


def test_hr_turns_check_ins_on_sees_the_person_back_and_marks_it_done(with_long_absence):
    store, agent, first, last = with_long_absence
    at = open_as(HR, REVIEW_PAGE)
    assert at.toggle(key=TOGGLE).value is False
    assert _check_ins(at) is None
    assert "Off: no check-in is opened" in page_text(at)

    at.toggle(key=TOGGLE).set_value(True).run()
    assert not at.exception, at.exception
    assert any("check-ins are on: 1 opened now" in s.value for s in at.success)
    assert at.toggle(key=TOGGLE).value is True
    listed = _check_ins(at)
    assert listed is not None and listed["agent_id"].tolist() == [agent]
    assert listed[["start_date", "end_date"]].values.tolist() == [[first, last]]
    assert not {"level", "score", "reasons"} & set(listed.columns)
    # never a flag: nobody is flagged for the absence
    with store.engine.connect() as conn:
        flagged = conn.execute(
            sa.select(schema.wellbeing_flags.c.reasons).where(
                schema.wellbeing_flags.c.agent_id == agent
            )
        ).scalars()
        assert not any("return_to_work" in r for r in flagged)

    at.text_input(key="flag_review_check_in_note").input("Settling back in well")
    at.button(key="flag_review_check_in_done").click().run()
    assert not at.exception, at.exception
    assert any("check-in is done" in s.value for s in at.success)
    assert _check_ins(at) is None
    assert "No return-to-work check-in is open." in page_text(at)

    at.toggle(key=TOGGLE).set_value(False).run()
    assert not at.exception, at.exception
    assert any("check-ins are off" in s.value for s in at.success)
    with store.engine.connect() as conn:
        actions = conn.execute(sa.select(schema.audit_log.c.action)).scalars().all()
    assert {"save_hr_setting", "view_check_ins", "check_in_done"} <= set(actions)
    assert actions.count("save_hr_setting") == 2


def test_the_demo_visitor_as_hr_gets_no_check_ins(seeded_data_dir):
    at = open_as(None, REVIEW_PAGE, demo_role="hr")
    assert not [t for t in at.toggle if t.key == TOGGLE]
    assert _check_ins(at) is None
    assert "Return-to-work check-ins" not in [e.label for e in at.expander]
