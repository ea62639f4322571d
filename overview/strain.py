"""The strain the staffing gap would cause if it were covered with overtime, in aggregate only.

The gap hours of each (country, channel, week) are shared equally among the people who work that
queue (people on several channels share each of their queues' gaps in proportion to their hours
there), on top of their available hours; :func:`wellbeing.project_overtime_outlook` then tells who
would cross the 48 h average, the 55 h week or the overtime-streak rule. Only counts per team leave
this module, and teams under the suppression size show no count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data import flags as flag_store
from data.access import Permission, Principal, require
from data.store import Store
from formats import Formats
from overview.core import available_hours
from wellbeing import DEFAULT_THRESHOLDS, Thresholds, project_overtime_outlook
from wellbeing.limits import agents_without_overtime

STRAIN_COLUMNS = ("team", "people", "would_cross", "overtime_hours_per_person")
#: The words of :attr:`GapStrain.summary`: English, as the command line would print them.
_ENGLISH = Formats("en_GB")


@dataclass(frozen=True)
class GapStrain:
    """How many people covering the gap with overtime would push over a working-time limit.

    Attributes
    ----------
    summary : str
        One sentence with the total, e.g. "Covering the gap with overtime would put 6 of 137
        people over a working-time limit (48 h average, 55 h week or 4 weeks of overtime in a row)."
    teams : DataFrame
        :data:`STRAIN_COLUMNS`; ``would_cross`` and the hours are empty for teams under the
        suppression size.
    would_cross, people : int
        Totals over the teams shown (small teams are left out of them too).
    thresholds : Thresholds
        The working-time limits judged against.
    left_out : bool
        Some teams are under the suppression size and left out.

    :meth:`describe` writes the summary with the numbers in another locale.
    """

    summary: str
    teams: pd.DataFrame
    would_cross: int
    people: int
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    left_out: bool = False

    def describe(self, fmt: Formats) -> str:
        """:attr:`summary` with its numbers written in ``fmt``'s locale."""
        if self.teams.empty:
            return self.summary
        return _summary(self.would_cross, self.people, self.thresholds, self.left_out, fmt)


def _summary(n: int, total: int, thresholds: Thresholds, left_out: bool, fmt: Formats) -> str:
    limits = (
        f"{fmt.hours(thresholds.max_average_weekly_hours)} average, "
        f"{fmt.hours(thresholds.long_hours_week)} week or "
        f"{fmt.number(thresholds.overtime_streak_weeks)} weeks of overtime in a row"
    )
    whom = f"{fmt.number(n)} of {fmt.number(total)} people" if n else "nobody"
    return (
        f"Covering the gap with overtime would put {whom} over a working-time limit ({limits})."
        + (
            f" Teams under {fmt.number(thresholds.min_group_size)} people are left out."
            if left_out
            else ""
        )
    )


def gap_strain(
    store: Store,
    viewer: Principal,
    weeks: pd.DataFrame,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> GapStrain:
    """Aggregate outlook of covering ``weeks``' gaps (``overview.Overview.weeks``) with overtime.

    Needs ``VIEW_TEAM_WELLBEING``; reads hours as trusted code and returns team counts only.
    """
    require(viewer, Permission.VIEW_TEAM_WELLBEING)
    agents = store.load("agents")
    hours = store.load("hours")
    empty = pd.DataFrame(columns=list(STRAIN_COLUMNS))
    if agents.empty or weeks.empty or hours.empty:
        return GapStrain("No hours or gaps to project.", empty, 0, len(agents))
    people = available_hours(agents, store.load("absences"), weeks["week_start"].unique())
    rows = people.explode("channels", ignore_index=True).rename(columns={"channels": "channel"})
    rows["share"] = rows["available_hours"] / rows.groupby(["agent_id", "week_start"])[
        "available_hours"
    ].transform("count")
    queue_hours = rows.groupby(["country", "channel", "week_start"])["share"].transform("sum")
    rows = rows.merge(
        weeks[["country", "channel", "week_start", "gap_hours"]],
        on=["country", "channel", "week_start"],
        how="left",
    )
    rows["gap_hours"] = rows["gap_hours"].fillna(0.0)
    rows["overtime"] = rows["gap_hours"] * rows["share"] / queue_hours.where(queue_hours > 0)
    projected = (
        rows.groupby(["agent_id", "week_start"], as_index=False)
        .agg(
            contract_hours=("contract_hours", "first"),
            scheduled_hours=("available_hours", "first"),
            projected_overtime_hours=("overtime", "sum"),
        )
        .fillna({"projected_overtime_hours": 0.0})
    )
    # people HR limited to no overtime take none: the outlook counts only those who may
    first = pd.Timestamp(projected["week_start"].min()).date()
    last = (pd.Timestamp(projected["week_start"].max()) + pd.Timedelta(days=6)).date()
    barred = agents_without_overtime(flag_store.read_limits(store, first, last), first, last)
    outlook = project_overtime_outlook(projected, hours, thresholds=thresholds, no_overtime=barred)
    crossing = set(outlook.agents["agent_id"])
    team = agents.set_index("agent_id")["team"].fillna("(no team)")
    overtime = projected.groupby("agent_id")["projected_overtime_hours"].sum()
    frame = pd.DataFrame(
        {
            "team": team,
            "crosses": team.index.isin(list(crossing)),
            "overtime": overtime.reindex(team.index).fillna(0.0),
        }
    )
    teams = frame.groupby("team").agg(
        people=("crosses", "size"), would_cross=("crosses", "sum"), overtime=("overtime", "mean")
    )
    teams["overtime_hours_per_person"] = teams["overtime"] / max(
        len(weeks["week_start"].unique()), 1
    )
    small = teams["people"] < thresholds.min_group_size
    teams["would_cross"] = teams["would_cross"].astype("Int64").mask(small)
    teams["overtime_hours_per_person"] = teams["overtime_hours_per_person"].round(1).mask(small)
    teams = teams.reset_index()[list(STRAIN_COLUMNS)]
    # Totals leave the small teams out too, or they could be recovered by subtraction.
    shown = teams[~small.to_numpy()]
    n, total = int(shown["would_cross"].sum()), int(shown["people"].sum())
    summary = _summary(n, total, thresholds, bool(small.any()), _ENGLISH)
    return GapStrain(summary, teams, n, total, thresholds, bool(small.any()))
