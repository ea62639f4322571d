"""Absence signals: Bradford Factor (published examples and a hand-built history), frequency."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from tests.wellbeing.builders import absences_frame, agents_frame, context
from wellbeing.signals import (
    absence_spells,
    absence_window_summary,
    bradford_factor,
    compute_signals,
)
from wellbeing.thresholds import Thresholds


def _examples(shared_data):
    with open(shared_data / "bradford_factor" / "bradford_examples.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _history(agent_id: str, spells: int, days: int) -> list[tuple[str, str, str, str]]:
    """``spells`` separate sick spells totalling ``days`` days, each multi-day spell split into
    two back-to-back records (which must join), an absence-free weekday between spells (a gap
    of only Saturday and Sunday would join them into one spell)."""
    lengths = [days // spells + (1 if k < days % spells else 0) for k in range(spells)]
    rows, day = [], pd.Timestamp("2023-09-04")
    for length in lengths:
        end = day + pd.Timedelta(days=length - 1)
        if length >= 2:
            mid = day + pd.Timedelta(days=length // 2 - 1)
            rows.append((agent_id, str(day.date()), str(mid.date()), "sick"))
            rows.append(
                (agent_id, str((mid + pd.Timedelta(days=1)).date()), str(end.date()), "sick")
            )
        else:
            rows.append((agent_id, str(day.date()), str(end.date()), "sick"))
        free = np.busday_offset(np.datetime64(end.date()) + np.timedelta64(1, "D"), 0, "forward")
        day = pd.Timestamp(free) + pd.Timedelta(days=1)
    return rows


def test_every_published_bradford_example(shared_data):
    examples = _examples(shared_data)
    assert len(examples) >= 10
    rows = []
    for ex in examples:
        rows += _history(ex["case"], int(ex["spells_S"]), int(ex["days_D"]))
    ctx = context(agents_frame([ex["case"] for ex in examples]), absences=absences_frame(rows))
    # the published arithmetic counts every spell, long ones too
    summary = absence_window_summary(ctx, Thresholds(long_spell_working_days=365))
    for ex in examples:
        s, d, b = int(ex["spells_S"]), int(ex["days_D"]), float(ex["expected_B"])
        assert bradford_factor(s, d) == b, ex["case"]
        got = summary.loc[ex["case"]]
        assert (got["spells"], got["days"], got["bradford_factor"]) == (s, d, b), ex["case"]
    signals = compute_signals(
        ctx, Thresholds(long_spell_working_days=365), names=["bradford"]
    ).set_index("agent_id")
    # trigger points 50/125/400/650: CIPD-1 (1000) is past 650, CIPD-2 (250) past 125, ...
    assert signals.loc["CIPD-1", "threshold"] == 650
    assert signals.loc["CIPD-2", "threshold"] == 125
    assert signals.loc["GUARDIAN-2", "threshold"] == 125
    assert "CIPD-4" not in signals.index  # 10 is below the first trigger: no flag
    assert signals.loc["IOSH-1", "reason"].text == (
        "Frequent short absences (sick): 14 spells, 14 days in the last 52 weeks, "
        "Bradford Factor 2,744 (threshold 650; no rise against the own usual, so it counts "
        "only with other signs)"
    )
    # by default a long spell is illness, not strain: one 10-day absence (8 working days)
    # and one of 14 days count nothing, whatever the arithmetic
    default = absence_window_summary(ctx)
    assert default.loc["CIPD-4"].tolist() == [0, 0, 0.0]
    assert default.loc["IOSH-2"].tolist() == [0, 0, 0.0]
    assert default.loc["SIX-1"].tolist() == [1, 6, 6.0]  # 6 days: a short spell


# Window for as_of 2024-06-30: the 364 days 2023-07-03 .. 2024-06-30.
HAND_BUILT = [
    ("A", "2023-06-01", "2023-06-02", "sick"),  # before the window: ignored
    ("A", "2023-06-28", "2023-07-04", "sick"),  # straddles the start: 1 spell, 2 days (3-4 Jul)
    ("A", "2023-09-11", "2023-09-12", "sick"),  # \ back-to-back records:
    ("A", "2023-09-13", "2023-09-13", "sick"),  # / 1 spell, 3 days
    ("A", "2023-10-02", "2023-10-04", "sick"),  # \ overlapping records:
    ("A", "2023-10-03", "2023-10-05", "sick"),  # / 1 spell, 4 days (2-5 Oct)
    ("A", "2024-01-15", "2024-01-15", "vacation"),  # not counted
    ("A", "2024-01-16", "2024-01-16", "sick"),  # 1 spell, 1 day (vacation does not join it)
    ("A", "2024-03-01", "2024-03-01", "sick"),  # 1 spell, 1 day
    ("A", "2024-03-02", "2024-03-04", "other"),  # different type: not counted, does not join
    ("A", "2024-06-30", "2024-07-03", "sick"),  # straddles as_of: 1 spell, 1 day (30 Jun)
    ("A", "2024-07-10", "2024-07-11", "sick"),  # after as_of: ignored
    ("OUT", "2023-07-02", "2023-07-02", "sick"),  # the day before the window
    ("IN", "2023-07-03", "2023-07-03", "sick"),  # the first day of the window
]


def test_hand_built_history_joins_spells_and_cuts_at_the_window_edges():
    ctx = context(agents_frame(["A", "OUT", "IN", "NONE"]), absences=absences_frame(HAND_BUILT))
    summary = absence_window_summary(ctx)
    # A: spells 6 (2 + 3 + 4 + 1 + 1 + 1 = 12 days), B = 6^2 x 12 = 432
    assert summary.loc["A"].tolist() == [6, 12, 432.0]
    assert summary.loc["OUT"].tolist() == [0, 0, 0.0]
    assert summary.loc["IN"].tolist() == [1, 1, 1.0]
    assert summary.loc["NONE"].tolist() == [0, 0, 0.0]
    rows = compute_signals(ctx, names=["bradford"]).set_index("signal")
    assert rows.loc["bradford", "value"] == 432
    assert rows.loc["bradford", "threshold"] == 400
    # third of four bands (0.75), but six spells spread over the year are no rise against the
    # own usual: a level of absence alone stays below the medium line
    assert rows.loc["bradford", "severity"] == pytest.approx(0.45)
    assert rows.loc["bradford", "reason"].text == (
        "Frequent short absences (sick): 6 spells, 12 days in the last 52 weeks, "
        "Bradford Factor 432 (threshold 400; no rise against the own usual, so it counts only "
        "with other signs)"
    )
    uncapped = Thresholds(bradford_alone_max_severity=1.0)
    rows = compute_signals(ctx, uncapped, names=["bradford"]).set_index("signal")
    assert rows.loc["bradford", "severity"] == pytest.approx(0.75)
    # the retired total-days rule still words its stored reasons
    from wellbeing.signals import sick_days_signal

    sick = sick_days_signal(ctx, Thresholds()).set_index("agent_id")
    assert sick.loc["A", "reason"].text == (
        "12 days absent (sick) in 6 short spells in the last 52 weeks (threshold 10 days)"
    )
    assert sick.loc["A", "severity"] == pytest.approx(0.5 + 0.5 * 2 / 18)


def test_one_day_later_the_straddling_spell_loses_a_day():
    ctx = context(agents_frame(["A"]), absences=absences_frame(HAND_BUILT), as_of="2024-07-01")
    # window 2023-07-04 .. 2024-07-01: first spell keeps 1 day (4 Jul), the last gains 1 (1 Jul)
    assert absence_window_summary(ctx).loc["A"].tolist() == [6, 12, 432.0]
    ctx = context(agents_frame(["A"]), absences=absences_frame(HAND_BUILT), as_of="2024-07-05")
    # window 2023-07-08 ..: the first spell drops out; the last runs 30 Jun - 3 Jul (4 days)
    assert absence_window_summary(ctx).loc["A"].tolist() == [5, 13, 325.0]


def test_other_absence_types_count_when_configured():
    th = Thresholds(bradford_absence_types=("sick", "other"))
    ctx = context(agents_frame(["A"]), absences=absences_frame(HAND_BUILT))
    # "other" 2-4 Mar is its own spell (types never join): 7 spells, 15 days
    assert absence_window_summary(ctx, th).loc["A"].tolist() == [7, 15, 735.0]


def test_sick_on_friday_and_monday_is_one_spell():
    rows = [("A", "2024-05-03", "2024-05-03", "sick"), ("A", "2024-05-06", "2024-05-06", "sick")]
    spells = absence_spells(absences_frame(rows), ["sick"])
    assert spells["spell"].nunique() == 2
    spells = absence_spells(absences_frame(rows), ["sick"], join_gap_days=2)
    assert spells["spell"].nunique() == 1
    ctx = context(agents_frame(["A"]), absences=absences_frame(rows))
    # the bridged weekend is not counted as absent: 1 spell, 2 days
    summary = absence_window_summary(ctx, Thresholds(spell_join_gap_days=2))
    assert summary.loc["A"].tolist() == [1, 2, 2.0]
    # the default rule joins over the weekend (and only over it); without it, two spells
    assert absence_window_summary(ctx).loc["A"].tolist() == [1, 2, 2.0]
    apart = Thresholds(spell_join_over_weekends=False)
    assert absence_window_summary(ctx, apart).loc["A"].tolist() == [2, 2, 8.0]
    tuesday = absences_frame([*rows[:1], ("A", "2024-05-07", "2024-05-07", "sick")])
    joined = absence_spells(tuesday, ["sick"], join_over_weekends=True)
    assert joined["spell"].nunique() == 2  # Monday was worked: two spells


def test_recent_frequency_is_judged_against_the_own_baseline():
    recent = ["2024-04-08", "2024-05-06", "2024-05-27", "2024-06-17"]  # 4 in the last 13 weeks
    earlier = [
        f"2023-{md}" for md in ("07-10", "07-31", "08-21", "09-11", "10-02", "10-23", "11-13")
    ] + ["2023-12-04", "2023-12-18"]
    rows = [("NEW", d, d, "sick") for d in recent]
    rows += [("USUAL", d, d, "sick") for d in recent + earlier]
    ctx = context(agents_frame(["NEW", "USUAL"]), absences=absences_frame(rows))
    out = compute_signals(ctx, names=["absence_frequency"])
    # USUAL: 9 spells in the 39 weeks before = 3.0 per 13 weeks; 4 recent < 2 x 3.0: no flag
    assert out["agent_id"].tolist() == ["NEW"]
    assert out["reason"].iloc[0].text == (
        "4 absence spells (sick) in the last 13 weeks, against 0.0 per 13 weeks before "
        "(threshold: at least 4 and 2x the own usual)"
    )
    assert out["value"].iloc[0] == 4


def test_a_half_year_of_frequent_spells_counts_three_in_a_quarter_alone_does_not():
    half_year = ["2024-01-10", "2024-02-14", "2024-03-13", "2024-04-17", "2024-05-15"]
    quarter = ["2024-04-10", "2024-05-15", "2024-06-12"]  # 3: chance for 1 in 170 people
    rows = [("HALF", d, d, "sick") for d in half_year] + [("Q3", d, d, "sick") for d in quarter]
    ctx = context(agents_frame(["HALF", "Q3"]), absences=absences_frame(rows))
    out = compute_signals(ctx, names=["absence_frequency"]).set_index("agent_id")
    assert list(out.index) == ["HALF"]
    assert out.loc["HALF", "reason"].text.startswith(
        "5 absence spells (sick) in the last 26 weeks, against 0.0 per 26 weeks before"
    )
    assert out.loc["HALF", "severity"] == pytest.approx(0.5)


def test_end_before_start_is_rejected():
    from wellbeing.errors import WellbeingInputError

    bad = absences_frame([("A", "2024-05-03", "2024-05-01", "sick")])
    with pytest.raises(
        WellbeingInputError, match="end_date 2024-05-01 is before start_date 2024-05-03"
    ):
        absence_spells(bad)


def test_bradford_factor_is_vectorised():
    np.testing.assert_array_equal(
        bradford_factor(np.array([10, 1]), np.array([10, 10])), [1000, 10]
    )


def test_a_bradford_factor_counts_in_full_only_with_a_change_in_the_spells():
    # the same 6 one-day spells, a fortnight apart: spread over the year (STEADY) or all in
    # the last quarter after none before (RISE: the frequency rule fires)
    steady = [f"2023-{m:02d}-1{d}" for m, d in ((8, 5), (10, 3), (12, 5))] + [
        f"2024-{m:02d}-1{d}" for m, d in ((2, 3), (4, 5), (6, 4))
    ]
    rise = [str(d.date()) for d in pd.bdate_range("2024-04-09", periods=6, freq="14D")]
    rows = [("STEADY", d, d, "sick") for d in steady] + [("RISE", d, d, "sick") for d in rise]
    ctx = context(agents_frame(["STEADY", "RISE"]), absences=absences_frame(rows))
    assert absence_window_summary(ctx).loc[["STEADY", "RISE"], "bradford_factor"].tolist() == [
        216.0,
        216.0,
    ]
    signals = compute_signals(ctx)
    bradford = signals[signals["signal"] == "bradford"].set_index("agent_id")
    assert bradford.loc["STEADY", "severity"] == pytest.approx(0.4)  # band 125: under the cap
    assert bradford.loc["RISE", "severity"] == pytest.approx(0.4)
    assert set(signals.loc[signals["signal"] == "absence_frequency", "agent_id"]) == {"RISE"}
    # at the third band (400) the cap shows: 7 spells of 2 days, B = 7^2 x 14 = 686 (band 650)
    longer = [
        (a, s, str((pd.Timestamp(s) + pd.Timedelta(days=1)).date()), t) for a, s, _, t in rows
    ]
    longer += [("STEADY", "2023-07-11", "2023-07-12", "sick")]
    longer += [("RISE", "2024-06-25", "2024-06-26", "sick")]
    ctx = context(agents_frame(["STEADY", "RISE"]), absences=absences_frame(longer))
    assert absence_window_summary(ctx).loc[["STEADY", "RISE"], "bradford_factor"].tolist() == [
        686.0,
        686.0,
    ]
    bradford = compute_signals(ctx, names=["bradford"]).set_index("agent_id")
    assert bradford.loc["STEADY", "severity"] == pytest.approx(0.45)  # capped: a level alone
    assert bradford.loc["RISE", "severity"] == pytest.approx(1.0)  # with a rise: its band's
    assert bradford.loc["STEADY", "reason"].values["alone"] is True
    assert "counts only with other signs" not in bradford.loc["RISE", "reason"].text
    from wellbeing import reason_detail

    assert "at most severity 0.45 (a level of absence, not a change)" in reason_detail(
        bradford.loc["STEADY", "reason"]
    )
