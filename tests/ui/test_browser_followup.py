"""Real-browser walk of a follow-up: HR signs in, starts a review, resolves it with a follow-up
(who, by when, the agreed action) and a limit on the person's rostering (at most 24 h a week);
the follow-up shows as due; then a planner signs in, plans staffing and generates the schedule,
is told that a limit set by HR applies until its end date, never why, and the roster keeps to it
(read from the downloaded roster.csv).

The server runs on a copy of the seeded database with two accounts (so no demo mode: follow-ups
are for signed-in HR accounts). Screenshots of every step go to ``test-artifacts/followup-*.png``.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from data import schema
from data.store import open_store
from data.users import add_user
from tests.ui.browser import ARTIFACTS, chromium_page, go_to, idle, running_app
from tests.ui.conftest import data_dir_with
from tests.ui.test_browser_roles import PASSWORD, open_person, review_metric, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect.set_options(timeout=120_000)  # the first evaluation and the roster on 2 shared cores

NOTE = "Agreed fewer hours for a month after the talk about the evening rota."
FOLLOWUP_NOTE = "Ask how the lighter weeks went."


@pytest.fixture(scope="module")
def page(seeded_data_dir, tmp_path_factory):
    copy = tmp_path_factory.mktemp("followup")
    with data_dir_with(copy, copy_of=seeded_data_dir) as store:
        add_user(store, "hana", "hr", password=PASSWORD, display_name="Hana")
        add_user(store, "pia", "planner", password=PASSWORD, display_name="Pia")
        with running_app(copy) as url, chromium_page(url) as page:
            yield page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"followup-{name}.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def choose(page: Page, box: str, option: str) -> None:
    idle(page)  # a list opened while a run is going (the last fill's) closes again empty
    combobox = page.get_by_role("combobox", name=box)
    try:
        expect(combobox).to_be_attached(timeout=60_000)
    except AssertionError:
        # Seen twice in 1 of 4 runs (never reproduced by hand, also under CPU load): the box
        # never came. What the page showed instead is the clue.
        page.screenshot(path=ARTIFACTS / f"followup-missing-{box}.png", full_page=True)
        raise
    # at the foot of a long page the list has no room to open below it: centre the box first
    combobox.evaluate("element => element.scrollIntoView({block: 'center'})")
    combobox.click()
    page.get_by_role("option", name=option, exact=True).click()


def open_ar_voice_flag() -> tuple[str, str]:
    """An open flag's agent who works AR voice (the queue the planner's walk rosters)."""
    wf, ag = schema.wellbeing_flags, schema.agents
    with open_store().engine.connect() as conn:
        rows = conn.execute(
            sa.select(ag.c.agent_id, ag.c.name)
            .select_from(wf.join(ag, ag.c.agent_id == wf.c.agent_id))
            .where(wf.c.state == "open", ag.c.country == "AR", ag.c.channels.like("%voice%"))
            .order_by(ag.c.agent_id)
        ).all()
    assert rows, "the sample has no open flag on an AR voice agent"
    return rows[0].agent_id, rows[0].name


def test_hr_follows_up_with_a_limit_and_the_planners_roster_keeps_to_it(page):
    # 1. HR: start the review, then resolve it with a follow-up and a limit
    sign_in(page, "hana")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    go_to(page, "Flag review")
    expect(page.get_by_role("combobox", name="Open a person's flag")).to_be_visible()
    agent_id, name = open_ar_voice_flag()
    open_person(page, agent_id)
    expect(review_metric(page)).to_have_text("Open")
    page.get_by_role("button", name="Start review").click()
    expect(review_metric(page)).to_have_text("In review")

    page.get_by_text("Record a follow-up with this decision").click()
    expect(page.get_by_role("combobox", name="Who follows up")).to_be_visible()
    choose(page, "Agreed action", "Reduce overtime")
    note = page.get_by_role("textbox", name="Follow-up note")
    note.fill(FOLLOWUP_NOTE)
    note.press("Tab")  # moves on as a person does: the note is sent now, not by the next click
    choose(page, "Limit on rostering", "At most N hours a week")
    hours = page.get_by_role("spinbutton", name="Hours a week at most")
    expect(hours).to_be_enabled()
    hours.fill("24")
    hours.press("Tab")
    page.get_by_role("textbox", name="Note", exact=True).fill(NOTE)
    shot(page, "1-hr-follow-up-form")
    page.get_by_role("button", name="Resolve").click()
    expect(
        page.get_by_text("is now resolved; your decision is on record with its follow-up")
    ).to_be_visible()
    expect(review_metric(page)).to_have_text("Resolved")
    due = page.locator("[data-testid='stExpander']", has_text="Follow-ups due")
    expect(due).to_contain_text(agent_id)
    shot(page, "2-hr-follow-up-due")
    with open_store().engine.connect() as conn:
        limits = conn.execute(sa.select(schema.hr_limits)).mappings().all()
    assert [(r["agent_id"], r["kind"], r["value"]) for r in limits] == [
        (agent_id, "max_weekly_hours", 24.0)
    ]
    assert limits[0]["start_date"] == dt.date.today()

    # 2. The planner: sign out, sign in, plan staffing and generate the schedule
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "pia")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    go_to(page, "Staffing")
    page.get_by_role("button", name="Plan staffing").click()
    expect(page.get_by_text("Staff needed per half hour")).to_be_visible()
    page.get_by_role("link", name="Open the Schedule page").click()
    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    page.get_by_role("button", name="Generate schedule").click()
    expect(page.get_by_text("Schedule for the week of")).to_be_visible()
    told = page.locator("[data-testid='stAlert']", has_text="Limits set by HR")
    expect(told).to_contain_text(f"{name} ({agent_id})")
    expect(told).to_contain_text(re.compile(r"a limit set by HR applies until .*at most 24"))
    text = page.evaluate("document.body.textContent")
    for secret in (NOTE, FOLLOWUP_NOTE, "Reduce overtime", "Flag review", "strain"):
        assert secret not in text, secret
    shot(page, "3-planner-schedule-with-limit")

    with page.expect_download() as info:
        page.get_by_role("button", name="roster.csv").click()
    roster = pd.read_csv(io.BytesIO(info.value.path().read_bytes()), encoding="utf-8-sig")
    assert len(roster) > 0
    mine = roster[roster["agent_id"].astype(str) == agent_id]
    day = pd.to_datetime(mine["date"])
    weekly = mine.groupby((day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date)[
        "paid_hours"
    ].sum()
    assert (weekly <= 24 + 1e-9).all(), weekly
