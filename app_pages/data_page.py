"""Data page: what is loaded, contacts and traffic per country with holidays, and uploads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.charts import DAILY_UP_TO_DAYS, contacts_chart, sessions_chart
from app_pages.common import (
    FILTERS_KEY,
    amount_column,
    bump_data_version,
    formats,
    get_store,
    load_summary,
    require_page,
    shared_filters,
    show_built_chart,
)
from app_pages.data_views import (
    PRESELECTED_COUNTRIES,
    countries_to_chart,
    first_period,
    load_spans,
    ranked_contacts,
    shown_contacts,
    shown_traffic,
)
from app_pages.overview_data import refresh_after_import
from data.access import HR_KINDS, ROLE_PERMISSIONS, Permission, Principal, Role
from data.readers import FileReadError
from data.store import check_import
from data.summaries import inputs_version
from data.validation import KINDS, ColumnMatch, ReadOptions, ValidationReport
from forecasting.holidays import holidays_in_range
from formats import Formats, date_input_format
from services.imports import (
    ImportOutcome,
    ImportPreview,
    countries_by_volume,
    import_file,
    preview_file,
)
from services.sample import holds_sample

KIND_HELP = {
    "contacts": "country, date or interval_start, contacts; optional channel, aht_seconds",
    "traffic": "country (code or name), date, sessions",
    "agents": "agent_id; optional name, team, country, timezone, contract_hours_per_week, channels",
    "absences": "agent_id, start_date, end_date, type (sick, vacation, other)",
    "hours": "agent_id, date, hours_worked",
    "performance": "agent_id, date, metric, value",
}
KIND_USE = {
    "contacts": "contacts per day or per 15/30/60-minute interval: what is forecast and staffed",
    "traffic": "web sessions per day: a forecast input (contacts follow the web traffic)",
    "agents": "the people, their teams and contract hours: rosters and team strain",
    "absences": "sick, vacation and other absences: rosters and workload strain (HR)",
    "hours": "hours worked per person and day: overtime and rest (HR)",
    "performance": "CSAT, QA score, adherence, handle time per person and day (HR)",
}
ROLE_WORDS = {
    Role.PLANNER: "a planner",
    Role.HR: "HR",
    Role.MANAGER: "a manager",
    Role.ADMIN: "an admin",
}
CLI_IMPORT = "`.venv/bin/crewcast import KIND FILE` (options: `.venv/bin/crewcast import --help`)"
NO_COLUMN = "(none)"
#: Session state: the last import's outcome in words, and the upload it came from.
IMPORTED_KEY = "data_imported"
#: The imported days, for the period slider's next run (a widget's own key cannot be set once
#: the widget is drawn, and the import happens below the charts).
FOCUS_PERIOD_KEY = "data_focus_period"
MAPPING_FOR_KEY = "data_mapping_for"


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def load_holidays(
    countries: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    return holidays_in_range(list(countries), start.date(), end.date())


def who_imports(kind: str) -> str:
    """Who may import ``kind``, in words: ``a planner or an admin``, ``HR or an admin``."""
    permission = Permission.IMPORT_HR if kind in HR_KINDS else Permission.IMPORT_PLANNING
    roles = sorted(
        (r for r, perms in ROLE_PERMISSIONS.items() if permission in perms),
        key=lambda r: r == Role.ADMIN,  # admins (who may do everything) last
    )
    return " or ".join(ROLE_WORDS[r] for r in roles)


def how_to_upload(kinds: list[str], viewer: Principal) -> str:
    """Which files to upload for ``kinds`` (with their columns), and where: the form below if
    the viewer's role may import them, else who may; the command line either way."""
    files = "; ".join(f"**{kind}** ({KIND_HELP[kind]})" for kind in kinds)
    mine = importable_kinds(viewer)
    if all(kind in mine for kind in kinds):
        where = "with *Upload a file* below"
    else:
        who = " / ".join(dict.fromkeys(who_imports(kind) for kind in kinds if kind not in mine))
        where = f"your role cannot import them, {who} can, here"
    return f"Upload {files}: {where}, or on the server with {CLI_IMPORT}."


def render_summary(fmt: Formats, viewer: Principal) -> None:
    summary = load_summary(inputs_version(get_store()))  # an import from anywhere shows
    frame = pd.DataFrame(
        [
            {
                "Table": s.table,
                "Rows": s.rows,
                "From": s.first,
                "To": s.last,
                "Countries": ", ".join(s.countries),
            }
            for s in summary
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="data_summary",
        column_config={
            "Table": st.column_config.TextColumn(
                "Table",
                help="One table per kind of file: "
                + "; ".join(f"{kind}: {use}" for kind, use in KIND_USE.items()),
            ),
            "Rows": amount_column("Rows", decimals=None),
            "From": st.column_config.DateColumn(
                "From", format="localized", help="Earliest date in the table (agents have none)"
            ),
            "To": st.column_config.DateColumn(
                "To", format="localized", help="Latest date in the table (agents have none)"
            ),
        },
    )
    empty = [s.table for s in summary if s.rows == 0]
    if empty and len(empty) < len(summary):
        st.caption(
            f"Nothing loaded yet for {', '.join(empty)}. "
            + "; ".join(f"{kind}: {KIND_USE[kind]}" for kind in empty)
            + "."
        )
    elif empty:
        st.info(
            "Nothing is loaded yet. Start with a **contacts** file (what the forecast and "
            "staffing work from) and, for the people side, **agents** then their absences, "
            "hours and performance. " + how_to_upload(["contacts", "agents"], viewer),
            icon=":material/upload_file:",
        )


def render_charts(fmt: Formats, viewer: Principal) -> None:
    version = inputs_version(get_store())
    with st.spinner("Loading contacts and web traffic..."):
        spans, traffic = load_spans(version)
    if spans.empty and traffic.empty:
        st.info(
            "No contacts or web traffic loaded yet, so there is nothing to chart. "
            + how_to_upload(["contacts", "traffic"], viewer),
            icon=":material/upload_file:",
        )
        return
    has_contacts, has_traffic = not spans.empty, not traffic.empty
    countries = sorted(set(spans["country"]) | set(traffic["country"]))
    volumes = ranked_contacts(spans, version)
    preselect_largest(countries_by_volume(volumes, traffic), fmt)
    chosen, _ = shared_filters(countries)
    if not chosen:
        st.info("Choose at least one country in the sidebar to see its charts.")
        return
    channel = None
    if has_contacts:
        channel = st.segmented_control(
            "Channel",
            ["all", *sorted(spans["channel"].unique())],
            default="all",
            key="data_channel",
            help="Contacts of one channel (voice, chat or email), or all channels summed. "
            "Web sessions have no channel.",
        )
    # Each chart shows the chosen countries its own data has, else its own largest: after a
    # web-analytics import (the sidebar then holds its largest countries) the contacts of
    # other countries still show.
    contact_countries, contacts_fell_back = countries_to_chart(
        chosen, countries_by_volume(volumes, traffic.iloc[0:0])
    )
    traffic_countries, traffic_fell_back = countries_to_chart(
        chosen, countries_by_volume(volumes.iloc[0:0], traffic)
    )
    # The slider spans the charted countries' own data (a file that ends in 2016 is charted),
    # their latest year at first.
    spans_by_chart = [
        spans[spans["country"].isin(contact_countries)],
        traffic[traffic["country"].isin(traffic_countries)],
    ]
    frames = [f for f in spans_by_chart if not f.empty]
    if not frames:
        st.info("The chosen countries have no contacts or web traffic loaded.")
        return
    first = min(f["first"].min() for f in frames).date()
    last = max(f["last"].max() for f in frames).date()
    if first == last:  # a single day: nothing to choose (a slider needs two ends)
        period = (first, last)
        st.caption(f"One day loaded: {fmt.date(first)}.")
    else:
        focus = st.session_state.pop(FOCUS_PERIOD_KEY, None)
        if focus is not None:
            st.session_state["data_period"] = (max(focus[0], first), min(focus[1], last))
        kept = st.session_state.get("data_period")
        if not kept or kept[0] < first or kept[1] > last or kept[0] > kept[1]:
            st.session_state["data_period"] = first_period(first, last)
        period = st.slider(
            "Period",
            min_value=first,
            max_value=last,
            format=date_input_format(fmt.locale),  # momentJS tokens, the locale's order
            key="data_period",
            help="The days the charts show: the latest year loaded for the chosen countries "
            "at first (drag for older days), the imported days after an import.",
        )
    start, end = period
    channels = (channel,) if channel and channel != "all" else ()
    # only the rows each chart shows are read: its countries, the channel and the period
    contacts = (
        shown_contacts(version, contact_countries, channels, start, end)
        if has_contacts
        else pd.DataFrame()
    )
    sessions = (
        shown_traffic(version, traffic_countries, start, end) if has_traffic else pd.DataFrame()
    )
    charted = tuple(dict.fromkeys([*contact_countries, *traffic_countries]))
    holidays = load_holidays(charted, pd.Timestamp(start), pd.Timestamp(end))
    contact_span, traffic_span = spans_by_chart
    if not contacts.empty:
        st.subheader("Contacts per day")
        if contacts_fell_back:
            st.caption(fell_back_text("contacts", contact_countries, fmt))
        show_built_chart(contacts_chart, contacts, holidays, key="data_contacts_chart")
    elif outside_period(contact_span, start, end):
        st.info(outside_text("contacts", contact_span, fmt), icon=":material/date_range:")
    elif not has_contacts:
        st.info(
            "No contacts loaded yet: the forecast, staffing and the Overview need them. "
            + how_to_upload(["contacts"], viewer),
            icon=":material/upload_file:",
        )
    if not sessions.empty:
        st.subheader("Web sessions per day")
        if traffic_fell_back:
            st.caption(fell_back_text("web sessions", traffic_countries, fmt))
        show_built_chart(sessions_chart, sessions, holidays, key="data_traffic_chart")
    elif outside_period(traffic_span, start, end):
        st.info(
            outside_text("web sessions", traffic_span, fmt),
            icon=":material/date_range:",
        )
    elif not has_traffic:
        st.caption(
            "No web traffic loaded: forecasts then work from contacts and holidays alone. "
            + how_to_upload(["traffic"], viewer)
        )
    weekly = (
        f" Over more than {fmt.number(DAILY_UP_TO_DAYS)} days a point is a week (from its "
        "Monday), the mean of its days; choose a shorter period to see single days."
        if (end - start).days + 1 > DAILY_UP_TO_DAYS
        else ""
    )
    st.caption(
        "Dashed lines mark national holidays, with a marker per country above them; hover over "
        "one to see its name." + weekly
    )


def outside_period(spans: pd.DataFrame, start: dt.date, end: dt.date) -> bool:
    """True when a chart's data (its countries' spans) lies wholly outside ``start..end``."""
    if spans.empty:
        return False
    return bool(
        ((spans["last"] < pd.Timestamp(start)) | (spans["first"] > pd.Timestamp(end))).all()
    )


def fell_back_text(what: str, countries: list[str], fmt: Formats) -> str:
    return (
        f"None of the countries chosen in the sidebar has {what}: showing "
        f"{'the largest ' + fmt.number(len(countries)) + ' that do' if len(countries) > 1 else 'the one that does'}"
        f" ({', '.join(countries)})."
    )


def outside_text(what: str, spans: pd.DataFrame, fmt: Formats) -> str:
    """Where a chart's data lies (``spans``: its countries' first and last days) when the
    period shows none of it (e.g. older contacts after a newer web-analytics import moved the
    period)."""
    first, last = spans["first"].min().date(), spans["last"].max().date()
    return (
        f"The {what} of {', '.join(sorted(spans['country'].unique()))} run from "
        f"{fmt.date(first)} to {fmt.date(last)}, outside the period shown: move the period to "
        "see them."
    )


def preselect_largest(ranked: list[str], fmt: Formats) -> None:
    """With more than :data:`PRESELECTED_COUNTRIES` countries and no choice kept yet, start the
    sidebar with the largest ones by volume, and say so."""
    if len(ranked) <= PRESELECTED_COUNTRIES:
        return
    kept = st.session_state.setdefault(FILTERS_KEY, {})
    if kept.get("countries") is None:
        kept["countries"] = ranked[:PRESELECTED_COUNTRIES]
    if len(kept["countries"]) < len(ranked):
        st.caption(
            f"Showing {fmt.number(len(kept['countries']))} of {fmt.number(len(ranked))} "
            "countries (at first the largest by contacts, then by web sessions); choose others "
            "in the sidebar."
        )


def render_report(report: ValidationReport, fmt: Formats) -> None:
    if report.ok:
        st.success(f"{report.file}: {fmt.number(report.rows)} rows, no errors.")
    else:
        st.error(
            f"{report.file}: {fmt.number(report.error_count)} errors in "
            f"{fmt.number(report.rows)} rows; nothing was imported."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {"Row": p.row, "Column": p.column, "Value": p.value, "Problem": p.message}
                    for p in report.errors
                ]
            ),
            hide_index=True,
            width="stretch",
            key="data_errors",
            column_config={
                "Row": st.column_config.NumberColumn(
                    "Row", help="As a spreadsheet numbers it: the header is row 1"
                )
            },
        )
        if report.error_count > len(report.errors):
            st.caption(
                f"... and {fmt.number(report.error_count - len(report.errors))} more errors."
            )
    for warning in report.warnings:
        st.warning(str(warning))
    for note in report.notes:
        st.caption(note)


def importable_kinds(viewer: Principal) -> list[str]:
    allowed = []
    for kind in KINDS:
        try:
            check_import(viewer, kind, look_only=True)  # the demo visitor checks files only
        except PermissionError:
            continue
        allowed.append(kind)
    return allowed


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def load_preview(kind: str, content: bytes, name: str, options: ReadOptions) -> ImportPreview:
    return preview_file(kind, content, file_name=name, options=options)


def how_it_reads(preview: ImportPreview) -> str:
    """Separator, encoding and date order in one sentence."""
    dates = "".join(f"; '{d.header}' {d.describe()}" for d in preview.dates)
    return f"Read {preview.how_read()}{dates}."


def mapping_label(match: ColumnMatch, kind: str) -> str:
    if match.column == "country" and kind in ("contacts", "traffic"):
        return "country (required, or a default country)"
    if kind == "contacts" and match.column in ("date", "interval_start"):
        return f"{match.column} (this or {'interval_start' if match.column == 'date' else 'date'})"
    return f"{match.column} (required)" if match.required else match.column


def choose_mapping(preview: ImportPreview, kind: str) -> dict[str, str | None]:
    """One select box per column of ``kind``, offering the file's own headers; the detected
    header is preselected. Returns ``{our column: file header or None}``."""
    headers = list(preview.headers)
    chosen: dict[str, str | None] = {}
    st.markdown("**Columns**: which column of the file gives each of ours")
    grid = st.columns(3)
    for i, match in enumerate(preview.columns):
        may_be_absent = not match.required or (
            match.column == "country" and kind in ("contacts", "traffic")
        )
        options = [NO_COLUMN, *headers] if may_be_absent else headers
        if match.header is not None:
            index = options.index(match.header)
        else:
            index = 0 if may_be_absent else None
        picked = grid[i % 3].selectbox(
            mapping_label(match, kind),
            options,
            index=index,
            placeholder="Choose the file's column",
            key=f"data_map_{match.column}",
            help=f"Detected: {match.header or 'nothing'} ({match.how})",
        )
        chosen[match.column] = None if picked in (None, NO_COLUMN) else picked
    return chosen


def stated_columns(preview: ImportPreview, chosen: dict[str, str | None]) -> dict[str, str]:
    """The choice as ``ReadOptions.columns``: each chosen header renamed to our column, and
    every header the detection matched but the user did not choose left out ("")."""
    columns = {header: ours for ours, header in chosen.items() if header is not None}
    for match in preview.columns:
        if match.header is not None and match.header not in columns:
            columns[match.header] = ""
    return columns


def render_imported(imported: dict, fmt: Formats) -> None:
    """The last import in words: rows, batch, days and countries."""
    text = (
        f"Imported {fmt.number(imported['rows'])} {imported['kind']} rows from "
        f"{imported['file']} as batch {imported['batch']}"
    )
    if imported["replaced"]:
        text += f", replacing {fmt.number(imported['replaced'])} stored rows"
    if imported["period"]:
        first, last = imported["period"]
        text += f"; {fmt.date(first)} to {fmt.date(last)}"
    countries = imported["countries"]
    if countries:
        text += f"; {', '.join(countries[:PRESELECTED_COUNTRIES])}"
        if len(countries) > PRESELECTED_COUNTRIES:
            text += (
                f" and {fmt.number(len(countries) - PRESELECTED_COUNTRIES)} more countries "
                f"(the charts show the {PRESELECTED_COUNTRIES} largest; choose others in the "
                "sidebar)"
            )
    st.success(text + ".")
    if imported["flags"]:
        st.caption("The wellbeing flags were re-evaluated on the new data.")


def focus_on(outcome: ImportOutcome, upload_id: str) -> None:
    """After an import: remember it, and point the charts at its countries (the largest few)
    and its days, so an export that ends years ago shows."""
    result = outcome.result
    assert result is not None
    countries, period = outcome.countries(), outcome.period()
    st.session_state[IMPORTED_KEY] = {
        "upload": upload_id,
        "kind": result.kind,
        "file": result.file,
        "rows": result.rows_written,
        "replaced": result.rows_replaced,
        "batch": result.batch_id,
        "period": period,
        "countries": list(countries),
        "flags": outcome.flags is not None,
    }
    if countries and result.kind in ("contacts", "traffic"):
        st.session_state.setdefault(FILTERS_KEY, {})["countries"] = list(
            countries[:PRESELECTED_COUNTRIES]
        )
    if period is not None and result.kind in ("contacts", "traffic"):
        st.session_state[FOCUS_PERIOD_KEY] = period


def render_upload(viewer: Principal, fmt: Formats) -> None:
    kinds = importable_kinds(viewer)
    if not kinds:
        return
    st.subheader("Upload a file")
    if viewer.demo or holds_sample(get_store()):  # the one notice about the sample
        st.warning(
            (
                "Demo mode checks a file but imports nothing: importing needs a planner, HR or "
                "an admin signed in with a real account. Whoever started the server creates the "
                "first admin with the setup token it printed (or `.venv/bin/crewcast user add`); "
                "then demo mode ends and everyone signs in. "
                if viewer.demo
                else ""
            )
            + "The database holds the bundled sample: your files go next to it, and the Overview "
            "and totals mix both. Remove it first: an admin does so on the Admin page (Sample "
            "data), or on the server with `.venv/bin/crewcast sample remove`.",
            icon=":material/science:",
        )
    left, right = st.columns(2)
    kind = left.selectbox(
        "What the file holds",
        kinds,
        key="data_kind",
        help="The kinds your role may import: "
        + "; ".join(f"**{k}**: {KIND_USE[k]}" for k in kinds)
        + ". Import agents before their absences, hours and performance.",
    )
    left.caption(f"Columns: {KIND_HELP[kind]}")
    upload = left.file_uploader(
        "CSV or Excel file",
        type=["csv", "txt", "xlsx"],
        key="data_upload",
        help="CSV (separated by , ; tab or |; UTF-8, UTF-16 or Windows-1252) or .xlsx, up to "
        "50 MB. You see the first rows and how they are read first; nothing is stored until "
        "you press Import.",
    )
    date_order = right.selectbox(
        "Date order",
        ["auto", "dmy", "mdy", "ymd"],
        key="data_date_order",
        help="For dates like 03-04-2024: 'auto' decides only when a day above 12 makes it "
        "unambiguous; otherwise say whether the day (dmy) or the month (mdy) comes first.",
    )
    decimal = right.radio(
        "Decimal mark",
        [".", ","],
        horizontal=True,
        key="data_decimal",
        help="How the file writes fractions: 7.5 (point) or 7,5 (comma, as in much of Europe "
        "and Latin America)",
    )
    default_country = None
    if kind in ("contacts", "traffic"):
        default_country = (
            right.text_input(
                "Country for files without a country column",
                key="data_default_country",
                help="ISO code, e.g. IT or HU: every row of the file is taken to be this "
                "country's. Used when 'country' below is (none).",
            ).strip()
            or None
        )
    if upload is None:
        return
    imported = st.session_state.get(IMPORTED_KEY)
    if imported and imported["upload"] == upload.file_id:
        render_imported(imported, fmt)
        st.caption("Upload another file to import more.")
        return
    # Column choices belong to one file and kind: start again from the detection on a new one.
    token = f"{upload.file_id}/{kind}"
    if st.session_state.get(MAPPING_FOR_KEY) != token:
        for key in [k for k in st.session_state if str(k).startswith("data_map_")]:
            del st.session_state[key]
        st.session_state[MAPPING_FOR_KEY] = token
    try:
        options = ReadOptions(
            date_order=date_order, decimal=decimal, default_country=default_country
        )
    except ValueError as exc:
        st.error(str(exc))
        return
    content = upload.getvalue()
    try:
        with st.spinner(f"Reading {upload.name}..."):
            detected = load_preview(kind, content, upload.name, options)
    except FileReadError as exc:
        st.error(str(exc))
        return
    st.markdown(f"**Preview** of {detected.file}: the first rows as the file has them")
    st.caption(how_it_reads(detected))
    st.dataframe(detected.head, hide_index=True, width="stretch", key="data_preview")
    chosen = choose_mapping(detected, kind)
    preview = detected
    if any(chosen[m.column] != m.header for m in detected.columns):  # the user changed it
        options = ReadOptions(
            date_order=date_order,
            decimal=decimal,
            default_country=default_country,
            columns=stated_columns(detected, chosen),
        )
        with st.spinner(f"Checking {upload.name} with your columns..."):
            preview = load_preview(kind, content, upload.name, options)
    render_report(preview.report, fmt)
    if not preview.report.ok or not st.button(
        f"Import {fmt.number(preview.report.rows)} rows",
        type="primary",
        key="data_import",
        disabled=viewer.demo,
        help="Demo mode imports nothing: sign in with a real account." if viewer.demo else None,
    ):
        return
    with st.spinner(f"Importing {upload.name} (and re-evaluating flags after HR files)..."):
        outcome = import_file(
            get_store(),
            kind,
            content,
            file_name=upload.name,
            options=options,
            actor=viewer,
            source_label="upload",
        )
    if not outcome.imported:
        render_report(outcome.report, fmt)  # stored data showed problems the file alone did not
        return
    focus_on(outcome, upload.file_id)
    bump_data_version()
    refresh_after_import(viewer)  # the next Overview is worked out while this page reruns
    if viewer.demo:
        # Demo mode ended with this import: a rerun would show the sign-in lock, not the result.
        render_imported(st.session_state[IMPORTED_KEY], fmt)
        st.caption("Demo mode has ended: after a reload the dashboard asks everyone to sign in.")
        return
    st.rerun()  # the summary and charts above show the new data


viewer = require_page(Permission.VIEW_DATA)
fmt = formats()
st.title("Data")
st.caption(
    "What is loaded, how contacts and web traffic move around national holidays, and new uploads."
)
render_summary(fmt, viewer)
render_charts(fmt, viewer)
render_upload(viewer, fmt)
