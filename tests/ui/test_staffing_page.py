"""AppTest of the Staffing page on the seeded sample: one queue; the saved baseline forecast
plans the default period in about a second, fits plan one week to stay quick. Also what the page
says on databases without contacts or a saved forecast, in another locale, and on the real
Italian daily calls (no handle time, history ending in 2016) once AHT and hours are set."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from data.access import Principal
from data.store import open_store
from formats import Formats
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with
from tests.ui.test_overview_uploaded import contacts_csv

TIMEOUT = 300  # seconds; fitting the forecast models on 2 busy cores can take a minute

#: What the tests plan: one country, one channel.
PLAN = {"staffing_countries": ["HU"], "staffing_channels": ["voice"]}
SAVED_LABEL, FIT_LABEL = "Newest saved forecast", "Fit a new forecast now"
#: The app's words without CREWCAST_LOCALE or a browser language (AppTest sends none).
FMT = Formats("en_GB")


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


def chart_data(at: AppTest, index: int = 0) -> pd.DataFrame:
    """The rows behind the ``index``-th chart on the page (the requirement heatmap first)."""
    chart = at.get("vega_lite_chart")[index].proto
    return convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)


def planned_days(at: AppTest) -> list[dt.date]:
    """The days the requirement heatmap shows, one row per day."""
    return sorted(pd.to_datetime(chart_data(at)["day"]).dt.date.unique())


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date() for d in pd.date_range(start, end, freq="D")]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.fixture
def contactless_data_dir(tmp_path):
    """A database without contacts (nor agents, nor forecasts): one traffic file."""
    with data_dir_with(tmp_path, [("traffic", b"country,date,sessions\nAR,2026-01-01,5\n")]) as s:
        yield s


def open_signed_in(page: str, role: str = "planner") -> AppTest:
    """``page`` for a signed-in user (no demo visitor outside the sample)."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["principal"] = Principal("pia", role, "Pia")
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def history_end(seeded_data_dir) -> dt.date:
    """The last day of the seeded contacts: plans start the day after."""
    return open_store().daily_contacts()["date"].max().date()


@pytest.fixture
def no_fitting(monkeypatch):
    """Fail the test if a forecast model is fitted."""

    def refuse(*args, **kwargs):
        raise AssertionError("a forecast was fitted")

    monkeypatch.setattr("services.planning.forecast_frames", refuse)


@pytest.fixture
def fits(monkeypatch) -> list[int]:
    """The horizons of the forecasts fitted during the test (the fits still run)."""
    from services import planning as planning_service

    horizons: list[int] = []
    real = planning_service.forecast_frames

    def spy(contacts, horizon_days, **kwargs):
        horizons.append(horizon_days)
        return real(contacts, horizon_days, **kwargs)

    monkeypatch.setattr(planning_service, "forecast_frames", spy)
    return horizons


def plan_with(at: AppTest, forecast: str | None = None) -> AppTest:
    """Fill the form with PLAN (and the forecast choice) and press Plan staffing."""
    at.multiselect(key="staffing_countries").set_value(PLAN["staffing_countries"])
    at.multiselect(key="staffing_channels").set_value(PLAN["staffing_channels"])
    if forecast is not None:
        at.radio(key="staffing_forecast_source").set_value(forecast)
    at.button(key="staffing_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def set_period(at: AppTest, start: dt.date, end: dt.date) -> AppTest:
    """Choose the shared planning period in the sidebar."""
    at.sidebar.date_input(key="filter_period").set_value((start, end)).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def planned(seeded_data_dir):
    """HU voice planned with the defaults: the saved baseline over the default period."""
    return plan_with(open_page("app_pages/staffing_page.py"))


def test_nothing_is_forecast_before_the_planner_asks(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    assert at.title[0].value == "Staffing"
    assert "press **Plan staffing**" in at.info[0].value
    assert not at.metric and not at.get("vega_lite_chart")
    # no stray text: Streamlit's magic writes any bare string of the page script
    assert [m.value for m in at.markdown] == ["**Targets**"]
    # every target explains itself to a newcomer
    assert "not available" in at.slider(key="staffing_shrinkage").help
    assert "handling contacts" in at.slider(key="staffing_occupancy").help


def test_without_contacts_the_page_says_what_to_upload_and_where(contactless_data_dir):
    at = open_signed_in("app_pages/staffing_page.py")
    assert [t.value for t in at.title] == ["Staffing"]
    (message,) = [i.value for i in at.info]
    assert "No contacts yet" in message
    assert "Upload a **contacts** file (CSV or Excel with country, date or interval_start" in (
        message
    )
    assert "*Upload a file* on the Data page" in message
    assert "`.venv/bin/crewcast import contacts FILE`" in message
    assert at.get("page_link")[0].proto.page == "data"
    assert not at.error and not at.metric and not at.get("form")


def test_without_a_saved_forecast_the_form_says_one_is_fitted(tmp_path, no_fitting):
    with data_dir_with(tmp_path, [("contacts", contacts_csv())]):
        at = open_signed_in("app_pages/staffing_page.py")
        assert at.radio(key="staffing_forecast_source").value == FIT_LABEL
        text = captions(at)
        assert "No forecast is saved for these queues yet: one is fitted when you plan." in text
        assert "Save one on the Forecast page" in text
        assert not at.error and not at.metric  # nothing is fitted before Plan staffing


def test_abandonment_without_patience_explains_itself(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    at.number_input(key="staffing_max_abandon").set_value(5.0)  # percent
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
    assert shown["Staff-hours to schedule"][0] == FMT.with_unit(row["staff_hours"], "staff-h")
    assert shown["Peak staff in one interval"][0] == FMT.number(row["peak_staff"])
    assert shown["Contacts planned"][0] == FMT.number(row["contacts"])
    weeks = 56 / 7  # the default period
    assert shown["Staff needed a week (FTE)"][0] == FMT.fte(row["staff_hours"] / weeks / 40)
    assert len(planned.get("vega_lite_chart")) == 1  # the day x interval heatmap
    assert planned.get("download_button")[0].label == "Download requirements (CSV)"
    assert planned.session_state["staffing_plan"]["countries"] == ("HU",)


def test_the_overview_and_a_warm_rerun_read_nothing_again(seeded_data_dir, monkeypatch):
    """The Overview and the Staffing page share one read of the recent contacts, and a rerun
    of a plan shown works out neither its forecast source nor its plan again."""
    import streamlit as st

    import app_pages.overview_data as overview_data
    import app_pages.planning_cache as planning_cache

    calls = {"history": 0, "source": 0, "plan": 0}

    def counted(name, real):
        def spy(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return spy

    from services import planning as planning_service

    history = counted("history", overview_data.overview_history)
    monkeypatch.setattr(overview_data, "overview_history", history)
    monkeypatch.setattr(planning_service, "overview_history", history)  # plan_history's read
    monkeypatch.setattr(
        planning_cache, "forecast_source", counted("source", planning_cache.forecast_source)
    )
    monkeypatch.setattr(
        planning_cache.service,
        "plan_staffing",
        counted("plan", planning_cache.service.plan_staffing),
    )
    st.cache_data.clear()
    at = plan_with(open_page("app_pages/staffing_page.py"))  # the Overview shows first
    assert calls["history"] == 1
    assert calls["plan"] == 1  # the what-if at its defaults is the same request
    at.run()  # the form now starts from the plan: its note asks about those queues once
    assert not at.exception, at.exception
    assert (calls["history"], calls["plan"]) == (1, 1)
    first = dict(calls)
    at.run()
    assert not at.exception, at.exception
    assert calls == first
    assert table_with(at, "peak_staff")[["country", "channel"]].values.tolist() == [["HU", "voice"]]


def test_without_a_schedule_the_page_points_to_the_schedule_page(planned):
    assert any("No schedule yet" in i.value for i in planned.info)
    link = planned.get("page_link")
    assert len(link) == 1 and "Schedule" in link[0].value
    assert link[0].proto.page == "schedule"


def test_the_sample_starts_with_one_voice_queue_at_full_volume(seeded_data_dir):
    at = open_page("app_pages/staffing_page.py")
    assert at.multiselect(key="staffing_countries").value == ["AR"]
    assert at.multiselect(key="staffing_channels").value == ["voice"]
    assert at.slider(key="staffing_volume_share").value == 1.0
    assert any("one country's voice queue" in c.value for c in at.caption)
    # the saved baseline covers the default period, so the plan reuses it
    assert at.radio(key="staffing_forecast_source").value == SAVED_LABEL


def test_the_default_plan_reuses_the_saved_baseline_for_the_period(
    seeded_data_dir, history_end, no_fitting
):
    at = open_page("app_pages/staffing_page.py")
    start, end = at.sidebar.date_input(key="filter_period").value
    assert start == history_end + dt.timedelta(days=1)  # the day after the history
    assert (end - start).days + 1 == 56  # the shared period's default: eight weeks
    plan_with(at)
    plan = at.session_state["staffing_plan"]
    assert plan["period"] == (start, end) and plan["forecast"] == "saved"
    assert "horizon_days" not in plan
    assert "run #1 “Baseline at first start" in captions(at)
    assert f"history to {FMT.date(history_end)}" in captions(at)
    assert f"{FMT.date(start)} to {FMT.date(end)} (56 days)" in captions(at)
    assert planned_days(at) == days(start, end)


def test_the_requirements_cover_exactly_the_chosen_period(seeded_data_dir, history_end, no_fitting):
    at = open_page("app_pages/staffing_page.py")
    start = history_end + dt.timedelta(days=10)
    end = start + dt.timedelta(days=20)
    set_period(at, start, end)
    assert "(21 days)" in captions(at)  # the form says which days it plans
    plan_with(at)
    assert at.session_state["staffing_plan"]["period"] == (start, end)
    assert planned_days(at) == days(start, end)
    # a later change of the period leaves the plan alone and says how to follow it
    set_period(at, start, end + dt.timedelta(days=7))
    assert any("press **Plan staffing** to plan it" in i.value for i in at.info)
    assert planned_days(at) == days(start, end)


def test_fit_a_new_forecast_now_still_fits(seeded_data_dir, history_end, fits):
    at = open_page("app_pages/staffing_page.py")
    start = history_end + dt.timedelta(days=1)
    set_period(at, start, start + dt.timedelta(days=6))
    plan_with(at, FIT_LABEL)
    assert fits == [7]  # the period's last day, counted from the end of the history
    assert at.session_state["staffing_plan"]["forecast"] == "fit"
    assert "Forecast: fitted now on the contacts to" in captions(at)
    assert "run #1" not in captions(at)
    assert planned_days(at) == days(start, start + dt.timedelta(days=6))
    at.run()  # a rerun reuses the fit held in the session
    assert fits == [7]


def test_a_period_beyond_the_saved_forecast_falls_back_to_a_fit(
    seeded_data_dir, history_end, fits, monkeypatch
):
    # As if the newest saved forecast were a week shorter than the longest plan
    monkeypatch.setattr("app_pages.planning_cache.MAX_PERIOD_DAYS", 77)
    at = open_page("app_pages/staffing_page.py")
    start, end = history_end + dt.timedelta(days=68), history_end + dt.timedelta(days=74)
    set_period(at, start, end)
    plan_with(at, SAVED_LABEL)
    last_saved = history_end + dt.timedelta(days=70)
    message = " ".join(i.value for i in at.info)
    assert "The newest saved forecast does not cover this plan" in message
    assert (
        f"HU/voice lacks 4 of the 7 days ({FMT.date(last_saved + dt.timedelta(days=1))} to "
        f"{FMT.date(end)})" in message
    )
    assert fits == [74]
    assert "Forecast: fitted now" in captions(at)
    assert planned_days(at) == days(start, end)


def what_if_metric(at: AppTest):
    (metric,) = [m for m in at.metric if m.label == "Staff-hours against the baseline"]
    return metric


def test_what_if_moves_the_staff_hours_difference(planned):
    assert what_if_metric(planned).delta == "0\u00a0staff-h"
    planned.number_input(key="staffing_whatif_aht").set_value(20.0).run()
    assert not planned.exception
    longer = table_with(planned, "difference_hours").iloc[-1]
    assert longer["country"] == "All" and longer["difference_hours"] > 0
    assert what_if_metric(planned).delta == (
        f"{FMT.signed(longer['difference_hours'])}\u00a0staff-h"
    )
    assert what_if_metric(planned).delta.startswith("+")
    planned.slider(key="staffing_whatif_shrinkage").set_value(0.4).run()
    more_shrinkage = table_with(planned, "difference_hours").iloc[-1]
    assert more_shrinkage["difference_hours"] > longer["difference_hours"]
    planned.number_input(key="staffing_whatif_aht").set_value(0.0)
    planned.slider(key="staffing_whatif_shrinkage").set_value(0.3)
    planned.slider(key="staffing_whatif_service_level").set_value(0.6).run()
    looser = table_with(planned, "difference_hours").iloc[-1]
    assert looser["difference_hours"] < 0
    # fewer hours: a true minus sign, and the arrow and colour say "down, good"
    metric = what_if_metric(planned)
    assert metric.delta.startswith("−")
    assert (metric.proto.direction, metric.proto.color) == (
        MetricProto.MetricDirection.DOWN,
        MetricProto.MetricColor.GREEN,
    )
    # the difference is shown as a share, like the other tables' shares
    share = table_with(planned, "difference_share").iloc[-1]["difference_share"]
    assert share == pytest.approx(looser["difference_hours"] / looser["baseline_hours"])


def test_the_metrics_follow_the_locale(seeded_data_dir, monkeypatch):
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    at = plan_with(open_page("app_pages/staffing_page.py"))
    shown = metrics(at)
    hours = table_with(at, "staff_hours").iloc[0]["staff_hours"]
    german = Formats("de_DE")
    # German grouping (1.234) and decimal comma (12,5), the unit after a no-break space
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+\u00a0staff-h", shown["Staff-hours to schedule"][0])
    assert shown["Staff-hours to schedule"][0] == german.with_unit(hours, "staff-h")
    assert re.fullmatch(r"\d+,\d\u00a0FTE", shown["Staff needed a week (FTE)"][0])
    start, end = at.session_state["staffing_plan"]["period"]
    assert f"{german.date(start)} to {german.date(end)}" in captions(at)


# --- real daily data: the Italian calls, ending in 2016, without handle times ------------------

ITALY_WEEK = (dt.date(2016, 3, 1), dt.date(2016, 3, 7))  # the week after the history


@pytest.fixture
def italian_data_dir(tmp_path):
    """A database holding only the real Italian daily calls (no sample, no saved forecast)."""
    from tests.real_data import ITALIAN_OPTIONS, italian_calls

    path = italian_calls()
    with data_dir_with(tmp_path) as store:
        report, result = store.import_file("contacts", path, options=ITALIAN_OPTIONS)
        assert result is not None, report.lines()
        yield store


def settings_row(at: AppTest) -> pd.Series:
    table = table_with(at, "aht_source")
    (row,) = [r for _, r in table.iterrows() if (r["country"], r["channel"]) == ("IT", "voice")]
    return row


def test_daily_data_without_a_handle_time_asks_for_one_where_it_is_set(
    italian_data_dir, no_fitting
):
    at = open_signed_in("app_pages/staffing_page.py")
    assert settings_row(at)["aht_source"] == "missing"
    assert at.expander[0].proto.expanded  # open while a queue lacks its handle time
    set_period(at, *ITALY_WEEK)
    at.button(key="staffing_submit").click().run()
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    assert (
        "no handle time for IT/voice" in error and "Queue settings** on the Staffing page" in error
    )
    assert not at.metric  # and nothing was fitted (no_fitting)


@pytest.mark.slow
def test_setting_aht_and_opening_hours_plans_the_italian_calls(italian_data_dir):
    at = open_signed_in("app_pages/staffing_page.py")
    at.number_input(key="staffing_settings_aht_IT_voice").set_value(240.0)
    at.text_input(key="staffing_settings_open_IT_voice").set_value(
        "Mon-Sat 08:00-20:00; Sun closed"
    )
    at.radio(key="staffing_settings_pattern_IT_voice").set_value("builtin")
    at.button(key="staffing_settings_save_IT_voice").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    row = settings_row(at)
    assert (row["aht_seconds"], row["aht_source"]) == (240.0, "setting")
    assert row["opening_hours"] == "Mon-Sat 08:00-20:00; Sun closed"
    assert row["pattern"] == "builtin" and row["updated_by"] == "pia"
    # the period starts the day after the history, in 2016
    start, _ = at.sidebar.date_input(key="filter_period").value
    assert start == ITALY_WEEK[0]
    set_period(at, *ITALY_WEEK)
    at.button(key="staffing_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    summary = table_with(at, "peak_staff").iloc[0]
    assert (summary["country"], summary["channel"]) == ("IT", "voice")
    assert 60 <= summary["peak_staff"] <= 150 and summary["service_level"] >= 0.8
    heatmap = chart_data(at)
    starts = pd.to_datetime(heatmap["interval_start"])
    assert starts.dt.hour.min() == 8 and starts.dt.hour.max() == 19  # opening hours only
    open_days = [*days(ITALY_WEEK[0], dt.date(2016, 3, 5)), dt.date(2016, 3, 7)]
    assert sorted(starts.dt.date.unique()) == open_days  # Sunday 6 March closed
    notes = " ".join(i.value for i in at.info)
    assert "forecast contacts fall on days the queue is closed" in notes
    shown = metrics(at)
    assert shown["Peak staff in one interval"][0] == FMT.number(summary["peak_staff"])


def test_a_manager_sees_the_queue_settings_but_cannot_change_them(italian_data_dir):
    at = open_signed_in("app_pages/staffing_page.py", role="manager")
    assert settings_row(at)["aht_source"] == "missing"
    assert "Planners and admins change these settings." in captions(at)
    assert not [w for w in at.number_input if w.key and w.key.startswith("staffing_settings_")]


# --- drafts: the plan comes back in a new session (a reload, a new sign-in) ------------------


@pytest.fixture(scope="module")
def drafts_copy(seeded_data_dir, tmp_path_factory):
    """A copy of the seeded data directory: the drafts tests' users keep drafts in it."""
    with data_dir_with(tmp_path_factory.mktemp("drafts"), copy_of=seeded_data_dir) as store:
        yield store


def open_as(username: str, page: str, role: str = "planner") -> AppTest:
    """``page`` in a new session of ``username`` (as after a reload or a new sign-in)."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["principal"] = Principal(username, role, username.title())
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_plan_comes_back_in_a_new_session_for_its_owner_only(drafts_copy):
    first = plan_with(open_as("dora", "app_pages/staffing_page.py"))
    plan = first.session_state["staffing_plan"]
    assert plan["countries"] == ("HU",)

    again = open_as("dora", "app_pages/staffing_page.py")
    assert again.session_state["staffing_plan"] == plan
    assert any("Restored your plan from" in i.value for i in again.info)
    assert len(again.get("vega_lite_chart")) >= 1  # planned again, no button pressed
    assert again.multiselect(key="staffing_countries").value == ["HU"]

    other = open_as("eve", "app_pages/staffing_page.py")
    assert "staffing_plan" not in other.session_state
    assert not any("Restored your plan" in i.value for i in other.info)
    # the same tab signed in as someone else: dora's plan goes with her
    first.session_state["principal"] = Principal("eve", "planner", "Eve")
    first.run()
    assert not first.exception, first.exception
    assert "staffing_plan" not in first.session_state

    again.button(key="staffing_draft_discard").click().run()
    assert not again.exception, again.exception
    assert "staffing_plan" not in again.session_state
    later = open_as("dora", "app_pages/staffing_page.py")
    assert "staffing_plan" not in later.session_state


def test_a_stopped_fit_cancels_its_queued_jobs_and_keeps_nothing(seeded_data_dir, monkeypatch):
    """Stop reruns the script, which Streamlit interrupts at the fit's next progress update:
    simulated here by a fit that raises there, with jobs still queued in the pool."""
    gate = threading.Event()
    jobs: list = []

    def interrupted(source, inputs, *, progress, executor, scheduler):
        jobs.extend(executor.submit(gate.wait, 30) for _ in range(6))
        progress(0, len(jobs), "starting")
        raise ValueError("interrupted")  # where Streamlit raises its rerun exception

    monkeypatch.setattr("services.planning.fit_daily", interrupted)
    at = open_page("app_pages/staffing_page.py")
    at.multiselect(key="staffing_countries").set_value(PLAN["staffing_countries"])
    at.multiselect(key="staffing_channels").set_value(PLAN["staffing_channels"])
    at.radio(key="staffing_forecast_source").set_value(FIT_LABEL)
    at.button(key="staffing_submit").click().run()
    try:
        assert not at.exception, at.exception
        assert sum(job.cancelled() for job in jobs) == 4  # two ran, the queued were cancelled
        held = at.session_state["session_memo"].held
        assert not held.get("planning_forecasts")  # nothing half-done kept
    finally:
        gate.set()

    # as the Stop button's on_click leaves it: the plan is not fitted again until planned again
    at.session_state["planning_fit_stopped"] = at.session_state["staffing_plan"]
    monkeypatch.setattr("services.planning.fit_daily", lambda *a, **k: pytest.fail("fitted"))
    at.run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("Stopped: the forecast was not fitted") for i in at.info)
