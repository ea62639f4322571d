"""Real-browser walk of the planner's flow: Staffing -> Schedule -> exports -> Staffing again ->
publish -> the Overview measuring the published schedule.

One test, in order, because each step needs the one before (the schedule needs the plan, the
comparison on the Staffing page needs the schedule). Screenshots of every step and the step
times go to ``test-artifacts/``. The server runs on a copy of the seeded database, as publishing
changes what the other UI tests' Overview shows.
"""

from __future__ import annotations

import io
import json
import re
import time

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from data import schema
from data.store import open_store
from tests.ui.browser import ARTIFACTS, CHARTS, charts_drawn, chromium_page, go_to, running_app
from tests.ui.conftest import data_dir_with

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=90_000)  # the server's first page load on 2 shared cores

FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture(scope="module")
def page(seeded_data_dir, tmp_path_factory):
    copy = tmp_path_factory.mktemp("planning")
    with (
        data_dir_with(copy, copy_of=seeded_data_dir),  # open_store() reads the copy too
        running_app(copy) as url,
        chromium_page(url) as page,
    ):
        yield page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"planning-{name}.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def download(page: Page, button) -> tuple[str, bytes]:
    with page.expect_download() as info:
        button.click()
    saved = info.value
    return saved.suggested_filename, saved.path().read_bytes()


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def formula_cells(values) -> list[str]:
    """Text cells a spreadsheet would run as a formula (exports prefix them with a quote);
    a negative number is a number, not a formula."""
    return [
        v for v in values if isinstance(v, str) and v.startswith(FORMULA_START) and not is_number(v)
    ]


def count(text: str) -> int:
    """A count as the page writes it, grouping signs and all (``1,234``, ``1.234``)."""
    return int(re.sub(r"\D", "", text))


def exports_on_record() -> pd.DataFrame:
    with open_store().engine.connect() as conn:
        query = sa.select(schema.audit_log).where(schema.audit_log.c.action == "export")
        return pd.read_sql(query, conn)


def exports_since(before: int, expected: int, timeout_s: float = 30) -> list[str]:
    """The files exported after the first ``before``, once ``expected`` are on record: the audit
    row is written by the button's callback on the server, which may finish after the browser
    has the file."""
    deadline = time.monotonic() + timeout_s
    while True:
        subjects = exports_on_record()["subject"].tolist()[before:]
        if len(subjects) >= expected or time.monotonic() > deadline:
            return subjects
        time.sleep(0.2)


def test_planner_plans_schedules_exports_and_compares(page, tmp_path):
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(step: str) -> None:
        nonlocal clock
        timings[step] = round(time.monotonic() - clock, 1)
        clock = time.monotonic()

    # 1. Staffing: the sample's first plan (AR voice, all of its volume) over the default
    # planning period (eight weeks), from the saved baseline forecast; 80/30
    go_to(page, "Staffing")
    expect(page.get_by_text("one country's voice queue")).to_be_visible()
    expect(page.get_by_text("Plans the planning period in the sidebar")).to_contain_text(
        "(56 days)"
    )
    expect(page.get_by_role("radio", name="Newest saved forecast")).to_be_checked()
    # shares read as percentages, like everywhere else on the dashboard
    shrinkage = page.locator("[data-testid='stSlider']", has_text="Shrinkage").first
    expect(shrinkage).to_contain_text("30%")
    answer = page.get_by_role("spinbutton", name="Answer time (s)")
    answer.fill("30")
    answer.press("Tab")
    page.get_by_role("button", name="Plan staffing").click()
    expect(page.get_by_text("Staff needed per half hour")).to_be_visible()
    charts_drawn(page, 1)
    expect(page.get_by_text("Forecast: the newest saved forecast, run #1")).to_be_visible()
    expect(page.get_by_text("Fitting models")).to_have_count(0)
    expect(page.get_by_text("No schedule yet")).to_be_visible()
    lap("plan_staffing_s")
    shot(page, "1-staffing-requirements")

    # 2. Schedule: generate for that plan, see the Gantt views and the coverage gaps
    page.get_by_role("link", name="Open the Schedule page").click()
    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(page.get_by_text("(56 days), forecast saved run #1.")).to_be_visible()
    page.get_by_role("button", name="Generate schedule").click()
    expect(page.get_by_text("Schedule for the week of")).to_be_visible()
    charts_drawn(page, 3)  # coverage, teams, the agents of one team
    expect(page.get_by_text("Coverage against the requirement")).to_be_visible()
    expect(page.get_by_text("Who works when")).to_be_visible()
    unfilled = page.locator("[data-testid='stMetric']", has_text="Shifts without an agent")
    unfilled_text = unfilled.locator("[data-testid='stMetricValue']").inner_text()
    filled_text = (
        page.locator("[data-testid='stMetric']", has_text="Shifts filled")
        .locator("[data-testid='stMetricValue']")
        .inner_text()
    )
    if count(unfilled_text):  # an unfilled shift is said out loud, never hidden
        expect(page.get_by_text("have no agent")).to_be_visible()
    lap("generate_schedule_s")
    shot(page, "2-schedule")

    # 3. Exports: CSV, Excel and one agent's calendar, each parsed
    before = len(exports_on_record())
    name, content = download(page, page.get_by_role("button", name="roster.csv"))
    assert name == "roster.csv"
    roster = pd.read_csv(io.BytesIO(content), dtype=str, encoding="utf-8-sig")
    assert len(roster) == count(filled_text) and {"agent_id", "shift_start"} <= set(roster.columns)
    assert formula_cells(roster.to_numpy().ravel()) == []

    name, content = download(page, page.get_by_role("button", name="roster.xlsx"))
    assert name == "roster.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert len(book.worksheets) >= 1 and len(cells) > len(roster)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert formula_cells(c.value for c in cells) == []

    agent_ics = page.get_by_role("button", name=re.compile(r"^Download A\d+\.ics$"))
    name, content = download(page, agent_ics)
    text = content.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    uids = [line for line in lines if line.startswith("UID:")]
    assert uids and len(uids) == len(set(uids)) == text.count("BEGIN:VEVENT")
    assert exports_since(before, 3) == ["roster.csv", "roster.xlsx", name]
    lap("three_downloads_s")
    shot(page, "3-schedule-after-downloads")

    # 4. Back to Staffing: the schedule against the requirement, short cells marked
    go_to(page, "Staffing")
    expect(page.get_by_text("Scheduled against required")).to_be_visible()
    expect(page.get_by_text("agents on the roster against the staff to schedule")).to_be_visible()
    expect(page.get_by_text("No schedule yet")).to_have_count(0)
    charts_drawn(page, 2)  # requirement heatmap, scheduled - required heatmap
    gap = page.locator(CHARTS).nth(1)
    gap.scroll_into_view_if_needed()
    lap("staffing_with_schedule_s")
    gap.screenshot(path=ARTIFACTS / "planning-4-gap-heatmap.png")
    shot(page, "4-staffing-against-schedule")

    # 5. Publish the schedule: it is listed, and the Overview measures its staff on duty
    go_to(page, "Schedule")
    expect(page.get_by_text("Schedule for the week of")).to_be_visible()
    page.get_by_role("textbox", name="Note (optional)").fill("walked by the browser test")
    page.get_by_role("button", name="Publish this schedule").click()
    expect(page.get_by_text(re.compile(r"Published as schedule #1: the Overview"))).to_be_visible()
    expect(page.get_by_text("Published schedules (1)")).to_be_visible()
    with open_store().engine.connect() as conn:
        published = conn.execute(sa.select(schema.published_schedules)).mappings().all()
    assert [(p["countries"], p["note"]) for p in published] == [
        ("AR", "walked by the browser test")
    ]
    lap("publish_s")
    shot(page, "5-published")
    go_to(page, "Overview")
    expect(
        page.get_by_text(re.compile(r"published schedules' staff on duty on \d"))
    ).to_be_visible()
    expect(page.get_by_text("No schedule is published for these weeks")).to_have_count(0)
    lap("overview_after_publish_s")
    shot(page, "6-overview-with-schedule")

    timings.update(filled_shifts=count(filled_text), unfilled_shifts=count(unfilled_text))
    (ARTIFACTS / "planning-walk.json").write_text(json.dumps(timings, indent=2))
