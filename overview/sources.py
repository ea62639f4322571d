"""Where the overview's inputs come from: the newest saved run covering each queue, and the part
of the contacts history the overview reads."""

from __future__ import annotations

import datetime as dt
import functools
import logging

import pandas as pd

from data.access import Principal
from data.forecast_runs import RunInfo, list_runs, load_run
from data.store import Store
from data.summaries import contact_rows, contact_spans, last_handled
from forecasting.errors import ForecastInputError
from forecasting.holidays import holiday_eves, holidays_in_range

#: Saved runs looked through, newest first, to cover every queue.
MAX_RUNS = 20
#: Weeks of each queue's latest history the overview reads: at least the look-back of the
#: handle times (``staffing.handle_times.recent_aht``) and of the weekday profiles
#: (``forecasting.intraday.intraday_profiles``' reference weeks), both 8.
HISTORY_WEEKS = 8

logger = logging.getLogger(__name__)


def overview_history(
    store: Store, viewer: Principal | None, weeks: int = HISTORY_WEEKS
) -> pd.DataFrame:
    """The contacts rows the overview reads, instead of the whole table.

    ``build_overview`` uses of the history: each queue's last day (queues no forecast covers),
    its handle times over the ``weeks`` weeks before its last row with one, its weekday
    profiles over the ``weeks`` weeks before its last day, and the profiles of its country's
    holidays and holiday eves over all of it. So per queue these rows are read: from ``weeks``
    weeks (and a day) before the earlier of its last row and its last row with a handle time,
    and the rows of holidays and eves before that. At 2 M half-hour rows over six years that is
    a few percent of the table; the overview is the same as from the whole table.

    Returns
    -------
    pandas.DataFrame
        The frame ``Store.load("contacts")`` gives, those rows only.
    """
    spans = contact_spans(store, viewer)
    queues = list(zip(spans["country"], spans["channel"], strict=True))
    handled = last_handled(store, queues, viewer)
    since: dict[tuple[str, str], dt.datetime] = {}
    for country, channel, last in zip(spans["country"], spans["channel"], spans["last"], strict=True):  # fmt: skip
        latest = min(last, pd.Timestamp(handled.get((country, channel), last)))
        since[(country, channel)] = (
            latest.normalize() - pd.Timedelta(weeks=weeks) - pd.Timedelta(days=1)
        ).to_pydatetime()
    days: dict[tuple[str, str], tuple[dt.date, ...]] = {}
    for country, rows in spans.groupby("country"):
        special = _special_days(str(country), rows["first"].min().date(), rows["last"].max().date())
        for channel in rows["channel"]:
            days[(str(country), str(channel))] = special
    return contact_rows(store, viewer, since=since, days=days)


@functools.lru_cache(maxsize=64)
def _special_days(country: str, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The holidays and holiday eves of ``country`` in ``first..last`` (none for a code the
    holidays package does not know: the overview's interval split then fails on it anyway).

    Kept per country and span (the calendar does not change while the process runs): the
    Overview and the planning pages ask for the same days, 0.2-0.5 s for six countries over
    eighteen years at 2 M rows."""
    try:
        frames = [f(country, first, last) for f in (holidays_in_range, holiday_eves)]
    except (ForecastInputError, NotImplementedError, KeyError, ValueError) as exc:
        logger.info("no holidays for %s: %s", country, exc)
        return ()
    return tuple(sorted({d.date() for f in frames for d in f["date"]}))


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
