"""AppTest of the Forecast page on the seeded sample (one short series to stay quick)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT


def test_forecast_page_runs_and_explains(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("app_pages/forecast.py").run()
    assert not at.exception, at.exception
    assert "run the forecast" in at.info[0].value
    at.multiselect(key="forecast_countries").set_value(["HU"])
    at.multiselect(key="forecast_channels").set_value(["voice"])
    at.slider(key="forecast_horizon").set_value(14)
    at.selectbox(key="forecast_model").set_value("ets")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["What drives the next weeks", "Back-test"]
    assert len(at.get("vega_lite_chart")) == 1
    backtest = at.dataframe[0].value
    assert set(backtest["model"]) >= {"ets", "seasonal_naive"}
    assert backtest["wape"].between(0, 1).all()
    drivers = at.markdown[-1].value if at.markdown else ""
    assert "HU/voice" in drivers or "No holidays" in drivers
    # Overriding the pick switches the chart without refitting.
    at.selectbox(key="forecast_model_HU/voice").set_value("seasonal_naive").run()
    assert not at.exception
    assert len(at.get("download_button")) == 2
