"""Strain, not illness: each confounder planted once, flagged or not as it should be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.wellbeing.builders import (
    AS_OF,
    absences_frame,
    agents_frame,
    hours_frame,
    performance_frame,
    stable_performance,
    weekly_metric,
    weekly_pattern,
)
from wellbeing import (
    CHECK_IN_COLUMNS,
    evaluate_burnout_risk,
    is_context,
    reason_detail,
    score_burnout_risk,
)
from wellbeing.thresholds import Thresholds

# one 24-day sick absence in March (18 working days): an operation, not strain
LONG_SPELL = [("P", "2024-03-04", "2024-03-27", "sick")]


def _score(agents, absences=None, hours=None, performance=None, **kw):
    return score_burnout_risk(
        agents,
        absences if absences is not None else absences_frame(),
        hours if hours is not None else hours_frame(),
        performance if performance is not None else performance_frame(),
        AS_OF,
        **kw,
    ).set_index("agent_id")


def _steady(agent: str, weeks: int = 52, hours: float = 37.5):
    return weekly_pattern(agent, [hours] * weeks)


def test_a_single_long_sick_spell_is_not_strain():
    # before: 18 days absent put this person over the 10-day rule (medium)
    scores = _score(agents_frame(["P"]), absences_frame(LONG_SPELL), hours_frame(_steady("P")))
    assert scores.loc["P", "level"] == "low" and scores.loc["P", "score"] == 0
    assert scores.loc["P", "reasons"] == []  # health data shown only where it explains a flag


def test_a_long_spell_is_context_on_a_flag_and_changes_nothing_in_the_score():
    busy = hours_frame(weekly_pattern("P", [37.5] * 35 + [52.0] * 17))
    with_spell = _score(agents_frame(["P"]), absences_frame(LONG_SPELL), busy)
    without = _score(agents_frame(["P"]), absences_frame(), busy)
    assert with_spell.loc["P", "level"] == "medium"
    assert with_spell.loc["P", "score"] == without.loc["P", "score"]
    assert with_spell.loc["P", "signals"] == without.loc["P", "signals"]
    context = [r for r in with_spell.loc["P", "reasons"] if is_context(r)]
    assert [r.text for r in context] == ["One 24-day absence in March 2024, not counted as strain"]
    assert with_spell.loc["P", "reasons"][-1] is context[0]  # after the counted reasons
    assert "8 or more working days" in reason_detail(context[0])


def test_two_long_spells_are_one_context_line():
    rows = [*LONG_SPELL, ("P", "2024-05-06", "2024-05-17", "sick")]
    busy = hours_frame(weekly_pattern("P", [37.5] * 35 + [52.0] * 17))
    scores = _score(agents_frame(["P"]), absences_frame(rows), busy)
    (context,) = [r for r in scores.loc["P", "reasons"] if is_context(r)]
    assert context.text == (
        "2 long absences (24-day absence in March 2024, 12-day absence in May 2024), "
        "not counted as strain"
    )


def test_the_return_to_work_check_in_is_a_setting_and_never_a_flag():
    back_in_june = [("P", "2024-05-20", "2024-06-07", "sick")]  # 15 working days
    inputs = (
        agents_frame(["P"]),
        absences_frame(back_in_june),
        hours_frame(_steady("P")),
        performance_frame(),
        AS_OF,
    )
    default = evaluate_burnout_risk(*inputs)
    assert default.check_ins.empty and list(default.check_ins.columns) == list(CHECK_IN_COLUMNS)
    assert len(default.long_spells) == 1
    opted_in = evaluate_burnout_risk(*inputs, thresholds=Thresholds(return_to_work_check_ins=True))
    (item,) = opted_in.check_ins.itertuples()
    assert item.agent_id == "P" and item.back_on == pd.Timestamp("2024-06-10")  # a Monday
    assert item.item.text == (
        "Return-to-work check-in: back on 10 Jun 2024 after a 19-day absence (not a risk flag)"
    )
    pd.testing.assert_frame_equal(opted_in.scores, default.scores)  # nothing in the flags
    assert opted_in.scores.loc[0, "level"] == "low"
    # a spell that ended longer ago than check_in_weeks gets no item
    late = Thresholds(return_to_work_check_ins=True, check_in_weeks=2)
    assert evaluate_burnout_risk(*inputs, thresholds=late).check_ins.empty


def test_frequent_short_spells_are_still_strain_and_friday_monday_is_one_spell():
    days = pd.bdate_range("2024-01-08", "2024-06-21", freq="14D")[:12]
    rows = [("F", str(d.date()), str(d.date()), "sick") for d in days]
    scores = _score(agents_frame(["F"]), absences_frame(rows), hours_frame(_steady("F")))
    assert scores.loc["F", "level"] != "low"
    assert "bradford" in scores.loc["F", "signals"]


def test_a_long_vacation_is_neither_a_performance_drop_nor_a_broken_overtime_streak():
    # four weeks away in June; the system still wrote a (bad) weekly value for them
    csat = [4.4] * 34 + [3.0] * 4
    away = [("V", "2024-06-03", "2024-06-28", "vacation")]
    perf = performance_frame(weekly_metric("V", "csat", csat))
    agents = agents_frame(["V"])
    assert _score(agents, absences_frame(away), performance=perf).loc["V", "level"] == "low"
    assert _score(agents, absences_frame(), performance=perf).loc["V", "level"] != "low"
    # 45 h a week for 12 weeks with a week of leave in the middle: still 11 overtime weeks
    weeks = [37.5] * 40 + [45.0] * 6 + [None] + [45.0] * 5
    leave = [("V", "2024-05-20", "2024-05-24", "vacation")]
    scores = _score(agents, absences_frame(leave), hours_frame(weekly_pattern("V", weeks)))
    (streak,) = [r for r in scores.loc["V", "reasons"] if r.code == "overtime_streak"]
    assert streak.values["weeks"] == 11 and streak.values["leave_weeks"] == 1
    assert streak.text.endswith("; 1 week with leave in between not counted")
    # a week without hours and without recorded leave still ends the run
    unexplained = _score(agents, absences_frame(), hours_frame(weekly_pattern("V", weeks)))
    (streak,) = [r for r in unexplained.loc["V", "reasons"] if r.code == "overtime_streak"]
    assert streak.values["weeks"] == 5


def test_a_new_joiner_has_a_status_not_a_flag():
    hours = hours_frame(weekly_pattern("NEW", [37.5] * 6))
    first_winter = [("NEW", d, d, "sick") for d in ("2024-05-21", "2024-06-04", "2024-06-12")]
    first_winter += [("NEW", "2024-06-18", "2024-06-19", "sick")]
    scores = _score(agents_frame(["NEW"]), absences_frame(first_winter), hours)
    assert scores.loc["NEW", "level"] == "low" and scores.loc["NEW", "signals"] == []
    assert [r.text for r in scores.loc["NEW", "reasons"]] == ["Not enough history yet (6 weeks)"]
    # the same spells with a year of history are a rising frequency
    old = hours_frame(weekly_pattern("NEW", [37.5] * 52))
    assert (
        _score(agents_frame(["NEW"]), absences_frame(first_winter), old).loc["NEW", "level"]
        != "low"
    )


def test_a_new_joiner_over_the_working_time_limits_is_still_flagged():
    hours = hours_frame(weekly_pattern("NEW", [56.0] * 6))
    scores = _score(agents_frame(["NEW"]), hours=hours)
    assert scores.loc["NEW", "level"] != "low"
    assert scores.loc["NEW", "reasons"][-1].text == "Not enough history yet (6 weeks)"


def test_a_part_timer_is_measured_against_the_own_contract():
    agents = agents_frame(["PT"], contract=20.0)
    usual = _score(agents, hours=hours_frame(weekly_pattern("PT", [20.0] * 52)))
    assert usual.loc["PT", "level"] == "low" and usual.loc["PT", "reasons"] == []
    more = _score(agents, hours=hours_frame(weekly_pattern("PT", [20.0] * 44 + [28.0] * 8)))
    assert more.loc["PT", "level"] == "medium"
    (streak,) = more.loc["PT", "reasons"]
    assert streak.text.startswith("Worked above contract (20 h) for 8 consecutive weeks")


def test_a_noisy_but_stable_performer_is_not_flagged():
    agents, perf = stable_performance(n_agents=100, n_weeks=38, seed=3)
    rng = np.random.default_rng(9)
    noisy = weekly_metric("NOISY", "csat", 4.4 + rng.normal(0, 0.6, 38))  # 4x the usual noise
    scores = _score(
        agents_frame([*agents["agent_id"], "NOISY"]),
        performance=performance_frame([*perf.itertuples(index=False, name=None), *noisy]),
    )
    assert scores.loc["NOISY", "level"] == "low" and scores.loc["NOISY", "reasons"] == []


def test_the_plain_reason_ranks_a_decline_among_stable_colleagues():
    agents, perf = stable_performance(n_agents=60, n_weeks=38, seed=4)
    falling = weekly_metric("DOWN", "csat", np.r_[np.full(26, 4.6), np.linspace(4.6, 3.8, 12)])
    scores = _score(
        agents_frame([*agents["agent_id"], "DOWN"]),
        performance=performance_frame([*perf.itertuples(index=False, name=None), *falling]),
    )
    (reason,) = scores.loc["DOWN", "reasons"]
    assert reason.text == (
        "CSAT has fallen over the last 12 weeks, from 4.6 to 3.91 "
        "(steeper than 100% of stable colleagues)"
    )
    detail = reason_detail(reason)
    for part in ("Theil-Sen slope", "Mann-Kendall", "BH-adjusted p", "threshold q = 0.05"):
        assert part in detail
    assert "compared with the Theil-Sen slopes of 60 colleagues" in detail
    # the weight one click away: severity x family weight
    assert detail.endswith("score: severity 1 x performance weight 0.4 (up to 40 points alone)")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("long_spell_working_days", 0, r"long_spell_working_days must be >= 1, got 0"),
        ("return_to_work_check_ins", "yes", "return_to_work_check_ins must be True or False"),
        ("leave_week_min_days", 6, "leave_week_min_days must be at most 5"),
        (
            "bradford_severities",
            (0.5, 0.4, 0.75, 1.0),
            r"bradford_severities\[0\] \(0.5\) must be below",
        ),
        ("bradford_severities", (0.5, 1.0), "one value per trigger point"),
    ],
)
def test_bad_strain_settings_fail_when_made(field, value, message):
    from wellbeing.errors import ThresholdError

    with pytest.raises(ThresholdError, match=message):
        Thresholds(**{field: value})


def _tuesday(week: int) -> str:
    """Tuesday of week ``week`` of the 52 weeks ending at the builders' last week."""
    monday = AS_OF - pd.Timedelta(days=6) - pd.Timedelta(weeks=51 - week)
    return str((monday + pd.Timedelta(days=1)).date())


def _one_day_spells(agent: str, weeks: list[int]) -> list[tuple[str, str, str, str]]:
    return [(agent, _tuesday(w), _tuesday(w), "sick") for w in weeks]


def test_spells_after_heavy_weeks_are_weighed_against_the_own_share_of_heavy_weeks():
    from wellbeing.signals import compute_signals, heavy_week_spells, make_signal_context

    heavy, usual = 45.0, 37.5  # a heavy week: 10 % (3.75 h) or more over the 37.5 h contract
    few = [heavy if w in (10, 22, 34, 46) else usual for w in range(52)]
    most = [usual if w in (4, 17, 30, 43) else heavy for w in range(52)]
    half = [heavy if w < 26 else usual for w in range(52)]
    hours = hours_frame(
        weekly_pattern("FEW", few) + weekly_pattern("MOST", most) + weekly_pattern("HALF", half)
    )
    absences = absences_frame(
        # three spells each on the Tuesday after one of FEW's four heavy weeks, one elsewhere
        _one_day_spells("FEW", [11, 23, 35, 4])
        # the same days for MOST, whose weeks are nearly all heavy: every spell follows one
        + _one_day_spells("MOST", [11, 23, 35, 4])
        # spells spread over the year: three in the heavy half, three in the usual half
        + _one_day_spells("HALF", [5, 13, 21, 30, 38, 47])
    )
    ctx = make_signal_context(
        agents_frame(["FEW", "MOST", "HALF"]), absences, hours, performance_frame(), AS_OF
    )
    per = heavy_week_spells(ctx)
    # by the count alone (3 after a heavy week, the threshold) all three would fire
    assert (per["spells_after"] >= 3).all()
    assert per.loc["FEW", "chance_share"] == pytest.approx(8 / 52)  # 2 weeks after each of 4
    assert per.loc["FEW", "rate_ratio"] == pytest.approx((3 / (8 / 52)) / (1 / (44 / 52)))
    assert per.loc["MOST", "other_weeks"] < 13  # no usual left to compare with
    assert per.loc["HALF", "rate_ratio"] < 2  # as often after heavy weeks as otherwise

    fired = compute_signals(ctx, names=["absence_after_heavy_weeks"])
    assert fired["agent_id"].tolist() == ["FEW"]
    reason = fired.iloc[0]["reason"]
    assert reason.text.startswith(
        "3 of 4 short absences (sick) in the last 52 weeks began within 14 days after a week of "
        "overtime; 15% of their working days fall in such a time"
    )
    assert "2x the rate of their other days" in reason.text
    # the statistics one click away name both new thresholds
    detail = reason_detail(reason)
    assert "at least 2x as often per day in those times as on the other days" in detail
    assert "at least 13 weeks of other days to compare with" in detail
    # with the ratio and the baseline switched off, the count alone fires all three again
    lax = Thresholds(heavy_week_min_ratio=0.0, heavy_week_min_other_weeks=1)
    assert set(compute_signals(ctx, lax, names=["absence_after_heavy_weeks"])["agent_id"]) == {
        "FEW",
        "MOST",
        "HALF",
    }
