"""Publishing a schedule: the planner publishes it, everyone sees it listed, and the Overview
measures its staff on duty instead of the teams' hours. On a copy of the seeded database, as
publishing changes what the other UI tests' Overview shows."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data import schema
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with
from tests.ui.test_schedule_page import generate_as, open_with_plan, plan_period
from tests.ui.test_staffing_page import TIMEOUT, chart_data, table_with


@pytest.fixture(scope="module")
def published_copy(seeded_data_dir, tmp_path_factory):
    """A copy of the seeded data directory; the app points at it for this module."""
    with data_dir_with(tmp_path_factory.mktemp("published"), copy_of=seeded_data_dir) as store:
        yield store


def overview_as(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["demo_role"] = role
    at.run()
    assert not at.exception, at.exception
    return at


def capacity_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "apacity" in c.value)


def test_a_published_schedule_is_listed_and_measured_by_the_overview(published_copy):
    before = overview_as("manager")
    assert capacity_caption(before).startswith("No schedule is published for these weeks")
    assert any("No schedule is published for the week of" in m.value for m in before.markdown)

    at = generate_as("planner")
    assert any(s.value == "Publish" for s in at.subheader)
    at.text_input(key="schedule_publish_note").input("agreed with the team leads")
    at.button(key="schedule_publish").click().run()
    assert not at.exception, at.exception
    (success,) = [s.value for s in at.success if "Published as schedule #" in s.value]
    assert "the Overview counts its staff on duty for" in success
    assert not [b for b in at.button if b.key == "schedule_publish"], "published once only"

    with published_copy.engine.connect() as conn:
        (row,) = conn.execute(sa.select(schema.published_schedules)).mappings().all()
        shifts = conn.execute(
            sa.select(sa.func.count()).select_from(schema.published_schedule_shifts)
        ).scalar_one()
        action = conn.execute(
            sa.select(schema.audit_log.c.action).order_by(schema.audit_log.c.id.desc())
        ).first()
    first, last = plan_period()
    assert row["first_day"] >= first and row["last_day"] <= last
    assert (row["countries"], row["channels"]) == ("HU", "voice")
    assert row["note"] == "agreed with the team leads" and row["published_by"] == "demo"
    roster = at.session_state["schedule_result"]["outputs"].roster
    assert shifts == roster.filled_shifts > 0
    assert action == ("publish_schedule",)

    # a manager sees it listed and can open it, but may not publish one
    manager = generate_as("manager")
    assert manager.expander[0].label == "Published schedules (1)"
    assert not [b for b in manager.button if b.key == "schedule_publish"]
    assert any("Planners and admins publish schedules" in c.value for c in manager.caption)
    charts = len(manager.get("vega_lite_chart"))
    manager.selectbox(key="schedule_published_show").select(row["id"]).run()
    assert not manager.exception, manager.exception
    assert len(manager.get("vega_lite_chart")) == charts + 2  # HU voice coverage and the teams
    assert any("“agreed with the team leads”" in c.value for c in manager.caption)

    # the Staffing page of a new session (nothing generated there) compares with it
    fresh = open_with_plan("manager")
    fresh.switch_page("app_pages/staffing_page.py").run()
    assert not fresh.exception, fresh.exception
    assert any(f"The published schedule (#{row['id']})" in c.value for c in fresh.caption)
    summary = table_with(fresh, "short_hours").iloc[0]
    assert summary["scheduled_hours"] > 0 and 0 <= summary["service_level"] <= 1

    # the Overview now measures the published week of HU voice
    after = overview_as("manager")
    share = re.search(r"on duty on (\d+)\u00a0?% of the queue-days", capacity_caption(after))
    assert share and 0 < int(share.group(1)) < 100
    # the gap heatmap's cells: HU voice's published days count the schedule's staff on duty
    cells = chart_data(after).set_index(["queue", "week"])
    published = cells[cells["scheduled_days"] > 0]
    assert set(published.index.get_level_values("queue")) == {"HU voice"}
    assert (chart_data(before)["scheduled_days"] == 0).all()
    changed = chart_data(before).set_index(["queue", "week"]).loc[published.index]
    assert (published["capacity_hours"] != changed["capacity_hours"]).all()
