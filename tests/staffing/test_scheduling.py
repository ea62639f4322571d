"""Tests for staffing.scheduling: the shift-planning MILP with soft coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from formats import Formats
from staffing.scheduling import (
    COVERAGE_COLUMNS,
    PLAN_COLUMNS,
    PLAN_STATUSES,
    LabourRules,
    OpeningHours,
    OpeningHoursError,
    RequirementsError,
    SchedulingError,
    ShiftTemplate,
    ShiftTemplateError,
    build_shift_program,
    parse_weekdays,
    plan_shifts,
    read_shift_plan,
    shift_templates_from_frame,
    solve_shift_program,
)

MONDAY = pd.Timestamp("2025-01-06")  # a Monday


def requirements(
    staff: list[float],
    *,
    start: str = "2025-01-06 08:00",
    minutes: int = 30,
    country: str = "AR",
    channel: str = "voice",
) -> pd.DataFrame:
    """A requirements frame with one row per interval from ``start``."""
    starts = pd.date_range(start, periods=len(staff), freq=f"{minutes}min")
    return pd.DataFrame(
        {
            "country": country,
            "channel": channel,
            "interval_start": starts,
            "interval_minutes": minutes,
            "required_staff": staff,
        }
    )


def test_tiny_instance_matches_the_hand_solved_optimum() -> None:
    # 08-10 needs 2, 10-12 needs 1. Options: "Long" 08-12 costs 4 h x 10 = 40, "Short" 08-10
    # costs 2 h x 12 = 24. Two Long = 80; Long + Short = 64 (optimal); Short alone cannot
    # reach 10-12. So: 1 Long, 1 Short, cost 64, no gap and no surplus.
    req = requirements([2, 2, 2, 2, 1, 1, 1, 1])
    templates = [
        ShiftTemplate("Long", dt.time(8), 240, cost_per_hour=10.0),
        ShiftTemplate("Short", dt.time(8), 120, cost_per_hour=12.0),
    ]
    plan = plan_shifts(req, templates)
    assert plan.status == "optimal"
    assert plan.fully_covered
    counts = plan.agents_per_shift().set_index("shift")["agents"].to_dict()
    assert counts == {"Long": 1, "Short": 1}
    assert plan.labour_cost == pytest.approx(64.0)
    assert plan.objective == pytest.approx(64.0)
    assert plan.shortfall_staff_hours == 0.0
    assert plan.surplus_staff_hours == 0.0
    assert plan.mip_gap == pytest.approx(0.0, abs=1e-6)
    assert list(plan.shifts.columns) == list(PLAN_COLUMNS)
    assert list(plan.coverage.columns) == list(COVERAGE_COLUMNS)
    assert plan.coverage["scheduled_staff"].tolist() == [2, 2, 2, 2, 1, 1, 1, 1]


def test_uncoverable_interval_is_a_reported_shortfall_not_an_error() -> None:
    # demand at 20:00 but the only template ends at 12:00: pyworkforce#45 makes this INFEASIBLE
    req = pd.concat(
        [requirements([1] * 8), requirements([3, 3], start="2025-01-06 20:00")],
        ignore_index=True,
    )
    plan = plan_shifts(req, [ShiftTemplate("Morning", dt.time(8), 240, cost_per_hour=10.0)])
    assert plan.status == "optimal"
    assert not plan.fully_covered
    uncovered = plan.uncovered
    assert uncovered["interval_start"].dt.hour.tolist() == [20, 20]
    assert uncovered["shortfall"].tolist() == [3, 3]
    assert plan.shortfall_staff_hours == pytest.approx(3.0)  # 3 agents x 2 x 0.5 h
    assert len(plan.uncoverable) == 2
    assert plan.message == (
        "optimal within the gap tolerance; 2 interval(s) short by 3.00\u00a0agent-hours; "
        "2 of them are covered by no allowed shift template"
    )
    # the same words with German numbers for a German planner; English by default
    assert plan.describe(Formats("en_GB")) == plan.message
    assert "short by 3,00\u00a0agent-hours" in plan.describe(Formats("de_DE"))
    # the coverable morning is still staffed
    assert plan.agents_per_shift()["agents"].sum() == 1


def test_shortfall_when_demand_is_too_expensive_to_cover() -> None:
    # a shortfall penalty below the labour cost leaves demand uncovered on purpose; still a result
    req = requirements([1, 1])
    plan = plan_shifts(
        req,
        [ShiftTemplate("Hour", dt.time(8), 60, cost_per_hour=50.0)],
        shortfall_cost_per_staff_hour=10.0,
    )
    assert plan.status == "optimal"
    assert plan.shifts.empty
    assert plan.shortfall_staff_hours == pytest.approx(1.0)


def test_opening_hours_and_minimum_staff() -> None:
    # demand all day, but the queue opens 09:00-12:00; minimum two agents while open
    req = requirements([1] * 32, start="2025-01-06 06:00")  # 06:00-22:00
    templates = [
        ShiftTemplate("Early", dt.time(6), 360, cost_per_hour=10.0),  # 06-12 starts before opening
        ShiftTemplate("Open", dt.time(9), 180, cost_per_hour=10.0),  # 09-12
    ]
    hours = OpeningHours.every_day(dt.time(9), dt.time(12))
    plan = plan_shifts(req, templates, opening_hours=hours, min_staff_while_open=2)
    assert set(plan.shifts["shift"]) == {"Open"}
    assert plan.shifts["agents"].sum() == 2
    cov = plan.coverage.set_index("interval_start")
    open_rows = cov[cov["is_open"]]
    assert open_rows.index.min() == pd.Timestamp("2025-01-06 09:00")
    assert open_rows.index.max() == pd.Timestamp("2025-01-06 11:30")
    assert (open_rows["target_staff"] == 2).all()
    assert (cov.loc[~cov["is_open"], "target_staff"] == 0).all()
    assert plan.fully_covered


def test_closed_date_and_closed_weekday_get_no_shifts() -> None:
    req = requirements([1] * (4 * 48), start="2025-01-06 00:00")  # Mon..Thu
    hours = OpeningHours(
        weekly={
            0: (dt.time(8), dt.time(16)),
            1: (dt.time(8), dt.time(16)),
            2: (dt.time(8), dt.time(16)),
        },
        dates={dt.date(2025, 1, 7): None},  # a holiday on Tuesday; Thursday closed weekly
    )
    plan = plan_shifts(
        req, [ShiftTemplate("Day", dt.time(8), 480, cost_per_hour=1.0)], opening_hours=hours
    )
    assert sorted(plan.shifts["date"].astype(str)) == ["2025-01-06", "2025-01-08"]


def test_overnight_opening_window_and_shift_crossing_midnight() -> None:
    req = requirements([1] * 16, start="2025-01-06 22:00")  # 22:00-06:00
    hours = OpeningHours.every_day(dt.time(22), dt.time(6))
    plan = plan_shifts(
        req, [ShiftTemplate("Night", dt.time(22), 480, cost_per_hour=1.0)], opening_hours=hours
    )
    assert plan.fully_covered
    assert plan.shifts["shift_end"].iloc[0] == pd.Timestamp("2025-01-07 06:00")


def test_weekdays_restrict_templates() -> None:
    req = requirements([1] * 4, start="2025-01-11 08:00")  # Saturday
    templates = [
        ShiftTemplate(
            "WeekdayOnly", dt.time(8), 120, weekdays=frozenset(range(5)), cost_per_hour=1.0
        ),
        ShiftTemplate("Weekend", dt.time(8), 120, weekdays=frozenset({5, 6}), cost_per_hour=3.0),
    ]
    plan = plan_shifts(req, templates)
    assert set(plan.shifts["shift"]) == {"Weekend"}


def test_unpaid_break_is_not_coverage_and_window_staggers_breaks() -> None:
    # two agents needed 08:00-12:00; 4.5 h shifts with a 30-minute break somewhere 1-3 h in.
    req = requirements([1] * 8)
    fixed = ShiftTemplate("Fixed", dt.time(8), 270, 30, 120, 120, cost_per_hour=1.0)
    plan = plan_shifts(req, [fixed])
    # everyone on the fixed template breaks at 10:00, so 10:00-10:30 stays short
    assert plan.agents_per_shift()["agents"].sum() == 1
    assert plan.uncovered["interval_start"].tolist() == [pd.Timestamp("2025-01-06 10:00")]
    # paid hours exclude the break
    assert plan.shifts["paid_hours"].iloc[0] == pytest.approx(4.0)
    windowed = ShiftTemplate("Window", dt.time(8), 270, 30, 60, 180, cost_per_hour=1.0)
    req2 = requirements([2] * 8)
    plan2 = plan_shifts(req2, [windowed])
    # three agents are needed (each leaves one interval for a break) and breaks are staggered
    assert plan2.shifts["agents"].sum() == 3
    assert plan2.fully_covered
    assert plan2.shifts["break_start"].nunique() >= 2


def test_partial_interval_overlap_counts_as_a_fraction() -> None:
    req = requirements([1, 1], minutes=60)  # 08-09, 09-10
    plan = plan_shifts(
        req,
        [ShiftTemplate("Half", dt.time(8, 30), 60, cost_per_hour=1.0)],
        shortfall_cost_per_staff_hour=0.1,  # cheaper to leave the gap than to hire
    )
    assert plan.shifts.empty
    plan = plan_shifts(req, [ShiftTemplate("Half", dt.time(8, 30), 60, cost_per_hour=1.0)])
    assert plan.coverage["scheduled_staff"].tolist() == pytest.approx([0.5, 0.5])


def test_groups_are_planned_separately_and_template_scope_is_respected() -> None:
    req = pd.concat(
        [requirements([2] * 4, country="AR"), requirements([1] * 4, country="HU", channel="chat")],
        ignore_index=True,
    )
    templates = [
        ShiftTemplate("AR only", dt.time(8), 120, countries=frozenset({"AR"}), cost_per_hour=1.0),
        ShiftTemplate("Chat", dt.time(8), 120, channels=frozenset({"chat"}), cost_per_hour=1.0),
    ]
    plan = plan_shifts(req, templates)
    by_group = plan.shifts.groupby(["country", "shift"])["agents"].sum().to_dict()
    assert by_group == {("AR", "AR only"): 2, ("HU", "Chat"): 1}


def test_time_limit_and_gap_are_accepted_and_reported() -> None:
    rng = np.random.default_rng(1)
    req = requirements(list(rng.integers(0, 12, size=48 * 2)), start="2025-01-06 00:00")
    templates = [
        ShiftTemplate(f"S{h:02d}", dt.time(h), 480, 30, 180, 300, cost_per_hour=10.0 + h % 3)
        for h in range(0, 24, 2)
    ]
    plan = plan_shifts(req, templates, time_limit_seconds=5.0, mip_rel_gap=0.05)
    assert plan.status in PLAN_STATUSES
    assert plan.status in {"optimal", "time_limit"}
    assert (plan.mip_gap is not None and plan.mip_gap <= 0.05 + 1e-9) or plan.status == "time_limit"
    assert 0.0 <= plan.solve_seconds < 10.0


def test_empty_requirements_give_an_empty_result() -> None:
    req = requirements([1]).iloc[0:0]
    plan = plan_shifts(req, [ShiftTemplate("X", dt.time(8), 60)])
    assert plan.status == "empty"
    assert plan.shifts.empty and plan.coverage.empty


def test_build_solve_read_is_plan_shifts() -> None:
    req = requirements([2, 2, 2, 2, 1, 1, 1, 1])
    templates = [
        ShiftTemplate("Long", dt.time(8), 240, cost_per_hour=10.0),
        ShiftTemplate("Short", dt.time(8), 120, cost_per_hour=12.0),
    ]
    program = build_shift_program(req, templates)
    # one column per variant, then a shortfall and a surplus per interval; a row per interval
    n_i = len(req)
    assert program.cover.shape == (n_i, program.n_variants)
    assert program.constraints.A.shape == (n_i, program.n_variants + 2 * n_i)
    np.testing.assert_array_equal(program.target, [2, 2, 2, 2, 1, 1, 1, 1])
    assert program.integrality.tolist() == [1] * program.n_variants + [0] * (2 * n_i)
    solution = solve_shift_program(program, time_limit_seconds=10)
    assert solution.status == "optimal" and solution.mip_gap == pytest.approx(0.0, abs=1e-6)
    plan = read_shift_plan(program, solution)
    whole = plan_shifts(req, templates, time_limit_seconds=10)
    pd.testing.assert_frame_equal(plan.shifts, whole.shifts)
    pd.testing.assert_frame_equal(plan.coverage, whole.coverage)
    assert (plan.status, plan.message, plan.labour_cost) == (
        whole.status,
        whole.message,
        whole.labour_cost,
    )
    with pytest.raises(SchedulingError, match="time_limit_seconds must be > 0"):
        solve_shift_program(program, time_limit_seconds=0)


# --------------------------------------------------------------------------- templates file


def test_shift_templates_from_frame_parses_a_file_table() -> None:
    table = pd.DataFrame(
        {
            "name": ["Early", "Weekend"],
            "start": ["07:00", "10:30"],
            "length_hours": [8.5, 6],
            "break_minutes": [30, 0],
            "days": ["Mon-Fri", "Sat,Sun"],
            "cost_per_hour": [15.0, 18.5],
            "break_earliest_minutes": [120, None],
            "break_latest_minutes": [240, None],
            "countries": ["AR, HU", None],
        }
    )
    early, weekend = shift_templates_from_frame(table)
    assert early.start == dt.time(7) and early.length_minutes == 510 and early.break_minutes == 30
    assert early.weekdays == frozenset(range(5))
    assert early.break_offsets_minutes() == (120, 150, 180, 210, 240)
    assert early.countries == frozenset({"AR", "HU"})
    assert early.paid_hours == pytest.approx(8.0)
    assert weekend.weekdays == frozenset({5, 6}) and weekend.countries is None
    assert weekend.shift_cost == pytest.approx(6 * 18.5)


def test_parse_weekdays_wraps_and_accepts_all() -> None:
    assert parse_weekdays("Fri-Mon") == frozenset({4, 5, 6, 0})
    assert parse_weekdays("all") == frozenset(range(7))
    assert parse_weekdays("monday, wed") == frozenset({0, 2})
    with pytest.raises(ShiftTemplateError, match="not like 'Mon-Fri'"):
        parse_weekdays("Funday")


def test_bad_template_rows_are_reported_together() -> None:
    table = pd.DataFrame(
        {
            "name": ["A", "B", "A"],
            "start": ["25:00", "08:00", "09:00"],
            "length_hours": [8, 2, 8],
            "break_minutes": [0, 180, 0],
            "days": ["Mon", "Tue", "Wed"],
            "cost_per_hour": [1, 1, 1],
        }
    )
    with pytest.raises(
        ShiftTemplateError, match=r"(?s)row 1: start: '25:00'.*row 2: .*break_minutes.*duplicate"
    ):
        shift_templates_from_frame(table, source="shifts.csv")
    with pytest.raises(ShiftTemplateError, match="missing column"):
        shift_templates_from_frame(table.drop(columns=["days"]))


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"length_minutes": 0}, "length_minutes must be >= 1"),
        ({"length_minutes": 1500}, "<= 1440"),
        ({"break_minutes": 480}, "shorter than the shift"),
        ({"weekdays": frozenset({7})}, "subset of 0..6"),
        ({"cost_per_hour": float("nan")}, "cost_per_hour must be finite, got nan"),
        ({"length_minutes": True}, "must be an integer"),
        ({"break_minutes": 30, "break_earliest_offset_minutes": 60}, "give both"),
        (
            {
                "break_minutes": 30,
                "break_earliest_offset_minutes": 400,
                "break_latest_offset_minutes": 470,
            },
            "does not fit",
        ),
        ({"name": " "}, "non-empty"),
    ],
)
def test_bad_shift_templates(kwargs: dict, match: str) -> None:
    base = {"name": "T", "start": dt.time(8), "length_minutes": 480}
    with pytest.raises(ShiftTemplateError, match=match):
        ShiftTemplate(**{**base, **kwargs})


def test_bad_requirements() -> None:
    templates = [ShiftTemplate("T", dt.time(8), 60)]
    good = requirements([1, 1])
    with pytest.raises(RequirementsError, match="missing column"):
        plan_shifts(good.drop(columns=["required_staff"]), templates)
    aware = good.assign(interval_start=good["interval_start"].dt.tz_localize("UTC"))
    with pytest.raises(RequirementsError, match="naive local time"):
        plan_shifts(aware, templates)
    with pytest.raises(RequirementsError, match="row 1: column 'required_staff' has -1"):
        plan_shifts(good.assign(required_staff=[1, -1]), templates)
    with pytest.raises(RequirementsError, match="interval_minutes"):
        plan_shifts(good.assign(interval_minutes=[30, 0]), templates)
    with pytest.raises(RequirementsError, match="duplicate interval"):
        plan_shifts(pd.concat([good, good.iloc[:1]]), templates)
    with pytest.raises(RequirementsError, match="overlaps the next one"):
        plan_shifts(good.assign(interval_minutes=[60, 30]), templates)
    with pytest.raises(RequirementsError, match="must be datetime64"):
        plan_shifts(good.assign(interval_start=["2025-01-06 08:00", "2025-01-06 08:30"]), templates)


def test_bad_parameters() -> None:
    req = requirements([1])
    templates = [ShiftTemplate("T", dt.time(8), 60)]
    with pytest.raises(SchedulingError, match="time_limit_seconds must be > 0"):
        plan_shifts(req, templates, time_limit_seconds=0)
    with pytest.raises(SchedulingError, match="min_staff_while_open must be >= 0"):
        plan_shifts(req, templates, min_staff_while_open=-1)
    with pytest.raises(ShiftTemplateError, match="duplicate shift template"):
        plan_shifts(req, templates * 2)
    with pytest.raises(ShiftTemplateError, match="at least one"):
        plan_shifts(req, [])
    with pytest.raises(OpeningHoursError, match=r"weekday must be 0\.\.6"):
        OpeningHours(weekly={7: (dt.time(8), dt.time(9))})
    with pytest.raises(OpeningHoursError, match="tuple of naive"):
        OpeningHours(weekly={0: ("08:00", "17:00")})
    with pytest.raises(SchedulingError, match="max_consecutive_days must be >= 1"):
        LabourRules(max_consecutive_days=0)
    with pytest.raises(SchedulingError, match="max_weekly_hours must be > 0"):
        LabourRules(max_weekly_hours=0)
