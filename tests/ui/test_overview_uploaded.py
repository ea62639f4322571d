"""The Overview on uploaded data: another country, history that ended months ago, signed in."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.access import Principal
from data.forecast_runs import list_runs, load_run, save_run
from services.forecasts import ensure_baseline_forecast
from tests.conftest import REPO_ROOT, plain_text
from tests.ui.conftest import data_dir_with

HISTORY_END = dt.date(2026, 3, 31)  # months before today: the forecast lies in the past


def contacts_csv() -> bytes:
    """Italian voice and chat, 30-minute intervals 08:00-18:00, 16 weeks, weekends quieter."""
    rng = np.random.default_rng(7)
    days = pd.date_range(HISTORY_END - dt.timedelta(weeks=16) + dt.timedelta(days=1), HISTORY_END)
    rows = []
    for day in days:
        level = 0.5 if day.day_of_week >= 5 else 1.0
        for slot in range(20):
            start = day + pd.Timedelta(hours=8, minutes=30 * slot)
            for channel, base in (("voice", 14), ("chat", 6)):
                count = rng.poisson(base * level * (1.3 if 4 <= slot < 12 else 0.8))
                rows.append((start.strftime("%Y-%m-%d %H:%M"), channel, count, 280))
    frame = pd.DataFrame(rows, columns=["interval_start", "channel", "contacts", "aht_seconds"])
    buffer = io.StringIO()
    frame.assign(country="Italy").to_csv(buffer, index=False)
    return buffer.getvalue().encode()


AGENTS = b"""agent_id,name,team,country,timezone,contract_hours_per_week,channels
IT01,Giulia,Milano,IT,Europe/Rome,40,voice
IT02,Marco,Milano,IT,Europe/Rome,40,voice
IT03,Sara,Milano,IT,Europe/Rome,30,voice
IT04,Luca,Milano,IT,Europe/Rome,40,"voice,chat"
IT05,Anna,Milano,IT,Europe/Rome,20,chat
"""


@pytest.fixture
def uploaded_data_dir(tmp_path):
    with data_dir_with(tmp_path, [("contacts", contacts_csv()), ("agents", AGENTS)]) as store:
        assert ensure_baseline_forecast(store) is not None
        yield store


def test_overview_answers_on_uploaded_data_from_an_earlier_period(uploaded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["principal"] = Principal("mia", "manager", "Mia")  # signed in
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    # the saved forecast starts the day after the history, months ago: the period starts there
    first = HISTORY_END + dt.timedelta(days=1)
    assert at.sidebar.date_input(key="filter_period").value == (
        first,
        first + dt.timedelta(days=55),
    )
    assert at.sidebar.multiselect(key="filter_countries").options == ["IT"]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Contacts in the 56 days"].replace(",", "")) > 1_000
    text = plain_text("\n".join(m.value for m in at.markdown))
    # Italy's Easter and Liberation Day fall in the period, named with their effect
    assert "- IT, 5–6 Apr (Easter Sunday / Easter Monday):" in text
    assert "- IT, 25 Apr (Liberation Day):" in text
    # five people cannot carry the queues: the gap and the action say so
    assert re.search(r"IT (voice|chat) is short in \d of \d weeks", text), text
    # a manager's team strain says what HR has not imported yet instead of failing
    assert any("No team strain yet" in i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 2


def test_a_run_saved_in_another_session_shows_on_the_overview_at_once(uploaded_data_dir):
    store = uploaded_data_dir
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["principal"] = Principal("mia", "manager", "Mia")
    at.run()
    before = int(
        next(m.value for m in at.metric if m.label.startswith("Contacts")).replace(",", "")
    )
    # a planner elsewhere saves a run forecasting twice the contacts
    planner = Principal("pia", "planner", "Pia")
    baseline = load_run(store, planner, int(list_runs(store, planner)["id"].iloc[0]))
    doubled = baseline.forecasts.copy()
    for column in ("forecast", "forecast_lower", "forecast_upper"):
        doubled[column] *= 2
    save_run(
        store,
        planner,
        name="Twice the contacts",
        forecasts=doubled,
        metrics=baseline.metrics,
        picks=baseline.picks,
        horizon_days=baseline.info.horizon_days,
        model=baseline.info.model,
        history_start=baseline.info.history_start,
        history_end=baseline.info.history_end,
    )
    at.run()  # the same session: its data version has not moved
    assert not at.exception, at.exception
    after = int(next(m.value for m in at.metric if m.label.startswith("Contacts")).replace(",", ""))
    assert after == pytest.approx(2 * before, rel=0.01)
    assert any("“Twice the contacts”" in c.value for c in at.caption)


def test_contacts_imported_from_the_command_line_show_on_the_next_rerun(uploaded_data_dir):
    """The Overview's cache is keyed on the database's inputs version, not on the session's:
    a CLI import (another process, no session told) shows on the page's very next run."""
    from data.config import get_settings
    from data.store import open_store
    from data.validation import ReadOptions

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["principal"] = Principal("mia", "manager", "Mia")
    at.run()
    assert not any("IT/email" in w.value for w in at.warning)
    email = b"country,channel,date,contacts\nIT,email,2026-03-30,40\nIT,email,2026-03-31,42\n"
    cli = open_store(get_settings())  # as `crewcast import contacts` opens it
    report, result = cli.import_file(
        "contacts", email, "email.csv", ReadOptions(today=dt.date.today()), source_label="cli"
    )
    assert result is not None, report.lines()
    at.run()  # the same session: its own data version has not moved
    assert not at.exception, at.exception
    said = " ".join(w.value for w in at.warning)
    assert "No forecast covers IT/email" in said, said


@pytest.fixture
def italy_closed_on_sundays(tmp_path):
    """The real Italian daily calls, IT voice open Mon-Sat with a handle time, a saved forecast."""
    from data.queue_settings import save_queue_settings
    from tests.real_data import ITALIAN_OPTIONS, italian_calls

    with data_dir_with(tmp_path) as store:
        report, result = store.import_file("contacts", italian_calls(), options=ITALIAN_OPTIONS)
        assert result is not None, report.lines()
        save_queue_settings(
            store, Principal("ada", "admin", "Ada"), "IT", "voice", aht_seconds=240.0,
            opening_hours="Mon-Sat 08:00-20:00; Sun closed", profile_source="builtin",
        )  # fmt: skip
        assert ensure_baseline_forecast(store) is not None
        yield store


@pytest.mark.slow
def test_staffing_and_the_overview_show_the_same_fte_for_the_same_forecast_and_settings(
    italy_closed_on_sundays,
):
    label = "Staff needed a week (FTE)"
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["principal"] = Principal("pia", "planner", "Pia")
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    period = at.sidebar.date_input(key="filter_period").value
    assert period[0] == dt.date(2016, 3, 1)  # the day after the history
    overview_fte = next(m.value for m in at.metric if m.label == label)
    at.switch_page("app_pages/staffing_page.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.date_input(key="filter_period").value == period  # the same days
    assert at.radio(key="staffing_forecast_source").value.startswith("Newest saved")
    at.button(key="staffing_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    staffing_fte = next(m.value for m in at.metric if m.label == label)
    assert float(staffing_fte.split()[0].replace(",", "")) > 10
    assert staffing_fte == overview_fte


@pytest.mark.parametrize(
    ("page", "channels"),
    [("staffing_page.py", "staffing_channels"), ("forecast_page.py", "forecast_channels")],
)
def test_a_queue_imported_from_the_command_line_is_offered_on_the_next_run(
    uploaded_data_dir, page, channels
):
    """The planning and forecast caches follow the database's inputs version too: a channel
    imported by another process is offered on the page's next run, in the same session."""
    from data.config import get_settings
    from data.store import open_store
    from data.validation import ReadOptions

    at = AppTest.from_file(str(REPO_ROOT / "app_pages" / page), default_timeout=180)
    at.session_state["principal"] = Principal("pia", "planner", "Pia")
    at.run()
    assert not at.exception, at.exception
    assert "email" not in at.multiselect(key=channels).options
    email = b"country,channel,date,contacts\nIT,email,2026-03-30,40\nIT,email,2026-03-31,42\n"
    cli = open_store(get_settings())  # as `crewcast import contacts` opens it
    report, result = cli.import_file(
        "contacts", email, "email.csv", ReadOptions(today=dt.date.today()), source_label="cli"
    )
    assert result is not None, report.lines()
    at.run()
    assert not at.exception, at.exception
    assert "email" in at.multiselect(key=channels).options
