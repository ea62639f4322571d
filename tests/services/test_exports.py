"""Handing out an export: the check and the audit row belong to the request that makes the file."""

from __future__ import annotations

import json

import pytest

from data.access import AccessDenied, Permission, Principal, audit_frame, session_key
from data.config import Settings
from data.store import open_store
from data.users import (
    account_principal,
    add_user,
    issue_session_token,
    principal_for_session_token,
    remove_user,
    set_role,
    sign_out,
)
from services.exports import hand_out

PASSWORD = "correct horse battery"
DETAIL = {"page": "schedule", "week_start": "2026-12-07"}


@pytest.fixture
def store(database_url, tmp_path):
    store = open_store(Settings(tmp_path, database_url))
    add_user(store, "bob", "planner", password=PASSWORD)
    return store


def exports(store) -> list[dict]:
    log = audit_frame(store.engine)
    return log[log["action"] == "export"].to_dict("records")


def token_check(store, tmp_path, username: str):
    """What the dashboard's deferred download asks: the sign-in token read as things are now."""
    principal = account_principal(store, username)
    key = session_key(tmp_path)
    token = issue_session_token(store, principal, key)
    return lambda: principal_for_session_token(store, token, key)


def test_the_file_leaves_with_its_audit_row(store, tmp_path):
    who_now = token_check(store, tmp_path, "bob")
    data = hand_out(
        store, who_now, Permission.EXPORT_SCHEDULES, "roster.csv", b"agent_id\nA1\n", DETAIL
    )
    assert data == b"agent_id\nA1\n"
    (row,) = exports(store)
    assert (row["actor"], row["role"], row["subject"]) == ("bob", "planner", "roster.csv")
    assert json.loads(row["detail"]) == {**DETAIL, "bytes": 12}


def test_content_built_on_the_click_is_built_once_and_measured(store, tmp_path):
    calls = []

    def build() -> bytes:
        calls.append(1)
        return b"x" * 1000

    who_now = token_check(store, tmp_path, "bob")
    hand_out(store, who_now, Permission.EXPORT_SCHEDULES, "roster.xlsx", build, DETAIL)
    assert len(calls) == 1
    assert json.loads(exports(store)[0]["detail"])["bytes"] == 1000


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda store: remove_user(store, "bob"), id="account removed"),
        pytest.param(lambda store: set_role(store, "bob", "manager"), id="downgraded"),
        pytest.param(
            lambda store: sign_out(store, Principal("bob", "planner")), id="signed out elsewhere"
        ),
    ],
)
def test_a_button_left_on_screen_gives_nothing_once_access_has_ended(store, tmp_path, change):
    # The page was drawn while bob could export; then his access ended; then he clicks.
    who_now = token_check(store, tmp_path, "bob")
    change(store)
    built = []
    with pytest.raises(AccessDenied):
        hand_out(
            store,
            who_now,
            Permission.EXPORT_SCHEDULES,
            "roster.csv",
            lambda: built.append(1) or b"secret",
            DETAIL,
        )
    assert built == []  # the file was never even made
    assert exports(store) == []


def test_a_role_without_the_permission_is_refused_with_a_reason(store):
    set_role(store, "bob", "manager")
    with pytest.raises(AccessDenied, match=r"bob \(manager\) may not export schedules"):
        hand_out(
            store,
            lambda: account_principal(store, "bob"),
            Permission.EXPORT_SCHEDULES,
            "roster.csv",
            b"x",
            DETAIL,
        )
    assert exports(store) == []


def test_nobody_signed_in_is_told_to_sign_in_again(store):
    with pytest.raises(AccessDenied, match=r"roster\.csv: the sign-in has ended; sign in again"):
        hand_out(store, lambda: None, Permission.EXPORT_SCHEDULES, "roster.csv", b"x", DETAIL)
    assert exports(store) == []
