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
    FORECAST_GAP_COLUMNS,
    GAP_COLUMNS,
    PlanningInputError,
    default_shift_templates,
    files_under,
    forecast_gaps,
    forecast_to_requirements_input,
    gap_summary,
    recent_aht,
    requirements_for_week,
    requirements_summary,
    scheduled_vs_required,
    staff_hours,
    staff_on_shift,
    targets_by_channel,
    templates_to_frame,
    what_if_difference,
    zip_files,
)
from staffing.requirements import INPUT_COLUMNS, RequirementsInputError, interval_requirements
from staffing.roster import build_roster
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


def test_volume_share_scales_forecast_and_upper_bound_before_the_erlang_maths():
    aht = pd.DataFrame({"country": ["HU"], "channel": ["voice"], "aht_seconds": [180.0]})
    whole = forecast_to_requirements_input(intervals_frame((100.0, 40.0), (120.0, 50.0)), aht)
    share = forecast_to_requirements_input(
        intervals_frame((100.0, 40.0), (120.0, 50.0)), aht, volume_share=0.25
    )
    assert share["forecast"].tolist() == [25.0, 10.0]
    assert share["forecast_upper"].tolist() == [30.0, 12.5]
    targets = StaffingTargets(max_occupancy=0.85, shrinkage=0.3)
    full = interval_requirements(whole, targets)["required_staff"]
    quarter = interval_requirements(share, targets)["required_staff"]
    # a quarter of the volume needs more than a quarter of the staff: queues pool badly when small
    assert (quarter < full).all() and (quarter > full / 4).all()


@pytest.mark.parametrize("share", [0.0, 1.5, -0.2, float("nan"), True])
def test_volume_share_must_be_a_fraction_above_zero(share):
    aht = pd.DataFrame({"country": ["HU"], "channel": ["voice"], "aht_seconds": [180.0]})
    with pytest.raises(
        PlanningInputError, match=r"volume_share must be (in \(0, 1\]|finite|a real number)"
    ):
        forecast_to_requirements_input(intervals_frame(), aht, volume_share=share)


def reference_requirements(contacts=(100.0, 100.0, 100.0)):
    """DOMAIN.md's reference queue: 100 contacts / 30 min, AHT 180 s, 80/20, 0.85, 0.3."""
    starts = pd.date_range("2026-01-05 09:00", periods=len(contacts), freq="30min")
    frame = pd.DataFrame(
        {
            "country": "HU",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "forecast": list(contacts),
            "forecast_upper": list(contacts),
            "aht_seconds": 180.0,
        }
    )
    return interval_requirements(frame, StaffingTargets())


def test_scheduled_vs_required_projects_the_reference_service_level():
    requirements = reference_requirements()
    assert requirements["required_staff"].tolist() == [20, 20, 20]
    scheduled = requirements[["country", "channel", "interval_start"]].assign(
        scheduled_staff=[20.0, 17.0, 10.0]
    )
    gaps = scheduled_vs_required(requirements, scheduled, {"voice": StaffingTargets()})
    assert list(gaps.columns) == list(GAP_COLUMNS)
    assert gaps["gap"].tolist() == [0.0, -3.0, -10.0]
    assert gaps["understaffed"].tolist() == [False, True, True]
    # 20 scheduled x (1 - 0.3) = 14 on the phones: the published reference numbers
    assert gaps["on_queue_agents"].tolist() == [14, 11, 7]
    first = gaps.iloc[0]
    assert first["service_level"] == pytest.approx(0.88835, abs=5e-5)
    assert first["asa_seconds"] == pytest.approx(7.84, abs=5e-3)
    assert first["occupancy"] == pytest.approx(10 / 14)
    assert gaps.loc[1, "service_level"] < 0.8 and gaps.loc[1, "stable"]
    # 7 agents for 10 Erlangs: the queue never clears; no finite ASA to show
    assert not gaps.loc[2, "stable"] and gaps.loc[2, "service_level"] == 0.0
    assert np.isnan(gaps.loc[2, "asa_seconds"])
    assert gaps["time_of_day"].tolist() == ["09:00", "09:30", "10:00"]


def test_scheduled_vs_required_keeps_the_scheduled_week_and_needs_targets():
    requirements = reference_requirements((100.0, 100.0, 100.0, 100.0))
    scheduled = requirements.iloc[1:3][["country", "channel", "interval_start"]].assign(
        scheduled_staff=20.0
    )
    gaps = scheduled_vs_required(requirements, scheduled, {"voice": StaffingTargets()})
    assert gaps["interval_start"].tolist() == requirements["interval_start"].iloc[1:3].tolist()
    with pytest.raises(PlanningInputError, match="no targets for channel 'voice'"):
        scheduled_vs_required(requirements, scheduled, {"chat": StaffingTargets()})
    with pytest.raises(PlanningInputError, match="scheduled: missing column"):
        scheduled_vs_required(requirements, scheduled.drop(columns="scheduled_staff"), {})


def test_gap_summary_weights_service_by_contacts_and_counts_short_intervals():
    requirements = reference_requirements((100.0, 100.0, 100.0))
    scheduled = requirements[["country", "channel", "interval_start"]].assign(
        scheduled_staff=[20.0, 20.0, 10.0]
    )
    gaps = scheduled_vs_required(requirements, scheduled, {"voice": StaffingTargets()})
    summary = gap_summary(gaps).iloc[0]
    assert summary["required_hours"] == 30.0 and summary["scheduled_hours"] == 25.0
    assert summary["short_hours"] == 5.0
    assert summary["understaffed_intervals"] == 1 and summary["unstable_intervals"] == 1
    # the unstable interval counts as SL 0 in the service level, and is left out of the ASA
    assert summary["service_level"] == pytest.approx(2 * gaps.loc[0, "service_level"] / 3)
    assert summary["asa_seconds"] == pytest.approx(gaps.loc[0, "asa_seconds"])


def test_staff_on_shift_matches_the_plans_coverage_when_every_shift_is_filled():
    starts = pd.date_range("2026-01-05 08:00", "2026-01-06 21:30", freq="30min")
    need = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "interval_start": starts,
            "interval_minutes": 30,
            "required_staff": np.where(starts.hour.isin(range(11, 15)), 3, 1),
        }
    )
    need = need[need["interval_start"].dt.hour.between(8, 21)].reset_index(drop=True)
    plan = plan_shifts(
        need,
        default_shift_templates(),
        opening_hours=OpeningHours.every_day(dt.time(8), dt.time(22)),
        time_limit_seconds=20,
    )
    agents = pd.DataFrame(
        {
            "agent_id": [f"a{k}" for k in range(12)],
            "name": "Agent",
            "team": "AR Voice",
            "country": "AR",
            "timezone": "America/Argentina/Buenos_Aires",
            "contract_hours_per_week": 40.0,
            "channels": "voice",
        }
    )
    roster = build_roster(plan, agents, time_limit_seconds=20)
    assert roster.unfilled_shifts == 0
    assert roster.assignments["break_start"].notna().any()  # breaks are taken off
    on_shift = staff_on_shift(roster.assignments, plan.coverage)
    np.testing.assert_allclose(on_shift, plan.coverage["scheduled_staff"], atol=1e-9)
    # an unfilled shift takes its agent off the count
    fewer = staff_on_shift(roster.assignments.iloc[1:], plan.coverage)
    assert fewer.sum() < on_shift.sum()
    assert staff_on_shift(roster.assignments.iloc[:0], plan.coverage).sum() == 0.0


def daily_forecast(queue: tuple[str, str], first: str, days: int) -> pd.DataFrame:
    dates = pd.date_range(first, periods=days, freq="D")
    return pd.DataFrame(
        {"country": queue[0], "channel": queue[1], "date": dates, "forecast": 100.0}
    )


def test_forecast_gaps_is_empty_when_every_queue_has_every_day():
    daily = pd.concat(
        [
            daily_forecast(("HU", "voice"), "2026-03-01", 70),
            daily_forecast(("AR", "chat"), "2026-03-01", 70),
        ]
    )
    gaps = forecast_gaps(
        daily, [("HU", "voice"), ("AR", "chat")], dt.date(2026, 3, 2), dt.date(2026, 4, 26)
    )
    assert list(gaps.columns) == list(FORECAST_GAP_COLUMNS) and gaps.empty


def test_forecast_gaps_names_the_queue_and_the_days_it_lacks():
    daily = pd.concat(
        [
            daily_forecast(("HU", "voice"), "2026-03-01", 14),
            daily_forecast(("AR", "voice"), "2026-03-01", 70),
        ]
    )
    daily.loc[(daily["country"] == "AR") & (daily["date"] == "2026-03-05"), "forecast"] = np.nan
    gaps = forecast_gaps(
        daily,
        [("HU", "voice"), ("AR", "voice"), ("DE", "voice")],
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 20),
    )
    assert gaps.to_dict("records") == [
        {"country": "HU", "channel": "voice", "missing_days": 6,
         "first_missing": dt.date(2026, 3, 15), "last_missing": dt.date(2026, 3, 20)},
        {"country": "AR", "channel": "voice", "missing_days": 1,
         "first_missing": dt.date(2026, 3, 5), "last_missing": dt.date(2026, 3, 5)},
        {"country": "DE", "channel": "voice", "missing_days": 20,
         "first_missing": dt.date(2026, 3, 1), "last_missing": dt.date(2026, 3, 20)},
    ]  # fmt: skip


def test_forecast_gaps_of_nothing_saved_is_every_day_of_every_queue():
    gaps = forecast_gaps(
        pd.DataFrame(), [("HU", "voice")], dt.date(2026, 3, 1), dt.date(2026, 3, 7)
    )
    assert gaps[["country", "missing_days"]].values.tolist() == [["HU", 7]]


def test_forecast_gaps_needs_dates_and_values():
    with pytest.raises(PlanningInputError, match=r"daily forecast: missing column.*forecast"):
        forecast_gaps(
            pd.DataFrame({"country": ["HU"], "channel": ["voice"], "date": ["2026-03-01"]}),
            [("HU", "voice")],
            dt.date(2026, 3, 1),
            dt.date(2026, 3, 1),
        )


# --- daily forecasts of queues without intraday history ---------------------------------------


def intraday_history(country="HU", channel="voice", peak_slot=28, weeks=3):
    """Half-hourly contacts 08:00-18:00 on weekdays, most in ``peak_slot`` (28 = 14:00)."""
    rows = []
    for day in pd.date_range("2026-01-05", periods=7 * weeks):
        if day.day_of_week >= 5:
            continue
        for slot in range(16, 36):
            count = 50.0 if slot == peak_slot else 10.0
            rows.append((country, channel, day + pd.Timedelta(minutes=30 * slot), count, 200.0))
    return contacts_frame(rows)


def daily_days(country="IT", channel="voice", days=7, total=1000.0):
    dates = pd.date_range("2026-02-02", periods=days)  # from a Monday
    return pd.DataFrame(
        {
            "country": country,
            "channel": channel,
            "date": dates,
            "forecast": total,
            "forecast_lower": total * 0.8,
            "forecast_upper": total * 1.2,
            "model": "ets",
        }
    )


def test_a_daily_queue_learns_its_pattern_from_a_similar_queue():
    from staffing.planning import intervals_from_daily

    split = intervals_from_daily(daily_days(), intraday_history())
    assert split.queues[["country", "pattern", "opening_hours"]].values.tolist() == [
        ["IT", "learnt", "Mon-Sun 08:00-20:00"]
    ]
    monday = split.intervals[split.intervals["date"] == pd.Timestamp("2026-02-02")]
    busiest = monday.loc[monday["forecast"].idxmax(), "interval_start"]
    assert busiest.strftime("%H:%M") == "14:00"  # HU's peak, not the built-in morning one
    assert monday["forecast"].sum() == pytest.approx(1000.0)
    # the learnt queue has no weekend history: weekends take its weekdays' mean shape
    saturday = split.intervals[split.intervals["date"] == pd.Timestamp("2026-02-07")]
    assert saturday.loc[saturday["forecast"].idxmax(), "interval_start"].hour == 14
    assert split.notes == ()
    assert split.intervals.groupby("date")["forecast"].sum().tolist() == pytest.approx([1000.0] * 7)


def test_a_queue_with_its_own_intraday_history_keeps_it_and_settings_fill_in_the_rest():
    from staffing.planning import handle_times, intervals_from_daily
    from staffing.profiles import QueueSetup

    history = intraday_history()
    daily = pd.concat([daily_days("HU"), daily_days("IT", "email")], ignore_index=True)
    setups = {
        ("HU", "voice"): QueueSetup(aht_seconds=999.0),
        ("IT", "email"): QueueSetup(aht_seconds=600.0, opening_hours="Mon-Fri 09:00-17:00"),
    }
    split = intervals_from_daily(daily, history, setups)
    patterns = dict(zip(split.queues["country"], split.queues["pattern"], strict=True))
    assert patterns == {"HU": "history", "IT": "builtin"}  # no email history to learn from
    email = split.intervals[split.intervals["channel"] == "email"]
    assert set(email["interval_start"].dt.strftime("%H:%M")) == {
        f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)
    }
    assert len(email["date"].unique()) == 5  # the weekend is closed
    aht, lacking = handle_times(history, [("HU", "voice"), ("IT", "email"), ("AR", "chat")], setups)
    assert aht[["country", "aht_seconds", "aht_source"]].values.tolist() == [
        ["HU", 200.0, "history"],  # the history wins over the setting
        ["IT", 600.0, "setting"],
    ]
    assert lacking == ("AR/chat",)
