"""The drill-down on one agent: its reference day, absences in the window, hours and trends."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wellbeing.drilldown import (
    PERFORMANCE_COLUMNS,
    TREND_COLUMNS,
    absences_in_window,
    drilldown_day,
    make_drilldown,
)
from wellbeing.thresholds import Thresholds

AS_OF = dt.date(2024, 6, 30)  # a Sunday: its week is complete
AGENT = pd.DataFrame({"agent_id": ["A1"], "contract_hours_per_week": [40.0]})
NO_HOURS = pd.DataFrame(columns=["agent_id", "date", "hours_worked"])
NO_PERFORMANCE = pd.DataFrame(columns=["agent_id", "date", "metric", "value"])


def _absences(*spans: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": "A1",
            "start_date": pd.to_datetime([s for s, _, _ in spans]),
            "end_date": pd.to_datetime([e for _, e, _ in spans]),
            "type": [t for _, _, t in spans],
        }
    )


NO_ABSENCES = _absences()  # typed as the store gives them


def test_the_reference_day_is_the_flags_else_the_latest_data_else_today():
    hours = pd.DataFrame(
        {"agent_id": "A1", "date": pd.to_datetime(["2024-06-20"]), "hours_worked": 8}
    )
    absences = _absences(("2024-05-01", "2024-05-03", "sick"))
    assert drilldown_day(AS_OF, absences, hours, NO_PERFORMANCE) == AS_OF
    assert drilldown_day(None, absences, hours, NO_PERFORMANCE) == pd.Timestamp("2024-06-20")
    assert drilldown_day(None, absences, NO_HOURS, NO_PERFORMANCE) == dt.date(2024, 5, 3)
    # a flag without a day skips the hours and goes to performance, then absences
    assert drilldown_day(pd.NaT, absences, hours, NO_PERFORMANCE) == dt.date(2024, 5, 3)
    assert drilldown_day(None, NO_ABSENCES, NO_HOURS, NO_PERFORMANCE) == dt.date.today()


def test_absences_are_cut_to_the_window_and_counted_in_it():
    th = Thresholds()
    absences = _absences(
        ("2024-06-28", "2024-07-05", "sick"),  # runs past as_of: 3 days inside
        ("2023-06-01", "2023-07-04", "vacation"),  # starts before the 364-day window: 2 inside
        ("2022-01-01", "2022-01-02", "sick"),  # outside
        ("2024-01-10", "2024-01-10", "other"),
    )
    shown = absences_in_window(absences, AS_OF, th)
    assert shown["type"].tolist() == ["vacation", "other", "sick"]
    assert shown["days"].tolist() == [2, 1, 3]


def test_the_trend_line_is_theil_sen_over_the_trend_window():
    th = Thresholds()
    weeks = pd.date_range(end=AS_OF, periods=30, freq="W-MON")
    performance = pd.DataFrame(
        {"agent_id": "A1", "date": weeks, "metric": "csat", "value": 90.0 - 0.5 * np.arange(30)}
    )
    hours = pd.DataFrame(
        {"agent_id": "A1", "date": pd.to_datetime(["2024-06-24"]), "hours_worked": [9.0]}
    )
    drill = make_drilldown(AGENT, NO_ABSENCES, hours, performance, AS_OF, th)
    assert drill.as_of == AS_OF and drill.window_weeks == th.trend_weeks
    assert list(drill.performance.columns) == list(PERFORMANCE_COLUMNS)
    assert list(drill.trends.columns) == list(TREND_COLUMNS)
    line = drill.performance.dropna(subset=["trend"])
    assert len(line) == th.trend_weeks
    assert line["trend"].to_numpy() == pytest.approx(line["value"].to_numpy())
    trend = drill.trends.iloc[0]
    assert trend["slope_per_week"] == pytest.approx(-0.5) and trend["change"] == "worse"
    assert drill.weekly_hours["hours_worked"].iloc[-1] == pytest.approx(9.0)
    assert (drill.weekly_hours["contract_hours"] == 40.0).all()


def test_no_performance_gives_empty_frames_with_the_columns():
    drill = make_drilldown(AGENT, NO_ABSENCES, NO_HOURS, NO_PERFORMANCE, AS_OF)
    assert drill.performance.empty and list(drill.performance.columns) == list(PERFORMANCE_COLUMNS)
    assert drill.trends.empty and drill.absences.empty
