"""Your own data, end to end (issue 14's "done means"): from an empty database to a published
schedule the Overview measures, on the real files in ``../shared/data``, in a real browser; and
the same through the command line.

The browser walk: "Start empty", the first admin made with the setup token, the Italian daily
calls and the web-analytics export imported through the Data page (kind, upload, the preview's
select boxes, a default country), a forecast run and saved, IT voice's handle time and opening
hours set under Staffing's "Queue settings", staffing planned from the day after the history
(which ends in 2016), a week scheduled, its exports downloaded and parsed, the schedule
published, and the Overview counting its staff on duty. Screenshots of every step go to
``test-artifacts/own-data-NN-*.png``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import REPO_ROOT, require_shared_data
from tests.ui.browser import ARTIFACTS, charts_drawn, chromium_page, go_to, idle, running_app

expect.set_options(timeout=180_000)  # forecasts, plans and schedules on 2 shared cores

PASSWORD = "Tidal-Copper-Lantern-42"  # zxcvbn score 4
CALLS = Path("calls_italy") / "case_data_calls.csv"
TRAFFIC = Path("traffic_sessions_by_country") / "google-analytics.csv"
AHT_SECONDS = 240
OPENING_HOURS = "Mon-Fri 08:00-20:00; Sat 09:00-13:00"
AGENTS = 160  # the plan's peak is about 180 staff in a half hour, shrinkage included


#: OPENING_HOURS as windows per weekday (0 = Monday); Sunday closed.
OPEN = {**dict.fromkeys(range(5), ("08:00", "20:00")), 5: ("09:00", "13:00")}


def inside_opening_hours(day: dt.date, start: str, end: str) -> bool:
    """A shift from ``start`` to ``end`` (HH:MM, local) on ``day`` lies in OPENING_HOURS."""
    window = OPEN.get(day.weekday())
    return window is not None and window[0] <= start < end <= window[1]


def shot(page: Page, number: int, name: str) -> None:
    page.wait_for_timeout(500)  # the last widgets settle
    page.screenshot(path=ARTIFACTS / f"own-data-{number:02d}-{name}.png", full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


def heading(page: Page, title: str):
    return page.get_by_role("heading", name=title, exact=True)


def main(page: Page):
    return page.locator("[data-testid='stMain']")


def choose(page: Page, label: str, option: str, scope=None) -> None:
    """Pick ``option`` in the select box labelled ``label``. A click that lands while the page
    is redrawing can focus the box without opening its list: then it is tried again."""
    box = (scope or page).get_by_role("combobox", name=label, exact=True)
    target = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        box.click()
        try:
            target.wait_for(state="visible", timeout=10_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            idle(page)
            continue
        target.click()
        break
    expect(box).to_have_value(option)
    idle(page)


def table_with_column(page: Page, column: str):
    header = page.locator("[role='columnheader']", has_text=re.compile(rf"^{re.escape(column)}$"))
    return page.locator("[data-testid='stDataFrame']").filter(has=header)


def upload(page: Page, path: Path) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(path)
    idle(page)


def download(page: Page, button, directory: Path) -> Path:
    """Click a download button and save the file. Each download's audit callback reruns the
    page, which re-registers the files: the next click waits for that run (a click during it
    can hit a file being replaced, and the browser cancels the download; then it is tried
    again once)."""
    for attempt in range(2):
        with page.expect_download() as info:
            button.click()
        target = directory / info.value.suggested_filename
        try:
            info.value.save_as(target)
        except PlaywrightError:
            if attempt:
                raise
            idle(page)
            continue
        idle(page)
        return target
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------- browser walk


@pytest.mark.browser
@pytest.mark.slow
def test_own_data_from_an_empty_database_to_a_measured_schedule(tmp_path_factory):
    shared = require_shared_data()
    directory = tmp_path_factory.mktemp("crewcast-own-data")
    downloads = tmp_path_factory.mktemp("own-data-downloads")
    with running_app(directory) as url, chromium_page(url) as page:
        # 1. the first run: start empty, the first admin with the setup token
        expect(heading(page, "Welcome to Crewcast")).to_be_visible()
        shot(page, 1, "first-run-choice")
        page.get_by_role("button", name="Start empty").click()
        expect(heading(page, "Create the first admin")).to_be_visible()
        token = (directory / "setup-token").read_text().strip()
        page.get_by_role("textbox", name="Setup token").fill(token)
        page.get_by_role("textbox", name="User name").fill("ada")
        page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
        page.get_by_role("textbox", name="Password again").fill(PASSWORD)
        shot(page, 2, "first-admin-form")
        page.get_by_role("button", name="Create admin and sign in").click()
        expect(page.get_by_text("Signed in as")).to_be_visible()
        expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("Admin")
        shot(page, 3, "signed-in")

        # 2. the Data page: the Italian calls, then the web-analytics export
        go_to(page, "Data")
        expect(page.get_by_text("Nothing is loaded yet")).to_be_visible()
        choose(page, "What the file holds", "contacts")
        choose(page, "Date order", "dmy")
        country = page.get_by_role("textbox", name="Country for files without a country column")
        country.fill("IT")
        country.press("Enter")
        idle(page)
        upload(page, shared / CALLS)
        expect(page.get_by_text("Preview of case_data_calls.csv")).to_be_visible()
        expect(page.get_by_text("day-month-year")).to_be_visible()
        # the mapping from the file's own headers: calls are our contacts, no country column
        # (the default country above), no channel (voice)
        choose(page, "contacts (required)", "calls")
        choose(page, "country (required, or a default country)", "(none)")
        choose(page, "date (this or interval_start)", "date")
        expect(page.get_by_text("case_data_calls.csv: 1,155 rows, no errors.")).to_be_visible()
        shot(page, 4, "calls-preview-and-mapping")
        page.get_by_role("button", name="Import 1,155 rows").click()
        imported = page.locator("[data-testid='stAlertContentSuccess']").filter(
            has_text="Imported 1,155 contacts rows from case_data_calls.csv"
        )
        expect(imported).to_be_visible()
        expect(imported).to_contain_text("2013")
        expect(imported).to_contain_text("2016")
        expect(imported).to_contain_text("; IT.")
        summary = table_with_column(page, "Table")
        expect(summary).to_contain_text("contacts")
        expect(summary).to_contain_text("IT")
        expect(page.get_by_role("heading", name="Contacts per day")).to_be_visible()
        shot(page, 5, "calls-imported")

        choose(page, "What the file holds", "traffic")
        choose(page, "Date order", "auto")
        country = page.get_by_role("textbox", name="Country for files without a country column")
        country.fill("")
        country.press("Enter")
        idle(page)
        upload(page, shared / TRAFFIC)
        expect(page.get_by_text("Preview of google-analytics.csv")).to_be_visible()
        choose(page, "country (required, or a default country)", "country")
        choose(page, "sessions (required)", "sessions")
        expect(page.get_by_text("google-analytics.csv: 92,110 rows, no errors.")).to_be_visible()
        shot(page, 6, "traffic-preview-and-mapping")
        page.get_by_role("button", name="Import 92,110 rows").click()
        imported = page.locator("[data-testid='stAlertContentSuccess']").filter(
            has_text="traffic rows from google-analytics.csv"
        )
        expect(imported).to_be_visible()
        expect(imported).to_contain_text("more countries")
        expect(page.get_by_role("heading", name="Web sessions per day")).to_be_visible()
        shot(page, 7, "traffic-imported")

        # the team that answers IT voice (not in ../shared/data: a roster needs people), so
        # that the schedule names agents and offers the roster's Excel file and calendars
        agents = downloads / "agents.csv"
        agents.write_text(
            "agent_id,name,team,country,contract_hours_per_week,channels\n"
            + "".join(
                f"IT{k:03d},Agente {k},Team {'ABCD'[k % 4]},IT,{40 if k % 3 else 30},voice\n"
                for k in range(1, AGENTS + 1)
            )
        )
        choose(page, "What the file holds", "agents")
        upload(page, agents)
        expect(page.get_by_text(f"agents.csv: {AGENTS} rows, no errors.")).to_be_visible()
        page.get_by_role("button", name=f"Import {AGENTS} rows").click()
        expect(page.get_by_text(f"Imported {AGENTS} agents rows from agents.csv")).to_be_visible()
        shot(page, 8, "agents-imported")

        # a forecast saved for IT voice: what Staffing plans and the Overview measures
        go_to(page, "Forecast")
        page.get_by_role("button", name="Run forecast").click()
        expect(page.get_by_role("button", name="Save this run")).to_be_visible()
        idle(page)
        page.get_by_role("button", name="Save this run").click()
        expect(page.get_by_text(re.compile(r"Saved as run #1 "))).to_be_visible()
        shot(page, 9, "forecast-saved")

        # 3. Staffing: the queue's handle time and opening hours, then the plan
        go_to(page, "Staffing")
        settings = page.locator("[data-testid='stExpander']").filter(
            has_text="Queue settings: handle time, opening hours, intraday pattern"
        )
        expect(settings).to_be_visible()
        if not settings.get_by_role("combobox", name="Queue to set").is_visible():
            settings.locator("summary").click()
        expect(settings.get_by_role("combobox", name="Queue to set")).to_have_value("IT/voice")
        aht = settings.get_by_role("spinbutton", name="Handle time (AHT, s)")
        aht.fill(str(AHT_SECONDS))
        hours = settings.get_by_role("textbox", name="Opening hours")
        hours.fill(OPENING_HOURS)
        settings.get_by_text("Built-in shape of the channel").click()
        shot(page, 10, "queue-settings")
        settings.get_by_role("button", name="Save queue settings").click()
        idle(page)
        table = settings.locator("[data-testid='stDataFrame']")
        expect(table).to_contain_text("240")
        expect(table).to_contain_text("Mon-Fri 08:00-20:00")
        expect(table).to_contain_text("setting")

        form = page.locator("[data-testid='stForm']").filter(
            has=page.get_by_role("button", name="Plan staffing")
        )
        # the history ends on 29 Feb 2016: the plan starts the next day, and says so
        expect(form).to_contain_text("Plans the planning period in the sidebar")
        expect(form).to_contain_text("2016")
        page.get_by_role("button", name="Plan staffing").click()
        expect(heading(page, "Staff needed per half hour")).to_be_visible()
        idle(page)
        peak = page.locator("[data-testid='stMetric']").filter(
            has_text="Peak staff in one interval"
        )
        peak_value = int(
            peak.locator("[data-testid='stMetricValue']").inner_text().replace(",", "")
        )
        assert peak_value > 0
        expect(table_with_column(page, "Peak staff (agents)")).to_contain_text("IT")
        expect(main(page)).to_contain_text("2016")
        charts_drawn(page, 1)
        shot(page, 11, "staffing-planned")

        # 4. Schedule: the planned week, its downloads, publish
        go_to(page, "Schedule")
        expect(page.get_by_role("button", name="Generate schedule")).to_be_visible()
        # the opening hours saved under Queue settings, not 08:00-22:00 every day
        expect(main(page)).to_contain_text(
            "From Queue settings on the Staffing page: IT/voice Mon-Fri 08:00-20:00; "
            "Sat 09:00-13:00; Sun closed."
        )
        page.get_by_role("button", name="Generate schedule").click()
        expect(page.get_by_text("Schedule for the week of")).to_be_visible()
        expect(page.get_by_text("Shifts filled", exact=True)).to_be_visible()  # agents rostered
        expect(heading(page, "Downloads")).to_be_visible()
        idle(page)
        charts_drawn(page, 3)  # coverage, and who works when: per team and per agent
        shot(page, 12, "schedule-generated")
        buttons = page.locator("[data-testid='stDownloadButton'] button")
        names = [b.inner_text().strip() for b in buttons.all()]
        names = [re.sub(r"^\S*download\S*\s*", "", n).strip() for n in names]
        files = {}
        for k in range(buttons.count()):
            path = download(page, buttons.nth(k), downloads)
            files[path.name] = path
        assert "plan.csv" in files, names
        plan = pd.read_csv(files["plan.csv"])
        assert len(plan) > 0 and set(plan["country"]) == {"IT"}
        coverage = pd.read_csv(files["coverage.csv"])
        assert coverage["scheduled_staff"].sum() > 0
        assert {"roster.csv", "roster.xlsx", "calendars_agents.zip"} <= set(files), names
        assert any(name.endswith(".ics") for name in files), names
        roster = pd.read_csv(files["roster.csv"])
        assert len(roster) > 0 and roster["agent_id"].str.startswith("IT").all()
        with zipfile.ZipFile(files["calendars_agents.zip"]) as bundle:
            calendars = [n for n in bundle.namelist() if n.endswith(".ics")]
            assert calendars
            (downloads / "from-zip.ics").write_bytes(bundle.read(calendars[0]))
            files["from-zip.ics"] = downloads / "from-zip.ics"
        # the roster's Excel file: an agent x day grid per team and ISO week, the agents named,
        # every shift inside IT voice's opening hours on its day
        from openpyxl import load_workbook

        book = load_workbook(files["roster.xlsx"])
        grids = [sheet for sheet in book.worksheets if re.search(r" 2016-W\d\d$", sheet.title)]
        assert grids, book.sheetnames
        shifts_seen = 0
        for sheet in grids:
            header, *rows = list(sheet.iter_rows(values_only=True))
            assert header[:2] == ("agent_id", "name") and header[-1] == "weekly_hours", header
            days = [d.date() if isinstance(d, dt.datetime) else d for d in header[2:-1]]
            assert len(days) == 7 and all(isinstance(d, dt.date) for d in days), header
            for agent_id, name, *cells, _hours in rows:
                assert re.fullmatch(r"IT\d{3}", agent_id) and name == f"Agente {int(agent_id[2:])}"
                for day, cell in zip(days, cells, strict=True):
                    for shift in [] if cell == "off" else str(cell).split("; "):
                        start, end = re.fullmatch(r"(\d\d:\d\d)-(\d\d:\d\d) voice", shift).groups()
                        assert inside_opening_hours(day, start, end), (sheet.title, agent_id, cell)
                        shifts_seen += 1
        assert shifts_seen == len(roster)  # every rostered shift is in the grid, once
        # an agent's calendar (.ics), parsed: the agent's shifts in Rome time, inside the hours
        from icalendar import Calendar

        for name in ("from-zip.ics", *(n for n in files if n.endswith(".ics"))):
            calendar = Calendar.from_ical(files[name].read_bytes())
            events = calendar.walk("VEVENT")
            assert events, name
            title = str(calendar["X-WR-CALNAME"])  # "Shifts: Agente 7" or the team's
            for event in events:
                start, end = event.decoded("DTSTART"), event.decoded("DTEND")
                assert str(start.tzinfo) == "Europe/Rome", name
                who = re.search(r"Agent: (Agente \d+) \(IT\d{3}\)", str(event["DESCRIPTION"]))
                assert who, (name, event["DESCRIPTION"])
                assert not title.startswith("Shifts: ") or title == f"Shifts: {who.group(1)}"
                assert inside_opening_hours(start.date(), f"{start:%H:%M}", f"{end:%H:%M}")

        page.get_by_role("button", name="Publish this schedule").click()
        expect(page.get_by_text(re.compile(r"Published as schedule #1"))).to_be_visible()
        expect(page.get_by_text("Published schedules (1)")).to_be_visible()
        shot(page, 13, "schedule-published")

        # 5. the Overview measures the published schedule. The sidebar's countries were last
        # chosen on the Data page (the web-analytics export's largest, without IT): the
        # Overview shows the countries it has (IT) rather than none.
        go_to(page, "Overview")
        expect(page.get_by_role("heading", name="What to do")).to_be_visible()
        idle(page)
        expect(main(page)).to_contain_text("2016")  # the planning period: the forecast's days
        # Tue 1 Mar to Mon 25 Apr 2016, 56 days; the published week covers 7 of them (12.5%)
        measured = re.compile(
            r"^Capacity: the published schedules' staff on duty on 12(\.5)?% of the queue-days"
        )
        expect(page.get_by_text(measured)).to_be_visible()
        # the week the schedule starts is measured; only the next week asks for a schedule
        expect(main(page)).to_contain_text("No schedule is published for the week of Mar 7")
        expect(main(page)).not_to_contain_text("No schedule is published for the week of Feb 29")
        expect(
            page.locator("[data-testid='stMetric']").filter(
                has_text="Service level of the schedule"
            )
        ).to_be_visible()
        expect(heading(page, "Where the people fall short")).to_be_visible()
        charts_drawn(page, 2)  # the gap heatmap (the published week outlined) and service level
        shot(page, 14, "overview-measured")


# ------------------------------------------------------------------------------------ CLI


def cli(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "CREWCAST_DATA_DIR": str(data_dir)}
    env.pop("CREWCAST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"cli.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.mark.slow
def test_own_data_through_the_command_line(tmp_path):
    calls = require_shared_data() / CALLS
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out = cli(data_dir, "import", "contacts", str(calls), "--default-country", "IT")
    assert "imported 1155 contacts rows" in out
    assert "2013-01-01 to 2016-02-29 for IT" in out

    forecast = tmp_path / "f.csv"
    cli(
        data_dir, "forecast", "--contacts", str(calls), "--default-country", "IT",
        "--date-order", "dmy", "--horizon", "14", "--out", str(forecast),
    )  # fmt: skip
    daily = pd.read_csv(forecast, parse_dates=["date"])
    assert len(daily) == 14
    assert daily["date"].min() == pd.Timestamp("2016-03-01")  # the day after the history

    requirements = tmp_path / "req.csv"
    cli(
        data_dir, "staff", "--forecast", str(forecast), "--aht-seconds", str(AHT_SECONDS),
        "--open", "08:00-20:00", "--out", str(requirements),
    )  # fmt: skip
    req = pd.read_csv(requirements, parse_dates=["interval_start"])
    assert len(req) == 14 * 24  # 12 open hours of half hours, every day
    times = req["interval_start"].dt.time
    assert times.min() == pd.Timestamp("08:00").time()
    assert times.max() == pd.Timestamp("19:30").time()
    assert (req["required_staff"] > 0).all()
    assert (req["aht_seconds"] == AHT_SECONDS).all()

    sample_dir = tmp_path / "sample"
    sample_dir.mkdir()
    cli(sample_dir, "seed", "--no-baseline")
    out = cli(sample_dir, "sample", "remove", "--dry-run")
    assert re.search(r"would remove 6 sample imports with their rows", out), out
    # a dry run deletes nothing: the sample is still there to remove
    again = cli(sample_dir, "sample", "remove", "--dry-run")
    assert io.StringIO(again).getvalue() == out
