"""AppTest of the Schedule page on the seeded sample, on the Staffing page's one-queue plan."""

from __future__ import annotations

import pytest

from tests.ui.test_staffing_page import open_page, table_with

PLAN = {
    "horizon_days": 7,
    "countries": ("HU",),
    "channels": ("voice",),
    "targets": {
        "service_level_target": 0.8,
        "answer_target_seconds": 20.0,
        "asa_target_seconds": None,
        "max_abandon_rate": None,
        "patience_seconds": None,
        "max_occupancy": 0.85,
        "shrinkage": 0.3,
    },
    "chat_concurrency": 2,
    "use_upper_bound": False,
}


@pytest.fixture(scope="module")
def generated(seeded_data_dir):
    at = open_page("app_pages/schedule.py")
    at.session_state["staffing_plan"] = PLAN  # as the Staffing page leaves it
    at.run()
    assert not at.exception, at.exception
    assert "Generate schedule" in at.info[0].value
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_without_a_staffing_plan_the_page_says_where_to_start(seeded_data_dir):
    at = open_page("app_pages/schedule.py")
    assert at.title[0].value == "Schedule"
    assert "Staffing" in at.info[0].value
    assert not at.get("data_editor") and not at.button


def test_generate_shows_status_coverage_roster_and_tables(generated):
    shown = {m.label: m.value for m in generated.metric}
    assert shown["Shift plan"] in {"optimal", "time limit"}
    assert shown["Roster"] in {"optimal", "time limit"}
    assert shown["Solve time"].endswith(" s") and shown["MIP gap"].endswith("%")
    assert shown["Shortfall"].endswith("staff-h")
    assert int(shown["Shifts filled"]) > 0
    # coverage, teams and agents of one team
    assert len(generated.get("vega_lite_chart")) == 3
    unfilled = table_with(generated, "unfilled")
    assert (unfilled["unfilled"] > 0).all()
    overtime = table_with(generated, "projected_overtime_hours")
    assert "projected_overtime_hours" in overtime.columns


def test_every_export_has_a_download_button_that_survives_reruns(generated):
    labels = {b.label for b in generated.get("download_button")}
    expected = {
        "plan.csv",
        "coverage.csv",
        "uncovered.csv",
        "roster.csv",
        "unfilled.csv",
        "overtime.csv",
        "roster.xlsx",
        "calendars_agents.zip",
        "calendars_teams.zip",
    }
    assert expected <= labels
    assert any(label.startswith("Download A") and label.endswith(".ics") for label in labels)
    outputs = generated.session_state["schedule_result"]["outputs"]
    team = generated.selectbox(key="schedule_team")
    team.set_value(team.options[-1]).run()  # a rerun shows the stored result, no new solve
    assert not generated.exception
    assert generated.session_state["schedule_result"]["outputs"] is outputs
    assert expected <= {b.label for b in generated.get("download_button")}
