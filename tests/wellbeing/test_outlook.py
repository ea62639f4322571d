"""Outlook: who would cross a working-time threshold if a gap is covered with overtime."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.wellbeing.builders import hours_frame, weekly_pattern
from wellbeing.errors import MissingColumnsError, WellbeingInputError
from wellbeing.outlook import OUTLOOK_COLUMNS, project_overtime_outlook

FIRST = pd.Timestamp("2024-07-01")  # Monday after the history (which ends with 24-30 June)


def _projection(agent_id, contract, scheduled, overtime):
    weeks = pd.date_range(FIRST, periods=len(overtime), freq="7D")
    return pd.DataFrame(
        {
            "agent_id": agent_id,
            "week_start": weeks,
            "contract_hours": contract,
            "scheduled_hours": scheduled,
            "projected_overtime_hours": overtime,
        }
    )


def _case():
    history = hours_frame(
        weekly_pattern("EDGE", [47.0] * 16)
        + weekly_pattern("FINE", [40.0] * 16)
        + weekly_pattern("ALREADY", [50.0] * 16)
    )
    projected = pd.concat(
        [
            _projection("EDGE", 47.0, 47.0, [3.0, 3.0, 3.0]),
            _projection("FINE", 40.0, 40.0, [5.0, 5.0, 5.0]),
            _projection("ALREADY", 50.0, 50.0, [0.0, 0.0, 0.0]),
        ]
    )
    return projected, history


def test_averages_by_hand():
    outlook = project_overtime_outlook(*_case())
    rows = outlook.agents.set_index("agent_id")
    assert list(outlook.agents.columns) == list(OUTLOOK_COLUMNS)
    assert sorted(rows.index) == ["ALREADY", "EDGE"]
    edge = rows.loc["EDGE"]
    # 4-week averages: (3 x 47 + 50) / 4 = 47.75, then (2 x 47 + 100) / 4 = 48.5, then 49.25
    # 17-week at the last week: (14 x 47 + 150) / 17 = 47.53: under 48
    assert edge["crosses"] == ["average_hours"]
    assert edge["first_week_over"] == pd.Timestamp("2024-07-08")
    assert edge["peak_average_hours_recent"] == pytest.approx(49.25)
    assert edge["peak_average_hours_reference"] == pytest.approx(808 / 17)
    assert edge["peak_week_hours"] == pytest.approx(50.0)
    assert edge["overtime_hours"] == pytest.approx(9.0)
    assert not edge["over_without_overtime"]
    assert edge["reasons"] == [
        "Average 49.2 h a week over 4 weeks by the week of 15 Jul 2024 if the gap is covered "
        "with overtime (threshold 48 h; 47.0 h without overtime)"
    ]
    assert rows.loc["ALREADY", "over_without_overtime"]
    assert (outlook.n_over_average, outlook.n_long_week, outlook.n_overtime_streak) == (2, 0, 0)
    assert outlook.summary == (
        "Covering the gap with overtime would put 2 agents above a 48 h average (17- or 4-week) "
        "from 1 Jul 2024 to 21 Jul 2024 (1 of them would be above it even without overtime)."
    )


def test_long_weeks_and_overtime_streaks():
    history = hours_frame(weekly_pattern("A", [37.5] * 16))
    projected = _projection("A", 37.5, 37.5, [18.0, 2.0, 2.0, 2.0])
    outlook = project_overtime_outlook(projected, history)
    row = outlook.agents.iloc[0]
    assert row["crosses"] == ["long_week", "overtime_streak"]
    assert row["first_week_over"] == FIRST
    assert (
        "55.5 h in the week of 1 Jul 2024 (1 projected week at 55 h or more; threshold 55 h, WHO/ILO)"
        in row["reasons"]
    )
    assert (
        "4 consecutive weeks above contract (37.5 h) by the week of 22 Jul 2024 (threshold 4 weeks)"
        in row["reasons"]
    )
    assert outlook.summary.endswith(
        "1 agent would work a week of 55 h or more; 1 agent would work above contract for 4 or more weeks in a row."
    )


def test_nobody_crosses():
    history = hours_frame(weekly_pattern("A", [37.5] * 16))
    outlook = project_overtime_outlook(_projection("A", 37.5, 37.5, [0.5, 0.5]), history)
    assert outlook.agents.empty
    assert outlook.summary.startswith(
        "Covering the gap with overtime would put 0 agents above a 48 h average"
    )


def test_history_after_as_of_is_unknown():
    projected, history = _case()
    # with as_of at 16 June the last two history weeks are left out of the averages
    outlook = project_overtime_outlook(projected, history, as_of="2024-06-16")
    edge = outlook.agents.set_index("agent_id").loc["EDGE"]
    # the 4 weeks to 15 July: 24 June unknown, then 3 x 50 h -> 50 h (3 of 4 weeks is enough)
    assert edge["peak_average_hours_recent"] == pytest.approx(50.0)
    # week of 1 July: 10 June 47 h, 17 and 24 June unknown, 1 July 50 h -> 48.5 h
    assert edge["first_week_over"] == FIRST


def test_bad_projection():
    projected, history = _case()
    with pytest.raises(
        MissingColumnsError,
        match=r"projected overtime: missing column\(s\) 'scheduled_hours'",
    ):
        project_overtime_outlook(projected.drop(columns="scheduled_hours"), history)
    with pytest.raises(WellbeingInputError, match="more than one row for the same week_start"):
        project_overtime_outlook(pd.concat([projected, projected.iloc[[0]]]), history)
    with pytest.raises(WellbeingInputError, match="must not be negative"):
        project_overtime_outlook(projected.assign(projected_overtime_hours=-1.0), history)
    empty = project_overtime_outlook(projected.iloc[0:0], history)
    assert empty.agents.empty and empty.first_week is None
