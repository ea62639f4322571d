"""The drafts workflow: a staffing plan and a generated schedule survive a round trip through
the database unchanged (exports rebuilt), publishing clears the draft, the demo visitor keeps none."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from data.access import Principal, audit_frame
from data.config import Settings
from data.drafts import SCHEDULE, load_draft, save_draft
from data.store import open_store
from formats import Formats
from services import drafts
from services.schedules import make_schedule
from staffing.exports import staff_on_duty
from staffing.planning import default_shift_templates
from tests.services.test_schedules import (
    ABSENCES,
    AGENTS,
    MONDAY,
    OPT,
    PLANNER,
    STAMP,
    requirements,
    week_schedule,
)

PLAN = {
    "period": (dt.date(2026, 11, 23), dt.date(2026, 12, 6)),
    "forecast": "saved",
    "countries": ("HU",),
    "channels": ("voice", "chat"),
    "targets": {
        "service_level_target": 0.8,
        "answer_target_seconds": 20.0,
        "asa_target_seconds": None,
        "max_abandon_rate": 0.05,
        "patience_seconds": 90.0,
        "max_occupancy": 0.85,
        "shrinkage": 0.3,
    },
    "chat_concurrency": 2,
    "use_upper_bound": True,
    "volume_share": 0.5,
}
SETTINGS = {"opening_hours": ["08:00:00", "22:00:00"], "templates": [{"break": float("nan")}]}
MANAGER = Principal("max", "manager")
DEMO = Principal("demo", "planner", "Demo visitor", demo=True)
FMT = Formats("en_GB")


def sheets(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


@pytest.fixture
def store(tmp_path):
    """A small store with four HU agents (as tests/services/test_schedules.py's)."""
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    for kind, content in (("agents", AGENTS), ("absences", ABSENCES)):
        report, result = store.import_file(kind, content.encode(), f"{kind}.csv", OPT)
        assert result is not None, report.lines()
    return store


def test_a_plan_round_trips_to_the_same_dict(store):
    assert drafts.restore_plan(store, PLANNER) is None
    drafts.save_plan(store, PLANNER, PLAN)
    restored = drafts.restore_plan(store, PLANNER)
    assert restored.plan == PLAN  # tuples and dates back: the pages compare plans with ==
    assert abs(restored.saved_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert drafts.restore_plan(store, Principal("paul", "planner")) is None
    assert drafts.discard_plan(store, PLANNER)
    assert drafts.restore_plan(store, PLANNER) is None


def test_the_demo_visitor_keeps_nothing_and_managers_keep_plans_only(store):
    assert drafts.save_plan(store, DEMO, PLAN) is None
    assert drafts.restore_plan(store, DEMO) is None
    assert drafts.save_plan(store, MANAGER, PLAN) is not None
    outputs = week_schedule(store)
    kept = drafts.save_schedule(
        store, MANAGER, plan=PLAN, outputs=outputs, week_start=MONDAY, settings={}
    )
    assert kept is None and drafts.restore_schedule(store, MANAGER) is None


def test_an_unreadable_draft_is_dropped_not_shown(store):
    save_draft(store, PLANNER, "staffing_plan", {"version": 1, "plan": {"countries": ["HU"]}})
    assert drafts.restore_plan(store, PLANNER) is None
    log = audit_frame(store.engine, actions=["discard_draft"])
    assert "unreadable" in log["detail"].iloc[0]


def test_a_schedule_round_trips_with_its_exports_and_publishing_clears_it(store):
    outputs = week_schedule(store)
    drafts.save_schedule(
        store, PLANNER, plan=PLAN, outputs=outputs, week_start=MONDAY, settings=SETTINGS
    )
    restored = drafts.restore_schedule(store, PLANNER)
    assert restored.plan == PLAN and restored.week_start == MONDAY
    assert restored.settings["templates"] == [{"break": None}]  # NaN as JSON null
    plan, roster = restored.outputs.plan, restored.outputs.roster
    for name in ("shifts", "coverage", "uncoverable"):
        pd.testing.assert_frame_equal(getattr(plan, name), getattr(outputs.plan, name))
    for name in ("assignments", "unfilled", "overtime"):
        pd.testing.assert_frame_equal(getattr(roster, name), getattr(outputs.roster, name))
    assert (plan.status, plan.labour_cost, plan.mip_gap) == (
        outputs.plan.status,
        outputs.plan.labour_cost,
        outputs.plan.mip_gap,
    )
    assert roster.describe(FMT) == outputs.roster.describe(FMT)
    pd.testing.assert_frame_equal(staff_on_duty(restored.outputs), staff_on_duty(outputs))
    # the same files (calendars stamped alike); a workbook carries the time it was written
    again = drafts.export_files(plan, roster, dtstamp=STAMP)
    again.pop("roster.xlsx")  # the draft keeps the rota as generated (agents without shifts too)
    expected = dict(outputs.files)
    assert sheets(restored.outputs.files["roster.xlsx"]) == sheets(expected.pop("roster.xlsx"))
    assert again == expected

    schedule_id = drafts.publish_schedule(
        store, PLANNER, restored.outputs, settings=restored.settings
    )
    assert load_draft(store, PLANNER, SCHEDULE) is None
    log = audit_frame(store.engine, actions=["discard_draft"])
    assert f"published as schedule {schedule_id}" in log["detail"].iloc[0]


def test_a_shift_plan_without_a_roster_round_trips(store):
    outputs = make_schedule(
        requirements(days=7), default_shift_templates(), time_limit_seconds=20, dtstamp=STAMP
    )
    payload = drafts.schedule_payload(PLAN, outputs, MONDAY, {})
    _, restored, _, _ = drafts.schedule_from_payload(payload)
    assert restored.roster is None
    assert restored.files == outputs.files


@pytest.mark.parametrize("broken", [{"version": 2}, {"version": 1, "plan": PLAN}])
def test_a_payload_of_another_version_or_shape_is_refused(broken):
    with pytest.raises(drafts.DraftError):
        drafts.schedule_from_payload(drafts._plain(broken))
