"""Team aggregates: counts by level, shares, and suppression of groups under five people."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.wellbeing.builders import AS_OF, agents_frame, hours_frame, weekly_pattern
from wellbeing.aggregates import (
    TEAM_COLUMNS,
    TEAM_STRAIN_COLUMNS,
    aggregate_teams,
    team_strain_table,
)
from wellbeing.errors import MissingColumnsError
from wellbeing.thresholds import Thresholds


def _scores():
    ids = [f"A{i}" for i in range(6)] + [f"B{i}" for i in range(4)]
    levels = ["low", "low", "low", "medium", "high", "low", "high", "low", "low", "low"]
    scores = [0.0, 10.0, 0.0, 35.0, 70.0, 5.0, 80.0, 0.0, 0.0, 0.0]
    agents = agents_frame(ids, teams=["Alpha"] * 6 + ["Beta"] * 4)
    frame = pd.DataFrame({"agent_id": ids, "level": levels, "score": scores, "reasons": [[]] * 10})
    frame.attrs["as_of"] = AS_OF
    return frame, agents


def test_counts_and_shares_by_hand():
    scores, agents = _scores()
    # A0 and A4 worked 40 h (2.5 h over a 37.5 h contract) in one of the last 4 weeks
    hours = hours_frame(
        weekly_pattern("A0", [37.5, 40.0])
        + weekly_pattern("A4", [40.0, 37.5])
        + weekly_pattern("A1", [38.0])
    )
    out = aggregate_teams(scores, agents, hours=hours).set_index("team")
    assert list(out.reset_index().columns) == list(TEAM_COLUMNS)
    alpha = out.loc["Alpha"]
    assert not alpha["suppressed"]
    assert (alpha["n_agents"], alpha["n_low"], alpha["n_medium"], alpha["n_high"]) == (6, 4, 1, 1)
    assert alpha["mean_score"] == pytest.approx(20.0)  # 120 / 6
    assert alpha["share_flagged"] == pytest.approx(2 / 6)
    assert alpha["share_with_overtime"] == pytest.approx(2 / 6)  # A1's 0.5 h does not count
    assert alpha["note"] == ""


def test_groups_under_five_are_suppressed_and_show_no_numbers():
    scores, agents = _scores()
    out = aggregate_teams(scores, agents).set_index("team")
    beta = out.loc["Beta"]
    assert beta["suppressed"]
    assert beta["note"] == "suppressed: fewer than 5 people in this group"
    numbers = [
        "n_agents",
        "n_low",
        "n_medium",
        "n_high",
        "mean_score",
        "share_flagged",
        "share_with_overtime",
    ]
    assert beta[numbers].isna().all()
    # the high flag of B0 cannot be read off the table
    assert "80" not in out.loc[["Beta"]].to_string()


def test_min_group_size_is_a_threshold():
    scores, agents = _scores()
    out = aggregate_teams(scores, agents, thresholds=Thresholds(min_group_size=4)).set_index("team")
    assert not out.loc["Beta", "suppressed"]
    assert out.loc["Beta", "n_high"] == 1
    out = aggregate_teams(scores, agents, thresholds=Thresholds(min_group_size=7))
    assert out["suppressed"].all()


def test_agents_without_a_team_form_their_own_group():
    scores, agents = _scores()
    agents.loc[agents["agent_id"] == "A0", "team"] = None
    out = aggregate_teams(scores, agents).set_index("team")
    assert out.loc["(no team)", "suppressed"]
    assert out.loc["Alpha", "n_agents"] == 5


def test_missing_team_column():
    scores, agents = _scores()
    with pytest.raises(MissingColumnsError, match=r"agents: missing column\(s\) 'team'"):
        aggregate_teams(scores, agents.drop(columns="team"))


def test_team_strain_table_adds_level_shares_and_the_flagged_peoples_families():
    scores, agents = _scores()
    # A3 (medium): workload; A4 (high): workload and absence; A1 (low): its rest signal is not
    # a flagged person's; B0 (high) is in a suppressed group
    signals = {
        "A3": ["average_hours_reference"],
        "A4": ["bradford", "overtime_streak", "sick_days"],
        "A1": ["short_rest"],
        "B0": ["bradford"],
    }
    scores["signals"] = [signals.get(a, []) for a in scores["agent_id"]]
    out = team_strain_table(scores, agents).set_index("team")
    assert list(out.reset_index().columns) == list(TEAM_STRAIN_COLUMNS)
    alpha = out.loc["Alpha"]
    shares = alpha[["share_low", "share_medium", "share_high"]].tolist()
    assert shares == pytest.approx([4 / 6, 1 / 6, 1 / 6])
    # workload twice (A3, A4), absence once (A4's two absence rules count once)
    assert alpha["top_reason_families"] == "workload, absence"
    beta = out.loc["Beta"]
    assert beta["top_reason_families"] == "" and pd.isna(beta["share_high"])
