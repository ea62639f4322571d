"""AppTest of the Forecast page on the seeded sample (one short series to stay quick).

The seeded database is shared by the UI tests, so saved runs from other tests may exist;
assertions about saved runs look for this test's own runs by name.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data.access import Principal
from data.forecast_runs import list_runs
from data.store import open_store
from tests.conftest import REPO_ROOT

MANAGER = Principal("check", "manager")


def open_page(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.session_state["demo_role"] = role
    at.run()
    at.switch_page("app_pages/forecast_page.py").run()
    assert not at.exception, at.exception
    return at


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_manager_sees_saved_runs_only(seeded_data_dir):
    saved_before = len(list_runs(open_store(), MANAGER))
    at = open_page("manager")
    assert "Run forecast" not in labels(at)
    assert "Save this run" not in labels(at)
    assert [t.label for t in at.tabs] == ["Saved runs", "Compare runs"]
    assert not [w for w in at.multiselect if w.key == "forecast_countries"]
    if saved_before == 0:
        assert "No saved forecasts yet; a planner runs and saves them." in [
            i.value for i in at.info
        ]
        assert "Save at least two runs to compare them." in [i.value for i in at.info]


def test_planner_runs_saves_reloads_and_compares(seeded_data_dir):
    at = open_page("planner")
    assert [t.label for t in at.tabs] == ["Run a forecast", "Saved runs", "Compare runs"]
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
    assert set(backtest["model"]) == {"ets", "seasonal_naive"}  # a fixed model vs the naive only
    assert backtest["wape"].between(0, 1).all()
    drivers = "\n".join(m.value for m in at.markdown)
    assert "HU/voice" in drivers or "No holidays" in drivers
    # Overriding the pick switches the chart without refitting.
    at.selectbox(key="forecast_model_HU/voice").set_value("seasonal_naive").run()
    assert not at.exception
    assert len(at.get("download_button")) >= 2

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
    assert set(at.dataframe[0].value["model"]) == {"seasonal_naive"}  # the naive is the benchmark
    assert at.selectbox(key="forecast_model_HU/voice").options == ["seasonal_naive"]
    assert at.text_input(key="forecast_save_name").value.startswith("HU voice, 7 days, ")
    at.text_input(key="forecast_save_name").set_value("apptest 7 days")
    at.button(key="FormSubmitter:forecast_save_form-Save this run").click().run()
    assert not at.exception, at.exception

    runs = list_runs(open_store(), MANAGER)
    ids = dict(zip(runs["name"], runs["id"], strict=False))
    first, second = int(ids["apptest 14 days"]), int(ids["apptest 7 days"])
    assert runs.loc[runs["id"] == second, "created_by"].item() == "demo"

    # Reload the first run: same chart, back-test and downloads as a live run, plus settings.
    at.selectbox(key="forecast_saved_run").set_value(first).run()
    assert not at.exception, at.exception
    assert any("Saved by demo on" in c.value and "14 days" in c.value for c in at.caption)
    assert at.selectbox(key="forecast_saved_series").value == "HU/voice"
    assert at.selectbox(key="forecast_saved_model_HU/voice").value in {
        "ets",
        "seasonal_naive",
        "regression",
        "prophet",
        "ensemble",
    }
    saved_backtest = [d.value for d in at.dataframe if "folds" in getattr(d.value, "columns", [])]
    assert len(saved_backtest) == 2  # the live run's and the saved run's
    assert set(saved_backtest[1]["model"]) == {"ets", "seasonal_naive"}
    assert len(at.get("download_button")) == 4
    assert any('"horizon_days": 14' in j.proto.body for j in at.json)

    # Compare the two: a chart of both, weekly differences, and each run's back-test WAPE.
    at.selectbox(key="forecast_compare_a").set_value(first)
    at.selectbox(key="forecast_compare_b").set_value(second).run()
    assert not at.exception, at.exception
    assert "Difference per week" in [s.value for s in at.subheader]
    weekly = next(d.value for d in at.dataframe if "week_start" in d.value.columns)
    assert weekly["days"].sum() == 7  # the second run forecasts 7 of the first run's 14 days
    wapes = next(d.value for d in at.dataframe if "wape_a" in d.value.columns)
    assert wapes[["wape_a", "wape_b"]].notna().all().all()


def test_manager_views_a_saved_run(seeded_data_dir):
    if list_runs(open_store(), MANAGER).empty:
        return  # nothing saved in this session (the planner test was deselected)
    at = open_page("manager")
    assert "Run forecast" not in labels(at)
    assert at.selectbox(key="forecast_saved_run").value is not None
    assert len(at.get("vega_lite_chart")) >= 1
    assert len(at.get("download_button")) == 2
