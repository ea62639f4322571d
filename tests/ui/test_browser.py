"""Real-browser smoke tests: the server starts, pages render their charts, uploads report problems."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.ui.browser import ARTIFACTS, chromium_page, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=90_000)  # first render seeds caches on 2 shared cores


@pytest.fixture(scope="module")
def page(seeded_data_dir):
    with running_app(seeded_data_dir) as url, chromium_page(f"{url}/data") as page:
        yield page


def test_data_page_renders_its_charts(page):
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(2)
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    page.wait_for_timeout(1500)  # let Vega finish drawing before the screenshot
    page.screenshot(path=ARTIFACTS / "data-page.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def test_bad_upload_shows_the_validation_report(page, tmp_path):
    bad = tmp_path / "contacts_bad.csv"
    bad.write_text("country,date,contacts\nAR,2025-01-01,5\nUK,2025-01-02,-3\n")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    expect(
        page.get_by_text("contacts_bad.csv: 2 errors in 2 rows; nothing was imported.")
    ).to_be_visible()
    expect(
        page.get_by_text("is not a known country; did you mean 'GB' (United Kingdom)?")
    ).to_be_attached()
    page.screenshot(path=ARTIFACTS / "data-upload-rejected.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
