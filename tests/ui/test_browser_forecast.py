"""Real-browser walk of the Forecast page: run one short series, save it, download the CSV,
reopen it under Saved runs with the sidebar's planning period, and find that section still open
after another page."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.ui.browser import ARTIFACTS, charts_drawn, chromium_page, go_to, running_app

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


def section(page: Page, name: str):
    """One option of the page's section selector (a segmented control: a radio group)."""
    return page.get_by_role("radiogroup", name="Section").get_by_role("radio", name=name)


def metric_label(page: Page, label: str):
    return page.locator("[data-testid='stMetricLabel']").filter(has_text=label)


def open_section(page: Page, name: str) -> None:
    section(page, name).click()
    expect(section(page, name)).to_be_checked()


def test_run_save_download_and_reopen_a_forecast(page, tmp_path):
    go_to(page, "Forecast")
    expect(section(page, "Run a forecast")).to_be_checked()  # a planner's default
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

    main = page.locator("[data-testid='stMain']")
    expect(main.get_by_role("heading", name="Back-test")).to_be_visible()
    chart = main.locator("[data-testid='stVegaLiteChart']").first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    expect(main.locator("[data-testid='stDataFrame']").first).to_be_visible()
    expect(metric_label(page, "Contacts in the 7 days")).to_be_visible()  # the whole horizon
    page.wait_for_timeout(1500)  # let Vega finish drawing before the screenshot
    page.screenshot(path=ARTIFACTS / "forecast-run.png", full_page=True)

    name = main.get_by_role("textbox", name="Name")  # not its help button
    assert name.input_value().startswith("HU voice, 7 days, ")
    name.fill("browser walk HU voice 7 days")
    main.get_by_role("button", name="Save this run").click()
    expect(page.get_by_text("browser walk HU voice 7 days").first).to_be_visible()
    expect(page.get_by_text("Saved as run #")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "forecast-saved.png", full_page=True)

    with page.expect_download() as info:
        main.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "forecast.csv"
    info.value.save_as(path)
    csv = pd.read_csv(path)
    assert list(csv.columns[: len(DAILY_CONTRACT)]) == DAILY_CONTRACT
    assert len(csv) == 7
    assert set(csv["country"]) == {"HU"} and set(csv["channel"]) == {"voice"}
    assert set(csv["model"]) == {"ets"}  # the model fixed in the form
    assert (csv["forecast_lower"] <= csv["forecast"]).all()
    assert (csv["forecast"] <= csv["forecast_upper"]).all()

    # The saved run under Saved runs (the newest, shown first); the run section is not drawn.
    open_section(page, "Saved runs")
    chosen = main.get_by_role("combobox", name="Saved run")
    expect(chosen).to_have_value(re.compile(r"^#\d+ browser walk HU voice 7 days$"))
    expect(main.get_by_role("button", name="Run forecast")).to_have_count(0)  # hidden: not run
    charts_drawn(page, 1)
    # the sidebar's planning period, clipped to the run's 7 days, is summed above the chart
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("Planning period")).to_be_visible()
    expect(metric_label(page, "Contacts in the 7 days")).to_be_visible()
    with page.expect_download() as info:  # the workbook is built on the click
        main.get_by_role("button", name="Download Excel").click()
    path = tmp_path / "forecast.xlsx"
    info.value.save_as(path)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["forecast", "back-test"]
    assert len(sheets["forecast"]) == 7
    assert set(sheets["back-test"]["model"]) == {"ets", "seasonal_naive"}
    page.screenshot(path=ARTIFACTS / "forecast-saved-runs.png", full_page=True)

    go_to(page, "Data")
    go_to(page, "Forecast")
    expect(section(page, "Saved runs")).to_be_checked()
    expect(main.get_by_role("button", name="Download Excel")).to_be_visible()
    expect(main.get_by_role("button", name="Run forecast")).to_have_count(0)
    assert page.locator("[data-testid='stException']").count() == 0
