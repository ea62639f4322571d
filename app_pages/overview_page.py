"""Overview page: the coming weeks per country and channel, and where to act (the landing page)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    formats,
    require_page,
    share_column,
    shared_filters,
    shared_period,
    show_built_chart,
)
from app_pages.overview_data import compute, forecast_days, inputs_key, strain
from data.access import Permission, Principal
from formats import Formats
from overview import DEFAULT_TARGETS, FTE_HOURS, Overview, in_locale

# the targets the overview judges against, for its help texts and the target line
SL_TARGET = DEFAULT_TARGETS["service_level_target"]
ANSWER_S = DEFAULT_TARGETS["answer_target_seconds"]
SHRINKAGE = DEFAULT_TARGETS["shrinkage"]
#: Where the capacity comes from, for the help texts.
CAPACITY_HELP = (
    "Days with a published schedule (Schedule page) count the staff it puts on duty; other "
    "days count the teams' hours (contracts less approved absences) laid over the demand as "
    "a good schedule would."
)
#: One colour per channel, told apart by shape too (not colour alone).
CHANNEL_COLOURS = {"voice": "#1f6f8b", "chat": "#e45756", "email": "#54a24b"}
PAGES = {
    "app_pages/schedule_page.py": ("Schedule", Permission.VIEW_STAFFING),
    "app_pages/staffing_page.py": ("Staffing", Permission.VIEW_STAFFING),
    "app_pages/forecast_page.py": ("Forecast", Permission.VIEW_FORECASTS),
    "app_pages/wellbeing_page.py": ("Wellbeing", Permission.VIEW_TEAM_WELLBEING),
}


def week_labels(weeks: pd.DataFrame, fmt: Formats) -> list[str]:
    """Each row's week as the heatmap names it; a week the period cuts says how many of its
    days count, so its smaller numbers are not read as a quieter week."""
    days = weeks.groupby("week_start")["period_days"].transform("max")
    return [
        fmt.day(start.date()) + ("" if n >= 7 else f" ({fmt.number(n)} of 7 days)")
        for start, n in zip(weeks["week_start"], days, strict=True)
    ]


def gap_heatmap(weeks: pd.DataFrame, fmt: Formats) -> alt.Chart:
    frame = weeks.assign(
        queue=weeks["country"] + " " + weeks["channel"],
        week=week_labels(weeks, fmt),
        label=weeks["gap_fte"].map(lambda v: fmt.signed(-v, 1) if v >= 0.05 else "ok"),
        sl=weeks["service_level"],
    )
    # the data goes on the layer, not on each part: parts sharing one frame make Altair hash
    # it through its text form to hoist it (about 0.1 s a run)
    base = alt.Chart().encode(
        x=alt.X("week:N", title="Week starting", sort=None),
        y=alt.Y("queue:N", title=None),
    )
    # a week with a published schedule is outlined: a line, not a colour, tells it apart
    cells = base.mark_rect(strokeWidth=2).encode(
        color=alt.Color(
            "gap_fte:Q",
            title="Short (FTE)",
            scale=alt.Scale(scheme="oranges", domainMin=0),
        ),
        stroke=alt.condition("datum.scheduled_days > 0", alt.value("black"), alt.value(None)),
        tooltip=[
            alt.Tooltip("queue:N", title="Queue"),
            alt.Tooltip("week:N", title="Week"),
            alt.Tooltip("contacts:Q", title="Contacts", format=",.0f"),
            alt.Tooltip("required_hours:Q", title="Staff-hours needed", format=",.0f"),
            alt.Tooltip("capacity_hours:Q", title="Staff-hours scheduled", format=",.0f"),
            alt.Tooltip("scheduled_days:Q", title="Days with a published schedule"),
            alt.Tooltip("gap_fte:Q", title="Short (FTE)", format=".1f"),
            alt.Tooltip("sl:Q", title="Service level", format=".0%"),
            alt.Tooltip("peak_day:N", title="Most short on"),
            alt.Tooltip("peak_hours:N", title="Hours"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(text="label:N")
    return alt.layer(cells, text, data=frame).properties(height=alt.Step(22))


def service_chart(weeks: pd.DataFrame, target: float) -> alt.Chart:
    """Service level per week: one small panel per country (channels as lines in it), so that
    a dozen queues stay readable, with the target as a dashed line in every panel."""
    frame = weeks.dropna(subset=["service_level"]).assign(
        queue=lambda f: f["country"] + " " + f["channel"], target=target
    )
    base = alt.Chart()  # the data goes on the layer (see gap_heatmap)
    lines = base.mark_line(point=True).encode(
        x=alt.X("week_start:T", title="Week starting", axis=alt.Axis(format="%d %b")),
        y=alt.Y(
            "service_level:Q",
            title="Service level",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=alt.Color(
            "channel:N",
            title="Channel",
            scale=alt.Scale(domain=list(CHANNEL_COLOURS), range=list(CHANNEL_COLOURS.values())),
        ),
        shape=alt.Shape("channel:N", title="Channel"),
        tooltip=[
            alt.Tooltip("queue:N", title="Queue"),
            alt.Tooltip("week_start:T", title="Week", format="%d %b"),
            alt.Tooltip("service_level:Q", title="Service level", format=".0%"),
        ],
    )
    rule = base.mark_rule(strokeDash=[2, 2], color="black").encode(y="mean(target):Q")
    countries = frame["country"].nunique()
    return (
        alt.layer(lines, rule, data=frame)
        .properties(width=230, height=140)
        .facet(facet=alt.Facet("country:N", title=None), columns=min(max(countries, 1), 3))
    )


def render_kpis(overview: Overview, fmt: Formats) -> None:
    weeks = overview.weeks
    contacts = weeks["contacts"].sum()
    queue_rows = weeks.dropna(subset=["service_level"])
    reach = (queue_rows["service_level"] * queue_rows["contacts"]).sum() / max(
        queue_rows["contacts"].sum(), 1
    )
    per_week = weeks.groupby("week_start").agg(
        gap_hours=("gap_hours", "sum"), days=("period_days", "max")
    )
    full_weeks = per_week[per_week["days"] >= 7]
    worst_gap = (full_weeks if len(full_weeks) else per_week)["gap_hours"].max()
    cols = st.columns(4)
    days = (overview.end - overview.start).days + 1
    cols[0].metric(
        f"Contacts in the {fmt.number(days)} days",
        fmt.number(contacts),
        help="The newest saved forecast of each country and channel (picked model).",
    )
    cols[1].metric(
        "Staff needed a week (FTE)",
        fmt.fte(overview.required_fte),  # the Staffing page's figure: overview.fte_per_week
        help=f"Paid staff-hours the Erlang C requirement asks for in an average week of the "
        f"period (weeks the period cuts count for their days), in FTE of "
        f"{fmt.hours(FTE_HOURS)} a week, "
        f"including shrinkage (breaks, training, absence: {fmt.percent(SHRINKAGE)}).",
    )
    cols[2].metric(
        "Largest weekly gap (FTE)",
        fmt.fte(worst_gap / FTE_HOURS),
        help="Staff-hours the queues need beyond what is scheduled, summed over the half hours "
        "short and over queues, in the worst whole week of the period. " + CAPACITY_HELP,
    )
    cols[3].metric(
        "Service level of the schedule",
        fmt.percent(reach),
        help=f"Share of contacts answered within {fmt.seconds(ANSWER_S)} (target "
        f"{fmt.percent(SL_TARGET)}) with the staff scheduled. " + CAPACITY_HELP,
    )


def capacity_source(overview: Overview, fmt: Formats) -> str:
    """Where the scheduled capacity of these weeks comes from, in a sentence."""
    share = overview.scheduled_share
    if share == 0:
        return (
            "No schedule is published for these weeks: the capacity is the teams' hours "
            "(contracts less approved absences) laid over the demand as a good schedule would."
        )
    if share == 1:
        return "Capacity: the published schedules' staff on duty, on every day shown."
    return (
        f"Capacity: the published schedules' staff on duty on {fmt.percent(share)} of the "
        "queue-days shown; on the other days the teams' hours (contracts less approved "
        "absences) laid over the demand."
    )


#: Actions shown open at the top; the rest wait in an expander so the numbers stay in view.
TOP_ACTIONS = 3


def render_action(text: str, page: str, viewer: Principal) -> None:
    label, permission = PAGES[page]
    with st.container(border=True):
        st.markdown(text)
        if viewer.can(permission):
            st.page_link(page, label=f"Go to {label}", icon=":material/arrow_forward:")


def render_actions(overview: Overview, viewer: Principal, extra: list[tuple[str, str]]) -> None:
    st.subheader("What to do")
    items = [(a.text, a.page) for a in overview.actions] + extra
    if not items:
        st.success("Nothing needs action in the coming weeks.", icon=":material/check_circle:")
        return
    for text, page in items[:TOP_ACTIONS]:  # most urgent first
        render_action(text, page, viewer)
    if len(items) > TOP_ACTIONS:
        rest = len(items) - TOP_ACTIONS
        with st.expander(f"{rest} more action{'s' if rest > 1 else ''}"):
            for text, page in items[TOP_ACTIONS:]:
                render_action(text, page, viewer)


viewer = require_page(Permission.VIEW_FORECASTS)
fmt = formats()
st.title("Overview")
key = inputs_key(viewer)  # an import, run or schedule saved anywhere shows at once
days = forecast_days(key, dt.date.today(), viewer)
if days is None:
    st.info(
        "No saved forecast yet, so there is nothing to compare with the teams. "
        + (
            "Run and save one on the Forecast page."
            if viewer.can(Permission.RUN_FORECASTS)
            else "A planner runs and saves forecasts on the Forecast page."
        ),
        icon=":material/info:",
    )
    st.page_link(
        "app_pages/forecast_page.py", label="Go to Forecast", icon=":material/trending_up:"
    )
    st.stop()
start, end = shared_period(*days)
with st.spinner("Working out the coming weeks..."):
    overview, runs = compute(key, start, end, viewer)
if overview is None:  # no saved run has a day in the period
    st.info("No saved forecast covers the planning period: choose other dates in the sidebar.")
    st.stop()
overview = in_locale(overview, fmt)  # the numbers are shared; the words are the viewer's

countries, channels = shared_filters(
    sorted(overview.weeks["country"].unique()), sorted(overview.weeks["channel"].unique())
)
shown = overview.weeks[
    overview.weeks["country"].isin(countries) & overview.weeks["channel"].isin(channels)
]
view = dataclasses.replace(overview, weeks=shown)
st.caption(
    f"{fmt.date(overview.start)} to {fmt.date(overview.end)} (the planning period in the "
    "sidebar). Forecast: "
    + "; ".join(
        f"run #{run_id} “{info.name}” (saved {fmt.date(info.created_at.date())} by "
        f"{info.created_by or 'the system'}, history to {fmt.date(info.history_end)})"
        for run_id, info in runs.items()
    )
)
for note in overview.notes:
    st.warning(note, icon=":material/warning:")
st.caption(capacity_source(view, fmt))
if shown.empty:
    st.info("Choose at least one country and channel in the sidebar.")
    st.stop()

extra: list[tuple[str, str]] = []
teams = outlook = None
if viewer.can(Permission.VIEW_TEAM_WELLBEING):
    with st.spinner("Scoring team strain..."):
        teams, outlook = strain(key, start, end, viewer)
    if teams.as_of is not None and outlook.would_cross:
        extra.append(
            (
                f"{outlook.describe(fmt)} Spread the gap across teams or plan extra hires instead of "
                "overtime; HR can see who is already strained.",
                "app_pages/wellbeing_page.py",
            )
        )
# what to do comes first: it is what a manager opens the page for on a Monday morning
render_actions(view, viewer, extra)

render_kpis(view, fmt)
left, right = st.columns([3, 2])
with left:
    st.subheader("Where the people fall short")
    st.caption(
        f"FTE short per queue and week: staff-hours needed (Erlang C at {fmt.percent(SL_TARGET)} "
        f"in {fmt.seconds(ANSWER_S)}, occupancy at most "
        f"{fmt.percent(DEFAULT_TARGETS['max_occupancy'])}, {fmt.percent(SHRINKAGE)} shrinkage) "
        'against the staff scheduled. "ok": enough. Outlined: weeks a published schedule '
        "covers (on some or all of their days). A week the period cuts says how many of its "
        "days count."
    )
    show_built_chart(gap_heatmap, shown, fmt)
with right:
    st.subheader("Upcoming holidays")
    holidays = overview.holidays[overview.holidays["country"].isin(countries)]
    if holidays.empty:
        st.write("No public holidays in these weeks.")
    else:
        st.caption("Change in the forecast against the same weekdays away from holidays.")
        st.markdown("\n".join(f"- {text}" for text in holidays["text"]))  # one element, not 15

st.subheader("Service level the schedule reaches")
st.caption(
    f"One panel per country, a line per channel; the dashed line is the target "
    f"({fmt.percent(SL_TARGET)} in {fmt.seconds(ANSWER_S)})."
)
show_built_chart(service_chart, shown, SL_TARGET)

if teams is not None:
    st.subheader("Team strain")
    if teams.as_of is None:  # nothing to score yet
        st.info(
            f"No team strain yet: {teams.notes[0] if teams.notes else 'no people data'}.",
            icon=":material/info:",
        )
        st.stop()
    st.caption(
        f"Workload strain per team from absences, hours and performance up to "
        f"{fmt.date(teams.as_of)}, in aggregate only: teams under 5 people are not shown."
    )
    table = teams.teams[["team", "suppressed", "n_agents", "share_medium", "share_high"]].astype(
        {"share_medium": float, "share_high": float}
    )  # suppressed teams: empty cells, not "None"
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "team": "Team",
            "suppressed": st.column_config.CheckboxColumn("Hidden (< 5 people)"),
            "n_agents": st.column_config.NumberColumn("People"),
            "share_medium": share_column("Medium strain", decimals=None),
            "share_high": share_column("High strain", decimals=None),
        },
        key="overview_strain",
    )
    st.markdown(f"**If the gap is covered with overtime:** {outlook.describe(fmt)}")
