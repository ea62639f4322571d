"""Streamlit caching around the planning service for the Staffing and Schedule pages (UI layer).

The workflow itself (forecast, intervals, requirements) is :func:`services.planning.plan_staffing`;
this module only keeps its inputs and results where Streamlit can reuse them.

The Staffing page keeps the planner's choices in ``st.session_state["staffing_plan"]`` (see
:data:`PLAN_KEY`), a plain dict that the Schedule page reads and
:meth:`services.planning.PlanRequest.from_plan` turns into the service's request:

``period``
    ``(start, end)``: the first and last day planned (``datetime.date``, both included), the
    shared planning period when the plan was made. It starts after the last day of history.
``forecast``
    :data:`SAVED` or :data:`FIT`.
``countries``, ``channels``
    Tuples of str; the plan's queues are the pairs that have contacts.
``targets``
    The ``StaffingTargets`` keywords all channels share (``service_level_target``, ...).
``chat_concurrency``, ``use_upper_bound``, ``volume_share``
    int, bool (staff to the upper 80% bound), float (share of the forecast volume).

The plan and the Schedule page's last schedule are also kept as the user's drafts in the database
(:mod:`services.drafts`): :func:`restore_drafts` puts them back into a new session (after a
reload or a new sign-in), once.

A fitted daily forecast is kept in this session's memo (``common.session_memo``), like the
Forecast page's runs, so that a fit can show live progress and a Stop button (Streamlit's data
cache records element calls made inside a cached function and cannot replay a progress bar)
and both pages reuse one fit. The plans, quick once
the forecast is there, are cached by their inputs.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import (
    current_user,
    formats,
    get_store,
    inputs_key,
    load_table,
    session_memo,
)
from app_pages.overview_data import contact_history
from data.access import AccessDenied, Permission, Principal
from data.forecast_runs import RunInfo, list_runs
from data.queue_settings import QueueSettings, load_queue_settings, settings_version
from data.summaries import series_ends
from formats import Formats
from overview.sources import MAX_RUNS, latest_forecast
from services import drafts
from services import planning as service
from services.forecasts import configured_scheduler
from services.planning import (
    FIT,
    SAVED,
    ForecastSource,
    PlanInputs,
    PlanRequest,
    StaffingPlan,
    forecast_source,
    queue_setups,
)
from staffing.exports import ScheduleOutputs
from staffing.planning import files_under, targets_by_channel, zip_files

__all__ = ["FIT", "SAVED"]

PLAN_KEY = "staffing_plan"
"""Session key of the Staffing page's choices (read by the Schedule page)."""

#: Where the Schedule page keeps its last schedule (see :func:`schedule_result`).
SCHEDULE_RESULT_KEY = "schedule_result"
#: Session keys: the user whose drafts were looked for in this session; when the plan shown was
#: restored from a draft (UTC), cleared once the planner plans again or discards it; the plan
#: whose forecast fit the planner stopped (it is not fitted again until planned again).
DRAFTS_CHECKED_KEY = "drafts_checked"
PLAN_RESTORED_KEY = "staffing_plan_restored_at"
STOPPED_KEY = "planning_fit_stopped"

#: The Schedule page's downloadable bundles of calendars: file name and folder of the files.
CALENDAR_ZIPS = {
    "calendars_agents.zip": "calendars/agents/",
    "calendars_teams.zip": "calendars/teams/",
}

LOG = logging.getLogger(__name__)

FORECASTS_KEY = "planning_forecasts"
"""``session_memo`` name of the daily forecasts fitted for plans (the newest
:data:`MAX_FORECASTS`)."""

#: The last day a plan may reach, in days after the history (read at every call: tests
#: shorten it).
MAX_PERIOD_DAYS = service.MAX_PERIOD_DAYS
MAX_FORECASTS = 4

#: Where a plan's forecast comes from (kept under this name for the pages).
PlanForecast = ForecastSource


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _history_ends(version: tuple[int, int]) -> dict[tuple[str, str], dt.date]:
    """The last day of contacts per (country, channel), by index seeks in the database (one
    row per queue read, not every contact row)."""
    viewer = current_user()
    if viewer is None:
        raise AccessDenied("sign in first")
    return series_ends(get_store(), viewer)


def history_end() -> dt.date | None:
    """The last day of contacts (None before any are loaded)."""
    ends = _history_ends(inputs_key())
    return max(ends.values()) if ends else None


def period_bounds(last_history_day: dt.date) -> tuple[dt.date, dt.date]:
    """The days a plan may cover: from the day after the history, :data:`MAX_PERIOD_DAYS` long
    (``first`` and ``last`` for ``common.shared_period``)."""
    first = last_history_day + dt.timedelta(days=1)
    return first, last_history_day + dt.timedelta(days=MAX_PERIOD_DAYS)


def plan_queues(countries: Sequence[str], channels: Sequence[str]) -> list[tuple[str, str]]:
    """The (country, channel) pairs of the choice that have contacts, in the choice's order."""
    ends = _history_ends(inputs_key())
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


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _stored_settings(
    version: tuple[int, str], _viewer: Principal
) -> dict[tuple[str, str], QueueSettings]:
    return load_queue_settings(get_store(), _viewer)


def queue_settings() -> dict[tuple[str, str], QueueSettings]:
    """The stored queue settings (handle time, opening hours, profile) the viewer may read."""
    viewer = current_user()
    if viewer is None or not viewer.can(Permission.VIEW_STAFFING):
        return {}
    return _stored_settings(settings_version(get_store()), viewer)


def contact_queues() -> tuple[list[str], list[str]]:
    """The countries and the channels that have contacts (from the last days per queue, read
    in the database: the page never loads the contact rows for its choices)."""
    ends = _history_ends(inputs_key())
    return sorted({c for c, _ in ends}), sorted({ch for _, ch in ends})


def plan_history() -> pd.DataFrame:
    """The contacts rows plans read (``services.planning.plan_history``: each queue's recent
    weeks and its holidays, a few percent of the table): the Overview's read of the same rows,
    one cache entry for both pages (``overview_data.contact_history``)."""
    return contact_history(current_user())


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _queue_table(
    version: tuple[int, int], settings: tuple, _stored: dict[tuple[str, str], QueueSettings]
) -> pd.DataFrame:
    return service.queue_settings_table(plan_history(), _stored)


def queue_table() -> pd.DataFrame:
    """What each queue with contacts is planned with (``services.planning.queue_settings_table``),
    once per data version and stored settings: a rerun copies the small table out of the cache,
    not the contact rows."""
    stored = queue_settings()
    key = tuple(sorted((k, repr(v)) for k, v in stored.items()))
    return _queue_table(inputs_key(), key, stored)


def plan_inputs(period: tuple[dt.date, dt.date]) -> PlanInputs:
    """The service's inputs for a plan of ``period``, from the cached loaders: the rows plans
    read, not the whole contacts table (a fit reads its daily totals: :func:`fit_inputs`)."""
    version = inputs_key()
    daily, runs = saved_forecast(period)
    traffic = load_table("traffic", version)
    return PlanInputs(
        contacts=plan_history(),
        traffic=traffic if not traffic.empty else None,
        saved_daily=daily,
        saved_runs=runs,
        setups=queue_setups(queue_settings()),
        recent_only=True,
    )


def fit_inputs(source: ForecastSource, inputs: PlanInputs) -> PlanInputs:
    """``inputs`` with the daily totals a fit of ``source`` reads, summed in the database
    (read only when a fit runs: the fitted forecast is kept in the session)."""
    viewer = current_user()
    if viewer is None:
        raise AccessDenied("sign in first")
    return replace(inputs, daily_totals=service.fit_history(get_store(), viewer, source))


def request_of(plan: dict[str, Any], **overrides: Any) -> PlanRequest:
    """The service's request for the page's ``plan`` dict (see :data:`PLAN_KEY`)."""
    return PlanRequest.from_plan(plan, max_period_days=MAX_PERIOD_DAYS, **overrides)


def saved_gaps(
    countries: Sequence[str], channels: Sequence[str], period: tuple[dt.date, dt.date]
) -> tuple[pd.DataFrame, dict[int, RunInfo]]:
    """What the newest saved forecast lacks for these queues and days (``forecast_gaps``),
    and the saved runs that cover them."""
    if not plan_queues(countries, channels):
        return pd.DataFrame(), {}
    request = PlanRequest(tuple(period), tuple(countries), tuple(channels), forecast=SAVED,
                          max_period_days=MAX_PERIOD_DAYS)  # fmt: skip
    source = source_of(request)
    if source.source == SAVED:
        return source.gaps, dict(source.runs)
    inputs = plan_inputs(period)
    daily = inputs.saved_daily
    if daily.empty:
        return source.gaps, {}
    queues = plan_queues(countries, channels)
    mine = daily[pd.MultiIndex.from_frame(daily[["country", "channel"]]).isin(queues)]
    return source.gaps, {int(i): inputs.saved_runs[int(i)] for i in sorted(mine["run_id"].unique())}


def plan_forecast(plan: dict[str, Any]) -> ForecastSource:
    """Where ``plan``'s forecast comes from: the saved runs it reuses, or a fit (and why), and
    the days of each queue.

    Raises
    ------
    ValueError
        None of the plan's queues has contacts.
    """
    return source_of(request_of(plan))


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _source_cached(
    version: tuple[int, int], request_key: tuple, locale: str, viewer: Principal | None,
    _request: PlanRequest,
) -> ForecastSource:  # fmt: skip
    """``forecast_source`` once per data version, request, locale and viewer (the saved
    forecasts a viewer may read depend on the role)."""
    return forecast_source(_request, plan_inputs(_request.period), formats())


def source_of(request: PlanRequest) -> ForecastSource:
    """Where ``request``'s forecast comes from (``services.planning.forecast_source``), worked
    out once per data version: a rerun asks three or four times (the form's note, the page,
    the plan and its what-if) and found the same each time, 25 ms a call at 2 M rows."""
    fmt = formats()
    return _source_cached(inputs_key(), _request_key(request), fmt.locale, current_user(), request)


def _request_key(request: PlanRequest) -> tuple:
    """``request`` as a hashable tuple (its ``targets`` is a dict)."""
    return (
        request.period,
        request.countries,
        request.channels,
        tuple(sorted(request.targets.items())),
        request.forecast,
        int(request.chat_concurrency),
        bool(request.use_upper_bound),
        float(request.volume_share),
        float(request.aht_change_pct),
        int(request.interval_minutes),
        int(request.max_period_days),
    )


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _plan_cached(
    version: int,
    settings: tuple[int, str],
    forecast_key: tuple,
    request_key: tuple,
    locale: str,
    _request: PlanRequest,
    _source: ForecastSource,
    _fitted: pd.DataFrame | None,
) -> StaffingPlan:
    """``plan_staffing`` once per data version, queue settings, forecast and request (the
    underscored arguments are what the keys name; the inputs are gathered only when the plan
    is not cached yet)."""
    inputs = plan_inputs(_request.period)
    if _fitted is not None:
        inputs = replace(inputs, fitted_daily=_fitted)
    return service.plan_staffing(_request, inputs, source=_source, fmt=formats())


class FitStopped(ValueError):
    """The planner pressed Stop while the plan's forecast was being fitted: nothing was kept."""


def _stop_fit(plan: dict[str, Any]) -> None:
    """``on_click`` of the Stop button: runs before the rerun the click starts, which
    interrupts the fit (Streamlit stops a script run when a widget is used)."""
    st.session_state[STOPPED_KEY] = plan


def fit_stopped(plan: dict[str, Any] | None) -> bool:
    """True when ``plan``'s forecast fit was stopped and it has not been planned again since."""
    return plan is not None and st.session_state.get(STOPPED_KEY) == plan


def clear_stopped() -> None:
    """Forget a stopped fit (the planner planned again)."""
    st.session_state.pop(STOPPED_KEY, None)


def _fit_with_stop(
    plan: dict[str, Any], source: ForecastSource, inputs: PlanInputs
) -> pd.DataFrame:
    """The daily forecast of ``source``, fitted in a thread pool with a progress bar and a Stop
    button.

    Pressing Stop reruns the script: Streamlit raises its rerun exception in this thread at the
    next progress update, and the pool's queued jobs are cancelled (the one or two running
    finish in the background, their results dropped). Nothing is stored: the caller keeps the
    forecast only when this returns.
    """
    controls = st.empty()
    controls.button(
        "Stop",
        key="planning_stop",
        icon=":material/stop_circle:",
        on_click=_stop_fit,
        args=(plan,),
        help="Stop fitting the forecast; nothing is kept, and the plan is not made.",
    )
    bar = st.progress(0.0, text="Forecasting contacts...")

    def progress(done: int, total: int, label: str) -> None:
        fraction = min(done / total, 1.0) if total else 1.0
        bar.progress(fraction, text=f"Fitting models: {label} ({done} of {total})")

    pool = ThreadPoolExecutor(2)
    try:
        daily = service.fit_daily(
            source, inputs, progress=progress, executor=pool, scheduler=configured_scheduler()
        )
    except BaseException:  # Stop (Streamlit's rerun), a closed tab, or an error
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    bar.empty()
    controls.empty()
    return daily


def staffing_plan_with_progress(plan: dict[str, Any], **overrides: Any) -> StaffingPlan:
    """:func:`keyed_plan_with_progress`'s plan."""
    return keyed_plan_with_progress(plan, **overrides)[0]


def keyed_plan_with_progress(plan: dict[str, Any], **overrides: Any) -> tuple[StaffingPlan, tuple]:
    """The plan of ``plan`` (see :data:`PLAN_KEY`) with ``overrides`` (``targets``,
    ``aht_change_pct``); a progress bar shows while the forecast models are fitted, a spinner
    while the forecast is split into half hours and the staff worked out. With it the key
    that names it (:func:`plan_key`).

    Raises
    ------
    FitStopped
        The planner stopped the fit (now, or earlier for this same plan).
    ValueError
        What the service refuses (no handle time, no contacts, targets out of range), with
        its message.
    """
    request, source, names = _plan_key(plan, overrides)
    key = names[2]

    def fit() -> pd.DataFrame:
        inputs = plan_inputs(request.period)
        service.require_handle_times(source, inputs)  # a missing AHT is said before a fit
        if fit_stopped(plan):
            raise FitStopped("the forecast fit was stopped; plan again to fit it")
        return _fit_with_stop(plan, source, fit_inputs(source, inputs))

    fitted = None
    if source.source == FIT:
        fitted = session_memo(FORECASTS_KEY, key, fit, keep=MAX_FORECASTS)
    with st.spinner("Working out the staff each half hour needs..."):
        return _plan_cached(*names, request, source, fitted), names


def _plan_key(
    plan: dict[str, Any], overrides: dict[str, Any]
) -> tuple[PlanRequest, ForecastSource, tuple]:
    """The request and forecast source of ``plan`` with ``overrides``, and the key
    :func:`_plan_cached` keeps its plan under."""
    version = inputs_key()
    request = request_of(plan, **overrides)
    source = source_of(request)
    names = (
        version,
        settings_version(get_store()),
        (version, source.key),
        _request_key(request),
        formats().locale,
    )
    return request, source, names


def plan_key(plan: dict[str, Any], **overrides: Any) -> tuple:
    """Names the plan :func:`staffing_plan_with_progress` gives for the same arguments (data
    version, queue settings, forecast, request, locale): equal keys, equal plans, so a page
    can keep what it derives from a plan under it instead of hashing the plan's frames."""
    return _plan_key(plan, overrides)[2]


def requirements_with_progress(plan: dict[str, Any], **overrides: Any) -> pd.DataFrame:
    """The requirements per interval of :func:`staffing_plan_with_progress`."""
    return staffing_plan_with_progress(plan, **overrides).requirements


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
    return f"{where}, or on the server with `.venv/bin/crewcast import {kind} FILE`."


# --- drafts: the plan and the last schedule, back after a reload -----------------------------


def schedule_result(
    plan: dict[str, Any],
    outputs: ScheduleOutputs,
    week_start: dt.date,
    settings: dict[str, Any],
    restored_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the Schedule page keeps of a schedule under :data:`SCHEDULE_RESULT_KEY`."""
    return {
        "plan": plan,  # the Staffing page compares its plan with this one
        "outputs": outputs,
        "week_start": week_start,
        "settings": settings,  # stored with the schedule when it is published
        "zips": {  # without a roster there are no calendars: no empty zip files either
            name: zip_files(outputs.files, under=under)
            for name, under in CALENDAR_ZIPS.items()
            if files_under(outputs.files, under)
        },
        "restored_at": restored_at,
        "made": uuid.uuid4().hex,  # names this schedule for what pages keep of it
    }


def restore_drafts() -> None:
    """Once per session and user, put the user's drafts back: the staffing plan (else the plan
    of the schedule draft) and the unpublished schedule, where the session has none of its own.

    A session that changes hands (signed out, another user signed in, in the same tab) first
    drops the previous user's plan and schedule: they are theirs, not the new user's.
    """
    viewer = current_user()
    username = None if viewer is None else viewer.username
    checked = st.session_state.get(DRAFTS_CHECKED_KEY, ())
    if checked and checked[0] == username:
        return
    if checked:  # another user had this session
        for key in (PLAN_KEY, SCHEDULE_RESULT_KEY, PLAN_RESTORED_KEY, STOPPED_KEY):
            st.session_state.pop(key, None)
    st.session_state[DRAFTS_CHECKED_KEY] = (username,)
    store = get_store()
    try:
        plan = drafts.restore_plan(store, viewer)
        schedule = drafts.restore_schedule(store, viewer)
    except (AccessDenied, drafts.DraftError) as exc:  # never a traceback for a draft
        LOG.warning("drafts of %s not restored: %s", username, exc)
        return
    if plan is not None and st.session_state.get(PLAN_KEY) is None:
        st.session_state[PLAN_KEY] = plan.plan
        st.session_state[PLAN_RESTORED_KEY] = plan.saved_at
    if schedule is not None and st.session_state.get(SCHEDULE_RESULT_KEY) is None:
        st.session_state[SCHEDULE_RESULT_KEY] = schedule_result(
            schedule.plan,
            schedule.outputs,
            schedule.week_start,
            schedule.settings,
            restored_at=schedule.saved_at,
        )
        if st.session_state.get(PLAN_KEY) is None:
            st.session_state[PLAN_KEY] = schedule.plan


def describe_moment(moment: dt.datetime, fmt: Formats) -> str:
    """``Mon 24 Nov 2026, 09:30`` in the browser's time zone, else ``..., 09:30 UTC``."""
    try:
        zone = zoneinfo.ZoneInfo(st.context.timezone or "")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return f"{fmt.timestamp(moment.astimezone(dt.UTC))} UTC"
    return fmt.timestamp(moment.astimezone(zone))
