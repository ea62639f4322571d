"""What the two wellbeing pages draw: HR's flag review (individuals) and the team aggregates.

Two pages, so that each is gated by its own permission: "Flag review" (individual flags, HR
only) and "Wellbeing" (team aggregates, HR and managers).
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import data_version, get_store, load_table
from data.access import AccessDenied, Permission, Principal
from data.flags import (
    AgentDetail,
    FlagError,
    StaleFlagError,
    TeamStrain,
    agent_detail,
    evaluate_flags,
    last_evaluation,
    list_flags,
    review_flag,
    team_strain,
)
from wellbeing import ALLOWED_TRANSITIONS, DEFAULT_THRESHOLDS, ReviewState, join_reasons

VERSION_KEY = "wellbeing_version"  # bumped by evaluations and reviews: refreshes the views
MEMO_KEY = "wellbeing_memo"
MESSAGE_KEY = "wellbeing_message"
REVIEW_MESSAGE_KEY = "wellbeing_review_message"
NOTE_KEY = "wellbeing_note"
AGENT_KEY = "wellbeing_agent"

EMPTY_TEXT = (
    "No people data yet. Upload the **agents**, **absences**, **hours** and **performance** "
    "files on the Data page; workload strain is worked out from them."
)
PURPOSE = (
    "Signs of **workload strain** worked out from absences, hours and performance: never a "
    "diagnosis. A flag is a prompt for a conversation with the person, and a person (HR) decides "
    "what, if anything, to do."
)
STATE_LABELS = {
    "open": "Open",
    "in_review": "In review",
    "resolved": "Resolved",
    "dismissed": "Dismissed",
}
ACTION_LABELS = {
    "in_review": "Start review",
    "open": "Back to open",
    "resolved": "Resolve",
    "dismissed": "Dismiss",
}
ACTION_HELP = {
    "in_review": "You are looking into it: others see the flag is being handled.",
    "open": "Hand the flag back to the queue.",
    "resolved": "Action agreed with the person (needs a note).",
    "dismissed": "No action needed (needs a note). The same concern will not be flagged again; "
    "a higher level or a new kind of strain raises a new flag.",
}
LEVEL_HELP = (
    f"Workload-strain level at the latest evaluation: high from a score of "
    f"{DEFAULT_THRESHOLDS.high_score:g}, medium from {DEFAULT_THRESHOLDS.medium_score:g} (of 100). "
    "A flag at low means the strain has eased since it was raised; HR still closes it."
)
STATE_HELP = (
    "Review state: open (not yet looked at), in review, resolved (action agreed) or dismissed "
    "(no action). Resolved and dismissed flags stay on file."
)
ABSENCE_TYPES = ["sick", "vacation", "other"]
HOW_IT_WORKS = f"""
Each rule below fires on its own numbers; the reasons list every rule that fired, with the
measured value and the threshold. Within a family only the strongest rule counts, and the
families combine into a score from 0 to 100.

- **Absence.** The *Bradford Factor* is S² × D over the last 52 weeks, where S is the number of
  separate spells of sickness and D the days absent: ten 1-day spells score 1,000, one 10-day
  spell scores 10, because frequent short absences disrupt more. Trigger points
  {", ".join(f"{t:g}" for t in DEFAULT_THRESHOLDS.bradford_triggers)}. It is one transparent
  signal, not a verdict (disability-related absence, for instance, must be taken into account).
  Also: many sick days, and more spells in the last 13 weeks than the person's own usual.
- **Workload.** Average weekly hours over 17 weeks (and 4 weeks) above the 48 h of the Working
  Time Directive; several overtime weeks in a row.
- **Rest.** Rests under 11 h between shifts; more than 6 working days in a row.
- **Performance.** A metric getting worse (CSAT, QA score, adherence falling; handle time
  rising) by a robust trend test over the person's *own* history (Mann-Kendall, with
  Benjamini-Hochberg control of false alarms across everybody), and the last 4 weeks clearly
  below their own baseline. The dashed line on the charts is the Theil-Sen trend: the median
  of all week-to-week slopes, which a single odd week cannot tilt.

Managers see team aggregates only, and nothing for groups under
{DEFAULT_THRESHOLDS.min_group_size} people.
"""


# --- session helpers -------------------------------------------------------------------------


def _version() -> tuple[int, int]:
    return data_version(), st.session_state.get(VERSION_KEY, 0)


def _bump() -> None:
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def _memo(name: str, args: tuple, compute):
    """``compute()`` again only when ``args`` change, so a look is audited once, not per rerun."""
    cache = st.session_state.setdefault(MEMO_KEY, {})
    hit = cache.get(name)
    if hit is None or hit[0] != args:
        cache[name] = (args, compute())
    return cache[name][1]


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def load_team_strain(version: int, viewer: Principal) -> TeamStrain:
    return team_strain(get_store(), viewer)


# --- callbacks -------------------------------------------------------------------------------


def _reevaluate(viewer: Principal) -> None:
    try:
        summary = evaluate_flags(get_store(), viewer)
    except FlagError as exc:
        st.session_state[MESSAGE_KEY] = ("error", f"Nothing evaluated: {exc}.")
        return
    st.session_state[MESSAGE_KEY] = (
        "success",
        f"Re-evaluated {summary.agents_scored} people as of {summary.as_of:%d %b %Y}: "
        f"{summary.raised} new flag(s), {summary.updated} still strained, {summary.eased} eased.",
    )
    _bump()


def _review(viewer: Principal, flag_id: int, to_state: str, expected_state: str) -> None:
    note = st.session_state.get(NOTE_KEY, "")
    try:
        review_flag(get_store(), viewer, flag_id, to_state, note, expected_state=expected_state)
    except (ValueError, AccessDenied) as exc:  # refused moves, missing notes, stale states
        st.session_state[REVIEW_MESSAGE_KEY] = ("error", f"Not saved: {exc}.")
        if isinstance(exc, StaleFlagError):
            _bump()  # show what the flag is now
        return
    st.session_state[REVIEW_MESSAGE_KEY] = (
        "success",
        f"Flag {flag_id} is now {STATE_LABELS[to_state].lower()}; your decision is on record.",
    )
    st.session_state[NOTE_KEY] = ""
    _bump()


def _show_message(key: str) -> None:
    message = st.session_state.pop(key, None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


# --- charts ----------------------------------------------------------------------------------


def absence_chart(absences: pd.DataFrame, first: dt.date, last: dt.date) -> alt.LayerChart:
    """Absences as bars on a timeline, one row and one marker shape per type."""
    frame = absences.assign(bar_end=absences["end_date"] + pd.Timedelta(days=1))
    scale = alt.Scale(domain=ABSENCE_TYPES, range=["#d62728", "#1f77b4", "#7f7f7f"])
    x_scale = alt.Scale(domain=[pd.Timestamp(first).isoformat(), pd.Timestamp(last).isoformat()])
    tooltip = [
        alt.Tooltip("type:N", title="Type"),
        alt.Tooltip("start_date:T", title="From", format="%a %d %b %Y"),
        alt.Tooltip("end_date:T", title="To", format="%a %d %b %Y"),
        alt.Tooltip("days:Q", title="Days in window"),
    ]
    base = alt.Chart(frame).encode(
        y=alt.Y("type:N", title=None, sort=ABSENCE_TYPES, scale=alt.Scale(domain=ABSENCE_TYPES)),
        color=alt.Color("type:N", title="Absence", scale=scale, legend=alt.Legend(orient="top")),
        tooltip=tooltip,
    )
    bars = base.mark_bar(height=12, opacity=0.8).encode(
        x=alt.X("start_date:T", title=None, scale=x_scale), x2="bar_end:T"
    )
    # a marker at each start, shaped by type: short spells stay visible and types read
    # without colour
    marks = base.mark_point(filled=True, size=70).encode(
        x="start_date:T",
        shape=alt.Shape(
            "type:N",
            title="Absence",
            scale=alt.Scale(domain=ABSENCE_TYPES, range=["triangle-up", "circle", "square"]),
            legend=alt.Legend(orient="top"),
        ),
    )
    return alt.layer(bars, marks).properties(height=200)


def hours_chart(weekly: pd.DataFrame, limit_hours: float) -> alt.LayerChart:
    """Weekly hours worked against contract hours and the 48 h average limit."""
    series = {"hours_worked": "Hours worked", "contract_hours": "Contract hours"}
    base = alt.Chart(weekly).transform_fold(list(series), as_=["series", "hours"])
    lines = base.mark_line(point=True, strokeWidth=1.5).encode(
        x=alt.X("week_start:T", title="Week starting"),
        y=alt.Y("hours:Q", title="Hours a week"),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=list(series), range=["#1f77b4", "#7f7f7f"]),
            legend=alt.Legend(orient="top", labelExpr=_label_expr(series)),
        ),
        strokeDash=alt.StrokeDash(
            "series:N", scale=alt.Scale(domain=list(series), range=[[1, 0], [5, 3]]), legend=None
        ),
        tooltip=[
            alt.Tooltip("week_start:T", title="Week starting", format="%d %b %Y"),
            alt.Tooltip("hours:Q", title="Hours", format=".1f"),
        ],
    )
    limit = (
        alt.Chart(pd.DataFrame({"hours": [limit_hours]}))
        .mark_rule(color="#d62728", strokeDash=[2, 2])
        .encode(y="hours:Q", tooltip=[alt.Tooltip("hours:Q", title="Average weekly limit (h)")])
    )
    return alt.layer(lines, limit).properties(height=320)


def performance_chart(frame: pd.DataFrame, title: str, window_weeks: int) -> alt.Chart:
    """One metric's weekly means with the Theil-Sen trend line over the trend window."""
    trend_name = f"Theil-Sen trend, last {window_weeks} weeks"
    series = {"value": "Weekly mean", "trend": trend_name}
    return (
        alt.Chart(frame)
        .transform_fold(list(series), as_=["series", "y"])
        .mark_line(point=True, strokeWidth=1.5)
        .encode(
            x=alt.X("week_start:T", title="Week starting"),
            y=alt.Y("y:Q", title=title, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(series), range=["#1f77b4", "#ff7f0e"]),
                legend=alt.Legend(orient="top", labelExpr=_label_expr(series)),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=list(series), range=[[1, 0], [6, 3]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("week_start:T", title="Week starting", format="%d %b %Y"),
                alt.Tooltip("y:Q", title=title, format=".3g"),
            ],
        )
        .properties(height=300, title=title)
    )


def _label_expr(labels: dict[str, str]) -> str:
    cases = " : ".join(f"datum.label == '{k}' ? '{v}'" for k, v in labels.items())
    return f"{cases} : datum.label"


# --- HR view ---------------------------------------------------------------------------------


def render_evaluation(store, viewer: Principal) -> bool:
    """Evaluation status and the Re-evaluate button; False when there is nothing to show."""
    info = last_evaluation(store)
    if info is None:
        with st.spinner("Working out workload strain for the first time..."):
            try:
                summary = evaluate_flags(store, viewer)
            except FlagError:
                st.info(EMPTY_TEXT, icon=":material/upload_file:")
                return False
        _bump()
        st.info(
            f"Flags had never been evaluated, so they were just now: {summary.agents_scored} "
            f"people scored as of {summary.as_of:%d %b %Y}, {summary.raised} flag(s) raised.",
            icon=":material/info:",
        )
        info = last_evaluation(store)
    _show_message(MESSAGE_KEY)
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(
        f"Last evaluated {info.evaluated_at:%d %b %Y %H:%M} UTC by {info.evaluated_by}, "
        f"on data as of {info.as_of:%d %b %Y} ({info.agents_scored} people scored)."
    )
    right.button(
        "Re-evaluate",
        key="wellbeing_reevaluate",
        on_click=_reevaluate,
        args=(viewer,),
        icon=":material/refresh:",
        help="Score everybody again on the data now loaded. Open flags get the new numbers; "
        "nothing is deleted and review decisions stay.",
    )
    if info.data_changed:
        files = ", ".join(info.imports_since[:5]) + (" ..." if len(info.imports_since) > 5 else "")
        st.warning(
            f"New HR data since the last evaluation ({files}). Re-evaluate to include them.",
            icon=":material/update:",
        )
    return True


def render_flags_table(store, viewer: Principal) -> pd.DataFrame:
    """Filters and the flags table; returns the flags shown."""
    agents = load_table("agents", data_version())
    cols = st.columns(4)
    levels = cols[0].multiselect(
        "Level",
        ["high", "medium", "low"],
        default=["high", "medium", "low"],
        key="wellbeing_levels",
        help=LEVEL_HELP,
    )
    states = cols[1].multiselect(
        "State",
        list(STATE_LABELS),
        default=["open", "in_review"],
        key="wellbeing_states",
        format_func=STATE_LABELS.get,
        help=STATE_HELP,
    )
    teams = cols[2].multiselect(
        "Team",
        sorted(agents["team"].dropna().unique()),
        key="wellbeing_teams",
        placeholder="All teams",
    )
    countries = cols[3].multiselect(
        "Country",
        sorted(agents["country"].dropna().unique()),
        key="wellbeing_countries",
        placeholder="All countries",
    )
    filters = (tuple(levels), tuple(states), tuple(teams), tuple(countries))
    flags = _memo(
        "flags",
        (_version(), filters),
        lambda: list_flags(
            store, viewer, levels=levels, states=states, teams=teams, countries=countries
        ),
    )
    if flags.empty:
        st.success(
            "No flags match these filters. With all states and levels chosen, this means nobody's "
            "workload strain has reached medium.",
            icon=":material/check_circle:",
        )
        return flags
    shown = flags.assign(
        reasons=join_reasons(flags["reasons"]), state=flags["state"].map(STATE_LABELS)
    )
    st.dataframe(
        shown[
            ["name", "agent_id", "team", "country", "level", "score", "state", "reasons", "as_of"]
        ],
        key="wellbeing_flags_table",
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn("Person"),
            "agent_id": st.column_config.TextColumn("Agent id"),
            "team": st.column_config.TextColumn("Team"),
            "country": st.column_config.TextColumn("Country"),
            "level": st.column_config.TextColumn("Level", help=LEVEL_HELP),
            "score": st.column_config.ProgressColumn(
                "Score",
                help="0-100: the rules that fired, combined",
                min_value=0,
                max_value=100,
                format="%.0f",
            ),
            "state": st.column_config.TextColumn("State", help=STATE_HELP),
            "reasons": st.column_config.TextColumn("Reasons", width="large"),
            "as_of": st.column_config.DateColumn("Data as of", format="D MMM YYYY"),
        },
    )
    return flags


def render_agent(detail: AgentDetail, viewer: Principal) -> None:
    """The drill-down: reasons, timelines, history and the review actions."""
    flag = detail.current_flag
    st.subheader(f"{detail.name} ({detail.agent_id})")
    st.caption(
        f"{detail.team or 'No team'} · {detail.country or 'no country'} · contract "
        f"{detail.contract_hours_per_week:g} h a week · data as of {detail.as_of:%d %b %Y}"
    )
    m = st.columns(3)
    m[0].metric("Workload strain", detail.level.capitalize(), help=LEVEL_HELP)
    m[1].metric("Score", f"{detail.score:.0f} / 100")
    m[2].metric("Review", STATE_LABELS.get(flag["state"], "-") if flag is not None else "-")
    st.markdown("**Why** (the rules that fired, with their numbers and thresholds)")
    if detail.reasons:
        st.markdown("\n".join(f"- {reason}" for reason in detail.reasons))
    else:
        st.markdown("No rule fired at the latest evaluation: the strain has eased.")

    first = detail.as_of - dt.timedelta(days=7 * DEFAULT_THRESHOLDS.bradford_window_weeks - 1)
    st.markdown("**Absences** over the Bradford window (52 weeks)")
    if detail.absences.empty:
        st.caption("No absences in the window.")
    else:
        st.altair_chart(absence_chart(detail.absences, first, detail.as_of), width="stretch")
    st.markdown("**Weekly hours** against contract hours (dashed) and the 48 h average limit (red)")
    if detail.weekly_hours["hours_worked"].notna().any():
        st.altair_chart(
            hours_chart(detail.weekly_hours, DEFAULT_THRESHOLDS.max_average_weekly_hours),
            width="stretch",
        )
    else:
        st.caption("No hours on file for this person; upload an hours file on the Data page.")
    st.markdown(
        f"**Performance**, weekly means; the dashed line is the trend over the last "
        f"{detail.window_weeks} weeks that the decline rule tests"
    )
    if detail.trends.empty:
        st.caption("No performance data on file for this person.")
    metric_cols = st.columns(2)
    for k, trend in enumerate(detail.trends.itertuples(index=False)):
        frame = detail.performance[detail.performance["metric"] == trend.metric]
        with metric_cols[k % 2]:
            st.altair_chart(
                performance_chart(frame, trend.label, detail.window_weeks),
                width="stretch",
            )
            st.caption(
                f"Trend {trend.slope_per_week:+.3g} per week ({trend.change}), "
                f"{trend.weeks_with_data} of {detail.window_weeks} weeks with data."
            )

    render_history(detail)
    if flag is not None:
        render_review(flag, viewer)


def render_history(detail: AgentDetail) -> None:
    with st.expander("History of this person's flags", expanded=True):
        if detail.flags.empty:
            st.caption("Never flagged.")
            return
        observed = detail.observations.assign(reasons=detail.observations["reasons"].str.len())[
            ["flag_id", "evaluated_at", "as_of", "level", "score", "reasons"]
        ]
        st.markdown("Evaluations (newest first)")
        st.dataframe(
            observed,
            hide_index=True,
            width="stretch",
            key="wellbeing_observations",
            column_config={
                "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
                "evaluated_at": st.column_config.DatetimeColumn(
                    "Evaluated (UTC)", format="D MMM YYYY HH:mm"
                ),
                "as_of": st.column_config.DateColumn("Data as of", format="D MMM YYYY"),
                "level": "Level",
                "score": st.column_config.NumberColumn("Score", format="%.0f"),
                "reasons": st.column_config.NumberColumn("Reasons", help="Rules that fired"),
            },
        )
        st.markdown("Review decisions (newest first)")
        if detail.reviews.empty:
            st.caption("No review decisions yet.")
        else:
            st.dataframe(
                detail.reviews.assign(
                    from_state=detail.reviews["from_state"].map(STATE_LABELS),
                    to_state=detail.reviews["to_state"].map(STATE_LABELS),
                ),
                hide_index=True,
                width="stretch",
                key="wellbeing_reviews",
                column_config={
                    "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
                    "at": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY HH:mm"),
                    "reviewer": "Reviewer",
                    "from_state": "From",
                    "to_state": "To",
                    "note": st.column_config.TextColumn("Note", width="large"),
                },
            )


def render_review(flag: pd.Series, viewer: Principal) -> None:
    """Buttons for the moves the workflow allows from the flag's state, and the note."""
    st.markdown(f"**Review flag {flag['flag_id']}**")
    _show_message(REVIEW_MESSAGE_KEY)
    state = ReviewState(flag["state"])
    allowed = [s for s in ACTION_LABELS if s in ALLOWED_TRANSITIONS[state]]
    if not allowed:
        st.info(
            f"This review has ended ({STATE_LABELS[state].lower()} on "
            f"{flag['state_changed_at']:%d %b %Y}). A higher level or a new kind of strain "
            "would raise a new flag.",
            icon=":material/task_alt:",
        )
        return
    if not viewer.can(Permission.REVIEW_FLAGS):
        st.caption("Your role may look at flags but not review them.")
        return
    st.text_area(
        "Note",
        key=NOTE_KEY,
        placeholder="What was discussed or decided, and why",
        help="Required to resolve or dismiss: the grounds of the decision, so that a person's "
        "decision is on record. Keep health details to what the decision needs.",
    )
    cols = st.columns(len(allowed))
    for col, to_state in zip(cols, allowed, strict=True):
        col.button(
            ACTION_LABELS[to_state],
            key=f"wellbeing_to_{to_state}",
            on_click=_review,
            args=(viewer, int(flag["flag_id"]), to_state, state.value),
            help=ACTION_HELP[to_state],
            width="stretch",
        )


def render_hr_view(store, viewer: Principal) -> None:
    if not render_evaluation(store, viewer):
        return
    flags = render_flags_table(store, viewer)
    if flags.empty:
        return
    # the person open stays choosable after a review moves their flag out of the filters
    current = st.session_state.get(AGENT_KEY)
    people = list(dict.fromkeys([*flags["agent_id"], *([current] if current else [])]))
    labels = (
        flags.drop_duplicates("agent_id")
        .set_index("agent_id")
        .apply(lambda f: f"{f['name']} ({f.name}) · {f['level']} {f['score']:.0f}", axis=1)
    )
    agent_id = st.selectbox(
        "Open a person's flag",
        people,
        index=None,
        key=AGENT_KEY,
        format_func=lambda a: labels.get(a, a),
        placeholder="Choose a person to see why they were flagged",
        help="Shows the reasons, absence, hours and performance timelines, and the review. "
        "Every look at a person is recorded in the audit log.",
    )
    if agent_id is None:
        return
    try:
        detail = _memo(
            "agent", (_version(), agent_id), lambda: agent_detail(store, viewer, agent_id)
        )
    except FlagError as exc:  # the person left the agents file since the list was shown
        st.info(f"Cannot show {agent_id}: {exc}.")
        return
    st.divider()
    render_agent(detail, viewer)


# --- team view -------------------------------------------------------------------------------


def render_team_view(viewer: Principal) -> None:
    result = load_team_strain(data_version(), viewer)
    if result.as_of is None:
        st.info(EMPTY_TEXT, icon=":material/upload_file:")
        return
    st.caption(
        f"Workload strain per team on data as of {result.as_of:%d %b %Y}. Groups under "
        f"{result.min_group_size} people are suppressed (no numbers at all), so that nobody can "
        "be singled out; individual flags are for HR only."
    )
    teams = result.teams
    if teams["suppressed"].any():
        st.info(
            f"{int(teams['suppressed'].sum())} team(s) have fewer than {result.min_group_size} "
            "people and are shown as suppressed.",
            icon=":material/visibility_off:",
        )
    share = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
    st.dataframe(
        teams[
            [
                "team",
                "n_agents",
                "share_low",
                "share_medium",
                "share_high",
                "mean_score",
                "share_with_overtime",
                "top_reason_families",
                "note",
            ]
        ],
        key="wellbeing_teams_table",
        hide_index=True,
        width="stretch",
        column_config={
            "team": "Team",
            "n_agents": st.column_config.NumberColumn("People"),
            "share_low": st.column_config.ProgressColumn("Low", **share),
            "share_medium": st.column_config.ProgressColumn("Medium", **share, help=LEVEL_HELP),
            "share_high": st.column_config.ProgressColumn("High", **share, help=LEVEL_HELP),
            "mean_score": st.column_config.NumberColumn(
                "Mean score", format="%.0f", help="Mean workload-strain score, 0-100"
            ),
            "share_with_overtime": st.column_config.ProgressColumn(
                "With overtime",
                **share,
                help="Share of the team with at least one overtime week in the last 4 weeks",
            ),
            "top_reason_families": st.column_config.TextColumn(
                "Main reasons",
                help="Kinds of strain behind the medium and high scores, "
                "most frequent first (absence, workload, rest, performance, exposure)",
            ),
            "note": "Note",
        },
    )
    shown = teams[~teams["suppressed"]]
    if not shown.empty:
        st.altair_chart(team_chart(shown), width="stretch")


def team_chart(teams: pd.DataFrame) -> alt.Chart:
    """Share of each team at each level, stacked; level sets colour, opacity and order."""
    levels = {"share_high": "high", "share_medium": "medium", "share_low": "low"}
    frame = teams[["team", *levels]].astype({k: float for k in levels})
    return (
        alt.Chart(frame)
        .transform_fold(list(levels), as_=["level", "share"])
        .transform_calculate(level="replace(datum.level, 'share_', '')")
        .mark_bar()
        .encode(
            y=alt.Y("team:N", title=None),
            x=alt.X(
                "share:Q", title="Share of the team", axis=alt.Axis(format="%"), stack="normalize"
            ),
            color=alt.Color(
                "level:N",
                title="Level",
                scale=alt.Scale(
                    domain=["high", "medium", "low"], range=["#d62728", "#ff7f0e", "#c7c7c7"]
                ),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("level:N", sort="ascending"),
            opacity=alt.Opacity(
                "level:N",
                scale=alt.Scale(domain=["high", "medium", "low"], range=[1.0, 0.75, 0.5]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("team:N", title="Team"),
                alt.Tooltip("level:N", title="Level"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(height=28 * len(frame) + 40)
    )
