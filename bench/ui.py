"""Benchmark: the dashboard's speed in a real browser (Chromium through Playwright).

Run from the repository root::

    .venv/bin/python bench/ui.py [--repeats 5] [--screenshots docs/screenshots]
    .venv/bin/python bench/ui.py --contacts-rows 2100000  # the same walk at 2.1 M contact rows

Seeds the bundled sample and the baseline forecast into a fresh temporary folder (as the app's
"Explore the sample" does; not timed as part of the cold start), then measures

- the cold start: ``streamlit run serve.py`` started to the Overview's charts drawn on a first
  visit made at once (the demo's default role, planner; the server's warm-up races the visit),
  and the first Overview of a manager (team strain is worked out for the first time);
- a first visit to a fresh server made once its warm-up has finished (as when the manager
  arrives some time after the server was started);
- page switches as a manager, Overview -> Data -> Forecast -> Staffing -> Wellbeing ->
  Overview, ``--repeats`` rounds: the first round is each page's first visit, the others are
  warm; time from the click on the sidebar link to the page settled;
- a handful of common interactions: the sidebar country filter on the Overview, switching
  role, HR's first visit to Flag review and opening a person there, and the two long ones:
  Plan staffing and Generate schedule with the pages' defaults.

Each warm switch is also split (a third table): the click to the first script run's start, the
runs as the browser sees them, the rest to the page settled, the server's own script time
(``app.py``'s debug line per run, read from the server's log: the server runs with
``logger.level`` debug and no file watcher) and the browser page's main-thread work (Chrome's
Performance metrics). ``--copy-of DIR`` starts from a data folder seeded before.

"Settled" means: Streamlit's script run that the action started has ended
(``data-test-script-state`` of ``stApp`` back to ``notRunning``), the page's title is shown,
no element is stale, and every Vega chart on the page has its canvas or SVG. It is read in the
browser every 50 ms. Aims (issue #18, also at 2.1 M contact rows): warm page switch under
0.5 s median and 1 s at most, first visit after the warm-up under 3 s, on 2 cores. Prints Markdown tables for ``bench/RESULTS.md``.

With ``--screenshots DIR`` it also saves the README's screenshots (1400 px wide, the whole
page): overview.png and forecast.png (manager; the saved baseline run), flag-review.png (hr,
one person opened), schedule.png (manager, after Plan staffing and Generate schedule with the
pages' defaults).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.ui.browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, running_app  # noqa: E402

WIDTH, HEIGHT = 1400, 1000
MAX_SHOT_BYTES = 400_000
SWITCHES = ["Data", "Forecast", "Staffing", "Wellbeing", "Overview"]
# what each page shows a manager once drawn: Vega charts, and a text near its end
EXPECTED = {
    "Overview": (2, "What to do"),
    "Data": (2, ""),
    "Forecast": (1, ""),  # the saved baseline run
    "Staffing": (0, "press Plan staffing"),
    "Wellbeing": (1, ""),
}

# Records every change of Streamlit's script state with its time (``performance.now()``, ms),
# so a wait can tell a run that this action started from the page that was already there, and
# the step can be split into the browser's and the server's shares.
WATCH_RUNS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__runs = [];
  window.__times = [];
  window.__t0 = performance.now();
  window.__settled = undefined;
  if (window.__runObserver) window.__runObserver.disconnect();
  window.__runObserver = new MutationObserver(() => {
    window.__runs.push(app.getAttribute("data-test-script-state"));
    window.__times.push(performance.now());
  });
  window.__runObserver.observe(app, {attributes: true,
    attributeFilter: ["data-test-script-state"]});
}"""
# What a page that never settled shows: script state, the runs seen, titles, charts drawn.
NOT_SETTLED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")];
  return {state: app && app.getAttribute("data-test-script-state"), runs: window.__runs,
    titles: [...document.querySelectorAll("h1")].map((h) => h.innerText.trim()),
    charts: charts.length, drawn: charts.filter((c) => c.querySelector("canvas, svg")).length,
    stale: document.querySelectorAll("[data-stale='true']").length};
}"""
# Where the time of the last step went, in seconds: from the action to the first run starting
# (the browser sends the click, the server starts the script), the runs (the browser is told
# the script started and finished; it draws what arrives meanwhile), and from the last run's
# end to the page settled (the browser drawing what is left: charts, tables).
SPLIT = """() => {
  const runs = window.__runs || [], times = window.__times || [];
  const first = runs.indexOf("running");
  const last = runs.lastIndexOf("notRunning");
  if (first < 0 || last < 0 || window.__settled === undefined) return null;
  return [(times[first] - window.__t0) / 1000, (times[last] - times[first]) / 1000,
          (window.__settled - times[last]) / 1000];
}"""
# A page switch needs no "running" seen: its title is new, and a quick run's start and end
# can reach the page in one render (a walk once waited 300 s for a state it never showed).
SETTLED = """([title, minCharts, text, isSwitch]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (!isSwitch && window.__runs !== undefined && !window.__runs.includes("running"))
    return false;
  const main = document.querySelector("[data-testid='stMain']");
  if (!main) return false;
  const titles = [...main.querySelectorAll("h1")].map((h) => h.innerText.trim());
  if (!titles.includes(title)) return false;
  if (text && !main.innerText.includes(text)) return false;
  if (document.querySelector("[data-stale='true']")) return false;
  const charts = main.querySelectorAll("[data-testid='stVegaLiteChart']");
  if (charts.length < minCharts) return false;
  if (![...charts].every((c) => c.querySelector("canvas, svg"))) return false;
  if (window.__settled === undefined) window.__settled = performance.now();
  return true;
}"""


def seed(directory: Path) -> float:
    """Seed the sample and the baseline forecast as "Explore the sample" does; seconds."""
    os.environ["CREWCAST_DATA_DIR"] = str(directory)
    os.environ.pop("CREWCAST_DATABASE_URL", None)
    from data.store import open_store
    from services.sample import seed_sample

    start = time.perf_counter()
    seed_sample(open_store())
    return time.perf_counter() - start


def grow_contacts(directory: Path, rows: int) -> tuple[int, float]:
    """Add older history to the seeded sample until the contacts table holds ``rows`` rows.

    The sample's own half-hour rows are copied whole weeks back again and again (weekdays and
    opening hours kept), the oldest copy cut so the total is exact, and written in one
    transaction with their own import batch straight through SQLite (the import path is not
    what this measures). The batch counts as the sample's (source ``sample``), so the demo
    roles still open the dashboard. Returns the rows now stored and the seconds taken.
    """
    import datetime as dt
    import sqlite3

    start = time.perf_counter()
    db = directory / "crewcast.db"
    if not db.exists():
        found = sorted(directory.glob("*.db"))
        if not found:
            raise RuntimeError(f"no database in {directory}")
        db = found[0]
    conn = sqlite3.connect(db)
    try:
        have = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        base = conn.execute(
            "SELECT country, channel, ds, interval_minutes, contacts, aht_seconds FROM contacts"
        ).fetchall()
        need = rows - have
        if need <= 0:
            return have, time.perf_counter() - start
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        parsed = [(r[0], r[1], dt.datetime.strptime(r[2], fmt), *r[3:]) for r in base]
        parsed.sort(key=lambda r: r[2], reverse=True)  # newest first: the oldest copy is cut
        # whole weeks (weekdays kept) just longer than the history, so copies never overlap
        weeks = -(-((parsed[0][2] - parsed[-1][2]).days + 1) // 7)
        conn.execute("BEGIN")
        cur = conn.execute(
            "INSERT INTO import_batches (kind, file_name, row_count, imported_at, sha256, source) "
            "VALUES ('contacts', 'bench-older-history.csv', ?, ?, '', 'sample')",
            (need, dt.datetime.now().strftime(fmt)),
        )
        batch = cur.lastrowid
        copy = 0
        while need > 0:
            copy += 1
            shift = dt.timedelta(weeks=weeks * copy)
            chunk = [
                (batch, c, ch, (ds - shift).strftime(fmt), m, n, a)
                for c, ch, ds, m, n, a in parsed[:need]
            ]
            conn.executemany(
                "INSERT INTO contacts (batch_id, country, channel, ds, interval_minutes, "
                "contacts, aht_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                chunk,
            )
            need -= len(chunk)
        conn.commit()
        total = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    finally:
        conn.close()
    return total, time.perf_counter() - start


#: One step's seconds: in all, to the first run's start, in the runs (as the browser saw them),
#: after the last run (drawing), the server's own script time (app.py's timing lines), and the
#: browser page's main-thread work (Chrome's TaskDuration) and of it JavaScript (ScriptDuration).
Split = tuple[float, float, float, float, float, float, float]
BUSY = ("TaskDuration", "ScriptDuration")


def busy_seconds(page: Page) -> tuple[float, float]:
    """The page's main-thread seconds so far (Chrome DevTools' Performance metrics)."""
    cdp = getattr(page, "_bench_cdp", None)
    if cdp is None:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page._bench_cdp = cdp
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics[BUSY[0]], metrics[BUSY[1]]


class ServerLog:
    """The server's log, read as it grows: ``app.py`` writes a debug line per script run
    (``crewcast.timing``) with the run's seconds on the server."""

    def __init__(self, url: str) -> None:
        self.path = ARTIFACTS / f"server-{url.rsplit(':', 1)[1]}.log"
        self.offset = 0

    def skip(self) -> None:
        """Forget what is written so far."""
        self.offset = self.path.stat().st_size

    def script_seconds(self) -> list[float]:
        """The script times of the runs logged since the last call (or :meth:`skip`)."""
        with self.path.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode(errors="replace")
        done = text.rfind("\n") + 1  # a line being written is read next time
        self.offset += len(text[:done].encode())
        return [float(m) for m in re.findall(r"timing: page .*?: script ([0-9.]+) s", text[:done])]


def timed(
    page: Page,
    action: Callable[[], object],
    title: str,
    min_charts: int = 0,
    text: str = "",
    *,
    log: ServerLog | None = None,
    splits: list[Split] | None = None,
    switch: bool = False,
) -> float:
    """Seconds from ``action()`` to the page settled after the script run it started; with
    ``splits``, where they went is appended to it (see :data:`SPLIT`; the server's share from
    ``log``, the script runs' seconds summed, NaN without a log). ``switch``: the action opens
    another page (its title is new), so no "running" state needs to have been seen."""
    page.evaluate(WATCH_RUNS)
    if log is not None:
        log.skip()
    busy = busy_seconds(page) if splits is not None else (0.0, 0.0)
    start = time.perf_counter()
    action()
    try:
        page.wait_for_function(
            SETTLED, arg=[title, min_charts, text, switch], polling=50, timeout=300_000
        )
    except PlaywrightTimeout:  # say what the page showed instead
        print(f"not settled on {title}: {page.evaluate(NOT_SETTLED)}", file=sys.stderr)
        page.screenshot(path=ARTIFACTS / f"bench-ui-not-settled-{title}.png")
        raise
    seconds = time.perf_counter() - start
    if splits is not None:
        parts = page.evaluate(SPLIT) or [math.nan] * 3
        server = sum(log.script_seconds()) if log is not None else math.nan
        task, script = (a - b for a, b in zip(busy_seconds(page), busy, strict=True))
        splits.append((seconds, *parts, server, task, script))
    return seconds


def click_nav(page: Page, title: str) -> Callable[[], None]:
    return lambda: page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()


def view_as(page: Page, role: str) -> Callable[[], None]:
    def act() -> None:
        page.get_by_role("combobox", name="View as").click()
        page.get_by_role("option", name=role, exact=True).click()

    return act


def choose(page: Page, label: str, option: str) -> Callable[[], None]:
    """Pick ``option`` in the select box or multiselect labelled ``label``."""

    def act() -> None:
        page.get_by_role("combobox", name=label).click()
        page.get_by_role("option", name=option).first.click()
        page.keyboard.press("Escape")

    return act


def remove_tag(page: Page, label: str) -> Callable[[], None]:
    return lambda: page.get_by_role("button", name=f"Remove {label}").first.click()


def first_option(page: Page, label: str, k: int) -> Callable[[], None]:
    def act() -> None:
        page.get_by_role("combobox", name=label).click()
        page.get_by_role("option").nth(k).click()

    return act


def save_page(page: Page, path: Path) -> int:
    """The whole page at 1400 px wide: Streamlit scrolls an inner container, so the viewport
    is made as tall as its content for the shot. Quantised to 256 colours only if too big."""
    from PIL import Image

    page.mouse.move(WIDTH - 10, HEIGHT - 10)  # no hover toolbar on a table in the picture
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(max(height, HEIGHT), 6000)})
    page.wait_for_timeout(2500)  # charts re-measure their container and redraw
    data = page.screenshot(full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    if len(data) > MAX_SHOT_BYTES:
        image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=256)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        data = buffer.getvalue()
    path.write_bytes(data)
    return len(data)


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


Rows = list[tuple[str, str, str]]  # what, seconds, note
#: Per page, where the time of each switch to it went (first visit, then the warm ones).
SPLITS: dict[str, list[Split]] = {}


def run(
    repeats: int,
    screenshots: Path | None,
    contacts_rows: int | None = None,
    plans: bool = True,
    copy_of: Path | None = None,
) -> tuple[Rows, Rows]:
    """Seed a fresh data folder (or copy ``copy_of``, a folder seeded before), start the
    server and time the walk; the two tables' rows."""
    rows: Rows = []
    with tempfile.TemporaryDirectory(prefix="crewcast-bench-ui-") as tmp:
        if copy_of is not None:  # a data folder seeded (and grown) before, copied whole
            shutil.copytree(copy_of, tmp, dirs_exist_ok=True)
            for token in Path(tmp).glob("setup-token"):
                token.unlink()
            rows.append((f"data copied from {copy_of} (seeded before)", "-", ""))
        else:
            seed_s = seed(Path(tmp))
            rows.append(
                (
                    "seed the sample + baseline forecast (not part of the cold start)",
                    f"{seed_s:.1f}",
                    "in-process, before the server starts",
                )
            )
        if contacts_rows and copy_of is None:
            total, grow_s = grow_contacts(Path(tmp), contacts_rows)
            rows.append(
                (
                    f"older history added: {total:,} contact rows in all (not timed below)",
                    f"{grow_s:.1f}",
                    "the sample's rows copied whole weeks back, straight into SQLite",
                )
            )
        # app.py's timing line per run (a debug line) is how the server's share is told apart;
        # the file watcher stays off, or its debug lines about the growing log (kept in the
        # repository's test-artifacts/) would feed themselves
        os.environ["STREAMLIT_LOGGER_LEVEL"] = "debug"
        os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
        with sync_playwright() as p:
            # the user's browser is open before the server starts: its launch is not timed
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(300_000)
            start = time.perf_counter()
            with running_app(Path(tmp), timeout_s=120) as url:
                steps, switches = measure(page, url, start, repeats, screenshots, plans)
            page.close()
            steps += after_warm_up(browser, Path(tmp))
            browser.close()
    return rows + steps, switches


def after_warm_up(browser, data_dir: Path) -> Rows:
    """A fresh server again (caches empty), visited only once its warm-up has finished: the
    manager who opens the dashboard some time after it was started, as on a Monday morning."""
    start = time.perf_counter()
    with running_app(data_dir, timeout_s=120) as url:
        log = ARTIFACTS / f"server-{url.rsplit(':', 1)[1]}.log"
        while "warm-up done" not in log.read_text():
            if time.perf_counter() - start > 300:
                raise RuntimeError(f"no warm-up line in {log}")
            time.sleep(0.1)
        warm_s = time.perf_counter() - start
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_default_timeout(300_000)
        server = ServerLog(url)
        server.skip()
        visit = time.perf_counter()
        page.goto(url)
        page.locator("[data-testid='stSidebarNav']").wait_for()
        menu_s = time.perf_counter() - visit  # the front end loaded and app.py has run
        page.get_by_role("heading", name="Overview", exact=True).wait_for()
        title_s = time.perf_counter() - visit
        page.wait_for_function(
            SETTLED, arg=["Overview", 2, "What to do"], polling=50, timeout=300_000
        )
        visit_s = time.perf_counter() - visit
        script_s = sum(server.script_seconds())
        page.close()
    return [
        ("a new server: start to its warm-up done (serve.py)", f"{warm_s:.2f}", ""),
        (
            "**first visit after the warm-up: page opened to Overview drawn** (planner)",
            f"{visit_s:.2f}",
            f"sidebar menu at {menu_s:.2f} s, title at {title_s:.2f} s; the server's script "
            f"runs {script_s:.2f} s in all (app.py and the page, first run of the process)",
        ),
    ]


def measure(
    page: Page,
    url: str,
    start: float,
    repeats: int,
    screenshots: Path | None,
    plans: bool = True,
) -> tuple[Rows, Rows]:
    """The timed walk on a running server; ``start`` is when the server was started; without
    ``plans``, Plan staffing and Generate schedule are left out."""
    rows: Rows = []
    health_s = time.perf_counter() - start
    log = ServerLog(url)
    page.goto(url)
    page.locator("[data-testid='stSidebarNav']").wait_for()
    frontend_s = time.perf_counter() - start  # the page loaded and the app script has begun
    page.get_by_role("heading", name="Overview", exact=True).wait_for()
    title_s = time.perf_counter() - start
    page.wait_for_function(SETTLED, arg=["Overview", 2, "What to do"], polling=50, timeout=300_000)
    cold_s = time.perf_counter() - start
    rows.append(("cold start: server up (/_stcore/health answers)", f"{health_s:.2f}", ""))
    rows.append(
        (
            "cold start: server start to Overview drawn (planner)",
            f"{cold_s:.2f}",
            f"sidebar menu at {frontend_s:.2f} s, title at {title_s:.2f} s, "
            f"then {cold_s - title_s:.2f} s to the charts and actions",
        )
    )
    manager_s = timed(page, view_as(page, "manager"), "Overview", 2, "Team strain")
    rows.append(
        (
            "first Overview as manager (View as: planner -> manager)",
            f"{manager_s:.2f}",
            "new viewer: overview computed again + team strain",
        )
    )

    first: dict[str, float] = {}
    warm: dict[str, list[float]] = {name: [] for name in SWITCHES}
    for round_ in range(repeats):
        for name in SWITCHES:
            splits = SPLITS.setdefault(name, [])
            seconds = timed(
                page,
                click_nav(page, name),
                name,
                *EXPECTED[name],
                log=log,
                splits=splits,
                switch=True,
            )
            if round_ == 0:
                first[name] = seconds
            else:
                warm[name].append(seconds)
    all_warm = [s for values in warm.values() for s in values]
    switches = [(name, f"{first[name]:.2f}", summary(warm[name])) for name in SWITCHES]
    switches.append(("all warm switches", "", summary(all_warm)))

    # interactions on the Overview (as manager)
    rerun_s = [
        timed(page, remove_tag(page, "US"), "Overview", 2, "What to do"),
        timed(page, choose(page, "Countries", "US"), "Overview", 2, "What to do"),
    ]
    rows.append(
        (
            "Overview: remove a country in the sidebar filter, then add it back",
            summary(rerun_s),
            "median / max of the 2 reruns",
        )
    )
    if screenshots:  # the manager's views; not timed
        screenshots.mkdir(parents=True, exist_ok=True)
        save_page(page, screenshots / "overview.png")
        timed(page, click_nav(page, "Forecast"), "Forecast", 1, switch=True)  # the saved baseline
        save_page(page, screenshots / "forecast.png")
        timed(page, click_nav(page, "Overview"), "Overview", 2, switch=True)

    # HR: the role switch, the first Flag review (evaluates flags), opening people
    hr_s = timed(page, view_as(page, "hr"), "Data", 2)
    rows.append(
        (
            "View as manager -> hr on the Overview (lands on Data: HR has no Overview)",
            f"{hr_s:.2f}",
            "",
        )
    )
    review_s = timed(
        page, click_nav(page, "Flag review"), "Flag review", 0, "Open a person's flag", switch=True
    )
    rows.append(
        (
            "Flag review, first visit (flags never evaluated: scores all 137 people)",
            f"{review_s:.2f}",
            "the evaluation itself is 0.3 s in-process",
        )
    )
    again_s = [
        timed(page, click_nav(page, "Wellbeing"), "Wellbeing", 1, switch=True),
        timed(
            page,
            click_nav(page, "Flag review"),
            "Flag review",
            0,
            "Open a person's flag",
            switch=True,
        ),
    ]
    rows.append(
        (
            "Flag review again (after Wellbeing)",
            f"{again_s[1]:.2f}",
            f"Wellbeing as hr {again_s[0]:.2f} s",
        )
    )
    person_s = [
        timed(
            page,
            first_option(page, "Open a person's flag", k),
            "Flag review",
            2,
            "Review flag",
        )
        for k in range(3)
    ]
    rows.append(
        (
            "Flag review: open a person (3 people)",
            summary(person_s),
            "median / max; reasons, up to 6 charts, history",
        )
    )
    if screenshots:
        save_page(page, screenshots / "flag-review.png")

    if not plans:
        return rows, switches
    # Staffing's first plan with the page's defaults: fits the forecast models behind it
    timed(page, view_as(page, "manager"), "Overview", 2, "What to do")  # Flag review is HR's
    timed(page, click_nav(page, "Staffing"), "Staffing", *EXPECTED["Staffing"], switch=True)
    try:
        plan_s = timed(
            page,
            lambda: page.get_by_role("button", name="Plan staffing").click(),
            "Staffing",
            1,
            "Staff needed per half hour",
        )
    except PlaywrightTimeout:  # said in the table, and the walk's other rows still printed
        rows.append(("Staffing: Plan staffing with the defaults", "> 300", "**timed out**"))
        return rows, switches
    rows.append(
        (
            "Staffing: Plan staffing with the defaults (manager, first plan of the session)",
            f"{plan_s:.2f}",
            "forecast models fitted for the plan; a long run, with a progress display",
        )
    )
    timed(page, click_nav(page, "Schedule"), "Schedule", 0, "Generate schedule", switch=True)
    generate_s = timed(
        page,
        lambda: page.get_by_role("button", name="Generate schedule").click(),
        "Schedule",
        3,
        "Who works when",
    )
    rows.append(
        (
            "Schedule: Generate schedule for that plan (manager)",
            f"{generate_s:.2f}",
            "shift MILP and the named roster, then 3 charts",
        )
    )
    if screenshots:
        save_page(page, screenshots / "schedule.png")
    return rows, switches


def report(
    rows: Rows,
    switches: Rows,
    repeats: int,
    contacts_rows: int | None = None,
    plans: bool = True,
    copy_of: Path | None = None,
) -> None:
    """Print the two Markdown tables."""
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"; load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    grown = f" --contacts-rows {contacts_rows}" if contacts_rows else ""
    grown += "" if plans else " --no-plans"
    grown += f" --copy-of {copy_of}" if copy_of else ""
    print(f"Command: .venv/bin/python bench/ui.py --repeats {repeats}{grown}\n")
    print("| step | seconds | note |\n| --- | --- | --- |")
    for what, seconds, note in rows:
        print(f"| {what} | {seconds} | {note} |")
    print(
        "\nPage switches as a manager (click on the sidebar link to the page settled), seconds:\n"
    )
    print(f"| page | first visit | warm median / max ({repeats - 1} rounds) |\n| --- | --- | --- |")
    for row in switches:
        print("| " + " | ".join(row) + " |")
    print(
        "\nWhere a warm switch's time went (medians, seconds): to the first script run's start "
        "(the browser sends the click, the server starts), the runs as the browser saw them "
        "(it draws what arrives meanwhile), after the last run to the page settled (the "
        "browser drawing what is left); the server's own script time (app.py's timing line); "
        "the browser page's main-thread work in the switch (Chrome's TaskDuration, "
        "ScriptDuration; polling included):\n"
    )
    print(
        "| page | switch | to the run | run (browser) | after the run | server script "
        "| browser main thread busy | of it JavaScript |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for name, splits in SPLITS.items():
        warm = splits[1:]
        if warm:
            medians = [
                statistics.median([x for x in part if not math.isnan(x)] or [math.nan])
                for part in zip(*warm, strict=True)
            ]
            print(f"| {name} | " + " | ".join(f"{m:.2f}" for m in medians) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds of page switches (>= 2)")
    parser.add_argument("--screenshots", type=Path, help="save the README's screenshots here")
    parser.add_argument(
        "--contacts-rows",
        type=int,
        help="grow the contacts table to this many rows with older history (e.g. 2100000)",
    )
    parser.add_argument(
        "--no-plans",
        action="store_true",
        help="leave out Plan staffing and Generate schedule (the page walk only)",
    )
    parser.add_argument(
        "--copy-of",
        type=Path,
        help="start from a copy of this data folder (seeded, and grown, by an earlier run) "
        "instead of seeding again: for repeated runs on the same data",
    )
    args = parser.parse_args(argv)
    if args.repeats < 2:
        parser.error("--repeats must be at least 2: the first round is the cold one")
    rows, switches = run(
        args.repeats, args.screenshots, args.contacts_rows, not args.no_plans, args.copy_of
    )
    report(rows, switches, args.repeats, args.contacts_rows, not args.no_plans, args.copy_of)


if __name__ == "__main__":
    main()
