"""What the two wellbeing pages draw: HR's flag review (individuals) and the team aggregates.

Two pages, so that each is gated by its own permission: "Flag review" (individual flags, HR
only) and "Wellbeing" (team aggregates, HR and managers).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    amount_column,
    data_version,
    formats,
    get_store,
    load_summary,
    load_table,
    session_memo,
    show_built_chart,
    show_chart,
)
from data.access import AccessDenied, Permission, Principal
from data.validation import ABSENCE_TYPES, CLEAN_COLUMNS, REQUIRED_COLUMNS
from formats import Formats, date_input_format
from services.flags import (
    AgentDetail,
    FlagError,
    StaleFlagError,
    TeamStrain,
    agent_detail,
    agent_followups,
    complete_followup,
    evaluate_flags,
    followups_due,
    hr_users,
    last_evaluation,
    limits_for_period,
    list_flags,
    review_flag,
    review_with_followup,
    team_strain,
)
from wellbeing import (
    ALLOWED_TRANSITIONS,
    DEFAULT_THRESHOLDS,
    ReviewState,
    join_reasons,
    reason_detail,
    word_reason,
)
from wellbeing import LEVEL_ORDER as RISK_LEVEL_ORDER
from wellbeing.limits import ACTION_LABELS as FOLLOWUP_ACTION_LABELS
from wellbeing.limits import LIMIT_LABELS, MAX_LIMIT_DAYS, limit_notes

VERSION_KEY = "wellbeing_version"  # bumped by evaluations and reviews: refreshes the views
MESSAGE_KEY = "wellbeing_message"
REVIEW_MESSAGE_KEY = "wellbeing_review_message"
NOTE_KEY = "wellbeing_note"
AGENT_KEY = "wellbeing_agent"
FOLLOWUP_ON_KEY = "wellbeing_fu_on"  # record a follow-up with the review
FOLLOWUP_KEYS = {  # the follow-up's widgets
    "assignee": "wellbeing_fu_assignee",
    "due_date": "wellbeing_fu_due",
    "action": "wellbeing_fu_action",
    "note": "wellbeing_fu_note",
    "limit": "wellbeing_fu_limit",
    "hours": "wellbeing_fu_hours",
    "limit_days": "wellbeing_fu_limit_days",
}
DONE_MESSAGE_KEY = "wellbeing_fu_done_message"
#: The follow-up form's values, kept outside the widgets: Streamlit drops a widget's state after
#: a run that did not draw it, and a browser walk saw the form switch itself off, half filled,
#: after HR chose an agreed action (issue 18 note). Copied back before the widgets are drawn.
FORM_KEEP_KEY = "wellbeing_fu_kept"
NO_LIMIT = "none"
LIMIT_CHOICES = {
    NO_LIMIT: "No limit",
    "no_overtime": "No overtime",
    "max_weekly_hours": "At most N hours a week",
    "no_late_shifts": LIMIT_LABELS["no_late_shifts"].capitalize(),
}

#: The files workload strain is worked out from, and what each one feeds.
PEOPLE_FILES = {
    "agents": "who is in which team, with contract hours",
    "absences": "the absence rules (Bradford Factor, sick days, spells)",
    "hours": "the workload and rest rules (weekly hours, overtime, rest between shifts)",
    "performance": "the performance rules (a metric getting worse against the person's own usual)",
}
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
STATE_HELP = (
    "Review state: open (not yet looked at), in review, resolved (action agreed) or dismissed "
    "(no action). Resolved and dismissed flags stay on file."
)


def level_help(fmt: Formats) -> str:
    """What the low/medium/high levels mean, with the thresholds in the viewer's locale."""
    th = DEFAULT_THRESHOLDS
    return (
        f"Workload-strain level at the latest evaluation: high from a score of "
        f"{fmt.number(th.high_score)}, medium from {fmt.number(th.medium_score)} (of 100), "
        "low below. A flag at low means the strain has eased since it was raised; HR still "
        "closes it."
    )


def how_it_works(fmt: Formats) -> str:
    """The rules behind the flags, for the "How flags are worked out" expander."""
    th = DEFAULT_THRESHOLDS
    triggers = ", ".join(fmt.number(t) for t in th.bradford_triggers)
    return f"""
Each rule below fires on its own numbers; the reasons list every rule that fired, with the
measured value and the threshold. Within a family only the strongest rule counts, and the
families combine into a score from 0 to 100 (medium from {fmt.number(th.medium_score)},
high from {fmt.number(th.high_score)}).

- **Absence.** The *Bradford Factor* is S² × D over the last
  {fmt.with_unit(th.bradford_window_weeks, "weeks")}, where S is the number of separate spells
  of sickness and D the days absent: ten 1-day spells score {fmt.number(1000)}, one 10-day
  spell scores {fmt.number(10)}, because frequent short absences disrupt more. Trigger points
  {triggers}. It is one transparent signal, not a verdict (disability-related absence, for
  instance, must be taken into account). Also: more spells in the last
  {fmt.with_unit(th.frequency_recent_weeks, "weeks")} than the person's own usual, and spells
  that begin soon after weeks of overtime. A spell of
  {fmt.with_unit(th.long_spell_working_days, "working days")} or more is illness, not strain:
  it never counts and is shown only as context.
- **Workload.** Average weekly hours over {fmt.with_unit(th.reference_period_weeks, "weeks")}
  (and {fmt.with_unit(th.short_period_weeks, "weeks")}) above the
  {fmt.hours(th.max_average_weekly_hours)} of the Working Time Directive;
  {fmt.number(th.overtime_streak_weeks)} or more overtime weeks in a row.
- **Rest.** Rests under {fmt.hours(th.min_daily_rest_hours)} between shifts; more than
  {fmt.with_unit(th.max_consecutive_working_days, "working days")} in a row.
- **Performance.** A metric getting worse (CSAT, QA score, adherence falling; handle time
  rising) by a robust trend test over the person's *own* history (Mann-Kendall, with
  Benjamini-Hochberg control of false alarms across everybody), and the last
  {fmt.with_unit(th.short_period_weeks, "weeks")} clearly below their own baseline. The dashed
  line on the charts is the Theil-Sen trend: the median of all week-to-week slopes, which a
  single odd week cannot tilt.
- **Exposure.** *Occupancy* (the share of logged-in time spent handling contacts) above
  {fmt.percent(th.occupancy_threshold)} for {fmt.with_unit(th.occupancy_sustained_weeks, "weeks")}
  in a row, when the staffing results provide it.

Managers see team aggregates only, and nothing for groups under
{fmt.with_unit(th.min_group_size, "people")}.
"""


def file_columns(kind: str) -> str:
    """A people file's columns as the validators read them: required first, then optional."""
    required = REQUIRED_COLUMNS[kind]
    optional = [c for c in CLEAN_COLUMNS[kind] if c not in required]
    return ", ".join(required) + (f"; optional {', '.join(optional)}" if optional else "")


def missing_people_files() -> list[str]:
    """The people files (:data:`PEOPLE_FILES`) with no rows in the database."""
    rows = {s.table: s.rows for s in load_summary(data_version())}
    return [kind for kind in PEOPLE_FILES if not rows.get(kind)]


def missing_people_data(viewer: Principal, missing: list[str], *, complete: bool) -> str:
    """What the wellbeing views lack and how to get it in: the empty people files with their
    columns and what they feed, and where they are uploaded (for this viewer's role).

    ``complete``: nothing can be scored yet (else some rules only are missing their data).
    """
    files = "\n".join(
        f"- **{kind}** ({file_columns(kind)}): {PEOPLE_FILES[kind]}" for kind in missing
    )
    where = (
        "on the **Data** page (*Upload a file*)"
        if viewer.can(Permission.IMPORT_HR)
        else "on the **Data** page (HR or an admin does this)"
    )
    lead = (
        "No workload strain yet: it is worked out from the people files, and these are not loaded:"
        if complete
        else "Some rules cannot fire because these people files are not loaded:"
    )
    return (
        f"{lead}\n\n{files}\n\nUpload them {where}, agents first, or on the server with "
        "`.venv/bin/crewcast import KIND FILE`."
    )


def _hours_decimals(hours: float) -> int:
    """0 for whole hours (40 h), 1 otherwise (37.5 h)."""
    return 0 if float(hours).is_integer() else 1


def _significant_decimals(value: float, digits: int = 3) -> int:
    """Decimals that show ``value`` to about ``digits`` significant digits (at most 4)."""
    if not value or not math.isfinite(value):
        return 0
    return min(4, max(0, digits - 1 - math.floor(math.log10(abs(value)))))


# --- session helpers -------------------------------------------------------------------------


def _version() -> tuple[int, int]:
    return data_version(), st.session_state.get(VERSION_KEY, 0)


def _bump() -> None:
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def _memo(name: str, args: tuple, compute):
    """``compute()`` again only when ``args`` change, so a look is audited once, not per rerun
    (per session and viewer: :func:`app_pages.common.session_memo`)."""
    return session_memo(f"wellbeing_{name}", args, compute)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def load_team_strain(version: int, viewer: Principal) -> TeamStrain:
    return team_strain(get_store(), viewer)


# --- callbacks -------------------------------------------------------------------------------


def _reevaluate(viewer: Principal) -> None:
    try:
        with st.spinner("Scoring everybody on the data now loaded..."):
            summary = evaluate_flags(get_store(), viewer)
    except FlagError as exc:
        st.session_state[MESSAGE_KEY] = ("error", f"Nothing evaluated: {exc}.")
        return
    fmt = formats()
    st.session_state[MESSAGE_KEY] = (
        "success",
        f"Re-evaluated {fmt.with_unit(summary.agents_scored, 'people')} on data as of "
        f"{fmt.date(summary.as_of)}: {fmt.number(summary.raised)} new flag(s), "
        f"{fmt.number(summary.updated)} still strained, {fmt.number(summary.eased)} eased.",
    )
    _bump()


def _followup_options() -> dict:
    """The follow-up and limit the HR user filled in, as :func:`review_with_followup` takes them."""
    state = st.session_state
    options = {
        "assignee": state.get(FOLLOWUP_KEYS["assignee"]),
        "due_date": state.get(FOLLOWUP_KEYS["due_date"]),
        "action": state.get(FOLLOWUP_KEYS["action"]),
        "followup_note": state.get(FOLLOWUP_KEYS["note"], ""),
        "limits": [],
    }
    kind = state.get(FOLLOWUP_KEYS["limit"], NO_LIMIT)
    if kind != NO_LIMIT:
        days = tuple(state.get(FOLLOWUP_KEYS["limit_days"]) or ())
        first, last = (*days, None, None)[:2]
        options["limits"] = [
            {
                "kind": kind,
                "value": state.get(FOLLOWUP_KEYS["hours"]),
                "start_date": first,
                "end_date": last if last is not None else first,
            }
        ]
    return options


def _review(viewer: Principal, flag_id: int, to_state: str, expected_state: str) -> None:
    note = st.session_state.get(NOTE_KEY, "")
    with_followup = bool(st.session_state.get(FOLLOWUP_ON_KEY))
    try:
        if with_followup:
            review_with_followup(
                get_store(),
                viewer,
                flag_id,
                to_state,
                note,
                expected_state=expected_state,
                **_followup_options(),
            )
        else:
            review_flag(get_store(), viewer, flag_id, to_state, note, expected_state=expected_state)
    except (ValueError, AccessDenied) as exc:  # refused moves, missing notes, stale states
        st.session_state[REVIEW_MESSAGE_KEY] = ("error", f"Not saved: {exc}.")
        if isinstance(exc, StaleFlagError):
            _bump()  # show what the flag is now
        return
    followed = " with its follow-up" if with_followup else ""
    st.session_state[REVIEW_MESSAGE_KEY] = (
        "success",
        f"Flag {flag_id} is now {STATE_LABELS[to_state].lower()}; your decision is on "
        f"record{followed}.",
    )
    # A fresh form for the next decision. Only what is filled in is cleared: a value set here
    # reaches the browser with this run's page, and a click on that very widget while the run
    # is still drawing (switching the follow-up on right after "Start review") was then
    # overwritten in the browser by the value set here, while the server kept the click: the
    # next choice in the form sent the browser's "off" and the half-filled form vanished
    # (the follow-up walk caught it, about one run in three under load).
    if st.session_state.get(NOTE_KEY):
        st.session_state[NOTE_KEY] = ""
    if st.session_state.get(FOLLOWUP_ON_KEY):
        st.session_state[FOLLOWUP_ON_KEY] = False
    st.session_state.pop(FORM_KEEP_KEY, None)  # the decision is on record: a fresh form next
    _bump()


def _complete(viewer: Principal, followup_id: int) -> None:
    try:
        complete_followup(
            get_store(), viewer, followup_id, st.session_state.get("wellbeing_fu_done_note", "")
        )
    except (ValueError, AccessDenied) as exc:
        st.session_state[DONE_MESSAGE_KEY] = ("error", f"Not saved: {exc}.")
        return
    st.session_state[DONE_MESSAGE_KEY] = ("success", f"Follow-up {followup_id} is done.")
    st.session_state["wellbeing_fu_done_note"] = ""
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
    # ISO timestamps without a zone: Vega reads them in local time, as it reads the data
    days = [pd.Timestamp(d).isoformat() for d in (first, last)]  # machine-readable: Vega spec
    x_scale = alt.Scale(domain=days)
    tooltip = [
        alt.Tooltip("type:N", title="Type"),
        alt.Tooltip("start_date:T", title="From", format="%a %d %b %Y"),
        alt.Tooltip("end_date:T", title="To", format="%a %d %b %Y"),
        alt.Tooltip("days:Q", title="Days in the window", format=",.0f"),
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


def hours_chart(weekly: pd.DataFrame, limit_hours: float, limit_label: str) -> alt.LayerChart:
    """Weekly hours worked against contract hours and the 48 h average limit.

    The two series differ in dash and marker shape as well as colour (one merged legend shows
    all three), and the limit is a dotted rule with its name written on it.
    """
    series = {"hours_worked": "Hours worked", "contract_hours": "Contract hours"}
    domain = list(series)
    legend = alt.Legend(orient="top", labelExpr=_label_expr(series))
    base = alt.Chart(weekly).transform_fold(domain, as_=["series", "hours"])
    lines = base.mark_line(point=True, strokeWidth=1.5).encode(
        x=alt.X("week_start:T", title="Week starting"),
        y=alt.Y("hours:Q", title="Hours a week (h)"),
        **_series_marks(
            domain, legend, ["#1f77b4", "#7f7f7f"], [[1, 0], [5, 3]], ["circle", "square"]
        ),
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("week_start:T", title="Week starting", format="%a %d %b %Y"),
            alt.Tooltip("hours:Q", title="Hours (h)", format=",.1f"),
        ],
    )
    limit_frame = pd.DataFrame({"hours": [limit_hours], "label": [limit_label]})
    limit = (
        alt.Chart(limit_frame)
        .mark_rule(color="#d62728", strokeDash=[2, 2])
        .encode(
            y="hours:Q",
            tooltip=[alt.Tooltip("hours:Q", title="Average weekly limit (h)", format=",.0f")],
        )
    )
    limit_text = (
        alt.Chart(limit_frame)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-3, color="#d62728")
        .encode(y="hours:Q", x=alt.value(0), text="label:N")
    )
    return alt.layer(lines, limit, limit_text).properties(height=320)


def performance_chart(frame: pd.DataFrame, title: str, window_weeks: int) -> alt.Chart:
    """One metric's weekly means with the Theil-Sen trend line over the trend window."""
    trend_name = f"Theil-Sen trend, last {window_weeks} weeks"
    series = {"value": "Weekly mean", "trend": trend_name}
    domain = list(series)
    # colour, dash and marker shape all tell the series apart; one merged legend shows them
    legend = alt.Legend(orient="top", labelExpr=_label_expr(series), labelLimit=320)
    return (
        alt.Chart(frame)
        .transform_fold(domain, as_=["series", "y"])
        .mark_line(point=True, strokeWidth=1.5)
        .encode(
            x=alt.X("week_start:T", title="Week starting"),
            y=alt.Y("y:Q", title=title, scale=alt.Scale(zero=False)),
            **_series_marks(
                domain,
                legend,
                ["#1f77b4", "#ff7f0e"],
                [[1, 0], [6, 3]],
                ["circle", "triangle-down"],
            ),
            tooltip=[
                alt.Tooltip("week_start:T", title="Week starting", format="%a %d %b %Y"),
                alt.Tooltip("y:Q", title=title, format=",.3~g"),
            ],
        )
        .properties(height=300, title=title)
    )


def _series_marks(
    domain: list[str],
    legend: alt.Legend,
    colours: list[str],
    dashes: list[list[int]],
    shapes: list[str],
) -> dict[str, Any]:
    """The ``color``, ``strokeDash`` and ``shape`` encodings of a chart's ``series`` field: all
    three tell the series apart (not colour alone), under one merged ``legend``."""
    return {
        name: channel(
            "series:N", title=None, scale=alt.Scale(domain=domain, range=values), legend=legend
        )
        for name, channel, values in (
            ("color", alt.Color, colours),
            ("strokeDash", alt.StrokeDash, dashes),
            ("shape", alt.Shape, shapes),
        )
    }


def _label_expr(labels: dict[str, str]) -> str:
    cases = " : ".join(f"datum.label == '{k}' ? '{v}'" for k, v in labels.items())
    return f"{cases} : datum.label"


# --- HR view ---------------------------------------------------------------------------------


def render_evaluation(store, viewer: Principal, fmt: Formats) -> bool:
    """Evaluation status and the Re-evaluate button; False when there is nothing to show."""
    info = last_evaluation(store)
    missing = missing_people_files()
    if info is None:
        with st.spinner("Working out workload strain for the first time..."):
            try:
                summary = evaluate_flags(store, viewer)
            except FlagError as exc:
                if missing:
                    st.info(
                        missing_people_data(viewer, missing, complete=True),
                        icon=":material/upload_file:",
                    )
                else:
                    st.info(f"Nothing evaluated: {exc}.", icon=":material/info:")
                return False
        _bump()
        st.info(
            f"Flags had never been evaluated, so they were just now: "
            f"{fmt.with_unit(summary.agents_scored, 'people')} scored on data as of "
            f"{fmt.date(summary.as_of)}, {fmt.number(summary.raised)} flag(s) raised.",
            icon=":material/info:",
        )
        info = last_evaluation(store)
    _show_message(MESSAGE_KEY)
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(
        f"Last evaluated {fmt.timestamp(info.evaluated_at)} UTC by {info.evaluated_by}, "
        f"on data as of {fmt.date(info.as_of)} "
        f"({fmt.with_unit(info.agents_scored, 'people')} scored)."
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
    if missing:
        st.caption(missing_people_data(viewer, missing, complete=False))
    return True


def render_flags_table(store, viewer: Principal, fmt: Formats) -> pd.DataFrame:
    """Filters and the flags table; returns the flags shown."""
    agents = load_table("agents", data_version())
    cols = st.columns(4)
    levels = cols[0].multiselect(
        "Level",
        list(LEVEL_ORDER),
        default=list(LEVEL_ORDER),
        key="wellbeing_levels",
        help=level_help(fmt),
    )
    states = cols[1].multiselect(
        "State",
        list(STATE_LABELS),
        default=["open", "in_review"],
        key="wellbeing_states",
        format_func=STATE_LABELS.get,
        help=STATE_HELP + " Open and in review are shown at first.",
    )
    teams = cols[2].multiselect(
        "Team",
        sorted(agents["team"].dropna().unique()),
        key="wellbeing_teams",
        placeholder="All teams",
        help="Only the flags of people in these teams (as the agents file names them); "
        "none chosen: every team.",
    )
    countries = cols[3].multiselect(
        "Country",
        sorted(agents["country"].dropna().unique()),
        key="wellbeing_countries",
        placeholder="All countries",
        help="Only the flags of people working in these countries; none chosen: every country.",
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
        reasons=join_reasons(flags["reasons"], fmt=fmt),  # numbers and dates as the viewer's
        state=flags["state"].map(STATE_LABELS),
        score=flags["score"].astype(float).round(),
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
            "level": st.column_config.TextColumn("Level", help=level_help(fmt)),
            "score": st.column_config.ProgressColumn(
                "Score",
                help="0-100: the rules that fired, combined",
                min_value=0,
                max_value=100,
                format="localized",
            ),
            "state": st.column_config.TextColumn("State", help=STATE_HELP),
            "reasons": st.column_config.TextColumn("Reasons", width="large"),
            "as_of": st.column_config.DateColumn(
                "Data as of", format="localized", help="The day the flag's numbers refer to"
            ),
        },
    )
    return flags


def render_agent(detail: AgentDetail, viewer: Principal, fmt: Formats) -> None:
    """The drill-down: reasons, timelines, history and the review actions."""
    flag = detail.current_flag
    th = DEFAULT_THRESHOLDS
    contract = detail.contract_hours_per_week
    st.subheader(f"{detail.name} ({detail.agent_id})")
    st.caption(
        f"{detail.team or 'No team'} · {detail.country or 'no country'} · contract "
        f"{fmt.hours(contract, _hours_decimals(contract))} a week · data as of "
        f"{fmt.date(detail.as_of)}"
    )
    m = st.columns(3)
    m[0].metric("Workload strain", detail.level.capitalize(), help=level_help(fmt))
    m[1].metric(
        "Score",
        f"{fmt.number(detail.score)} / 100",
        help="The rules that fired, combined: 0 (none) to 100",
    )
    m[2].metric(
        "Review",
        STATE_LABELS.get(flag["state"], "-") if flag is not None else "-",
        help=STATE_HELP,
    )
    st.markdown("**Why** (the rules that fired, with their numbers and thresholds)")
    if detail.reasons:
        st.markdown("\n".join(f"- {word_reason(reason, fmt)}" for reason in detail.reasons))
        details = [(word_reason(r, fmt), reason_detail(r, fmt)) for r in detail.reasons]
        if any(text for _, text in details):
            with st.expander("The statistics behind these reasons"):
                st.markdown("\n".join(f"- *{why}*: {text}" for why, text in details if text))
    else:
        st.markdown("No rule fired at the latest evaluation: the strain has eased.")

    first = detail.as_of - dt.timedelta(days=7 * th.bradford_window_weeks - 1)
    st.markdown(
        f"**Absences** over the Bradford window ({fmt.with_unit(th.bradford_window_weeks, 'weeks')}"
        f" to {fmt.date(detail.as_of)})"
    )
    if detail.absences.empty:
        st.caption("No absences in the window.")
    else:
        show_chart(absence_chart(detail.absences, first, detail.as_of), key="wellbeing_absences")
    limit = th.max_average_weekly_hours
    st.markdown(
        f"**Weekly hours** against contract hours (grey, dashed) and the "
        f"{fmt.hours(limit)} average limit (dotted, labelled)"
    )
    if detail.weekly_hours["hours_worked"].notna().any():
        show_chart(
            hours_chart(detail.weekly_hours, limit, f"{fmt.hours(limit)} average limit"),
            key="wellbeing_hours",
        )
    else:
        st.caption(
            "No hours on file for this person, so the workload and rest rules could not look at "
            f"them: upload an **hours** file ({file_columns('hours')}) on the Data page."
        )
    st.markdown(
        f"**Performance**, weekly means; the dashed line is the trend over the last "
        f"{fmt.with_unit(detail.window_weeks, 'weeks')} that the decline rule tests"
    )
    if detail.trends.empty:
        st.caption(
            "No performance data on file for this person: upload a **performance** file "
            f"({file_columns('performance')}) on the Data page."
        )
    metric_cols = st.columns(2)
    for k, trend in enumerate(detail.trends.itertuples(index=False)):
        frame = detail.performance[detail.performance["metric"] == trend.metric]
        slope = trend.slope_per_week
        with metric_cols[k % 2]:
            show_chart(
                performance_chart(frame, trend.label, detail.window_weeks),
                key=f"wellbeing_performance_{trend.metric}",
            )
            st.caption(
                f"Trend {fmt.signed(slope, _significant_decimals(slope))} per week "
                f"({trend.change}), {fmt.number(trend.weeks_with_data)} of "
                f"{fmt.with_unit(detail.window_weeks, 'weeks')} with data."
            )

    render_history(detail)
    render_agent_followups(detail.agent_id, viewer)
    if flag is not None:
        render_review(flag, viewer, fmt)


def render_agent_followups(agent_id: str, viewer: Principal) -> None:
    """The person's follow-ups and the limits on their rostering (HR accounts only)."""
    if not viewer.can(Permission.MANAGE_FOLLOWUPS) or viewer.demo:
        return
    followups, limits = _memo(
        "agent_followups",
        (_version(), agent_id),
        lambda: agent_followups(get_store(), viewer, agent_id),
    )
    with st.expander("Follow-ups and limits on rostering", expanded=not followups.empty):
        if followups.empty:
            st.caption("No follow-up recorded yet.")
            return
        st.dataframe(
            followups.assign(action=followups["action"].map(FOLLOWUP_ACTION_LABELS))[
                ["followup_id", "assignee", "due_date", "action", "note", "done_at", "done_note"]
            ],
            hide_index=True,
            width="stretch",
            key="wellbeing_agent_followups",
            column_config={
                "followup_id": st.column_config.NumberColumn("Follow-up", format="plain"),
                "assignee": "Who follows up",
                "due_date": st.column_config.DateColumn("Due", format="localized"),
                "action": "Agreed action",
                "note": st.column_config.TextColumn("Note", width="large"),
                "done_at": st.column_config.DatetimeColumn("Done (UTC)", format="localized"),
                "done_note": "What came of it",
            },
        )
        if limits.empty:
            st.caption("No limit on rostering.")
            return
        st.dataframe(
            limits.assign(kind=limits["kind"].map(LIMIT_CHOICES))[
                ["followup_id", "kind", "value", "start_date", "end_date", "set_by"]
            ],
            hide_index=True,
            width="stretch",
            key="wellbeing_agent_limits",
            column_config={
                "followup_id": st.column_config.NumberColumn("Follow-up", format="plain"),
                "kind": "Limit",
                "value": amount_column("Hours a week", "For a weekly cap only", decimals=None),
                "start_date": st.column_config.DateColumn("From", format="localized"),
                "end_date": st.column_config.DateColumn("To (included)", format="localized"),
                "set_by": "Set by",
            },
        )


def render_history(detail: AgentDetail) -> None:
    with st.expander("History of this person's flags", expanded=True):
        if detail.flags.empty:
            st.caption("Never flagged.")
            return
        observed = detail.observations.assign(
            reasons=detail.observations["reasons"].str.len(),
            score=detail.observations["score"].astype(float).round(),
        )[["flag_id", "evaluated_at", "as_of", "level", "score", "reasons"]]
        st.markdown("Evaluations (newest first)")
        st.dataframe(
            observed,
            hide_index=True,
            width="stretch",
            key="wellbeing_observations",
            column_config={
                "flag_id": st.column_config.NumberColumn("Flag", format="plain"),
                "evaluated_at": st.column_config.DatetimeColumn(
                    "Evaluated (UTC)", format="localized"
                ),
                "as_of": st.column_config.DateColumn(
                    "Data as of", format="localized", help="The day the numbers refer to"
                ),
                "level": "Level",
                "score": amount_column(
                    "Score", "0-100: the rules that fired, combined", decimals=None
                ),
                "reasons": amount_column("Reasons", "Rules that fired", decimals=None),
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
                    "flag_id": st.column_config.NumberColumn("Flag", format="plain"),
                    "at": st.column_config.DatetimeColumn("When (UTC)", format="localized"),
                    "reviewer": "Reviewer",
                    "from_state": "From",
                    "to_state": "To",
                    "note": st.column_config.TextColumn("Note", width="large"),
                },
            )


def render_review(flag: pd.Series, viewer: Principal, fmt: Formats) -> None:
    """Buttons for the moves the workflow allows from the flag's state, and the note."""
    st.markdown(f"**Review flag {flag['flag_id']}**")
    _show_message(REVIEW_MESSAGE_KEY)
    state = ReviewState(flag["state"])
    allowed = [s for s in ACTION_LABELS if s in ALLOWED_TRANSITIONS[state]]
    if not allowed:
        st.info(
            f"This review has ended ({STATE_LABELS[state].lower()} on "
            f"{fmt.date(pd.Timestamp(flag['state_changed_at']).date())}). A higher level or a "
            "new kind of strain would raise a new flag.",
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
    if render_followup_form(viewer, fmt):
        st.button(
            f"Save the follow-up, keep {STATE_LABELS[state.value].lower()}",
            key="wellbeing_fu_save",
            on_click=_review,
            args=(viewer, int(flag["flag_id"]), state.value, state.value),
            help="Record the follow-up (and limit) without moving the flag.",
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


def render_followup_form(viewer: Principal, fmt: Formats) -> bool:
    """The follow-up fields (who, by when, the agreed action, a limit on rostering) behind a
    toggle; True when they are on. HR accounts only: not the demo visitor."""
    if not viewer.can(Permission.MANAGE_FOLLOWUPS) or viewer.demo:
        st.caption("Follow-ups and limits on rostering are kept for signed-in HR accounts.")
        return False
    kept = st.session_state.setdefault(FORM_KEEP_KEY, {})
    # (the toggle, the choices and the note: widgets drawn without a ``value=`` default)
    restorable = ("assignee", "action", "note", "limit")
    for key in (FOLLOWUP_ON_KEY, *(FOLLOWUP_KEYS[name] for name in restorable)):
        if key in st.session_state:
            kept[key] = st.session_state[key]
        elif key in kept:
            st.session_state[key] = kept[key]  # the widget's state was dropped: restore it
    if not st.toggle(
        "Record a follow-up with this decision",
        key=FOLLOWUP_ON_KEY,
        help="Who follows up, by when, what was agreed, and if needed a limit on the person's "
        "rostering that the roster honours. All of it is audited.",
    ):
        return False
    today = dt.date.today()
    left, middle, right = st.columns(3)
    left.selectbox(
        "Who follows up",
        _memo("hr_users", (_version(),), lambda: hr_users(get_store(), viewer)),
        key=FOLLOWUP_KEYS["assignee"],
        help="An HR user.",
    )
    middle.date_input(
        "Follow-up date",
        value=today + dt.timedelta(days=14),
        key=FOLLOWUP_KEYS["due_date"],
        format=date_input_format(fmt.locale),
    )
    right.selectbox(
        "Agreed action",
        list(FOLLOWUP_ACTION_LABELS),
        format_func=FOLLOWUP_ACTION_LABELS.get,
        key=FOLLOWUP_KEYS["action"],
    )
    st.text_area(
        "Follow-up note",
        key=FOLLOWUP_KEYS["note"],
        placeholder="What to check at the follow-up",
    )
    left, middle, right = st.columns(3)
    kind = left.selectbox(
        "Limit on rostering",
        list(LIMIT_CHOICES),
        format_func=LIMIT_CHOICES.get,
        key=FOLLOWUP_KEYS["limit"],
        help="A hard rule for the named roster on the limit's days. Planners see that a limit "
        "set by HR applies and until when, never why.",
    )
    middle.number_input(
        "Hours a week at most",
        min_value=0.0,
        max_value=168.0,
        value=30.0,
        step=1.0,
        key=FOLLOWUP_KEYS["hours"],
        disabled=kind != "max_weekly_hours",
    )
    right.date_input(
        "Limit from - to",
        value=(today, today + dt.timedelta(days=27)),
        key=FOLLOWUP_KEYS["limit_days"],
        disabled=kind == NO_LIMIT,
        format=date_input_format(fmt.locale),
        help=f"Both days included; at most {fmt.number(MAX_LIMIT_DAYS)} days.",
    )
    return True


def render_followups_due(store, viewer: Principal, fmt: Formats) -> None:
    """HR's open follow-ups, overdue first, and marking one done."""
    if not viewer.can(Permission.MANAGE_FOLLOWUPS) or viewer.demo:
        return
    with st.expander("Follow-ups due", expanded=True):
        _show_message(DONE_MESSAGE_KEY)
        due = _memo("followups", (_version(),), lambda: followups_due(store, viewer))
        if due.empty:
            st.caption("No follow-up is open.")
            return
        overdue = int((due["days_overdue"] > 0).sum())
        if overdue:
            st.warning(f"{fmt.number(overdue)} follow-up(s) overdue.", icon=":material/alarm:")
        shown = due.assign(action=due["action"].map(FOLLOWUP_ACTION_LABELS))[
            [
                "followup_id",
                "name",
                "agent_id",
                "assignee",
                "due_date",
                "days_overdue",
                "action",
                "note",
            ]
        ]
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            key="wellbeing_followups",
            column_config={
                "followup_id": st.column_config.NumberColumn("Follow-up", format="plain"),
                "name": "Person",
                "agent_id": "Agent",
                "assignee": "Who follows up",
                "due_date": st.column_config.DateColumn("Due", format="localized"),
                "days_overdue": amount_column("Days overdue", "0: not yet due", decimals=None),
                "action": "Agreed action",
                "note": st.column_config.TextColumn("Note", width="large"),
            },
        )
        labels = {
            int(
                r.followup_id
            ): f"{r.followup_id}: {r.name} ({r.agent_id}), due {fmt.date(r.due_date)}"
            for r in due.itertuples()
        }
        left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        pick = left.selectbox(
            "Follow-up", list(labels), format_func=labels.get, key="wellbeing_fu_done_pick"
        )
        middle.text_input("What came of it", key="wellbeing_fu_done_note")
        right.button(
            "Mark done",
            key="wellbeing_fu_done",
            on_click=_complete,
            args=(viewer, int(pick)),
            width="stretch",
        )


def render_roster_limits(viewer: Principal, first_day: dt.date, last_day: dt.date) -> None:
    """On the Schedule page: who has a limit set by HR in the week, and until when; never why."""
    limits = limits_for_period(get_store(), viewer, first_day, last_day)
    notes = limit_notes(limits, first_day, last_day)
    if notes.empty:
        return
    fmt = formats()
    agents = load_table("agents", data_version())
    names = dict(zip(agents["agent_id"].astype(str), agents["name"].astype(str), strict=True))
    lines = [
        f"- **{names.get(row.agent_id, row.agent_id)} ({row.agent_id})**: a limit set by HR "
        f"applies until {fmt.date(row.until)} ({row.limits}); the roster keeps to it."
        for row in notes.itertuples()
    ]
    st.info("Limits set by HR this week:\n" + "\n".join(lines), icon=":material/health_and_safety:")


def render_hr_view(store, viewer: Principal) -> None:
    fmt = formats()
    if not render_evaluation(store, viewer, fmt):
        return
    render_followups_due(store, viewer, fmt)
    flags = render_flags_table(store, viewer, fmt)
    if flags.empty:
        return
    # the person open stays choosable after a review moves their flag out of the filters
    current = st.session_state.get(AGENT_KEY)
    people = list(dict.fromkeys([*flags["agent_id"], *([current] if current else [])]))
    labels = {
        row.agent_id: f"{row.name} ({row.agent_id}) · {row.level} {fmt.number(row.score)}"
        for row in flags.drop_duplicates("agent_id").itertuples(index=False)
    }
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
        with st.spinner("Gathering this person's absences, hours and performance..."):
            detail = _memo(
                "agent", (_version(), agent_id), lambda: agent_detail(store, viewer, agent_id)
            )
    except FlagError as exc:  # the person left the agents file since the list was shown
        st.info(f"Cannot show {agent_id}: {exc}.")
        return
    st.divider()
    render_agent(detail, viewer, fmt)


# --- team view -------------------------------------------------------------------------------


def render_team_view(viewer: Principal) -> None:
    fmt = formats()
    with st.spinner("Scoring workload strain per team..."):
        result = load_team_strain(data_version(), viewer)
    missing = missing_people_files()
    if result.as_of is None:
        st.info(
            missing_people_data(viewer, missing, complete=True)
            if missing
            else "No workload strain yet: " + "; ".join(result.notes),
            icon=":material/upload_file:",
        )
        return
    st.caption(
        f"Workload strain per team on data as of {fmt.date(result.as_of)}. Groups under "
        f"{fmt.with_unit(result.min_group_size, 'people')} are suppressed (no numbers at all), "
        "so that nobody can be singled out; individual flags are for HR only."
    )
    if missing:
        st.caption(missing_people_data(viewer, missing, complete=False))
    teams = result.teams
    if teams["suppressed"].any():
        st.info(
            f"{fmt.number(int(teams['suppressed'].sum()))} team(s) have fewer than "
            f"{fmt.with_unit(result.min_group_size, 'people')} and are shown as suppressed.",
            icon=":material/visibility_off:",
        )
    share = {"format": "percent", "min_value": 0.0, "max_value": 1.0}
    levels = level_help(fmt)
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
        ].assign(mean_score=teams["mean_score"].astype("Float64").round()),
        key="wellbeing_teams_table",
        hide_index=True,
        width="stretch",
        column_config={
            "team": "Team",
            "n_agents": amount_column("People", decimals=None),
            "share_low": st.column_config.ProgressColumn(
                "Low", **share, help="Share of the team at low strain. " + levels
            ),
            "share_medium": st.column_config.ProgressColumn(
                "Medium", **share, help="Share of the team at medium strain. " + levels
            ),
            "share_high": st.column_config.ProgressColumn(
                "High", **share, help="Share of the team at high strain. " + levels
            ),
            "mean_score": amount_column(
                "Mean score", "Mean workload-strain score, 0-100", decimals=None
            ),
            "share_with_overtime": st.column_config.ProgressColumn(
                "With overtime",
                **share,
                help="Share of the team with at least one overtime week (more hours than the "
                "contract) in the last 4 weeks",
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
        st.caption(
            "Each bar is one team: high strain on the left, then medium, then low; each part "
            "is labelled with its level and share (or its initial, H or M, where it is narrow)."
        )
        # built once per data (only what the chart reads is hashed)
        shares = shown[["team", *(f"share_{level}" for level in LEVEL_ORDER)]]
        show_built_chart(team_chart, shares, key="wellbeing_team_chart")


#: Plain strings, highest first: widget options and Vega arrays.
LEVEL_ORDER = [str(level) for level in RISK_LEVEL_ORDER]


def team_chart(teams: pd.DataFrame) -> alt.LayerChart:
    """Share of each team at each level, stacked high-medium-low; level sets colour, opacity
    and order, and each wide enough part is labelled (level and share), so it reads without
    colour."""
    levels = {f"share_{level}": level for level in LEVEL_ORDER}
    frame = teams[["team", *levels]].astype({k: float for k in levels})
    base = (
        alt.Chart(frame)
        .transform_fold(list(levels), as_=["level", "share"])
        .transform_calculate(level="replace(datum.level, 'share_', '')")
        .transform_calculate(rank=f"indexof({LEVEL_ORDER!r}, datum.level)")
        .transform_stack(
            stack="share",
            groupby=["team"],
            sort=[alt.SortField("rank", order="ascending")],
            as_=["x0", "x1"],
            offset="normalize",
        )
    )
    y = alt.Y("team:N", title=None)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X(
            "x0:Q",
            title="Share of the team",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        x2="x1:Q",
        color=alt.Color(
            "level:N",
            title="Level",
            scale=alt.Scale(domain=LEVEL_ORDER, range=["#d62728", "#ff7f0e", "#c7c7c7"]),
            legend=alt.Legend(orient="top"),
        ),
        opacity=alt.Opacity(
            "level:O",
            title="Level",
            sort=LEVEL_ORDER,
            scale=alt.Scale(domain=LEVEL_ORDER, range=[1.0, 0.75, 0.5]),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("team:N", title="Team"),
            alt.Tooltip("level:N", title="Level"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
        ],
    )
    # "high 17%" where the part is wide enough, its initial ("H") where it is narrow
    labels = (
        base.transform_filter("datum.share >= 0.025")
        .transform_calculate(
            mid="(datum.x0 + datum.x1) / 2",
            label="datum.share >= 0.06 ? datum.level + ' ' + format(datum.share, '.0%') "
            ": upper(slice(datum.level, 0, 1))",
        )
        .mark_text(fontSize=11)
        .encode(
            y=y,
            x="mid:Q",
            text="label:N",
            color=alt.condition("datum.level == 'high'", alt.value("white"), alt.value("black")),
        )
    )
    return alt.layer(bars, labels).properties(height=alt.Step(26))
