"""Sign-in throttling per user name and per address, and the password policy on every path."""

from __future__ import annotations

import datetime as dt

import pytest
from zxcvbn import zxcvbn

from data.access import audit_frame, new_setup_token
from data.config import Settings
from data.store import open_store
from data.users import (
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_USER,
    THROTTLE_WINDOW,
    AccountError,
    SignInLocked,
    add_first_admin,
    add_user,
    authenticate,
    check_password,
    set_password,
)

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(database_url, tmp_path):
    store = open_store(Settings(tmp_path, database_url))
    add_user(store, "alice", "hr", password=PASSWORD, display_name="Alice Smith")
    add_user(store, "bob", "planner", password=PASSWORD)
    return store


def actions(store) -> list[str]:
    return audit_frame(store.engine).iloc[::-1]["action"].tolist()


def test_wrong_passwords_lock_the_user_name_until_the_window_passes(store):
    for i in range(MAX_FAILURES_PER_USER):
        assert authenticate(store, "alice", f"wrong guess {i}", now=T0) is None
    # The right password is refused unchecked while the name is locked, and each refusal is audited.
    with pytest.raises(SignInLocked, match="too many failed sign-ins for the user name 'alice'"):
        authenticate(store, "alice", PASSWORD, now=T0 + dt.timedelta(minutes=1))
    assert actions(store)[-2:] == ["sign_in_failed", "sign_in_locked"]
    log = audit_frame(store.engine)
    assert "locked_until" in log.loc[log["action"] == "sign_in_failed", "detail"].iloc[0]
    # Another user is not affected.
    assert authenticate(store, "bob", PASSWORD, now=T0).username == "bob"
    # Once the failures have left the window the right password works, and the count restarts.
    later = T0 + THROTTLE_WINDOW + dt.timedelta(seconds=1)
    assert authenticate(store, "alice", PASSWORD, now=later).username == "alice"
    assert authenticate(store, "alice", "wrong again!", now=later) is None
    assert authenticate(store, "alice", PASSWORD, now=later).username == "alice"


def test_the_lock_holds_across_store_objects_like_a_restart(store, tmp_path):
    for i in range(MAX_FAILURES_PER_USER):
        authenticate(store, "alice", f"wrong guess {i}", now=T0)
    reopened = open_store(
        Settings(tmp_path, store.engine.url.render_as_string(hide_password=False))
    )
    with pytest.raises(SignInLocked):
        authenticate(reopened, "alice", PASSWORD, now=T0 + dt.timedelta(minutes=5))


def test_twenty_five_wrong_passwords_then_the_right_one_is_refused(store):
    """The issue's case: 25 wrong passwords then the right one signed in."""
    refused = 0
    for i in range(25):
        try:
            authenticate(store, "alice", f"wrong guess {i}", now=T0 + dt.timedelta(seconds=i))
        except SignInLocked:
            refused += 1
    assert refused == 25 - MAX_FAILURES_PER_USER
    with pytest.raises(SignInLocked):
        authenticate(store, "alice", PASSWORD, now=T0 + dt.timedelta(seconds=30))


def test_one_address_trying_many_names_is_locked_and_others_are_not(store):
    for i in range(MAX_FAILURES_PER_ADDRESS):
        assert (
            authenticate(store, f"user{i}", "some guess 1234", address="203.0.113.9", now=T0)
            is None
        )
    with pytest.raises(SignInLocked, match="from this address"):
        authenticate(store, "alice", PASSWORD, address="203.0.113.9", now=T0)
    assert authenticate(store, "alice", PASSWORD, address="198.51.100.1", now=T0) is not None
    assert authenticate(store, "alice", PASSWORD, address=None, now=T0) is not None
    log = audit_frame(store.engine)
    locked = log.loc[log["action"] == "sign_in_locked", "detail"].iloc[0]
    assert "203.0.113.9" in locked


def test_a_success_resets_the_user_count(store):
    for i in range(MAX_FAILURES_PER_USER - 1):
        authenticate(store, "alice", f"wrong guess {i}", now=T0)
    assert authenticate(store, "alice", PASSWORD, now=T0) is not None
    for i in range(MAX_FAILURES_PER_USER - 1):
        authenticate(store, "alice", f"wrong guess {i}", now=T0)
    assert authenticate(store, "alice", PASSWORD, now=T0) is not None


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "password1234", "alicealicealice", "alicesmithalicesmith", "qwertyuiop12"],
)
def test_weak_passwords_are_refused_with_zxcvbns_reason(password):
    with pytest.raises(AccountError, match="too easy to guess") as refused:
        check_password(password, "alice", "Alice Smith")
    message = str(refused.value)
    feedback = zxcvbn(password, user_inputs=["alice", "Alice Smith", "Alice", "Smith"])["feedback"]
    assert feedback["warning"].rstrip(".") in message  # zxcvbn's own reason, whatever its words
    assert all(hint in message for hint in feedback["suggestions"])
    assert "of 4" in message


def test_strong_passwords_pass_and_length_is_still_checked():
    check_password(PASSWORD, "alice")
    check_password("Tr0ub4dor&3-lamp-uncle", "alice")
    with pytest.raises(AccountError, match="at least 12 characters"):
        check_password("Xk#9v!", "alice")
    with pytest.raises(AccountError, match="at most 1024"):
        check_password("x" * 1025, "alice")


def test_every_way_of_setting_a_password_applies_the_policy(store, tmp_path):
    with pytest.raises(AccountError, match="too easy to guess"):
        add_user(store, "carol", "manager", password="password1234")
    with pytest.raises(AccountError, match="too easy to guess"):
        set_password(store, "alice", "aaaaaaaaaaaa")
    with pytest.raises(AccountError, match="too easy to guess"):
        set_password(store, "alice", "alicesmithalicesmith")  # the display name, twice
    assert authenticate(store, "alice", PASSWORD) is not None  # unchanged
    empty = open_store(Settings(tmp_path / "b", f"sqlite:///{tmp_path / 'b' / 'test.db'}"))
    token, _ = new_setup_token(tmp_path / "b")
    with pytest.raises(AccountError, match="too easy to guess"):
        add_first_admin(empty, tmp_path / "b", token, "ada", "adaadaadaada")
    assert not empty.has_users()
    assert add_first_admin(empty, tmp_path / "b", token, "ada", PASSWORD).username == "ada"
