"""AppTest of the Overview (the landing page) on the seeded sample and its baseline forecast."""

from __future__ import annotations

import datetime as dt
import re

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT

AGENT_ID = re.compile(r"\bA\d{3}\b")


def open_overview(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["demo_role"] = role
    at.run()
    assert not at.exception, at.exception
    return at


def holiday_lines(at: AppTest) -> list[str]:
    """The upcoming holidays, a line each (one list, drawn as one element)."""
    return [line for m in at.markdown if m.value.startswith("- ") for line in m.value.splitlines()]


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def test_manager_lands_on_the_overview_and_sees_where_to_act(seeded_data_dir):
    at = open_overview("manager")
    assert [t.value for t in at.title] == ["Overview"]
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {
        "Contacts in the 56 days",
        "Staff needed a week (FTE)",
        "Largest weekly gap (FTE)",
        "Service level of the schedule",
    }
    assert int(metrics["Contacts in the 56 days"].replace(",", "")) > 10_000
    assert re.fullmatch(r"\d+\.\d\u00a0FTE", metrics["Staff needed a week (FTE)"])
    today = dt.date.today()
    assert at.sidebar.date_input(key="filter_period").value == (
        today,
        today + dt.timedelta(days=55),
    )
    assert [s.value for s in at.subheader] == [
        "What to do",  # first: what the manager opens the page for
        "Where the people fall short",
        "Upcoming holidays",
        "Service level the schedule reaches",
        "Team strain",
    ]
    assert len(at.get("vega_lite_chart")) == 2
    text = page_text(at)
    assert "Baseline at first start" in text
    assert re.search(r"- (AR|HU|US|GB|DE|BR), \d\d", text), "holidays listed with their effect"
    assert "If the gap is covered with overtime" in text
    assert not AGENT_ID.search(text), "managers see aggregates only"
    links = [link.proto.page for link in at.get("page_link")]
    assert "schedule" in links


def test_shared_filters_narrow_the_overview_and_are_kept_across_pages(seeded_data_dir):
    at = open_overview("manager")

    def contacts() -> int:
        return int(
            next(m.value for m in at.metric if m.label.startswith("Contacts")).replace(",", "")
        )

    everyone = contacts()
    at.sidebar.multiselect(key="filter_countries").set_value(["HU"]).run()
    assert not at.exception, at.exception
    assert 0 < contacts() < everyone / 4  # HU is the smallest of six countries
    holidays = holiday_lines(at)
    assert holidays and all(h.startswith("- HU,") for h in holidays)
    at.switch_page("app_pages/forecast_page.py").run()
    at.switch_page("app_pages/overview_page.py").run()
    assert at.sidebar.multiselect(key="filter_countries").value == ["HU"]


def test_planner_sees_no_team_strain_and_hr_is_refused(seeded_data_dir):
    at = open_overview("planner")
    assert "Team strain" not in [s.value for s in at.subheader]
    page = AppTest.from_file(str(REPO_ROOT / "app_pages" / "overview_page.py"), default_timeout=60)
    page.session_state["demo_role"] = "hr"
    page.run()
    assert "Access refused" in " ".join(e.value for e in page.error)


def contacts_metric(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Contacts"))


def test_the_planning_period_narrows_the_overview_and_is_kept_across_pages(seeded_data_dir):
    at = open_overview("manager")
    eight_weeks = int(contacts_metric(at).replace(",", ""))
    today = dt.date.today()
    two_weeks = (today, today + dt.timedelta(days=13))
    at.sidebar.date_input(key="filter_period").set_value(two_weeks).run()
    assert not at.exception, at.exception
    assert any(m.label == "Contacts in the 14 days" for m in at.metric)
    assert 0 < int(contacts_metric(at).replace(",", "")) < eight_weeks / 3
    assert any(c.value.startswith(f"{today:%a}, ") for c in at.caption)
    at.switch_page("app_pages/data_page.py").run()
    at.switch_page("app_pages/overview_page.py").run()
    assert at.sidebar.date_input(key="filter_period").value == two_weeks


def test_numbers_and_dates_follow_the_configured_locale(seeded_data_dir, monkeypatch):
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    at = open_overview("manager")
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+", contacts_metric(at)), contacts_metric(at)
    metrics = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"\d+,\d\u00a0FTE", metrics["Staff needed a week (FTE)"])
    assert re.fullmatch(r"\d+\u00a0%", metrics["Service level of the schedule"])
    holidays = holiday_lines(at)
    assert any(re.search(r"\d+\. (Nov|Dez|Jan)\.", h) for h in holidays), holidays
