"""Real-browser walks by role in demo mode: a manager's Monday morning, a manager who types HR's
and the admin's addresses, and HR reviewing one person's flag until it is resolved.

The demo role lives in the browser session's state and in the address (``?as=hr``), so a full
load of an address without it starts again as the default role (planner) and the tests switch
with the sidebar's "View as" box. The last two tests leave demo mode: a database with real data
and accounts, where a manager signs in and types the HR page's address; and the first run, from
an empty database to the first admin (made with the setup token), who stays signed in on a
reload. Screenshots of every step go to ``test-artifacts/roles-*.png``.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.ui.browser import ARTIFACTS, charts_drawn, chromium_page, go_to, idle, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=90_000)  # the first overview per role computes on 2 shared cores

AGENT_ID = re.compile(r"\bA\d{3}\b")  # the sample's agent ids: A001..A137
# a plain reason with its numbers: "... Bradford Factor 891 (threshold 650)" or "CSAT has fallen
# over the last 12 weeks, from 91.7 to 81.9 (...)" (the statistics are one click away)
REASON = re.compile(r"\d.*\(threshold [^)]*\d|has (fallen|risen) over the last \d+ weeks, from \d")


@pytest.fixture(scope="module")
def app_url(seeded_data_dir):
    with running_app(seeded_data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def page():
    """One browser for the module (Playwright's sync API allows one at a time)."""
    with chromium_page() as page:
        yield page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"roles-{name}.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def heading(page: Page, title: str):
    return page.get_by_role("heading", name=title, exact=True)


def open_app(page: Page, url: str) -> None:
    """A full load: a new Streamlit session, so the demo role is back to the default."""
    page.goto(url)
    expect(heading(page, "Overview")).to_be_visible()
    expect(page.get_by_role("combobox", name="View as")).to_have_value("planner")


def view_as(page: Page, role: str) -> None:
    page.get_by_role("combobox", name="View as").click()
    page.get_by_role("option", name=role, exact=True).click()
    expect(page.get_by_role("combobox", name="View as")).to_have_value(role)


def table_with_column(page: Page, column: str):
    """The st.dataframe with this column header (the grid is a canvas; its cells are also in an
    accessible table, which is what this reads)."""
    header = page.locator("[role='columnheader']", has_text=re.compile(rf"^{re.escape(column)}$"))
    return page.locator("[data-testid='stDataFrame']").filter(has=header)


def no_individual_data(page: Page) -> None:
    """Nothing of HR's flag review on screen: no flags table, no person picker, no agent id
    anywhere in the page's text (hidden text and dialogs included)."""
    expect(heading(page, "Flag review")).to_have_count(0)
    expect(table_with_column(page, "Agent id")).to_have_count(0)
    expect(page.locator(".st-key-wellbeing_agent")).to_have_count(0)
    text = page.evaluate("document.body.textContent")
    assert AGENT_ID.search(text) is None, AGENT_ID.search(text)


def test_manager_monday_morning(page, app_url):
    open_app(page, app_url)
    view_as(page, "manager")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav).to_contain_text("Wellbeing")
    expect(nav).not_to_contain_text("Flag review")
    expect(nav).not_to_contain_text("Admin")

    expect(heading(page, "Team strain")).to_be_visible()  # managers only; drawn near the end
    metrics = page.locator("[data-testid='stMetric']")
    expect(metrics).to_have_count(4)
    for label in (
        "Contacts in the 56 days",
        "Staff needed a week (FTE)",
        "Largest weekly gap (FTE)",
        "Service level of the schedule",
    ):
        expect(metrics.filter(has_text=label)).to_have_count(1)
    charts_drawn(page, 2)  # the gap heatmap and the service-level lines
    expect(heading(page, "What to do")).to_be_visible()
    actions = page.locator("[data-testid='stPageLink'] a").filter(has_text="Go to")
    expect(actions.first).to_be_visible()
    assert page.locator("[data-testid='stMain']").get_by_text(AGENT_ID).count() == 0
    shot(page, "1-manager-overview")

    link = actions.first
    target = link.inner_text().split("Go to", 1)[1].strip()
    link.scroll_into_view_if_needed()
    link.click()
    expect(heading(page, target)).to_be_visible()
    expect(page.get_by_role("combobox", name="View as")).to_have_value("manager")
    expect(heading(page, "Overview")).to_have_count(0)
    shot(page, f"2-manager-followed-action-to-{target.lower()}")


def test_manager_typing_hr_and_admin_addresses_sees_no_individual_data(page, app_url):
    # A typed address is a new session: the demo visitor is a planner until they switch, and
    # neither planners nor managers have Flag review in their menu, so Streamlit answers with
    # its "Page not found" dialog and runs the default page (Overview) instead.
    page.goto(f"{app_url}/flag_review")
    expect(page.get_by_text("Page not found")).to_be_visible()
    expect(heading(page, "Overview")).to_be_visible()
    expect(heading(page, "What to do")).to_be_visible()  # the fallback page ran to its end
    no_individual_data(page)
    shot(page, "3-typed-flag-review-not-found")
    page.keyboard.press("Escape")  # close the dialog
    expect(page.get_by_text("Page not found")).to_have_count(0)

    view_as(page, "manager")
    expect(heading(page, "Team strain")).to_be_visible()
    charts_drawn(page, 2)
    no_individual_data(page)
    assert page.url.split("?")[0].rstrip("/") == app_url  # the fallback is the landing page

    page.goto(f"{app_url}/admin")
    expect(page.get_by_text("Page not found")).to_be_visible()
    expect(heading(page, "What to do")).to_be_visible()
    expect(heading(page, "Admin")).to_have_count(0)
    expect(page.get_by_role("tab", name="Accounts")).to_have_count(0)
    expect(table_with_column(page, "username")).to_have_count(0)
    expect(page.get_by_text("Add an account")).to_have_count(0)
    shot(page, "4-typed-admin-not-found")


def open_person(page: Page, agent_id: str | None = None) -> str:
    """Choose a person in "Open a person's flag" (the last one offered if none is named);
    returns their agent id once their review section is drawn."""
    idle(page)  # clicked during a run (the first evaluation), the dropdown opens empty
    box = page.get_by_role("combobox", name="Open a person's flag")
    # at the foot of a long page the list has no room to open below it: centre the box first
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    box.click()
    options = page.get_by_role("option")
    option = options.last if agent_id is None else options.filter(has_text=f"({agent_id})")
    label = option.inner_text()
    option.click()
    agent_id = AGENT_ID.search(label).group(0)
    expect(page.get_by_role("heading", name=re.compile(rf"\({agent_id}\)$"))).to_be_visible()
    return agent_id


def review_metric(page: Page):
    return (
        page.locator("[data-testid='stMetric']", has_text="Review")
        .locator("[data-testid='stMetricValue']")
    )  # fmt: skip


def test_hr_reviews_a_flag_and_the_decision_persists(page, app_url):
    note = f"Browser test {time.strftime('%H:%M:%S')}: agreed fewer late shifts for a month."
    open_app(page, app_url)
    view_as(page, "hr")
    go_to(page, "Flag review")
    expect(table_with_column(page, "Agent id")).to_be_visible()
    agent_id = open_person(page)
    expect(review_metric(page)).to_have_text("Open")
    reasons = page.locator("[data-testid='stMain'] li").filter(has_text=REASON)
    expect(reasons.first).to_be_visible()
    shot(page, "5-hr-person-open")

    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("is now in review; your decision is on record")).to_be_visible()
    expect(review_metric(page)).to_have_text("In review")
    page.get_by_role("textbox", name="Note").fill(note)
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("is now resolved; your decision is on record")).to_be_visible()
    expect(review_metric(page)).to_have_text("Resolved")
    expect(page.get_by_text("This review has ended (resolved on")).to_be_visible()
    shot(page, "6-hr-resolved")

    # A reload is a new session: what shows now comes from the database, not from this
    # session's state. The demo role is kept in the address (?as=hr), so HR is back on the page.
    assert "as=hr" in page.url
    page.reload()
    expect(heading(page, "Flag review")).to_be_visible()
    expect(page.get_by_role("combobox", name="View as")).to_have_value("hr")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    states = page.locator(".st-key-wellbeing_states")
    states.get_by_role("combobox").click()  # resolved flags are filtered out by default
    page.get_by_role("option", name="Resolved", exact=True).click()
    expect(states).to_contain_text("Resolved")
    page.keyboard.press("Escape")
    open_person(page, agent_id)
    expect(review_metric(page)).to_have_text("Resolved")
    expect(page.get_by_text("This review has ended (resolved on")).to_be_visible()
    reviews = table_with_column(page, "Note")
    expect(reviews).to_be_visible()
    expect(reviews).to_contain_text(note)
    reviews.scroll_into_view_if_needed()
    shot(page, "7-hr-resolved-after-reload")


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory):
    """A database that holds real data (no demo mode) and two accounts, served on its own."""
    import datetime as dt

    from data.config import Settings
    from data.store import open_store
    from data.users import add_user
    from data.validation import ReadOptions

    directory = tmp_path_factory.mktemp("crewcast-accounts")
    store = open_store(Settings(directory, f"sqlite:///{directory / 'crewcast.db'}"))
    options = ReadOptions(today=dt.date(2026, 11, 22))
    store.import_file(
        "agents",
        b"agent_id,name,team,country,contract_hours_per_week,channels\nB001,Ana,T,AR,40,voice\n",
        "agents.csv",
        options,
    )
    store.import_file(
        "hours", b"agent_id,date,hours_worked\nB001,2026-11-20,8\n", "hours.csv", options
    )
    add_user(store, "max", "manager", password=PASSWORD)
    add_user(store, "hana", "hr", password=PASSWORD)
    with running_app(directory) as url:
        yield url


PASSWORD = "correct horse battery"


def sign_in(page: Page, username: str) -> None:
    expect(page.get_by_role("textbox", name="User name")).to_be_visible()
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_signed_in_manager_typing_the_hr_page_address_is_refused(page, accounts_app):
    page.goto(f"{accounts_app}/flag_review")
    sign_in(page, "max")  # an address typed by hand is a new session: sign in first
    expect(page.get_by_text("Signed in as")).to_be_visible()
    # Flag review is not in a manager's menu: the landing page runs instead (its empty state:
    # this database has no saved forecast)
    expect(heading(page, "Overview")).to_be_visible()
    expect(page.get_by_text("No saved forecast yet")).to_be_visible()
    no_individual_data(page)
    assert "B001" not in page.evaluate("document.body.textContent")
    shot(page, "8-signed-in-manager-typed-flag-review")
    # HR signing in has the page in the menu, and it opens
    page.goto(f"{accounts_app}/flag_review")
    sign_in(page, "hana")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    go_to(page, "Flag review")
    shot(page, "9-signed-in-hr-flag-review")


def test_from_an_empty_database_to_the_first_admin_who_stays_signed_in(page, tmp_path_factory):
    """Start empty, create the first admin with the setup token only the server's owner can
    read, and still be signed in after a reload."""
    directory = tmp_path_factory.mktemp("crewcast-first-run")
    with running_app(directory) as url:
        page.goto(url)
        expect(heading(page, "Welcome to Crewcast")).to_be_visible()
        shot(page, "10-first-run-choice")
        page.get_by_role("button", name="Start empty").click()
        expect(heading(page, "Create the first admin")).to_be_visible()
        token_file = directory / "setup-token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        token = token_file.read_text().strip()
        page.get_by_role("textbox", name="Setup token").fill(token)
        page.get_by_role("textbox", name="User name").fill("ada")
        page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
        page.get_by_role("textbox", name="Password again").fill(PASSWORD)
        shot(page, "11-first-admin-form")
        page.get_by_role("button", name="Create admin and sign in").click()
        expect(page.get_by_text("Signed in as")).to_be_visible()
        expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("Admin")
        assert not token_file.exists(), "the setup token works once"
        assert "session=" in page.url
        page.reload()  # a new Streamlit session: only the address carries the sign-in
        expect(page.get_by_text("Signed in as")).to_be_visible()
        expect(page.get_by_role("textbox", name="User name")).to_have_count(0)
        go_to(page, "Admin")
        expect(table_with_column(page, "username")).to_contain_text("ada")
        expect(page.get_by_role("combobox", name="Account")).to_be_visible()
        page.wait_for_timeout(500)  # the last widgets settle
        shot(page, "12-first-admin-after-reload")
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("textbox", name="User name")).to_be_visible()
        expect(page).not_to_have_url(re.compile("session="))
