"""Demo mode on the Data page: a visitor checks a file (preview and report) but the Import
button is off, and the database is unchanged."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data.store import open_store
from tests.conftest import REPO_ROOT

GOOD = b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n"


def test_the_demo_planner_checks_a_file_but_cannot_import_it(seeded_data_dir):
    batches = len(open_store().batches())
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "planner"
    at.run()
    at.switch_page("app_pages/data_page.py").run()
    assert not at.exception, at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "Demo mode checks a file but imports nothing" in notice
    at.file_uploader(key="data_upload").set_value(("ar.csv", GOOD, "text/csv")).run()
    assert not at.exception, at.exception
    assert any("2 rows, no errors" in s.value for s in at.success)  # checked
    button = at.button(key="data_import")
    assert button.disabled and "Demo mode imports nothing" in button.help
    assert len(open_store().batches()) == batches  # nothing imported: demo mode goes on
    assert "Demo mode" in at.sidebar.warning[0].value
