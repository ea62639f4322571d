"""Tests for staffing.roster: named agents on planned shifts under labour rules and absences."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import itertools

import pandas as pd
import pytest

from formats import Formats
from staffing.roster import (
    ASSIGNMENT_COLUMNS,
    OVERTIME_COLUMNS,
    UNFILLED_COLUMNS,
    RosterError,
    build_roster,
    find_rule_violations,
)
from staffing.scheduling import PLAN_COLUMNS, LabourRules, ShiftTemplate, plan_shifts

AR_ZONE = "America/Argentina/Buenos_Aires"


def plan_rows(
    rows: list[tuple[str, str, int]], *, country: str = "AR", channel: str = "voice"
) -> pd.DataFrame:
    """A plan frame from (start, end, agents) rows (naive queue-local times), no breaks."""
    records = []
    for start, end, agents in rows:
        s, e = pd.Timestamp(start), pd.Timestamp(end)
        records.append(
            {
                "country": country,
                "channel": channel,
                "date": s.date(),
                "shift": f"S{s:%H%M}",
                "shift_start": s,
                "shift_end": e,
                "break_start": pd.NaT,
                "break_end": pd.NaT,
                "paid_hours": (e - s).total_seconds() / 3600,
                "agents": agents,
                "cost": 0.0,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(PLAN_COLUMNS))


def agents_frame(rows: list[dict]) -> pd.DataFrame:
    base = {
        "name": "Agent",
        "team": "Team A",
        "country": "AR",
        "timezone": AR_ZONE,
        "contract_hours_per_week": 40.0,
        "channels": "voice,chat",
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def daily(
    first: str, days: int, start: str = "09:00", hours: int = 8, agents: int = 1
) -> list[tuple[str, str, int]]:
    out = []
    for k in range(days):
        s = pd.Timestamp(f"{first} {start}") + pd.Timedelta(days=k)
        out.append((str(s), str(s + pd.Timedelta(hours=hours)), agents))
    return out


def test_rest_rule_blocks_a_late_then_early_pair() -> None:
    # Late 14-22 on Monday and Early 06-14 on Tuesday leave 8 h rest: one agent can do only one
    plan = plan_rows(
        [("2025-01-06 14:00", "2025-01-06 22:00", 1), ("2025-01-07 06:00", "2025-01-07 14:00", 1)]
    )
    roster = build_roster(plan, agents_frame([{"agent_id": "a1"}]))
    assert roster.status == "optimal"
    assert roster.filled_shifts == 1 and roster.unfilled_shifts == 1
    assert list(roster.unfilled.columns) == list(UNFILLED_COLUMNS)
    assert find_rule_violations(roster.assignments).empty
    # with 8 h minimum rest both fit
    relaxed = build_roster(
        plan, agents_frame([{"agent_id": "a1"}]), rules=LabourRules(min_rest_hours=8)
    )
    assert relaxed.filled_shifts == 2


def test_rest_between_consecutive_shifts_is_at_least_eleven_hours() -> None:
    # a mix of early and late shifts over two weeks for three agents
    rows = []
    for k in range(14):
        day = pd.Timestamp("2025-01-06") + pd.Timedelta(days=k)
        rows.append((str(day + pd.Timedelta(hours=6)), str(day + pd.Timedelta(hours=14)), 1))
        rows.append((str(day + pd.Timedelta(hours=14)), str(day + pd.Timedelta(hours=22)), 1))
    plan = plan_rows(rows)
    agents = agents_frame([{"agent_id": f"a{k}"} for k in range(3)])
    roster = build_roster(plan, agents)
    assert roster.filled_shifts > 0
    for _, own in roster.assignments.sort_values("start_utc").groupby("agent_id"):
        rests = own["start_utc"].iloc[1:].to_numpy() - own["end_utc"].iloc[:-1].to_numpy()
        assert all(r >= pd.Timedelta(hours=11) for r in rests)
    assert find_rule_violations(roster.assignments).empty


def test_max_consecutive_days() -> None:
    plan = plan_rows(daily("2025-01-06", 10))
    roster = build_roster(
        plan,
        agents_frame([{"agent_id": "a1", "contract_hours_per_week": 48.0}]),
        rules=LabourRules(max_consecutive_days=3),
    )
    days = sorted(pd.to_datetime(roster.assignments["date"]))
    run = longest = 1
    for prev, nxt in itertools.pairwise(days):
        run = run + 1 if (nxt - prev).days == 1 else 1
        longest = max(longest, run)
    assert longest <= 3
    # at most 3 of every 4 days: 8 of 10 at best
    assert roster.filled_shifts == 8
    assert roster.unfilled_shifts == 2


def test_weekly_hours_contract_and_projected_overtime() -> None:
    plan = plan_rows(daily("2025-01-06", 7))  # seven 8 h shifts in one week
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 20.0}])
    contract_only = build_roster(plan, agents, max_overtime_hours_per_week=0)
    assert contract_only.filled_shifts == 2  # 16 h <= 20 h
    assert contract_only.overtime["projected_overtime_hours"].tolist() == [0.0]
    with_overtime = build_roster(plan, agents)
    # 48 h weekly cap and 6 consecutive days allow six shifts: 48 h, 28 h above contract
    assert with_overtime.filled_shifts == 6
    overtime = with_overtime.overtime
    assert list(overtime.columns) == list(OVERTIME_COLUMNS)
    row = overtime.iloc[0]
    assert row["agent_id"] == "a1" and row["week_start"] == dt.date(2025, 1, 6)
    # scheduled (within contract) + projected overtime = the 48 rostered hours
    assert row["contract_hours"] == 20.0 and row["scheduled_hours"] == 20.0
    assert row["projected_overtime_hours"] == 28.0
    assert find_rule_violations(with_overtime.assignments, LabourRules()).empty
    assert with_overtime.message.startswith("6 agent-shifts filled, 1 unfilled; unfilled shifts")
    assert with_overtime.message.endswith("; 28.0\u00a0h projected overtime")
    assert with_overtime.describe(Formats("en_GB")) == with_overtime.message
    assert with_overtime.describe(Formats("de_DE")).endswith("; 28,0\u00a0h projected overtime")
    capped = build_roster(plan, agents, rules=LabourRules(max_weekly_hours=30))
    capped_row = capped.overtime.iloc[0]
    assert capped_row["scheduled_hours"] + capped_row["projected_overtime_hours"] <= 30
    assert capped.assignments["paid_hours"].sum() <= 30


def test_overtime_goes_to_the_fewest_hours_needed() -> None:
    # five 8 h shifts, two 40 h agents: no overtime needed at all
    plan = plan_rows(daily("2025-01-06", 5, agents=2))
    agents = agents_frame([{"agent_id": "a1"}, {"agent_id": "a2"}])
    roster = build_roster(plan, agents)
    assert roster.unfilled_shifts == 0
    assert roster.overtime["projected_overtime_hours"].sum() == 0


def test_absences_are_honoured() -> None:
    plan = plan_rows(daily("2025-01-06", 5))
    agents = agents_frame([{"agent_id": "a1"}, {"agent_id": "a2", "contract_hours_per_week": 16.0}])
    absences = pd.DataFrame(
        {
            "agent_id": ["a1"],
            "start_date": pd.to_datetime(["2025-01-07"]),
            "end_date": pd.to_datetime(["2025-01-08"]),
            "type": ["vacation"],
        }
    )
    roster = build_roster(plan, agents, absences, max_overtime_hours_per_week=0)
    a1_days = set(
        roster.assignments.loc[roster.assignments["agent_id"] == "a1", "date"].astype(str)
    )
    assert not a1_days & {"2025-01-07", "2025-01-08"}
    assert a1_days == {"2025-01-06", "2025-01-09", "2025-01-10"}
    a2_days = set(
        roster.assignments.loc[roster.assignments["agent_id"] == "a2", "date"].astype(str)
    )
    assert a2_days == {"2025-01-07", "2025-01-08"}
    assert find_rule_violations(roster.assignments, absences=absences).empty


def test_night_shift_running_into_an_absence_day_is_not_given() -> None:
    plan = plan_rows([("2025-01-06 22:00", "2025-01-07 06:00", 1)])
    absences = pd.DataFrame(
        {
            "agent_id": ["a1"],
            "start_date": pd.to_datetime(["2025-01-07"]),
            "end_date": pd.to_datetime(["2025-01-07"]),
            "type": ["sick"],
        }
    )
    roster = build_roster(plan, agents_frame([{"agent_id": "a1"}]), absences)
    assert roster.filled_shifts == 0 and roster.unfilled_shifts == 1


def test_channels_and_country_are_respected() -> None:
    plan = pd.concat(
        [plan_rows(daily("2025-01-06", 1)), plan_rows(daily("2025-01-07", 1), channel="chat")],
        ignore_index=True,
    )
    agents = agents_frame(
        [
            {"agent_id": "chat-only", "channels": "chat"},
            {
                "agent_id": "hungarian",
                "country": "HU",
                "timezone": "Europe/Budapest",
                "channels": "voice",
            },
        ]
    )
    roster = build_roster(plan, agents)
    assert roster.assignments[["agent_id", "channel"]].values.tolist() == [["chat-only", "chat"]]
    assert roster.unfilled["channel"].tolist() == ["voice"]


def test_time_zones_queue_local_utc_and_agent_local() -> None:
    # an AR agent's 09:00 local shift is 12:00 UTC (Argentina is UTC-3, no DST)
    roster = build_roster(
        plan_rows([("2025-01-06 09:00", "2025-01-06 17:00", 1)]), agents_frame([{"agent_id": "a1"}])
    )
    row = roster.assignments.iloc[0]
    assert row["start_utc"] == pd.Timestamp("2025-01-06 12:00", tz="UTC")
    assert row["agent_start"] == pd.Timestamp("2025-01-06 09:00")
    assert list(roster.assignments.columns) == list(ASSIGNMENT_COLUMNS)
    # a Canary Islands agent serving the Spanish queue (Madrid time) sees the shift an hour earlier
    es_plan = plan_rows([("2025-07-07 09:00", "2025-07-07 17:00", 1)], country="ES")
    agents = agents_frame(
        [
            {
                "agent_id": "madrid",
                "country": "ES",
                "timezone": "Europe/Madrid",
                "channels": "chat",
            },
            {"agent_id": "canary", "country": "ES", "timezone": "Atlantic/Canary"},
        ]
    )
    roster = build_roster(es_plan, agents, queue_timezones={"ES": "Europe/Madrid"})
    row = roster.assignments.iloc[0]
    assert row["agent_id"] == "canary"
    assert row["start_utc"] == pd.Timestamp("2025-07-07 07:00", tz="UTC")  # CEST = UTC+2
    assert row["agent_start"] == pd.Timestamp("2025-07-07 08:00")  # WEST = UTC+1
    assert row["agent_timezone"] == "Atlantic/Canary"


def test_break_placements_are_handed_out_and_plan_object_accepted() -> None:
    req = pd.DataFrame(
        {
            "country": "AR",
            "channel": "voice",
            "interval_start": pd.date_range("2025-01-06 08:00", periods=8, freq="30min"),
            "interval_minutes": 30,
            "required_staff": 2,
        }
    )
    plan = plan_shifts(req, [ShiftTemplate("W", dt.time(8), 270, 30, 60, 180, cost_per_hour=1.0)])
    agents = agents_frame([{"agent_id": f"a{k}"} for k in range(4)])
    roster = build_roster(plan, agents)
    assert roster.filled_shifts == plan.shifts["agents"].sum() == 3
    assert roster.assignments["break_start"].nunique() >= 2
    assert roster.unfilled.empty


def test_empty_plan_and_country_without_agents() -> None:
    empty = build_roster(plan_rows([]), agents_frame([{"agent_id": "a1"}]))
    assert empty.status == "empty" and empty.assignments.empty
    roster = build_roster(
        plan_rows(daily("2025-01-06", 1), country="HU"), agents_frame([{"agent_id": "a1"}])
    )
    assert roster.filled_shifts == 0 and roster.unfilled_shifts == 1


def test_find_rule_violations_flags_a_hand_made_bad_roster() -> None:
    bad = pd.DataFrame(
        {
            "agent_id": ["a1", "a1"],
            "date": [dt.date(2025, 1, 6), dt.date(2025, 1, 7)],
            "start_utc": pd.to_datetime(["2025-01-06 14:00", "2025-01-07 04:00"]).tz_localize(
                "UTC"
            ),
            "end_utc": pd.to_datetime(["2025-01-06 22:00", "2025-01-07 12:00"]).tz_localize("UTC"),
            "agent_start": pd.to_datetime(["2025-01-06 14:00", "2025-01-07 04:00"]),
            "agent_end": pd.to_datetime(["2025-01-06 22:00", "2025-01-07 12:00"]),
            "paid_hours": [8.0, 8.0],
            "week_start": [dt.date(2025, 1, 6)] * 2,
        }
    )
    found = find_rule_violations(bad, LabourRules(max_weekly_hours=10))
    assert set(found["rule"]) == {"rest", "weekly_hours"}


def test_find_rule_violations_names_each_shift_on_an_absence_day() -> None:
    starts = pd.to_datetime(["2025-01-06 22:00", "2025-01-07 09:00", "2025-01-09 09:00"])
    roster = pd.DataFrame(
        {
            "agent_id": ["a1", "a2", "a1"],
            "date": [dt.date(2025, 1, 6), dt.date(2025, 1, 7), dt.date(2025, 1, 9)],
            "start_utc": starts.tz_localize("UTC"),
            "end_utc": (starts + pd.Timedelta(hours=8)).tz_localize("UTC"),
            "agent_start": starts,
            "agent_end": starts + pd.Timedelta(hours=8),
            "paid_hours": [8.0] * 3,
            "week_start": [dt.date(2025, 1, 6)] * 3,
        }
    )
    absences = pd.DataFrame(
        {
            "agent_id": ["a1", "a2", "a3", "a1"],
            "start_date": pd.to_datetime(["2025-01-09", "2025-01-08", "2025-01-06", "2025-01-07"]),
            "end_date": pd.to_datetime(["2025-01-10", "2025-01-08", "2025-01-09", "2025-01-07"]),
            "type": ["sick", "vacation", "sick", "training"],
        }
    )
    found = find_rule_violations(roster, absences=absences)
    # the night shift from Monday 22:00 runs into a1's training day; a2 works the day before
    # their vacation only; a3 has no shifts; in the absences' order, then the roster's
    assert found.to_dict("records") == [
        {"agent_id": "a1", "rule": "absence", "detail": "sick on 2025-01-09 09:00:00"},
        {"agent_id": "a1", "rule": "absence", "detail": "training on 2025-01-06 22:00:00"},
    ]


def test_bad_agents_and_absences() -> None:
    plan = plan_rows(daily("2025-01-06", 1))
    with pytest.raises(RosterError, match="missing column"):
        build_roster(plan, agents_frame([{"agent_id": "a1"}]).drop(columns=["timezone"]))
    with pytest.raises(RosterError, match="'Mars/Olympus', not an IANA time zone"):
        build_roster(plan, agents_frame([{"agent_id": "a1", "timezone": "Mars/Olympus"}]))
    with pytest.raises(RosterError, match="duplicate agent_id 'a1'"):
        build_roster(plan, agents_frame([{"agent_id": "a1"}, {"agent_id": "a1"}]))
    with pytest.raises(RosterError, match="contract_hours_per_week"):
        build_roster(plan, agents_frame([{"agent_id": "a1", "contract_hours_per_week": -5}]))
    with pytest.raises(RosterError, match="column 'channels' is empty"):
        build_roster(plan, agents_frame([{"agent_id": "a1", "channels": " , "}]))
    agents = agents_frame([{"agent_id": "a1"}])
    absences = pd.DataFrame(
        {
            "agent_id": ["a1"],
            "start_date": pd.to_datetime(["2025-01-08"]),
            "end_date": pd.to_datetime(["2025-01-07"]),
            "type": ["sick"],
        }
    )
    with pytest.raises(RosterError, match="end_date 2025-01-07 is before start_date 2025-01-08"):
        build_roster(plan, agents, absences)
    with pytest.raises(RosterError, match="'holiday', not one of other, sick, vacation"):
        build_roster(plan, agents, absences.assign(end_date=absences["start_date"], type="holiday"))
    with pytest.raises(RosterError, match="must be datetime64"):
        build_roster(plan, agents, absences.assign(start_date="2025-01-08"))
    with pytest.raises(RosterError, match="not an IANA time zone"):
        build_roster(plan, agents, queue_timezones={"AR": "Nowhere"})
    with pytest.raises(RosterError, match="plan: missing column"):
        build_roster(plan.drop(columns=["agents"]), agents)
    with pytest.raises(RosterError, match="time_limit_seconds must be > 0"):
        build_roster(plan, agents, time_limit_seconds=0)


# --------------------------------------------------------------------------- parts and executors


def longest_run(dates: pd.Series) -> int:
    days = sorted(pd.to_datetime(dates).dt.date.unique())
    run = longest = 1 if days else 0
    for prev, nxt in itertools.pairwise(days):
        run = run + 1 if (nxt - prev).days == 1 else 1
        longest = max(longest, run)
    return longest


def test_rest_is_respected_across_a_week_boundary() -> None:
    # Sunday 14-22 then Monday 06-14: 8 h rest, in two different weekly parts
    plan = plan_rows(
        [("2025-01-12 14:00", "2025-01-12 22:00", 1), ("2025-01-13 06:00", "2025-01-13 14:00", 1)]
    )
    roster = build_roster(plan, agents_frame([{"agent_id": "a1"}]), split_weeks=True)
    assert roster.rolling_horizon
    assert [p.follows_earlier_weeks for p in roster.parts] == [False, True]
    assert [(p.first_date, p.last_date) for p in roster.parts] == [
        (dt.date(2025, 1, 12), dt.date(2025, 1, 12)),
        (dt.date(2025, 1, 13), dt.date(2025, 1, 13)),
    ]
    assert roster.filled_shifts == 1 and roster.unfilled_shifts == 1
    assert [p.unfilled_shifts for p in roster.parts] == [0, 1]
    assert find_rule_violations(roster.assignments).empty
    assert "solved week by week" in roster.message


def test_consecutive_days_are_counted_across_a_week_boundary() -> None:
    # Friday to the next Sunday, one 8 h shift a day; week 1 (Fri-Sun) ends on a 3-day run
    plan = plan_rows(daily("2025-01-10", 10))
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 48.0}])
    rules = LabourRules(max_consecutive_days=3)
    rolling = build_roster(plan, agents, rules=rules, split_weeks=True)
    whole = build_roster(plan, agents, rules=rules, split_weeks=False)
    assert len(rolling.parts) == 2 and not whole.rolling_horizon and len(whole.parts) == 1
    assert longest_run(rolling.assignments["date"]) <= 3
    assert find_rule_violations(rolling.assignments, rules).empty
    # Monday must stay free after Fri-Sun: 3 + 5 shifts, which is also the whole optimum
    assert "2025-01-13" not in set(rolling.assignments["date"].astype(str))
    assert rolling.filled_shifts == whole.filled_shifts == 8


def test_weekly_hours_hold_in_every_week_of_a_rolling_horizon() -> None:
    # a Wednesday-to-Tuesday fortnight and a bit: three Monday-weeks, the first and last partial
    plan = plan_rows(daily("2025-01-08", 15))
    agents = agents_frame([{"agent_id": "a1", "contract_hours_per_week": 20.0}, {"agent_id": "a2"}])
    roster = build_roster(plan, agents, split_weeks=True, max_overtime_hours_per_week=0)
    assert [(p.first_date, p.last_date) for p in roster.parts] == [
        (dt.date(2025, 1, 8), dt.date(2025, 1, 12)),
        (dt.date(2025, 1, 13), dt.date(2025, 1, 19)),
        (dt.date(2025, 1, 20), dt.date(2025, 1, 22)),
    ]
    weekly = roster.assignments.groupby(["agent_id", "week_start"])["paid_hours"].sum()
    assert weekly.loc["a1"].max() <= 20 and weekly.loc["a2"].max() <= 40
    assert roster.overtime["projected_overtime_hours"].sum() == 0
    # a full week needs 56 h, the two agents have 60 h: every week full but for the rest rule
    assert weekly.loc[("a1", dt.date(2025, 1, 13))] == 16
    assert weekly.loc[("a2", dt.date(2025, 1, 13))] == 40
    assert find_rule_violations(roster.assignments, LabourRules(max_weekly_hours=40)).empty


def test_parts_report_status_gap_and_counts_per_country_and_week() -> None:
    plan = pd.concat(
        [
            plan_rows(daily("2025-01-06", 14, agents=2)),
            plan_rows(daily("2025-01-06", 7), country="HU"),
        ],
        ignore_index=True,
    )
    agents = agents_frame(
        [{"agent_id": f"a{k}"} for k in range(3)]
        + [{"agent_id": "h1", "country": "HU", "timezone": "Europe/Budapest"}]
    )
    roster = build_roster(plan, agents, split_weeks=True)
    assert [(p.country, p.first_date) for p in roster.parts] == [
        ("AR", dt.date(2025, 1, 6)),
        ("AR", dt.date(2025, 1, 13)),
        ("HU", dt.date(2025, 1, 6)),
    ]
    assert all(p.status == "optimal" for p in roster.parts)
    assert all(p.mip_gap is not None and p.mip_gap <= 1e-3 for p in roster.parts)
    assert all(p.time_limit_seconds > 0 and p.variables > 0 for p in roster.parts)
    assert [p.agents for p in roster.parts] == [3, 3, 1]
    assert sum(p.planned_shifts for p in roster.parts) == 35
    assert sum(p.unfilled_shifts for p in roster.parts) == roster.unfilled_shifts
    assert roster.status == "optimal" and roster.mip_gap <= 1e-3
    # the greedy warm start is feasible and never better than the solver's answer
    assert all(p.greedy_unfilled_shifts >= p.unfilled_shifts for p in roster.parts)
    # a country without agents is a part of its own
    lonely = build_roster(plan_rows(daily("2025-01-06", 2), country="BR"), agents)
    assert [(p.country, p.status, p.unfilled_shifts) for p in lonely.parts] == [
        ("BR", "no_agents", 2)
    ]


def test_a_week_without_shifts_is_no_part() -> None:
    plan = pd.concat(
        [plan_rows(daily("2025-01-06", 3)), plan_rows(daily("2025-01-20", 3))], ignore_index=True
    )
    roster = build_roster(plan, agents_frame([{"agent_id": "a1"}]), split_weeks=True)
    assert [p.first_date for p in roster.parts] == [dt.date(2025, 1, 6), dt.date(2025, 1, 20)]
    assert roster.filled_shifts == 6 and roster.status == "optimal"


def test_small_rosters_are_solved_whole_by_default() -> None:
    roster = build_roster(plan_rows(daily("2025-01-06", 14)), agents_frame([{"agent_id": "a1"}]))
    assert not roster.rolling_horizon and len(roster.parts) == 1
    assert "week by week" not in roster.message


def test_a_part_that_hits_its_time_limit_is_reported_as_such(monkeypatch) -> None:
    from scipy import optimize

    import staffing.roster_solve as solve

    def out_of_time(*args, **kwargs):  # HiGHS stopped by its time limit before any solution
        return optimize.OptimizeResult(
            status=1, x=None, fun=None, mip_gap=None, mip_dual_bound=-1e4, message="Time limit"
        )

    plan = plan_rows(daily("2025-01-06", 14))
    agents = agents_frame([{"agent_id": "a1"}, {"agent_id": "a2"}])
    monkeypatch.setattr(solve.optimize, "milp", out_of_time)
    roster = build_roster(plan, agents, split_weeks=True, part_time_limit_seconds=2)
    assert [p.status for p in roster.parts] == ["time_limit", "time_limit"]
    assert all(p.time_limit_seconds == 2 for p in roster.parts)
    assert roster.status == "time_limit"
    assert "time limit reached" in roster.message
    # the greedy start is kept: a rule-abiding roster, gap measured against HiGHS's bound
    assert roster.filled_shifts == 14 and find_rule_violations(roster.assignments).empty
    assert all(p.mip_gap is not None and p.mip_gap > 0 for p in roster.parts)
    monkeypatch.undo()
    # parts that start after the roster's time is up keep their greedy roster without HiGHS
    late = build_roster(plan, agents, split_weeks=True, time_limit_seconds=1e-3)
    assert [(p.status, p.mip_gap, p.time_limit_seconds) for p in late.parts] == [
        ("time_limit", None, 0.0),
        ("time_limit", None, 0.0),
    ]
    assert late.status == "time_limit" and late.mip_gap is None
    assert late.filled_shifts == 14 and find_rule_violations(late.assignments).empty
    # the same through HiGHS, also started from the greedy roster (a MIP start)
    for warm_start in (False, True):
        real = build_roster(plan, agents, split_weeks=True, warm_start=warm_start)
        assert real.status == "optimal" and real.filled_shifts == 14


class RecordingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A thread pool that remembers what was submitted to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.calls: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def two_country_fortnight() -> tuple[pd.DataFrame, pd.DataFrame]:
    plan = pd.concat(
        [
            plan_rows(daily("2025-01-06", 14, agents=2)),
            plan_rows(daily("2025-01-06", 14, start="14:00", agents=2)),
            plan_rows(daily("2025-01-06", 14, agents=1), country="HU"),
        ],
        ignore_index=True,
    )
    agents = agents_frame(
        [{"agent_id": f"a{k}"} for k in range(5)]
        + [{"agent_id": "h1", "country": "HU", "timezone": "Europe/Budapest"}]
    )
    return plan, agents


def test_parts_run_through_the_given_executor() -> None:
    plan, agents = two_country_fortnight()
    inline = build_roster(plan, agents, split_weeks=True)
    with RecordingExecutor() as pool:
        pooled = build_roster(plan, agents, split_weeks=True, executor=pool)
    assert pool.calls == ["solve_roster_part"] * 4  # 2 countries x 2 weeks
    pd.testing.assert_frame_equal(pooled.assignments, inline.assignments)
    assert [p.status for p in pooled.parts] == [p.status for p in inline.parts]
    with pytest.raises(RosterError, match=r"executor must be a concurrent\.futures\.Executor"):
        build_roster(plan, agents, executor="processes")
    with pytest.raises(RosterError, match="part_time_limit_seconds must be > 0"):
        build_roster(plan, agents, part_time_limit_seconds=0)


@pytest.mark.slow
def test_parts_run_in_worker_processes_and_on_dask() -> None:
    plan, agents = two_country_fortnight()
    inline = build_roster(plan, agents, split_weeks=True)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        pooled = build_roster(plan, agents, split_weeks=True, executor=pool)
    pd.testing.assert_frame_equal(pooled.assignments, inline.assignments)
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        on_dask = build_roster(plan, agents, split_weeks=True, executor=client.get_executor())
    pd.testing.assert_frame_equal(on_dask.assignments, inline.assignments)
