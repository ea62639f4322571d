"""The Overview's cached computations, shared by the page and the server's warm-up (UI layer).

They live in a module rather than in the page script so that one function object, and so one
cache entry, serves both: ``serve.py`` computes the default overview while the first visitor's
browser is still loading, and the page then finds it cached.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.common import DEFAULT_PERIOD_DAYS, get_store
from data.access import Principal, Role
from data.forecast_runs import list_runs
from data.queue_settings import load_queue_settings, settings_version
from data.schedules import current_staff, schedules_version
from overview import Overview, build_overview
from overview.sources import MAX_RUNS, latest_forecast
from services.planning import queue_setups

#: Who reads the inputs when no visitor is there yet (the warm-up at server start). A manager
#: sees what the overview needs: forecasts, contacts, agents and absences without their type.
WARM_UP_VIEWER = Principal("crewcast", Role.MANAGER, "Crewcast (server start)")


def inputs_key(version: int, viewer: Principal) -> tuple:
    """What the caches below are keyed on: the session's data version (imports), the saved
    runs, the published schedules and the queue settings, so a forecast saved, a schedule
    published or a handle time set in any session shows on every Overview at once (a few ms)."""
    store = get_store()
    runs = list_runs(store, viewer)
    saved = tuple(int(i) for i in runs["id"].head(MAX_RUNS)) if len(runs) else ()
    return version, saved, schedules_version(store), settings_version(store)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def compute(
    key: tuple, start: dt.date, end: dt.date, _viewer: Principal
) -> tuple[Overview | None, dict]:
    """The overview of ``start..end``, once per :func:`inputs_key`, shared by every role that
    may see it: its inputs do not depend on the role, and the page has checked the viewer."""
    store = get_store()
    daily, runs = latest_forecast(store, _viewer, cover=(start, end))
    if daily.empty:
        return None, runs
    overview = build_overview(
        daily,
        store.load("contacts", _viewer),
        store.load("agents", _viewer),
        store.load("absences", _viewer),
        start=start,
        end=end,
        scheduled=current_staff(store, _viewer, start, end),
        setups=queue_setups(load_queue_settings(store, _viewer)),
    )
    return overview, runs


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def strain(key: tuple, start: dt.date, end: dt.date, _viewer: Principal):
    """Team strain now, and what covering the period's gap with overtime would add."""
    from overview.strain import gap_strain
    from services.flags import team_strain  # scipy's statistics load only for those who see this

    overview, _ = compute(key, start, end, _viewer)
    store = get_store()
    return team_strain(store, _viewer), gap_strain(store, _viewer, overview.weeks)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def forecast_days(key: tuple, today: dt.date, _viewer: Principal) -> tuple[dt.date, dt.date] | None:
    """The days the overview can show: from today (or the forecast's first day, when the saved
    forecast lies wholly before or after today, as with data uploaded from an older period) to
    the forecast's last day; None with no saved forecast."""
    daily, _ = latest_forecast(get_store(), _viewer)
    if daily.empty:
        return None
    dates = daily["date"]
    first, last = dates.min().date(), dates.max().date()
    return (today if first <= today <= last else first), last


def warm_up(today: dt.date | None = None) -> None:
    """Open the database and work out what a new session's first Overview asks for (data
    version 0, the saved runs, the default planning period), team strain included, into the
    caches above.

    ``serve.py`` calls this in a background thread as the server starts.
    """
    key = inputs_key(0, WARM_UP_VIEWER)  # 0: a new session's data version
    today = today or dt.date.today()
    days = forecast_days(key, today, WARM_UP_VIEWER)
    if days is None:
        return
    first, last = days
    end = min(last, first + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))  # shared_period's default
    compute(key, first, end, WARM_UP_VIEWER)
    strain(key, first, end, WARM_UP_VIEWER)
