"""AppTest of the Forecast page on the seeded sample (one short series to stay quick).

The seeded database is shared by the UI tests, so saved runs from other tests may exist;
assertions about saved runs look for this test's own runs by name. The first start's baseline
run is always there, so the Saved runs section always has a run to show.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.access import Principal
from data.forecast_runs import list_runs, load_run
from data.store import open_store
from forecasting.wording import word
from formats import Formats
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with

MANAGER = Principal("check", "manager")
ETS, NAIVE = "Exponential smoothing", "Weekly seasonal naive"
PAGE = "app_pages/forecast_page.py"
SECTIONS = ["Run a forecast", "Saved runs", "Compare runs"]
# widgets only each section draws (the compare widgets need two saved runs, else an info shows)
RUN_KEYS = {"forecast_countries", "forecast_horizon", "forecast_model"}
SAVED_KEYS = {"forecast_saved_run", "forecast_saved_series"}
COMPARE_KEYS = {"forecast_compare_a", "forecast_compare_b", "forecast_compare_series"}
TWO_RUNS_NEEDED = "Comparing needs two saved runs"


def open_page(role: str, **state) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.session_state["demo_role"] = role
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def section(at: AppTest):
    return at.segmented_control(key="forecast_section")


def open_section(at: AppTest, name: str) -> None:
    section(at).set_value(name).run()
    assert not at.exception, at.exception
    assert section(at).value == name


def widget_keys(at: AppTest) -> set[str]:
    widgets = [*at.multiselect, *at.slider, *at.selectbox, *at.text_input, *at.date_input]
    return {w.key for w in widgets if w.key}


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def says(at: AppTest, words: str) -> bool:
    """Some info box on the page has ``words``."""
    return any(words in text for text in infos(at))


def assert_only(at: AppTest, name: str) -> None:
    """Only ``name``'s content is drawn: the other sections' code did not run."""
    keys = widget_keys(at)
    if name == "Run a forecast":
        assert keys >= RUN_KEYS
    else:
        assert not keys & RUN_KEYS and "Run forecast" not in labels(at)
    if name == "Saved runs":
        assert keys >= SAVED_KEYS
    else:
        assert not keys & SAVED_KEYS and not at.json
    if name == "Compare runs":
        assert keys >= COMPARE_KEYS or says(at, TWO_RUNS_NEEDED)
    else:
        assert not keys & COMPARE_KEYS and not says(at, TWO_RUNS_NEEDED)
        assert "Difference per week" not in [s.value for s in at.subheader]


def test_manager_sees_saved_runs_only(seeded_data_dir):
    saved_before = len(list_runs(open_store(), MANAGER))
    at = open_page("manager")
    assert "Run forecast" not in labels(at)
    assert "Save this run" not in labels(at)
    assert section(at).options == SECTIONS[1:]
    assert section(at).value == "Saved runs"  # a viewer who may not run opens on the saved runs
    assert_only(at, "Saved runs")
    open_section(at, "Compare runs")
    assert_only(at, "Compare runs")
    if saved_before < 2:
        assert says(at, TWO_RUNS_NEEDED)


def test_a_manager_never_gets_the_run_section(seeded_data_dir):
    # e.g. kept from a planner's visit before the role was switched to manager
    at = open_page("manager", forecast_section_kept="Run a forecast")
    assert section(at).value == "Saved runs"
    assert_only(at, "Saved runs")


def test_only_the_open_section_runs_and_the_choice_survives_a_page_switch(seeded_data_dir):
    at = open_page("planner")
    assert section(at).options == SECTIONS
    assert section(at).value == "Run a forecast"
    assert_only(at, "Run a forecast")
    for name in ("Saved runs", "Compare runs"):
        open_section(at, name)
        assert_only(at, name)

    at.switch_page("app_pages/data_page.py").run()
    assert not at.exception, at.exception
    assert not [s for s in at.segmented_control if s.key == "forecast_section"]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert section(at).value == "Compare runs"
    assert_only(at, "Compare runs")
    at.run()  # and on a plain rerun
    assert section(at).value == "Compare runs"


def test_planner_runs_saves_reloads_and_compares(seeded_data_dir):
    at = open_page("planner")
    assert section(at).value == "Run a forecast"
    assert "run the forecast" in at.info[0].value
    at.multiselect(key="forecast_countries").set_value(["HU"])
    at.multiselect(key="forecast_channels").set_value(["voice"])
    at.slider(key="forecast_horizon").set_value(14)
    at.selectbox(key="forecast_model").set_value("ets")
    at.button(key="FormSubmitter:forecast_form-Run forecast").click().run()
    assert not at.exception, at.exception
    subheaders = [s.value for s in at.subheader]
    assert subheaders[:2] == ["What drives the next weeks", "Back-test"]
    assert len(at.get("vega_lite_chart")) >= 1
    backtest = at.dataframe[0].value
    # a fixed model vs the naive only, named in words (the downloads keep the ids)
    assert set(backtest["model"]) == {ETS, NAIVE}
    assert backtest["wape"].between(0, 1).all()
    drivers = "\n".join(m.value for m in at.markdown)
    assert "HU/voice" in drivers or "No holidays" in drivers
    # Overriding the pick switches the chart without refitting.
    at.selectbox(key="forecast_model_HU/voice").set_value("seasonal_naive").run()
    assert not at.exception
    assert len(at.get("download_button")) == 2
    assert_only(at, "Run a forecast")

    # Another section and back: the form, the override and the run are as they were (as in tabs).
    open_section(at, "Saved runs")
    open_section(at, "Run a forecast")
    assert at.slider(key="forecast_horizon").value == 14
    assert at.multiselect(key="forecast_countries").value == ["HU"]
    assert at.selectbox(key="forecast_model").value == "ets"
    assert at.selectbox(key="forecast_model_HU/voice").value == "seasonal_naive"
    assert [s.value for s in at.subheader][:2] == ["What drives the next weeks", "Back-test"]

    # Save under the default name, then under a name of our own after a second, shorter run.
    default_name = at.text_input(key="forecast_save_name").value
    assert default_name.startswith("HU voice, 14 days, ")
    at.text_input(key="forecast_save_name").set_value("apptest 14 days")
    at.button(key="FormSubmitter:forecast_save_form-Save this run").click().run()
    assert not at.exception, at.exception
    assert any("apptest 14 days" in s.value for s in at.success)
    at.slider(key="forecast_horizon").set_value(7)
    at.selectbox(key="forecast_model").set_value("seasonal_naive")
    at.button(key="FormSubmitter:forecast_form-Run forecast").click().run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["model"]) == {NAIVE}  # the naive is the benchmark
    assert at.selectbox(key="forecast_model_HU/voice").options == [NAIVE]
    assert at.text_input(key="forecast_save_name").value.startswith("HU voice, 7 days, ")
    at.text_input(key="forecast_save_name").set_value("apptest 7 days")
    at.button(key="FormSubmitter:forecast_save_form-Save this run").click().run()
    assert not at.exception, at.exception

    # After another page, the run is still on screen with a fresh default name to save it under.
    at.switch_page("app_pages/data_page.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert section(at).value == "Run a forecast"
    assert at.text_input(key="forecast_save_name").value.startswith("HU voice, 7 days, ")

    runs = list_runs(open_store(), MANAGER)
    ids = dict(zip(runs["name"], runs["id"], strict=False))
    first, second = int(ids["apptest 14 days"]), int(ids["apptest 7 days"])
    assert runs.loc[runs["id"] == second, "created_by"].item() == "demo"

    # Reload the first run: same chart, back-test and downloads as a live run, plus settings.
    open_section(at, "Saved runs")
    at.selectbox(key="forecast_saved_run").set_value(first).run()
    assert not at.exception, at.exception
    assert any("Saved by demo on" in c.value and "14 days" in c.value for c in at.caption)
    assert at.selectbox(key="forecast_saved_series").value == "HU/voice"
    assert at.selectbox(key=f"forecast_saved_model_{first}_HU/voice").value in {
        "ets",
        "seasonal_naive",
        "regression",
        "prophet",
        "ensemble",
    }
    saved_backtest = [d.value for d in at.dataframe if "folds" in getattr(d.value, "columns", [])]
    assert len(saved_backtest) == 1  # the saved run's only: the live run is not drawn
    assert set(saved_backtest[0]["model"]) == {ETS, NAIVE}
    assert len(at.get("download_button")) == 2
    assert any('"horizon_days": 14' in j.proto.body for j in at.json)
    assert_only(at, "Saved runs")
    # a model chosen for one saved run stays with it: the baseline opens on its own pick
    at.selectbox(key=f"forecast_saved_model_{first}_HU/voice").set_value("seasonal_naive").run()
    baseline = int(open_baseline(at).selectbox(key="forecast_saved_run").value)
    picks = load_run(open_store(), MANAGER, baseline).picks.set_index(["country", "channel"])
    shown = at.selectbox(key=f"forecast_saved_model_{baseline}_HU/voice").value
    assert shown == picks.loc[("HU", "voice"), "model"] != "seasonal_naive"

    # Compare the two: a chart of both, weekly differences, and each run's back-test WAPE.
    open_section(at, "Compare runs")
    assert_only(at, "Compare runs")
    at.selectbox(key="forecast_compare_a").set_value(first)
    at.selectbox(key="forecast_compare_b").set_value(second).run()
    assert not at.exception, at.exception
    assert "Difference per week" in [s.value for s in at.subheader]
    weekly = next(d.value for d in at.dataframe if "week_start" in d.value.columns)
    assert weekly["days"].sum() == 7  # the second run forecasts 7 of the first run's 14 days
    wapes = next(d.value for d in at.dataframe if "wape_a" in d.value.columns)
    assert wapes[["wape_a", "wape_b"]].notna().all().all()
    assert not at.get("download_button")


def test_auto_shows_the_combination_its_members_and_where_holiday_effects_come_from(
    seeded_data_dir,
):
    at = open_page("planner")
    at.multiselect(key="forecast_countries").set_value(["HU"])
    at.multiselect(key="forecast_channels").set_value(["voice"])
    at.slider(key="forecast_horizon").set_value(42)  # over Christmas
    at.selectbox(key="forecast_model").set_value("auto")
    at.button(key="FormSubmitter:forecast_form-Run forecast").click().run()
    assert not at.exception, at.exception
    backtest = at.dataframe[0].value
    combination = "Combination of the best models, at most five (back-test weighted)"
    assert combination in set(backtest["model"]) and NAIVE in set(backtest["model"])
    members = backtest.loc[backtest["weight"].notna()]
    assert len(members) >= 2 and members["weight"].sum() == pytest.approx(1.0)
    assert NAIVE not in set(members["model"])  # the benchmark is never a member
    assert at.selectbox(key="forecast_model_HU/voice").value == "combination"
    text = "\n".join(m.value for m in at.markdown)
    assert "back-test-weighted combination of" in text  # the pick names its members
    assert re.search(r"Christmas Day \(25 Dec\).*learnt from \d+ past occurrence", text)


def test_manager_views_a_saved_run(seeded_data_dir):
    if list_runs(open_store(), MANAGER).empty:
        return  # nothing saved in this session (the planner test was deselected)
    at = open_page("manager")
    assert "Run forecast" not in labels(at)
    assert section(at).value == "Saved runs"
    assert at.selectbox(key="forecast_saved_run").value is not None
    assert len(at.get("vega_lite_chart")) >= 1
    assert len(at.get("download_button")) == 2


def test_the_baseline_summary_is_cached_on_what_it_reads_without_a_hashing_fallback(
    seeded_data_dir,
):
    """The every-series table's cache was keyed on the picks with their reasons (dicts):
    Streamlit could not hash them, warned and pickled the frame on every run."""
    failed: list[str] = []
    catcher = logging.Handler()
    catcher.emit = lambda record: failed.append(record.getMessage())
    hashing = logging.getLogger("streamlit.runtime.caching.hashing")
    hashing.addHandler(catcher)
    try:
        at = open_baseline(open_page("manager"))
        at.run()
    finally:
        hashing.removeHandler(catcher)
    assert not at.exception, at.exception
    assert "Every series" in [s.value for s in at.subheader]
    assert not [m for m in failed if "hashing method failed" in m], failed


# --- the planning period, the locale and the empty states ------------------------------------


def open_baseline(at: AppTest) -> AppTest:
    """Show the first start's baseline run (70 days of every series) under Saved runs."""
    runs = list_runs(open_store(), MANAGER)
    baseline = runs.loc[runs["name"].str.startswith("Baseline at first start"), "id"]
    at.selectbox(key="forecast_saved_run").set_value(int(baseline.iloc[0])).run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, starts: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(starts))


def shown_forecast(at: AppTest) -> pd.Series:
    """The shown series' picked forecast over the sidebar's planning period, from the store."""
    run = load_run(open_store(), MANAGER, int(at.selectbox(key="forecast_saved_run").value))
    country, channel = at.selectbox(key="forecast_saved_series").value.split("/", 1)
    daily = run.daily[(run.daily["country"] == country) & (run.daily["channel"] == channel)]
    first, last = at.sidebar.date_input(key="filter_period").value
    return daily.loc[daily["date"].dt.date.between(first, last), "forecast"]


def test_the_overview_period_shows_on_the_saved_run(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.session_state["demo_role"] = "manager"
    at.run()
    start = at.sidebar.date_input(key="filter_period").value[0]
    two_weeks = (start, start + dt.timedelta(days=13))
    at.sidebar.date_input(key="filter_period").set_value(two_weeks).run()  # on the Overview
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    open_baseline(at)
    assert at.sidebar.date_input(key="filter_period").value == two_weeks
    expected = shown_forecast(at)
    assert len(expected) == 14
    assert metric(at, "Contacts in the 14 days") == Formats("en_GB").number(expected.sum())
    # the chart keeps the history and the whole forecast, and boxes the period in
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "Planning period" in spec
    assert any("Planning period" in c.value for c in at.caption)
    # a period chosen here is the one the Overview shows next
    week = (start, start + dt.timedelta(days=6))
    at.sidebar.date_input(key="filter_period").set_value(week).run()
    assert metric(at, "Contacts in the 7 days") == Formats("en_GB").number(shown_forecast(at).sum())
    at.switch_page("app_pages/overview_page.py").run()
    assert at.sidebar.date_input(key="filter_period").value == week


def test_numbers_and_dates_follow_the_configured_locale(seeded_data_dir, monkeypatch):
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    at = open_baseline(open_page("manager"))
    german = Formats("de_DE")
    expected = shown_forecast(at)
    total, average = metric(at, "Contacts in the"), metric(at, "Contacts a day on average")
    # German grouping (12.345) and decimal comma (123,4)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+", total), total
    assert total == german.number(expected.sum())
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d", average), average
    assert average == german.number(expected.mean(), 1)
    run = load_run(open_store(), MANAGER, int(at.selectbox(key="forecast_saved_run").value))
    saved = next(c.value for c in at.caption if c.value.startswith("Saved by"))
    assert german.date(run.info.history_end) in saved
    assert "70 days" in saved
    # the run's drivers in German numbers and dates too (+22 %, 25. Dez.), not as saved in English
    country, channel = at.selectbox(key="forecast_saved_series").value.split("/", 1)
    drivers = [
        word(d, german)
        for d in run.info.drivers
        if (d["country"], d["channel"]) == (country, channel)
    ]
    shown = "\n".join(m.value for m in at.markdown)
    assert all(f"- {text}" in shown for text in drivers)
    assert not any(re.search(r"\d%", text) for text in drivers), drivers


@pytest.fixture
def empty_data_dir(tmp_path):
    """A database without contacts or saved runs: one traffic file, imported as from the command
    line, so that the app does not seed the sample into it."""
    with data_dir_with(
        tmp_path, [("traffic", b"country,date,sessions\nAR,2026-01-01,5\n")]
    ) as store:
        yield store


def open_signed_in(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.session_state["principal"] = Principal("pia", role, "Pia")
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Forecast"]
    return at


def test_a_planner_without_contacts_is_told_what_to_upload_and_where(empty_data_dir):
    at = open_signed_in("planner")
    (message,) = infos(at)
    assert "No contacts yet" in message
    assert "Upload a **contacts** file (CSV or Excel with country, date or interval_start" in (
        message
    )
    assert "*Upload a file* on the Data page" in message
    assert "`.venv/bin/crewcast import contacts FILE`" in message
    assert at.get("page_link")[0].proto.page == "data"
    assert not at.get("form") and not at.error

    open_section(at, "Saved runs")
    (message,) = infos(at)
    assert "No saved forecasts yet" in message
    assert "A forecast needs contacts first" in message and ".venv/bin/crewcast import" in message
    assert "**Run a forecast**" in message and "**Save this run**" in message
    assert at.get("page_link")[0].proto.page == "data"
    assert not at.sidebar.date_input  # no run, no planning period to show

    open_section(at, "Compare runs")
    (message,) = infos(at)
    assert "Comparing needs two saved runs; there is none so far." in message
    assert "**Save this run**" in message


def test_a_manager_without_saved_runs_is_told_who_makes_them(empty_data_dir):
    at = open_signed_in("manager")
    assert section(at).value == "Saved runs"
    (message,) = infos(at)
    assert "No saved forecasts yet. Planners run and save them on this page" in message
    assert "Upload" not in message and "Save this run" not in message  # not theirs to do
    open_section(at, "Compare runs")
    (message,) = infos(at)
    assert "Planners run and save forecasts" in message
    assert not at.error


# --- the summary of every series ----------------------------------------------------------------


def test_a_run_of_many_series_lists_each_with_model_wape_coverage_and_totals(seeded_data_dir):
    at = open_baseline(open_page("manager"))
    tables = [t.value for t in at.dataframe if "holidays_ahead" in t.value.columns]
    assert len(tables) == 1, "one summary table of every series"
    summary = tables[0]
    run = load_run(open_store(), MANAGER, int(at.selectbox(key="forecast_saved_run").value))
    assert len(summary) == len(run.picks) > 1
    assert summary[["wape", "coverage_80"]].notna().all().all()
    assert (summary["forecast_total"] > 0).all() and (summary["days"] > 0).all()
    assert not summary["model"].str.fullmatch(r"[a-z_]+").any()  # model names, not ids
    # the chart's series selector offers the same series, one per row
    options = at.selectbox(key="forecast_saved_series").options
    assert sorted(options) == sorted(summary["country"] + "/" + summary["channel"])
