"""The pure helpers behind the Staffing and Schedule pages."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from staffing.erlang import StaffingTargets
from staffing.planning import (
    AHT_COLUMNS,
    PlanningInputError,
    default_shift_templates,
    files_under,
    forecast_to_requirements_input,
    recent_aht,
    requirements_for_week,
    requirements_summary,
    staff_hours,
    targets_by_channel,
    templates_to_frame,
    what_if_difference,
    zip_files,
)
from staffing.requirements import INPUT_COLUMNS, RequirementsInputError, interval_requirements
from staffing.scheduling import OpeningHours, plan_shifts, shift_templates_from_frame


def contacts_frame(rows):
    return pd.DataFrame(
        rows, columns=["country", "channel", "ds", "contacts", "aht_seconds"]
    ).assign(ds=lambda f: pd.to_datetime(f["ds"]), interval_minutes=30)


def intervals_frame(forecast=(10.0, 20.0), upper=(12.0, 25.0), channel="voice"):
    starts = pd.date_range("2026-01-05 08:00", periods=len(forecast), freq="30min")
    return pd.DataFrame(
        {
            "country": "HU",
            "channel": channel,
            "date": starts.normalize(),
            "interval_start": starts,
            "interval_minutes": 30,
            "forecast": list(forecast),
            "forecast_lower": 0.0,
            "forecast_upper": list(upper),
            "model": "ets",
        }
    )


def test_recent_aht_is_contact_weighted_over_the_last_weeks_per_series():
    aht = recent_aht(
        contacts_frame(
            [
                ("HU", "voice", "2025-01-01 09:00", 100, 999.0),  # older than 8 weeks: ignored
                ("HU", "voice", "2026-01-01 09:00", 30, 300.0),
                ("HU", "voice", "2026-01-02 09:00", 10, 500.0),
                ("HU", "voice", "2026-01-03 09:00", 5, np.nan),  # no handle time: ignored
                ("AR", "chat", "2024-06-01 09:00", 0, 400.0),  # own last date; no contacts
                ("AR", "chat", "2024-06-02 09:00", 0, 600.0),
            ]
        )
    )
    assert list(aht.columns) == list(AHT_COLUMNS)
    by_queue = aht.set_index(["country", "channel"])["aht_seconds"]
    assert by_queue[("HU", "voice")] == pytest.approx((30 * 300 + 10 * 500) / 40)
    assert by_queue[("AR", "chat")] == pytest.approx(500.0)  # plain mean without contacts


def test_recent_aht_rejects_a_window_below_one_week():
    with pytest.raises(PlanningInputError, match="weeks"):
        recent_aht(contacts_frame([("HU", "voice", "2026-01-01", 1, 300.0)]), weeks=0)


def test_requirements_input_has_the_columns_interval_requirements_reads():
    aht = pd.DataFrame({"country": ["HU"], "channel": ["voice"], "aht_seconds": [300.0]})
    frame = forecast_to_requirements_input(intervals_frame(), aht, aht_change_pct=10)
    assert list(frame.columns[: len(INPUT_COLUMNS)]) == list(INPUT_COLUMNS)
    assert pd.api.types.is_datetime64_dtype(frame["interval_start"])
    assert frame["aht_seconds"].tolist() == pytest.approx([330.0, 330.0])
    assert "model" in frame.columns  # the forecast's other columns travel along
    out = interval_requirements(frame, StaffingTargets(), use_upper_bound=True)
    assert (out["required_staff"] > 0).all()


def test_requirements_input_clips_negative_forecasts_and_keeps_the_upper_bound_above():
    aht = pd.DataFrame({"country": ["HU"], "channel": ["voice"], "aht_seconds": [300.0]})
    frame = forecast_to_requirements_input(
        intervals_frame(forecast=(-2.0, 5.0), upper=(-1.0, 4.0)), aht
    )
    assert frame["forecast"].tolist() == [0.0, 5.0]
    assert frame["forecast_upper"].tolist() == [0.0, 5.0]


def test_requirements_input_names_a_queue_without_handle_time():
    aht = pd.DataFrame({"country": ["HU"], "channel": ["chat"], "aht_seconds": [500.0]})
    with pytest.raises(PlanningInputError, match="HU/voice"):
        forecast_to_requirements_input(intervals_frame(), aht)


def test_targets_by_channel_gives_chat_its_concurrency_and_voice_one():
    targets = targets_by_channel(["voice", "chat"], {"shrinkage": 0.25}, chat_concurrency=3)
    assert targets["voice"].concurrency == 1 and targets["chat"].concurrency == 3
    assert targets["voice"].shrinkage == 0.25
    with pytest.raises(RequirementsInputError, match="fax"):
        targets_by_channel(["fax"], {}, 2)


def requirements(staff=(2, 4), contacts=(10.0, 20.0), sl=(0.9, 0.8)):
    starts = pd.date_range("2026-01-05 08:00", periods=len(staff), freq="30min")
    return pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "planned_contacts": list(contacts),
            "required_staff": list(staff),
            "service_level": list(sl),
            "asa_seconds": [5.0, 20.0],
            "occupancy": [0.5, 0.8],
        }
    )


def test_summary_and_staff_hours():
    frame = requirements()
    assert staff_hours(frame) == pytest.approx(3.0)
    summary = requirements_summary(frame).iloc[0]
    assert summary["staff_hours"] == pytest.approx(3.0)
    assert summary["peak_staff"] == 4
    assert summary["service_level"] == pytest.approx((10 * 0.9 + 20 * 0.8) / 30)
    assert summary["asa_seconds"] == pytest.approx((10 * 5 + 20 * 20) / 30)


def test_what_if_difference_per_queue_and_total():
    diff = what_if_difference(requirements(), requirements(staff=(3, 5)))
    assert diff["country"].tolist() == ["HU", "All"]
    total = diff.iloc[-1]
    assert total["baseline_hours"] == pytest.approx(3.0)
    assert total["difference_hours"] == pytest.approx(1.0)
    assert total["difference_pct"] == pytest.approx(100 / 3)


def test_requirements_for_week_keeps_seven_days_from_the_start():
    starts = pd.date_range("2026-01-01", periods=20, freq="D")
    frame = pd.DataFrame({"interval_start": starts, "required_staff": 1})
    week = requirements_for_week(frame, dt.date(2026, 1, 3))
    assert week["interval_start"].min() == pd.Timestamp("2026-01-03")
    assert week["interval_start"].max() == pd.Timestamp("2026-01-09")


def test_default_templates_are_valid_and_survive_the_editor_table():
    templates = default_shift_templates()
    names = [t.name for t in templates]
    assert len(set(names)) == len(names) == 5
    assert sorted(t.paid_hours for t in templates) == [4.0, 4.0, 8.0, 8.0, 8.0]
    assert all(t.weekdays == frozenset(range(7)) for t in templates)
    assert shift_templates_from_frame(templates_to_frame(templates)) == templates
    # each fits the default 08:00-22:00 opening hours, so a plan can use all of them
    for t in templates:
        end = dt.datetime.combine(dt.date(2026, 1, 5), t.start) + dt.timedelta(
            minutes=t.length_minutes
        )
        assert dt.time(8) <= t.start and end <= dt.datetime(2026, 1, 5, 22)


def test_default_templates_cover_a_simple_day():
    starts = pd.date_range("2026-01-05 08:00", "2026-01-05 21:30", freq="30min")
    need = pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "required_staff": 2,
        }
    )
    plan = plan_shifts(
        need,
        default_shift_templates(),
        opening_hours=OpeningHours.every_day(dt.time(8), dt.time(22)),
        time_limit_seconds=20,
    )
    assert plan.status == "optimal" and plan.fully_covered


def test_zip_round_trip_and_prefix():
    files = {
        "plan.csv": b"a,b\n1,2\n",
        "calendars/agents/A001.ics": b"BEGIN:VCALENDAR\r\n",
        "calendars/teams/HU_Voice.ics": b"BEGIN:VCALENDAR\r\nX\r\n",
    }
    with zipfile.ZipFile(io.BytesIO(zip_files(files))) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files
    with zipfile.ZipFile(io.BytesIO(zip_files(files, under="calendars/agents/"))) as archive:
        assert archive.namelist() == ["A001.ics"]
    assert files_under(files, "calendars/teams/") == {"HU_Voice.ics": b"BEGIN:VCALENDAR\r\nX\r\n"}
