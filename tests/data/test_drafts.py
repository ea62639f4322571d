"""Drafts: one per owner and kind, the owner's alone, roles as the pages', saving and discarding audited."""

from __future__ import annotations

import datetime as dt

import pytest

from data.access import AccessDenied, Principal, audit_frame
from data.config import Settings
from data.drafts import (
    SCHEDULE,
    STAFFING_PLAN,
    DraftError,
    discard_draft,
    load_draft,
    save_draft,
)
from data.store import open_store

PLANNER = Principal("pia", "planner", "Pia")
OTHER_PLANNER = Principal("paul", "planner", "Paul")
MANAGER = Principal("max", "manager", "Max")
HR = Principal("hal", "hr", "Hal")
DEMO = Principal("demo", "planner", "Demo visitor", demo=True)


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def test_one_current_draft_per_owner_and_kind_audited_on_save_and_discard(store):
    assert load_draft(store, PLANNER, STAFFING_PLAN) is None
    first = save_draft(store, PLANNER, STAFFING_PLAN, {"countries": ["HU"]})
    assert first.updated_at.tzinfo is not None
    save_draft(store, PLANNER, STAFFING_PLAN, {"countries": ["AR"]})  # replaces
    save_draft(store, PLANNER, SCHEDULE, {"week_start": "2027-01-04"})
    draft = load_draft(store, PLANNER, STAFFING_PLAN)
    assert draft.payload == {"countries": ["AR"]}
    assert (draft.owner, draft.kind) == ("pia", STAFFING_PLAN)
    assert abs(draft.updated_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert load_draft(store, PLANNER, SCHEDULE).payload == {"week_start": "2027-01-04"}

    assert discard_draft(store, PLANNER, STAFFING_PLAN)
    assert not discard_draft(store, PLANNER, STAFFING_PLAN)  # nothing left: nothing audited
    assert load_draft(store, PLANNER, STAFFING_PLAN) is None
    assert load_draft(store, PLANNER, SCHEDULE) is not None  # the other kind stays
    assert discard_draft(store, PLANNER, SCHEDULE, reason="published")

    log = audit_frame(store.engine, actions=["save_draft", "discard_draft"])
    assert log["action"].tolist() == ["discard_draft", "discard_draft"] + ["save_draft"] * 3
    assert log["subject"].tolist()[:2] == ["draft:schedule", "draft:staffing_plan"]
    assert '"published"' in log["detail"].iloc[0]
    assert set(log["actor"]) == {"pia"}


def test_a_draft_is_its_owners_alone(store):
    save_draft(store, PLANNER, STAFFING_PLAN, {"countries": ["HU"]})
    assert load_draft(store, OTHER_PLANNER, STAFFING_PLAN) is None
    assert not discard_draft(store, OTHER_PLANNER, STAFFING_PLAN)
    assert load_draft(store, PLANNER, STAFFING_PLAN) is not None
    # the same name with another role is the same account
    assert load_draft(store, Principal("pia", "manager"), STAFFING_PLAN) is not None


def test_roles_plans_for_those_who_plan_schedules_for_those_who_publish(store):
    save_draft(store, MANAGER, STAFFING_PLAN, {"countries": ["HU"]})
    with pytest.raises(AccessDenied, match="max \\(manager\\) may not publish schedules"):
        save_draft(store, MANAGER, SCHEDULE, {})
    with pytest.raises(AccessDenied, match="hal \\(hr\\) may not view staffing"):
        load_draft(store, HR, STAFFING_PLAN)
    with pytest.raises(AccessDenied, match="demo visitor keeps no drafts"):
        save_draft(store, DEMO, STAFFING_PLAN, {})
    with pytest.raises(AccessDenied, match="sign in first"):
        load_draft(store, None, STAFFING_PLAN)
    assert audit_frame(store.engine, actions=["save_draft"])["actor"].tolist() == ["max"]


def test_bad_kinds_and_payloads_are_refused_and_nothing_is_stored(store):
    with pytest.raises(DraftError, match="unknown kind of draft 'forecast'"):
        save_draft(store, PLANNER, "forecast", {})
    with pytest.raises(DraftError, match="not plain JSON"):
        save_draft(store, PLANNER, STAFFING_PLAN, {"share": float("nan")})
    with pytest.raises(DraftError, match="not plain JSON"):
        save_draft(store, PLANNER, STAFFING_PLAN, {"day": dt.date(2027, 1, 4)})
    with pytest.raises(DraftError, match="a mapping"):
        save_draft(store, PLANNER, STAFFING_PLAN, ["HU"])
    assert load_draft(store, PLANNER, STAFFING_PLAN) is None
    assert audit_frame(store.engine, actions=["save_draft"]).empty
