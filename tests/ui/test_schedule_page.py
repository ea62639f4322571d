"""AppTest of the Schedule page on the seeded sample, on the Staffing page's one-queue plan, and
what it says on databases without contacts or agents."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from data import schema
from data.store import open_store
from services.forecasts import ensure_baseline_forecast
from staffing.exports import make_schedule_outputs
from staffing.planning import default_shift_templates
from tests.conftest import REPO_ROOT
from tests.ui.test_overview_uploaded import HISTORY_END, contacts_csv
from tests.ui.test_staffing_page import (
    FMT,
    TIMEOUT,
    contactless_data_dir,  # noqa: F401 (a fixture, used by name)
    data_dir_with,
    drafts_copy,  # noqa: F401 (a fixture, used by name)
    open_as,
    open_page,
    open_signed_in,
    set_period,
    table_with,
)

#: The plan days, counted from the day after the history: the Schedule page's week lies in them.
PLAN_DAYS = (3, 16)
PLAN = {
    "forecast": "saved",  # the seeded baseline covers it: no model is fitted
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


EXPECTED_FILES = {
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


def exports_on_record() -> pd.DataFrame:
    with open_store().engine.connect() as conn:
        query = sa.select(schema.audit_log).where(schema.audit_log.c.action == "export")
        return pd.read_sql(query, conn)


def plan_period() -> tuple[dt.date, dt.date]:
    """PLAN's period on the seeded data (it ends yesterday, so this moves with the calendar)."""
    history_end = open_store().daily_contacts()["date"].max().date()
    first, last = (history_end + dt.timedelta(days=d) for d in PLAN_DAYS)
    return first, last


def open_with_plan(role: str | None = None) -> AppTest:
    """The Schedule page on PLAN, as ``role`` (default: planner), nothing generated yet."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    if role is not None:
        at.session_state["demo_role"] = role  # before the first run: the role is set once
    at.run()
    at.switch_page("app_pages/schedule_page.py")
    at.session_state["staffing_plan"] = {**PLAN, "period": plan_period()}  # as Staffing leaves it
    at.run()
    assert not at.exception, at.exception
    assert "Generate schedule" in at.info[0].value
    return at


def generate_as(role: str | None = None) -> AppTest:
    """The Schedule page with a schedule generated for PLAN, as ``role`` (default: planner)."""
    at = open_with_plan(role)
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(scope="module")
def generated(seeded_data_dir):
    return generate_as()


def test_without_a_staffing_plan_the_page_says_where_to_start(seeded_data_dir):
    at = open_page("app_pages/schedule_page.py")
    assert at.title[0].value == "Schedule"
    assert "Staffing" in at.info[0].value
    assert not at.get("data_editor") and not at.button
    assert at.get("page_link")[0].proto.page == "staffing"


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("planner", "Upload a **contacts** file (CSV or Excel with country, date or"),
        ("manager", "A planner or an admin uploads a **contacts** file"),
    ],
)
@pytest.mark.usefixtures("contactless_data_dir")
def test_without_contacts_the_page_says_what_to_upload(role, where):
    at = open_signed_in("app_pages/schedule_page.py", role)
    assert [t.value for t in at.title] == ["Schedule"]
    (message,) = [i.value for i in at.info]
    assert "No contacts yet" in message and where in message
    assert "`.venv/bin/crewcast import contacts FILE`" in message
    assert at.get("page_link")[0].proto.page == "data"
    assert not at.error and not at.get("data_editor") and not at.main.button


@pytest.fixture
def agentless_data_dir(tmp_path):
    """Italian contacts and the baseline forecast the first start saves, but no agents."""
    with data_dir_with(tmp_path, [("contacts", contacts_csv())]) as store:
        assert ensure_baseline_forecast(store) is not None
        yield store


def test_without_agents_the_schedule_is_the_shift_plan_and_says_why(agentless_data_dir):
    at = open_signed_in("app_pages/schedule_page.py")
    first = HISTORY_END + dt.timedelta(days=1)
    at.session_state["staffing_plan"] = {
        **PLAN,
        "countries": ("IT",),
        "period": (first, first + dt.timedelta(days=6)),
    }
    at.run()
    assert not at.exception, at.exception
    message = " ".join(i.value for i in at.info)
    assert "No agents loaded yet, so the schedule is the shift plan alone" in message
    assert "HR or an admin uploads an **agents** file (CSV or Excel with agent_id" in message
    assert "`.venv/bin/crewcast import agents FILE`" in message
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = {m.label for m in at.metric}
    assert "Shift plan" in shown and "Roster" not in shown
    assert len(at.get("vega_lite_chart")) == 1  # coverage; no roster to draw
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"plan.csv", "coverage.csv", "uncovered.csv"}


def test_the_week_to_schedule_lies_in_the_plans_period(generated):
    start, end = generated.session_state["staffing_plan"]["period"]
    week = generated.date_input(key="schedule_week_start")
    # the period's first week by default; a week starting later still ends within the period
    assert (week.value, week.min, week.max) == (start, start, end - dt.timedelta(days=6))
    assert week.proto.format == "DD/MM/YYYY"  # en_GB's order
    assert any(
        f"Schedule for the week of {FMT.date(start)}" in h.value for h in generated.subheader
    )
    assert any("(14 days), forecast saved run #1." in c.value for c in generated.caption)
    coverage = generated.session_state["schedule_result"]["outputs"].plan.coverage
    scheduled = set(coverage["interval_start"].dt.date)
    assert min(scheduled) == start and max(scheduled) == start + dt.timedelta(days=6)


def test_a_narrower_planning_period_narrows_the_weeks_to_choose(seeded_data_dir):
    at = open_with_plan()
    start, end = at.session_state["staffing_plan"]["period"]
    # the sidebar offers the plan's days only
    sidebar = at.sidebar.date_input(key="filter_period")
    assert (sidebar.min, sidebar.max) == (start, end)
    later = start + dt.timedelta(days=4)
    set_period(at, later, end)
    week = at.date_input(key="schedule_week_start")
    assert (week.value, week.min, week.max) == (later, later, end - dt.timedelta(days=6))
    set_period(at, later, later + dt.timedelta(days=2))  # shorter than a week: its first day
    week = at.date_input(key="schedule_week_start")
    assert (week.value, week.min, week.max) == (later, later, later)


def test_generate_shows_status_coverage_roster_and_tables(generated):
    shown = {m.label: m.value for m in generated.metric}
    assert shown["Shift plan"] in {"optimal", "time limit"}
    assert shown["Roster"] in {"optimal", "time limit"}
    assert shown["Solve time"].endswith("\u00a0s") and shown["MIP gap"].endswith("%")
    assert shown["Shortfall"].endswith("\u00a0staff-h")
    assert int(shown["Shifts filled"].replace(",", "")) > 0
    # every metric explains itself to a newcomer
    assert all(m.help for m in generated.metric), [m.label for m in generated.metric if not m.help]
    # coverage, teams and agents of one team
    assert len(generated.get("vega_lite_chart")) == 3
    unfilled = table_with(generated, "unfilled")
    assert (unfilled["unfilled"] > 0).all()
    overtime = table_with(generated, "projected_overtime_hours")
    assert "projected_overtime_hours" in overtime.columns


def test_every_export_has_a_download_button_that_survives_reruns(generated):
    labels = {b.label for b in generated.get("download_button")}
    expected = EXPECTED_FILES
    assert expected <= labels
    assert any(label.startswith("Download A") and label.endswith(".ics") for label in labels)
    outputs = generated.session_state["schedule_result"]["outputs"]
    team = generated.selectbox(key="schedule_team")
    team.set_value(team.options[-1]).run()  # a rerun shows the stored result, no new solve
    assert not generated.exception
    assert generated.session_state["schedule_result"]["outputs"] is outputs
    assert expected <= {b.label for b in generated.get("download_button")}


def test_unfilled_shifts_are_reported_not_hidden(generated):
    # the whole HU voice volume needs far more agents than the sample's HU team has
    roster = generated.session_state["schedule_result"]["outputs"].roster
    assert roster.unfilled_shifts > 0
    assert any("have no agent" in w.value for w in generated.warning)


def test_a_click_alone_records_nothing_the_file_does(generated):
    """Downloads are built when clicked, and the audit row is written by the request that
    builds the file (services.exports.hand_out, tested there; the browser walks check the rows).
    A click that hands out no file, as here with no browser to fetch it, leaves no row and does
    not rerun the page."""
    before = len(exports_on_record())
    button = generated.download_button(key="schedule_download_roster.xlsx")
    assert button.proto.ignore_rerun
    button.click().run()
    assert not generated.exception, generated.exception
    assert len(exports_on_record()) == before


def test_the_staffing_page_shows_the_schedule_against_the_requirement(generated):
    generated.switch_page("app_pages/staffing_page.py").run()
    assert not generated.exception, generated.exception
    assert not any("No schedule yet" in i.value for i in generated.info)
    # the requirement heatmap and the scheduled - required heatmap
    assert len(generated.get("vega_lite_chart")) == 2
    summary = table_with(generated, "short_hours").iloc[0]
    assert summary["scheduled_hours"] > 0 and summary["short_hours"] > 0
    assert 0 <= summary["service_level"] <= 1
    assert summary["understaffed_intervals"] > 0


def test_a_manager_sees_the_schedule_but_gets_no_exports(seeded_data_dir):
    before = len(exports_on_record())
    at = generate_as("manager")
    assert {m.label for m in at.metric} >= {"Shift plan", "Roster"}
    assert not at.get("download_button")
    assert any("Exports are for planners" in c.value for c in at.caption)
    assert len(exports_on_record()) == before


def test_a_week_without_requirements_says_so_and_offers_nothing_to_publish(seeded_data_dir):
    at = open_with_plan()
    empty = pd.DataFrame(
        {
            "country": pd.Series(dtype=str),
            "channel": pd.Series(dtype=str),
            "interval_start": pd.Series(dtype="datetime64[ns]"),
            "interval_minutes": pd.Series(dtype=int),
            "required_staff": pd.Series(dtype=float),
        }
    )
    outputs = make_schedule_outputs(empty, default_shift_templates())
    assert outputs.plan.status == "empty"
    at.session_state["schedule_result"] = {
        "plan": at.session_state["staffing_plan"],
        "outputs": outputs,
        "week_start": plan_period()[0],
        "zips": {},
        "settings": {},
    }
    at.run()
    assert not at.exception, at.exception
    assert any("no staffing requirement to schedule" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "schedule_publish"]


def _shift_colour_scales(spec: object) -> list[dict]:
    """Every colour encoding of the ``shift`` field in a Vega-Lite spec, wherever it sits."""
    found = []
    if isinstance(spec, dict):
        color = spec.get("encoding", {}).get("color", {})
        if color.get("field") == "shift":
            found.append(color["scale"])
        for value in spec.values():
            found += _shift_colour_scales(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _shift_colour_scales(value)
    return found


def test_a_shift_has_the_same_colour_in_the_team_and_the_agent_chart(seeded_data_dir):
    at = generate_as()  # its own: other tests move the shared one to other pages
    scales = [
        scale
        for chart in at.get("vega_lite_chart")
        for scale in _shift_colour_scales(json.loads(chart.proto.spec))
    ]
    assert len(scales) == 2, "the team chart and the agent chart colour by shift"
    teams, agents = (dict(zip(s["domain"], s["range"], strict=True)) for s in scales)
    assert teams == agents
    assert len(set(teams.values())) == len(teams)  # one colour per shift


def test_shift_colours_follow_the_name_not_the_order_met():
    from app_pages.charts import shift_colour_scale, shift_colours

    every = shift_colours(["Late", "Early", "Night", "Early", None])
    assert list(every) == ["Early", "Late", "Night"]
    assert shift_colours(["Night", "Late", "Early"]) == every
    scale = shift_colour_scale(every, order=["Night", "Early"]).to_dict()
    assert scale["domain"] == ["Night", "Early", "Late"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == every


# --- drafts: an unpublished schedule comes back in a new session ------------------------------


def generate_for(username: str) -> AppTest:
    """A schedule generated for PLAN by ``username`` (a planner with an account)."""
    at = open_as(username, "app_pages/schedule_page.py")
    at.session_state["staffing_plan"] = {**PLAN, "period": plan_period()}
    at.run()
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.usefixtures("drafts_copy")
def test_an_unpublished_schedule_comes_back_until_it_is_published():
    first = generate_for("dora")
    outputs = first.session_state["schedule_result"]["outputs"]
    assert not any("Restored" in i.value for i in first.info)

    again = open_as("dora", "app_pages/schedule_page.py")
    assert any("Restored your unpublished schedule from" in i.value for i in again.info)
    restored = again.session_state["schedule_result"]
    pd.testing.assert_frame_equal(restored["outputs"].plan.coverage, outputs.plan.coverage)
    assert again.session_state["staffing_plan"] == {**PLAN, "period": plan_period()}
    assert {m.label for m in again.metric} >= {"Shift plan", "Roster"}
    assert set(restored["outputs"].files) == set(outputs.files)

    other = open_as("eve", "app_pages/schedule_page.py")
    assert "schedule_result" not in other.session_state

    again.button(key="schedule_publish").click().run()
    assert not again.exception, again.exception
    assert any("Published as schedule #" in s.value for s in again.success)
    later = open_as("dora", "app_pages/schedule_page.py")
    assert "schedule_result" not in later.session_state
    assert not any("Restored your unpublished" in i.value for i in later.info)


@pytest.mark.usefixtures("drafts_copy")
def test_a_discarded_schedule_does_not_come_back():
    generate_for("fay")
    again = open_as("fay", "app_pages/schedule_page.py")
    again.button(key="schedule_draft_discard").click().run()
    assert not again.exception, again.exception
    assert "schedule_result" not in again.session_state
    assert "schedule_result" not in open_as("fay", "app_pages/schedule_page.py").session_state


@pytest.fixture(scope="module")
def hours_copy(seeded_data_dir, tmp_path_factory):
    """A copy of the seeded data with HU voice's opening hours saved under Queue settings."""
    from data.access import Principal
    from data.queue_settings import save_queue_settings

    with data_dir_with(tmp_path_factory.mktemp("hours"), copy_of=seeded_data_dir) as store:
        save_queue_settings(
            store, Principal("ada", "admin", "Ada"), "HU", "voice",
            aht_seconds=None, opening_hours="Mon-Fri 08:00-22:00; Sat-Sun closed",
            profile_source=None,
        )  # fmt: skip
        yield store


@pytest.mark.usefixtures("hours_copy")
def test_the_schedule_keeps_the_queues_saved_opening_hours_and_draws_nothing_while_closed():
    at = open_with_plan()
    assert at.radio(key="schedule_opening_source").value == "As saved under Queue settings"
    said = " ".join(c.value for c in at.caption)
    assert "From **Queue settings** on the Staffing page: HU/voice Mon-Fri 08:00-22:00" in said
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["schedule_result"]
    assert result["settings"]["opening_hours"] == {
        "HU/voice": "Mon-Fri 08:00-22:00; Sat-Sun closed"
    }
    shifts = result["outputs"].plan.shifts
    starts = pd.to_datetime(shifts["shift_start"])
    assert len(shifts) and (starts.dt.day_of_week < 5).all()  # nobody on the closed weekend
    assert (starts.dt.time >= dt.time(8)).all()
    # the coverage chart: points only in open hours (a stretch's close at 22:00 at most)
    coverage = next(
        c for c in at.get("vega_lite_chart") if "strokeDash" in json.dumps(json.loads(c.proto.spec))
    )
    drawn = convert_arrow_bytes_to_pandas_df(coverage.proto.datasets[0].data.data)
    times = pd.to_datetime(drawn["interval_start"])
    assert len(drawn) and (times.dt.day_of_week < 5).all()
    minutes = times.dt.hour * 60 + times.dt.minute
    assert minutes.between(8 * 60, 22 * 60).all()
    assert drawn.groupby("segment")["interval_start"].count().gt(1).all()
    assert drawn["segment"].nunique() == 5  # one line a weekday
    # published, and shown again from the store: the same open hours only
    at.button(key="schedule_publish").click().run()
    assert not at.exception, at.exception
    published_id = at.session_state["schedule_result"]["published_id"]
    at.selectbox(key="schedule_published_show").set_value(published_id).run()
    assert not at.exception, at.exception
    published = [c for c in at.get("vega_lite_chart") if "strokeDash" in c.proto.spec]
    assert len(published) == 2  # the generated schedule's chart and the published one's
    again = convert_arrow_bytes_to_pandas_df(published[0].proto.datasets[0].data.data)
    times = pd.to_datetime(again["interval_start"])
    assert len(again) and (times.dt.day_of_week < 5).all()
    assert (times.dt.hour * 60 + times.dt.minute).between(8 * 60, 22 * 60).all()


def test_a_stopped_generation_keeps_the_schedule_from_before(seeded_data_dir, monkeypatch):
    at = open_with_plan()
    at.button(key="schedule_generate").click().run()
    before = at.session_state["schedule_result"]
    # the Stop button's on_click, then the rerun it starts (which interrupts the solve)
    at.session_state["schedule_generation_stopped"] = True
    monkeypatch.setattr("services.schedules.make_schedule", lambda *a, **k: pytest.fail("solved"))
    at.run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("Stopped: no schedule was generated") for i in at.info)
    assert at.session_state["schedule_result"] is before
    at.run()  # said once
    assert not any(i.value.startswith("Stopped") for i in at.info)


def test_open_hours_no_shift_fits_are_named_and_one_click_covers_them(seeded_data_dir):
    at = open_with_plan()
    at.radio(key="schedule_opening_source").set_value("The same hours every day").run()
    at.slider(key="schedule_opening").set_value((dt.time(8), dt.time(20))).run()
    warned = [w.value for w in at.warning if "No shift template lies inside" in w.value]
    # the default Late and evening shifts end at 22:00: nothing can work 18:30-20:00
    assert warned and "HU/voice Mon-Sun 18:30-20:00" in warned[0]
    at.button(key="schedule_cover_hours").click().run()
    assert not at.exception, at.exception
    assert not any("No shift template lies inside" in w.value for w in at.warning)
    names = at.session_state["schedule_templates_base"]["name"].tolist()
    assert names[-1] == "Cover Mon-Sun 16:00" and "Early" in names  # added, the rest kept
    at.button(key="schedule_generate").click().run()
    assert not at.exception, at.exception
    shifts = at.session_state["schedule_result"]["outputs"].plan.shifts
    evening = shifts[pd.to_datetime(shifts["shift_end"]).dt.time == dt.time(20)]
    assert len(evening) and set(evening["shift"]) == {"Cover Mon-Sun 16:00"}
