"""Working-time, rest and occupancy signals against averages computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.wellbeing.builders import LAST_WEEK, agents_frame, context, hours_frame, weekly_pattern
from wellbeing.signals import (
    compute_signals,
    last_complete_week_start,
    run_lengths,
    to_day,
    trailing_average_hours,
)
from wellbeing.thresholds import Thresholds


def _signals(ctx, *names):
    return compute_signals(ctx, names=list(names)).set_index(["agent_id", "signal"])


def test_last_complete_week():
    assert last_complete_week_start(to_day("2024-06-30")) == to_day("2024-06-24")  # Sunday
    assert last_complete_week_start(to_day("2024-06-29")) == to_day("2024-06-17")  # Saturday
    assert last_complete_week_start(to_day("2024-07-03")) == to_day("2024-06-24")  # Wednesday


def test_rolling_averages_by_hand():
    rows = []
    rows += weekly_pattern("LATE", [45.0] * 13 + [54.0] * 4)  # 17-week 801/17 = 47.12; 4-week 54
    rows += weekly_pattern("STEADY", [50.0] * 17)  # both averages 50
    rows += weekly_pattern("GAPS", [49.0, None] * 8 + [49.0])  # 9 of 17 weeks: average 49
    rows += weekly_pattern("FEW", [60.0, None, None] * 5 + [None, 60.0])  # 6 of 17 weeks: none
    ctx = context(agents_frame(["LATE", "STEADY", "GAPS", "FEW"]), hours=hours_frame(rows))
    out = _signals(ctx, "average_hours_reference", "average_hours_recent")

    assert ("LATE", "average_hours_reference") not in out.index
    late = out.loc[("LATE", "average_hours_recent")]
    assert late["value"] == pytest.approx(54.0)
    assert late["threshold"] == 48
    assert late["severity"] == pytest.approx(0.5 + 0.5 * 6 / 7)  # 48 h -> 0.5, 55 h -> 1
    assert late["reason"].text == (
        "Average 54.0 h a week over the last 4 weeks (threshold 48 h; 4 weeks with hours, "
        "to week of 24 Jun 2024)"
    )
    steady = out.loc[("STEADY", "average_hours_reference")]
    assert steady["value"] == pytest.approx(50.0)
    assert steady["severity"] == pytest.approx(0.5 + 0.5 * 2 / 7)
    gaps = out.loc[("GAPS", "average_hours_reference")]
    assert gaps["value"] == pytest.approx(49.0)
    assert "9 weeks with hours" in gaps["reason"].text
    assert not any(agent == "FEW" for agent, _ in out.index)


def test_trailing_average_leaves_out_weeks_without_hours():
    weekly = np.array([[40.0, np.nan, 50.0, 60.0]])
    np.testing.assert_allclose(trailing_average_hours(weekly, 2, 0.5), [[40.0, 40.0, 50.0, 55.0]])
    # 3-week window at the last week: 2 of 3 weeks have hours
    assert trailing_average_hours(weekly, 3, 0.6)[0, -1] == pytest.approx(55.0)
    assert np.isnan(trailing_average_hours(weekly, 3, 1.0)[0, -1])


def test_the_current_incomplete_week_is_not_counted():
    # 70 h on Monday 1 July: as_of Wednesday 3 July still reads weeks up to 24-30 June
    rows = [*weekly_pattern("A", [40.0] * 4), ("A", "2024-07-01", 70.0)]
    ctx = context(agents_frame(["A"]), hours=hours_frame(rows), as_of="2024-07-03")
    assert compute_signals(ctx, names=["average_hours_recent"]).empty


def test_overtime_streak_counts_consecutive_weeks_over_contract():
    rows = weekly_pattern("OT", [37.5] * 3 + [40.0] * 5)  # 5 weeks at 2.5 h over
    rows += weekly_pattern("HALF", [38.0] * 8)  # 0.5 h over: below the 1 h rule
    rows += weekly_pattern("BROKEN", [40.0] * 3 + [37.0] + [40.0] * 3)  # streak of 3
    ctx = context(agents_frame(["OT", "HALF", "BROKEN"]), hours=hours_frame(rows))
    out = compute_signals(ctx, names=["overtime_streak"])
    assert out["agent_id"].tolist() == ["OT"]
    row = out.iloc[0]
    assert row["value"] == 5
    assert row["threshold"] == 4
    assert row["severity"] == pytest.approx(0.5 + 0.25 * 1 / 4)  # 4 weeks -> 0.5, 8 -> 0.75 (cap)
    assert row["reason"].text == (
        "Worked above contract (37.5 h) for 5 consecutive weeks to week of 24 Jun 2024, "
        "averaging 40.0 h (threshold 4 weeks at 1 h or more over contract)"
    )


def test_short_rest_inferred_from_daily_totals_is_conservative():
    rows = [("LONG", "2024-06-12", 14.0), ("LONG", "2024-06-13", 7.0)]
    rows += [("EDGE", "2024-06-12", 13.0)]  # exactly 13 h could still leave 11 h of rest
    rows += [("OLD", "2024-05-20", 15.0)]  # before the 4-week window (3-30 June)
    ctx = context(agents_frame(["LONG", "EDGE", "OLD"]), hours=hours_frame(rows))
    out = compute_signals(ctx, names=["short_rest"])
    assert out["agent_id"].tolist() == ["LONG"]
    assert out["reason"].iloc[0].text == (
        "1 day in the last 4 weeks with more than 13 h worked (longest 14.0 h), leaving under "
        "11 h of rest (threshold 11 h rest, 1 occurrence)"
    )
    assert any("inferred only from days with more than 13 h" in n for n in ctx.notes)


def test_short_rest_is_exact_with_shift_times():
    shifts = pd.DataFrame(
        {
            "agent_id": ["A", "A", "A", "B", "B"],
            "shift_start": pd.to_datetime(
                [
                    "2024-06-10 08:00",
                    "2024-06-11 06:00",
                    "2024-06-12 09:00",
                    "2024-06-10 08:00",
                    "2024-06-11 07:00",
                ]
            ),
            "shift_end": pd.to_datetime(
                [
                    "2024-06-10 20:00",
                    "2024-06-11 14:00",
                    "2024-06-12 17:00",
                    "2024-06-10 16:00",
                    "2024-06-11 15:00",
                ]
            ),
        }
    )
    shifts["date"] = shifts["shift_start"].dt.normalize()
    shifts["hours_worked"] = (shifts["shift_end"] - shifts["shift_start"]).dt.total_seconds() / 3600
    ctx = context(agents_frame(["A", "B"]), hours=shifts)
    out = compute_signals(ctx, names=["short_rest"])
    # A: 20:00 -> 06:00 is 10 h of rest; B: 16:00 -> 07:00 is 15 h
    assert out["agent_id"].tolist() == ["A"]
    assert out["reason"].iloc[0].text == (
        "1 rest under 11 h between shifts in the last 4 weeks (shortest 10.0 h; threshold 11 h)"
    )


def test_consecutive_working_days():
    nine = [("NINE", d, 7.5) for d in pd.date_range("2024-06-20", "2024-06-28")]
    six = [("SIX", d, 7.5) for d in pd.date_range("2024-06-20", "2024-06-25")]
    # a run that began before the 4-week window is measured in full
    long_ago = [("SPAN", d, 4.0) for d in pd.date_range("2024-05-25", "2024-06-04")]
    ctx = context(agents_frame(["NINE", "SIX", "SPAN"]), hours=hours_frame(nine + six + long_ago))
    out = compute_signals(ctx, names=["consecutive_days"]).set_index("agent_id")
    assert sorted(out.index) == ["NINE", "SPAN"]
    assert out.loc["NINE", "value"] == 9
    assert out.loc["NINE", "reason"].text == (
        "Worked 9 days in a row (20 Jun 2024 to 28 Jun 2024) without a day off (threshold 6 days)"
    )
    assert out.loc["SPAN", "value"] == 11


def test_run_lengths():
    flags = np.array([[1, 1, 0, 1, 1, 1], [0, 0, 0, 0, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(run_lengths(flags), [[1, 2, 0, 1, 2, 3], [0, 0, 0, 0, 0, 1]])


def test_sustained_occupancy():
    weeks = pd.date_range(LAST_WEEK - pd.Timedelta(weeks=5), LAST_WEEK, freq="7D")
    occ = pd.DataFrame(
        {
            "agent_id": ["HOT"] * 6 + ["DIP"] * 6,
            "week_start": list(weeks) * 2,
            "occupancy": [0.8, 0.8, 0.88, 0.9, 0.92, 0.9, 0.9, 0.9, 0.9, 0.8, 0.9, 0.9],
        }
    )
    ctx = context(agents_frame(["HOT", "DIP"]), occupancy=occ)
    out = compute_signals(ctx, names=["sustained_occupancy"])
    assert out["agent_id"].tolist() == ["HOT"]
    row = out.iloc[0]
    assert row["value"] == 4
    assert row["severity"] == pytest.approx(1.0)  # mean 0.90 reaches occupancy_full
    assert row["reason"].text == (
        "Occupancy above 85% for 4 consecutive weeks to week of 24 Jun 2024 "
        "(mean 90%; threshold 4 weeks above 85%)"
    )
    # without the optional frame the signal is silent
    assert compute_signals(context(agents_frame(["HOT"])), names=["sustained_occupancy"]).empty


def test_thresholds_change_the_outcome():
    rows = weekly_pattern("A", [46.0] * 17)
    ctx = context(agents_frame(["A"]), hours=hours_frame(rows))
    assert compute_signals(ctx, names=["average_hours_reference"]).empty
    out = compute_signals(
        ctx, Thresholds(max_average_weekly_hours=45.0), names=["average_hours_reference"]
    )
    assert (
        out["reason"]
        .iloc[0]
        .text.startswith("Average 46.0 h a week over the last 17 weeks (threshold 45 h")
    )


def test_weekly_hours_matrix_without_hours_in_the_window_is_all_missing():
    from wellbeing.signals import weekly_hours_matrix

    hours = pd.DataFrame(
        {"agent_id": ["B001"], "date": pd.to_datetime(["2026-11-20"]), "hours_worked": [8.0]}
    )
    matrix = weekly_hours_matrix(hours, pd.Index(["B001"]), np.datetime64("2027-01-04"), 4)
    assert matrix.shape == (1, 4) and np.isnan(matrix).all()
