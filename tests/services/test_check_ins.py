"""Return-to-work check-ins end to end: HR's setting, the evaluation opening them, the list, done.

A check-in is an item beside the flags for a person back from a long absence: never a flag, no
level, no score, no reason; HR only.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import flags as flag_store
from data import schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.store import open_store
from services import flags
from tests.services import test_flags as flag_tests
from tests.services.test_flags import HR, MANAGER, PLANNER, _audit, _count
from wellbeing import Thresholds

#: A2's operation: three weeks off, back two weeks before the reference day (Friday 26 June).
SPELL = (dt.date(2026, 5, 25), dt.date(2026, 6, 12))
REFUSED = {
    "manager": MANAGER,
    "planner": PLANNER,
    "admin": Principal("admin", "admin"),
    "demo visitor as hr": Principal("demo", "hr", "Demo visitor", demo=True),
    "signed out": None,
}


def _long_absence(agent: str = "A2", spell: tuple[dt.date, dt.date] = SPELL) -> pd.DataFrame:
    return pd.DataFrame(
        {"agent_id": [agent], "start_date": [spell[0]], "end_date": [spell[1]], "type": ["sick"]}
    )


@pytest.fixture
def store(tmp_path):
    """tests/services/test_flags.py's people (A1 strained by 50 h weeks) and A2's long absence."""
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'checkins.db'}"))
    flag_tests._import(st, "agents", flag_tests._agents())
    flag_tests._import(st, "hours", flag_tests._hours({"A1": 10.0}))
    flag_tests._import(st, "absences", _long_absence())
    return st


def test_off_by_default_no_check_in_is_opened(store):
    assert flags.check_ins_on(store, HR) is False
    summary = flags.evaluate_flags(store, HR)
    assert summary.check_ins_opened == 0 and summary.raised == 1
    assert flags.check_ins_due(store, HR).empty
    assert _count(store, schema.return_to_work_check_ins) == 0


def test_turned_on_the_evaluation_opens_one_check_in_per_absence_never_a_flag(store):
    summary = flags.set_check_ins(store, HR, True)
    assert flags.check_ins_on(store, HR) is True
    assert summary is not None and summary.check_ins_opened == 1
    due = flags.check_ins_due(store, HR)
    assert list(due.columns) == list(flags.CHECK_IN_COLUMNS)
    assert not {"level", "score", "reasons", "signals"} & set(due.columns)
    row = due.iloc[0]
    assert (row["agent_id"], row["name"], row["start_date"], row["end_date"]) == (
        "A2",
        "Person A2",
        *SPELL,
    )
    assert row["back_on"] == dt.date(2026, 6, 15) and row["calendar_days"] == 19
    assert pd.isna(row["done_at"])
    # the absence is no flag: only A1 (50 h weeks) is flagged
    assert flags.list_flags(store, HR)["agent_id"].tolist() == ["A1"]
    # evaluating again does not open the same absence twice
    assert flags.evaluate_flags(store, HR).check_ins_opened == 0
    assert len(flags.check_ins_due(store, HR)) == 1
    audit = _audit(store)
    saved = audit[audit["action"] == "save_hr_setting"].iloc[-1]
    assert saved["subject"] == "return_to_work_check_ins"
    assert json.loads(saved["detail"]) == {"from": None, "to": True}
    evaluated = audit[audit["action"] == "evaluate"]
    assert [json.loads(d)["check_ins_opened"] for d in evaluated["detail"]] == [1, 0]


def test_the_stored_setting_decides_not_the_thresholds_given(store):
    flags.set_check_ins(store, HR, False)
    on = Thresholds(return_to_work_check_ins=True)
    assert flags.evaluate_flags(store, HR, thresholds=on).check_ins_opened == 0
    assert flags.check_ins_due(store, HR).empty


def test_done_takes_it_off_the_list_once_and_is_audited_without_the_note(store):
    flags.set_check_ins(store, HR, True)
    check_in_id = int(flags.check_ins_due(store, HR)["check_in_id"].iloc[0])
    flags.complete_check_in(store, HR, check_in_id, "  back on full duties, knee fine  ")
    assert flags.check_ins_due(store, HR).empty
    every = flag_store.list_check_ins(store, HR, open_only=False)
    assert every.loc[0, "done_by"] == "hr.one"
    assert every.loc[0, "done_note"] == "back on full duties, knee fine"
    with pytest.raises(flags.FlagError, match=r"marked done by hr\.one"):
        flags.complete_check_in(store, HR, check_in_id, "again")
    with pytest.raises(flags.FlagError, match="no return-to-work check-in 99"):
        flags.complete_check_in(store, HR, 99)
    # a done check-in is not reopened by the next evaluation
    assert flags.evaluate_flags(store, HR).check_ins_opened == 0
    audit = _audit(store)
    done = audit[audit["action"] == "check_in_done"]
    assert done["subject"].tolist() == ["A2"]
    assert "knee" not in " ".join(audit["detail"].dropna())


def test_turned_off_opens_no_more_and_keeps_the_open_ones(store):
    flags.set_check_ins(store, HR, True)
    assert flags.set_check_ins(store, HR, False) is None
    flag_tests._import(store, "absences", _long_absence("A3"), "more.csv")
    summary = flags.evaluate_flags(store, HR)
    assert summary.check_ins_opened == 0
    assert flags.check_ins_due(store, HR)["agent_id"].tolist() == ["A2"]


def test_a_setting_that_is_not_a_boolean_is_refused(store):
    with pytest.raises(flags.FlagError, match="True or False"):
        flags.set_check_ins(store, HR, "yes")
    assert flags.check_ins_on(store, HR) is False


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_only_hr_sees_changes_or_completes_check_ins(store, who):
    viewer = REFUSED[who]
    flags.set_check_ins(store, HR, True)
    check_in_id = int(flags.check_ins_due(store, HR)["check_in_id"].iloc[0])
    before = _count(store, schema.audit_log)
    for attempt in (
        lambda: flags.check_ins_due(store, viewer),
        lambda: flags.complete_check_in(store, viewer, check_in_id),
        lambda: flags.set_check_ins(store, viewer, False),
        lambda: flag_store.list_check_ins(store, viewer, open_only=False),
        lambda: flag_store.mark_check_in_done(store, viewer, check_in_id, note="", at=None),
        lambda: flag_store.save_hr_setting(store, viewer, flag_store.CHECK_IN_SETTING, False),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    if who != "demo visitor as hr":  # the demo visitor views as HR: the setting is no secret
        with pytest.raises(AccessDenied):
            flags.check_ins_on(store, viewer)
    assert flags.check_ins_on(store, HR) is True
    assert flags.check_ins_due(store, HR)["check_in_id"].tolist() == [check_in_id]
    assert _count(store, schema.audit_log) == before + 1  # HR's own look just now


def test_a_revoked_user_is_refused(store, tmp_path):
    from data.access import session_key
    from data.users import add_user, issue_session_token, principal_for_session_token, set_role

    flags.set_check_ins(store, HR, True)
    add_user(store, "hr.gone", "hr", password="a-long-enough-passphrase-3")
    key = session_key(tmp_path)
    token = issue_session_token(store, Principal("hr.gone", "hr"), key)
    assert flags.check_ins_due(store, principal_for_session_token(store, token, key)).shape[0] == 1
    set_role(store, "hr.gone", "planner")  # HR rights taken away
    viewer = principal_for_session_token(store, token, key)  # the old sign-in no longer holds
    for attempt in (
        lambda: flags.check_ins_due(store, viewer),
        lambda: flags.complete_check_in(store, viewer, 1),
        lambda: flags.set_check_ins(store, viewer, False),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(schema.return_to_work_check_ins.c.done_at)).scalar() is None


def test_the_retention_purge_takes_a_check_in_with_its_absence(store):
    from data.retention import purge_hr_data

    flags.set_check_ins(store, HR, True)
    kept = purge_hr_data(store, days=730, today=dt.date(2027, 1, 1))
    assert kept.deleted["return_to_work_check_ins"] == 0
    gone = purge_hr_data(store, days=730, today=dt.date(2028, 7, 1))
    assert gone.deleted["return_to_work_check_ins"] == 1 and gone.deleted["absences"] == 1
    assert _count(store, schema.return_to_work_check_ins) == 0


def test_deleting_the_evaluation_that_opened_a_check_in_takes_it_too(store):
    """Removing the sample deletes its evaluations (data.store.delete_rows): their check-ins go."""
    from data.store import RowSelection, delete_rows

    summary = flags.set_check_ins(store, HR, True)
    flag_ids = tuple(int(i) for i in flags.list_flags(store, HR)["flag_id"])
    deleted = delete_rows(
        store,
        RowSelection(flag_ids=flag_ids, evaluation_ids=(summary.evaluation_id,)),
        actor="cli",
        action="remove_sample",
    )
    assert deleted["return_to_work_check_ins"] == 1 and deleted["flag_evaluations"] == 1
    assert _count(store, schema.return_to_work_check_ins) == 0
