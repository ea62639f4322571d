"""The inputs of ``staffing.requirements.interval_requirements``: interval forecast and targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from contracts.checks import check_fraction, check_range, require_columns
from staffing.erlang import StaffingTargets
from staffing.handle_times import AHT_COLUMNS
from staffing.planning_errors import PlanningInputError
from staffing.requirements import INPUT_COLUMNS, channel_kind

__all__ = [
    "forecast_to_requirements_input",
    "targets_by_channel",
]

_KEYS = ["country", "channel"]


def forecast_to_requirements_input(
    intervals: pd.DataFrame,
    aht: pd.DataFrame,
    *,
    aht_change_pct: float = 0.0,
    volume_share: float = 1.0,
) -> pd.DataFrame:
    """The input of :func:`staffing.requirements.interval_requirements` from an interval forecast.

    Negative model outputs are read as zero contacts and ``forecast_upper`` is kept at or
    above ``forecast``, so the requirements' input checks hold for any forecast.

    Parameters
    ----------
    intervals : pandas.DataFrame
        ``forecasting.service.forecast_contacts(...).intervals``: ``country, channel,
        interval_start, interval_minutes, forecast, forecast_upper`` (other columns kept).
    aht : pandas.DataFrame
        :data:`staffing.handle_times.AHT_COLUMNS` (from :func:`staffing.handle_times.recent_aht`).
    aht_change_pct : float, default 0
        What-if change of every handle time in percent (``10`` = 10% longer calls, > -100).
    volume_share : float, default 1
        Fraction of the forecast contacts this team answers (0 < x <= 1), e.g. 0.3 when the
        rest is routed to another site. Scales ``forecast`` and ``forecast_upper`` before any
        Erlang maths (staff does not scale linearly with volume).

    Returns
    -------
    pandas.DataFrame
        :data:`staffing.requirements.INPUT_COLUMNS` first (``interval_start`` datetime64),
        then the other forecast columns, sorted by country, channel and interval.

    Raises
    ------
    PlanningInputError
        Missing columns, or a (country, channel) without a handle time.
    """
    require_columns(
        intervals,
        [c for c in INPUT_COLUMNS if c != "aht_seconds"],
        "interval forecast",
        error=PlanningInputError,
    )
    require_columns(aht, AHT_COLUMNS, "aht", error=PlanningInputError)
    change = check_range(
        "aht_change_pct", aht_change_pct, low=-100.0, include_low=False, error=PlanningInputError
    )
    share = check_fraction(
        "volume_share", volume_share, include_zero=False, error=PlanningInputError
    )
    frame = intervals.drop(columns=["aht_seconds"], errors="ignore").merge(
        aht[list(AHT_COLUMNS)], on=_KEYS, how="left"
    )
    lacking = frame.loc[frame["aht_seconds"].isna(), _KEYS].drop_duplicates()
    if not lacking.empty:
        names = ", ".join(f"{c}/{ch}" for c, ch in lacking.itertuples(index=False))
        raise PlanningInputError(f"no handle time in the history for {names}")
    frame["aht_seconds"] = frame["aht_seconds"].astype(float) * (1 + change / 100)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["forecast"] = frame["forecast"].astype(float).clip(lower=0).fillna(0.0)
    upper = frame["forecast_upper"].astype(float).fillna(frame["forecast"])
    frame["forecast_upper"] = np.maximum(upper, frame["forecast"]) * share
    frame["forecast"] *= share
    rest = [c for c in frame.columns if c not in INPUT_COLUMNS]
    ordered = frame[[*INPUT_COLUMNS, *rest]]
    return ordered.sort_values([*_KEYS, "interval_start"]).reset_index(drop=True)


def targets_by_channel(
    channels: Sequence[str], targets: Mapping[str, object], chat_concurrency: int = 1
) -> dict[str, StaffingTargets]:
    """One :class:`StaffingTargets` per channel from one set of planner targets.

    Chat channels (see :func:`staffing.requirements.channel_kind`) get ``chat_concurrency``;
    voice and workload channels handle one contact at a time.

    Parameters
    ----------
    channels : sequence of str
    targets : mapping
        Keyword arguments of :class:`StaffingTargets` (without ``concurrency``).
    chat_concurrency : int, default 1
        Chats an agent handles at once.

    Raises
    ------
    staffing.requirements.RequirementsInputError
        For a channel nobody said how to staff.
    staffing.checks.InvalidParameterError
        For targets out of range.
    """
    return {
        channel: StaffingTargets(
            **{**targets, "concurrency": chat_concurrency if channel_kind(channel) == "chat" else 1}
        )
        for channel in channels
    }
