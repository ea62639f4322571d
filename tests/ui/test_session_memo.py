"""AppTest of what the pages keep in a session (``app_pages.common.session_memo``): HR's audited
looks stay HR's; a session that changes hands, or whose account is removed, keeps none of them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data.access import AuditAction, Principal, audit_frame
from data.users import add_user, remove_user
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with
from tests.ui.test_followup_pages import HR, open_as
from tests.ui.test_wellbeing_page import (
    AGENT_ID,
    PAGE,
    REVIEW_PAGE,
    TIMEOUT,
    flags_table,
    page_text,
)

MEMO = "session_memo"
PASSWORD = "correct horse battery"
HR_LOOKS = {"wellbeing_flags", "wellbeing_agent", "wellbeing_followups"}


@pytest.fixture
def copy_dir(seeded_data_dir, tmp_path):
    """A copy of the seeded sample: this test's accounts and audit rows stay in it."""
    with data_dir_with(tmp_path / "data", copy_of=seeded_data_dir) as store:
        yield store


def held(at: AppTest) -> set[str]:
    """The names the session's memo holds results under (none without a memo)."""
    return set(at.session_state[MEMO].held) if MEMO in at.session_state else set()


def looks(store, actor: str) -> int:
    """How many times ``actor`` was shown the list of flags (audited)."""
    log = audit_frame(store.engine, actions=[AuditAction.VIEW_FLAGS.value])
    return int((log["actor"] == actor).sum())


def hr_looks_at_a_person(at: AppTest) -> None:
    agent = flags_table(at)["agent_id"].iloc[0]
    at.selectbox(key="wellbeing_agent").set_value(agent).run()
    assert not at.exception, at.exception
    assert held(at) >= HR_LOOKS


def test_a_session_that_changes_hands_keeps_nothing_of_the_previous_users_looks(copy_dir):
    at = open_as(HR, REVIEW_PAGE)
    hr_looks_at_a_person(at)
    assert at.session_state[MEMO].owner == ("hana", "hr", False)
    first_looks = looks(copy_dir, "hana")
    at.run()  # a rerun reuses the look: it is audited once
    assert looks(copy_dir, "hana") == first_looks

    # the same tab, a manager now: the Wellbeing page shows teams, and nothing of HR's is kept
    at.session_state["principal"] = Principal("mo", "manager", "Mo")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Wellbeing"
    assert not HR_LOOKS & held(at)
    assert at.session_state[MEMO].owner == ("mo", "manager", False)
    assert not AGENT_ID.search(page_text(at))
    # and the Flag review page, reached by its address, refuses the manager
    page = AppTest.from_file(str(REPO_ROOT / REVIEW_PAGE), default_timeout=TIMEOUT)
    page.session_state["principal"] = Principal("mo", "manager", "Mo")
    page.run()
    assert "Access refused" in page.error[0].value
    assert not HR_LOOKS & held(page)

    # another HR user in the same tab looks for themselves: read again, audited in their name
    at.session_state["principal"] = Principal("hal", "hr", "Hal")
    at.run()  # the menu is hal's now
    at.switch_page(REVIEW_PAGE).run()
    assert not at.exception, at.exception
    assert looks(copy_dir, "hal") == 1
    assert at.session_state[MEMO].owner == ("hal", "hr", False)


def test_a_removed_hr_account_gets_nothing_the_session_kept(copy_dir):
    add_user(copy_dir, "hana", "hr", password=PASSWORD)
    add_user(copy_dir, "ada", "admin", password=PASSWORD)  # accounts remain: no demo mode after
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.text_input(key="sign_in_user").input("hana")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page(REVIEW_PAGE).run()
    assert not at.exception, at.exception
    hr_looks_at_a_person(at)

    remove_user(copy_dir, "hana")
    at.run()  # the same browser session's next run
    assert not at.exception, at.exception
    assert at.text_input(key="sign_in_user")  # asked to sign in again
    assert MEMO not in at.session_state  # HR's frames are gone with the sign-in
    assert not at.dataframe and not AGENT_ID.search(page_text(at))
