"""Flag workflows end to end on a database: evaluation rules, review, access and the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.store import open_store
from data.validation import ReadOptions
from formats import Formats
from services import flags
from wellbeing import InvalidTransitionError, Reason, Thresholds, word_reason

OPT = ReadOptions(today=dt.date(2026, 11, 22))
AS_OF = dt.date(2026, 6, 26)  # a Friday, the last day with hours: the default reference day
WEEKS = 20
HR = Principal("hr.one", "hr", "HR One")
HR2 = Principal("hr.two", "hr", "HR Two")
MANAGER = Principal("manager", "manager")
PLANNER = Principal("planner", "planner")
TEAM = [f"A{i}" for i in range(1, 7)]  # six people: aggregates shown
SMALL = ["B1", "B2"]  # two people: suppressed


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _agents() -> pd.DataFrame:
    rows = [
        {
            "agent_id": a,
            "name": f"Person {a}",
            "team": "Team One" if a in TEAM else "Team Two",
            "country": "DE" if a in TEAM else "HU",
            "timezone": "Europe/Berlin",
            "contract_hours_per_week": 40,
            "channels": "voice",
        }
        for a in TEAM + SMALL
    ]
    return pd.DataFrame(rows)


def _hours(daily: dict[str, float], default: float = 8.0) -> pd.DataFrame:
    """Monday-Friday hours for WEEKS weeks up to AS_OF; ``daily`` overrides per agent."""
    days = pd.date_range(end=AS_OF, periods=7 * WEEKS, freq="D")
    days = days[days.day_of_week < 5]
    return pd.concat(
        pd.DataFrame({"agent_id": a, "date": days.date, "hours_worked": daily.get(a, default)})
        for a in TEAM + SMALL
    )


def _sick_spells(agent: str, n: int) -> pd.DataFrame:
    """``n`` one-day sick spells, a fortnight apart, in the last weeks before AS_OF."""
    starts = [AS_OF - dt.timedelta(days=3 + 14 * k) for k in range(n)]
    return pd.DataFrame(
        {"agent_id": agent, "start_date": starts, "end_date": starts, "type": "sick"}
    )


def _import(store, kind: str, frame: pd.DataFrame, name: str | None = None) -> None:
    report, result = store.import_file(kind, _csv(frame), name or f"{kind}.csv", OPT)
    assert result is not None, report.errors


@pytest.fixture
def store(tmp_path):
    """Eight agents; A1 works 50 h weeks (medium strain), everyone else 40 h."""
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'flags.db'}"))
    _import(st, "agents", _agents())
    _import(st, "hours", _hours({"A1": 10.0}))
    return st


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _audit(store) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql(sa.select(schema.audit_log).order_by(schema.audit_log.c.id), conn)


def _only_flag(store, agent: str = "A1") -> pd.Series:
    listed = flags.list_flags(store, HR)
    mine = listed[listed["agent_id"] == agent]
    assert len(mine) == 1, listed
    return mine.iloc[0]


def test_evaluation_raises_a_flag_for_the_strained_agent_only(store):
    assert flags.last_evaluation(store) is None
    summary = flags.evaluate_flags(store, HR)
    assert (summary.raised, summary.updated, summary.eased) == (1, 0, 0)
    assert summary.as_of == AS_OF and summary.agents_scored == 8
    flag = _only_flag(store)
    assert flag["state"] == "open" and flag["level"] == "medium"
    assert flag["name"] == "Person A1" and flag["team"] == "Team One"
    assert any("50" in reason.text and "48 h" in reason.text for reason in flag["reasons"])
    assert "average_hours_reference" in flag["signals"]
    info = flags.last_evaluation(store)
    assert info.evaluation_id == summary.evaluation_id and info.evaluated_by == "hr.one"
    assert info.flags_raised == 1 and not info.data_changed


def test_reasons_are_stored_with_their_codes_and_numbers_and_read_back(store):
    flags.evaluate_flags(store, HR)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.wellbeing_flags.c.reasons)).scalar_one()
        observed = conn.execute(sa.select(schema.flag_observations.c.reasons)).scalar_one()
    assert stored == observed
    items = json.loads(stored)  # a JSON list of objects in the same Text column
    by_code = {item["code"]: item for item in items}
    reference = by_code["average_hours_reference"]
    assert reference["values"]["average_hours"] == pytest.approx(50.0)
    assert reference["values"]["threshold_hours"] == 48
    assert reference["text"].startswith("Average 50.0 h a week over the last 17 weeks")
    flag = _only_flag(store)
    assert [r.code for r in flag["reasons"]] == [item["code"] for item in items]
    (reason,) = [r for r in flag["reasons"] if r.code == "average_hours_reference"]
    assert reason.text == reference["text"]
    assert word_reason(reason, Formats("de_DE")).startswith(
        "Average 50,0 h a week over the last 17 weeks (threshold 48 h"
    )
    detail = flags.agent_detail(store, HR, "A1")
    assert list(detail.reasons) == list(flag["reasons"])
    assert list(detail.observations["reasons"].iloc[0]) == list(flag["reasons"])


def test_reasons_stored_as_plain_sentences_still_read(store):
    flags.evaluate_flags(store, HR)
    old = ["Average 50.0 h a week over the last 17 weeks (threshold 48 h; 17 weeks with hours)"]
    wf, obs = schema.wellbeing_flags, schema.flag_observations
    with store.engine.begin() as conn:  # as rows were written before reasons had codes
        conn.execute(sa.update(wf).values(reasons=json.dumps(old)))
        conn.execute(sa.update(obs).values(reasons=json.dumps(old)))
    flag = _only_flag(store)
    assert list(flag["reasons"]) == [Reason(None, {}, old[0])]
    assert word_reason(flag["reasons"][0], Formats("de_DE")) == old[0]  # shown as stored
    assert flags.agent_detail(store, HR, "A1").reasons == (Reason(None, {}, old[0]),)
    # the next evaluation writes codes again; the old observation keeps its sentence
    flags.evaluate_flags(store, HR)
    detail = flags.agent_detail(store, HR, "A1")
    assert all(r.code for r in detail.reasons)
    newest, oldest = detail.observations["reasons"].iloc[0], detail.observations["reasons"].iloc[-1]
    assert all(r.code for r in newest) and [r.text for r in oldest] == old


def test_re_evaluation_updates_the_flag_and_adds_an_observation(store):
    flags.evaluate_flags(store, HR)
    second = flags.evaluate_flags(store, HR)
    assert (second.raised, second.updated) == (0, 1)
    assert _count(store, schema.wellbeing_flags) == 1
    assert _count(store, schema.flag_observations) == 2
    detail = flags.agent_detail(store, HR, "A1")
    assert detail.observations["evaluation_id"].tolist() == [second.evaluation_id, 1]


def test_eased_strain_is_observed_and_the_flag_stays_for_hr(store):
    flags.evaluate_flags(store, HR)
    _import(store, "hours", _hours({}), "hours_corrected.csv")
    info = flags.last_evaluation(store)
    assert info.data_changed and info.imports_since == ("hours_corrected.csv",)
    summary = flags.evaluate_flags(store, HR)
    assert (summary.raised, summary.updated, summary.eased) == (0, 0, 1)
    flag = _only_flag(store)
    assert flag["state"] == "open" and flag["level"] == "low"
    assert _count(store, schema.flag_observations) == 2


def test_a_dismissed_flag_does_not_come_back_for_the_same_concern(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    flags.review_flag(
        store, HR, flag_id, "dismissed", "Agreed overtime for a project", expected_state="in_review"
    )
    again = flags.evaluate_flags(store, HR)
    assert (again.raised, again.updated, again.not_raised_again) == (0, 0, 1)
    assert _count(store, schema.wellbeing_flags) == 1
    assert _only_flag(store)["state"] == "dismissed"


def test_a_higher_level_after_dismissal_raises_a_new_flag(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    flags.review_flag(
        store, HR, flag_id, "dismissed", "Project overtime", expected_state="in_review"
    )
    stricter = Thresholds(medium_score=20, high_score=35)  # the same 50 h weeks now read high
    summary = flags.evaluate_flags(store, HR, thresholds=stricter)
    assert summary.raised == 1
    listed = flags.list_flags(store, HR)
    assert listed[["state", "level"]].values.tolist() == [["open", "high"], ["dismissed", "medium"]]


def test_a_new_signal_family_after_dismissal_raises_a_new_flag(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    flags.review_flag(store, HR, flag_id, "resolved", "Hours reduced", expected_state="in_review")
    _import(store, "absences", _sick_spells("A1", 5))
    summary = flags.evaluate_flags(store, HR)
    assert summary.raised == 1
    new = flags.list_flags(store, HR, states=["open"]).iloc[0]
    assert "bradford" in new["signals"]


def test_review_transitions_are_persisted_with_reviewer_note_and_time(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    before = dt.datetime.now(dt.UTC)
    event = flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    assert event.reviewer == "hr.one" and event.to_state == "in_review"
    flags.review_flag(store, HR2, flag_id, "open", "Back to the queue", expected_state="in_review")
    flags.review_flag(store, HR2, flag_id, "in_review", expected_state="open")
    flags.review_flag(
        store,
        HR2,
        flag_id,
        "resolved",
        "  Spoke with A1; rota changed  ",
        expected_state="in_review",
    )
    detail = flags.agent_detail(store, HR, "A1")
    reviews = detail.reviews.iloc[::-1].reset_index(drop=True)  # oldest first
    assert reviews[["from_state", "to_state", "reviewer"]].values.tolist() == [
        ["open", "in_review", "hr.one"],
        ["in_review", "open", "hr.two"],
        ["open", "in_review", "hr.two"],
        ["in_review", "resolved", "hr.two"],
    ]
    assert reviews["note"].iloc[-1] == "Spoke with A1; rota changed"
    assert (reviews["at"] >= pd.Timestamp(before)).all()
    flag = detail.current_flag
    assert flag["state"] == "resolved" and flag["state_changed_at"] == reviews["at"].iloc[-1]


def test_wrong_transitions_and_missing_notes_are_refused(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    with pytest.raises(InvalidTransitionError, match="cannot move from 'open' to 'resolved'"):
        flags.review_flag(store, HR, flag_id, "resolved", "note", expected_state="open")
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    with pytest.raises(InvalidTransitionError, match="needs a note"):
        flags.review_flag(store, HR, flag_id, "dismissed", "   ", expected_state="in_review")
    with pytest.raises(flags.UnknownFlagError, match="no flag 999"):
        flags.review_flag(store, HR, 999, "in_review", expected_state="open")
    assert _count(store, schema.flag_reviews) == 1
    assert _only_flag(store)["state"] == "in_review"


def test_a_stale_expected_state_is_refused_and_changes_nothing(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    # HR Two still sees the flag open and tries the same move
    with pytest.raises(flags.StaleFlagError, match=r"now 'in_review', not 'open'.*by hr\.one"):
        flags.review_flag(store, HR2, flag_id, "in_review", expected_state="open")
    flags.review_flag(store, HR, flag_id, "resolved", "Done", expected_state="in_review")
    with pytest.raises(flags.StaleFlagError, match="now 'resolved', not 'in_review'"):
        flags.review_flag(store, HR2, flag_id, "dismissed", "No action", expected_state="in_review")
    assert _count(store, schema.flag_reviews) == 2
    assert _only_flag(store)["state"] == "resolved"


def test_nothing_is_ever_deleted(store):
    counts = []
    tables = (schema.flag_evaluations, schema.wellbeing_flags, schema.flag_observations)
    flags.evaluate_flags(store, HR)
    counts.append([_count(store, t) for t in tables])
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    flags.review_flag(store, HR, flag_id, "dismissed", "Fine", expected_state="in_review")
    flags.evaluate_flags(store, HR)
    counts.append([_count(store, t) for t in tables])
    _import(store, "hours", _hours({}), "hours_corrected.csv")
    flags.evaluate_flags(store, HR)
    counts.append([_count(store, t) for t in tables])
    assert counts == [[1, 1, 1], [2, 1, 1], [3, 1, 1]]
    assert _count(store, schema.flag_reviews) == 2


def test_every_look_and_change_leaves_an_audit_row(store):
    summary = flags.evaluate_flags(store, HR)
    flag_id = int(flags.list_flags(store, HR, levels=["medium", "high"])["flag_id"].iloc[0])
    flags.agent_detail(store, HR, "A1")
    flags.review_flag(store, HR2, flag_id, "in_review", expected_state="open")
    log = _audit(store)
    log = log[log["action"] != "import"].reset_index(drop=True)  # imports have their own rows
    assert log["action"].tolist() == ["evaluate", "view_flags", "view_agent", "review"]
    assert log["actor"].tolist() == ["hr.one", "hr.one", "hr.one", "hr.two"]
    assert log["subject"].dropna().tolist() == [f"evaluation {summary.evaluation_id}", "A1", "A1"]
    assert '"levels": ["medium", "high"]' in log["detail"].iloc[1]
    # review notes may hold health details: they stay in flag_reviews, not in the audit log
    assert '"to": "in_review"' in log["detail"].iloc[3]


@pytest.mark.parametrize("viewer", [MANAGER, PLANNER], ids=["manager", "planner"])
def test_individual_functions_refuse_managers_and_planners(store, viewer):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    before = len(_audit(store))
    with pytest.raises(AccessDenied, match="may not evaluate flags"):
        flags.evaluate_flags(store, viewer)
    with pytest.raises(AccessDenied, match="may not view individual wellbeing"):
        flags.list_flags(store, viewer)
    with pytest.raises(AccessDenied, match="may not view individual wellbeing"):
        flags.agent_detail(store, viewer, "A1")
    with pytest.raises(AccessDenied, match="may not review flags"):
        flags.review_flag(store, viewer, flag_id, "in_review", expected_state="open")
    assert len(_audit(store)) == before and _only_flag(store)["state"] == "open"


def test_team_strain_has_aggregates_and_no_individuals(store):
    result = flags.team_strain(store, MANAGER)
    teams = result.teams.set_index("team")
    assert result.as_of == AS_OF and result.min_group_size == 5
    one = teams.loc["Team One"]
    assert not one["suppressed"] and one["n_agents"] == 6 and one["n_medium"] == 1
    assert one["share_medium"] == pytest.approx(1 / 6)
    assert one["top_reason_families"] == "workload"
    two = teams.loc["Team Two"]
    assert two["suppressed"] and pd.isna(two["n_agents"]) and two["top_reason_families"] == ""
    assert "fewer than 5" in two["note"]
    text = result.teams.astype(str).to_string() + " ".join(result.teams.columns)
    for agent in TEAM + SMALL:
        assert agent not in text and f"Person {agent}" not in text
    with pytest.raises(AccessDenied, match="may not view team wellbeing"):
        flags.team_strain(store, PLANNER)


def test_agent_detail_has_the_timelines_and_the_trend_line(store):
    _import(store, "absences", _sick_spells("A1", 2))
    weeks = pd.date_range(end=AS_OF, periods=38, freq="W-MON")
    perf = pd.DataFrame(
        {
            "agent_id": "A1",
            "date": weeks.date,
            "metric": "csat",
            "value": [90.0 - 0.5 * k for k in range(38)],
        }
    )
    _import(store, "performance", perf)
    flags.evaluate_flags(store, HR)
    detail = flags.agent_detail(store, HR, "A1")
    assert detail.as_of == AS_OF and detail.level in ("medium", "high") and detail.reasons
    assert detail.absences["type"].tolist() == ["sick", "sick"]
    assert detail.absences["days"].tolist() == [1, 1]
    assert detail.weekly_hours["hours_worked"].iloc[-1] == pytest.approx(50.0)
    assert (detail.weekly_hours["contract_hours"] == 40).all()
    csat = detail.performance[detail.performance["metric"] == "csat"]
    assert len(csat) == 38 and csat["trend"].notna().sum() == detail.window_weeks == 12
    window = csat.dropna(subset=["trend"])
    # a straight line: the Theil-Sen line goes through it
    assert window["trend"].to_numpy() == pytest.approx(window["value"].to_numpy())
    trend = detail.trends.set_index("metric").loc["csat"]
    assert trend["slope_per_week"] == pytest.approx(-0.5) and trend["change"] == "worse"
    with pytest.raises(flags.UnknownFlagError, match="no agent 'ZZ'"):
        flags.agent_detail(store, HR, "ZZ")


def test_no_people_data_says_what_to_import(tmp_path):
    empty = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(flags.FlagError, match="import the agents, absences, hours and performance"):
        flags.evaluate_flags(empty, HR)
    result = flags.team_strain(empty, MANAGER)
    assert result.teams.empty and result.as_of is None and "Data page" in result.notes[0]


def test_new_hr_data_re_evaluate_once_hr_has_started(store):
    assert flags.reevaluate_after_import(store, "hours") is None  # HR's first visit evaluates
    flags.evaluate_flags(store, HR)
    _import(store, "hours", _hours({}), "hours_corrected.csv")
    assert flags.reevaluate_after_import(store, "traffic") is None  # not HR data
    summary = flags.reevaluate_after_import(store, "hours")
    assert summary is not None and summary.eased == 1
    info = flags.last_evaluation(store)
    assert info.evaluated_by == "crewcast" and not info.data_changed
    assert _audit(store)["action"].iloc[-1] == "evaluate"


def test_access_is_checked_before_any_scoring(tmp_path):
    empty = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}"))
    # a manager learns nothing, not even that there are no data to score
    with pytest.raises(AccessDenied, match="may not evaluate flags"):
        flags.evaluate_flags(empty, MANAGER)
    with pytest.raises(AccessDenied, match="may not review flags"):
        flags.review_flag(empty, MANAGER, 1, "resolved", expected_state="open")


def test_agent_without_a_flag_shows_low_on_the_last_evaluations_day(store):
    summary = flags.evaluate_flags(store, HR)
    detail = flags.agent_detail(store, HR, "A2")
    assert detail.flags.empty and detail.current_flag is None
    assert (detail.level, detail.score, detail.reasons) == ("low", 0.0, ())
    assert detail.as_of == summary.as_of == AS_OF
    assert detail.weekly_hours["hours_worked"].iloc[-1] == pytest.approx(40.0)


def test_the_summary_counts_what_the_decisions_decided(store):
    flags.evaluate_flags(store, HR)
    flag_id = int(_only_flag(store)["flag_id"])
    flags.review_flag(store, HR, flag_id, "in_review", expected_state="open")
    flags.review_flag(store, HR, flag_id, "dismissed", "Project", expected_state="in_review")
    _import(store, "absences", _sick_spells("A2", 5))  # A2: a new concern, raised
    summary = flags.evaluate_flags(store, HR)
    assert (summary.raised, summary.updated, summary.eased, summary.not_raised_again) == (
        1,
        0,
        0,
        1,
    )
    info = flags.last_evaluation(store)
    assert (info.flags_raised, info.flags_updated) == (1, 0)
