"""The Admin page words every kind of audit entry, so an admin filtering the log knows what each is."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data.access import AuditAction
from tests.conftest import REPO_ROOT


def test_the_action_filter_explains_each_action_including_drafts(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "admin"
    at.run()
    at.switch_page("app_pages/admin_page.py").run()
    assert not at.exception, at.exception
    help_text = at.multiselect(key="audit_actions").help
    missing = [a.value for a in AuditAction if f"**{a.value}**: " not in help_text]
    assert not missing, f"audit actions without wording on the Admin page: {missing}"
    assert "**save_draft**: a staffing plan or unpublished schedule was kept" in help_text
    assert "**discard_draft**: a draft was dropped" in help_text
