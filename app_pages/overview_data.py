"""The Overview's cached computations, shared by the page and the warm-ups (UI layer).

They live in a module rather than in the page script so that one function object, and so one
cache entry, serves both: ``serve.py`` computes the default overview while the first visitor's
browser is still loading, an import starts computing the importer's next Overview as it lands
(:func:`refresh_after_import`), and the page then finds it cached, or waits for the warm-up
already under way instead of computing it a second time.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pandas as pd
import streamlit as st

from app_pages.common import DEFAULT_PERIOD_DAYS, get_store, kept_period
from data.access import AccessDenied, Permission, Principal, Role, require
from data.forecast_runs import list_runs
from data.queue_settings import load_queue_settings, settings_version
from data.schedules import current_staff, schedules_version
from data.store import LOAD_PERMISSIONS
from data.summaries import inputs_version
from overview import Overview, build_overview
from overview.sources import MAX_RUNS, latest_forecast, overview_history
from services.planning import queue_setups

#: Who reads the inputs when no visitor is there yet (the warm-up at server start). A manager
#: sees what the overview needs: forecasts, contacts, agents and absences without their type.
WARM_UP_VIEWER = Principal("crewcast", Role.MANAGER, "Crewcast (server start)")
#: Seconds the page waits for a warm-up of the same overview before computing it itself.
WAIT_FOR_WARM_UP_SECONDS = 120
WARM_UP_THREAD = "crewcast-warm-up"

logger = logging.getLogger(__name__)
# (function name, key, start, end) -> set when that warm-up has finished
_in_flight: dict[tuple, threading.Event] = {}
_in_flight_lock = threading.Lock()


def inputs_key(viewer: Principal) -> tuple:
    """What the caches below are keyed on: the database's inputs version (the newest import,
    purge, saved run, publication or settings change, from any session or the command line),
    the saved runs, the published schedules and the queue settings, so a change made anywhere
    shows on every Overview's next run (a few ms to read)."""
    store = get_store()
    runs = list_runs(store, viewer)
    saved = tuple(int(i) for i in runs["id"].head(MAX_RUNS)) if len(runs) else ()
    return inputs_version(store), saved, schedules_version(store), settings_version(store)


def contact_history(viewer: Principal | None) -> pd.DataFrame:
    """The contacts rows the Overview and the planning pages read (``overview_history``, which
    ``services.planning.plan_history`` is: each queue's recent weeks and its holidays), read
    once per inputs version for both and for every viewer allowed to read contacts (the rows
    do not depend on the role; the viewer is checked here, outside the cache). The server's
    warm-up computes the Overview, so a first Staffing visit finds them read."""
    if viewer is None:
        raise AccessDenied("sign in first")
    allowed = LOAD_PERMISSIONS["contacts"]
    if not any(viewer.can(p) for p in allowed):
        require(viewer, allowed[0])
    return _contact_history(inputs_version(get_store()))


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _contact_history(version: int) -> pd.DataFrame:
    return overview_history(get_store(), None)  # the caller checked the viewer


def _wait_for_warm_up(name: str, key: tuple, start: dt.date, end: dt.date) -> None:
    """Let a warm-up that is computing this very entry finish (it fills the cache)."""
    with _in_flight_lock:
        running = _in_flight.get((name, key, start, end))
    if running is not None and threading.current_thread().name != WARM_UP_THREAD:
        running.wait(WAIT_FOR_WARM_UP_SECONDS)


def compute(
    key: tuple, start: dt.date, end: dt.date, _viewer: Principal
) -> tuple[Overview | None, dict]:
    """The overview of ``start..end`` (see :func:`_compute`), after any warm-up computing it."""
    _wait_for_warm_up("compute", key, start, end)
    return _compute(key, start, end, _viewer)


def strain(key: tuple, start: dt.date, end: dt.date, _viewer: Principal):
    """Team strain now, and what covering the period's gap with overtime would add (see
    :func:`_strain`), after any warm-up computing it."""
    _wait_for_warm_up("strain", key, start, end)
    return _strain(key, start, end, _viewer)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _compute(
    key: tuple, start: dt.date, end: dt.date, _viewer: Principal
) -> tuple[Overview | None, dict]:
    """The overview of ``start..end``, once per :func:`inputs_key`, shared by every role that
    may see it: its inputs do not depend on the role, and the page has checked the viewer.
    Of the contacts it reads each queue's recent weeks and holidays (``overview_history``),
    not the whole table."""
    store = get_store()
    daily, runs = latest_forecast(store, _viewer, cover=(start, end))
    if daily.empty:
        return None, runs
    overview = build_overview(
        daily,
        contact_history(_viewer),
        store.load("agents", _viewer),
        store.load("absences", _viewer),
        start=start,
        end=end,
        scheduled=current_staff(store, _viewer, start, end),
        setups=queue_setups(load_queue_settings(store, _viewer)),
    )
    return overview, runs


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _strain(key: tuple, start: dt.date, end: dt.date, _viewer: Principal):
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
    """Open the database and work out what a new session's first Overview asks for (the
    stored inputs, the default planning period), team strain included, into the caches above.
    The charts' library is imported here too, so the first page run does not wait for it.

    Not the Data page's first view: reading it here too (``st.cache_data`` calls from this
    thread while a session runs) made a signed-in HR session lose its Flag review form's state
    in a browser walk, every time, for a reason not found yet (issue 18 note).

    ``serve.py`` calls this in a background thread as the server starts.
    """
    import altair  # noqa: F401  the pages' charts: a second's import off the first visit

    key = inputs_key(WARM_UP_VIEWER)
    today = today or dt.date.today()
    days = forecast_days(key, today, WARM_UP_VIEWER)
    if days is not None:
        first, last = days
        end = min(last, first + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))  # shared_period's
        _fill(key, first, end, WARM_UP_VIEWER)  # a visitor arriving meanwhile waits for it
    prime_first_run(today)


def prime_first_run(today: dt.date) -> None:
    """Load what the server's first page run would otherwise load while a visitor waits: the
    sign-in module ``app.py`` imports, Altair's Vega-Lite schema and its data conversion (one
    small chart converted and checked as ``show_chart`` does), babel's number and date data of
    the fallback locale and of the usual browser's ``en-US``, and Python's map of modules to
    files (Streamlit inspects the call stack once per process, at the first element drawn:
    0.23 s in-process, which ``inspect`` then keeps). Measured in-process after the warm-up:
    the first visit's script took 0.9-1.2 s against 0.6-0.75 s for any later new session."""
    import inspect

    import altair as alt
    import pandas as pd

    import app_pages.account  # noqa: F401  app.py's sign-in
    from app_pages.common import vega_lite_spec
    from formats import FALLBACK, Formats, date_input_format, resolve_locale, vega_locale

    chart = alt.Chart(pd.DataFrame({"day": [pd.Timestamp(today)], "n": [1.0]}))
    vega_lite_spec(chart.mark_line().encode(x="day:T", y="n:Q"))
    for locale in {FALLBACK, resolve_locale("en-US")}:
        fmt = Formats(locale)
        fmt.date(today), fmt.day(today), fmt.number(1234.5, 1), fmt.percent(0.5)
        vega_locale(locale), date_input_format(locale)
    inspect.stack()  # fills inspect's module-by-file cache for every module loaded by now


def _fill(key: tuple, start: dt.date, end: dt.date, viewer: Principal) -> None:
    """Compute the overview and its strain into the caches, marking them in flight meanwhile."""
    marks = {name: threading.Event() for name in ("compute", "strain")}
    with _in_flight_lock:
        for name, mark in marks.items():
            _in_flight[(name, key, start, end)] = mark
    try:
        overview, _ = _compute(key, start, end, viewer)
        marks["compute"].set()
        if overview is not None:
            _strain(key, start, end, viewer)
    except Exception:  # the page then computes it itself and shows what went wrong
        logger.exception("the overview's warm-up after an import failed")
    finally:
        with _in_flight_lock:
            for name, mark in marks.items():
                mark.set()
                _in_flight.pop((name, key, start, end), None)


def refresh_after_import(
    viewer: Principal, today: dt.date | None = None
) -> threading.Thread | None:
    """Start computing the Overview the importer will see next, for the data just imported.

    Called by the Data page right after an import has landed (and the data version moved on):
    the overview of the session's planning period is worked out in a background thread while
    the importer reads the import's summary, so the next Overview visit finds it cached (or
    waits for the thread rather than computing it twice). None when the viewer cannot see the
    Overview or there is no saved forecast.
    """
    if not viewer.can(Permission.VIEW_FORECASTS):
        return None
    key = inputs_key(viewer)
    days = forecast_days(key, today or dt.date.today(), viewer)
    if days is None:
        return None
    start, end = kept_period(*days)
    thread = threading.Thread(
        target=_fill, args=(key, start, end, viewer), name=WARM_UP_THREAD, daemon=True
    )
    thread.start()
    return thread
