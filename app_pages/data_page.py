"""Data page: what is loaded, contacts and traffic per country with holidays, and uploads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.charts import series_with_holidays_chart
from app_pages.common import (
    amount_column,
    bump_data_version,
    data_version,
    formats,
    get_store,
    load_daily_contacts,
    load_table,
    require_page,
    shared_filters,
    show_chart,
)
from data.access import HR_KINDS, ROLE_PERMISSIONS, Permission, Principal, Role
from data.readers import FileReadError
from data.store import check_import
from data.validation import KINDS, ReadOptions
from forecasting.holidays import holidays_in_range
from formats import Formats, date_input_format
from services.flags import reevaluate_after_import
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
CLI_IMPORT = "`python cli.py import KIND FILE` (options: `python cli.py import --help`)"


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
    summary = get_store().summary()
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
    version = data_version()
    with st.spinner("Loading contacts and web traffic..."):
        contacts = load_daily_contacts(version)
        traffic = load_table("traffic", version)
    if contacts.empty and traffic.empty:
        st.info(
            "No contacts or web traffic loaded yet, so there is nothing to chart. "
            + how_to_upload(["contacts", "traffic"], viewer),
            icon=":material/upload_file:",
        )
        return
    has_contacts, has_traffic = not contacts.empty, not traffic.empty
    countries = sorted(set(contacts["country"]) | set(traffic["country"]))
    chosen, _ = shared_filters(countries)
    if not chosen:
        st.info("Choose at least one country in the sidebar to see its charts.")
        return
    channel = None
    if has_contacts:
        channel = st.segmented_control(
            "Channel",
            ["all", *sorted(contacts["channel"].unique())],
            default="all",
            key="data_channel",
            help="Contacts of one channel (voice, chat or email), or all channels summed. "
            "Web sessions have no channel.",
        )
    frames = [f for f in (contacts, traffic) if not f.empty]
    first = min(f["date"].min() for f in frames).date()
    last = max(f["date"].max() for f in frames).date()
    default_start = max(first, last - pd.Timedelta(days=180).to_pytimedelta())
    if first == last:  # a single day: nothing to choose (a slider needs two ends)
        period = (first, last)
        st.caption(f"One day loaded: {fmt.date(first)}.")
    else:
        period = st.slider(
            "Period",
            min_value=first,
            max_value=last,
            value=(default_start, last),
            format=date_input_format(fmt.locale),  # momentJS tokens, the locale's order
            key="data_period",
            help="The days the charts show; the last 180 days at first.",
        )
    start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    contacts = contacts[(contacts["date"] >= start) & (contacts["date"] <= end)]
    traffic = traffic[(traffic["date"] >= start) & (traffic["date"] <= end)]
    holidays = load_holidays(tuple(chosen), start, end)
    if not contacts.empty:
        shown = contacts[contacts["country"].isin(chosen)]
        if channel and channel != "all":
            shown = shown[shown["channel"] == channel]
        daily = shown.groupby(["country", "date"], as_index=False)["contacts"].sum()
        st.subheader("Contacts per day")
        show_chart(
            series_with_holidays_chart(
                daily, value="contacts", value_title="Contacts", holidays=holidays
            ),
            key="data_contacts_chart",
        )
    elif not has_contacts:
        st.info(
            "No contacts loaded yet: the forecast, staffing and the Overview need them. "
            + how_to_upload(["contacts"], viewer),
            icon=":material/upload_file:",
        )
    if not traffic.empty:
        st.subheader("Web sessions per day")
        show_chart(
            series_with_holidays_chart(
                traffic[traffic["country"].isin(chosen)],
                value="sessions",
                value_title="Sessions",
                holidays=holidays,
            ),
            key="data_traffic_chart",
        )
    elif not has_traffic:
        st.caption(
            "No web traffic loaded: forecasts then work from contacts and holidays alone. "
            + how_to_upload(["traffic"], viewer)
        )
    st.caption(
        "Dashed lines mark national holidays, with a marker per country above them; hover over "
        "one to see its name."
    )


def render_report(report, fmt: Formats) -> None:
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
            check_import(viewer, kind)
        except PermissionError:
            continue
        allowed.append(kind)
    return allowed


def render_upload(viewer: Principal, fmt: Formats) -> None:
    kinds = importable_kinds(viewer)
    if not kinds:
        return
    st.subheader("Upload a file")
    if viewer.demo or holds_sample(get_store()):  # the one notice about the sample
        st.warning(
            (
                "Importing your own file ends demo mode: then whoever started the server creates "
                "the first admin with the setup token it printed, and everyone signs in. "
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
    date_order = right.selectbox(
        "Date order",
        ["auto", "dmy", "mdy", "ymd"],
        key="data_date_order",
        help="For dates like 03-04-2024: 'auto' decides only when a day above 12 makes it unambiguous; "
        "otherwise say whether the day (dmy) or the month (mdy) comes first.",
    )
    default_country = right.text_input(
        "Country for files without a country column",
        key="data_default_country",
        help="ISO code, e.g. AR or HU: every row of the file is taken to be this country's",
    )
    renames = right.text_input(
        "Rename columns",
        key="data_renames",
        placeholder="calls=contacts",
        help="When the file names a column differently: FILE_NAME=OUR_NAME, comma-separated, "
        "e.g. calls=contacts, day=date",
    )
    decimal = right.radio(
        "Decimal mark",
        [".", ","],
        horizontal=True,
        key="data_decimal",
        help="How the file writes fractions: 7.5 (point) or 7,5 (comma, as in much of Europe "
        "and Latin America)",
    )
    upload = left.file_uploader(
        "CSV or Excel file",
        type=["csv", "txt", "xlsx"],
        key="data_upload",
        help="CSV (separated by , ; tab or |; UTF-8 or Windows-1252) or .xlsx, up to 50 MB. "
        "The file is checked first; nothing is stored until you press Import.",
    )
    if upload is None:
        return
    try:
        columns = dict(
            item.split("=", 1) for item in renames.replace(";", ",").split(",") if "=" in item
        )
        options = ReadOptions(
            date_order=date_order,
            decimal=decimal,
            default_country=default_country.strip() or None,
            columns={k.strip(): v.strip() for k, v in columns.items()},
        )
    except ValueError as exc:
        st.error(str(exc))
        return
    from data.validation import validate_file

    content = upload.getvalue()
    try:
        with st.spinner(f"Checking {upload.name}..."):
            report = validate_file(kind, content, upload.name, options)
    except FileReadError as exc:
        st.error(str(exc))
        return
    render_report(report, fmt)
    if report.ok and st.button(
        f"Import {fmt.number(report.rows)} rows", type="primary", key="data_import"
    ):
        with st.spinner(f"Importing {upload.name}..."):
            final, result = get_store().import_file(
                kind, content, upload.name, options, source_label="upload", actor=viewer
            )
        if result is None:
            render_report(final, fmt)
        else:
            with st.spinner("Re-evaluating the wellbeing flags on the new data..."):
                reevaluate_after_import(get_store(), kind)
            bump_data_version()
            st.success(
                f"Imported {fmt.number(result.rows_written)} {kind} rows as batch "
                f"{result.batch_id}"
                + (
                    f", replacing {fmt.number(result.rows_replaced)} stored rows."
                    if result.rows_replaced
                    else "."
                )
            )


viewer = require_page(Permission.VIEW_DATA)
fmt = formats()
st.title("Data")
st.caption(
    "What is loaded, how contacts and web traffic move around national holidays, and new uploads."
)
render_summary(fmt, viewer)
render_charts(fmt, viewer)
render_upload(viewer, fmt)
