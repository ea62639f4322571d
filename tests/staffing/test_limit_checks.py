"""find_rule_violations knows HR's limits: a roster that breaks one is reported per agent and day
or week as "limit set by HR" (never why), and a roster built with the limits breaks none."""

from __future__ import annotations

import pandas as pd
import pytest

from staffing.roster import RosterError, build_roster, find_rule_violations
from tests.staffing.test_roster import agents_frame, daily, plan_rows
from tests.staffing.test_roster_limits import WEEK_1, limits

AGENTS = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 40.0}])
TWO_WEEKS = plan_rows(daily("2025-01-06", 14))  # an 8 h shift every day for two weeks


def _limit_rows(found: pd.DataFrame) -> pd.DataFrame:
    return found[found["rule"] == "hr_limit"]


def test_no_overtime_broken_is_reported_for_the_week_inside_the_dates() -> None:
    free = build_roster(TWO_WEEKS, AGENTS)  # built without the limit: 48 h both weeks
    rule = limits(("no_overtime", None, *WEEK_1))
    found = _limit_rows(find_rule_violations(free.assignments, limits=rule, agents=AGENTS))
    assert found["agent_id"].tolist() == ["a1"]  # week 2 is after the limit's end
    detail = found["detail"].iloc[0]
    assert detail.startswith("limit set by HR (no overtime): 48.00 h over 40.00 h")
    assert "on 2025-01-06 to 2025-01-11 (week 2025-01-06)" in detail  # six days in a row at most
    honoured = build_roster(TWO_WEEKS, AGENTS, limits=rule)
    assert find_rule_violations(honoured.assignments, limits=rule, agents=AGENTS).empty


def test_at_most_n_hours_broken_is_reported() -> None:
    free = build_roster(TWO_WEEKS, AGENTS)
    rule = limits(("max_weekly_hours", 24.0, "2025-01-06", "2025-01-19"))
    found = _limit_rows(find_rule_violations(free.assignments, limits=rule))
    assert len(found) == 2 and set(found["agent_id"]) == {"a1"}  # both weeks
    assert all(
        "limit set by HR (at most 24 h a week): 48.00 h over 24.00 h" in d for d in found["detail"]
    )
    honoured = build_roster(TWO_WEEKS, AGENTS, limits=rule)
    assert find_rule_violations(honoured.assignments, limits=rule).empty


def test_a_weekly_limit_counts_only_the_days_inside_it() -> None:
    plan = plan_rows(daily("2025-01-06", 5))  # Monday to Friday, 40 h
    roster = build_roster(plan, AGENTS)
    rule = limits(("max_weekly_hours", 16.0, "2025-01-09", "2025-01-31"))  # Thursday on
    assert find_rule_violations(roster.assignments, limits=rule).empty  # 16 h Thu-Fri
    rule = limits(("max_weekly_hours", 8.0, "2025-01-09", "2025-01-31"))
    found = _limit_rows(find_rule_violations(roster.assignments, limits=rule))
    assert found["detail"].tolist() == [
        "limit set by HR (at most 8 h a week): 16.00 h over 8.00 h on 2025-01-09 to 2025-01-10 "
        "(week 2025-01-06)"
    ]


def test_no_late_shifts_broken_is_reported_per_day() -> None:
    plan = plan_rows(
        [
            ("2025-01-06 12:00", "2025-01-06 20:00", 1),  # ends at 20:00: not late
            ("2025-01-07 14:00", "2025-01-07 22:00", 1),  # late, inside the dates
            ("2025-01-13 14:00", "2025-01-13 22:00", 1),  # late, after the limit's end
        ]
    )
    free = build_roster(plan, AGENTS)
    assert free.filled_shifts == 3
    rule = limits(("no_late_shifts", None, *WEEK_1))
    found = _limit_rows(find_rule_violations(free.assignments, limits=rule))
    assert found["agent_id"].tolist() == ["a1"]
    assert found["detail"].iloc[0] == (
        "limit set by HR (no late shifts): the shift on 2025-01-07 ends 2025-01-07 22:00:00 "
        "(agent's time), after 20:00"
    )
    honoured = build_roster(plan, AGENTS, limits=rule)
    assert honoured.filled_shifts == 2
    assert find_rule_violations(honoured.assignments, limits=rule).empty


def test_limits_of_other_agents_and_other_days_report_nothing() -> None:
    free = build_roster(TWO_WEEKS, AGENTS)
    other = limits(("no_overtime", None, *WEEK_1), agent="someone.else")
    assert find_rule_violations(free.assignments, limits=other).empty  # no agents needed
    later = limits(("no_late_shifts", None, "2025-03-01", "2025-03-31"))
    assert find_rule_violations(free.assignments, limits=later).empty


def test_bad_limits_or_a_missing_contract_are_refused_with_a_message() -> None:
    free = build_roster(TWO_WEEKS, AGENTS)
    with pytest.raises(RosterError, match="need the agents' contract_hours_per_week"):
        find_rule_violations(free.assignments, limits=limits(("no_overtime", None, *WEEK_1)))
    bad = limits(("no_weekends", None, *WEEK_1))
    with pytest.raises(RosterError, match=r"limits row 0 .* column 'kind' has 'no_weekends'"):
        find_rule_violations(free.assignments, limits=bad)
    with pytest.raises(RosterError, match="who is not in the agents frame"):
        find_rule_violations(
            free.assignments,
            limits=limits(("no_overtime", None, *WEEK_1)),
            agents=AGENTS.assign(agent_id="a2"),
        )
