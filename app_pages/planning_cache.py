"""The forecast and requirements shared by the Staffing and Schedule pages (UI layer).

The Staffing page keeps the planner's choices in ``st.session_state["staffing_plan"]`` (a plain
dict: ``horizon_days, countries, channels, targets, chat_concurrency, use_upper_bound`` and
``volume_share``); the Schedule page reads it. The interval forecast behind a plan is kept in
session state, like the Forecast page's runs, so that a fit can show live progress (Streamlit's
data cache records element calls made inside a cached function and cannot replay a progress
bar) and both pages reuse one fit. The requirements, quick and pure, are cached by their inputs.
"""

from __future__ import annotations

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

FORECASTS_KEY = "planning_forecasts"
"""Session key of the interval forecasts fitted for plans, newest last."""

MAX_FORECASTS = 4
INTERVAL_MINUTES = 30


def _forecast_key(version: int, plan: dict[str, Any]) -> tuple:
    return (version, int(plan["horizon_days"]), tuple(plan["countries"]), tuple(plan["channels"]))


def has_forecast(plan: dict[str, Any]) -> bool:
    """True when this session already holds the interval forecast behind ``plan``."""
    return _forecast_key(data_version(), plan) in st.session_state.get(FORECASTS_KEY, {})


def interval_forecast(
    plan: dict[str, Any], progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """The 30-minute forecast of the plan's queues: fitted once per session and data version."""
    version = data_version()
    key = _forecast_key(version, plan)
    held: dict[tuple, pd.DataFrame] = st.session_state.setdefault(FORECASTS_KEY, {})
    if key not in held:
        traffic = load_table("traffic", version)
        with ThreadPoolExecutor(2) as pool:
            forecast = forecast_contacts(
                load_table("contacts", version),
                key[1],
                traffic=traffic if not traffic.empty else None,
                countries=list(key[2]),
                channels=list(key[3]),
                model="auto",
                interval_minutes=INTERVAL_MINUTES,
                executor=pool,
                progress=progress,
            )
        held[key] = forecast.intervals
        while len(held) > MAX_FORECASTS:  # oldest first: dicts keep insertion order
            held.pop(next(iter(held)))
    return held[key]


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def recent_aht_cached(version: int, weeks: int = 8) -> pd.DataFrame:
    return recent_aht(load_table("contacts", version), weeks=weeks)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _requirements_cached(
    forecast_key: tuple,
    targets: dict[str, Any],
    chat_concurrency: int,
    use_upper_bound: bool,
    aht_change_pct: float,
    volume_share: float,
    _intervals: pd.DataFrame,
) -> pd.DataFrame:
    """Requirements per interval; ``forecast_key`` names ``_intervals`` (which is not hashed)."""
    version, channels = forecast_key[0], forecast_key[3]
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
    ``aht_change_pct``); a progress bar shows while the forecast models are fitted."""
    chosen = {**plan, **overrides}
    bar = None if has_forecast(plan) else st.progress(0.0, text="Forecasting contacts...")

    def progress(done: int, total: int, label: str) -> None:
        if bar is not None:
            fraction = min(done / total, 1.0) if total else 1.0
            bar.progress(fraction, text=f"Fitting models: {label} ({done}/{total})")

    try:
        intervals = interval_forecast(plan, progress)
    finally:
        if bar is not None:
            bar.empty()
    return _requirements_cached(
        _forecast_key(data_version(), plan),
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
