"""Where the overview's forecast comes from: the newest saved run covering each queue."""

from __future__ import annotations

import pandas as pd

from data.access import Principal
from data.forecast_runs import RunInfo, list_runs, load_run
from data.store import Store

#: Saved runs looked through, newest first, to cover every queue.
MAX_RUNS = 20


def latest_forecast(
    store: Store, viewer: Principal, max_runs: int = MAX_RUNS
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """The picked daily forecast of each (country, channel) from the newest run that covers it.

    Returns
    -------
    daily : DataFrame
        The saved runs' picked forecasts plus ``run_id``; empty when nothing was saved.
    runs : dict of run id to RunInfo
        The runs used.
    """
    runs = list_runs(store, viewer)
    parts, used, covered = [], {}, set()
    for run_id in runs["id"].head(max_runs) if len(runs) else []:
        saved = load_run(store, viewer, int(run_id))
        daily = saved.daily
        fresh = daily[
            [
                (c, ch) not in covered
                for c, ch in zip(daily["country"], daily["channel"], strict=True)
            ]
        ]
        if fresh.empty:
            continue
        parts.append(fresh.assign(run_id=int(run_id)))
        used[int(run_id)] = saved.info
        covered |= set(zip(fresh["country"], fresh["channel"], strict=True))
    if not parts:
        return pd.DataFrame(), {}
    return pd.concat(parts, ignore_index=True), used
