"""The flag tables: what data.flags writes and reads, in one transaction, checked and audited.

The rules that decide what to write are tested in tests/wellbeing/test_decisions.py and the
workflows in tests/services/test_flags.py; here ``decide`` is written by hand.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import flags, schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.store import open_store
from data.validation import ReadOptions

OPT = ReadOptions(today=dt.date(2026, 11, 22))
AS_OF = dt.date(2026, 6, 26)
HR = Principal("hr.one", "hr", "HR One")
HR2 = Principal("hr.two", "hr", "HR Two")
MANAGER = Principal("manager", "manager")
REASONS = json.dumps([{"code": None, "values": {}, "text": "Average 50.0 h a week"}])


@pytest.fixture
def store(database_url, tmp_path):
    st = open_store(Settings(tmp_path, database_url))
    agents = pd.DataFrame(
        {
            "agent_id": ["A1", "A2"],
            "name": ["Person A1", "Person A2"],
            "team": "Team One",
            "country": "DE",
            "timezone": "Europe/Berlin",
            "contract_hours_per_week": 40,
            "channels": "voice",
        }
    )
    report, result = st.import_file("agents", agents.to_csv(index=False).encode(), "a.csv", OPT)
    assert result is not None, report.errors
    return st


def _write(agent: str, flag_id=pd.NA, level: str = "medium", signals=("overtime_streak",)):
    return {
        "agent_id": agent,
        "flag_id": flag_id,
        "state": "open",
        "as_of": AS_OF,
        "level": level,
        "score": 42.0,
        "reasons": REASONS,
        "signals": json.dumps(list(signals)),
    }


def _evaluate(store, rows, counts=None, seen=None):
    def decide(latest: pd.DataFrame) -> flags.FlagWrites:
        if seen is not None:
            seen.append(latest)
        frame = pd.DataFrame(rows, columns=list(flags.FLAG_WRITE_COLUMNS))
        return flags.FlagWrites(frame, counts or {"raised": len(rows)})

    return flags.record_evaluation(
        store, HR, as_of=AS_OF, agents_scored=2, thresholds={"medium_score": 30}, decide=decide
    )


def _table(store, table) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql(sa.select(table).order_by(table.c.id), conn)


def test_an_evaluation_writes_new_flags_observations_and_one_audit_row(store):
    seen: list[pd.DataFrame] = []
    evaluation_id, writes = _evaluate(store, [_write("A1")], {"raised": 1, "eased": 0}, seen)
    assert list(seen[0].columns) == list(flags.LATEST_FLAG_COLUMNS) and seen[0].empty
    assert writes.counts == {"raised": 1, "eased": 0}
    evaluation = _table(store, schema.flag_evaluations).iloc[0]
    assert evaluation["id"] == evaluation_id and evaluation["evaluated_by"] == "hr.one"
    assert (evaluation["flags_raised"], evaluation["flags_updated"]) == (1, 0)
    assert json.loads(evaluation["thresholds"]) == {"medium_score": 30}
    flag = _table(store, schema.wellbeing_flags).iloc[0]
    assert (flag["agent_id"], flag["state"], flag["level"]) == ("A1", "open", "medium")
    assert flag["raised_evaluation_id"] == evaluation_id and flag["reasons"] == REASONS
    observation = _table(store, schema.flag_observations).iloc[0]
    assert (observation["flag_id"], observation["evaluation_id"]) == (flag["id"], evaluation_id)
    log = _table(store, schema.audit_log)
    log = log[log["action"] == "evaluate"]
    assert log["subject"].tolist() == [f"evaluation {evaluation_id}"]
    assert json.loads(log["detail"].iloc[0]) == {
        "agents_scored": 2,
        "as_of": "2026-06-26",
        "eased": 0,
        "raised": 1,
    }


def test_the_next_evaluation_sees_the_latest_flag_and_updates_it(store):
    _evaluate(store, [_write("A1")])
    seen: list[pd.DataFrame] = []
    _evaluate(store, [_write("A1", flag_id=1, level="low", signals=())], seen=seen)
    latest = seen[0]
    assert latest[["flag_id", "agent_id", "state", "level"]].values.tolist() == [
        [1, "A1", "open", "medium"]
    ]
    assert latest["signals"].tolist() == [["overtime_streak"]]
    flag = _table(store, schema.wellbeing_flags)
    assert len(flag) == 1 and flag["level"].iloc[0] == "low" and flag["signals"].iloc[0] == "[]"
    assert flag["state"].iloc[0] == "open"  # an update never touches the review state
    assert _table(store, schema.flag_observations)["flag_id"].tolist() == [1, 1]
    evaluations = _table(store, schema.flag_evaluations)
    assert evaluations[["flags_raised", "flags_updated"]].values.tolist() == [[1, 0], [0, 1]]


def test_a_failed_decision_writes_nothing(store):
    def decide(latest):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        flags.record_evaluation(
            store, HR, as_of=AS_OF, agents_scored=2, thresholds={}, decide=decide
        )
    assert _table(store, schema.flag_evaluations).empty
    assert (_table(store, schema.audit_log)["action"] != "evaluate").all()


def test_only_hr_writes_and_reads_individual_flags(store):
    with pytest.raises(AccessDenied, match="may not evaluate flags"):
        flags.record_evaluation(
            store, MANAGER, as_of=AS_OF, agents_scored=0, thresholds={}, decide=lambda x: None
        )
    with pytest.raises(AccessDenied, match="may not view individual wellbeing"):
        flags.list_flags(store, MANAGER)
    with pytest.raises(AccessDenied, match="may not view individual wellbeing"):
        flags.read_agent(store, MANAGER, "A1")
    with pytest.raises(AccessDenied, match="may not review flags"):
        flags.record_review(
            store,
            MANAGER,
            1,
            from_state="open",
            to_state="in_review",
            note="",
            at=dt.datetime.now(dt.UTC),
        )


def test_list_flags_decodes_lists_and_times_and_keeps_reasons_as_stored(store):
    _evaluate(store, [_write("A1"), _write("A2", level="high")])
    listed = flags.list_flags(store, HR, levels=["high"])
    assert list(listed.columns) == list(flags.FLAG_COLUMNS)
    assert listed["agent_id"].tolist() == ["A2"] and listed["name"].tolist() == ["Person A2"]
    assert listed["signals"].iloc[0] == ["overtime_streak"]
    assert listed["reasons"].iloc[0] == REASONS
    assert listed["as_of"].iloc[0] == AS_OF and str(listed["raised_at"].dt.tz) == "UTC"


def test_read_agent_has_the_rows_and_audits_the_look(store):
    _evaluate(store, [_write("A1")])
    records = flags.read_agent(store, HR, "A1")
    assert records.person["name"] == "Person A1"
    assert records.flags["flag_id"].tolist() == [1] and len(records.observations) == 1
    assert records.reviews.empty and records.hours.empty
    log = _table(store, schema.audit_log)
    assert log["action"].iloc[-1] == "view_agent" and log["subject"].iloc[-1] == "A1"
    with pytest.raises(flags.UnknownFlagError, match="no agent 'ZZ'"):
        flags.read_agent(store, HR, "ZZ")


def test_a_review_is_a_compare_and_set(store):
    _evaluate(store, [_write("A1")])
    now = dt.datetime.now(dt.UTC)
    flags.record_review(store, HR, 1, from_state="open", to_state="in_review", note="", at=now)
    with pytest.raises(flags.StaleFlagError, match=r"now 'in_review', not 'open'.*by hr\.one"):
        flags.record_review(store, HR2, 1, from_state="open", to_state="in_review", note="", at=now)
    with pytest.raises(flags.UnknownFlagError, match="no flag 99"):
        flags.record_review(store, HR, 99, from_state="open", to_state="in_review", note="", at=now)
    reviews = _table(store, schema.flag_reviews)
    assert reviews[["from_state", "to_state", "reviewer"]].values.tolist() == [
        ["open", "in_review", "hr.one"]
    ]
    assert _table(store, schema.wellbeing_flags)["state"].tolist() == ["in_review"]


def test_last_evaluation_is_none_before_the_first_and_then_counts(store):
    assert flags.last_evaluation(store) is None
    _evaluate(store, [])
    info = flags.last_evaluation(store)
    assert info.as_of == AS_OF and info.flags_raised == 0 and not info.data_changed
