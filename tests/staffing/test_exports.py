"""Tests for staffing.exports: injection-safe CSV/Excel and RFC 5545 calendars with stable UIDs."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import re
import zoneinfo

import icalendar
import numpy as np
import openpyxl
import pandas as pd
import pytest

from staffing.exports import (
    ExportError,
    agent_calendars,
    event_uid,
    frame_to_csv,
    frames_to_excel,
    make_schedule_outputs,
    make_vtimezone,
    roster_to_excel,
    staff_on_duty,
    team_calendars,
    write_schedule_outputs,
)
from staffing.roster import build_roster
from staffing.scheduling import PLAN_COLUMNS

AR_ZONE = "America/Argentina/Buenos_Aires"
STAMP = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
EVIL = '=HYPERLINK("http://x")'


def plan_rows(rows: list[tuple[str, str, str]], country: str = "AR") -> pd.DataFrame:
    """Plan frame from (shift name, start, end), one agent each, no breaks."""
    records = []
    for name, start, end in rows:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
        records.append(
            {
                "country": country,
                "channel": "voice",
                "date": s.date(),
                "shift": name,
                "shift_start": s,
                "shift_end": e,
                "break_start": s + pd.Timedelta(hours=4),
                "break_end": s + pd.Timedelta(hours=4, minutes=30),
                "paid_hours": (e - s).total_seconds() / 3600 - 0.5,
                "agents": 1,
                "cost": 0.0,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(PLAN_COLUMNS))


def agents(names: tuple[str, ...] = ('Ana; Pérez, \\ "la jefa"',)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": [f"ar-{k}" for k in range(len(names))],
            "name": list(names),
            "team": "Buenos Aires",
            "country": "AR",
            "timezone": AR_ZONE,
            "contract_hours_per_week": 40.0,
            "channels": "voice",
        }
    )


WEEK = [
    ("Early", "2025-01-06 09:00", "2025-01-06 17:30"),
    ("Early", "2025-01-07 09:00", "2025-01-07 17:30"),
    ("Late", "2025-01-09 13:00", "2025-01-09 21:30"),
]


def roster_assignments(
    rows: list[tuple[str, str, str]] = WEEK, names: tuple[str, ...] | None = None
) -> pd.DataFrame:
    roster = build_roster(plan_rows(rows), agents() if names is None else agents(names))
    assert roster.unfilled_shifts == 0
    return roster.assignments


# --------------------------------------------------------------------------- iCalendar parsing


def unfold(text: str) -> list[str]:
    """Content lines of an iCalendar text (RFC 5545 3.1 unfolding)."""
    return text.replace("\r\n ", "").split("\r\n")


def parse_events(text: str) -> list[dict[str, str]]:
    """Events as {property (with parameters): value}, enough for these tests."""
    events, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and line:
            key, _, value = line.partition(":")
            current[key] = value
    return events


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_ics_is_crlf_folded_and_round_trips() -> None:
    text = agent_calendars(roster_assignments(), dtstamp=STAMP)["ar-0"]
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare LF
    raw = text.encode("utf-8")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events = parse_events(text)
    assert len(events) == 3
    for event in events:
        assert event["DTSTAMP"] == "20250101T120000Z"
        assert re.fullmatch(r"[0-9a-f]{32}@crewcast", event["UID"])
        assert int(event["SEQUENCE"]) >= 0
    description = unescape(events[0]["DESCRIPTION"])
    assert 'Agent: Ana; Pérez, \\ "la jefa" (ar-0)' in description
    assert "\nUnpaid break: 13:00-13:30" in description


def test_ar_agent_nine_o_clock_shift_is_in_the_agents_zone() -> None:
    text = agent_calendars(roster_assignments(), dtstamp=STAMP)["ar-0"]
    first = parse_events(text)[0]
    assert first[f"DTSTART;TZID={AR_ZONE}"] == "20250106T090000"
    assert first[f"DTEND;TZID={AR_ZONE}"] == "20250106T173000"
    # the VTIMEZONE says what TZID means: UTC-3 all year, so 09:00 local is 12:00 UTC
    lines = unfold(text)
    assert f"TZID:{AR_ZONE}" in lines
    offsets = {line for line in lines if line.startswith("TZOFFSETTO:")}
    assert offsets == {"TZOFFSETTO:-0300"}
    local = dt.datetime(2025, 1, 6, 9, tzinfo=zoneinfo.ZoneInfo(AR_ZONE))
    assert local.astimezone(dt.UTC).hour == 12


def test_vtimezone_carries_dst_changes_inside_the_period() -> None:
    rows = [
        ("Day", "2025-03-28 09:00", "2025-03-28 17:00"),
        ("Day", "2025-04-01 09:00", "2025-04-01 17:00"),
    ]
    roster = build_roster(
        plan_rows(rows, country="HU"),
        agents().assign(country="HU", timezone="Europe/Budapest"),
    )
    lines = unfold(agent_calendars(roster.assignments, dtstamp=STAMP)["ar-0"])
    assert "BEGIN:DAYLIGHT" in lines
    assert "DTSTART:20250330T020000" in lines  # CET -> CEST at 02:00 local on 30 March
    assert "TZOFFSETTO:+0200" in lines


def test_uids_are_stable_and_survive_changes_to_other_shifts() -> None:
    first = parse_events(agent_calendars(roster_assignments(), dtstamp=STAMP)["ar-0"])
    again = parse_events(
        agent_calendars(roster_assignments(), dtstamp=STAMP + dt.timedelta(days=2))["ar-0"]
    )
    assert [e["UID"] for e in first] == [e["UID"] for e in again]
    assert int(again[0]["SEQUENCE"]) > int(first[0]["SEQUENCE"])  # re-import updates
    assert again[0]["DTSTAMP"] != first[0]["DTSTAMP"]
    # move Thursday's late shift later: Monday's and Tuesday's events keep their UIDs
    changed_rows = [*WEEK[:2], ("Late", "2025-01-09 14:00", "2025-01-09 22:30")]
    changed = parse_events(agent_calendars(roster_assignments(changed_rows), dtstamp=STAMP)["ar-0"])
    assert [e["UID"] for e in changed] == [e["UID"] for e in first]
    assert changed[2][f"DTSTART;TZID={AR_ZONE}"] == "20250109T140000"
    # a different template that day is a different event
    assert event_uid("ar-0", "2025-01-09", "Late") != event_uid("ar-0", "2025-01-09", "Early")
    assert event_uid("ar-0", dt.date(2025, 1, 9), "Late") == first[2]["UID"]


def test_team_calendar_holds_every_member_with_distinct_uids() -> None:
    rows = [("Early", "2025-01-06 09:00", "2025-01-06 17:30")] * 2
    plan = plan_rows(rows[:1]).assign(agents=2)
    roster = build_roster(plan, agents(("Ana", "Bruno")))
    teams = team_calendars(roster.assignments, dtstamp=STAMP, sequence=3)
    assert list(teams) == ["Buenos Aires"]
    events = parse_events(teams["Buenos Aires"])
    assert len(events) == 2 and len({e["UID"] for e in events}) == 2
    assert all(e["UID"].startswith("team-") and e["SEQUENCE"] == "3" for e in events)
    assert {unescape(e["SUMMARY"]).split(":")[0] for e in events} == {"Ana", "Bruno"}


HOSTILE = 'Ana; Pérez, \\ "la jefa"\nsecond line'


def test_calendar_round_trips_through_icalendar() -> None:
    rows = [("Early, split; late", "2025-01-06 09:00", "2025-01-06 17:30"), *WEEK[1:]]
    assignments = roster_assignments(rows, names=(HOSTILE,))
    first = icalendar.Calendar.from_ical(agent_calendars(assignments, dtstamp=STAMP)["ar-0"])
    later = icalendar.Calendar.from_ical(
        agent_calendars(assignments, dtstamp=STAMP + dt.timedelta(hours=1))["ar-0"]
    )
    assert [str(e["UID"]) for e in first.events] == [str(e["UID"]) for e in later.events]
    assert [str(e["UID"]) for e in first.events] == [
        event_uid("ar-0", "2025-01-06", "Early, split; late"),
        event_uid("ar-0", "2025-01-07", "Early"),
        event_uid("ar-0", "2025-01-09", "Late"),
    ]
    assert later.events[0]["SEQUENCE"] == first.events[0]["SEQUENCE"] + 60  # a minute a step
    (zone,) = first.timezones
    assert zone.tz_name == AR_ZONE
    event = first.events[0]
    assert event["DTSTART"].params["TZID"] == AR_ZONE
    assert event.start == dt.datetime(2025, 1, 6, 9, tzinfo=zoneinfo.ZoneInfo(AR_ZONE))
    assert event.end.astimezone(dt.UTC) == dt.datetime(2025, 1, 6, 20, 30, tzinfo=dt.UTC)
    assert str(event["SUMMARY"]) == "Early, split; late shift (voice)"
    assert f"Agent: {HOSTILE} (ar-0)\n" in str(event["DESCRIPTION"])
    assert event.categories == ["Early, split; late"]
    team = icalendar.Calendar.from_ical(team_calendars(assignments, dtstamp=STAMP)["Buenos Aires"])
    assert str(team.events[0]["SUMMARY"]) == f"{HOSTILE}: Early, split; late shift (voice)"
    assert str(team.events[0]["UID"]) == "team-" + str(event["UID"])


def test_vtimezone_onset_is_the_instant_of_the_change() -> None:
    # RFC 5545 reads an onset with TZOFFSETFROM: the change to CEST at 01:00 UTC is 02:00 CET
    zone = make_vtimezone(
        "Europe/Budapest",
        dt.datetime(2025, 1, 6, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    budapest = zoneinfo.ZoneInfo("Europe/Budapest")
    changes = []
    for observance in zone.subcomponents:
        if observance["TZOFFSETFROM"].td == observance["TZOFFSETTO"].td:
            continue
        rdates = observance.get("RDATE", [])
        onsets = [observance.DTSTART] + [
            d.dt for lst in (rdates if isinstance(rdates, list) else [rdates]) for d in lst.dts
        ]
        for onset in onsets:
            instant = onset.replace(tzinfo=dt.UTC) - observance["TZOFFSETFROM"].td
            before = (instant - dt.timedelta(seconds=1)).astimezone(budapest).utcoffset()
            after = instant.astimezone(budapest).utcoffset()
            assert (before, after) == (observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td)
            changes.append(instant)
    assert len(changes) == 4  # two springs, two autumns


def test_bad_export_parameters() -> None:
    assignments = roster_assignments()
    with pytest.raises(ExportError, match="timezone-aware"):
        agent_calendars(assignments, dtstamp=dt.datetime(2025, 1, 1))
    with pytest.raises(ExportError, match="sequence must be >= 0, got -1"):
        agent_calendars(assignments, dtstamp=STAMP, sequence=-1)
    with pytest.raises(ExportError, match="roster: missing column"):
        roster_to_excel(assignments.drop(columns=["team"]))


# --------------------------------------------------------------------------- spreadsheets


def test_csv_neutralises_formulas_but_keeps_negative_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": [EVIL, "+1 555", "@SUM(A1)", "\tx", "-x", "plain"],
            "delta_hours": [-3.5, 2.0, -1.0, 0.0, 1.0, 0.5],
            "count": [-2, 1, 0, 3, 4, 5],
        }
    )
    back = pd.read_csv(io.BytesIO(frame_to_csv(frame)), keep_default_na=False)
    assert back["name"].tolist() == ["'" + EVIL, "'+1 555", "'@SUM(A1)", "'\tx", "'-x", "plain"]
    assert back["delta_hours"].tolist() == [-3.5, 2.0, -1.0, 0.0, 1.0, 0.5]
    assert back["count"].tolist() == [-2, 1, 0, 3, 4, 5]
    assert frame_to_csv(frame, excel_bom=True).startswith(b"\xef\xbb\xbf")


def test_excel_sheet_per_team_and_week_safe_and_readable() -> None:
    rows = [*WEEK, ("Early", "2025-01-13 09:00", "2025-01-13 17:30")]
    assignments = roster_assignments(rows, names=(EVIL,))
    book = openpyxl.load_workbook(io.BytesIO(roster_to_excel(assignments)))
    assert book.sheetnames == [
        "Buenos Aires 2025-W02",  # the grids first
        "Buenos Aires 2025-W03",
        "Buenos Aires 2025-01-06",
        "Buenos Aires 2025-01-13",
    ]
    sheet = book["Buenos Aires 2025-01-06"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["agent_id", "name", "channel"]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4  # header + three shifts
    name_cell = sheet.cell(row=2, column=header.index("name") + 1)
    assert name_cell.value == "'" + EVIL and name_cell.data_type == "s"
    start_cell = sheet.cell(row=2, column=header.index("agent_start") + 1)
    assert start_cell.value == dt.datetime(2025, 1, 6, 9, 0)
    assert sheet.column_dimensions["B"].width >= len(EVIL)


def test_excel_roster_is_an_agent_by_day_grid_per_team_and_iso_week() -> None:
    names = (EVIL, "Bruno")
    assignments = roster_assignments(WEEK, names=names)
    team = agents(names)
    absences = pd.DataFrame(
        {"agent_id": ["ar-1"], "start_date": ["2025-01-10"], "end_date": ["2025-01-20"],
         "type": ["vacation"]}
    )  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(roster_to_excel(assignments, team, absences)))
    sheet = book["Buenos Aires 2025-W02"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["agent_id", "name"] and header[-1] == "weekly_hours"
    days = header[2:9]
    assert days == [dt.datetime(2025, 1, 6) + dt.timedelta(days=k) for k in range(7)]
    assert all(c.is_date and c.number_format == "ddd yyyy-mm-dd" for c in sheet[1][2:9])
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    worked = [r for r in rows.values() if r[-1] > 0]
    assert len(worked) == 1 and len(rows) == 2  # the agent without shifts has a row too
    shifts = worked[0][2:9]
    assert shifts[0] == shifts[1] == "09:00-17:30 voice"  # agent-local (the queue's zone)
    assert shifts[3] == "13:00-21:30 voice" and shifts[2] == "off"
    assert worked[0][-1] == pytest.approx(3 * 8.0)  # weekly paid hours
    idle = next(r for r in rows.values() if r[-1] == 0)
    assert idle[2:9] == ("off",) * 4 + ("vacation",) * 3
    # the formula guard holds in the grid
    names_shown = {r[1] for r in rows.values()}
    assert "'" + EVIL in names_shown
    assert sheet["B2"].data_type == "s"


def test_excel_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"label": ["-1", EVIL], "value": [-1.5, -2.0]})
    book = openpyxl.load_workbook(io.BytesIO(frames_to_excel({"Data: 1/2": frame})))
    sheet = book["Data_ 1_2"]  # illegal sheet-name characters replaced
    assert [c.value for c in sheet["A"]][1:] == ["'-1", "'" + EVIL]
    assert [c.value for c in sheet["B"]][1:] == [-1.5, -2.0]
    assert all(c.data_type == "n" for c in sheet["B"][1:])


class Shown:
    """An object pandas writes as its text."""

    def __str__(self) -> str:
        return "=cmd|' /C calc'!A0"


def test_excel_read_back_holds_no_formula_from_hostile_text() -> None:
    hostile = [EVIL, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=1"]
    frame = pd.DataFrame(
        {
            "name": hostile,
            "as_string": pd.Series(hostile, dtype="string"),
            "object": [Shown()] * len(hostile),
            "=header": range(len(hostile)),
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(frames_to_excel({"hostile": frame})))
    cells = [cell for row in book["hostile"].iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    sheet = book["hostile"]
    assert sheet["D1"].value == "'=header"
    # (XML reads a carriage return back as a line feed)
    assert [c.value for c in sheet["A"][1:]] == ["'" + t.replace("\r", "\n") for t in hostile]
    assert {c.value for c in sheet["C"][1:]} == {"'" + str(Shown())}


NOISY = pd.DataFrame(
    {
        "date": pd.to_datetime(["2026-12-07", "2026-12-08", None]),
        "interval_start": pd.to_datetime(["2026-12-07 08:00", "2026-12-07 08:30", None]),
        "paid_hours": [7.5000000001, 0.1 + 0.2, 1 / 3],
        "required_staff": [12.000000001, 3.0, np.nan],
        "forecast": [123.456, 0.30000000000000004, -1e-12],
        "wape": [0.1 + 0.2, 0.123456789, 0.0],
    }
)


def test_csv_numbers_are_rounded_and_dates_are_iso() -> None:
    text = frame_to_csv(NOISY).decode()
    assert "0000000" not in text and "9999999" not in text  # no float noise anywhere
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back["date"].tolist() == ["2026-12-07", "2026-12-08", ""]
    assert back["interval_start"].tolist() == ["2026-12-07 08:00", "2026-12-07 08:30", ""]
    assert back["paid_hours"].tolist() == ["7.5", "0.3", "0.33"]  # hours to 0.01
    assert back["required_staff"].tolist() == ["12", "3", ""]  # whole staff
    assert back["wape"].tolist() == ["0.3", "0.1235", "0.0"]  # fractions to 4 decimals
    assert back["forecast"].tolist() == ["123.456", "0.3", "0.0"]  # interval contacts: 0.001
    daily = frame_to_csv(NOISY.drop(columns="interval_start")).decode()
    assert pd.read_csv(io.StringIO(daily))["forecast"].tolist() == [123.5, 0.3, 0.0]


def test_excel_numbers_are_rounded_and_dates_are_date_cells() -> None:
    book = openpyxl.load_workbook(io.BytesIO(frames_to_excel({"noisy": NOISY})))
    sheet = book["noisy"]
    header = [c.value for c in sheet[1]]
    column = {name: [c.value for c in sheet[get_letter(k)][1:]] for k, name in enumerate(header)}
    assert column["date"][:2] == [dt.datetime(2026, 12, 7), dt.datetime(2026, 12, 8)]
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].is_date and sheet["B3"].number_format == "yyyy-mm-dd hh:mm"
    assert column["interval_start"][1] == dt.datetime(2026, 12, 7, 8, 30)
    assert column["paid_hours"] == [7.5, 0.3, 0.33]
    assert column["required_staff"] == [12, 3, None]
    assert column["wape"] == [0.3, 0.1235, 0]


def get_letter(k: int) -> str:
    return openpyxl.utils.get_column_letter(k + 1)


def one_day_shift(cost_per_hour: float = 10.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Requirements of one agent 09:00-17:00 on Monday 6 January 2025, and one Mon-Fri shift."""
    requirements = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "interval_start": pd.date_range("2025-01-06 09:00", periods=16, freq="30min"),
            "interval_minutes": 30,
            "required_staff": 1,
        }
    )
    shifts = pd.DataFrame(
        {
            "name": ["Day"],
            "start": ["09:00"],
            "length_hours": [8.5],
            "break_minutes": [30],
            "days": ["Mon-Fri"],
            "cost_per_hour": [cost_per_hour],
        }
    )
    return requirements, shifts


def test_schedule_files_hold_rounded_numbers_and_iso_dates() -> None:
    requirements, shifts = one_day_shift(10.1)
    outputs = make_schedule_outputs(
        requirements, shifts, agents(("Ana",)), time_limit_seconds=10, dtstamp=STAMP
    )
    for name, content in outputs.files.items():
        if name.endswith(".csv"):
            assert not re.search(r"\.\d*(000000|999999)", content.decode()), name
    roster = pd.read_csv(io.BytesIO(outputs.files["roster.csv"]), dtype=str)
    assert roster["date"].iloc[0] == "2025-01-06"
    assert roster["shift_start"].iloc[0] == "2025-01-06 09:00"
    assert roster["paid_hours"].iloc[0] == "8"
    coverage = pd.read_csv(io.BytesIO(outputs.files["coverage.csv"]), dtype=str)
    assert coverage["scheduled_staff"].str.fullmatch(r"\d+(\.\d)?").all()


# --------------------------------------------------------------------------- CLI bundle


def test_make_schedule_outputs_runs_the_roster_on_the_given_executor() -> None:
    requirements, shifts = one_day_shift()
    submitted: list[str] = []

    class Recording(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    with Recording(max_workers=1) as pool:
        outputs = make_schedule_outputs(
            requirements,
            shifts,
            agents(("Ana",)),
            time_limit_seconds=10,
            dtstamp=STAMP,
            executor=pool,
        )
    assert submitted == ["solve_roster_part"]
    assert outputs.roster is not None and outputs.roster.filled_shifts >= 1


def test_make_schedule_outputs_and_write(tmp_path) -> None:
    requirements, shifts = one_day_shift()
    outputs = make_schedule_outputs(
        requirements, shifts, agents(("Ana", "Bruno")), time_limit_seconds=10, dtstamp=STAMP
    )
    assert outputs.plan.status == "optimal"
    assert outputs.roster is not None and outputs.roster.filled_shifts >= 1
    expected = {
        "plan.csv",
        "coverage.csv",
        "uncovered.csv",
        "roster.csv",
        "unfilled.csv",
        "overtime.csv",
        "roster.xlsx",
    }
    assert expected <= set(outputs.files)
    assert any(p.startswith("calendars/agents/") for p in outputs.files)
    assert "calendars/teams/Buenos_Aires.ics" in outputs.files
    written = write_schedule_outputs(outputs, tmp_path / "out")
    assert len(written) == len(outputs.files)
    overtime = pd.read_csv(tmp_path / "out" / "overtime.csv")
    assert list(overtime.columns) == [
        "agent_id",
        "week_start",
        "contract_hours",
        "scheduled_hours",
        "projected_overtime_hours",
    ]
    plan_only = make_schedule_outputs(requirements, shifts, dtstamp=STAMP)
    assert plan_only.roster is None and set(plan_only.files) == {
        "plan.csv",
        "coverage.csv",
        "uncovered.csv",
    }
    # staff on duty, as published: the plan's, and the named agents' (the break excluded)
    on_duty = staff_on_duty(outputs)
    assert len(on_duty) == 16 and (on_duty["required_staff"] == 1).all()
    np.testing.assert_allclose(on_duty["planned_staff"], outputs.plan.coverage["scheduled_staff"])
    # one agent on the eight-and-a-half-hour shift: on duty but for the half-hour break
    assert on_duty["rostered_staff"].sum() == pytest.approx(on_duty["planned_staff"].sum())
    assert on_duty["rostered_staff"].sum() == pytest.approx(16 - 1)
    assert staff_on_duty(plan_only)["rostered_staff"].isna().all()


def test_vtimezone_built_once_per_zone_and_days_hands_out_copies() -> None:
    first = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)
    last = dt.datetime(2025, 4, 1, 20, tzinfo=dt.UTC)
    one = make_vtimezone("Europe/Budapest", first, last)
    one["TZID"] = "changed by one calendar"
    one.subcomponents.clear()
    other = make_vtimezone("Europe/Budapest", first + dt.timedelta(hours=3), last)
    assert str(other["TZID"]) == "Europe/Budapest"
    assert len(other.subcomponents) == 2  # the CET of March and the change to CEST
