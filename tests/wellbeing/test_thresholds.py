"""Thresholds: documented defaults and settings that fail when made."""

from __future__ import annotations

import math

import pytest

from wellbeing.errors import ThresholdError
from wellbeing.thresholds import FAMILIES, Thresholds


def test_defaults_are_the_documented_values():
    th = Thresholds()
    assert th.bradford_triggers == (50.0, 125.0, 400.0, 650.0)
    assert th.bradford_window_weeks == 52
    assert th.max_average_weekly_hours == 48.0
    assert th.reference_period_weeks == 17
    assert th.short_period_weeks == 4
    assert th.min_daily_rest_hours == 11.0
    assert th.long_hours_week == 55.0
    assert (th.occupancy_threshold, th.occupancy_full) == (0.85, 0.90)
    assert th.fdr_q == 0.05
    assert th.min_group_size == 5
    assert all(0 < th.family_weight(f) <= 1 for f in FAMILIES)


def test_lists_become_tuples_so_thresholds_stay_hashable():
    th = Thresholds(bradford_triggers=[51, 201, 401, 601], bradford_absence_types=["sick", "other"])
    assert th.bradford_triggers == (51.0, 201.0, 401.0, 601.0)
    assert th.bradford_absence_types == ("sick", "other")
    assert hash(th) == hash(
        Thresholds(bradford_triggers=(51, 201, 401, 601), bradford_absence_types=("sick", "other"))
    )


def test_level_thresholds_out_of_order_are_rejected():
    with pytest.raises(
        ThresholdError, match=r"medium_score \(70\) must be below high_score \(60\)"
    ):
        Thresholds(medium_score=70, high_score=60)
    with pytest.raises(
        ThresholdError, match=r"medium_score \(60\) must be below high_score \(60\)"
    ):
        Thresholds(medium_score=60, high_score=60)


def test_bradford_triggers_must_increase():
    with pytest.raises(
        ThresholdError,
        match=r"bradford_triggers\[1\] \(400\) must be below bradford_triggers\[2\] \(125\)",
    ):
        Thresholds(bradford_triggers=(50, 400, 125))
    with pytest.raises(ThresholdError, match="at least one trigger"):
        Thresholds(bradford_triggers=())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fdr_q": math.nan}, "fdr_q must be finite"),
        ({"fdr_q": 0.9}, r"fdr_q must be in \[1e-06, 0.5\], got 0.9"),
        ({"occupancy_threshold": 85}, r"occupancy_threshold must be in \[0, 1\], got 85"),
        (
            {"occupancy_threshold": 0.95},
            r"occupancy_threshold \(0.95\) must be below occupancy_full",
        ),
        ({"weight_absence": True}, "weight_absence must be a real number, got True"),
        ({"trend_weeks": 12.5}, "trend_weeks must be an integer, got 12.5"),
        ({"min_trend_weeks": 3}, "min_trend_weeks must be >= 4, got 3"),
        ({"min_trend_weeks": 20}, r"min_trend_weeks \(20\) cannot exceed trend_weeks \(12\)"),
        ({"min_daily_rest_hours": 24}, "min_daily_rest_hours must be below 24"),
        ({"bradford_absence_types": "sick"}, "must be a tuple of strings"),
        ({"higher_is_worse_metrics": ("csat",)}, "cannot be both"),
        (
            {"max_average_weekly_hours": 60},
            r"max_average_weekly_hours \(60\) must be below long_hours_week",
        ),
    ],
)
def test_bad_settings_fail_when_made(kwargs, message):
    with pytest.raises(ThresholdError, match=message):
        Thresholds(**kwargs)


def test_threshold_error_is_a_value_error():
    assert issubclass(ThresholdError, ValueError)


def test_levels_and_directions():
    th = Thresholds()
    assert [th.level_for(s) for s in (0, 29.9, 30, 59.9, 60, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert th.metric_direction("csat") == 1
    assert th.metric_direction("aht_seconds") == -1
    assert th.metric_direction("mood_emoji") == 0
    with pytest.raises(ThresholdError, match="unknown signal family 'vibes'"):
        th.family_weight("vibes")
