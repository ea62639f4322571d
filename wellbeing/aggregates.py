"""Team aggregates of the workload-strain scores for managers, suppressed for small groups.

Managers never see individual flags: only per-team counts and shares, and only for groups of at
least ``Thresholds.min_group_size`` (5) people (Microsoft Viva Insights' rule). A smaller group's
row says it is suppressed and carries no numbers at all, not even its size.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from wellbeing.errors import require_columns
from wellbeing.levels import FLAGGED_LEVELS, LEVELS
from wellbeing.signals import (
    last_complete_week_start,
    signal_families,
    to_day,
    weekly_hours_matrix,
)
from wellbeing.thresholds import DEFAULT_THRESHOLDS, Thresholds

logger = logging.getLogger(__name__)

TEAM_COLUMNS: tuple[str, ...] = (
    "team",
    "suppressed",
    "n_agents",
    "n_low",
    "n_medium",
    "n_high",
    "mean_score",
    "share_flagged",
    "share_with_overtime",
    "note",
)
NO_TEAM = "(no team)"


def aggregate_teams(
    scores: pd.DataFrame,
    agents: pd.DataFrame,
    hours: pd.DataFrame | None = None,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    group_by: str = "team",
) -> pd.DataFrame:
    """Per-team counts by level, mean score and overtime share, small groups suppressed.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`wellbeing.scoring.score_burnout_risk` (``agent_id, level, score``).
    agents : pandas.DataFrame
        ``agent_id``, the ``group_by`` column and ``contract_hours_per_week`` (hours; needed
        only with ``hours``).
    hours : pandas.DataFrame, optional
        ``agent_id, date, hours_worked``; gives ``share_with_overtime`` (otherwise NA).
    as_of : date-like, optional
        Day of the scores (default: ``scores.attrs["as_of"]``, else the latest date in ``hours``).
    thresholds : Thresholds, optional
        ``min_group_size``, ``short_period_weeks`` and ``overtime_min_hours``.
    group_by : str, default "team"
        Column of ``agents`` to group by.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`TEAM_COLUMNS`: ``suppressed`` (bool), counts
        (``Int64``), ``mean_score`` (0..100), ``share_flagged`` (fraction medium or high),
        ``share_with_overtime`` (fraction with at least one week of ``overtime_min_hours`` over
        contract in the last ``short_period_weeks`` complete weeks) and ``note``. Suppressed rows
        have NA in every number and a note saying why.

    Raises
    ------
    MissingColumnsError
        If a frame lacks a required column.
    """
    th = thresholds
    require_columns(scores, "scores", ("agent_id", "level", "score"))
    require_columns(agents, "agents", ("agent_id", group_by))
    people = agents[["agent_id", group_by]].assign(agent_id=agents["agent_id"].astype(str))
    frame = scores[["agent_id", "level", "score"]].assign(
        agent_id=scores["agent_id"].astype(str), level=scores["level"].astype(str)
    )
    frame = frame.merge(people, on="agent_id", how="inner")
    frame[group_by] = frame[group_by].astype(object).where(frame[group_by].notna(), NO_TEAM)
    frame["overtime"] = _overtime_recently(frame["agent_id"], agents, hours, as_of, scores, th)

    grouped = frame.assign(flagged=frame["level"].isin(list(FLAGGED_LEVELS))).groupby(group_by)
    by_level = pd.crosstab(frame[group_by], frame["level"]).reindex(columns=LEVELS, fill_value=0)
    out = pd.DataFrame(
        {
            "n_agents": grouped.size(),
            **{f"n_{level}": by_level[level] for level in LEVELS},
            "mean_score": grouped["score"].mean().round(1),
            "share_flagged": grouped["flagged"].mean(),
            "share_with_overtime": grouped["overtime"].mean(),
        }
    )
    out.index.name = "team"
    out = out.reset_index()
    suppressed = out["n_agents"] < th.min_group_size
    counts = ["n_agents", "n_low", "n_medium", "n_high"]
    shares = ["mean_score", "share_flagged", "share_with_overtime"]
    out[counts] = out[counts].astype("Int64").mask(suppressed, pd.NA)
    out[shares] = out[shares].astype("Float64").mask(suppressed, pd.NA)
    out["suppressed"] = suppressed.to_numpy()
    out["note"] = np.where(
        suppressed,
        f"suppressed: fewer than {th.min_group_size} people in this group",
        "" if hours is not None else "share_with_overtime needs hours",
    )
    if suppressed.any():
        logger.info(
            "suppressed %d group(s) under %d people", int(suppressed.sum()), th.min_group_size
        )
    return out[list(TEAM_COLUMNS)]


def _overtime_recently(
    agent_ids: pd.Series,
    agents: pd.DataFrame,
    hours: pd.DataFrame | None,
    as_of: Any,
    scores: pd.DataFrame,
    th: Thresholds,
) -> pd.Series:
    """Whether each agent had an overtime week in the last ``short_period_weeks`` weeks."""
    if hours is None:
        return pd.Series(np.nan, index=agent_ids.index)
    require_columns(agents, "agents", ("agent_id", "contract_hours_per_week"))
    if as_of is None:
        as_of = scores.attrs.get("as_of")
    if as_of is None:
        as_of = pd.to_datetime(hours["date"]).max() if len(hours) else pd.Timestamp.today()
    n_weeks = th.short_period_weeks
    first = last_complete_week_start(to_day(as_of)) - np.timedelta64(7 * (n_weeks - 1), "D")
    ids = pd.Index(agent_ids.to_numpy(), name="agent_id")
    weekly = weekly_hours_matrix(hours, ids, first, n_weeks)
    contract = (
        agents.assign(agent_id=agents["agent_id"].astype(str))
        .set_index("agent_id")["contract_hours_per_week"]
        .reindex(ids)
        .to_numpy(dtype=float)
    )
    over = (weekly >= contract[:, None] + th.overtime_min_hours).any(axis=1)
    return pd.Series(over.astype(float), index=agent_ids.index)


TEAM_STRAIN_COLUMNS: tuple[str, ...] = (
    "team",
    "suppressed",
    "n_agents",
    "n_low",
    "n_medium",
    "n_high",
    "share_low",
    "share_medium",
    "share_high",
    "mean_score",
    "share_flagged",
    "share_with_overtime",
    "top_reason_families",
    "note",
)


def team_strain_table(
    scores: pd.DataFrame,
    agents: pd.DataFrame,
    hours: pd.DataFrame | None = None,
    as_of: Any = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    group_by: str = "team",
) -> pd.DataFrame:
    """What managers see per team: :func:`aggregate_teams` with level shares and reason families.

    Parameters
    ----------
    scores, agents, hours, as_of, thresholds, group_by
        As for :func:`aggregate_teams`; ``scores`` also needs ``signals``.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`TEAM_STRAIN_COLUMNS`: those of :data:`TEAM_COLUMNS`
        plus ``share_low``, ``share_medium``, ``share_high`` (fractions) and
        ``top_reason_families`` (families of the flagged people's signals, most frequent first,
        comma-separated). Suppressed rows carry no numbers and no families. No agent id or name.
    """
    table = aggregate_teams(scores, agents, hours, as_of, thresholds, group_by)
    for level in LEVELS:
        table[f"share_{level}"] = (table[f"n_{level}"] / table["n_agents"]).astype("Float64")
    table["top_reason_families"] = top_reason_families(scores, agents, table, group_by)
    return table[list(TEAM_STRAIN_COLUMNS)]


def top_reason_families(
    scores: pd.DataFrame, agents: pd.DataFrame, table: pd.DataFrame, group_by: str = "team"
) -> list[str]:
    """Signal families of the flagged people per group, most frequent first ("" if suppressed).

    Parameters
    ----------
    scores : pandas.DataFrame
        ``agent_id, level, signals`` (lists of signal names).
    agents : pandas.DataFrame
        ``agent_id`` and the ``group_by`` column.
    table : pandas.DataFrame
        Output of :func:`aggregate_teams` (``team``, ``suppressed``): one entry per row.
    group_by : str, default "team"

    Returns
    -------
    list of str
        Comma-separated families per row of ``table``; ties in alphabetical order.
    """
    groups = agents.set_index(agents["agent_id"].astype(str))[group_by]
    flagged = scores[scores["level"].astype(str).isin(list(FLAGGED_LEVELS))]
    counts: dict[str, dict[str, int]] = {}
    for agent_id, names in zip(flagged["agent_id"].astype(str), flagged["signals"], strict=True):
        group = groups.get(agent_id)
        group = NO_TEAM if group is None or pd.isna(group) else group
        for family in signal_families(names):
            counts.setdefault(group, {}).setdefault(family, 0)
            counts[group][family] += 1
    out = []
    for team, suppressed in zip(table["team"], table["suppressed"], strict=True):
        fams = counts.get(team, {})
        ranked = sorted(fams, key=lambda f: (-fams[f], f))
        out.append("" if suppressed else ", ".join(ranked))
    return out
