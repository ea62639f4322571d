"""AppTest of the Staffing page on the seeded sample: one queue, one week, to stay quick."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

TIMEOUT = 300  # seconds; fitting the forecast models on 2 busy cores can take a minute

#: What the tests plan: one country, one channel, the shortest horizon.
PLAN = {"staffing_countries": ["HU"], "staffing_channels": ["voice"], "staffing_horizon": 7}


def open_page(page: str) -> AppTest:
    """The app with ``page`` (``"app_pages/staffing_page.py"``) shown, through app.py's navigation."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, column: str):
    """The shown table that has ``column`` (AppTest does not expose a dataframe's key)."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(frames) == 1, f"{len(frames)} tables with column {column!r}"
    return frames[0]


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


@pytest.fixture(scope="module")
def planned(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    at.multiselect(key="staffing_countries").set_value(PLAN["staffing_countries"])
    at.multiselect(key="staffing_channels").set_value(PLAN["staffing_channels"])
    at.slider(key="staffing_horizon").set_value(PLAN["staffing_horizon"])
    at.button(key="staffing_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_nothing_is_forecast_before_the_planner_asks(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    assert at.title[0].value == "Staffing"
    assert "press **Plan staffing**" in at.info[0].value
    assert not at.metric and not at.get("vega_lite_chart")
    # every target explains itself to a newcomer
    assert "not available" in at.slider(key="staffing_shrinkage").help
    assert "handling contacts" in at.slider(key="staffing_occupancy").help


def test_abandonment_without_patience_explains_itself(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    at.number_input(key="staffing_max_abandon").set_value(0.05)
    at.button(key="staffing_submit").click().run()
    assert not at.exception
    assert "patience" in at.info[0].value
    assert not at.metric


def test_plan_shows_hours_service_heatmap_and_download(planned):
    summary = table_with(planned, "peak_staff")
    assert summary[["country", "channel"]].values.tolist() == [["HU", "voice"]]
    row = summary.iloc[0]
    assert row["contacts"] > 0 and row["peak_staff"] > 0
    assert row["service_level"] >= 0.8  # every busy interval meets 80/20
    assert 0 < row["occupancy"] <= 0.85 and row["asa_seconds"] > 0
    shown = metrics(planned)
    assert shown["Staff-hours to schedule"][0] == f"{row['staff_hours']:,.0f}"
    assert shown["Peak staff in one interval"][0] == str(row["peak_staff"])
    assert len(planned.get("vega_lite_chart")) == 1  # the day x interval heatmap
    assert planned.get("download_button")[0].label == "Download requirements (CSV)"
    assert planned.session_state["staffing_plan"]["countries"] == ("HU",)


def test_without_a_schedule_the_page_points_to_the_schedule_page(planned):
    assert any("No schedule yet" in i.value for i in planned.info)
    link = planned.get("page_link")
    assert len(link) == 1 and "Schedule" in link[0].value
    assert link[0].proto.page == "schedule"


def test_the_sample_starts_with_one_voice_queue_at_full_volume(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    assert at.multiselect(key="staffing_countries").value == ["AR"]
    assert at.multiselect(key="staffing_channels").value == ["voice"]
    assert at.number_input(key="staffing_volume_share").value == 1.0
    assert any("one country's voice queue" in c.value for c in at.caption)


def test_what_if_moves_the_staff_hours_difference(planned):
    assert metrics(planned)["Staff-hours against the baseline"][1] == "+0 h"
    planned.number_input(key="staffing_whatif_aht").set_value(20.0).run()
    assert not planned.exception
    longer = table_with(planned, "difference_hours").iloc[-1]
    assert longer["country"] == "All" and longer["difference_hours"] > 0
    assert metrics(planned)["Staff-hours against the baseline"][1] == (
        f"{longer['difference_hours']:+,.0f} h"
    )
    planned.slider(key="staffing_whatif_shrinkage").set_value(0.4).run()
    more_shrinkage = table_with(planned, "difference_hours").iloc[-1]
    assert more_shrinkage["difference_hours"] > longer["difference_hours"]
    planned.number_input(key="staffing_whatif_aht").set_value(0.0)
    planned.slider(key="staffing_whatif_shrinkage").set_value(0.3)
    planned.number_input(key="staffing_whatif_service_level").set_value(0.6).run()
    looser = table_with(planned, "difference_hours").iloc[-1]
    assert looser["difference_hours"] < 0
