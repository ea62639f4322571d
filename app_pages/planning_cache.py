"""Cached loaders shared by the Staffing and Schedule pages (UI layer: caching around pure calls).

The Staffing page keeps the planner's choices in ``st.session_state["staffing_plan"]`` (a plain
dict of the arguments of :func:`interval_requirements_cached`); the Schedule page reads it, so
both pages hit the same cache entries and the forecast is fitted once.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import data_version, load_table
from forecasting.pipeline import ProgressCallback
from forecasting.service import forecast_contacts
from staffing.planning import forecast_to_requirements_input, recent_aht, targets_by_channel
from staffing.requirements import interval_requirements

PLAN_KEY = "staffing_plan"
"""Session key of the Staffing page's choices (read by the Schedule page)."""

INTERVAL_MINUTES = 30


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def interval_forecast_cached(
    version: int,
    horizon_days: int,
    countries: tuple[str, ...],
    channels: tuple[str, ...],
    _progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Interval forecast (30 minutes) of the chosen series; ``_progress`` is not hashed."""
    contacts = load_table("contacts", version)
    traffic = load_table("traffic", version)
    with ThreadPoolExecutor(2) as pool:
        forecast = forecast_contacts(
            contacts,
            int(horizon_days),
            traffic=traffic if not traffic.empty else None,
            countries=list(countries),
            channels=list(channels),
            model="auto",
            interval_minutes=INTERVAL_MINUTES,
            executor=pool,
            progress=_progress,
        )
    return forecast.intervals


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def recent_aht_cached(version: int, weeks: int = 8) -> pd.DataFrame:
    return recent_aht(load_table("contacts", version), weeks=weeks)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def interval_requirements_cached(
    version: int,
    horizon_days: int,
    countries: tuple[str, ...],
    channels: tuple[str, ...],
    targets: dict[str, Any],
    chat_concurrency: int,
    use_upper_bound: bool,
    aht_change_pct: float = 0.0,
    _progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Requirements per interval for the chosen series.

    ``targets`` are keyword arguments of ``StaffingTargets`` (plain values, so they hash);
    chat channels get ``chat_concurrency``.
    """
    intervals = interval_forecast_cached(version, horizon_days, countries, channels, _progress)
    frame = forecast_to_requirements_input(
        intervals, recent_aht_cached(version), aht_change_pct=aht_change_pct
    )
    per_channel = targets_by_channel(channels, targets, chat_concurrency)
    return interval_requirements(frame, per_channel, use_upper_bound=use_upper_bound)


def requirements_with_progress(plan: dict[str, Any], **overrides: Any) -> pd.DataFrame:
    """Cached requirements for ``plan`` (see :data:`PLAN_KEY`), with a progress bar while fitting."""
    bar = st.progress(0.0, text="Forecasting contacts...")
    # The callback runs inside the cached functions, which record every element call for
    # replay on a cache hit; a bar made outside cannot be replayed (CacheReplayClosureError).
    # Updating it in the page's own context (taken here, outside the cache) keeps the update
    # live and out of the cached record.
    outside = contextvars.copy_context()

    def progress(done: int, total: int, label: str) -> None:
        fraction = min(done / total, 1.0) if total else 1.0
        outside.run(bar.progress, fraction, text=f"Fitting models: {label}")

    try:
        return interval_requirements_cached(
            data_version(), **{**plan, **overrides}, _progress=progress
        )
    finally:
        bar.empty()
