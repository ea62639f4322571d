"""Performance decline: direction-aware trends, own baseline, false discoveries controlled."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from tests.wellbeing.builders import (
    agents_frame,
    context,
    performance_frame,
    stable_performance,
    weekly_metric,
)
from wellbeing.reasons import reason_detail
from wellbeing.signals import compute_signals, mann_kendall, sen_slopes
from wellbeing.thresholds import Thresholds


def _declining_history(seed: int = 1):
    """26 baseline weeks, then 12 weeks in which CSAT falls and AHT changes."""
    rng = np.random.default_rng(seed)
    base = 26
    falling = np.linspace(4.5, 3.7, 12)
    rising_aht = np.linspace(300, 420, 12)
    rows = []
    rows += weekly_metric("CSAT_DOWN", "csat", np.r_[4.5 + rng.normal(0, 0.05, base), falling])
    rows += weekly_metric(
        "AHT_DOWN", "aht_seconds", np.r_[420 + rng.normal(0, 5, base), rising_aht[::-1]]
    )
    rows += weekly_metric("AHT_UP", "aht_seconds", np.r_[300 + rng.normal(0, 5, base), rising_aht])
    rows += weekly_metric("CSAT_UP", "csat", np.r_[3.7 + rng.normal(0, 0.05, base), falling[::-1]])
    return rows


def test_falling_csat_and_rising_aht_are_flagged_improvements_are_not():
    rows = _declining_history()
    ctx = context(
        agents_frame(["CSAT_DOWN", "AHT_DOWN", "AHT_UP", "CSAT_UP"]),
        performance=performance_frame(rows),
    )
    out = compute_signals(ctx, names=["performance_decline"]).set_index("agent_id")
    assert sorted(out.index) == ["AHT_UP", "CSAT_DOWN"]
    csat = out.loc["CSAT_DOWN"]
    assert csat["value"] <= 0.05 and csat["threshold"] == 0.05
    # the plain sentence: what changed, from the own usual to the last 4 weeks
    assert csat["reason"].text == "CSAT has fallen over the last 12 weeks, from 4.5 to 3.81"
    reason = reason_detail(csat["reason"])
    assert reason.startswith(  # a true minus sign, as Formats writes negative numbers
        "Theil-Sen slope \u22120.0727 per week over the last 12 weeks"
    )
    assert "Mann-Kendall trend over 38 weeks of own history, BH-adjusted p" in reason
    assert "(threshold q = 0.05)" in reason
    # last 4 of linspace(4.5, 3.7, 12): mean 3.7 + 1.5 x 0.8 / 11 = 3.809
    assert "last 4 weeks 3.81 vs own baseline 4.5" in reason
    assert "threshold 0.5 SD" in reason
    assert out.loc["AHT_UP", "reason"].text.startswith("AHT (s) has risen over the last 12 weeks")
    assert reason_detail(out.loc["AHT_UP", "reason"]).startswith(
        "Theil-Sen slope +10.9 per week over the last 12 weeks"
    )
    assert out.loc["CSAT_DOWN", "severity"] == pytest.approx(1.0)  # far beyond 2 baseline SDs


def test_a_trend_back_to_the_own_baseline_is_not_a_decline():
    # baseline 4.0; an unusually good spell at 4.6 falls back to 4.0 over the trend window
    rng = np.random.default_rng(3)
    values = np.r_[4.0 + rng.normal(0, 0.1, 26), np.linspace(4.6, 4.0, 12)]
    ctx = context(
        agents_frame(["BACK"]), performance=performance_frame(weekly_metric("BACK", "csat", values))
    )
    assert compute_signals(ctx, names=["performance_decline"]).empty


def test_without_a_baseline_the_trend_decides_and_the_reason_says_so():
    values = np.linspace(4.5, 3.5, 12)
    ctx = context(
        agents_frame(["NEW"]), performance=performance_frame(weekly_metric("NEW", "csat", values))
    )
    out = compute_signals(ctx, names=["performance_decline"])
    assert out["agent_id"].tolist() == ["NEW"]
    assert out["reason"].iloc[0].text == "CSAT has fallen over the last 12 weeks, by 0.0909 a week"
    detail = reason_detail(out["reason"].iloc[0])
    assert detail.endswith("no own baseline yet (fewer than 4 earlier weeks)")
    assert out["severity"].iloc[0] == 0.5


def test_too_few_weeks_are_not_tested():
    values = np.linspace(4.5, 3.5, 7)  # 7 < min_trend_weeks = 8
    ctx = context(
        agents_frame(["SHORT"]),
        performance=performance_frame(weekly_metric("SHORT", "csat", values)),
    )
    assert compute_signals(ctx, names=["performance_decline"]).empty


def test_noise_alone_is_not_flagged_thanks_to_benjamini_hochberg():
    agents, perf = stable_performance(n_agents=200, n_weeks=38, seed=20240630)
    ctx = context(agents, performance=perf)
    out = compute_signals(ctx, names=["performance_decline"])
    assert len(out) <= 2  # 400 tests, all null: BH at q = 0.05 keeps false flags near zero
    # without the correction, about 5% of the 400 one-sided tests would fire
    weekly = perf.assign(week=perf["date"].dt.to_period("W")).pivot_table(
        index=["agent_id", "metric"], columns="week", values="value"
    )
    _, z, _ = mann_kendall(weekly.to_numpy())
    direction = np.where(weekly.index.get_level_values("metric") == "csat", 1.0, -1.0)
    p = stats.norm.sf(-direction * z)
    assert (p < 0.05).sum() > 8
    assert len(out) <= multipletests(p, alpha=0.05, method="fdr_bh")[0].sum() <= 2


def test_a_real_decline_among_noise_is_still_found():
    # over several populations of 200 stable people: the two declines are found every time,
    # and chance flags stay rare (FDR 5 % at the person and the metric level)
    false_people = []
    for seed in range(5):
        agents, perf = stable_performance(n_agents=200, n_weeks=38, seed=seed)
        ctx = context(
            agents_frame([*agents["agent_id"], "CSAT_DOWN", "AHT_UP"]),
            performance=performance_frame(
                [*perf.itertuples(index=False, name=None), *_declining_history()]
            ),
        )
        flagged = set(compute_signals(ctx, names=["performance_decline"])["agent_id"])
        assert {"CSAT_DOWN", "AHT_UP"} <= flagged, seed
        false_people.append(len(flagged - {"CSAT_DOWN", "AHT_UP"}))
    assert sum(false_people) <= 3, false_people


def test_a_moderate_decline_in_every_metric_is_found_through_the_person():
    # each metric alone falls too little to survive BH across 800 tests; together they do
    agents, perf = stable_performance(n_agents=400, n_weeks=38, seed=11)
    rng = np.random.default_rng(5)
    drift = np.r_[np.zeros(26), np.linspace(0.0, 1.0, 12)]
    rows = weekly_metric("ALL", "csat", 4.4 + rng.normal(0, 0.15, 38) - 0.25 * drift)
    rows += weekly_metric("ALL", "aht_seconds", 320 + rng.normal(0, 25, 38) + 45 * drift)
    ctx = context(
        agents_frame([*agents["agent_id"], "ALL"]),
        performance=performance_frame([*perf.itertuples(index=False, name=None), *rows]),
    )
    out = compute_signals(ctx, names=["performance_decline"])
    mine = out[out["agent_id"] == "ALL"]
    named = mine.set_index(mine["reason"].map(lambda r: r.values["metric"]))
    assert "csat" in named.index  # AHT is named too only if steeper than 90% of the stable
    values = named.loc["csat", "reason"].values
    assert values["steeper_than_share"] >= 0.9
    assert values["p_person_adjusted"] <= 0.05 < values["p_adjusted"]
    assert "with the person's other metrics (Stouffer, empirical null)" in reason_detail(
        named.loc["csat", "reason"]
    )


def test_unknown_metrics_are_skipped_with_a_note():
    rows = weekly_metric("A", "mood_score", np.linspace(5, 1, 20))
    ctx = context(agents_frame(["A"]), performance=performance_frame(rows))
    assert compute_signals(ctx, names=["performance_decline"]).empty
    assert "performance_decline: metric 'mood_score' has no known direction; skipped" in ctx.notes


def test_mann_kendall_matches_scipy_kendalltau_with_ties_and_gaps():
    rng = np.random.default_rng(11)
    series = np.round(rng.normal(0, 1, (40, 12)), 1)  # rounding makes ties
    series[:, 5] += np.linspace(-1, 1, 40)
    series[::7, 3] = np.nan
    s, z, n = mann_kendall(series)
    for k, y in enumerate(series):
        ok = np.isfinite(y)
        res = stats.kendalltau(np.flatnonzero(ok), y[ok], method="asymptotic")
        assert 2 * stats.norm.sf(abs(z[k])) == pytest.approx(res.pvalue, rel=1e-9)
        assert np.sign(s[k]) == np.sign(res.statistic)
        assert n[k] == ok.sum()


def test_sen_slopes_match_scipy_theilslopes():
    rng = np.random.default_rng(5)
    series = rng.normal(0, 1, (10, 12)) + np.arange(12) * 0.3
    series[2, 4] = np.nan
    got = sen_slopes(series)
    for k, y in enumerate(series):
        ok = np.isfinite(y)
        assert got[k] == pytest.approx(stats.theilslopes(y[ok], np.flatnonzero(ok)).slope)


def test_a_decline_most_stable_colleagues_match_is_not_raised():
    # a slow drift over 38 weeks: significant over the long history, but the last 12 weeks'
    # slope (0.01 a week) is one many stable colleagues show by chance
    agents, perf = stable_performance(n_agents=60, n_weeks=38, seed=4)
    rng = np.random.default_rng(2)
    slow = weekly_metric("SLOW", "csat", 4.6 - 0.01 * np.arange(38) + rng.normal(0, 0.02, 38))
    rows = [*perf.itertuples(index=False, name=None), *slow]

    def flagged(th: Thresholds) -> set[str]:
        ctx = context(
            agents_frame([*agents["agent_id"], "SLOW"]), performance=performance_frame(rows)
        )
        return set(compute_signals(ctx, th, names=["performance_decline"])["agent_id"])

    assert "SLOW" not in flagged(Thresholds())
    assert "SLOW" in flagged(Thresholds(min_steeper_than_share=0.0))
