"""The demo role is held per browser session: fast clicking through the pages never changes a
``?as=manager`` session into another role (issue 15: 49 of 50 sessions drifted to admin or
planner under load before the demo fixes), and the admin's and HR's pages stay refused.

Ten sessions (ten browser contexts, one Streamlit session each) are opened at ``?as=manager``
and driven at the same time (Playwright's async API): in each, a click on the next page of the
manager's menu lands within half a second of the previous page's title appearing, and every
other click lands before the previous page has drawn at all, so the server reruns ten sessions
at once while their runs are interrupted. The role is read after every page.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.ui.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = 10
#: The manager's menu, clicked in this order, round after round.
MANAGER_PAGES = ["Data", "Forecast", "Staffing", "Schedule", "Wellbeing", "Overview"]
ROUNDS = 2
TIMEOUT_MS = 120_000  # ten sessions' first pages compute at once on 2 shared cores


@pytest.fixture(scope="module")
def app_url(seeded_data_dir):
    with running_app(seeded_data_dir) as url:
        yield url


async def drive(browser, url: str, k: int) -> dict:
    """One manager session clicking fast; what it saw."""
    from playwright.async_api import expect

    rng = random.Random(k)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    view_as = page.get_by_role("combobox", name="View as")
    nav = page.locator("[data-testid='stSidebarNav']")
    seen = {"roles": [], "menus_with_admin": 0, "clicks": 0, "refused": 0}
    await page.goto(f"{url}/?as=manager")
    await expect(view_as).to_have_value("manager", timeout=TIMEOUT_MS)
    for n, title in enumerate(MANAGER_PAGES * ROUNDS):
        try:
            await nav.locator("a", has_text=title).click()
        except Exception:
            # Seen once in CI (2026-12-06), never by hand: one session of ten found its page
            # links inert for two minutes. What it showed is the clue for the next person.
            await page.screenshot(path=ARTIFACTS / f"demo-role-{k}-stuck.png", full_page=True)
            raise
        seen["clicks"] += 1
        if n % 2:  # the next click before this page has drawn
            await page.wait_for_timeout(rng.randint(50, 300))
            continue
        heading = page.get_by_role("heading", name=title, exact=True)
        await expect(heading).to_be_visible(timeout=TIMEOUT_MS)
        seen["roles"].append(await view_as.input_value())
        menu = await nav.inner_text()
        seen["menus_with_admin"] += "Admin" in menu or "Flag review" in menu
        await page.wait_for_timeout(rng.randint(50, 400))  # within half a second of the title
    await expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    await page.wait_for_timeout(1000)  # the last run settles
    seen["roles"].append(await view_as.input_value())
    seen["url_keeps_role"] = "as=manager" in page.url
    seen["exceptions"] = await page.locator("[data-testid='stException']").count()
    await page.screenshot(path=ARTIFACTS / f"demo-role-{k}.png")
    # The admin's and HR's addresses typed in this session: refused, the role still manager.
    for address in ("admin", "flag_review"):
        await page.goto(f"{url}/{address}?as=manager")
        await expect(page.get_by_text("Page not found")).to_be_visible(timeout=TIMEOUT_MS)
        await expect(view_as).to_have_value("manager", timeout=TIMEOUT_MS)
        admin_shown = await page.get_by_role("heading", name="Admin", exact=True).count()
        accounts_tab = await page.get_by_role("tab", name="Accounts").count()
        flags_shown = await page.get_by_role("heading", name="Flag review", exact=True).count()
        seen["refused"] += not (admin_shown or accounts_tab or flags_shown)
    await page.close()
    return seen


async def drive_all(url: str) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            return await asyncio.gather(*(drive(browser, url, k) for k in range(SESSIONS)))
        finally:
            await browser.close()


def test_fast_navigation_never_changes_a_manager_demo_session(app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    sessions = asyncio.run(drive_all(app_url))
    held = [
        set(s["roles"]) == {"manager"}
        and s["menus_with_admin"] == 0
        and s["url_keeps_role"]
        and s["refused"] == 2
        and s["exceptions"] == 0
        for s in sessions
    ]
    clicks = sum(s["clicks"] for s in sessions)
    print(f"demo role: {sum(held)} of {SESSIONS} manager sessions held after {clicks} fast clicks")
    assert all(held), [s for s, ok in zip(sessions, held, strict=True) if not ok]
