"""Where the overview's forecast comes from: the newest saved run covering each queue."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.access import Principal
from data.forecast_runs import RunInfo, list_runs, load_run
from data.store import Store

#: Saved runs looked through, newest first, to cover every queue.
MAX_RUNS = 20


def latest_forecast(
    store: Store,
    viewer: Principal,
    max_runs: int = MAX_RUNS,
    cover: tuple[dt.date, dt.date] | None = None,
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """The picked daily forecast of each (country, channel) from the newest run that covers it.

    Parameters
    ----------
    cover : (first, last) dates, optional
        Days the forecast should cover. Per queue, the run with a value on most of them is
        taken, the newest of those on a tie: so a short run saved later (a 14-day check) does
        not hide a longer one that spans the period, and a queue no run spans comes from the
        run that covers most of it (the caller reports what it lacks). Without ``cover``, the
        newest run of each queue.

    Returns
    -------
    daily : DataFrame
        The saved runs' picked forecasts plus ``run_id``; empty when nothing was saved.
    runs : dict of run id to RunInfo
        The runs used.
    """
    runs = list_runs(store, viewer)
    saved = [
        load_run(store, viewer, int(i)) for i in (runs["id"].head(max_runs) if len(runs) else [])
    ]
    # per queue, the newest run spanning ``cover``; else the one covering most of it (newest
    # on a tie), whose missing days the caller can report; without ``cover``, the newest
    best: dict[tuple[str, str], tuple[int, int]] = {}  # queue -> (-days covered, run index)
    for k, run in enumerate(saved):
        for queue, days in _days_covered(run.daily, cover).items():
            best[queue] = min(best.get(queue, (0, k)), (-days, k))
    chosen = {queue: k for queue, (_, k) in best.items()}
    parts, used = [], {}
    for k, run in enumerate(saved):
        mine = [q for q, i in chosen.items() if i == k]
        if not mine:
            continue
        daily = run.daily
        rows = pd.MultiIndex.from_frame(daily[["country", "channel"]]).isin(mine)
        parts.append(daily[rows].assign(run_id=int(run.info.id)))
        used[int(run.info.id)] = run.info
    if not parts:
        return pd.DataFrame(), {}
    return pd.concat(parts, ignore_index=True), used


def _days_covered(
    daily: pd.DataFrame, cover: tuple[dt.date, dt.date] | None
) -> dict[tuple[str, str], int]:
    """Per queue of a run's daily forecast, the days of ``cover`` it has a value for (every
    queue counts 1 when ``cover`` is None, so the newest run wins)."""
    present = daily[daily["forecast"].notna()]
    if cover is None:
        return dict.fromkeys(zip(present["country"], present["channel"], strict=True), 1)
    dates = pd.to_datetime(present["date"]).dt.normalize()
    inside = present[(dates >= pd.Timestamp(cover[0])) & (dates <= pd.Timestamp(cover[1]))]
    days = inside.assign(date=dates).groupby(["country", "channel"])["date"].nunique()
    return {queue: int(n) for queue, n in days.items()}
