"""Data page: what is loaded, contacts and traffic per country with holidays, and uploads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.charts import series_with_holidays_chart
from app_pages.common import (
    bump_data_version,
    data_version,
    get_store,
    load_daily_contacts,
    load_table,
    require_page,
    shared_filters,
)
from data.access import Permission, Principal
from data.flags import reevaluate_after_import
from data.readers import FileReadError
from data.store import check_import
from data.validation import KINDS, ReadOptions
from forecasting.holidays import holidays_in_range

KIND_HELP = {
    "contacts": "country, date or interval_start, contacts; optional channel, aht_seconds",
    "traffic": "country (code or name), date, sessions",
    "agents": "agent_id; optional name, team, country, timezone, contract_hours_per_week, channels",
    "absences": "agent_id, start_date, end_date, type (sick, vacation, other)",
    "hours": "agent_id, date, hours_worked",
    "performance": "agent_id, date, metric, value",
}


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def load_holidays(
    countries: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    return holidays_in_range(list(countries), start.date(), end.date())


def render_summary() -> None:
    summary = pd.DataFrame(
        [
            {
                "Table": s.table,
                "Rows": s.rows,
                "From": s.first.isoformat() if s.first else "",
                "To": s.last.isoformat() if s.last else "",
                "Countries": ", ".join(s.countries),
            }
            for s in get_store().summary()
        ]
    )
    st.dataframe(summary, hide_index=True, width="stretch", key="data_summary")


def render_charts() -> None:
    version = data_version()
    contacts = load_daily_contacts(version)
    traffic = load_table("traffic", version)
    if contacts.empty and traffic.empty:
        st.info("No contacts or traffic loaded yet: upload a contacts or traffic file below.")
        return
    countries = sorted(set(contacts["country"]) | set(traffic["country"]))
    chosen, _ = shared_filters(countries)
    if not chosen:
        st.info("Choose at least one country in the sidebar to see its charts.")
        return
    channels = sorted(contacts["channel"].unique())
    channel = st.segmented_control(
        "Channel",
        ["all", *channels],
        default="all",
        key="data_channel",
        help="Contacts of one channel, or all summed",
    )
    frames = [f for f in (contacts, traffic) if not f.empty]
    first = min(f["date"].min() for f in frames).date()
    last = max(f["date"].max() for f in frames).date()
    default_start = max(first, last - pd.Timedelta(days=180).to_pytimedelta())
    if first == last:  # a single day: nothing to choose (a slider needs two ends)
        period = (first, last)
        st.caption(f"One day loaded: {first:%d %b %Y}.")
    else:
        period = st.slider(
            "Period",
            min_value=first,
            max_value=last,
            value=(default_start, last),
            format="DD MMM YYYY",
            key="data_period",
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
        st.altair_chart(
            series_with_holidays_chart(
                daily, value="contacts", value_title="Contacts", holidays=holidays
            ),
            width="stretch",
        )
    if not traffic.empty:
        st.subheader("Web sessions per day")
        st.altair_chart(
            series_with_holidays_chart(
                traffic[traffic["country"].isin(chosen)],
                value="sessions",
                value_title="Sessions",
                holidays=holidays,
            ),
            width="stretch",
        )
    st.caption("Dashed lines mark national holidays; hover over one to see its name.")


def render_report(report) -> None:
    if report.ok:
        st.success(f"{report.file}: {report.rows} rows, no errors.")
    else:
        st.error(
            f"{report.file}: {report.error_count} errors in {report.rows} rows; nothing was imported."
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
        )
        if report.error_count > len(report.errors):
            st.caption(f"... and {report.error_count - len(report.errors)} more errors.")
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


def render_upload(viewer: Principal) -> None:
    kinds = importable_kinds(viewer)
    if not kinds:
        return
    st.subheader("Upload a file")
    if viewer.demo:
        st.warning(
            "Importing your own file ends demo mode: from then on the dashboard asks everyone to "
            "sign in. Create the first admin account beforehand on the server with "
            "`python cli.py user add NAME --role admin`.",
            icon=":material/lock:",
        )
    left, right = st.columns(2)
    kind = left.selectbox(
        "What the file holds",
        kinds,
        key="data_kind",
        help="Columns expected per kind are in the README",
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
        help="ISO code, e.g. AR or HU",
    )
    renames = right.text_input(
        "Rename columns",
        key="data_renames",
        placeholder="calls=contacts",
        help="FILE_NAME=OUR_NAME, comma-separated",
    )
    decimal = right.radio("Decimal mark", [".", ","], horizontal=True, key="data_decimal")
    upload = left.file_uploader("CSV or Excel file", type=["csv", "txt", "xlsx"], key="data_upload")
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
        report = validate_file(kind, content, upload.name, options)
    except FileReadError as exc:
        st.error(str(exc))
        return
    render_report(report)
    if report.ok and st.button(f"Import {report.rows} rows", type="primary", key="data_import"):
        final, result = get_store().import_file(
            kind, content, upload.name, options, source_label="upload", actor=viewer
        )
        if result is None:
            render_report(final)
        else:
            reevaluate_after_import(get_store(), kind)
            bump_data_version()
            st.success(
                f"Imported {result.rows_written} {kind} rows as batch {result.batch_id}"
                + (
                    f", replacing {result.rows_replaced} stored rows."
                    if result.rows_replaced
                    else "."
                )
            )


viewer = require_page(Permission.VIEW_DATA)
st.title("Data")
st.caption(
    "What is loaded, how contacts and web traffic move around national holidays, and new uploads."
)
render_summary()
render_charts()
render_upload(viewer)
