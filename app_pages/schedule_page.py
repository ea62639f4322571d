"""Schedule page: shifts that cover a week of staffing requirements, the roster, and exports."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    data_version,
    formats,
    get_store,
    load_table,
    require_page,
    shared_period,
)
from app_pages.planning_cache import (
    PLAN_KEY,
    SAVED,
    describe_period,
    plan_forecast,
    requirements_with_progress,
)
from data.access import AuditAction, Permission, record
from staffing.exports import make_schedule_outputs
from staffing.planning import (
    default_shift_templates,
    files_under,
    requirements_for_week,
    templates_to_frame,
    zip_files,
)
from staffing.scheduling import OpeningHours, shift_templates_from_frame

viewer = require_page(Permission.VIEW_STAFFING)

RESULT_KEY = "schedule_result"
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar",
    "zip": "application/zip",
}
TEMPLATE_COLUMNS = {
    "name": st.column_config.TextColumn("Name", required=True),
    "start": st.column_config.TextColumn(
        "Start", help="Local start time, HH:MM", required=True, validate=r"^\d{1,2}:\d{2}$"
    ),
    "length_hours": st.column_config.NumberColumn(
        "Length (h)", help="Start to end, unpaid break included", min_value=0.5, max_value=24.0
    ),
    "break_minutes": st.column_config.NumberColumn("Break (min)", help="Unpaid", min_value=0),
    "days": st.column_config.TextColumn(
        "Days", help="e.g. Mon-Sun, Mon-Fri or Mon,Wed,Sat", required=True
    ),
    "cost_per_hour": st.column_config.NumberColumn(
        "Cost per hour", help="Relative cost of a paid hour; the planner minimises the total"
    ),
    "break_earliest_minutes": st.column_config.NumberColumn(
        "Break from (min)", help="Earliest break start, minutes after the shift start"
    ),
    "break_latest_minutes": st.column_config.NumberColumn(
        "Break until (min)", help="Latest break start, minutes after the shift start"
    ),
    "countries": st.column_config.TextColumn("Countries", help="Comma-separated; empty = all"),
    "channels": st.column_config.TextColumn("Channels", help="Comma-separated; empty = all"),
}


def coverage_chart(coverage: pd.DataFrame) -> alt.LayerChart:
    """Required and scheduled staff per interval as lines, shortfalls as red bars."""
    base = alt.Chart(coverage).encode(x=alt.X("interval_start:T", title="Interval"))
    lines = (
        base.transform_fold(["required_staff", "scheduled_staff"], as_=["series", "staff"])
        .mark_line(interpolate="step-after", strokeWidth=1.5)
        .encode(
            y=alt.Y("staff:Q", title="Staff"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(
                    domain=["required_staff", "scheduled_staff"], range=["#1f77b4", "#2ca02c"]
                ),
                legend=alt.Legend(orient="top", labelExpr="replace(datum.label, '_', ' ')"),
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
        )
    )
    gaps = (
        base.transform_filter("datum.shortfall > 0")
        .mark_bar(color="#d62728", opacity=0.7)
        .encode(
            y=alt.Y("shortfall:Q"),
            tooltip=[
                alt.Tooltip("interval_start:T", title="Interval", format="%a %d %b %H:%M"),
                alt.Tooltip("required_staff:Q", title="Required"),
                alt.Tooltip("scheduled_staff:Q", title="Scheduled"),
                alt.Tooltip("shortfall:Q", title="Short by"),
            ],
        )
    )
    return alt.layer(gaps, lines).properties(height=300).interactive(bind_y=False)


def gantt_chart(assignments: pd.DataFrame, row: str, title: str) -> alt.Chart:
    """One bar per shift from start to end, a row per team or agent, coloured by shift."""
    chart = alt.Chart(assignments)
    if row == "agent":  # names can repeat: label rows with the id too
        chart = chart.transform_calculate(agent="datum.name + ' (' + datum.agent_id + ')'")
    return (
        chart.mark_bar(opacity=0.75 if row == "team" else 1.0, cornerRadius=2)
        .encode(
            x=alt.X("shift_start:T", title="Local time of the queue"),
            x2="shift_end:T",
            y=alt.Y(
                f"{row}:N",
                title=title,
                sort="ascending",
                axis=alt.Axis(labelOverlap=False, labelLimit=240),
            ),
            color=alt.Color("shift:N", title="Shift", legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("name:N", title="Agent"),
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("shift:N", title="Shift"),
                alt.Tooltip("shift_start:T", title="Start", format="%a %d %b %H:%M"),
                alt.Tooltip("shift_end:T", title="End", format="%H:%M"),
                alt.Tooltip("break_start:T", title="Break", format="%H:%M"),
            ],
        )
        .properties(height=alt.Step(24))
    )


def load_requirements() -> tuple[dict, pd.DataFrame]:
    """The Staffing page's plan and its requirements, or a pointer to the Staffing page."""
    plan = st.session_state.get(PLAN_KEY)
    if plan is None:
        st.info(
            "No staffing plan yet: choose queues and targets on the **Staffing** page and press "
            "**Plan staffing**; this page schedules those requirements."
        )
        st.stop()
    try:
        source = plan_forecast(plan)
        requirements = requirements_with_progress(plan)
    except ValueError as exc:
        st.error(f"Could not compute the requirements: {exc}")
        st.stop()
    share = plan.get("volume_share", 1.0)
    forecast = (
        "saved run " + ", ".join(f"#{i}" for i in source.runs)
        if source.source == SAVED
        else "fitted on the Staffing page"
    )
    st.caption(
        f"Requirements from the Staffing page: {', '.join(plan['countries'])} / "
        f"{', '.join(plan['channels'])}, {describe_period(plan['period'], formats())}, forecast "
        + forecast
        + (f", {share:.0%} of the forecast volume." if share < 1 else ".")
    )
    return plan, requirements


def week_bounds(period: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """First and last start of a week to schedule: whole weeks inside ``period`` (or its first
    day when it is shorter than a week)."""
    start, end = period
    return start, max(start, end - dt.timedelta(days=6))


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
        help="Seven days from this date are scheduled, within the planning period "
        "(fewer days if the period is shorter than a week).",
    )
    opening = middle.slider(
        "Opening hours",
        min_value=dt.time(0, 0),
        max_value=dt.time(23, 30),
        value=(dt.time(8, 0), dt.time(22, 0)),
        step=dt.timedelta(minutes=30),
        format="HH:mm",
        key="schedule_opening",
        help="Shifts must lie within these hours, every day; no staff is planned outside.",
    )
    min_staff = right.number_input(
        "Minimum staff while open",
        min_value=0,
        max_value=50,
        value=1,
        key="schedule_min_staff",
        help="Never fewer agents than this while the queue is open, even when it is quiet.",
    )
    time_limit = right.number_input(
        "Solver time limit (s)",
        min_value=5,
        max_value=300,
        value=30,
        key="schedule_time_limit",
        help="The best plan found in this time is used; the gap says how far from optimal.",
    )
    st.markdown("**Shift templates** (edit, add or delete rows)")
    edited = st.data_editor(
        templates_to_frame(default_shift_templates()),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=TEMPLATE_COLUMNS,
        key="schedule_templates",
    )
    try:
        templates = shift_templates_from_frame(edited, source="shift templates")
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    return {
        "week_start": week_start,
        "opening_hours": OpeningHours.every_day(*opening),
        "min_staff_while_open": int(min_staff),
        "time_limit_seconds": float(time_limit),
        "templates": templates,
    }


def generate(plan: dict, requirements: pd.DataFrame, inputs: dict) -> None:
    week = requirements_for_week(requirements, inputs["week_start"])
    version = data_version()
    with st.status("Planning shifts and assigning agents...", expanded=False) as status:
        try:
            outputs = make_schedule_outputs(
                week,
                inputs["templates"],
                load_table("agents", version),
                load_table("absences", version),
                opening_hours=inputs["opening_hours"],
                min_staff_while_open=inputs["min_staff_while_open"],
                time_limit_seconds=inputs["time_limit_seconds"],
            )
        except ValueError as exc:
            status.update(label="Scheduling failed", state="error")
            st.error(str(exc))
            return
        status.update(label="Schedule ready", state="complete")
    st.session_state[RESULT_KEY] = {
        "plan": plan,  # the Staffing page compares its plan with this one
        "outputs": outputs,
        "week_start": inputs["week_start"],
        "zips": {
            "calendars_agents.zip": zip_files(outputs.files, under="calendars/agents/"),
            "calendars_teams.zip": zip_files(outputs.files, under="calendars/teams/"),
        },
    }


def render_status(outputs) -> None:
    plan, roster = outputs.plan, outputs.roster
    cols = st.columns(5)
    cols[0].metric("Shift plan", plan.status.replace("_", " "))
    cols[1].metric("MIP gap", "-" if plan.mip_gap is None else f"{plan.mip_gap:.2%}")
    cols[2].metric("Solve time", f"{plan.solve_seconds:.1f} s")
    cols[3].metric(
        "Shortfall",
        f"{plan.shortfall_staff_hours:,.1f} staff-h",
        help="Agent-hours the plan could not cover with the templates and opening hours.",
    )
    cols[4].metric("Labour cost", f"{plan.labour_cost:,.0f}")
    st.caption(plan.message)
    if roster is not None:
        cols = st.columns(3)
        cols[0].metric("Roster", roster.status.replace("_", " "))
        cols[1].metric("Shifts filled", roster.filled_shifts)
        cols[2].metric("Shifts without an agent", roster.unfilled_shifts)
        if roster.unfilled_shifts:
            st.warning(
                f"{roster.unfilled_shifts} planned shift(s) have no agent: {roster.message}. "
                "They are listed under **Shifts without an agent**; the coverage chart shows "
                "the plan, the Staffing page the named agents against the requirement.",
                icon=":material/person_off:",
            )
        else:
            st.caption(roster.message)


def render_result(result: dict) -> None:
    outputs = result["outputs"]
    st.subheader(f"Schedule for the week of {result['week_start']:%d %b %Y}")
    render_status(outputs)
    coverage = outputs.plan.coverage
    st.subheader("Coverage against the requirement")
    queues = sorted(set(zip(coverage["country"], coverage["channel"], strict=True)))
    country, channel = st.selectbox(
        "Queue", queues, format_func="/".join, key="schedule_queue", disabled=len(queues) < 2
    )
    shown = coverage[(coverage["country"] == country) & (coverage["channel"] == channel)]
    st.altair_chart(coverage_chart(shown), width="stretch")
    roster = outputs.roster
    if roster is not None and not roster.assignments.empty:
        assignments = roster.assignments
        st.subheader("Who works when")
        st.altair_chart(gantt_chart(assignments, "team", "Team"), width="stretch")
        teams = sorted(assignments["team"].unique())
        team = st.selectbox("Team", teams, key="schedule_team")
        st.altair_chart(
            gantt_chart(assignments[assignments["team"] == team], "agent", "Agent"),
            width="stretch",
        )
        left, right = st.columns(2)
        left.markdown("**Shifts without an agent**")
        left.dataframe(
            roster.unfilled[roster.unfilled["unfilled"] > 0],
            hide_index=True,
            width="stretch",
            key="schedule_unfilled",
        )
        right.markdown("**Projected overtime**")
        right.dataframe(
            roster.overtime[roster.overtime["projected_overtime_hours"] > 0],
            hide_index=True,
            width="stretch",
            key="schedule_overtime",
        )
    render_downloads(result)


def record_export(file_name: str, detail: dict) -> None:
    """``on_click`` of every download: one audit row per file handed out."""
    record(get_store().engine, viewer, AuditAction.EXPORT, subject=file_name, detail=detail)


def download(column, label: str, content: bytes, file_name: str, key: str, detail: dict) -> None:
    column.download_button(
        label,
        content,
        file_name=file_name,
        mime=MIME[file_name.rsplit(".", 1)[-1]],
        key=key,
        icon=":material/download:",
        on_click=record_export,
        args=(file_name, {**detail, "bytes": len(content)}),
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
    tables = {path: content for path, content in files.items() if "/" not in path}
    cols = st.columns(4)
    for k, (path, content) in enumerate(sorted({**tables, **zips}.items())):
        download(cols[k % 4], path, content, path, f"schedule_download_{path}", detail)
    agents = files_under(files, "calendars/agents/")
    teams = files_under(files, "calendars/teams/")
    left, right = st.columns(2)
    for column, kind, calendars in ((left, "agent", agents), (right, "team", teams)):
        if not calendars:
            continue
        name = column.selectbox(
            f"Calendar of one {kind}", sorted(calendars), key=f"schedule_{kind}_calendar"
        )
        download(
            column,
            f"Download {name}",
            calendars[name],
            name,
            f"schedule_download_{kind}_ics",
            detail,
        )


st.title("Schedule")
st.caption(
    "Shifts that cover a week of the Staffing page's requirements at least cost, the agents on "
    "them (contracts, absences, labour rules), and calendar and spreadsheet exports."
)
plan, requirements = load_requirements()
inputs = choose_inputs(plan)
if st.button("Generate schedule", type="primary", key="schedule_generate"):
    generate(plan, requirements, inputs)
result = st.session_state.get(RESULT_KEY)
if result is None:
    st.info("Choose a week and the shift templates, then press **Generate schedule**.")
    st.stop()
render_result(result)
