"""Staffing page: agents each half hour needs to hit the service targets, what-ifs, and how
the schedule made for the plan compares with it."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    amount_column,
    demo_mode,
    formats,
    get_store,
    kept_or,
    render_restored_notice,
    require_page,
    session_memo,
    share_column,
    shared_period,
    show_built_chart,
)
from app_pages.planning_cache import (
    FIT,
    PLAN_KEY,
    PLAN_RESTORED_KEY,
    SAVED,
    SCHEDULE_RESULT_KEY,
    FitStopped,
    PlanForecast,
    clear_stopped,
    contact_queues,
    describe_gaps,
    describe_moment,
    describe_period,
    describe_runs,
    history_end,
    how_to_upload,
    keyed_plan_with_progress,
    period_bounds,
    plan_forecast,
    queue_settings,
    queue_table,
    restore_drafts,
    saved_gaps,
    targets_of,
)
from data.access import AccessDenied, Permission
from data.queue_settings import save_queue_settings
from data.schedules import current_staff
from data.validation import validate_file
from overview import FTE_HOURS, fte_per_week
from services import drafts
from services.planning import StaffingPlan
from staffing.erlang import DEFAULT_TARGETS
from staffing.exports import frame_to_csv
from staffing.planning import (
    gap_summary,
    requirements_summary,
    scheduled_vs_required,
    staff_hours,
    staff_on_shift,
    targets_by_channel,
    what_if_difference,
    with_time_of_day,
)
from staffing.profiles import DEFAULT_OPENING, QueueSetup

viewer = require_page(Permission.VIEW_STAFFING)
fmt = formats()

# Comments, not attribute docstrings: Streamlit's magic would write a bare string on the page.
#: First plan on the bundled sample: one country's voice queue, quick to plan and schedule.
SAMPLE_DEFAULTS = {"channels": ("voice",)}

STAFF_TO = ("forecast", "upper 80% bound")
FORECAST_CHOICES = {SAVED: "Newest saved forecast", FIT: "Fit a new forecast now"}

# Table numbers come from common.amount_column (the browser's grouping and decimal sign, whole
# numbers unless decimals= says otherwise); shares from common.share_column (one decimal, 80.4%).
HELP_SERVICE_LEVEL = (
    "Share of contacts answered within the answer time, averaged over the half hours "
    "weighted by their contacts."
)
HELP_ASA = (
    "Average speed of answer: the mean wait of all contacts in seconds, answered late or not."
)
HELP_OCCUPANCY = (
    "Share of the agents' time on the queue spent handling contacts; the rest they wait for "
    "the next one. Much above 85% people burn out."
)
HELP_STAFF_HOURS = (
    "Hours of paid staff to put on the schedule: the staff each half hour needs, shrinkage "
    "included, times half an hour, summed."
)
SUMMARY_COLUMNS = {
    "country": st.column_config.TextColumn("Country"),
    "channel": st.column_config.TextColumn("Channel"),
    "contacts": amount_column("Contacts planned", "Forecast contacts in the plan."),
    "staff_hours": amount_column("Staff to schedule (staff-h)", HELP_STAFF_HOURS),
    "peak_staff": amount_column(
        "Peak staff (agents)", "Most staff to schedule in one half hour (shrinkage included)."
    ),
    "service_level": share_column("Service level", HELP_SERVICE_LEVEL),
    "asa_seconds": amount_column("ASA (s)", HELP_ASA, decimals=1),
    "occupancy": share_column("Occupancy", HELP_OCCUPANCY),
}


#: What the requirement heatmap draws or shows in its tooltip, besides the day and time.
HEATMAP_FIELDS = (
    "interval_start",
    "planned_contacts",
    "agents",
    "required_staff",
    "service_level",
    "asa_seconds",
    "occupancy",
)


# What the page derives from a plan's requirements, kept under the plan's key
# (``planning_cache.plan_key``: equal keys, equal requirements), not hashed from the frames: a
# rerun that shows the same plan (a page switch, a what-if change) took 0.2-0.3 s for these
# at 2 M rows under load.
@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def summary_of(key: tuple, _requirements: pd.DataFrame) -> pd.DataFrame:
    return requirements_summary(_requirements)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def difference_of(
    key: tuple, scenario_key: tuple, _baseline: pd.DataFrame, _scenario: pd.DataFrame
) -> pd.DataFrame:
    return what_if_difference(_baseline, _scenario)


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def requirements_csv(key: tuple, _requirements: pd.DataFrame) -> bytes:
    return frame_to_csv(_requirements, excel_bom=True)


def queue_heatmap(requirements: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """:func:`heatmap_chart` of one queue's requirements (``common.show_built_chart``'s
    builder)."""
    return heatmap_chart(with_time_of_day(requirements))


#: Up to this many days the heatmap writes the staff in every cell (rows are tall enough).
LABELLED_DAYS = 14


def heatmap_chart(frame: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """Day x time-of-day rectangles, darker for more staff to schedule, a row per day; up to
    :data:`LABELLED_DAYS` days the number is written in each cell too."""
    days = frame["interval_start"].dt.normalize().nunique()
    # Only the fields drawn: the chart's data travel to the browser inside its spec.
    frame = frame[["day", "time_of_day", *HEATMAP_FIELDS]]
    base = alt.Chart(frame).encode(
        x=alt.X("time_of_day:O", title="Time of day", axis=alt.Axis(labelAngle=-90)),
        y=alt.Y("day:O", title="Date", timeUnit="yearmonthdate", axis=alt.Axis(format="%a %d %b")),
        tooltip=[
            alt.Tooltip("interval_start:T", title="Interval", format="%a %d %b %H:%M"),
            alt.Tooltip("planned_contacts:Q", title="Contacts", format=",.1f"),
            alt.Tooltip("agents:Q", title="Agents on queue", format=",.0f"),
            alt.Tooltip("required_staff:Q", title="Staff to schedule", format=",.0f"),
            alt.Tooltip("service_level:Q", title="Service level", format=".1%"),
            alt.Tooltip("asa_seconds:Q", title="ASA (s)", format=",.1f"),
            alt.Tooltip("occupancy:Q", title="Occupancy", format=".0%"),
        ],
    )
    # one hue, light to dark: the amount reads from the lightness, not the colour
    cells = base.mark_rect().encode(
        color=alt.Color(
            "required_staff:Q", title="Staff to schedule", scale=alt.Scale(scheme="blues")
        )
    )
    height = max(320, 10 * days)  # eight weeks stay readable
    if days > LABELLED_DAYS:
        return cells.properties(height=height)
    top = float(frame["required_staff"].max() or 1)
    labels = base.mark_text(fontSize=9).encode(
        text=alt.Text("required_staff:Q", format=",.0f"),
        color=alt.condition(
            f"datum.required_staff > {top / 2}", alt.value("white"), alt.value("black")
        ),
    )
    return alt.layer(cells, labels).properties(height=height)


GAP_COLUMNS = {
    "country": st.column_config.TextColumn("Country"),
    "channel": st.column_config.TextColumn("Channel"),
    "required_hours": amount_column("Required (staff-h)", HELP_STAFF_HOURS),
    "scheduled_hours": amount_column(
        "Scheduled (staff-h)", "Hours of staff the schedule puts on the half hours of its week."
    ),
    "short_hours": amount_column(
        "Short (staff-h)",
        "Staff-hours below the requirement, summed over the half hours short of staff "
        "(hours over it elsewhere do not make up for them).",
        decimals=1,
    ),
    "understaffed_intervals": amount_column(
        "Short half hours", "Half hours with fewer staff scheduled than required."
    ),
    "unstable_intervals": amount_column(
        "Overloaded half hours",
        "Fewer agents on the queue than Erlangs of traffic (contacts x handle time / "
        "30 min): the queue never clears.",
    ),
    "service_level": share_column(
        "Projected service level",
        HELP_SERVICE_LEVEL + " Projected with the scheduled staff less shrinkage.",
    ),
    "asa_seconds": amount_column(
        "Projected ASA (s)", HELP_ASA + " Over the half hours that are not overloaded.", decimals=1
    ),
    "occupancy": share_column("Projected occupancy", HELP_OCCUPANCY),
}


def gap_chart(gaps: pd.DataFrame) -> alt.LayerChart:
    """Day x time-of-day cells coloured by scheduled - required (red short, blue over), with the
    gap written in every cell that has one, so it reads without the colours too."""
    reach = max(float(gaps["gap"].abs().max()), 1.0)
    base = alt.Chart(gaps).encode(
        x=alt.X("time_of_day:O", title="Time of day", axis=alt.Axis(labelAngle=-90)),
        y=alt.Y("day:O", title="Date", timeUnit="yearmonthdate", axis=alt.Axis(format="%a %d %b")),
        tooltip=[
            alt.Tooltip("interval_start:T", title="Interval", format="%a %d %b %H:%M"),
            alt.Tooltip("planned_contacts:Q", title="Contacts", format=",.1f"),
            alt.Tooltip("required_staff:Q", title="Staff required", format=",.0f"),
            alt.Tooltip("scheduled_staff:Q", title="Staff scheduled", format=",.1~f"),
            alt.Tooltip("gap:Q", title="Scheduled − required", format="+,.1~f"),
            alt.Tooltip("on_queue_agents:Q", title="Agents on queue", format=",.1~f"),
            alt.Tooltip("service_level:Q", title="Projected service level", format=".1%"),
            alt.Tooltip("asa_seconds:Q", title="Projected ASA (s)", format=",.1f"),
            alt.Tooltip("occupancy:Q", title="Projected occupancy", format=".0%"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "gap:Q",
            title="Scheduled − required",
            scale=alt.Scale(scheme="redblue", domain=[-reach, reach], domainMid=0),
        )
    )
    labels = (
        base.transform_filter("abs(datum.gap) > 1e-9")
        .transform_calculate(label="(datum.gap < 0 ? '−' : '+') + format(abs(datum.gap), '.1~f')")
        .mark_text(fontSize=10, fontWeight="bold")
        .encode(
            text="label:N",
            color=alt.condition(
                f"abs(datum.gap) > {reach / 2}", alt.value("white"), alt.value("black")
            ),
        )
    )
    return alt.layer(cells, labels).properties(height=320)


def choose_plan(stored: dict | None, period: tuple[dt.date, dt.date]) -> dict | None:
    """The planning form for the days of ``period``; returns the plan (see
    ``planning_cache``) when submitted, else None.

    A form, so that no forecast runs while the planner is still choosing; the last submitted
    plan (``stored``) pre-fills it.
    """
    countries, channels = contact_queues()
    last = stored or {}
    if stored is None and demo_mode():
        last = SAMPLE_DEFAULTS
        st.caption(
            "Sample data: the first plan is one country's voice queue, quick to forecast and "
            "schedule; add countries and chat as you like."
        )
    last_targets = last.get("targets", {})
    default_countries = [
        c
        for c in last.get("countries", kept_or("countries", countries, countries[:1]))
        if c in countries
    ]
    default_channels = [
        c for c in last.get("channels", kept_or("channels", channels, channels)) if c in channels
    ]
    gaps, used = saved_gaps(default_countries, default_channels, period)
    with st.form("staffing_form", border=True):
        left, middle, right = st.columns(3)
        chosen_countries = left.multiselect(
            "Countries",
            countries,
            default=default_countries,
            key="staffing_countries",
            help="Each country and channel is forecast and staffed as its own queue.",
        )
        chosen_channels = middle.multiselect(
            "Channels",
            channels,
            default=default_channels,
            key="staffing_channels",
            help="Voice and chat wait in a queue, staffed with Erlang C (or Erlang A when callers' "
            "patience is set) to meet the targets below. Email and back-office work is "
            "workload: contacts x handle time, spread over the half hour, with no waiting "
            "targets.",
        )
        source = right.radio(
            "Forecast",
            list(FORECAST_CHOICES.values()),
            index=int(not gaps.empty or last.get("forecast", SAVED) == FIT),
            key="staffing_forecast_source",
            help="The newest saved forecast of each queue (the first start's baseline or a "
            "run saved on the Forecast page) plans in about a second. Fitting picks the best "
            "model per queue on the newest contacts and takes 10-40 s per queue. Where the "
            "saved forecast misses a queue or day of the period, a new one is fitted.",
        )
        uncovered = ""
        if not gaps.empty and default_countries and default_channels:
            uncovered = (
                f" The newest saved forecast does not cover it: {describe_gaps(gaps, period, fmt)}."
                if used
                else " No forecast is saved for these queues yet: one is fitted when you plan. "
                "Save one on the Forecast page to plan in about a second."
            )
        st.caption(
            f"Plans the planning period in the sidebar: {describe_period(period, fmt)}." + uncovered
        )
        st.markdown("**Targets**")
        col1, col2, col3, col4 = st.columns(4)
        service_level = col1.slider(
            "Service level target",
            min_value=0.05,
            max_value=0.99,
            value=last_targets.get("service_level_target", DEFAULT_TARGETS.service_level_target),
            step=0.01,
            format="percent",
            key="staffing_service_level",
            help="Share of contacts to answer within the answer time: 80% within 20 s is the "
            "classic '80/20'.",
        )
        answer_seconds = col2.number_input(
            "Answer time (s)",
            min_value=0.0,
            max_value=600.0,
            value=last_targets.get("answer_target_seconds", DEFAULT_TARGETS.answer_target_seconds),
            step=5.0,
            key="staffing_answer_seconds",
            help="The '20' in 80/20: the wait, in seconds, within which a contact counts as "
            "answered on time.",
        )
        asa = col3.number_input(
            "ASA target (s, optional)",
            min_value=1.0,
            value=last_targets.get("asa_target_seconds"),
            key="staffing_asa",
            placeholder="none",
            help="Average speed of answer: the mean wait of all contacts in seconds, answered "
            "late or not. Set, the plan adds agents until the ASA is at most this. Leave empty "
            "for no ASA target.",
        )
        staff_to = col4.radio(
            "Staff to",
            STAFF_TO,
            index=int(last.get("use_upper_bound", False)),
            key="staffing_staff_to",
            help="The forecast is the expected volume. The upper bound of the 80% prediction "
            "interval is exceeded in only about one half hour in ten: safer, and dearer.",
        )
        col1, col2, col3, col4, col5, col6 = st.columns(6)
        last_abandon = last_targets.get("max_abandon_rate")
        max_abandon_pct = col1.number_input(
            "Max abandonment (%, optional)",
            min_value=1.0,
            max_value=99.0,
            value=None if last_abandon is None else round(100 * last_abandon, 1),
            step=1.0,
            key="staffing_max_abandon",
            placeholder="none",
            help="Abandonment: callers who hang up before an answer. The highest share of "
            "them allowed, in percent, e.g. 5. Needs the patience (Erlang A).",
        )
        max_abandon = None if max_abandon_pct is None else max_abandon_pct / 100
        patience = col2.number_input(
            "Patience (s, optional)",
            min_value=1.0,
            value=last_targets.get("patience_seconds"),
            key="staffing_patience",
            placeholder="none",
            help="How long callers wait on average before hanging up, in seconds. Set, the "
            "model counts abandoned calls (Erlang A); empty, it assumes nobody hangs up "
            "(Erlang C), which asks for a few more agents.",
        )
        occupancy = col3.slider(
            "Max occupancy",
            min_value=0.5,
            max_value=1.0,
            value=last_targets.get("max_occupancy", DEFAULT_TARGETS.max_occupancy),
            step=0.01,
            format="percent",
            key="staffing_occupancy",
            help="Share of logged-in time agents spend handling contacts. Much above 85% "
            "people burn out, so the plan adds agents until occupancy is at most this.",
        )
        shrinkage = col4.slider(
            "Shrinkage",
            min_value=0.0,
            max_value=0.6,
            value=last_targets.get("shrinkage", DEFAULT_TARGETS.shrinkage),
            step=0.01,
            format="percent",
            key="staffing_shrinkage",
            help="Share of paid time agents are not available for contacts: breaks, meetings, "
            "training, sickness. 30% means 7 agents on the queue need 10 on the schedule.",
        )
        concurrency = col5.number_input(
            "Chat concurrency",
            min_value=1,
            max_value=5,
            value=last.get("chat_concurrency", 2),
            key="staffing_concurrency",
            help="Concurrency: chats one agent handles at the same time (voice is always one "
            "call). The plan counts each chat's handle time divided by this.",
        )
        volume_share = col6.slider(
            "Share of the volume",
            min_value=0.05,
            max_value=1.0,
            value=float(last.get("volume_share", 1.0)),
            step=0.05,
            format="percent",
            key="staffing_volume_share",
            help="Share of the forecast contacts this team answers: 100% for all of them, less "
            "when another site or a partner takes the rest. Staff does not shrink in "
            "proportion: small queues need relatively more agents.",
        )
        submitted = st.form_submit_button("Plan staffing", type="primary", key="staffing_submit")
    if not submitted:
        return None
    if not chosen_countries or not chosen_channels:
        st.info("Choose at least one country and one channel to plan.")
        st.stop()
    if max_abandon is not None and patience is None:
        st.info("A maximum abandonment needs the callers' patience: fill in the patience too.")
        st.stop()
    targets = {
        "service_level_target": float(service_level),
        "answer_target_seconds": float(answer_seconds),
        "asa_target_seconds": asa,
        "max_abandon_rate": max_abandon,
        "patience_seconds": patience,
        "max_occupancy": float(occupancy),
        "shrinkage": float(shrinkage),
    }
    try:  # check the targets once here, with a readable message
        targets_by_channel(chosen_channels, targets, int(concurrency))
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    return {
        "period": tuple(period),
        "forecast": SAVED if source == FORECAST_CHOICES[SAVED] else FIT,
        "countries": tuple(chosen_countries),
        "channels": tuple(chosen_channels),
        "targets": targets,
        "chat_concurrency": int(concurrency),
        "use_upper_bound": staff_to == STAFF_TO[1],
        "volume_share": float(volume_share),
    }


def plan_or_stop(plan: dict, **overrides) -> tuple[StaffingPlan, tuple]:
    """The plan and its key (``planning_cache.plan_key``), or the page stops saying why."""
    try:
        return keyed_plan_with_progress(plan, **overrides)
    except FitStopped:
        st.info(
            "Stopped: the forecast was not fitted and nothing was kept. Press **Plan staffing** "
            "to plan again.",
            icon=":material/stop_circle:",
        )
        st.stop()
        raise
    except ValueError as exc:
        st.error(f"Could not compute the requirements: {exc}")
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


PATTERN_LABELS = {
    "learnt": "Learnt from similar queues",
    "builtin": "Built-in shape of the channel",
    "uploaded": "Uploaded profile file",
}
SETTINGS_COLUMNS = {
    "country": st.column_config.TextColumn("Country"),
    "channel": st.column_config.TextColumn("Channel"),
    "aht_seconds": amount_column("Handle time (s)", "Average handle time (AHT) used for the plan."),
    "aht_source": st.column_config.TextColumn(
        "From",
        help="history: the contacts' aht_seconds of the last 8 weeks; setting: entered "
        "here; missing: set it before planning this queue.",
    ),
    "opening_hours": st.column_config.TextColumn(
        "Opening hours", help="The queue's local hours; a daily forecast is spread over them."
    ),
    "pattern": st.column_config.TextColumn(
        "Intraday pattern", help="How each day's contacts are spread over its half hours."
    ),
    "updated_by": st.column_config.TextColumn("Set by"),
}


def render_queue_settings() -> None:
    """Each queue's handle time, opening hours and intraday pattern; planners and admins edit
    them here (stored per queue, audited)."""
    stored = queue_settings()
    table = queue_table()
    missing = table["aht_source"].eq("missing").any()
    with st.expander(
        "Queue settings: handle time, opening hours, intraday pattern", expanded=bool(missing)
    ):
        st.caption(
            "Daily contacts are planned half hour by half hour with these: the handle time where "
            "the history has none, and each day's contacts spread over the opening hours with "
            "the intraday pattern (queues with their own intraday history use it instead)."
        )
        st.dataframe(
            table, hide_index=True, width="stretch", column_config=SETTINGS_COLUMNS,
            key="staffing_settings_table",
        )  # fmt: skip
        if not viewer.can(Permission.IMPORT_PLANNING):
            st.caption("Planners and admins change these settings.")
            return
        queues = list(zip(table["country"], table["channel"], strict=True))
        queue = st.selectbox(
            "Queue to set", queues, format_func="/".join, key="staffing_settings_queue"
        )
        if queue is None:
            return
        render_settings_form(queue, stored.get(queue))


def render_settings_form(queue: tuple[str, str], current) -> None:
    """The form that stores one queue's settings (keys end in the queue, so that its stored
    values fill it when another queue is chosen)."""
    country, channel = queue
    suffix = f"{country}_{channel}"
    sources = list(PATTERN_LABELS)
    with st.form(f"staffing_settings_form_{suffix}", border=False):
        left, middle, right = st.columns(3)
        aht = left.number_input(
            "Handle time (AHT, s)",
            min_value=1.0,
            max_value=7200.0,
            value=None if current is None else current.aht_seconds,
            step=10.0,
            key=f"staffing_settings_aht_{suffix}",
            placeholder="from the history",
            help="Average handle time in seconds: talk or chat time plus the wrap-up after it. "
            "Used when the contacts carry no aht_seconds.",
        )
        hours = middle.text_input(
            "Opening hours",
            value=(current.opening_hours if current and current.opening_hours else DEFAULT_OPENING),
            key=f"staffing_settings_open_{suffix}",
            help="Weekdays and hours, local time, e.g. 'Mon-Fri 08:00-20:00; Sat 09:00-13:00; "
            "Sun closed' (days not named are closed; 24:00 is midnight). No staff is planned "
            "outside them, and contacts of closed days are not staffed.",
        )
        chosen = current.profile_source if current and current.profile_source else None
        pattern = right.radio(
            "Intraday pattern",
            sources,
            index=sources.index(chosen) if chosen in sources else 0,
            format_func=PATTERN_LABELS.get,
            key=f"staffing_settings_pattern_{suffix}",
            help="Learnt: the average day of the queues of the same channel with intraday "
            "history. Built in: voice peaks at 10-11 and less after lunch, chat is flatter and "
            "later, email arrives evenly. Uploaded: a profile file (weekday optional, time "
            "HH:MM, share).",
        )
        upload = st.file_uploader(
            "Profile file (CSV or Excel: weekday optional, time, share)",
            type=["csv", "txt", "xlsx"],
            key=f"staffing_settings_profile_{suffix}",
        )
        saved = st.form_submit_button("Save queue settings", key=f"staffing_settings_save_{suffix}")
    if not saved:
        return
    profile = None
    if upload is not None:
        report = validate_file("profile", upload.getvalue(), upload.name)
        if not report.ok:
            st.error("\n\n".join([f"{upload.name} is not a profile file:", *report.lines()]))
            return
        profile = report.frame
    try:
        QueueSetup(  # checks the hours and the pattern before anything is stored
            aht_seconds=aht,
            opening_hours=hours,
            profile_source=pattern,
            profile=profile if profile is not None else (current.profile if current else None),
        )
        save_queue_settings(
            get_store(), viewer, country, channel, aht_seconds=aht, opening_hours=hours,
            profile_source=pattern, profile=profile,
            profile_file=upload.name if upload is not None else None,
        )  # fmt: skip
    except ValueError as exc:
        st.error(f"{country}/{channel}: not saved: {exc}")
        return
    st.success(f"Saved the settings of {country}/{channel}.")
    st.rerun()


def render_notes(result: StaffingPlan) -> None:
    """What the plan assumed: queues planned on other days, patterns learnt or built in,
    contacts of closed days."""
    for note in result.notes:
        st.info(note, icon=":material/info:")


def render_source(plan: dict, source: PlanForecast) -> None:
    """Under the plan: its days and the forecast behind it (the saved runs, or a fit)."""
    if source.source == SAVED:
        text = f"the newest saved forecast, {describe_runs(source.runs, fmt)}"
        stale = [i for i, info in source.runs.items() if info.history_end < source.history_end]
        if stale:
            text += (
                f". Saved before the newest contacts (to {fmt.date(source.history_end)}): "
                "choose **Fit a new forecast now** to use them"
            )
    else:
        text = (
            f"fitted now on the contacts to {fmt.date(source.history_end)}, the best "
            "back-tested model per queue"
        )
    st.caption(
        f"{describe_period(source.period, fmt)}, half hour by half hour. Forecast: {text}.",
        help="Saved forecasts are daily; the plan splits them into half hours with each "
        "queue's intraday pattern of the last weeks, or its settings above where it has daily "
        "history only.",
    )


def render_requirements(result: StaffingPlan, plan: dict, key: tuple) -> tuple[str, str]:
    """Metrics, per-queue table, the heatmap of one queue and the download; returns that queue."""
    requirements = result.requirements
    summary = summary_of(key, requirements)
    hours = staff_hours(requirements)
    first, second, third, fourth = st.columns(4)
    first.metric(
        "Staff-hours to schedule",
        fmt.with_unit(hours, "staff-h"),
        help=HELP_STAFF_HOURS,
    )
    second.metric(
        "Staff needed a week (FTE)",
        fmt.fte(fte_per_week(hours, result.source.days)),  # the Overview's figure too
        help=f"The staff-hours of an average week in full-time equivalents (FTE) of "
        f"{fmt.hours(FTE_HOURS)} a week: how many full-time people the plan asks for.",
    )
    third.metric(
        "Peak staff in one interval",
        fmt.number(summary["peak_staff"].max()),
        help="Most staff to schedule at once in one half hour of one queue (shrinkage included).",
    )
    fourth.metric(
        "Contacts planned",
        fmt.number(summary["contacts"].sum()),
        help="Forecast contacts of the queues and days planned"
        + (
            ", the share of the volume this team answers."
            if plan.get("volume_share", 1) < 1
            else "."
        ),
    )
    st.subheader("Projected service per queue")
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config=SUMMARY_COLUMNS,
        key="staffing_summary",
    )
    st.subheader("Staff needed per half hour")
    queues = list(zip(summary["country"], summary["channel"], strict=True))
    country, channel = st.selectbox(
        "Queue",
        queues,
        format_func="/".join,
        key="staffing_queue",
        disabled=len(queues) < 2,
        help="A queue is one country's channel, planned on its own.",
    )
    shown = requirements[
        (requirements["country"] == country) & (requirements["channel"] == channel)
    ]
    st.caption(
        "Staff to schedule each half hour, shrinkage included: darker is more"
        + (
            ", the number in each cell."
            if shown["interval_start"].dt.normalize().nunique() <= LABELLED_DAYS
            else "."
        )
        + " Point at a half hour for its contacts, service level, ASA and occupancy."
    )
    show_built_chart(queue_heatmap, shown)  # built once per queue's requirements and locale
    st.download_button(
        "Download requirements (CSV)",
        requirements_csv(key, requirements),
        file_name="requirements.csv",
        mime="text/csv",
        key="staffing_download",
    )
    return country, channel


#: ``session_memo`` names: a schedule against the plan, and the published staff of a plan.
AGAINST_KEY = "staffing_against_schedule"
PUBLISHED_KEY = "staffing_published_coverage"


def published_coverage(plan: dict) -> pd.DataFrame:
    """The published schedules' staff on duty in the plan's period and queues (newest per
    queue and day), as a schedule's coverage: ``country, channel, interval_start,
    scheduled_staff``; empty when none is published there."""
    first, last = plan["period"]
    staff = current_staff(get_store(), viewer, first, last)
    return staff[staff["country"].isin(plan["countries"]) & staff["channel"].isin(plan["channels"])]


def render_against_schedule(
    plan: dict, requirements: pd.DataFrame, queue: tuple[str, str], key: tuple
):
    st.subheader("Scheduled against required")
    result = st.session_state.get(SCHEDULE_RESULT_KEY)
    if result is not None and result.get("plan") == plan:  # just generated for this plan
        outputs = result["outputs"]

        def compare() -> tuple[pd.DataFrame, pd.DataFrame]:
            coverage = outputs.plan.coverage
            if outputs.roster is not None:  # named agents: a shift nobody fills puts nobody there
                coverage = coverage.assign(
                    scheduled_staff=staff_on_shift(outputs.roster.assignments, coverage)
                )
            gaps = scheduled_vs_required(requirements, coverage, targets_of(plan))
            return gaps, gap_summary(gaps)

        # once per schedule and plan in this session, not on every rerun
        gaps, summary = session_memo(AGAINST_KEY, (result.get("made"), key), compare, keep=2)
        source = (
            f"Week of {fmt.date(result['week_start'])}: the "
            f"{'agents on the roster' if outputs.roster is not None else 'shift plan'}"
        )
    elif not (
        coverage := session_memo(PUBLISHED_KEY, key, lambda: published_coverage(plan), keep=2)
    ).empty:
        ids = ", ".join(f"#{i}" for i in sorted(coverage["schedule_id"].unique()))
        days = coverage["interval_start"].dt.date
        source = (
            f"The published schedule ({ids}) on the days it covers, "
            f"{fmt.day_span(days.min(), days.max())}: its staff on duty"
        )
        gaps = scheduled_vs_required(requirements, coverage, targets_of(plan))
        summary = gap_summary(gaps)
    else:
        why = "No schedule yet" if result is None else "The last schedule was made for another plan"
        st.info(
            f"{why}: generate one for this plan on the Schedule page (or publish one there) to "
            "see the agents it puts on each half hour against this requirement, and the service "
            "they would give."
        )
        st.page_link(
            "app_pages/schedule_page.py",
            label="Open the Schedule page",
            icon=":material/calendar_month:",
        )
        return
    st.caption(
        f"{source} against the staff to schedule. Service is projected with the scheduled staff less shrinkage on the "
        "queue; red cells and a minus sign mark half hours short of staff."
    )
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config=GAP_COLUMNS,
        key="staffing_gap_summary",
    )
    country, channel = queue
    shown = gaps[(gaps["country"] == country) & (gaps["channel"] == channel)]
    if shown.empty:
        st.info(
            f"The schedule does not cover {country}/{channel}: choose another queue above, or "
            "generate a schedule that includes it on the Schedule page."
        )
        return
    show_built_chart(gap_chart, shown)


def render_what_if(plan: dict, baseline: pd.DataFrame, key: tuple) -> None:
    st.subheader("What if?")
    st.caption(
        "Change handle time, service target or shrinkage and see the staff-hours move; the plan "
        "above stays as it is."
    )
    col1, col2, col3 = st.columns(3)
    aht_change = col1.number_input(
        "Handle time change (%)",
        min_value=-50.0,
        max_value=100.0,
        value=0.0,
        step=5.0,
        key="staffing_whatif_aht",
        help="Handle time (AHT): talk or chat time plus the wrap-up after it. 10 means every "
        "contact takes 10% longer than in the last eight weeks, -10 that it is 10% quicker.",
    )
    service_level = col2.slider(
        "Service level target",
        min_value=0.05,
        max_value=0.99,
        value=plan["targets"]["service_level_target"],
        step=0.01,
        format="percent",
        key="staffing_whatif_service_level",
        help=f"Share of contacts answered within "
        f"{fmt.seconds(plan['targets']['answer_target_seconds'])}; the plan's target is "
        f"{fmt.percent(plan['targets']['service_level_target'])}.",
    )
    shrinkage = col3.slider(
        "Shrinkage",
        min_value=0.0,
        max_value=0.6,
        value=plan["targets"]["shrinkage"],
        step=0.01,
        format="percent",
        key="staffing_whatif_shrinkage",
        help="Share of paid time agents are not available for contacts (breaks, meetings, "
        f"training, sickness); the plan's is {fmt.percent(plan['targets']['shrinkage'])}.",
    )
    targets = {
        **plan["targets"],
        "service_level_target": float(service_level),
        "shrinkage": float(shrinkage),
    }
    what_if = {"targets": targets, "aht_change_pct": float(aht_change)}
    scenario, scenario_key = plan_or_stop(plan, **what_if)
    difference = difference_of(key, scenario_key, baseline, scenario.requirements)
    total = difference.iloc[-1]
    change = float(total["difference_hours"])
    more, fewer = round(change) > 0, round(change) < 0
    st.metric(
        "Staff-hours against the baseline",
        fmt.with_unit(total["scenario_hours"], "staff-h"),
        delta=f"{fmt.signed(change)}\u00a0staff-h",
        # Streamlit reads the direction from an ASCII minus; the true minus needs it said
        delta_color="red" if more else "green" if fewer else "gray",
        delta_arrow="up" if more else "down" if fewer else "off",
        help="Staff-hours to schedule with the what-if settings, and the change against the "
        "plan above: more hours cost more.",
    )
    st.dataframe(
        # a share, as the other tables show theirs (what_if_difference gives percent points)
        difference.assign(difference_pct=difference["difference_pct"] / 100).rename(
            columns={"difference_pct": "difference_share"}
        ),
        hide_index=True,
        width="stretch",
        key="staffing_whatif_table",
        column_config={
            "country": "Country",
            "channel": "Channel",
            "baseline_hours": amount_column("Plan (staff-h)"),
            "scenario_hours": amount_column("What-if (staff-h)"),
            "difference_hours": amount_column(
                "Difference (staff-h)", "What-if less plan: positive means more hours."
            ),
            "difference_share": share_column("Difference (%)"),
        },
    )


def render_restored_plan() -> None:
    """Say that the plan shown was restored from the user's draft, with a Discard button."""
    restored_at = st.session_state.get(PLAN_RESTORED_KEY)
    if restored_at is None:
        return

    def discard() -> None:
        drafts.discard_plan(get_store(), viewer)
        st.session_state.pop(PLAN_KEY, None)
        st.session_state.pop(PLAN_RESTORED_KEY, None)

    render_restored_notice(
        f"Restored your plan from {describe_moment(restored_at, fmt)}: the choices you made "
        "last time, kept when you pressed **Plan staffing**.",
        "staffing_draft_discard",
        discard,
    )


def save_plan_draft(plan: dict) -> None:
    """Keep the plan just made as the user's draft, for the next session."""
    try:
        drafts.save_plan(get_store(), viewer, plan)
    except (AccessDenied, drafts.DraftError) as exc:
        st.caption(f"This plan is not kept for your next visit: {exc}.")


st.title("Staffing")
st.caption(
    "Forecast contacts per half hour, then the agents needed to meet the service targets "
    "(Erlang C/A for voice and chat), after shrinkage."
)
last_history_day = history_end()
if last_history_day is None:
    st.info(
        "No contacts yet, so there is nothing to plan: the staff each half hour needs comes "
        "from the forecast of the contacts. " + how_to_upload("contacts", viewer),
        icon=":material/upload_file:",
    )
    st.page_link("app_pages/data_page.py", label="Go to Data", icon=":material/database:")
    st.stop()
period = shared_period(*period_bounds(last_history_day))
restore_drafts()
render_queue_settings()
render_restored_plan()
submitted = choose_plan(st.session_state.get(PLAN_KEY), period)
if submitted is not None:
    st.session_state[PLAN_KEY] = submitted
    st.session_state.pop(PLAN_RESTORED_KEY, None)
    clear_stopped()
plan = st.session_state.get(PLAN_KEY)
if plan is None:
    st.info("Choose the queues and targets above, then press **Plan staffing**.")
    st.stop()
if tuple(plan["period"]) != tuple(period):
    st.info(
        f"The plan below covers {describe_period(plan['period'], fmt)}; the planning period in "
        "the sidebar is now different: press **Plan staffing** to plan it.",
        icon=":material/date_range:",
    )
try:
    source = plan_forecast(plan)
except ValueError as exc:
    st.error(f"Could not plan: {exc}")
    st.stop()
if not source.gaps.empty:
    st.info(
        "The newest saved forecast does not cover this plan: "
        f"{describe_gaps(source.gaps, plan['period'], fmt)}, so a new forecast is fitted for it.",
        icon=":material/model_training:",
    )
result, key = plan_or_stop(plan)
if submitted is not None:
    save_plan_draft(submitted)
requirements = result.requirements
render_source(plan, result.source)
render_notes(result)
queue = render_requirements(result, plan, key)
render_against_schedule(plan, requirements, queue, key)
render_what_if(plan, requirements, key)
