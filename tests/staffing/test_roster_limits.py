"""HR's limits in the named roster: hard rules in the MILP and the greedy roster, on their days only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from staffing.roster import LATE_SHIFT_END_HOUR, RosterError, build_roster, find_rule_violations
from tests.staffing.test_roster import agents_frame, daily, plan_rows

WEEK_1 = ("2025-01-06", "2025-01-12")  # Monday to Sunday


def limits(*rows: tuple[str, float | None, str, str], agent: str = "a1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"agent_id": agent, "kind": kind, "value": value, "start_date": s, "end_date": e}
            for kind, value, s, e in rows
        ]
    )


@pytest.fixture(params=["milp", "greedy"])
def solve(request):
    """build_roster through HiGHS, or with no time left so that each part keeps its greedy
    roster (the fallback)."""

    def run(plan, agents, **kwargs):
        if request.param == "greedy":
            kwargs["time_limit_seconds"] = 1e-3
        roster = build_roster(plan, agents, **kwargs)
        expected = "optimal" if request.param == "milp" else "time_limit"
        assert roster.status == expected or roster.filled_shifts == 0  # nothing to solve
        assert find_rule_violations(roster.assignments).empty
        return roster

    return run


def weekly_hours(roster) -> dict[dt.date, float]:
    return roster.assignments.groupby("week_start")["paid_hours"].sum().to_dict()


def test_no_overtime_holds_inside_the_dates_only(solve) -> None:
    plan = plan_rows(daily("2025-01-06", 14))  # an 8 h shift every day for two weeks
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 40.0}])
    free = weekly_hours(solve(plan, agents))
    assert free[dt.date(2025, 1, 6)] > 40  # without the limit the gap is covered with overtime
    limited = weekly_hours(solve(plan, agents, limits=limits(("no_overtime", None, *WEEK_1))))
    assert limited[dt.date(2025, 1, 6)] == 40
    assert limited[dt.date(2025, 1, 13)] == 48  # after the limit's end: overtime again


def test_at_most_n_hours_a_week_inside_the_dates_only(solve) -> None:
    plan = plan_rows(daily("2025-01-06", 14))
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 40.0}])
    roster = solve(plan, agents, limits=limits(("max_weekly_hours", 24.0, *WEEK_1)))
    hours = weekly_hours(roster)
    assert hours[dt.date(2025, 1, 6)] == 24 and hours[dt.date(2025, 1, 13)] == 48


def test_a_limit_over_part_of_a_week_counts_the_days_inside_it(solve) -> None:
    plan = plan_rows(daily("2025-01-06", 5))  # Monday to Friday
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 40.0}])
    roster = solve(
        plan, agents, limits=limits(("max_weekly_hours", 8.0, "2025-01-08", "2025-01-31"))
    )
    days = pd.to_datetime(roster.assignments["date"]).dt.date.tolist()
    inside = [d for d in days if d >= dt.date(2025, 1, 8)]
    assert len(inside) == 1  # one 8 h shift from Wednesday on
    assert dt.date(2025, 1, 6) in days and dt.date(2025, 1, 7) in days  # before it: untouched


def test_no_late_shifts_inside_the_dates_only(solve) -> None:
    assert LATE_SHIFT_END_HOUR == 20
    plan = plan_rows(
        [
            ("2025-01-06 12:00", "2025-01-06 20:00", 1),  # ends at 20:00: not late
            ("2025-01-07 13:00", "2025-01-07 21:00", 1),  # late, inside the limit
            ("2025-01-08 22:00", "2025-01-09 06:00", 1),  # past midnight: late, inside
            ("2025-01-10 13:00", "2025-01-10 21:00", 1),  # late, after the limit
        ]
    )
    agents = agents_frame([{"agent_id": "a1"}])
    assert solve(plan, agents).filled_shifts == 4
    roster = solve(
        plan, agents, limits=limits(("no_late_shifts", None, "2025-01-06", "2025-01-09"))
    )
    days = sorted(pd.to_datetime(roster.assignments["date"]).dt.date)
    assert days == [dt.date(2025, 1, 6), dt.date(2025, 1, 10)]
    assert roster.unfilled_shifts == 2


def test_late_is_the_agents_own_local_time(solve) -> None:
    # an 11:00-19:00 Buenos Aires shift ends at 23:00 in Madrid: late for an agent living there
    plan = plan_rows([("2025-01-06 11:00", "2025-01-06 19:00", 1)])
    agents = agents_frame([{"agent_id": "a1", "timezone": "Europe/Madrid"}])
    roster = solve(
        plan,
        agents,
        queue_timezones={"AR": "America/Argentina/Buenos_Aires"},
        limits=limits(("no_late_shifts", None, "2025-01-06", "2025-01-06")),
    )
    assert roster.filled_shifts == 0


def test_another_agents_limit_leaves_the_rest_alone(solve) -> None:
    plan = plan_rows(daily("2025-01-06", 7, agents=2))
    agents = agents_frame([{"agent_id": "a1"}, {"agent_id": "a2"}])
    roster = solve(plan, agents, limits=limits(("max_weekly_hours", 0.0, *WEEK_1), agent="a2"))
    assert set(roster.assignments["agent_id"]) == {"a1"}
    assert roster.filled_shifts == 6  # a1 as without limits: 48 h, six days in a row


def test_limits_rolled_week_by_week_hold_in_each_week() -> None:
    plan = plan_rows(daily("2025-01-06", 21))
    agents = agents_frame([{"agent_id": "a1"}])
    roster = build_roster(
        plan,
        agents,
        split_weeks=True,
        limits=limits(("no_overtime", None, "2025-01-13", "2025-01-26")),
    )
    hours = weekly_hours(roster)
    assert hours[dt.date(2025, 1, 13)] <= 40 and hours[dt.date(2025, 1, 20)] <= 40
    assert hours[dt.date(2025, 1, 6)] == 48


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("night_only", None, *WEEK_1), "column 'kind' has 'night_only', not one of"),
        (("max_weekly_hours", None, *WEEK_1), "column 'value' has nan, not hours >= 0"),
        (("max_weekly_hours", -1.0, *WEEK_1), "column 'value' has -1.0"),
        (("no_overtime", None, "2025-01-12", "2025-01-06"), "end_date 2025-01-06 is before"),
        (("no_overtime", None, "someday", "2025-01-06"), "column 'start_date' has 'someday'"),
    ],
)
def test_bad_limits_are_refused_with_row_and_column(row, message) -> None:
    plan = plan_rows(daily("2025-01-06", 1))
    with pytest.raises(RosterError, match=message):
        build_roster(plan, agents_frame([{"agent_id": "a1"}]), limits=limits(row))
