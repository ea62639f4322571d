"""Scoring: how signals combine, no reason no flag, the export form, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from formats import Formats
from tests.wellbeing.builders import (
    AS_OF,
    absences_frame,
    agents_frame,
    hours_frame,
    performance_frame,
    weekly_pattern,
)
from wellbeing.errors import MissingColumnsError, WellbeingInputError
from wellbeing.reasons import word_reason
from wellbeing.scoring import (
    SCORE_COLUMNS,
    flags_table,
    join_reasons,
    score_burnout_risk,
    score_signals,
)
from wellbeing.signals import SIGNALS, empty_signals, register_signal
from wellbeing.thresholds import Thresholds

# 6 one-day sick spells in the window: Bradford 6^2 x 6 = 216 (band 125-399, severity 0.4)
SICK = [("SICK", f"2024-{m:02d}-05", f"2024-{m:02d}-05", "sick") for m in range(1, 7)]


def _inputs():
    agents = agents_frame(["CALM", "SICK", "BUSY", "BOTH"])
    absences = absences_frame(SICK + [(a, s, e, t) for _, s, e, t in SICK for a in ["BOTH"]])
    hours = hours_frame(
        weekly_pattern("BUSY", [50.0] * 17) + weekly_pattern("BOTH", [37.5] * 35 + [50.0] * 17)
    )
    return agents, absences, hours, performance_frame()


def test_scores_combine_families_as_a_noisy_or():
    scores = score_burnout_risk(*_inputs(), as_of=AS_OF).set_index("agent_id")
    assert list(scores.reset_index().columns) == list(SCORE_COLUMNS)
    assert scores.loc["CALM", "score"] == 0 and scores.loc["CALM", "level"] == "low"
    assert scores.loc["CALM", "reasons"] == []
    # SICK: bradford severity 0.4 (an ordinary tail alone is not a flag), but 6 spells in the
    # last 26 weeks against none before: absence_frequency ramp(6, 5, 10) = 0.6 (x 0.6) -> 36
    assert scores.loc["SICK", "score"] == pytest.approx(36.0)
    assert scores.loc["SICK", "level"] == "medium"
    # BUSY: 50 h averages give severity 0.5 + 0.5 x 2/7 = 0.64, but 17 weeks over a 37.5 h
    # contract is an overtime streak at its cap of 0.75: the family's strongest counts.
    busy = 0.6 * 0.75
    assert scores.loc["BUSY", "score"] == pytest.approx(45.0)
    assert scores.loc["BUSY", "level"] == "medium"
    # BOTH: absence 0.36 as SICK (the 3 spells since April each began after a 50 h week, 10 %
    # over the 37.5 h contract, and the 16 weeks after such weeks are 31 % of the year: 2.2x
    # the rate of the other weeks, absence_after_heavy_weeks 0.5, weaker), so
    # 1 - (1 - 0.36)(1 - 0.45) = 0.648: two medium families make a high
    assert scores.loc["BOTH", "score"] == pytest.approx(round(100 * (1 - 0.64 * (1 - busy)), 1))
    assert scores.loc["BOTH", "level"] == "high"
    assert any(
        "Bradford Factor 216 (threshold 125)" in r.text for r in scores.loc["BOTH", "reasons"]
    )
    assert any(
        r.text.startswith("3 of 6 short absences (sick) in the last 52 weeks began within 14 days")
        for r in scores.loc["BOTH", "reasons"]
    )
    # BUSY's twin with the same spells but no usual weeks to compare with (every week it worked
    # was heavy): the heavy-week rule stays silent, the hours rules speak
    agents, absences, hours, performance = _inputs()
    only_heavy = hours[(hours["agent_id"] != "BOTH") | (hours["date"] >= "2024-03-04")]
    alone = score_burnout_risk(agents, absences, only_heavy, performance, AS_OF)
    assert "absence_after_heavy_weeks" not in alone.set_index("agent_id").loc["BOTH", "signals"]
    assert any(
        "Average 50.0 h a week over the last 17 weeks (threshold 48 h" in r.text
        for r in scores.loc["BOTH", "reasons"]
    )
    assert set(scores.loc["BOTH", "signals"]) >= {"bradford", "average_hours_reference"}


def test_level_cut_offs_come_from_the_thresholds():
    scores = score_burnout_risk(
        *_inputs(), as_of=AS_OF, thresholds=Thresholds(medium_score=10, high_score=40)
    )
    assert scores.set_index("agent_id").loc["BOTH", "level"] == "high"


def test_every_medium_or_high_agent_has_a_reason():
    rng = np.random.default_rng(0)
    ids = [f"R{i:02d}" for i in range(40)]
    hours = hours_frame(
        [row for i in ids for row in weekly_pattern(i, list(rng.uniform(30, 60, 17)))]
    )
    absences = absences_frame(
        [
            (i, f"2024-0{m}-1{d}", f"2024-0{m}-1{d}", "sick")
            for i in ids[:20]
            for m in range(1, 7)
            for d in range(rng.integers(0, 3))
        ]
    )
    scores = score_burnout_risk(agents_frame(ids), absences, hours, performance_frame(), AS_OF)
    flagged = scores[scores["level"] != "low"]
    assert len(flagged) > 0
    assert (flagged["reasons"].str.len() > 0).all()
    assert ((scores["score"] > 0) == (scores["reasons"].str.len() > 0)).all()


def test_reasons_are_strongest_first_and_join_for_export():
    scores = score_burnout_risk(*_inputs(), as_of=AS_OF)
    table = flags_table(scores)
    assert list(table.columns) == ["agent_id", "level", "score", "reasons"]
    both = table.set_index("agent_id").loc["BOTH", "reasons"]
    reasons = scores.set_index("agent_id").loc["BOTH", "reasons"]
    assert both == "; ".join(r.text for r in reasons)  # the English sentences
    # overtime 0.75, 50 h average 0.64, frequency 0.6, after heavy weeks 0.5, Bradford 0.4
    assert [r.code for r in reasons] == [
        "overtime_streak",
        "average_hours_reference",
        "average_hours_recent",
        "absence_frequency",
        "absence_after_heavy_weeks",
        "bradford",
    ]
    assert table.set_index("agent_id").loc["CALM", "reasons"] == ""
    assert join_reasons(pd.Series([["a", "b"], []]), sep=" | ").tolist() == ["a | b", ""]
    # in a reader's locale: German numbers, the same words
    german = join_reasons(pd.Series([reasons]), fmt=Formats("de_DE")).iloc[0]
    assert "Average 50,0 h a week over the last 17 weeks (threshold 48 h" in german
    assert german.count("; ") == both.count("; ")


def test_default_as_of_is_the_latest_hours_date():
    scores = score_burnout_risk(*_inputs())
    assert scores.attrs["as_of"] == pd.Timestamp("2024-06-28")  # last Friday with hours


def test_notes_report_what_the_data_could_not_show():
    scores = score_burnout_risk(*_inputs(), as_of=AS_OF)
    assert any("short_rest" in n for n in scores.attrs["notes"])


def test_score_signals_ignores_unknown_agents_and_scores_missing_ones_zero():
    scores = score_signals(empty_signals(), ["X", "Y"])
    assert scores["score"].tolist() == [0.0, 0.0]
    assert scores["level"].astype(str).tolist() == ["low", "low"]


def test_a_registered_signal_joins_the_loop():
    @register_signal("test_always", family="exposure")
    def always(ctx, th):
        return pd.DataFrame(
            {
                "agent_id": list(ctx.agent_ids),
                "signal": "test_always",
                "severity": 1.0,
                "value": 1.0,
                "threshold": 0.0,
                "reason": "always fires (threshold 0)",
            }
        )

    try:
        scores = score_burnout_risk(*_inputs(), as_of=AS_OF).set_index("agent_id")
        assert scores.loc["CALM", "score"] == pytest.approx(40.0)  # exposure weight 0.4
        (reason,) = scores.loc["CALM", "reasons"]
        # a plain sentence from another signal is kept, and every reader sees it as it is
        assert (reason.code, reason.text) == (None, "always fires (threshold 0)")
        assert word_reason(reason, Formats("de_DE")) == "always fires (threshold 0)"
    finally:
        SIGNALS.pop("test_always")
    with pytest.raises(ValueError, match="already registered"):
        register_signal("bradford", family="absence")
    with pytest.raises(ValueError, match="unknown family 'mood'"):
        register_signal("x", family="mood")


@pytest.mark.parametrize(
    ("position", "column"),
    [(0, "contract_hours_per_week"), (1, "end_date"), (2, "hours_worked"), (3, "metric")],
)
def test_missing_columns_are_named(position, column):
    frames = list(_inputs())
    frames[position] = frames[position].drop(columns=column)
    name = ["agents", "absences", "hours", "performance"][position]
    with pytest.raises(MissingColumnsError, match=rf"{name}: missing column\(s\) '{column}'"):
        score_burnout_risk(*frames, as_of=AS_OF)


def test_missing_occupancy_column_is_named():
    occ = pd.DataFrame({"agent_id": ["BUSY"], "week_start": [AS_OF]})
    with pytest.raises(MissingColumnsError, match=r"occupancy: missing column\(s\) 'occupancy'"):
        score_burnout_risk(*_inputs(), as_of=AS_OF, occupancy=occ)


def test_bad_as_of_and_duplicate_agents():
    with pytest.raises(WellbeingInputError, match="as_of must be a date, not 'next week'"):
        score_burnout_risk(*_inputs(), as_of="next week")
    agents, absences, hours, perf = _inputs()
    agents = pd.concat([agents, agents.iloc[[1]]])
    with pytest.raises(WellbeingInputError, match="lists agent_id 'SICK' more than once"):
        score_burnout_risk(agents, absences, hours, perf, AS_OF)
    with pytest.raises(WellbeingInputError, match="must be a pandas DataFrame, got list"):
        score_burnout_risk([], absences, hours, perf, AS_OF)
