"""AppTest of the Data page on the seeded sample."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

TIMEOUT = 120  # seconds; the default 3 s is too short on 2 cores


@pytest.fixture
def app(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/data_page.py").run()
    assert not at.exception, at.exception
    return at


def test_data_page_shows_what_is_loaded_and_both_charts(app):
    assert app.title[0].value == "Data"
    summary = app.dataframe[0].value
    rows = dict(zip(summary["Table"], summary["Rows"], strict=True))
    assert rows["agents"] == 137 and rows["contacts"] > 200_000
    assert summary.set_index("Table").loc["traffic", "Countries"] == "AR, BR, DE, GB, HU, US"
    assert [s.value for s in app.subheader][:2] == ["Contacts per day", "Web sessions per day"]
    assert len(app.get("vega_lite_chart")) == 2


def test_choosing_no_country_explains_itself(app):
    app.sidebar.multiselect(key="filter_countries").set_value([]).run()
    assert not app.exception
    assert "Choose at least one country" in app.info[0].value
    assert len(app.get("vega_lite_chart")) == 0


def test_one_country_one_channel(app):
    app.sidebar.multiselect(key="filter_countries").set_value(["HU"]).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 2
