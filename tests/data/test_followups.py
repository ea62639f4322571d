"""Follow-ups of flag reviews and HR's roster limits: stored append-only, HR only, audited."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import flags, schema
from data.access import AccessDenied, Principal, verify_audit_chain
from data.config import Settings
from data.store import open_store
from data.users import add_user, principal_for_session_token, set_role
from data.validation import ReadOptions
from tests.data import test_audit_chain as chain

OPT = ReadOptions(today=dt.date(2026, 11, 22))
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
HR = Principal("hr.one", "hr", "HR One")
REFUSED = {
    "manager": Principal("manager", "manager"),
    "planner": Principal("planner", "planner"),
    "admin": Principal("admin", "admin"),
    "demo visitor as hr": Principal("demo", "hr", "Demo visitor", demo=True),
    "signed out": None,
}
FOLLOWUP = flags.FollowupEntry("hr.one", dt.date(2026, 12, 10), "reduce_overtime", "agreed")
LIMITS = (
    flags.LimitEntry("no_overtime", None, dt.date(2026, 12, 7), dt.date(2026, 12, 20)),
    flags.LimitEntry("max_weekly_hours", 30.0, dt.date(2026, 12, 7), dt.date(2027, 1, 3)),
)


@pytest.fixture
def store(tmp_path):
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'fu.db'}"))
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

    def decide(latest):
        row = {
            "agent_id": "A1",
            "flag_id": pd.NA,
            "state": "open",
            "as_of": NOW.date(),
            "level": "high",
            "score": 70.0,
            "reasons": "[]",
            "signals": json.dumps(["overtime_streak"]),
        }
        return flags.FlagWrites(pd.DataFrame([row], columns=list(flags.FLAG_WRITE_COLUMNS)))

    flags.record_evaluation(st, HR, as_of=NOW.date(), agents_scored=2, thresholds={}, decide=decide)
    return st


def _review(store, viewer=HR, followup=FOLLOWUP, limits=LIMITS, from_state="open"):
    return flags.record_review_with_followup(
        store,
        viewer,
        1,
        from_state=from_state,
        to_state="resolved",
        note="talked it through",
        at=NOW,
        followup=followup,
        limits=limits,
    )


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _audit_actions(store) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log.c.action).order_by(schema.audit_log.c.id))
        return list(rows.scalars())


def test_a_review_with_follow_up_and_limits_is_one_audited_transaction(store):
    followup_id = _review(store)
    listed = flags.list_followups(store, HR)
    assert listed.loc[0, ["followup_id", "agent_id", "name", "assignee", "action"]].tolist() == [
        followup_id,
        "A1",
        "Person A1",
        "hr.one",
        "reduce_overtime",
    ]
    assert listed.loc[0, "due_date"] == dt.date(2026, 12, 10) and pd.isna(listed.loc[0, "done_at"])
    limits = flags.list_limits(store, HR)
    assert limits["kind"].tolist() == ["no_overtime", "max_weekly_hours"]
    assert limits["followup_id"].tolist() == [followup_id, followup_id]
    actions = _audit_actions(store)
    assert actions[-5:] == ["review", "followup", "set_limit", "set_limit", "view_followups"]
    with store.engine.connect() as conn:
        details = conn.execute(
            sa.select(schema.audit_log.c.detail).where(schema.audit_log.c.action == "followup")
        ).scalar_one()
    assert "agreed" not in details  # the note may hold health details: not in the audit log
    assert verify_audit_chain(store.engine).ok


def test_a_stale_review_writes_no_follow_up_nor_limit(store):
    _review(store)
    with pytest.raises(flags.StaleFlagError):
        _review(store)  # the flag is resolved now, not open
    assert _count(store, schema.hr_followups) == 1 and _count(store, schema.hr_limits) == 2


def test_the_assignee_must_be_an_hr_user(store):
    add_user(store, "pat.planner", "planner", password="a-long-enough-passphrase-1")
    add_user(store, "hr.two", "hr", password="a-long-enough-passphrase-2")
    for who, message in (("pat.planner", "is planner, not hr"), ("nobody", "has no account")):
        with pytest.raises(flags.FlagError, match=message):
            _review(store, followup=flags.FollowupEntry(who, dt.date(2026, 12, 10), "talk"))
    assert _count(store, schema.hr_followups) == 0 and _count(store, schema.flag_reviews) == 0
    assert flags.list_hr_users(store, HR) == ["hr.two"]
    _review(store, followup=flags.FollowupEntry("hr.two", dt.date(2026, 12, 10), "talk"))
    assert flags.list_followups(store, HR)["assignee"].tolist() == ["hr.two"]


def test_marking_done_appends_a_row_once(store):
    followup_id = _review(store)
    flags.mark_followup_done(store, HR, followup_id, note="checked in", at=NOW)
    with pytest.raises(flags.FlagError, match=r"marked done by hr\.one"):
        flags.mark_followup_done(store, HR, followup_id, note="again", at=NOW)
    listed = flags.list_followups(store, HR)
    assert listed.loc[0, "done_by"] == "hr.one" and listed.loc[0, "done_note"] == "checked in"
    assert flags.list_followups(store, HR, open_only=True).empty
    assert _count(store, schema.hr_followups) == 2
    assert "followup_done" in _audit_actions(store)


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_only_hr_sees_or_changes_follow_ups_and_limits(store, who):
    viewer = REFUSED[who]
    followup_id = _review(store)
    before = _count(store, schema.audit_log)
    for attempt in (
        lambda: _review(store, viewer=viewer, from_state="resolved"),
        lambda: flags.mark_followup_done(store, viewer, followup_id, note="", at=NOW),
        lambda: flags.list_followups(store, viewer),
        lambda: flags.list_limits(store, viewer),
        lambda: flags.list_hr_users(store, viewer),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    assert _count(store, schema.hr_followups) == 1 and _count(store, schema.hr_limits) == 2
    assert _count(store, schema.audit_log) == before


def test_a_revoked_user_is_refused(store, tmp_path):
    from data.access import session_key
    from data.users import issue_session_token

    add_user(store, "hr.gone", "hr", password="a-long-enough-passphrase-3")
    key = session_key(tmp_path)
    token = issue_session_token(store, Principal("hr.gone", "hr"), key)
    assert principal_for_session_token(store, token, key) is not None
    set_role(store, "hr.gone", "planner")  # HR rights taken away
    viewer = principal_for_session_token(store, token, key)  # the old sign-in no longer holds
    with pytest.raises(AccessDenied):
        flags.list_followups(store, viewer)
    with pytest.raises(AccessDenied):
        _review(store, viewer=viewer)


def test_planners_get_the_limits_of_a_period_without_why(store):
    _review(store)
    planner = REFUSED["planner"]
    week = flags.limits_for_roster(store, planner, dt.date(2026, 12, 21), dt.date(2026, 12, 27))
    assert list(week.columns) == ["agent_id", "kind", "value", "start_date", "end_date"]
    assert week.to_dict("records") == [
        {
            "agent_id": "A1",
            "kind": "max_weekly_hours",
            "value": 30.0,
            "start_date": dt.date(2026, 12, 7),
            "end_date": dt.date(2027, 1, 3),
        }
    ]  # the no-overtime limit ended on the 20th
    assert flags.limits_for_roster(store, planner, dt.date(2026, 11, 1), dt.date(2026, 12, 6)).empty
    assert len(flags.limits_for_roster(store, HR, dt.date(2026, 12, 7), dt.date(2026, 12, 7))) == 2
    with pytest.raises(AccessDenied):
        flags.limits_for_roster(store, None, dt.date(2026, 12, 7), dt.date(2026, 12, 7))


def test_follow_ups_and_limits_cannot_be_edited_replaced_or_deleted_alone(store):
    _review(store)
    attempts = [
        lambda c: c.execute(schema.hr_followups.update().values(note="nothing happened")),
        lambda c: c.execute(schema.hr_limits.update().values(end_date=dt.date(2030, 1, 1))),
        lambda c: c.exec_driver_sql(
            "REPLACE INTO hr_limits (id, flag_id, followup_id, agent_id, kind, start_date, "
            "end_date, set_by, at) VALUES (1, 1, 1, 'A1', 'no_overtime', '2026-12-07', "
            "'2026-12-08', 'x', '2026-12-01')"
        ),
        lambda c: c.execute(schema.hr_limits.delete()),  # refused at commit: the flag stays
        lambda c: c.execute(schema.hr_followups.delete().where(schema.hr_followups.c.id > 0)),
    ]
    for attempt in attempts:
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            attempt(conn)
    assert _count(store, schema.hr_limits) == 2 and _count(store, schema.hr_followups) == 1
    assert flags.list_limits(store, HR)["end_date"].tolist() == [
        dt.date(2026, 12, 20),
        dt.date(2027, 1, 3),
    ]


def test_the_retention_purge_and_sample_removal_take_them_with_their_flag(store):
    from data.retention import purge_hr_data

    _review(store)
    done = purge_hr_data(store, days=730, today=dt.date(2029, 1, 1))
    assert done.deleted["hr_limits"] == 2 and done.deleted["hr_followups"] == 1
    assert done.deleted["wellbeing_flags"] == 1
    assert _count(store, schema.flag_review_deletions) == 0


# --- PostgreSQL -------------------------------------------------------------------------------


def test_postgres_keeps_follow_ups_and_limits_append_only(database_url, tmp_path):
    chain.postgres_only(database_url)
    st = open_store(Settings(tmp_path, database_url))
    with st.engine.begin() as conn:
        for sql in (
            "INSERT INTO flag_evaluations (evaluated_at, evaluated_by, as_of, agents_scored, "
            "flags_raised, flags_updated, thresholds) VALUES (now(), 'h', current_date, 1, 1, 0, "
            "'{}')",
            "INSERT INTO wellbeing_flags (id, agent_id, raised_evaluation_id, raised_at, state, "
            "state_changed_at, as_of, level, score, reasons, signals) VALUES (1, 'A1', 1, now(), "
            "'open', now(), current_date, 'high', 1, '[]', '[]')",
            "INSERT INTO hr_followups (id, flag_id, agent_id, event, assignee, due_date, action, "
            "note, recorded_by, at) VALUES (1, 1, 'A1', 'assigned', 'h', current_date, 'talk', "
            "'n', 'h', now())",
            "INSERT INTO hr_followups (id, flag_id, agent_id, event, followup_id, note, "
            "recorded_by, at) VALUES (2, 1, 'A1', 'done', 1, 'n', 'h', now())",
            "INSERT INTO hr_limits (flag_id, followup_id, agent_id, kind, start_date, end_date, "
            "set_by, at) VALUES (1, 1, 'A1', 'no_overtime', current_date, current_date, 'h', "
            "now())",
        ):
            conn.exec_driver_sql(sql)
    # the done row (no limit points at it) and the limit: refused only by the trigger
    for table, alone in (("hr_followups", "id = 2"), ("hr_limits", "true")):
        for sql, message in (
            (f"TRUNCATE {table} CASCADE", "append-only (TRUNCATE refused)"),
            (f"UPDATE {table} SET agent_id = 'x'", "append-only (UPDATE refused)"),
            (f"DELETE FROM {table} WHERE {alone}", "deleted only together with its flag"),
        ):
            assert message in chain.refused_as(st.engine, sql), sql
    with st.engine.begin() as conn:  # with their flag, in one transaction: allowed
        for table in ("hr_limits", "hr_followups", "wellbeing_flags"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    assert _count(st, schema.hr_followups) == _count(st, schema.hr_limits) == 0
