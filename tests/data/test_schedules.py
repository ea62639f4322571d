"""Published schedules: round trip, the current staff per queue and day, access, bad input, audit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data import schedules as ps
from data import schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.retention import purge_hr_data
from data.store import open_store
from staffing.exports import make_schedule_outputs, staff_on_duty
from staffing.planning import default_shift_templates

PLANNER = Principal("pia", "planner")
MANAGER = Principal("max", "manager")
HR = Principal("hana", "hr")
MONDAY = dt.date(2026, 11, 23)


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def intervals(first: dt.date, days: int, planned: float, rostered: float | None = None,
              country: str = "HU") -> pd.DataFrame:  # fmt: skip
    """Two hours a day (four half hours from 09:00) of one queue."""
    starts = [
        pd.Timestamp(first) + pd.Timedelta(days=d, hours=9, minutes=30 * k)
        for d in range(days)
        for k in range(4)
    ]
    return pd.DataFrame(
        {
            "country": country,
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "required_staff": 3.0,
            "planned_staff": planned,
            "rostered_staff": np.nan if rostered is None else rostered,
        }
    )


def shifts(day: dt.date = MONDAY) -> pd.DataFrame:
    start = pd.Timestamp(day) + pd.Timedelta(hours=9)
    return pd.DataFrame(
        {
            "agent_id": ["A1", "A2"],
            "country": "HU",
            "channel": "voice",
            "date": [day, day],
            "shift": ["Early", "Early"],
            "shift_start": [start, start],
            "shift_end": [start + pd.Timedelta(hours=8)] * 2,
            "break_start": [start + pd.Timedelta(hours=4), pd.NaT],
            "break_end": [start + pd.Timedelta(hours=4, minutes=30), pd.NaT],
            "paid_hours": [7.5, 8.0],
        }
    )


SUMMARY = ps.ScheduleSummary("optimal", 1.5, 120.0, "optimal", 2, 0)


def test_a_published_schedule_reads_back_with_its_roster_and_is_audited(store):
    agents = (
        "agent_id,name,team,country,timezone,contract_hours_per_week,channels\n"
        "A1,Anna,Buda,HU,Europe/Budapest,40,voice\n"
        "A2,Béla,Buda,HU,Europe/Budapest,40,voice\n"
    )
    report, result = store.import_file("agents", agents.encode(), "agents.csv")
    assert result is not None, report
    schedule_id = ps.publish_schedule(
        store,
        PLANNER,
        intervals=intervals(MONDAY, 7, planned=2.0, rostered=2.0),
        shifts=shifts(),
        summary=SUMMARY,
        settings={"opening": ["08:00", "22:00"]},
        note="agreed with the team leads",
    )
    listed = ps.list_schedules(store, MANAGER)
    assert listed["id"].tolist() == [schedule_id]
    row = listed.iloc[0]
    assert (row["first_day"], row["last_day"]) == (MONDAY, MONDAY + dt.timedelta(days=6))
    assert (row["countries"], row["channels"], row["published_by"]) == ("HU", "voice", "pia")
    assert (row["filled_shifts"], row["shortfall_staff_hours"]) == (2, 1.5)
    loaded = ps.load_schedule(store, MANAGER, schedule_id)
    assert len(loaded.intervals) == 28 and loaded.intervals["planned_staff"].eq(2.0).all()
    assert loaded.shifts["name"].tolist() == ["Anna", "Béla"]
    assert loaded.shifts["break_start"].isna().tolist() == [False, True]
    assert loaded.settings == {"opening": ["08:00", "22:00"]}
    assert loaded.info["note"] == "agreed with the team leads"
    with store.engine.connect() as conn:
        audit = conn.execute(sa.select(schema.audit_log)).mappings().all()
    assert [(a["action"], a["subject"]) for a in audit if a["action"] == "publish_schedule"] == [
        ("publish_schedule", f"schedule:{schedule_id}")
    ]


def test_the_newest_schedule_of_a_day_is_the_current_one_and_rosters_count_named_agents(store):
    # week 1 as a shift plan without names (2 staff), then days 3-4 again with a roster that
    # left a shift unfilled (1 named agent where the plan had 2)
    ps.publish_schedule(store, PLANNER, intervals=intervals(MONDAY, 7, planned=2.0),
                        shifts=shifts().iloc[:0], summary=SUMMARY)  # fmt: skip
    later = ps.publish_schedule(
        store,
        PLANNER,
        intervals=intervals(MONDAY + dt.timedelta(days=2), 2, planned=2.0, rostered=1.0),
        shifts=shifts(MONDAY + dt.timedelta(days=2)),
        summary=SUMMARY,
    )
    current = ps.current_staff(store, MANAGER, MONDAY, MONDAY + dt.timedelta(days=13))
    per_day = current.groupby(current["interval_start"].dt.date).agg(
        staff=("scheduled_staff", "mean"), schedule=("schedule_id", "max")
    )
    assert len(per_day) == 7  # the second week has no schedule: no rows
    assert per_day.loc[MONDAY + dt.timedelta(days=2), "staff"] == 1.0
    assert per_day.loc[MONDAY + dt.timedelta(days=3), "schedule"] == later
    assert per_day.loc[MONDAY, "staff"] == 2.0 and per_day.loc[MONDAY, "schedule"] < later
    # only the days asked for
    one_day = ps.current_staff(store, MANAGER, MONDAY, MONDAY)
    assert set(one_day["interval_start"].dt.date) == {MONDAY}
    assert ps.schedules_version(store) == (2, later)


def test_only_planners_and_admins_publish_and_hr_does_not_read_schedules(store):
    with pytest.raises(AccessDenied, match=r"max \(manager\) may not publish schedules"):
        ps.publish_schedule(store, MANAGER, intervals=intervals(MONDAY, 1, 2.0),
                            shifts=shifts(), summary=SUMMARY)  # fmt: skip
    with pytest.raises(AccessDenied, match="view staffing"):
        ps.list_schedules(store, HR)
    with pytest.raises(AccessDenied):
        ps.current_staff(store, HR, MONDAY, MONDAY)


def test_bad_rows_name_the_row_column_and_value_and_write_nothing(store):
    bad = intervals(MONDAY, 1, 2.0).astype({"interval_start": object})
    bad.loc[2, "interval_start"] = "soon"
    with pytest.raises(
        ps.ScheduleError, match="intervals row 2: column 'interval_start' has 'soon'"
    ):
        ps.publish_schedule(store, PLANNER, intervals=bad, shifts=shifts(), summary=SUMMARY)
    negative = intervals(MONDAY, 1, 2.0)
    negative.loc[1, "planned_staff"] = -1
    with pytest.raises(ps.ScheduleError, match=r"row 1: column 'planned_staff' has '-1\.0'"):
        ps.publish_schedule(store, PLANNER, intervals=negative, shifts=shifts(), summary=SUMMARY)
    no_length = intervals(MONDAY, 1, 2.0).assign(interval_minutes=[30, 0, 30, 30])
    with pytest.raises(ps.ScheduleError, match="row 1: column 'interval_minutes' has '0', not a"):
        ps.publish_schedule(store, PLANNER, intervals=no_length, shifts=shifts(), summary=SUMMARY)
    with pytest.raises(ps.ScheduleError, match="the schedule is empty"):
        ps.publish_schedule(store, PLANNER, intervals=intervals(MONDAY, 0, 2.0),
                            shifts=shifts(), summary=SUMMARY)  # fmt: skip
    twice = pd.concat([intervals(MONDAY, 1, 2.0)] * 2)
    with pytest.raises(ps.ScheduleError, match="HU/voice has the interval 2026-11-23 09:00 more"):
        ps.publish_schedule(store, PLANNER, intervals=twice, shifts=shifts(), summary=SUMMARY)
    with pytest.raises(
        ps.ScheduleError, match=r"shifts: missing column\(s\) 'paid_hours'; it has 'agent_id'"
    ):
        ps.publish_schedule(store, PLANNER, intervals=intervals(MONDAY, 1, 2.0),
                            shifts=shifts().drop(columns="paid_hours"), summary=SUMMARY)  # fmt: skip
    assert ps.list_schedules(store, PLANNER).empty
    with pytest.raises(ps.ScheduleError, match="no published schedule #7"):
        ps.load_schedule(store, PLANNER, 7)


def test_the_retention_purge_deletes_old_rosters_but_keeps_the_staff_counts(store):
    old = MONDAY - dt.timedelta(days=800)
    ps.publish_schedule(store, PLANNER, intervals=intervals(old, 1, 2.0, 2.0),
                        shifts=shifts(old), summary=SUMMARY)  # fmt: skip
    ps.publish_schedule(store, PLANNER, intervals=intervals(MONDAY, 1, 2.0, 2.0),
                        shifts=shifts(), summary=SUMMARY)  # fmt: skip
    done = purge_hr_data(store, days=730, today=MONDAY, actor=HR)
    assert done.deleted["published_schedule_shifts"] == 2
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(schema.published_schedule_shifts.c.date)).scalars().all()
        counts = conn.execute(
            sa.select(sa.func.count()).select_from(schema.published_schedule_intervals)
        ).scalar_one()
    assert left == [MONDAY, MONDAY] and counts == 8


def test_a_schedules_staff_on_duty_has_the_columns_published():
    # staffing.exports.staff_on_duty makes what publish_schedule stores
    requirements = intervals(MONDAY, 1, 0.0)[
        ["country", "channel", "interval_start", "interval_minutes", "required_staff"]
    ]
    on_duty = staff_on_duty(make_schedule_outputs(requirements, default_shift_templates()))
    assert list(on_duty.columns) == list(ps.INTERVAL_COLUMNS)
