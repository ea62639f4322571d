"""Start the dashboard as a real server and drive it with Debian's Chromium through Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the machine has no network: no update or sync calls
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(data_dir: Path, timeout_s: float = 90) -> Iterator[str]:
    """Run ``streamlit run serve.py`` (the app with its warm-up, as ``scripts/run.sh`` does) on a
    free loopback port until the block ends."""
    port = free_port()
    env = {**os.environ, "CREWCAST_DATA_DIR": str(data_dir)}
    log = ARTIFACTS / f"server-{port}.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "serve.py",
                "--server.headless", "true", "--server.port", str(port),
                "--server.address", "127.0.0.1",
            ],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError(
            "Debian's chromium is not installed: scripts/test.sh installs it (apt-get install chromium)"
        )
    return path


CHARTS = "[data-testid='stVegaLiteChart']"


@contextlib.contextmanager
def chromium_page(url: str | None = None, locale: str | None = None) -> Iterator:
    """A Playwright page in Debian's Chromium (1400x1000, downloads accepted, 90 s timeouts),
    opened at ``url`` when given; ``locale`` (``de-DE``) is the browser's language."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale=locale
        )
        page.set_default_timeout(90_000)
        if url is not None:
            page.goto(url)
        try:
            yield page
        finally:
            browser.close()


def idle(page) -> None:
    """Wait until the script run that the last action started is over (no "Running..." status,
    no spinner). A widget changed while a run is starting is lost (an upload vanishes, a
    dropdown opens empty), so the run is given a moment to start first."""
    from playwright.sync_api import expect

    page.wait_for_timeout(1500)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)
    expect(page.locator("[data-testid='stSpinner']")).to_have_count(0)


def go_to(page, title: str) -> None:
    """Click a page in the sidebar menu and wait for its title."""
    from playwright.sync_api import expect

    page.locator("[data-testid='stSidebarNav'] a", has_text=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def charts_drawn(page, count: int, settle_ms: int = 1500) -> None:
    """Wait for ``count`` Vega charts with their canvas, then let Vega finish drawing."""
    from playwright.sync_api import expect

    charts = page.locator(CHARTS)
    expect(charts).to_have_count(count)
    for k in range(count):
        expect(charts.nth(k).locator("canvas, svg").first).to_be_visible()
    page.wait_for_timeout(settle_ms)
