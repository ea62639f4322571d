"""The grouped roster model (counts per group of interchangeable agents, handed out to names)
against the per-agent model, and the roster's time limit with parts that do not come back."""

from __future__ import annotations

import concurrent.futures
import threading
import time

import numpy as np
import pandas as pd
import pytest

import staffing.roster as roster_module
import staffing.roster_solve as solve
from staffing.roster import build_roster, find_rule_violations
from staffing.scheduling import LabourRules
from tests.staffing.test_roster import agents_frame, plan_rows

# early, day, late and night starts, 4 h and 8 h: rest, one-a-day and weekly hours all bind
STARTS = ("06:00", "10:00", "14:00", "18:00", "22:00")


def random_plan(seed: int, days: int, first: str = "2025-01-06") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range(first, periods=days, freq="D"):
        for start in STARTS:
            for hours in (4, 8):
                agents = int(rng.integers(0, 2))
                if agents:
                    s = pd.Timestamp(f"{day.date()} {start}")
                    rows.append((str(s), str(s + pd.Timedelta(hours=hours)), agents))
    plan = plan_rows(rows)
    # a shift template per start and length (the planner's templates have their own names)
    plan["shift"] = plan["shift"] + "-" + plan["paid_hours"].astype(int).astype(str)
    return plan


def crew(n: int, part_timers: int = 0) -> pd.DataFrame:
    return agents_frame(
        [{"agent_id": f"a{k:02d}"} for k in range(n)]
        + [{"agent_id": f"p{k:02d}", "contract_hours_per_week": 20.0} for k in range(part_timers)]
    )


def score(roster) -> tuple[float, float, int]:
    """What both models optimise: filled paid hours, then overtime (the tie-breaker aside)."""
    return (
        float(roster.assignments["paid_hours"].sum()),
        float(roster.overtime["projected_overtime_hours"].sum()),
        roster.unfilled_shifts,
    )


ABSENCES = pd.DataFrame(
    {
        "agent_id": ["a01"],
        "start_date": pd.to_datetime(["2025-01-08"]),
        "end_date": pd.to_datetime(["2025-01-09"]),
        "type": ["vacation"],
    }
)


@pytest.mark.parametrize(("seed", "split_weeks"), [(1, False), (2, False), (2, True), (3, True)])
def test_grouped_model_gives_the_per_agent_optimum(seed: int, split_weeks: bool) -> None:
    plan = random_plan(seed, 14)
    agents = crew(6, part_timers=2)  # 40 h and 20 h contracts; a01 away two days: own group
    kwargs = {"split_weeks": split_weeks, "absences": ABSENCES, "max_overtime_hours_per_week": 4.0}
    grouped = build_roster(plan, agents, **kwargs)
    per_agent = build_roster(plan, agents, grouped=False, **kwargs)
    assert grouped.status == per_agent.status == "optimal"
    assert {p.model for p in per_agent.parts} == {"agents"}
    assert {p.model for p in grouped.parts} == {"groups"}
    # at most one group per agent (week 2 splits the groups by what week 1 left them)
    assert all(
        g.variables <= a.variables for g, a in zip(grouped.parts, per_agent.parts, strict=True)
    )
    assert grouped.parts[0].variables < per_agent.parts[0].variables
    assert score(grouped) == score(per_agent)
    for part_g, part_a in zip(grouped.parts, per_agent.parts, strict=True):
        # the same week given the same earlier weeks (equal here): objectives differ by the
        # tie-breaker only (under 1e-3 a shift)
        assert part_g.objective == pytest.approx(part_a.objective, abs=0.2)
        assert part_g.bound <= part_g.objective + 1e-6
    assert find_rule_violations(grouped.assignments, absences=ABSENCES).empty


def test_grouped_model_keeps_hr_limits_and_tight_rules() -> None:
    plan = random_plan(7, 14)
    agents = crew(5)
    limits = pd.DataFrame(
        [
            {"agent_id": "a00", "kind": "no_late_shifts", "value": None},
            {"agent_id": "a02", "kind": "max_weekly_hours", "value": 16.0},
            {"agent_id": "a03", "kind": "no_overtime", "value": None},
        ]
    ).assign(start_date=pd.Timestamp("2025-01-06"), end_date=pd.Timestamp("2025-01-19"))
    rules = LabourRules(max_consecutive_days=3)
    kwargs = {"split_weeks": True, "limits": limits, "rules": rules}
    grouped = build_roster(plan, agents, **kwargs)
    per_agent = build_roster(plan, agents, grouped=False, **kwargs)
    assert grouped.status == "optimal" and score(grouped) == score(per_agent)
    assert find_rule_violations(grouped.assignments, rules, limits=limits, agents=agents).empty


def test_counts_that_cannot_be_handed_out_fall_back_to_the_per_agent_model(
    monkeypatch,
) -> None:
    plan = random_plan(2, 7)
    agents = crew(6)
    expected = build_roster(plan, agents, grouped=False)
    # a hand-out that keeps the greedy's shortfalls: beyond the 0.1 % tolerance here
    monkeypatch.setattr(solve._HandOut, "repair", lambda self, missing: False)
    roster = build_roster(plan, agents)
    assert [p.model for p in roster.parts] == ["agents"]
    assert roster.status == "optimal" and score(roster) == score(expected)
    assert find_rule_violations(roster.assignments).empty
    # within a looser tolerance the names are kept, with their gap to the grouped bound
    loose = build_roster(plan, agents, mip_rel_gap=0.5)
    part = loose.parts[0]
    assert part.model == "groups" and part.status == "optimal"
    assert 0 < part.mip_gap <= 0.5
    assert part.mip_gap == pytest.approx(
        (part.objective - part.bound) / abs(part.objective), abs=1e-6
    )
    assert loose.unfilled_shifts > expected.unfilled_shifts
    assert find_rule_violations(loose.assignments).empty


def test_the_hand_out_repairs_overtime_the_greedy_left() -> None:
    # two agents, 40 h each; Monday to Saturday a 4 h and an 8 h shift: 72 h to cover in all
    rows = []
    for day in pd.date_range("2025-01-06", periods=6, freq="D"):
        rows.append((f"{day.date()} 08:00", f"{day.date()} 16:00", 1))
        rows.append((f"{day.date()} 09:00", f"{day.date()} 13:00", 1))
    roster = build_roster(plan_rows(rows), crew(2))
    assert roster.status == "optimal" and roster.parts[0].model == "groups"
    assert roster.unfilled_shifts == 0
    # 72 h for 80 h of contracts: no overtime needed, none given
    assert roster.overtime["projected_overtime_hours"].sum() == 0
    assert find_rule_violations(roster.assignments).empty


def test_the_roster_returns_by_its_time_limit_when_parts_do_not(monkeypatch) -> None:
    real = solve.solve_roster_part

    def slow_in_workers(task):  # a loaded machine: parts in the pool take far too long
        if threading.current_thread() is not threading.main_thread():
            time.sleep(3.0)
        return real(task)

    monkeypatch.setattr(roster_module, "solve_roster_part", slow_in_workers)
    plan = random_plan(4, 21)
    agents = crew(6)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        started = time.perf_counter()
        roster = build_roster(plan, agents, split_weeks=True, time_limit_seconds=1.0, executor=pool)
        took = time.perf_counter() - started
    assert took < 1.5  # not the 3 s of the slow part, let alone 9 s of three
    assert roster.status == "time_limit" and len(roster.parts) == 3
    # every week has its greedy roster: rule-abiding, no solver bound
    assert all(p.time_limit_seconds == 0.0 and p.mip_gap is None for p in roster.parts)
    assert roster.filled_shifts > 0 and find_rule_violations(roster.assignments).empty
