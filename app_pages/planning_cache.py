"""The forecast and requirements shared by the Staffing and Schedule pages (UI layer).

The Staffing page keeps the planner's choices in ``st.session_state["staffing_plan"]`` (see
:data:`PLAN_KEY`), a plain dict that the Schedule page reads:

``period``
    ``(start, end)``: the first and last day planned (``datetime.date``, both included), the
    shared planning period when the plan was made. It starts after the last day of history.
``forecast``
    :data:`SAVED` (the newest saved forecast of each queue, when it covers every queue and day
    of the period; otherwise a new one is fitted and :func:`plan_forecast` says why) or
    :data:`FIT` (fit the models now, on the newest data).
``countries``, ``channels``
    Tuples of str; the plan's queues are the pairs that have contacts.
``targets``
    The ``StaffingTargets`` keywords all channels share (``service_level_target``, ...).
``chat_concurrency``, ``use_upper_bound``, ``volume_share``
    int, bool (staff to the upper 80% bound), float (share of the forecast volume).

The interval forecast behind a plan is kept in session state, like the Forecast page's runs,
so that a fit can show live progress (Streamlit's data cache records element calls made inside
a cached function and cannot replay a progress bar) and both pages reuse one fit; a saved
forecast split into intervals is kept there too. The requirements, quick and pure, are cached
by their inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import current_user, data_version, formats, get_store, load_table
from data.access import Permission, Principal
from data.forecast_runs import RunInfo, list_runs
from forecasting.pipeline import ProgressCallback
from forecasting.service import split_daily_forecast
from formats import Formats
from overview.sources import MAX_RUNS, latest_forecast
from services.forecasts import BASELINE_HORIZON_DAYS, configured_scheduler, forecast_frames
from staffing.planning import (
    FORECAST_GAP_COLUMNS,
    forecast_gaps,
    forecast_to_requirements_input,
    recent_aht,
    targets_by_channel,
)
from staffing.requirements import interval_requirements

PLAN_KEY = "staffing_plan"
"""Session key of the Staffing page's choices (read by the Schedule page)."""

FORECASTS_KEY = "planning_forecasts"
"""Session key of the interval forecasts behind plans (fitted or saved), newest last."""

SAVED = "saved"
"""``plan["forecast"]``: reuse the newest saved forecast where it covers the plan."""
FIT = "fit"
"""``plan["forecast"]``: fit the forecast models now."""

#: The last day a plan may reach, in days after the history: the first start's baseline
#: forecast covers as many, so any plan of the sample can reuse it.
MAX_PERIOD_DAYS = BASELINE_HORIZON_DAYS
MAX_FORECASTS = 4
INTERVAL_MINUTES = 30


@dataclass(frozen=True)
class PlanForecast:
    """Where the forecast behind a plan comes from.

    Attributes
    ----------
    source : str
        :data:`SAVED` or :data:`FIT`: what the plan uses, after any fall-back.
    runs : dict of run id to RunInfo
        The saved runs used (empty when fitted).
    gaps : DataFrame
        ``staffing.planning.forecast_gaps`` of the newest saved forecast when the plan asked
        for it and it falls short (the plan is then fitted); empty otherwise.
    history_end : date
        The last day of the history of the plan's queues (the earliest, if they differ).
    key : tuple
        Names the interval forecast in session state and the requirements' cache.
    """

    source: str
    runs: dict[int, RunInfo]
    history_end: dt.date
    key: tuple
    gaps: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(FORECAST_GAP_COLUMNS))
    )


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _history_ends(version: int) -> dict[tuple[str, str], dt.date]:
    """The last day of contacts per (country, channel)."""
    contacts = load_table("contacts", version)
    if contacts.empty:
        return {}
    last = contacts.groupby(["country", "channel"])["ds"].max().dt.date
    return {(str(c), str(ch)): day for (c, ch), day in last.items()}


def history_end() -> dt.date | None:
    """The last day of contacts (None before any are loaded)."""
    ends = _history_ends(data_version())
    return max(ends.values()) if ends else None


def period_bounds(last_history_day: dt.date) -> tuple[dt.date, dt.date]:
    """The days a plan may cover: from the day after the history, :data:`MAX_PERIOD_DAYS` long
    (``first`` and ``last`` for ``common.shared_period``)."""
    first = last_history_day + dt.timedelta(days=1)
    return first, last_history_day + dt.timedelta(days=MAX_PERIOD_DAYS)


def plan_queues(countries: Sequence[str], channels: Sequence[str]) -> list[tuple[str, str]]:
    """The (country, channel) pairs of the choice that have contacts, in the choice's order."""
    ends = _history_ends(data_version())
    return [(c, ch) for c in countries for ch in channels if (c, ch) in ends]


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _saved_daily(
    run_ids: tuple[int, ...], period: tuple[dt.date, dt.date], _viewer: Principal
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """``overview.sources.latest_forecast``, once per set of saved runs and period (``run_ids``
    names the runs; every role that may plan may read forecasts, and the runs are the same for
    all)."""
    return latest_forecast(get_store(), _viewer, cover=period)


def saved_forecast(
    period: tuple[dt.date, dt.date],
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """Per queue, the newest saved daily forecast that spans ``period`` (else the queue's
    newest), and the runs it comes from (empty when nothing is saved or the viewer may not see
    forecasts)."""
    viewer = current_user()
    if viewer is None or not viewer.can(Permission.VIEW_FORECASTS):
        return pd.DataFrame(), {}
    runs = list_runs(get_store(), viewer)
    run_ids = tuple(int(i) for i in runs["id"].head(MAX_RUNS)) if len(runs) else ()
    if not run_ids:
        return pd.DataFrame(), {}
    return _saved_daily(run_ids, tuple(period), viewer)


def _of_queues(frame: pd.DataFrame, queues: Sequence[tuple[str, str]]) -> np.ndarray:
    """Which rows of ``frame`` belong to one of ``queues`` (country, channel)."""
    return pd.MultiIndex.from_frame(frame[["country", "channel"]]).isin(list(queues))


def saved_gaps(
    countries: Sequence[str], channels: Sequence[str], period: tuple[dt.date, dt.date]
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """What the newest saved forecast lacks for these queues and days (``forecast_gaps``),
    and the saved runs that cover them."""
    daily, runs = saved_forecast(period)
    queues = plan_queues(countries, channels)
    gaps = forecast_gaps(daily, queues, *period)
    if daily.empty:
        return gaps, {}
    mine = daily[_of_queues(daily, queues)]
    used = {i: runs[i] for i in sorted(mine["run_id"].unique())}
    return gaps, used


def plan_forecast(plan: dict[str, Any]) -> PlanForecast:
    """Where ``plan``'s forecast comes from: the saved runs it reuses, or a fit (and why).

    Raises
    ------
    ValueError
        None of the plan's queues has contacts, or the period ends before the newest data.
    """
    version = data_version()
    queues = plan_queues(plan["countries"], plan["channels"])
    if not queues:
        raise ValueError(
            f"no contacts for {', '.join(plan['countries'])} / {', '.join(plan['channels'])}"
        )
    ends = _history_ends(version)
    last_day = min(ends[q] for q in queues)
    start, end = plan["period"]
    if end <= max(ends[q] for q in queues):
        raise ValueError(
            f"the plan's period ends {formats().date(end)}, before the newest contacts: plan again"
        )
    gaps = pd.DataFrame(columns=list(FORECAST_GAP_COLUMNS))
    if plan.get("forecast", SAVED) == SAVED:
        gaps, runs = saved_gaps(plan["countries"], plan["channels"], plan["period"])
        if gaps.empty:
            key = (SAVED, version, tuple(runs), tuple(queues), start, end)
            return PlanForecast(SAVED, runs, last_day, key)
    horizon = (end - last_day).days
    key = (FIT, version, horizon, tuple(plan["countries"]), tuple(plan["channels"]))
    return PlanForecast(FIT, {}, last_day, key, gaps)


def _split_saved(source: PlanForecast, plan: dict[str, Any]) -> pd.DataFrame:
    daily, _ = saved_forecast(plan["period"])
    start, end = plan["period"]
    dates = daily["date"].dt.date
    mine = daily[_of_queues(daily, source.key[3]) & (dates >= start) & (dates <= end)]
    contacts = load_table("contacts", data_version())
    return split_daily_forecast(mine.drop(columns=["run_id"]), contacts, INTERVAL_MINUTES)


def _fit(source: PlanForecast, progress: ProgressCallback | None) -> pd.DataFrame:
    version, horizon, countries, channels = source.key[1:]
    traffic = load_table("traffic", version)
    with ThreadPoolExecutor(2) as pool:
        forecast = forecast_frames(
            load_table("contacts", version),
            horizon,
            traffic=traffic,
            countries=list(countries),
            channels=list(channels),
            model="auto",
            interval_minutes=INTERVAL_MINUTES,
            executor=pool,
            scheduler=configured_scheduler(),
            progress=progress,
        )
    return forecast.intervals


def interval_forecast(
    plan: dict[str, Any],
    progress: ProgressCallback | None = None,
    source: PlanForecast | None = None,
) -> pd.DataFrame:
    """The 30-minute forecast of the plan's queues and days: the newest saved forecast split
    into intervals, or models fitted once per session and data version.

    ``source`` is :func:`plan_forecast` of ``plan`` when the caller has it already.
    """
    source = source or plan_forecast(plan)
    held: dict[tuple, pd.DataFrame] = st.session_state.setdefault(FORECASTS_KEY, {})
    if source.key not in held:
        if source.source == SAVED:
            held[source.key] = _split_saved(source, plan)
        else:
            held[source.key] = _fit(source, progress)
        while len(held) > MAX_FORECASTS:  # oldest first: dicts keep insertion order
            held.pop(next(iter(held)))
    intervals = held[source.key]
    start, end = plan["period"]
    days = intervals["date"].dt.date
    return intervals[(days >= start) & (days <= end)]  # a fit starts the day after the history


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def recent_aht_cached(version: int, weeks: int = 8) -> pd.DataFrame:
    return recent_aht(load_table("contacts", version), weeks=weeks)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _requirements_cached(
    version: int,
    forecast_key: tuple,
    period: tuple[dt.date, dt.date],
    channels: tuple[str, ...],
    targets: dict[str, Any],
    chat_concurrency: int,
    use_upper_bound: bool,
    aht_change_pct: float,
    volume_share: float,
    _intervals: pd.DataFrame,
) -> pd.DataFrame:
    """Requirements per interval; ``forecast_key`` and ``period`` name ``_intervals`` (which
    is not hashed)."""
    frame = forecast_to_requirements_input(
        _intervals,
        recent_aht_cached(version),
        aht_change_pct=aht_change_pct,
        volume_share=volume_share,
    )
    per_channel = targets_by_channel(channels, targets, chat_concurrency)
    return interval_requirements(frame, per_channel, use_upper_bound=use_upper_bound)


def requirements_with_progress(plan: dict[str, Any], **overrides: Any) -> pd.DataFrame:
    """Requirements for ``plan`` (see :data:`PLAN_KEY`) with ``overrides`` (``targets``,
    ``aht_change_pct``); a progress bar shows while the forecast models are fitted, a spinner
    while a saved forecast is split into half hours and the staff worked out (when that takes
    over half a second)."""
    chosen = {**plan, **overrides}
    source = plan_forecast(plan)
    fitting = source.source == FIT and source.key not in st.session_state.get(FORECASTS_KEY, {})
    bar = st.progress(0.0, text="Forecasting contacts...") if fitting else None

    def progress(done: int, total: int, label: str) -> None:
        if bar is not None:
            fraction = min(done / total, 1.0) if total else 1.0
            bar.progress(fraction, text=f"Fitting models: {label} ({done} of {total})")

    try:
        if fitting:
            intervals = interval_forecast(plan, progress, source)
        else:
            with st.spinner("Splitting the forecast into half hours..."):
                intervals = interval_forecast(plan, progress, source)
    finally:
        if bar is not None:
            bar.empty()
    with st.spinner("Working out the staff each half hour needs..."):
        return _requirements_cached(
            data_version(),
            source.key,
            tuple(plan["period"]),
            tuple(plan["channels"]),
            chosen["targets"],
            int(chosen["chat_concurrency"]),
            bool(chosen["use_upper_bound"]),
            float(chosen.get("aht_change_pct", 0.0)),
            float(chosen.get("volume_share", 1.0)),
            intervals,
        )


def targets_of(plan: dict[str, Any]) -> dict:
    """The per-channel ``StaffingTargets`` the plan's requirements were computed with."""
    return targets_by_channel(plan["channels"], plan["targets"], int(plan["chat_concurrency"]))


def describe_runs(runs: dict[int, RunInfo], fmt: Formats) -> str:
    """The saved runs as the Overview names them: id, name, when and by whom, history end."""
    return "; ".join(
        f"run #{run_id} “{info.name}” (saved {fmt.date(info.created_at.date())} by "
        f"{info.created_by or 'the system'}, history to {fmt.date(info.history_end)})"
        for run_id, info in runs.items()
    )


def describe_gaps(gaps: pd.DataFrame, period: tuple[dt.date, dt.date], fmt: Formats) -> str:
    """``forecast_gaps`` in words: ``HU/voice has no saved forecast for these days; AR/voice
    lacks 6 of the 56 days (Mon, 18 Jan 2027 to Sat, 23 Jan 2027)`` (en_GB)."""
    length = (period[1] - period[0]).days + 1
    parts = []
    for row in gaps.itertuples(index=False):
        queue = f"{row.country}/{row.channel}"
        if row.missing_days == length:
            parts.append(f"{queue} has no saved forecast for these days")
        elif row.first_missing == row.last_missing:
            parts.append(f"{queue} lacks {fmt.date(row.first_missing)}")
        else:
            parts.append(
                f"{queue} lacks {fmt.number(row.missing_days)} of the {fmt.number(length)} days "
                f"({fmt.date(row.first_missing)} to {fmt.date(row.last_missing)})"
            )
    return "; ".join(parts)


def describe_period(period: tuple[dt.date, dt.date], fmt: Formats) -> str:
    """``Mon, 23 Nov 2026 to Sun, 17 Jan 2027 (56 days)`` (en_GB)."""
    start, end = period
    return f"{fmt.date(start)} to {fmt.date(end)} ({fmt.number((end - start).days + 1)} days)"


#: What each kind of file an empty page asks for holds, and who may import it (as the Data
#: page says it).
UPLOADS = {
    "contacts": (
        "country, date or interval_start, contacts; optional channel, aht_seconds",
        Permission.IMPORT_PLANNING,
        "a planner or an admin",
    ),
    "agents": (
        "agent_id; optional name, team, country, timezone, contract_hours_per_week, channels",
        Permission.IMPORT_HR,
        "HR or an admin",
    ),
}


def how_to_upload(kind: str, viewer: Principal | None) -> str:
    """Where a ``kind`` file (``contacts``, ``agents``) comes from, for a page's empty state:
    the Data page's upload if the viewer may import it (else who may), or the command line."""
    columns, permission, who = UPLOADS[kind]
    article = "an" if kind[0] in "aeiou" else "a"
    what = f"{article} **{kind}** file (CSV or Excel with {columns})"
    if viewer is not None and viewer.can(permission):
        where = f"Upload {what} under *Upload a file* on the Data page"
    else:
        where = f"{who[0].upper()}{who[1:]} uploads {what} on the Data page"
    return f"{where}, or on the server with `python cli.py import {kind} FILE`."
