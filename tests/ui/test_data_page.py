"""AppTest of the Data page on the seeded sample, and on databases that lack contacts or traffic."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data.access import Principal
from formats import Formats
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with, import_files

TIMEOUT = 120  # seconds; the default 3 s is too short on 2 cores
PAGE = "app_pages/data_page.py"
AGENTS = b"agent_id,name,team,country\nB001,Ana,T,AR\nB002,Ben,T,AR\n"
TRAFFIC_ONE_DAY = b"country,date,sessions\nAR,2026-01-01,5\n"


@pytest.fixture
def app(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_data_page_shows_what_is_loaded_and_both_charts(app):
    assert app.title[0].value == "Data"
    summary = app.dataframe[0].value
    rows = dict(zip(summary["Table"], summary["Rows"], strict=True))
    assert rows["agents"] == 137 and rows["contacts"] > 200_000
    assert summary.set_index("Table").loc["traffic", "Countries"] == "AR, BR, DE, GB, HU, US"
    assert summary.set_index("Table").loc["traffic", "From"] < dt.date.today()  # dates, not text
    assert [s.value for s in app.subheader][:2] == ["Contacts per day", "Web sessions per day"]
    assert len(app.get("vega_lite_chart")) == 2
    assert not app.info  # everything the page needs is loaded


def test_choosing_no_country_explains_itself(app):
    app.sidebar.multiselect(key="filter_countries").set_value([]).run()
    assert not app.exception
    assert "Choose at least one country" in app.info[0].value
    assert len(app.get("vega_lite_chart")) == 0


def test_one_country_one_channel(app):
    app.sidebar.multiselect(key="filter_countries").set_value(["HU"]).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 2


@pytest.fixture
def own_data_dir(tmp_path):
    """A database of its own (not the shared sample); the test imports what it needs."""
    with data_dir_with(tmp_path) as store:
        yield lambda *files: import_files(store, files)


def open_as(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["principal"] = Principal("someone", role, "Someone")  # signed in
    at.run()
    assert not at.exception, at.exception
    return at


def test_without_contacts_or_traffic_the_page_says_what_to_upload_and_where(own_data_dir):
    own_data_dir(("agents", AGENTS))  # a database with people but no contacts or traffic
    at = open_as("planner")
    assert not at.get("vega_lite_chart")
    text = at.info[0].value
    assert "No contacts or web traffic loaded yet" in text
    assert "**contacts** (country, date or interval_start, contacts" in text
    assert "**traffic** (country (code or name), date, sessions)" in text
    assert "with *Upload a file* below" in text and "`python cli.py import KIND FILE`" in text
    assert at.selectbox(key="data_kind").options == ["contacts", "traffic"]
    assert "Nothing loaded yet for contacts, traffic, absences, hours, performance" in " ".join(
        c.value for c in at.caption
    )

    manager = open_as("manager")  # may look, not import: told who can
    assert "your role cannot import them, a planner or an admin can, here" in (
        manager.info[0].value
    )
    assert not manager.selectbox


def test_one_day_of_traffic_in_the_viewers_locale(own_data_dir, monkeypatch):
    own_data_dir(("traffic", TRAFFIC_ONE_DAY))
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    at = open_as("planner")
    captions = [c.value for c in at.caption]
    assert f"One day loaded: {Formats('de_DE').date(dt.date(2026, 1, 1))}." in captions
    assert len(at.get("vega_lite_chart")) == 1  # web sessions; contacts are missing
    assert "No contacts loaded yet" in at.info[0].value
    assert at.subheader[0].value == "Web sessions per day"
