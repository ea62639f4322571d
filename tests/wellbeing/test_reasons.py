"""Reasons: measured once with a code and values, worded in the reader's locale, stored as JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from formats import Formats
from tests.wellbeing.builders import (
    LAST_WEEK,
    absences_frame,
    agents_frame,
    context,
    hours_frame,
    weekly_pattern,
)
from wellbeing.reasons import (
    REASON_WORDINGS,
    Reason,
    make_reason,
    reason_detail,
    reason_from_stored,
    reasons_from_json,
    reasons_to_json,
    word_reason,
)
from wellbeing.signals import compute_signals

BRITISH, GERMAN = Formats("en_GB"), Formats("de_DE")
# CIPD's example: ten 1-day spells in the window give S^2 x D = 10^2 x 10 = 1,000
TEN_SPELLS = [
    ("TEN", f"2024-{m:02d}-{d:02d}", f"2024-{m:02d}-{d:02d}", "sick")
    for m in range(1, 6)
    for d in (8, 22)
]


def _bradford_of_ten_spells() -> Reason:
    ctx = context(agents_frame(["TEN"]), absences=absences_frame(TEN_SPELLS))
    (reason,) = compute_signals(ctx, names=["bradford"])["reason"]
    return reason


def test_the_same_reason_is_worded_in_each_readers_locale():
    reason = _bradford_of_ten_spells()
    assert reason.code == "bradford"
    assert reason.values["bradford_factor"] == 1000 and reason.values["spells"] == 10
    english = (
        "Frequent short absences (sick): 10 spells, 10 days in the last 52 weeks, "
        "Bradford Factor 1,000 (threshold 650)"
    )
    assert reason.text == english
    assert word_reason(reason) == english  # the default is British English, as stored
    assert word_reason(reason, BRITISH) == english
    assert word_reason(reason, GERMAN) == english.replace("1,000", "1.000")


def test_hours_dates_and_shares_follow_the_locale():
    rows = weekly_pattern("LATE", [45.0] * 13 + [54.5] * 4)
    ctx = context(agents_frame(["LATE"]), hours=hours_frame(rows))
    (reason,) = compute_signals(ctx, names=["average_hours_recent"])["reason"]
    assert reason.text == (
        "Average 54.5 h a week over the last 4 weeks (threshold 48 h; 4 weeks with hours, "
        "to week of 24 Jun 2024)"
    )
    assert word_reason(reason, GERMAN) == (
        "Average 54,5 h a week over the last 4 weeks (threshold 48 h; 4 weeks with hours, "
        "to week of 24. Juni 2024)"
    )
    occupancy = pd.DataFrame(
        {
            "agent_id": "HOT",
            "week_start": pd.date_range(LAST_WEEK - pd.Timedelta(weeks=3), LAST_WEEK, freq="7D"),
            "occupancy": [0.88, 0.9, 0.92, 0.9],
        }
    )
    ctx = context(agents_frame(["HOT"]), occupancy=occupancy)
    (reason,) = compute_signals(ctx, names=["sustained_occupancy"])["reason"]
    assert word_reason(reason, GERMAN) == (
        "Occupancy above 85\u00a0% for 4 consecutive weeks to week of 24. Juni 2024 "
        "(mean 90\u00a0%; threshold 4 weeks above 85\u00a0%)"
    )


def test_the_stored_json_round_trips():
    reasons = [
        _bradford_of_ten_spells(),
        make_reason(
            "consecutive_days",
            days=np.int64(9),
            first_day=np.datetime64("2024-06-20"),
            last_day=pd.Timestamp("2024-06-28"),
            threshold_days=6,
        ),
    ]
    stored = reasons_to_json(reasons)
    items = json.loads(stored)
    assert [item["code"] for item in items] == ["bradford", "consecutive_days"]
    assert items[1]["values"] == {
        "days": 9,
        "first_day": "2024-06-20",
        "last_day": "2024-06-28",
        "threshold_days": 6,
    }
    assert items[1]["text"] == (
        "Worked 9 days in a row (20 Jun 2024 to 28 Jun 2024) without a day off (threshold 6 days)"
    )
    back = reasons_from_json(stored)
    assert back == reasons
    assert [word_reason(r, GERMAN) for r in back] == [word_reason(r, GERMAN) for r in reasons]
    assert reasons_from_json(reasons_to_json([])) == [] and reasons_from_json("") == []


def test_old_string_reasons_still_read_as_stored():
    old = "Bradford Factor 1,000 over 52 weeks (threshold 650): 10 spells, 10 days absent (sick)"
    (reason,) = reasons_from_json(json.dumps([old]))
    assert reason == Reason(None, {}, old)
    assert word_reason(reason, GERMAN) == old  # no numbers to re-word: the sentence as stored
    assert str(reason) == old
    # a row may mix both kinds (re-evaluations write objects into a flag raised before)
    mixed = reasons_from_json(json.dumps([old, _bradford_of_ten_spells().to_dict()]))
    assert [r.code for r in mixed] == [None, "bradford"]
    assert reasons_from_json(reasons_to_json(mixed)) == mixed


def test_a_reason_the_wording_cannot_read_is_shown_as_stored():
    unknown = reason_from_stored({"code": "next_year", "values": {"x": 1}, "text": "Something"})
    assert word_reason(unknown, GERMAN) == "Something"
    renamed = Reason("bradford", {"factor": 1000}, "Bradford Factor 1,000 (stored)")
    assert word_reason(renamed, GERMAN) == "Bradford Factor 1,000 (stored)"
    with pytest.raises(ValueError, match="no wording for reason code 'nope'"):
        make_reason("nope", x=1)


def test_statistics_keep_their_precision_in_each_locale():
    values = {
        "metric": "csat",
        "rising": False,
        "slope": -0.07272,
        "slope_low": -0.081,
        "slope_high": -0.0605,
        "trend_weeks": 12,
        "history_weeks": 38,
        "p_adjusted": 2e-9,
        "fdr_q": 0.05,
        "recent_weeks": 4,
        "recent": 3.809,
        "baseline": 4.5,
        "effect_sd": 15.26,
        "min_effect_sd": 0.5,
        "min_baseline_weeks": 4,
    }
    reason = make_reason("performance_decline", **values)
    # the plain sentence first; the statistics one click away, in the detail
    assert reason.text == "CSAT has fallen over the last 12 weeks, from 4.5 to 3.81"
    assert reason_detail(reason) == (
        "Theil-Sen slope \u22120.0727 per week over the last 12 weeks (95% CI "
        "\u22120.081 to \u22120.0605); Mann-Kendall trend over 38 weeks of own history, "
        "BH-adjusted p < 0.0001 (threshold q = 0.05); last 4 weeks 3.81 vs own baseline 4.5 "
        "(15.3 SD worse; threshold 0.5 SD)"
    )
    assert word_reason(reason, GERMAN) == "CSAT has fallen over the last 12 weeks, from 4,5 to 3,81"
    assert reason_detail(reason, GERMAN) == (
        "Theil-Sen slope \u22120,0727 per week over the last 12 weeks (95\u00a0% CI "
        "\u22120,081 to \u22120,0605); Mann-Kendall trend over 38 weeks of own history, "
        "BH-adjusted p < 0,0001 (threshold q = 0,05); last 4 weeks 3,81 vs own baseline 4,5 "
        "(15,3 SD worse; threshold 0,5 SD)"
    )
    no_baseline = make_reason(
        "performance_decline", **{**values, "recent": None, "baseline": None, "effect_sd": None}
    )
    assert no_baseline.text == "CSAT has fallen over the last 12 weeks, by 0.0727 a week"
    assert reason_detail(no_baseline).endswith("; no own baseline yet (fewer than 4 earlier weeks)")


def test_every_signal_reason_has_a_wording():
    from wellbeing.signals import SIGNALS

    # short_rest words its two cases apart: inferred from long days, exact between shifts
    expected = (set(SIGNALS) - {"short_rest"}) | {"short_rest_long_days", "short_rest_shifts"}
    assert expected <= set(REASON_WORDINGS)
