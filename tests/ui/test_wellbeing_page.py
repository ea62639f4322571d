"""AppTest of the wellbeing pages: HR reviews flags on "Flag review", managers see teams only on
"Wellbeing" and are refused the flags, planners are refused both; without the people files both
pages say which to upload."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data import schema
from data.access import Principal
from data.store import open_store
from formats import Formats
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with
from wellbeing import reason_detail, reasons_from_json, word_reason

TIMEOUT = 300  # seconds: the first visit evaluates flags and scores on 2 busy cores
PAGE = "app_pages/wellbeing_page.py"
REVIEW_PAGE = "app_pages/flag_review_page.py"
AGENT_ID = re.compile(r"\bA\d{3}\b")  # the sample's agent ids


def open_page(role: str, page: str = PAGE) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["demo_role"] = role
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: markdown, captions, alerts, metrics and tables."""
    parts = [
        e.value for kind in ("markdown", "caption", "title", "subheader") for e in at.get(kind)
    ]
    parts += [e.value for kind in ("info", "success", "warning", "error") for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [frame.value.astype(str).to_string() for frame in at.dataframe]
    parts += [" ".join(map(str, frame.value.columns)) for frame in at.dataframe]
    return "\n".join(map(str, parts))


def flags_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "agent_id" in d.value.columns)


def test_hr_reviews_a_flag_from_open_to_resolved(seeded_data_dir):
    at = open_page("hr", REVIEW_PAGE)
    assert at.title[0].value == "Flag review"
    assert any("prompt for a conversation" in c.value for c in at.caption)
    flags = flags_table(at)
    assert len(flags) >= 5, flags
    rank = flags["level"].map({"high": 2, "medium": 1, "low": 0})
    assert rank.is_monotonic_decreasing  # high first
    open_flags = flags[flags["state"] == "Open"]
    assert not open_flags.empty
    agent = open_flags["agent_id"].iloc[0]

    at.selectbox(key="wellbeing_agent").set_value(agent).run()
    assert not at.exception, at.exception
    assert any(agent in s.value for s in at.subheader)
    assert len(at.get("vega_lite_chart")) >= 3  # absences or hours, performance
    assert "Open" in [m.value for m in at.metric]
    assert {b.key for b in at.button if b.key.startswith("wellbeing_to_")} == {
        "wellbeing_to_in_review"
    }

    at.button(key="wellbeing_to_in_review").click().run()
    assert not at.exception, at.exception
    assert "In review" in [m.value for m in at.metric]
    assert any("now in review" in s.value for s in at.success)

    at.button(key="wellbeing_to_resolved").click().run()  # no note
    assert any("needs a note" in e.value for e in at.error), [e.value for e in at.error]
    assert "In review" in [m.value for m in at.metric]

    at.text_area(key="wellbeing_note").input("Spoke with the agent; overtime reduced from May.")
    at.button(key="wellbeing_to_resolved").click().run()
    assert not at.exception, at.exception
    assert any("now resolved" in s.value for s in at.success)
    assert "Resolved" in [m.value for m in at.metric]
    assert any("review has ended" in i.value for i in at.info)
    reviews = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert reviews["note"].iloc[0] == "Spoke with the agent; overtime reduced from May."
    assert reviews["reviewer"].iloc[0] == "demo"


def stored_reasons() -> dict[str, list]:
    """Each agent's newest flag's reasons as stored (read directly: no audited look)."""
    wf = schema.wellbeing_flags
    with open_store().engine.connect() as conn:
        rows = conn.execute(sa.select(wf.c.agent_id, wf.c.reasons).order_by(wf.c.id)).all()
    return {agent: reasons_from_json(text) for agent, text in rows}


def test_a_german_viewer_reads_the_reasons_in_german_numbers(seeded_data_dir, monkeypatch):
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    german = Formats("de_DE")
    at = open_page("hr", REVIEW_PAGE)
    flags = flags_table(at).set_index("agent_id")
    reasons = stored_reasons()
    for agent, shown in flags["reasons"].items():
        assert shown == "; ".join(word_reason(r, german) for r in reasons[agent]), agent
    # hours with decimals (weekly averages, the longest day) get a decimal comma: 50,3 h
    decimal = re.compile(r"\b\d+,\d h\b")
    agent = next(
        a for a in flags.index if any(decimal.search(word_reason(r, german)) for r in reasons[a])
    )
    english = "; ".join(r.text for r in reasons[agent])
    assert flags.loc[agent, "reasons"] != english and re.search(r"\b\d+\.\d h\b", english)

    at.selectbox(key="wellbeing_agent").set_value(agent).run()
    assert not at.exception, at.exception
    why = "\n".join(f"- {word_reason(r, german)}" for r in reasons[agent])
    assert why in [m.value for m in at.markdown]
    assert decimal.search(why)
    # the statistics behind each plain reason, one click away
    (statistics,) = [e for e in at.expander if e.label == "The statistics behind these reasons"]
    shown = "\n".join(m.value for m in statistics.markdown)
    assert all(reason_detail(r, german) in shown for r in reasons[agent] if reason_detail(r))


def test_manager_sees_team_aggregates_and_no_individual(seeded_data_dir):
    at = open_page("manager")
    assert at.title[0].value == "Wellbeing"
    teams = next(d.value for d in at.dataframe if "team" in d.value.columns)
    assert len(teams) >= 10 and "share_high" in teams.columns
    assert "wellbeing_agent" not in [s.key for s in at.selectbox]
    text = page_text(at)
    assert "suppressed" in text
    assert not AGENT_ID.search(text), AGENT_ID.search(text)
    assert not at.get("page_link"), "no way to the individual flags"


def test_manager_is_refused_the_individual_flags(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["demo_role"] = "manager"
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(REVIEW_PAGE)
    page = AppTest.from_file(str(REPO_ROOT / REVIEW_PAGE), default_timeout=TIMEOUT)
    page.session_state["demo_role"] = "manager"
    page.run()
    assert "Access refused" in page.error[0].value
    assert "view individual wellbeing; roles that may: hr" in page.error[0].value
    assert not page.dataframe and not AGENT_ID.search(page_text(page))


def test_planner_is_refused(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["demo_role"] = "planner"
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in a planner's menu
    # and the page refuses by itself when reached another way (an address typed by hand)
    page = AppTest.from_file(str(REPO_ROOT / PAGE), default_timeout=TIMEOUT)
    page.session_state["demo_role"] = "planner"
    page.run()
    assert not page.exception, page.exception
    assert "Access refused" in page.error[0].value
    assert "view team wellbeing" in page.error[0].value
    assert not page.title and not page.dataframe


@pytest.fixture
def agents_only_dir(tmp_path):
    """A database of its own holding a roster and nothing else: no absences, hours or
    performance, so nothing to score."""
    agents = "agent_id,name,team,country\n" + "".join(f"B{i:03d},N{i},T,AR\n" for i in range(6))
    with data_dir_with(tmp_path, [("agents", agents.encode())]):
        yield tmp_path


def signed_in(role: str, page: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / page), default_timeout=TIMEOUT)
    at.session_state["principal"] = Principal("someone", role, "Someone")
    at.run()
    assert not at.exception, at.exception
    return at


MISSING_FILES = (
    "**absences** (agent_id, start_date, end_date, type)",
    "**hours** (agent_id, date, hours_worked)",
    "**performance** (agent_id, date, metric, value)",
)


def test_without_hr_files_hr_is_told_which_to_upload(agents_only_dir):
    at = signed_in("hr", REVIEW_PAGE)
    text = at.info[0].value
    assert text.startswith("No workload strain yet")
    assert all(f in text for f in MISSING_FILES), text
    assert "**agents**" not in text  # loaded
    assert "on the **Data** page (*Upload a file*)" in text
    assert "`.venv/bin/crewcast import KIND FILE`" in text
    assert not at.dataframe and not at.button


def test_without_hr_files_a_manager_is_told_who_uploads_them(agents_only_dir):
    at = signed_in("manager", PAGE)
    text = at.info[0].value
    assert all(f in text for f in MISSING_FILES), text
    assert "(HR or an admin does this)" in text
    assert not at.dataframe and not at.get("vega_lite_chart")
