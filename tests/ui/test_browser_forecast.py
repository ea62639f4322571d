"""Real-browser walk of the Forecast page: run one short series, save it, download the CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.ui.browser import ARTIFACTS, chromium_page, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=90_000)  # first render seeds caches on 2 shared cores

DAILY_CONTRACT = ["country", "channel", "date", "forecast", "forecast_lower", "forecast_upper", "model"]  # fmt: skip


@pytest.fixture(scope="module")
def page(seeded_data_dir):
    with running_app(seeded_data_dir) as url, chromium_page(url) as page:
        yield page


def choose_only(page: Page, label: str, option: str) -> None:
    """Replace a multiselect's choices with one option."""
    widget = page.locator("[data-testid='stMultiSelect']").filter(has_text=label)
    widget.locator("[aria-label='Clear all'], [title='Clear all']").first.click()
    widget.locator("input").fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    expect(widget.get_by_text(option, exact=True)).to_be_visible()


def test_run_save_and_download_a_forecast(page, tmp_path):
    page.locator("[data-testid='stSidebarNav']").get_by_text("Forecast", exact=True).click()
    expect(page.get_by_role("heading", name="Forecast", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Run forecast")).to_be_visible()

    choose_only(page, "Countries", "HU")
    choose_only(page, "Channels", "voice")
    slider = page.get_by_role("slider", name="Horizon (days)")
    slider.focus()  # a hidden range input under react-aria's track
    slider.press("Home")  # the shortest horizon: 7 days
    expect(slider).to_have_attribute("aria-valuetext", "7")
    page.locator("[data-testid='stSelectbox']").filter(has_text="Model").first.click()
    page.get_by_role("option", name="Exponential smoothing").click()
    page.get_by_role("button", name="Run forecast").click()

    run_tab = page.get_by_role("tabpanel").first
    expect(run_tab.get_by_role("heading", name="Back-test")).to_be_visible()
    chart = run_tab.locator("[data-testid='stVegaLiteChart']").first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    expect(run_tab.locator("[data-testid='stDataFrame']").first).to_be_visible()
    page.wait_for_timeout(1500)  # let Vega finish drawing before the screenshot
    page.screenshot(path=ARTIFACTS / "forecast-run.png", full_page=True)

    name = run_tab.get_by_label("Name")
    assert name.input_value().startswith("HU voice, 7 days, ")
    name.fill("browser walk HU voice 7 days")
    run_tab.get_by_role("button", name="Save this run").click()
    expect(page.get_by_text("browser walk HU voice 7 days").first).to_be_visible()
    expect(page.get_by_text("Saved as run #")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "forecast-saved.png", full_page=True)

    with page.expect_download() as info:
        run_tab.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "forecast.csv"
    info.value.save_as(path)
    csv = pd.read_csv(path)
    assert list(csv.columns[: len(DAILY_CONTRACT)]) == DAILY_CONTRACT
    assert len(csv) == 7
    assert set(csv["country"]) == {"HU"} and set(csv["channel"]) == {"voice"}
    assert set(csv["model"]) == {"ets"}  # the model fixed in the form
    assert (csv["forecast_lower"] <= csv["forecast"]).all()
    assert (csv["forecast"] <= csv["forecast_upper"]).all()
    assert page.locator("[data-testid='stException']").count() == 0
