"""Handle times of queues: the recent contact-weighted mean of the history, else the setting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from contracts.checks import check_int, require_columns
from staffing.planning_errors import PlanningInputError
from staffing.profiles import QueueSetup

__all__ = [
    "AHT_COLUMNS",
    "HANDLE_TIME_COLUMNS",
    "handle_times",
    "recent_aht",
]

_KEYS = ["country", "channel"]


AHT_COLUMNS: tuple[str, ...] = ("country", "channel", "aht_seconds")
"""Columns of :func:`recent_aht`'s result."""


def recent_aht(contacts: pd.DataFrame, weeks: int = 8) -> pd.DataFrame:
    """Average handle time per (country, channel) over the last ``weeks`` weeks of history.

    The mean is weighted by contacts (a busy interval's handle time counts for more than a
    quiet one's); a series whose recent rows carry no contacts gets the plain mean. Each series
    uses its own last timestamp, so a queue with older data still gets a value.

    Parameters
    ----------
    contacts : pandas.DataFrame
        The data layer's contacts frame: ``country, channel, ds, contacts, aht_seconds``.
        Rows without an ``aht_seconds`` are ignored.
    weeks : int, default 8
        Look-back window in weeks (>= 1).

    Returns
    -------
    pandas.DataFrame
        :data:`AHT_COLUMNS`, one row per series with at least one handle time, sorted.
    """
    check_int("weeks", weeks, minimum=1, error=PlanningInputError)
    require_columns(
        contacts,
        ["country", "channel", "ds", "contacts", "aht_seconds"],
        "contacts",
        error=PlanningInputError,
    )
    frame = contacts.loc[contacts["aht_seconds"].notna(), ["country", "channel", "ds"]].copy()
    if frame.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "aht_seconds" else str) for c in AHT_COLUMNS}
        )
    frame["aht"] = contacts["aht_seconds"].astype(float)
    frame["volume"] = contacts["contacts"].astype(float).clip(lower=0).fillna(0.0)
    last = frame.groupby(_KEYS)["ds"].transform("max")
    frame = frame[frame["ds"] > last - pd.Timedelta(weeks=int(weeks))]
    frame["work"] = frame["aht"] * frame["volume"]
    sums = frame.groupby(_KEYS, as_index=False).agg(
        work=("work", "sum"), volume=("volume", "sum"), plain=("aht", "mean")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = sums["work"] / sums["volume"]
    sums["aht_seconds"] = weighted.where(sums["volume"] > 0, sums["plain"])
    return sums[list(AHT_COLUMNS)].sort_values(_KEYS).reset_index(drop=True)


HANDLE_TIME_COLUMNS: tuple[str, ...] = ("country", "channel", "aht_seconds", "aht_source")
"""Columns of :func:`handle_times`' result (``aht_source``: ``history`` or ``setting``)."""


def handle_times(
    contacts: pd.DataFrame,
    queues: Sequence[tuple[str, str]],
    setups: Mapping[tuple[str, str], QueueSetup] | None = None,
    weeks: int = 8,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The handle time of each queue: the history's recent one, else the planner's setting.

    Parameters
    ----------
    contacts : pandas.DataFrame
        The data layer's contacts frame (see :func:`recent_aht`).
    queues : sequence of (country, channel)
    setups : mapping of (country, channel) to QueueSetup, optional
        The planner's settings; their ``aht_seconds`` fills queues whose history has none.
    weeks : int, default 8
        Look-back of :func:`recent_aht`.

    Returns
    -------
    aht : pandas.DataFrame
        :data:`HANDLE_TIME_COLUMNS`, one row per queue that has a handle time.
    lacking : tuple of str
        ``"IT/voice"`` names of the queues that have none.
    """
    recent = recent_aht(contacts, weeks=weeks) if len(contacts) else pd.DataFrame()
    known = (
        {(c, ch): float(a) for c, ch, a in recent[list(AHT_COLUMNS)].itertuples(index=False)}
        if len(recent)
        else {}
    )
    rows, lacking = [], []
    for country, channel in dict.fromkeys((str(c), str(ch)) for c, ch in queues):
        setup = (setups or {}).get((country, channel))
        if (country, channel) in known:
            rows.append((country, channel, known[(country, channel)], "history"))
        elif setup is not None and setup.aht_seconds is not None:
            rows.append((country, channel, float(setup.aht_seconds), "setting"))
        else:
            lacking.append(f"{country}/{channel}")
    frame = pd.DataFrame(rows, columns=list(HANDLE_TIME_COLUMNS)).astype({"aht_seconds": float})
    return frame, tuple(lacking)
