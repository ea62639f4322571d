"""Schedule page: shifts that cover a week of staffing requirements, the roster, and exports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.charts import shift_colour_scale, shift_colours
from app_pages.common import (
    amount_column,
    formats,
    get_store,
    inputs_key,
    load_table,
    render_restored_notice,
    require_page,
    shared_period,
    show_chart,
    who_later,
)
from app_pages.planning_cache import (
    PLAN_KEY,
    SAVED,
    SCHEDULE_RESULT_KEY,
    FitStopped,
    describe_moment,
    describe_period,
    history_end,
    how_to_upload,
    plan_queues,
    queue_settings,
    restore_drafts,
    schedule_result,
    staffing_plan_with_progress,
)
from app_pages.wellbeing_views import render_roster_limits
from data.access import AccessDenied, Permission
from data.schedules import ScheduleError, list_schedules, load_schedule, on_duty
from formats import date_input_format
from services import drafts
from services.exports import hand_out
from services.flags import limits_for_period
from services.planning import queue_setups
from services.schedules import (
    coverage_segments,
    make_schedule,
    mark_open,
    stored_opening_hours,
)
from staffing.exports import staff_on_duty
from staffing.planning import default_shift_templates, files_under, templates_to_frame
from staffing.profiles import format_opening_hours
from staffing.scheduling import (
    LabourRules,
    OpeningHours,
    ShiftTemplate,
    shift_templates_from_frame,
)
from staffing.shift_templates import (
    SUGGESTED_SHIFT_MINUTES,
    templates_for_uncovered,
    uncovered_hours,
)

viewer = require_page(Permission.VIEW_STAFFING)
fmt = formats()

RESULT_KEY = SCHEDULE_RESULT_KEY
#: Set by the Stop button's ``on_click`` while a schedule is being generated.
STOPPED_KEY = "schedule_generation_stopped"
#: The shift-templates table the editor starts from (the defaults until shifts are added to
#: cover open hours), and the editor's generation: a new one starts from the new table.
TEMPLATES_BASE_KEY = "schedule_templates_base"
TEMPLATES_VERSION_KEY = "schedule_templates_version"
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar",
    "zip": "application/zip",
}
TEMPLATE_COLUMNS = {
    "name": st.column_config.TextColumn(
        "Name", help="Shown in the rosters, calendars and exports", required=True
    ),
    "start": st.column_config.TextColumn(
        "Start",
        help="Start time in the queue's local time, HH:MM (24-hour clock)",
        required=True,
        validate=r"^\d{1,2}:\d{2}$",
    ),
    "length_hours": amount_column(
        "Length (h)",
        "Start to end in hours, unpaid break included",
        decimals=None,
        step=0.5,
        min_value=0.5,
        max_value=24.0,
    ),
    "break_minutes": amount_column(
        "Break (min)", "Unpaid break in minutes; 0 for none", decimals=None, min_value=0
    ),
    "days": st.column_config.TextColumn(
        "Days", help="Weekdays the shift runs: e.g. Mon-Sun, Mon-Fri or Mon,Wed,Sat", required=True
    ),
    "cost_per_hour": amount_column(
        "Cost per hour",
        "Relative cost of a paid hour (1 = normal; 1.25 for a dearer evening shift); the "
        "planner picks the shifts that cover the requirement at the least total cost",
        decimals=2,
    ),
    "break_earliest_minutes": amount_column(
        "Break from (min)", "Earliest break start, in minutes after the shift start", decimals=None
    ),
    "break_latest_minutes": amount_column(
        "Break until (min)",
        "Latest break start, in minutes after the shift start; the planner places each "
        "break in this window (both empty: mid-shift)",
        decimals=None,
    ),
    "countries": st.column_config.TextColumn(
        "Countries", help="Country codes the shift is for, comma-separated; empty = all"
    ),
    "channels": st.column_config.TextColumn(
        "Channels", help="Channels the shift is for, comma-separated; empty = all"
    ),
}


#: A week's time axis: the day at midnight, hours on the 24-hour clock (Vega's default writes
#: "12 pm" whatever the locale); the day and month names follow the viewer's locale.
WEEK_AXIS = alt.Axis(
    labelExpr="hours(datum.value) == 0 && minutes(datum.value) == 0 "
    "? timeFormat(datum.value, '%a %d %b') : timeFormat(datum.value, '%H:%M')"
)

#: The coverage chart's two lines: solid for what is required, dashed for what is scheduled,
#: so they tell apart without their colours.
SERIES = {"required_staff": "Required", "scheduled_staff": "Scheduled"}


def coverage_chart(coverage: pd.DataFrame) -> alt.LayerChart:
    """Required (solid) and scheduled (dashed) staff per interval as lines, shortfalls as red
    bars under them; lines break where the queue is closed (no points there:
    :func:`services.schedules.coverage_segments`)."""
    base = alt.Chart(coverage_segments(coverage)).encode(
        x=alt.X("interval_start:T", title="Interval", axis=WEEK_AXIS)
    )
    legend = alt.Legend(orient="top", title=None, symbolStrokeWidth=2)
    lines = (
        base.transform_fold(list(SERIES), as_=["series", "staff"])
        .transform_calculate(
            series=f"datum.series == 'required_staff' ? '{SERIES['required_staff']}' : "
            f"'{SERIES['scheduled_staff']}'"
        )
        .mark_line(interpolate="step-after", strokeWidth=1.5)
        .encode(
            y=alt.Y("staff:Q", title="Staff"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(SERIES.values()), range=["#1f77b4", "#2ca02c"]),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(SERIES.values()), range=[[1, 0], [6, 3]]),
                legend=legend,
            ),
            detail=alt.Detail("segment:N"),  # one line per open stretch: none through the night
        )
    )
    gaps = (
        base.transform_filter("datum.shortfall > 0")
        .mark_bar(color="#d62728", opacity=0.7)
        .encode(
            y=alt.Y("shortfall:Q"),
            tooltip=[
                alt.Tooltip("interval_start:T", title="Interval", format="%a %d %b %H:%M"),
                alt.Tooltip("required_staff:Q", title="Required", format=",.0f"),
                alt.Tooltip("scheduled_staff:Q", title="Scheduled", format=",.1~f"),
                alt.Tooltip("shortfall:Q", title="Short by", format=",.1~f"),
            ],
        )
    )
    return alt.layer(gaps, lines).properties(height=300).interactive(bind_y=False)


#: Pixels of one shift's lane in a team's row of the team chart.
LANE_HEIGHT = 8


def gantt_chart(
    assignments: pd.DataFrame,
    row: str,
    title: str,
    colours: Mapping[str, str] | None = None,
) -> alt.Chart:
    """One bar per shift from start to end, a row per team or agent, coloured by shift.

    A team's row has a lane per shift, as its agents' shifts overlap: the lane, not only the
    colour, tells the shifts apart. An agent works one shift at a time, its row needs none.
    ``colours`` (:func:`app_pages.charts.shift_colours` of every shift of the schedule) keeps a
    shift's colour the same in every chart; by default, those of the shifts shown.
    """
    if colours is None:
        colours = shift_colours(assignments["shift"])
    chart = alt.Chart(assignments)
    if row == "agent":  # names can repeat: label rows with the id too
        chart = chart.transform_calculate(agent="datum.name + ' (' + datum.agent_id + ')'")
    # shifts in the order they start, so lanes and legend read like the day
    order = list(assignments.sort_values(["shift_start", "shift_end"])["shift"].drop_duplicates())
    lanes = {}
    height = alt.Step(24)
    if row == "team":
        lanes = {"yOffset": alt.YOffset("shift:N", sort=order, title="Shift")}
        height = alt.Step(LANE_HEIGHT * max(len(order), 1) + 8, **{"for": "position"})
    return (
        chart.mark_bar(opacity=0.75 if row == "team" else 1.0, cornerRadius=2)
        .encode(
            x=alt.X("shift_start:T", title="Local time of the queue", axis=WEEK_AXIS),
            x2="shift_end:T",
            y=alt.Y(
                f"{row}:N",
                title=title,
                sort="ascending",
                axis=alt.Axis(labelOverlap=False, labelLimit=240),
            ),
            color=alt.Color(
                "shift:N",
                title="Shift",
                scale=shift_colour_scale(colours, order),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Agent"),
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("shift:N", title="Shift"),
                alt.Tooltip("shift_start:T", title="Start", format="%a %d %b %H:%M"),
                alt.Tooltip("shift_end:T", title="End", format="%H:%M"),
                alt.Tooltip("break_start:T", title="Break", format="%H:%M"),
            ],
            **lanes,
        )
        .properties(height=height)
    )


def load_requirements() -> tuple[dict, pd.DataFrame]:
    """The Staffing page's plan and its requirements, or a pointer to the Staffing page."""
    plan = st.session_state.get(PLAN_KEY)
    if plan is None and history_end() is None:
        st.info(
            "No contacts yet, so there is nothing to schedule: shifts are planned to cover the "
            "staff the Staffing page works out from the contacts forecast. "
            + how_to_upload("contacts", viewer),
            icon=":material/upload_file:",
        )
        st.page_link("app_pages/data_page.py", label="Go to Data", icon=":material/database:")
        st.stop()
    if plan is None:
        st.info(
            "No staffing plan yet: choose queues and targets on the **Staffing** page and press "
            "**Plan staffing**; this page schedules those requirements."
        )
        st.page_link("app_pages/staffing_page.py", label="Go to Staffing", icon=":material/groups:")
        st.stop()
    try:
        result = staffing_plan_with_progress(plan)
    except FitStopped:
        st.info(
            "The forecast fit of this plan was stopped: press **Plan staffing** on the Staffing "
            "page to plan it again.",
            icon=":material/stop_circle:",
        )
        st.page_link("app_pages/staffing_page.py", label="Go to Staffing", icon=":material/groups:")
        st.stop()
        raise
    except ValueError as exc:
        st.error(f"Could not compute the requirements: {exc}")
        st.stop()
    source, requirements = result.source, result.requirements
    share = plan.get("volume_share", 1.0)
    forecast = (
        "saved run " + ", ".join(f"#{i}" for i in source.runs)
        if source.source == SAVED
        else "fitted on the Staffing page"
    )
    st.caption(
        f"Requirements from the Staffing page: {', '.join(plan['countries'])} / "
        f"{', '.join(plan['channels'])}, {describe_period(source.period, fmt)}, forecast "
        + forecast
        + (f", {fmt.percent(share)} of the forecast volume." if share < 1 else ".")
    )
    for note in source.notes:  # queues planned on other days than the period, and why
        st.info(note, icon=":material/date_range:")
    return plan, requirements


def labour_rules_text() -> str:
    """The roster's working-time rules (the EU directive's defaults) in words."""
    rules = LabourRules()
    return (
        f"at least {fmt.hours(rules.min_rest_hours)} of rest between shifts, at most "
        f"{fmt.number(rules.max_consecutive_days)} days in a row and "
        f"{fmt.hours(rules.max_weekly_hours)} a week, overtime included"
    )


def week_bounds(period: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """First and last start of a week to schedule: whole weeks inside ``period`` (or its first
    day when it is shorter than a week)."""
    start, end = period
    return start, max(start, end - dt.timedelta(days=6))


#: Opening hours of the schedule: the queues' stored ones, or one window every day.
FROM_SETTINGS = "As saved under Queue settings"
EVERY_DAY = "The same hours every day"
#: The one window every day until the planner moves the slider (the default templates' span).
DEFAULT_WINDOW = (dt.time(8, 0), dt.time(22, 0))


def choose_opening_hours(plan: dict, column) -> tuple[OpeningHours | dict, dict[str, str]]:
    """The schedule's opening hours: by default the plan's queues' hours saved under Queue
    settings (Staffing page), said where they come from; else one window every day.

    Returns the hours (``OpeningHours`` or one per country) and their text per queue (stored
    with a published schedule)."""
    queues = plan_queues(plan["countries"], plan["channels"])
    stored, texts = stored_opening_hours(queues, queue_setups(queue_settings()))
    choices = [FROM_SETTINGS, EVERY_DAY] if stored else [EVERY_DAY]
    source = column.radio(
        "Opening hours",
        choices,
        key="schedule_opening_source",
        help="The queue's local hours: shifts must lie within them and no staff is planned "
        "outside, even where the forecast has contacts.",
    )
    if source == FROM_SETTINGS:
        unset = [f"{c}/{ch}" for c, ch in queues if (c, ch) not in texts]
        every_day = OpeningHours.every_day(*DEFAULT_WINDOW)
        column.caption(
            "From **Queue settings** on the Staffing page: "
            + "; ".join(f"{c}/{ch} {text}" for (c, ch), text in texts.items())
            + (
                f". {', '.join(unset)}: none saved, "
                f"{fmt.time(DEFAULT_WINDOW[0])}-{fmt.time(DEFAULT_WINDOW[1])} every day."
                if unset
                else "."
            )
        )
        hours = {c: stored.get(c, every_day) for c in dict.fromkeys(c for c, _ in queues)}
        default = format_opening_hours(every_day)
        return hours, {f"{c}/{ch}": texts.get((c, ch), default) for c, ch in queues}
    window = column.slider(
        "Open every day",
        min_value=dt.time(0, 0),
        max_value=dt.time(23, 30),
        value=DEFAULT_WINDOW,
        step=dt.timedelta(minutes=30),
        format="HH:mm",
        key="schedule_opening",
        help="The same local hours every day of the week, for every queue.",
    )
    if not stored:
        column.caption("No opening hours are saved for these queues under Queue settings.")
    opening = OpeningHours.every_day(*window)
    text = format_opening_hours(opening)  # as Queue settings write hours: "Mon-Sun 08:00-22:00"
    return opening, {f"{c}/{ch}": text for c, ch in queues}


def render_uncovered_hours(
    plan: dict,
    opening_hours: OpeningHours | dict,
    templates: list[ShiftTemplate],
    edited: pd.DataFrame,
) -> None:
    """Say which open hours no template can be worked in (nobody is planned there, however
    busy), and offer shifts that cover them, added to the table for the planner to edit."""
    gaps = {}
    for country, channel in plan_queues(plan["countries"], plan["channels"]):
        hours = opening_hours if isinstance(opening_hours, OpeningHours) else opening_hours[country]
        found = uncovered_hours(templates, hours, country, channel)
        if found:
            gaps[f"{country}/{channel}"] = found
    if not gaps:
        return
    st.warning(
        "No shift template lies inside these open hours, so nobody can be planned in them: "
        + "; ".join(
            f"{queue} {', '.join(g.text() for g in found)}" for queue, found in gaps.items()
        )
        + ". A shift must start and end while the queue is open.",
        icon=":material/schedule:",
    )
    if st.button(
        "Add shifts that cover these hours",
        key="schedule_cover_hours",
        icon=":material/add:",
        help=f"Adds part-time shifts of at most {fmt.hours(SUGGESTED_SHIFT_MINUTES / 60)} "
        "without a break, inside the opening hours, on the days that need them; edit or delete "
        "them like any other row.",
    ):
        taken = set(edited["name"].astype(str))
        added = []
        for template in templates_for_uncovered([g for found in gaps.values() for g in found]):
            name, n = template.name, 1
            while name in taken:
                n += 1
                name = f"{template.name} ({n})"
            taken.add(name)
            added.append(dataclasses.replace(template, name=name))
        st.session_state[TEMPLATES_BASE_KEY] = pd.concat(
            [edited, templates_to_frame(added)], ignore_index=True
        )
        st.session_state[TEMPLATES_VERSION_KEY] = st.session_state.get(TEMPLATES_VERSION_KEY, 0) + 1
        st.rerun()


def choose_inputs(plan: dict) -> dict:
    # The sidebar's planning period, within the plan's days: the week to schedule lies in it.
    first, last = week_bounds(shared_period(*plan["period"]))
    left, middle, right = st.columns(3)
    week_start = left.date_input(
        "Week starting",
        value=first,
        min_value=first,
        max_value=last,
        key="schedule_week_start",
        format=date_input_format(fmt.locale),
        help="Seven days from this date are scheduled, within the planning period "
        "(fewer days if the period is shorter than a week).",
    )
    opening_hours, opening_text = choose_opening_hours(plan, middle)
    min_staff = right.number_input(
        "Minimum staff while open",
        min_value=0,
        max_value=50,
        value=1,
        key="schedule_min_staff",
        help="Never fewer staff than this while the queue is open, even when it is quiet.",
    )
    time_limit = right.number_input(
        "Solver time limit (s)",
        min_value=5,
        max_value=300,
        value=30,
        key="schedule_time_limit",
        help="Seconds the solver may search for the cheapest shifts (and as long again for "
        "the roster). The best plan found in this time is used; its MIP gap says how far from "
        "the cheapest possible it may be.",
    )
    st.markdown(
        "**Shift templates** (edit, add or delete rows)",
        help="Shift rules: the shifts the planner may use, each with its start, length, unpaid "
        "break and the days it runs. The planner chooses how many agents work each shift on "
        "each day so that the staff on duty covers the requirement at least cost; agents are "
        "then assigned within their contract hours, absences and the labour rules: "
        f"{labour_rules_text()}.",
    )
    base = st.session_state.get(TEMPLATES_BASE_KEY)
    edited = st.data_editor(
        templates_to_frame(default_shift_templates()) if base is None else base,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=TEMPLATE_COLUMNS,
        key=f"schedule_templates_{st.session_state.get(TEMPLATES_VERSION_KEY, 0)}",
    )
    try:
        templates = shift_templates_from_frame(edited, source="shift templates")
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    render_uncovered_hours(plan, opening_hours, templates, edited)
    return {
        "week_start": week_start,
        "opening_hours": opening_hours,
        "opening_text": opening_text,
        "min_staff_while_open": int(min_staff),
        "time_limit_seconds": float(time_limit),
        "templates": templates,
    }


def loaded_agents() -> pd.DataFrame | None:
    """The agents to roster, or None when none are loaded (the schedule is then the shift plan
    alone, without names)."""
    agents = load_table("agents", inputs_key())
    return None if agents.empty else agents


def _stop_generation() -> None:
    """``on_click`` of the Stop button: runs before the rerun the click starts."""
    st.session_state[STOPPED_KEY] = True


def solve_with_stop(controls, status, label: str, limit: str, solve):
    """``solve()`` in a worker thread, with a Stop button in ``controls`` (an ``st.empty``).

    The script thread updates the status twice a second: that is where Streamlit interrupts
    it when Stop (or any other widget) is used.

    HiGHS cannot be interrupted from Python: a stopped solve runs on in its thread until its
    time limit, and its result is dropped. Nothing is kept until this returns.
    """
    controls.button(
        "Stop",
        key="schedule_stop",
        icon=":material/stop_circle:",
        on_click=_stop_generation,
        help="Stop generating; nothing is kept (the solver finishes its time limit unseen).",
    )
    pool = ThreadPoolExecutor(1)
    started = time.monotonic()
    try:
        job = pool.submit(solve)
        while not job.done():
            time.sleep(0.5)
            elapsed = fmt.seconds(time.monotonic() - started)
            status.update(label=f"{label} (at most {limit}): {elapsed} so far...")
        return job.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        controls.empty()


def generate(plan: dict, requirements: pd.DataFrame, inputs: dict) -> None:
    agents = loaded_agents()
    limit = fmt.seconds(inputs["time_limit_seconds"] * (1 if agents is None else 2))
    label = "Planning shifts" if agents is None else "Planning shifts and assigning agents"
    absences = load_table("absences", inputs_key()) if agents is not None else None
    week = (inputs["week_start"], inputs["week_start"] + dt.timedelta(days=6))
    limits = limits_for_period(get_store(), viewer, *week)  # HR's, without why: hard rules
    st.session_state.pop(STOPPED_KEY, None)
    controls = st.empty()  # the Stop button, outside the collapsed status
    with st.status(f"{label} (at most {limit})...", expanded=False) as status:
        try:
            outputs = solve_with_stop(
                controls,
                status,
                label,
                limit,
                lambda: make_schedule(
                    requirements,
                    inputs["templates"],
                    agents,
                    absences,
                    week_start=inputs["week_start"],
                    opening_hours=inputs["opening_hours"],
                    min_staff_while_open=inputs["min_staff_while_open"],
                    time_limit_seconds=inputs["time_limit_seconds"],
                    limits=limits,
                ),
            )
        except ValueError as exc:
            status.update(label="Scheduling failed", state="error")
            st.error(str(exc))
            return
        status.update(label="Schedule ready", state="complete")
    settings = {  # stored with the schedule when it is published
        "countries": list(plan["countries"]),
        "channels": list(plan["channels"]),
        "period": [str(day) for day in plan["period"]],
        "targets": plan.get("targets", {}),
        "opening_hours": inputs["opening_text"],
        "min_staff_while_open": inputs["min_staff_while_open"],
        "time_limit_seconds": inputs["time_limit_seconds"],
        "templates": templates_to_frame(inputs["templates"]).to_dict("records"),
    }
    st.session_state[RESULT_KEY] = schedule_result(plan, outputs, inputs["week_start"], settings)
    try:  # kept for the next session until published or discarded
        drafts.save_schedule(
            get_store(),
            viewer,
            plan=plan,
            outputs=outputs,
            week_start=inputs["week_start"],
            settings=settings,
        )
    except (AccessDenied, drafts.DraftError) as exc:
        st.caption(f"This schedule is not kept for your next visit: {exc}.")


def render_stopped() -> None:
    """After Stop: say that nothing was generated (once)."""
    if st.session_state.pop(STOPPED_KEY, False):
        st.info(
            "Stopped: no schedule was generated and nothing was kept. The schedule below, if "
            "any, is the one from before.",
            icon=":material/stop_circle:",
        )


def render_restored(result: dict) -> None:
    """Say that the schedule was restored from the user's draft, with a Discard button."""
    restored_at = result.get("restored_at")
    if restored_at is None or result.get("published_id") is not None:
        return

    def discard() -> None:
        drafts.discard_schedule(get_store(), viewer)
        st.session_state.pop(RESULT_KEY, None)

    render_restored_notice(
        f"Restored your unpublished schedule from {describe_moment(restored_at, fmt)}: "
        "generated then and not yet published.",
        "schedule_draft_discard",
        discard,
    )


STATUS_HELP = (
    "optimal: the cheapest plan (within a tiny tolerance); time limit: the best found before "
    "the solver time limit; no solution: none found in time; empty: nothing to schedule."
)


def render_status(outputs) -> None:
    plan, roster = outputs.plan, outputs.roster
    cols = st.columns(5)
    cols[0].metric(
        "Shift plan",
        plan.status.replace("_", " "),
        help="How many agents work each shift template on each day. " + STATUS_HELP,
    )
    cols[1].metric(
        "MIP gap",
        fmt.percent(plan.mip_gap, 2),
        help="How far the plan's cost may at most be above the cheapest possible, as the "
        "solver (a mixed-integer program, MIP) proves it: 0% is the cheapest.",
    )
    cols[2].metric(
        "Solve time",
        fmt.seconds(plan.solve_seconds, 1),
        help="Seconds the solver took for the shift plan.",
    )
    cols[3].metric(
        "Shortfall",
        fmt.with_unit(plan.shortfall_staff_hours, "staff-h", 1),
        help="Staff-hours of the requirement the plan could not cover with the shift templates "
        "and opening hours, summed over the half hours short of staff.",
    )
    cols[4].metric(
        "Labour cost",
        fmt.number(plan.labour_cost),
        help="Paid hours of the planned shifts times their cost per hour, summed: in the "
        "templates' units (1 a normal hour), not money.",
    )
    st.caption(plan.describe(fmt))
    if roster is None:  # no agents loaded: the page says so above
        return
    cols = st.columns(3)
    cols[0].metric(
        "Roster",
        roster.status.replace("_", " "),
        help="Agents assigned to the planned shifts, within their contract hours, absences and "
        f"the labour rules ({labour_rules_text()}). " + STATUS_HELP,
    )
    cols[1].metric(
        "Shifts filled",
        fmt.number(roster.filled_shifts),
        help="Planned shifts with an agent on them (one per agent and shift).",
    )
    cols[2].metric(
        "Shifts without an agent",
        fmt.number(roster.unfilled_shifts),
        help="Planned shifts no agent could take: too few agents for the queue, or their "
        "contracts, absences and rest rules leave nobody free.",
    )
    if roster.unfilled_shifts:
        st.warning(
            f"{fmt.number(roster.unfilled_shifts)} planned shift(s) have no agent: "
            f"{roster.describe(fmt)}. "
            "They are listed under **Shifts without an agent**; the coverage chart shows "
            "the plan, the Staffing page the named agents against the requirement.",
            icon=":material/person_off:",
        )
    else:
        st.caption(roster.describe(fmt))


# Times of day on the 24-hour clock, as Formats.time writes them; dates in the browser's style.
UNFILLED_COLUMNS = {
    "country": "Country",
    "channel": "Channel",
    "date": st.column_config.DateColumn("Date", format="localized"),
    "shift": "Shift",
    "shift_start": st.column_config.DatetimeColumn("Start", format="HH:mm"),
    "shift_end": st.column_config.DatetimeColumn("End", format="HH:mm"),
    "break_start": st.column_config.DatetimeColumn("Break", format="HH:mm"),
    "break_end": st.column_config.DatetimeColumn("Break end", format="HH:mm"),
    "paid_hours": amount_column(
        "Paid (h)", "Paid hours of one such shift, break excluded.", decimals=1
    ),
    "planned": amount_column("Planned", "Agents the shift plan puts on this shift."),
    "assigned": amount_column("Assigned", "Agents the roster found for it."),
    "unfilled": amount_column("Without an agent", "Planned less assigned."),
}
OVERTIME_COLUMNS = {
    "agent_id": "Agent",
    "week_start": st.column_config.DateColumn("Week starting", format="localized"),
    "contract_hours": amount_column("Contract (h)", "Contract hours of the week.", decimals=1),
    "scheduled_hours": amount_column(
        "Scheduled within contract (h)", "Rostered paid hours up to the contract hours.", decimals=1
    ),
    "projected_overtime_hours": amount_column(
        "Projected overtime (h)",
        "Rostered hours above the contract: the overtime the roster needs to close gaps.",
        decimals=1,
    ),
}


def render_result(result: dict) -> None:
    outputs = result["outputs"]
    st.subheader(f"Schedule for the week of {fmt.date(result['week_start'])}")
    render_status(outputs)
    if outputs.roster is not None:  # who has a limit set by HR this week, until when; never why
        week = result["week_start"]
        render_roster_limits(viewer, week, week + dt.timedelta(days=6))
    coverage = outputs.plan.coverage
    if coverage.empty:  # the week has no half hours to staff: nothing to show or publish
        st.info(
            "This week has no staffing requirement to schedule: choose another week, or check "
            "the plan's queues and period on the Staffing page."
        )
        return
    st.subheader("Coverage against the requirement")
    queues = sorted(set(zip(coverage["country"], coverage["channel"], strict=True)))
    country, channel = st.selectbox(
        "Queue",
        queues,
        format_func="/".join,
        key="schedule_queue",
        disabled=len(queues) < 2,
        help="A queue is one country's channel, scheduled on its own.",
    )
    shown = coverage[(coverage["country"] == country) & (coverage["channel"] == channel)]
    st.caption(
        "Solid line: staff required; dashed line: staff the shift plan puts on duty; red bars: "
        "half hours short of staff, by how many (point at one for the numbers). Drag to move "
        "along the week, scroll to zoom."
    )
    show_chart(coverage_chart(shown))
    roster = outputs.roster
    if roster is not None and not roster.assignments.empty:
        assignments = roster.assignments
        st.subheader("Who works when")
        st.caption(
            "Each bar runs from a shift's start to its end. Per team a lane for each shift, in "
            "the order they start; point at a bar for the agent, the shift and the break."
        )
        colours = shift_colours(outputs.plan.shifts["shift"])  # the same in both charts
        show_chart(gantt_chart(assignments, "team", "Team", colours))
        teams = sorted(assignments["team"].unique())
        team = st.selectbox(
            "Team", teams, key="schedule_team", help="Whose shifts the chart below shows."
        )
        show_chart(gantt_chart(assignments[assignments["team"] == team], "agent", "Agent", colours))
        left, right = st.columns(2)
        left.markdown(
            "**Shifts without an agent**",
            help="Planned shifts the roster could not fill, per day and break placement.",
        )
        left.dataframe(
            roster.unfilled[roster.unfilled["unfilled"] > 0],
            hide_index=True,
            width="stretch",
            column_config=UNFILLED_COLUMNS,
            key="schedule_unfilled",
        )
        right.markdown(
            "**Projected overtime**",
            help="Agents who would work beyond their contract in a week of this roster.",
        )
        right.dataframe(
            roster.overtime[roster.overtime["projected_overtime_hours"] > 0],
            hide_index=True,
            width="stretch",
            column_config=OVERTIME_COLUMNS,
            key="schedule_overtime",
        )
    render_publish(result)
    render_downloads(result)


def render_publish(result: dict) -> None:
    """Publish the generated schedule: the Overview then counts its staff on duty."""
    st.subheader("Publish")
    outputs = result["outputs"]
    intervals = staff_on_duty(outputs)  # not empty: render_result returned before otherwise
    days = intervals["interval_start"].dt.date
    span = fmt.day_span(days.min(), days.max())
    if result.get("published_id") is not None:
        st.success(
            f"Published as schedule #{result['published_id']}: the Overview counts its staff "
            f"on duty for {span}.",
            icon=":material/event_available:",
        )
        return
    if not viewer.can(Permission.PUBLISH_SCHEDULES):
        st.caption(
            f"Planners and admins publish schedules: as {viewer.role.value} you see this one "
            "but cannot make it the current schedule."
        )
        return
    st.caption(
        f"Publishing makes this the current schedule for {span}: the Overview then measures "
        "its staff on duty (the named agents, unfilled shifts left out) against the forecast, "
        "instead of the teams' hours. A schedule published later for the same days replaces it; "
        "published schedules are listed at the top of this page."
    )
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    note = left.text_input(
        "Note (optional)",
        key="schedule_publish_note",
        max_chars=500,
        placeholder="e.g. agreed with the team leads",
        help="Kept with the schedule and shown in the list of published schedules.",
    )
    if right.button("Publish this schedule", key="schedule_publish", icon=":material/publish:"):
        try:
            result["published_id"] = drafts.publish_schedule(
                get_store(), viewer, outputs, settings=result.get("settings"), note=note
            )
        except ScheduleError as exc:
            st.error(f"Could not publish the schedule: {exc}")
            return
        st.rerun()


PUBLISHED_COLUMNS = {
    "id": st.column_config.NumberColumn("#", format="%d"),
    "published_at": st.column_config.DatetimeColumn("Published", format="localized"),
    "published_by": "By",
    "first_day": st.column_config.DateColumn("From", format="localized"),
    "last_day": st.column_config.DateColumn("To", format="localized"),
    "countries": "Countries",
    "channels": "Channels",
    "shortfall_staff_hours": amount_column(
        "Shortfall (staff-h)",
        "Staff-hours of the requirement the shift plan could not cover.",
        decimals=1,
    ),
    "filled_shifts": amount_column("Shifts filled", "Agent-shifts with a named agent."),
    "unfilled_shifts": amount_column(
        "Without an agent", "Planned shifts the roster left unfilled."
    ),
    "note": "Note",
}


def render_published() -> None:
    """The published schedules, newest first; one of them shown on request."""
    published = list_schedules(get_store(), viewer)
    label = f"Published schedules ({fmt.number(len(published))})"
    with st.expander(label, icon=":material/event_available:"):
        if published.empty:
            st.write(
                "None yet. Generate a schedule below and publish it: the Overview then counts "
                "its staff on duty instead of the teams' hours."
            )
            return
        st.caption(
            "For each queue and day, the newest schedule covering it is the current one: it is "
            "what the Overview measures."
        )
        st.dataframe(
            published[list(PUBLISHED_COLUMNS)],
            hide_index=True,
            width="stretch",
            column_config=PUBLISHED_COLUMNS,
            key="schedule_published",
        )
        chosen = st.selectbox(
            "Show a published schedule",
            published["id"].tolist(),
            index=None,
            format_func=lambda i: f"#{i}",
            placeholder="Choose one",
            key="schedule_published_show",
            help="Its staff on duty against the requirement and who works when.",
        )
        if chosen is not None:
            render_published_schedule(int(chosen))


def render_published_schedule(schedule_id: int) -> None:
    schedule = load_schedule(get_store(), viewer, schedule_id)
    info, intervals = schedule.info, schedule.intervals
    staff = on_duty(intervals)
    coverage = mark_open(intervals, schedule.settings.get("opening_hours")).assign(
        scheduled_staff=staff, shortfall=(intervals["required_staff"] - staff).clip(lower=0)
    )
    st.caption(
        f"Schedule #{schedule_id}, {fmt.day_span(info['first_day'], info['last_day'])}, "
        f"published {fmt.date(info['published_at'].date())} by {info['published_by']}"
        + (f": “{info['note']}”" if info["note"] else ".")
    )
    queues = sorted(set(zip(coverage["country"], coverage["channel"], strict=True)))
    for country, channel in queues:
        st.markdown(f"**{country} {channel}**")
        shown = coverage[(coverage["country"] == country) & (coverage["channel"] == channel)]
        show_chart(coverage_chart(shown), key=f"schedule_published_{country}_{channel}")
    if not schedule.shifts.empty:
        shifts = schedule.shifts.assign(
            name=schedule.shifts["name"].fillna("(no longer loaded)"),
            team=schedule.shifts["team"].fillna("(no team)"),
        )
        show_chart(gantt_chart(shifts, "team", "Team"), key="schedule_published_teams")


def download(
    column, label: str, content: bytes, file_name: str, key: str, who_now, detail: dict
) -> None:
    """A download whose file is built on the click, checked against ``who_now()`` then, and
    recorded in the audit log as it leaves (:func:`services.exports.hand_out`)."""
    store = get_store()
    column.download_button(
        label,
        lambda: hand_out(store, who_now, Permission.EXPORT_SCHEDULES, file_name, content, detail),
        file_name=file_name,
        mime=MIME[file_name.rsplit(".", 1)[-1]],
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def render_downloads(result: dict) -> None:
    st.subheader("Downloads")
    if not viewer.can(Permission.EXPORT_SCHEDULES):
        st.caption(
            f"Exports are for planners and admins: as {viewer.role.value} you see the schedule "
            "here but cannot download it."
        )
        return
    files, zips = result["outputs"].files, result["zips"]
    plan = result.get("plan") or {}
    detail = {
        "page": "schedule",
        "week_start": str(result["week_start"]),
        "countries": list(plan.get("countries", ())),
        "channels": list(plan.get("channels", ())),
    }
    st.caption(
        "CSV and Excel files of the plan, its coverage and the roster; calendars (.ics) of every "
        "agent and team. Every download is recorded in the audit log."
    )
    tables = {path: content for path, content in files.items() if "/" not in path}
    who_now = who_later()  # one check recipe for every button of this run
    cols = st.columns(4)
    for k, (path, content) in enumerate(sorted({**tables, **zips}.items())):
        download(cols[k % 4], path, content, path, f"schedule_download_{path}", who_now, detail)
    agents = files_under(files, "calendars/agents/")
    teams = files_under(files, "calendars/teams/")
    left, right = st.columns(2)
    for column, kind, calendars in ((left, "agent", agents), (right, "team", teams)):
        if not calendars:
            continue
        name = column.selectbox(
            f"Calendar of one {kind}",
            sorted(calendars),
            key=f"schedule_{kind}_calendar",
            help=f"An .ics file of the {kind}'s shifts this week, to import into Outlook, "
            "Google or Apple calendars.",
        )
        download(
            column,
            f"Download {name}",
            calendars[name],
            name,
            f"schedule_download_{kind}_ics",
            who_now,
            detail,
        )


st.title("Schedule")
st.caption(
    "Shifts that cover a week of the Staffing page's requirements at least cost, the agents on "
    "them (contracts, absences, labour rules), and calendar and spreadsheet exports."
)
restore_drafts()
render_published()
plan, requirements = load_requirements()
inputs = choose_inputs(plan)
if loaded_agents() is None:
    st.info(
        "No agents loaded yet, so the schedule is the shift plan alone: how many people work "
        "which shift, without names, rosters or calendars. " + how_to_upload("agents", viewer),
        icon=":material/person_off:",
    )
if st.button("Generate schedule", type="primary", key="schedule_generate"):
    generate(plan, requirements, inputs)
render_stopped()
result = st.session_state.get(RESULT_KEY)
if result is None:
    st.info("Choose a week and the shift templates, then press **Generate schedule**.")
    st.stop()
render_restored(result)
render_result(result)
