"""The schedule workflow on a small store: make a week's schedule from stored agents and
absences, publish it, read it back as the Overview and the Schedule page do."""

from __future__ import annotations

import datetime as dt
import io

import icalendar
import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from data import schedules as ps
from data import schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.store import open_store
from data.validation import ReadOptions
from services.schedules import (
    AgentTimezoneError,
    agents_with_timezones,
    coverage_segments,
    make_schedule,
    mark_open,
    publish_schedule,
    stored_opening_hours,
)
from staffing.exports import staff_on_duty
from staffing.planning import default_shift_templates
from staffing.scheduling import OpeningHours

PLANNER = Principal("pia", "planner")
MANAGER = Principal("max", "manager")
MONDAY = dt.date(2026, 11, 23)
STAMP = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
OPT = ReadOptions(today=dt.date(2026, 11, 22))
AGENTS = (
    "agent_id,name,team,country,timezone,contract_hours_per_week,channels\n"
    "A1,Anna,Buda,HU,Europe/Budapest,40,voice\n"
    "A2,Béla,Buda,HU,Europe/Budapest,40,voice\n"
    "A3,Csilla,Pest,HU,Europe/Budapest,40,voice\n"
    "A4,Dóra,Pest,HU,Europe/Budapest,40,voice\n"
)
ABSENCES = "agent_id,start_date,end_date,type\nA1,2026-11-23,2026-11-24,vacation\n"


@pytest.fixture
def store(tmp_path):
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    for kind, content in (("agents", AGENTS), ("absences", ABSENCES)):
        report, result = store.import_file(kind, content.encode(), f"{kind}.csv", OPT)
        assert result is not None, report.lines()
    return store


def requirements(first: dt.date = MONDAY, days: int = 14) -> pd.DataFrame:
    """HU voice, two staff from 09:00 to 17:00 every day for ``days`` days."""
    starts = pd.date_range(pd.Timestamp(first), periods=days * 48, freq="30min")
    return pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "required_staff": np.where((starts.hour >= 9) & (starts.hour < 17), 2.0, 0.0),
        }
    )


def week_schedule(store, **options):
    return make_schedule(
        requirements(),
        default_shift_templates(),
        store.load("agents"),
        store.load("absences"),
        week_start=MONDAY,
        opening_hours=OpeningHours.every_day(dt.time(8), dt.time(22)),
        time_limit_seconds=20,
        dtstamp=STAMP,
        **options,
    )


def test_make_schedule_plans_the_week_rosters_the_stored_agents_and_renders_the_exports(store):
    outputs = week_schedule(store)
    plan, roster = outputs.plan, outputs.roster
    assert plan.status == "optimal" and plan.fully_covered
    days = set(plan.coverage["interval_start"].dt.date)
    assert days == {MONDAY + dt.timedelta(days=d) for d in range(7)}  # the week, not fourteen days
    assert roster is not None and roster.filled_shifts > 0
    on_leave = roster.assignments[
        (roster.assignments["agent_id"] == "A1")
        & roster.assignments["date"].isin([MONDAY, MONDAY + dt.timedelta(days=1)])
    ]
    assert on_leave.empty  # nobody works on their vacation
    assert {"plan.csv", "coverage.csv", "roster.csv", "roster.xlsx"} <= set(outputs.files)
    book = openpyxl.load_workbook(io.BytesIO(outputs.files["roster.xlsx"]))
    assert sorted(book.sheetnames) == [
        "Buda 2026-11-23",
        "Buda 2026-W48",  # the agent x day grid of the ISO week
        "Pest 2026-11-23",
        "Pest 2026-W48",
    ]
    calendar = icalendar.Calendar.from_ical(outputs.files["calendars/agents/A2.ics"])
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Budapest"]
    assert len(calendar.events) == int((roster.assignments["agent_id"] == "A2").sum())
    # the same schedule made again gives its events the same UIDs: a re-import updates them
    again = week_schedule(store)
    later = icalendar.Calendar.from_ical(again.files["calendars/agents/A2.ics"])
    assert [str(e["UID"]) for e in later.events] == [str(e["UID"]) for e in calendar.events]


def test_agents_without_a_time_zone_work_in_their_countrys_and_are_rostered(tmp_path):
    # an agents file as teams write it: no timezone column (the real-data walk's IT team)
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'crewcast.db'}"))
    content = "agent_id,name,team,country,contract_hours_per_week,channels\n" + "".join(
        f"H{k},Agent {k},Duna,HU,40,voice\n" for k in range(1, 5)
    )
    report, result = store.import_file("agents", content.encode(), "agents.csv", OPT)
    assert result is not None, report.lines()
    agents = store.load("agents")
    assert agents["timezone"].isna().all()
    assert set(agents_with_timezones(agents)["timezone"]) == {"Europe/Budapest"}
    outputs = make_schedule(
        requirements(),
        default_shift_templates(),
        agents,
        week_start=MONDAY,
        opening_hours=OpeningHours.every_day(dt.time(8), dt.time(22)),
        time_limit_seconds=20,
        dtstamp=STAMP,
    )
    assert outputs.roster is not None and outputs.roster.filled_shifts > 0
    calendar = icalendar.Calendar.from_ical(outputs.files["calendars/agents/H1.ics"])
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Budapest"]


def test_an_agent_without_a_time_zone_in_a_country_of_several_is_named():
    agents = pd.DataFrame(
        {
            "agent_id": ["A1", "U1"],
            "country": ["HU", "US"],
            "timezone": ["Europe/Budapest", None],
        }
    )
    with pytest.raises(AgentTimezoneError, match=r"row 1 \(agent_id 'U1'\).*'US' has several"):
        agents_with_timezones(agents)


def test_publish_schedule_stores_the_staff_on_duty_and_the_roster_and_audits_it(store):
    outputs = week_schedule(store)
    schedule_id = publish_schedule(
        store, PLANNER, outputs, settings={"opening_hours": ["08:00", "22:00"]}, note="agreed"
    )
    listed = ps.list_schedules(store, MANAGER)
    assert listed["id"].tolist() == [schedule_id]
    row = listed.iloc[0]
    assert (row["first_day"], row["last_day"]) == (MONDAY, MONDAY + dt.timedelta(days=6))
    assert (row["plan_status"], row["roster_status"]) == (
        outputs.plan.status,
        outputs.roster.status,
    )
    assert row["filled_shifts"] == outputs.roster.filled_shifts
    assert row["note"] == "agreed" and row["published_by"] == "pia"
    loaded = ps.load_schedule(store, MANAGER, schedule_id)
    expected = staff_on_duty(outputs)
    np.testing.assert_allclose(loaded.intervals["planned_staff"], expected["planned_staff"])
    np.testing.assert_allclose(loaded.intervals["rostered_staff"], expected["rostered_staff"])
    assert len(loaded.shifts) == outputs.roster.filled_shifts
    assert set(loaded.shifts["name"]) <= {"Anna", "Béla", "Csilla", "Dóra"}
    assert loaded.settings == {"opening_hours": ["08:00", "22:00"]}
    current = ps.current_staff(store, MANAGER, MONDAY, MONDAY + dt.timedelta(days=6))
    assert set(current["schedule_id"]) == {schedule_id}
    with store.engine.connect() as conn:
        actions = conn.execute(
            sa.select(schema.audit_log.c.action, schema.audit_log.c.subject).where(
                schema.audit_log.c.action == "publish_schedule"
            )
        ).all()
    assert [tuple(a) for a in actions] == [("publish_schedule", f"schedule:{schedule_id}")]


def test_a_shift_plan_without_agents_publishes_without_a_roster(store):
    outputs = make_schedule(
        requirements(days=7), default_shift_templates(), time_limit_seconds=20, dtstamp=STAMP
    )
    assert outputs.roster is None
    schedule_id = publish_schedule(store, PLANNER, outputs)
    row = ps.list_schedules(store, MANAGER).iloc[0]
    assert row["id"] == schedule_id and row["roster_status"] is None
    loaded = ps.load_schedule(store, MANAGER, schedule_id)
    assert loaded.shifts.empty and loaded.intervals["rostered_staff"].isna().all()


def test_only_planners_publish_and_an_empty_week_is_refused(store):
    outputs = week_schedule(store)
    with pytest.raises(AccessDenied, match="may not publish schedules"):
        publish_schedule(store, MANAGER, outputs)
    empty = make_schedule(
        requirements(), default_shift_templates(), week_start=MONDAY + dt.timedelta(days=28)
    )
    assert empty.plan.status == "empty"
    with pytest.raises(ps.ScheduleError):
        publish_schedule(store, PLANNER, empty)
    assert ps.list_schedules(store, MANAGER).empty


def test_coverage_segments_leave_closed_hours_out_and_close_each_open_stretch():
    starts = pd.date_range("2026-11-27 19:00", periods=4, freq="30min")  # Fri 19:00-21:00
    coverage = pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": [*starts, pd.Timestamp("2026-11-28 09:00")],  # Sat opens at 9
            "interval_minutes": 30,
            "is_open": [True, True, False, False, True],
            "required_staff": [3.0, 2.0, 0.0, 0.0, 4.0],
            "shortfall": [1.0, 0.0, 0.0, 0.0, 2.0],
        }
    )
    shown = coverage_segments(coverage)
    assert shown["segment"].tolist() == [0, 0, 0, 1, 1]
    assert shown["interval_start"].dt.strftime("%a %H:%M").tolist() == [
        "Fri 19:00",
        "Fri 19:30",
        "Fri 20:00",  # the close: the 19:30 step ends here
        "Sat 09:00",
        "Sat 09:30",
    ]
    assert shown["required_staff"].tolist() == [3.0, 2.0, 2.0, 4.0, 4.0]
    assert shown["shortfall"].tolist() == [1.0, 0.0, 0.0, 2.0, 0.0]  # no bar at a close


def test_stored_opening_hours_are_the_queues_per_country():
    from staffing.profiles import QueueSetup

    setups = {
        ("IT", "voice"): QueueSetup(opening_hours="Mon-Fri 08:00-20:00; Sat 09:00-13:00"),
        ("IT", "chat"): QueueSetup(opening_hours="Mon-Fri 07:00-18:00"),
        ("HU", "voice"): QueueSetup(aht_seconds=200.0),  # no hours saved
    }
    queues = [("IT", "voice"), ("IT", "chat"), ("HU", "voice")]
    hours, texts = stored_opening_hours(queues, setups)
    assert set(hours) == {"IT"} and set(texts) == {("IT", "voice"), ("IT", "chat")}
    assert texts[("IT", "voice")] == "Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed"
    it = hours["IT"].weekly
    assert it[0] == (dt.time(7), dt.time(20))  # the earliest opening, the latest close
    assert it[5] == (dt.time(9), dt.time(13)) and it.get(6) is None


def test_a_published_schedules_intervals_are_open_as_its_saved_hours_say():
    starts = pd.date_range("2026-11-27 00:00", periods=2 * 48, freq="30min")  # Fri and Sat
    intervals = pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "required_staff": 0.0,
        }
    )
    marked = mark_open(intervals, {"HU/voice": "Mon-Fri 09:00-17:00; Sat-Sun closed"})
    opened = marked.loc[marked["is_open"], "interval_start"]
    assert len(opened) == 16 and opened.min() == pd.Timestamp("2026-11-27 09:00")
    assert opened.max() == pd.Timestamp("2026-11-27 16:30")
    drawn = coverage_segments(marked)["interval_start"]
    assert drawn.max() == pd.Timestamp("2026-11-27 17:00")  # the close, and nothing on Saturday
    # a schedule published before the hours were kept per queue: every interval counts as open
    assert mark_open(intervals, ["08:00:00", "22:00:00"])["is_open"].all()
