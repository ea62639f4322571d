"""Performance signal: a metric getting worse against the person's own history (FDR-controlled)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from wellbeing.reasons import make_reason
from wellbeing.signals.context import SignalContext, week_start
from wellbeing.signals.registry import ramp, register_signal, signal_rows
from wellbeing.thresholds import Thresholds

#: Days averaged for the "recent level" compared with a person's own baseline.
RECENT_LEVEL_WEEKS = 4
#: Fewest stable colleagues (same metric, no significant trend) to compare a slope with.
MIN_STABLE_COLLEAGUES = 10


def mann_kendall(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Mann-Kendall trend statistic for many series at once.

    Equivalent to ``scipy.stats.kendalltau(range(n), y, method="asymptotic")`` per row
    (tau-b with tie correction, no continuity correction); NaN points are left out.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n_series, n_points)``, equally spaced in time, NaN for missing points.

    Returns
    -------
    s : numpy.ndarray
        Kendall's S (concordant minus discordant pairs) per series.
    z : numpy.ndarray
        Standardised S (positive: increasing); NaN where the variance is 0.
    n : numpy.ndarray
        Points used per series.
    """
    x = np.asarray(values, dtype=float)
    n_points = x.shape[1]
    # pairwise arrays are (rows, n, n): work in chunks of about 4 million pairs
    chunk = max(1, 4_000_000 // max(n_points * n_points, 1))
    parts = [_mann_kendall_chunk(x[k : k + chunk]) for k in range(0, len(x), chunk)]
    if not parts:
        empty = np.array([], dtype=float)
        return empty, empty, empty
    s, z, n = (np.concatenate(p) for p in zip(*parts, strict=True))
    return s, z, n


def _mann_kendall_chunk(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    valid = np.isfinite(x)
    n_points = x.shape[1]
    diff = x[:, None, :] - x[:, :, None]  # diff[k, i, j] = x[k, j] - x[k, i]
    both = valid[:, :, None] & valid[:, None, :]
    upper = np.triu(np.ones((n_points, n_points), dtype=bool), k=1)
    s = np.where(both & upper, np.sign(np.nan_to_num(diff)), 0.0).sum(axis=(1, 2))
    n = valid.sum(axis=1).astype(float)
    # ties: each point in a tie group of size t counts (t - 1)(2t + 5), so a group sums to
    # t(t - 1)(2t + 5), the usual correction term
    tie_size = ((diff == 0) & both).sum(axis=2)
    tie_term = np.where(valid, (tie_size - 1) * (2 * tie_size + 5), 0).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, s / np.sqrt(var), np.nan)
    return s, z, n


def sen_slopes(values: np.ndarray) -> np.ndarray:
    """Theil-Sen slope (median of pairwise slopes) per row, per time step; NaN points skipped."""
    x = np.asarray(values, dtype=float)
    n_points = x.shape[1]
    i, j = np.triu_indices(n_points, k=1)
    slopes = (x[:, j] - x[:, i]) / (j - i)
    out = np.full(x.shape[0], np.nan)
    has = np.isfinite(slopes).any(axis=1)
    if has.any():
        out[has] = np.nanmedian(slopes[has], axis=1)
    return out


def weekly_performance(ctx: SignalContext, n_weeks: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean value per agent, metric and calendar week, as the performance signal tests them.

    Parameters
    ----------
    ctx : SignalContext
        Inputs; its ``performance`` frame (``agent_id, date, metric, value``) is read.
    n_weeks : int
        Number of complete weeks, ending with :attr:`SignalContext.last_week`.

    Returns
    -------
    keys : pandas.DataFrame
        One row per agent and metric with data in the window: ``row`` (position in
        :attr:`SignalContext.agent_ids`) and ``metric`` (str).
    matrix : numpy.ndarray
        Shape ``(len(keys), n_weeks)``, oldest week first: the weekly means in the metric's
        own unit (NaN for weeks without data).
    """
    perf = ctx.performance
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    col = (week_start(ctx.frame_days("performance", "date")) - first).astype("int64") // 7
    row = ctx.frame_codes("performance")
    values = perf["value"].to_numpy(dtype=float)
    keep = (row >= 0) & (col >= 0) & (col < n_weeks) & np.isfinite(values)
    # factorise the (Arrow-backed) strings first: converting millions of them is the slow part
    all_codes, metrics = pd.factorize(perf["metric"])
    keep &= all_codes >= 0
    metric_codes = all_codes[keep]
    metrics = np.asarray(metrics.astype(str), dtype=object)
    pair = row[keep].astype("int64") * len(metrics) + metric_codes
    pair_codes, pairs = pd.factorize(pair, sort=True)
    flat = pair_codes * n_weeks + col[keep]
    size = len(pairs) * n_weeks
    total = np.bincount(flat, weights=values[keep], minlength=size).reshape(-1, n_weeks)
    count = np.bincount(flat, minlength=size).reshape(-1, n_weeks)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    keys = pd.DataFrame(
        {
            "row": np.asarray(pairs) // max(len(metrics), 1),
            "metric": np.asarray(metrics, dtype=object)[np.asarray(pairs) % max(len(metrics), 1)]
            if len(metrics)
            else np.array([], dtype=object),
        }
    )
    return keys, matrix


@register_signal("performance_decline", family="performance")
def performance_decline_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Direction-aware declining trend per metric, FDR-controlled across agents x metrics.

    On weekly means, per agent and metric with at least ``min_trend_weeks`` weeks of data in the
    last ``trend_weeks``:

    1. a one-sided Mann-Kendall test towards the metric's "worse" direction over the person's
       own history (``baseline_weeks + trend_weeks`` weeks). Over the recent weeks alone the
       test has too little power to survive the correction: with 12 points the smallest
       possible one-sided p is 3e-6, and Benjamini-Hochberg over 20,000 tests needs 2.5e-6
       for a single discovery;
    2. Benjamini-Hochberg across every agent x metric tested, at ``fdr_q``;
    3. the last 4 weeks worse than the own baseline mean (the ``baseline_weeks`` before the
       recent window) by ``min_decline_baseline_sd`` baseline standard deviations, so that the
       decline is recent and material (skipped, and said so, without a baseline).

    Weeks mostly on leave (``leave_week_min_days`` weekdays of absence) are left out of the
    trend and the baseline alike, so a vacation never reads as a drop. The reason says what
    changed in plain words, from the own usual level to the recent one, and how the slope ranks
    among stable colleagues (same metric, trend not significant; at least
    :data:`MIN_STABLE_COLLEAGUES`); its detail gives the Theil-Sen slope over the recent weeks
    with its 95% CI and the test. ``value`` is the
    BH-adjusted p-value and ``threshold`` the FDR level q (fires when value <= threshold).
    """
    n_weeks = th.trend_weeks + th.baseline_weeks
    keys, matrix = weekly_performance(ctx, n_weeks)
    # weeks mostly on leave say nothing about performance: out of trends and baselines alike
    leave = ctx.leave_weeks(n_weeks, th.leave_week_min_days)[keys["row"].to_numpy()]
    leave_count = (leave & np.isfinite(matrix)).sum(axis=1)
    matrix = np.where(leave, np.nan, matrix)
    direction = np.array([th.metric_direction(m) for m in keys["metric"]], dtype=float)
    for metric in sorted(set(keys["metric"][direction == 0])):
        ctx.note(f"performance_decline: metric {metric!r} has no known direction; skipped")
    trend = matrix[:, -th.trend_weeks :]
    enough = (np.isfinite(trend).sum(axis=1) >= th.min_trend_weeks) & (direction != 0)
    if not enough.any():
        return signal_rows([], "performance_decline", [], [], [], [])
    keys, matrix, trend, direction = keys[enough], matrix[enough], trend[enough], direction[enough]
    leave_count = leave_count[enough]
    _, z, n = mann_kendall(matrix)
    p_worse = stats.norm.sf(-direction * np.nan_to_num(z))  # one-sided towards "worse"
    reject, q_values, _, _ = multipletests(p_worse, alpha=th.fdr_q, method="fdr_bh")
    person_q = person_q_values(keys["row"].to_numpy(), -direction * np.nan_to_num(z))
    # a metric also counts when the person's metrics together are significant and its own
    # one-sided p is below q: a moderate decline in every metric is strong evidence
    reject = reject | ((person_q <= th.fdr_q) & (p_worse <= th.fdr_q))

    base = matrix[:, : th.baseline_weeks]
    base_n = np.isfinite(base).sum(axis=1)
    has_base = base_n >= th.min_baseline_weeks
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # all-NaN rows (no baseline) are expected: silence "mean of empty slice"
        warnings.simplefilter("ignore", category=RuntimeWarning)
        base_mean = np.nanmean(np.where(has_base[:, None], base, np.nan), axis=1)
        base_sd = np.nanstd(np.where(has_base[:, None], base, np.nan), axis=1, ddof=1)
        recent = np.nanmean(trend[:, -RECENT_LEVEL_WEEKS:], axis=1)
        worse_by = direction * (base_mean - recent)
        effect = np.where(base_sd > 0, worse_by / base_sd, np.where(worse_by > 0, np.inf, 0.0))
    fired = reject & (~has_base | (effect >= th.min_decline_baseline_sd))
    idx = np.flatnonzero(fired)
    # "steeper than N% of stable colleagues": the worse-direction Theil-Sen slopes of the
    # colleagues whose trend on the same metric is not significant
    worse_slopes = -direction * sen_slopes(trend)
    slopes = -direction[idx] * worse_slopes[idx]
    metric_codes, _ = pd.factorize(keys["metric"])
    stable_share, stable_n = np.full(len(idx), np.nan), np.zeros(len(idx), dtype=int)
    for code in np.unique(metric_codes[idx]):
        pool = np.sort(worse_slopes[(metric_codes == code) & ~reject & np.isfinite(worse_slopes)])
        if len(pool) < MIN_STABLE_COLLEAGUES:
            continue
        mine = metric_codes[idx] == code
        stable_share[mine] = np.searchsorted(pool, worse_slopes[idx][mine], "left") / len(pool)
        stable_n[mine] = len(pool)
    # material among colleagues too: a recent slope that most stable colleagues match by chance
    # is not a decline to raise (the long history made the test significant, not recent weeks)
    distinct = (stable_n == 0) | (stable_share >= th.min_steeper_than_share)
    idx, slopes = idx[distinct], slopes[distinct]
    stable_share, stable_n = stable_share[distinct], stable_n[distinct]
    reasons = []
    for k, i in enumerate(idx):
        y = trend[i]
        ok = np.isfinite(y)
        # scipy for the confidence interval, only for the few series that fire
        _, _, lo, hi = stats.theilslopes(y[ok], np.flatnonzero(ok), alpha=0.95)
        reasons.append(
            make_reason(
                "performance_decline",
                metric=keys["metric"].iloc[i],
                rising=direction[i] < 0,  # worse is higher (handle times)
                slope=slopes[k],
                slope_low=lo,
                slope_high=hi,
                trend_weeks=th.trend_weeks,
                history_weeks=int(n[i]),
                p_adjusted=q_values[i],
                p_person_adjusted=person_q[i],
                fdr_q=th.fdr_q,
                recent_weeks=RECENT_LEVEL_WEEKS,
                recent=recent[i] if has_base[i] else None,
                baseline=base_mean[i] if has_base[i] else None,
                effect_sd=effect[i] if has_base[i] else None,
                min_effect_sd=th.min_decline_baseline_sd,
                min_baseline_weeks=th.min_baseline_weeks,
                steeper_than_share=stable_share[k] if stable_n[k] else None,
                stable_colleagues=int(stable_n[k]),
                leave_weeks=int(leave_count[i]),
            )
        )
    severity = np.where(has_base[idx], ramp(effect[idx], th.min_decline_baseline_sd, 2.0), 0.5)
    return signal_rows(
        ctx.agent_ids[keys["row"].to_numpy()[idx]],
        "performance_decline",
        severity,
        np.minimum(q_values[idx], person_q[idx]),
        th.fdr_q,
        reasons,
    )


#: Fewest people for the empirical null of :func:`person_q_values` (fewer: the theoretical one).
MIN_EMPIRICAL_NULL = 50


def person_q_values(rows: np.ndarray, worse_z: np.ndarray) -> np.ndarray:
    """BH-adjusted p of each person's metrics taken together, per series (row of ``rows``).

    Stouffer's combination ``sum(z) / sqrt(k)`` of the worse-direction Mann-Kendall z of a
    person's k metrics, one-sided. A person's metrics move together (a long call is a low-CSAT
    call), which would make the combination too lenient, so the null spread is estimated from
    everybody (most people are not declining): the robust SD (1.4826 x MAD) of the combined
    z, never below 1 (Efron's empirical null; with fewer than :data:`MIN_EMPIRICAL_NULL`
    people the theoretical N(0, 1)). Benjamini-Hochberg across people.

    Parameters
    ----------
    rows : numpy.ndarray
        Person (agent row) of each tested series.
    worse_z : numpy.ndarray
        Mann-Kendall z of each series towards "worse" (NaN as 0).

    Returns
    -------
    numpy.ndarray
        The person's BH-adjusted p, aligned with the series.
    """
    codes, people = pd.factorize(rows)
    if not len(people):
        return np.array([], dtype=float)
    total = np.bincount(codes, weights=worse_z, minlength=len(people))
    count = np.bincount(codes, minlength=len(people))
    combined = total / np.sqrt(np.maximum(count, 1))
    scale = 1.0
    if len(people) >= MIN_EMPIRICAL_NULL:
        mad = np.median(np.abs(combined - np.median(combined)))
        scale = max(1.0, 1.4826 * float(mad))
    p = stats.norm.sf(combined / scale)
    _, q, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    return q[codes]
