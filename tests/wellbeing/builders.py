"""Small frame builders for the wellbeing tests (hand-made inputs, seeded synthetic data)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wellbeing.signals import SignalContext, make_signal_context

#: A Sunday: its own week (24-30 June 2024) is the last complete week.
AS_OF = pd.Timestamp("2024-06-30")
LAST_WEEK = pd.Timestamp("2024-06-24")


def agents_frame(ids: Iterable[str], contract: float = 37.5, teams: Iterable[str] | None = None):
    ids = list(ids)
    return pd.DataFrame(
        {
            "agent_id": ids,
            "name": [f"Agent {i}" for i in ids],
            "team": list(teams) if teams is not None else ["Team A"] * len(ids),
            "country": "GB",
            "timezone": "Europe/London",
            "contract_hours_per_week": float(contract),
            "channels": "voice",
        }
    )


def absences_frame(rows: Iterable[tuple[str, str, str, str]] = ()) -> pd.DataFrame:
    """Rows of ``(agent_id, start_date, end_date, type)``."""
    frame = pd.DataFrame(list(rows), columns=["agent_id", "start_date", "end_date", "type"])
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def hours_frame(rows: Iterable[tuple[str, object, float]] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["agent_id", "date", "hours_worked"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["hours_worked"] = frame["hours_worked"].astype(float)
    return frame


def weekly_pattern(agent_id: str, weekly_hours: list[float | None], last_week=LAST_WEEK):
    """Daily hours Monday-Friday for consecutive weeks ending at ``last_week``; None = no hours."""
    rows = []
    first = last_week - pd.Timedelta(weeks=len(weekly_hours) - 1)
    for k, total in enumerate(weekly_hours):
        if total is None:
            continue
        for d in range(5):
            rows.append((agent_id, first + pd.Timedelta(weeks=k, days=d), total / 5))
    return rows


def performance_frame(rows: Iterable[tuple[str, object, str, float]] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["agent_id", "date", "metric", "value"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["value"] = frame["value"].astype(float)
    return frame


def weekly_metric(agent_id: str, metric: str, values: Iterable[float], last_week=LAST_WEEK):
    """One value per week (on the Wednesday), for consecutive weeks ending at ``last_week``."""
    values = list(values)
    first = last_week - pd.Timedelta(weeks=len(values) - 1)
    return [
        (agent_id, first + pd.Timedelta(weeks=k, days=2), metric, float(v))
        for k, v in enumerate(values)
    ]


def context(
    agents: pd.DataFrame,
    absences: pd.DataFrame | None = None,
    hours: pd.DataFrame | None = None,
    performance: pd.DataFrame | None = None,
    as_of=AS_OF,
    occupancy: pd.DataFrame | None = None,
) -> SignalContext:
    return make_signal_context(
        agents,
        absences if absences is not None else absences_frame(),
        hours if hours is not None else hours_frame(),
        performance if performance is not None else performance_frame(),
        as_of,
        occupancy,
    )


def stable_performance(n_agents: int, n_weeks: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agents whose CSAT and AHT only vary at random week to week (no trend)."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:03d}" for i in range(n_agents)]
    first = LAST_WEEK - pd.Timedelta(weeks=n_weeks - 1) + pd.Timedelta(days=2)
    dates = pd.date_range(first, periods=n_weeks, freq="7D")
    frames = []
    for metric, mean, sd in (("csat", 4.4, 0.15), ("aht_seconds", 320.0, 25.0)):
        frames.append(
            pd.DataFrame(
                {
                    "agent_id": np.repeat(ids, n_weeks),
                    "date": np.tile(dates, n_agents),
                    "metric": metric,
                    "value": mean + rng.normal(0.0, sd, n_agents * n_weeks),
                }
            )
        )
    return agents_frame(ids), pd.concat(frames, ignore_index=True)
