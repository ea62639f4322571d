"""Forecast page: run, save, reload and compare contact forecasts per country and channel."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    data_version,
    get_store,
    kept_or,
    load_daily_contacts,
    load_table,
    require_page,
)
from data import forecast_runs
from data.access import Permission, Principal
from forecasting.holidays import holidays_in_range
from forecasting.service import ContactForecast, forecast_contacts
from forecasting.traffic import TrafficScenario
from staffing.exports import frame_to_csv, frames_to_excel

MODELS = {
    "auto": "Auto (best back-test)",
    "seasonal_naive": "Weekly seasonal naive",
    "ets": "Exponential smoothing",
    "regression": "Regression with holidays and traffic (ARIMA errors)",
    "prophet": "Prophet with holidays and traffic",
}

RUN, SAVED, COMPARE = "Run a forecast", "Saved runs", "Compare runs"
SECTION_KEY = "forecast_section"
#: The open section, kept across page switches (widget state is not).
KEPT_SECTION_KEY = "forecast_section_kept"
#: Widgets of a hidden section keep their values while the user stays on the page (as in tabs).
KEEP_ON_PAGE = "page"


def compute(
    version: int,
    countries: tuple[str, ...],
    channels: tuple[str, ...],
    horizon_days: int,
    model: str,
    scenario: tuple[str, dt.date, float] | None,
    progress=None,
) -> ContactForecast:
    contacts = load_table("contacts", version)
    traffic = load_table("traffic", version)
    scenarios = [TrafficScenario(*scenario)] if scenario else []
    # a fixed model is back-tested against the seasonal naive only, not every model (as the CLI)
    models = None if model == "auto" else list(dict.fromkeys([model, "seasonal_naive"]))
    with ThreadPoolExecutor(2) as pool:
        return forecast_contacts(
            contacts,
            horizon_days,
            traffic=traffic if not traffic.empty else None,
            countries=list(countries),
            channels=list(channels),
            model=model,
            models=models,
            scenarios=scenarios,
            executor=pool,
            progress=progress,
        )


def latest_run(version: int, args: tuple, progress=None) -> ContactForecast:
    """The session's run for these settings (kept in session state: fits report progress live,
    which Streamlit's data cache cannot replay)."""
    key = (version, *args)
    held = st.session_state.get("forecast_result")
    if held is None or held[0] != key:
        st.session_state["forecast_result"] = (key, compute(version, *args, progress=progress))
    return st.session_state["forecast_result"][1]


def render_chart(history: pd.DataFrame, forecast: pd.DataFrame, holidays: pd.DataFrame) -> None:
    band = (
        alt.Chart(forecast)
        .mark_area(opacity=0.25)
        .encode(
            x="date:T", y=alt.Y("forecast_lower:Q", title="Contacts per day"), y2="forecast_upper:Q"
        )
    )
    hist = (
        alt.Chart(history)
        .mark_line(color="#555")
        .encode(
            x=alt.X("date:T", title="Date"),
            y="contacts:Q",
            tooltip=[
                alt.Tooltip("date:T", format="%a %d %b %Y"),
                alt.Tooltip("contacts:Q", format=",.0f"),
            ],
        )
    )
    line = (
        alt.Chart(forecast)
        .mark_line(strokeDash=[6, 3], point=True)
        .encode(
            x="date:T",
            y="forecast:Q",
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("forecast:Q", title="Forecast", format=",.0f"),
                alt.Tooltip("forecast_lower:Q", title="80% low", format=",.0f"),
                alt.Tooltip("forecast_upper:Q", title="80% high", format=",.0f"),
                alt.Tooltip("model:N", title="Model"),
            ],
        )
    )
    rules = (
        alt.Chart(holidays)
        .mark_rule(color="#b5473a", strokeDash=[3, 3])
        .encode(
            x="date:T",
            tooltip=[
                alt.Tooltip("holiday:N", title="Holiday"),
                alt.Tooltip("date:T", format="%a %d %b %Y"),
            ],
        )
    )
    st.altair_chart(alt.layer(band, hist, line, rules).properties(height=340), width="stretch")
    st.caption(
        "Grey: history. Dashed with points: forecast, shaded: its 80% interval. Red dashed lines: national holidays (hover for the name)."
    )


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_saved(run_id: int, viewer: Principal) -> forecast_runs.SavedRun:
    return forecast_runs.load_run(get_store(), viewer, run_id)  # saved runs never change


def render_results(
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    picks: pd.DataFrame,
    notes: list[str] | tuple[str, ...],
    drivers: list[dict] | tuple[dict, ...],
    version: int,
    key: str = "forecast",
) -> None:
    """Chart, drivers, back-test and downloads of one run (live or saved)."""
    for note in notes:
        st.info(note)
    label = picks["country"] + "/" + picks["channel"]
    chosen = st.selectbox("Series", sorted(label), key=f"{key}_series", persist_state=KEEP_ON_PAGE)
    country, channel = chosen.split("/", 1)
    pick = picks[(picks["country"] == country) & (picks["channel"] == channel)].iloc[0]
    in_series = (forecasts["country"] == country) & (forecasts["channel"] == channel)
    models = sorted(forecasts.loc[in_series, "model"].unique())
    model = st.selectbox(
        "Model for this series",
        models,
        index=models.index(pick["model"]) if pick["model"] in models else 0,
        key=f"{key}_model_{chosen}",
        persist_state=KEEP_ON_PAGE,
        help=f"Picked: {pick['model']} ({pick['reason']}). Choose another to override it.",
    )
    shown = forecasts[in_series & (forecasts["model"] == model)]
    contacts = load_daily_contacts(version)
    history = contacts[(contacts["country"] == country) & (contacts["channel"] == channel)]
    history = history[history["date"] > history["date"].max() - pd.Timedelta(days=120)]
    holidays = holidays_in_range([country], history["date"].min(), shown["date"].max())
    render_chart(history, shown, holidays)

    st.subheader("What drives the next weeks")
    texts = [d["text"] for d in drivers if (d["country"], d["channel"]) == (country, channel)]
    st.markdown("\n".join(f"- {text}" for text in texts) or "No holidays in the horizon.")

    st.subheader("Back-test")
    st.caption(
        "Rolling-origin back-test with forecast traffic. WAPE: share of contacts missed (lower is better); "
        "MASE: error relative to repeating last week (below 1 beats it); coverage: share of actuals inside the interval."
    )
    table = metrics[(metrics["country"] == country) & (metrics["channel"] == channel)]
    st.dataframe(
        table.drop(columns=["country", "channel"]).style.format(
            {
                "wape": "{:.1%}",
                "mase": "{:.2f}",
                "coverage_80": "{:.0%}",
                "coverage_95": "{:.0%}",
                "seconds": "{:.1f} s",
            }
        ),
        hide_index=True,
        width="stretch",
    )

    export = forecast_runs.chosen_forecasts(forecasts, picks)
    export["date"] = export["date"].dt.strftime("%Y-%m-%d")
    left, right = st.columns(2)
    left.download_button(
        "Download CSV", frame_to_csv(export), "forecast.csv", "text/csv", key=f"{key}_csv"
    )
    right.download_button(
        "Download Excel",
        # built when clicked: writing the workbook took most of every rerun of a shown run
        lambda: frames_to_excel({"forecast": export, "back-test": metrics}),
        "forecast.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
    )


def render_save(viewer: Principal, frames: dict, args: tuple, history: pd.DataFrame) -> None:
    """The "Save this run" form under a live run."""
    countries, channels, horizon, model, scenario = args
    default = forecast_runs.default_run_name(countries, channels, horizon, dt.date.today())
    # a new run gets a fresh default name, and so does a field Streamlit dropped on a page switch
    if (
        st.session_state.get("forecast_save_for") != args
        or "forecast_save_name" not in st.session_state
    ):
        st.session_state["forecast_save_for"] = args
        st.session_state["forecast_save_name"] = default
    with st.form("forecast_save_form"):
        name = st.text_input(
            "Name", key="forecast_save_name", max_chars=200, persist_state=KEEP_ON_PAGE
        )
        if not st.form_submit_button("Save this run", icon=":material/save:"):
            return
    chosen = history[history["country"].isin(countries) & history["channel"].isin(channels)]
    try:
        run_id = forecast_runs.save_run(
            get_store(),
            viewer,
            name=name,
            horizon_days=horizon,
            model=model,
            history_start=chosen["date"].min(),
            history_end=chosen["date"].max(),
            settings={
                "countries": list(countries),
                "channels": list(channels),
                "horizon_days": horizon,
                "model": model,
                "scenario": None
                if scenario is None
                else dict(zip(("country", "start", "pct_change"), scenario, strict=True)),
            },
            **frames,
        )
    except forecast_runs.ForecastRunError as exc:
        st.error(str(exc))
        return
    st.success(f"Saved as run #{run_id} “{name}”. Find it under Saved runs.")


def render_live(viewer: Principal, version: int) -> None:
    contacts = load_daily_contacts(version)
    if contacts.empty:
        st.info("No contacts loaded yet: upload a contacts file on the Data page.")
        return
    countries = sorted(contacts["country"].unique())
    channels = sorted(contacts["channel"].unique())
    with st.form("forecast_form"):
        left, right = st.columns(2)
        chosen_countries = left.multiselect(
            "Countries",
            countries,
            default=kept_or("countries", countries, countries[:1]),
            key="forecast_countries",
            persist_state=KEEP_ON_PAGE,
        )
        chosen_channels = left.multiselect(
            "Channels",
            channels,
            default=kept_or("channels", channels, channels[:1]),
            key="forecast_channels",
            persist_state=KEEP_ON_PAGE,
        )
        horizon = right.slider(
            "Horizon (days)",
            7,
            183,
            56,
            key="forecast_horizon",
            help="Up to six months ahead",
            persist_state=KEEP_ON_PAGE,
        )
        model = right.selectbox(
            "Model",
            list(MODELS),
            format_func=MODELS.get,
            key="forecast_model",
            persist_state=KEEP_ON_PAGE,
            help="Auto back-tests every model and picks the best per series; a fixed model is "
            "back-tested against the weekly seasonal naive only.",
        )
        with st.expander("Traffic scenario (e.g. a campaign)"):
            s_country = st.selectbox(
                "Country",
                ["none", *countries],
                key="forecast_scenario_country",
                persist_state=KEEP_ON_PAGE,
            )
            s_start = st.date_input(
                "From",
                dt.date.today() + dt.timedelta(days=14),
                key="forecast_scenario_start",
                persist_state=KEEP_ON_PAGE,
            )
            s_pct = st.number_input(
                "Change in web sessions (%)", -90.0, 500.0, 20.0, 5.0, key="forecast_scenario_pct",
                persist_state=KEEP_ON_PAGE,
                help="+20 means 20% more sessions than forecast from that day on",
            )  # fmt: skip
        submitted = st.form_submit_button("Run forecast", type="primary")
    if submitted:
        if not chosen_countries or not chosen_channels:
            st.info("Choose at least one country and one channel.")
            return
        scenario = (s_country, s_start, s_pct / 100) if s_country != "none" else None
        bar = st.progress(0.0, text="Back-testing models...")

        def progress(done: int, total: int, label: str) -> None:
            bar.progress(done / max(total, 1), text=f"Fitted {label} ({done}/{total})")

        st.session_state["forecast_args"] = (
            tuple(chosen_countries),
            tuple(chosen_channels),
            horizon,
            model,
            scenario,
        )
        latest_run(version, st.session_state["forecast_args"], progress)
        bar.empty()
    args = st.session_state.get("forecast_args")
    if args is None:
        st.info(
            "Choose countries, channels and a horizon, then run the forecast (a few seconds per series)."
        )
        return
    frames = latest_run(version, args).saved_layout()
    render_results(**frames, version=version)
    render_save(viewer, frames, args, contacts)


def describe_run(info: forecast_runs.RunInfo) -> str:
    return (
        f"Saved by {info.created_by or 'unknown'} on {info.created_at:%Y-%m-%d %H:%M} UTC: "
        f"{', '.join(info.countries)} · {', '.join(info.channels)} · "
        f"{info.horizon_days} days · model {info.model} · history "
        f"{info.history_start:%Y-%m-%d} to {info.history_end:%Y-%m-%d}"
    )


def run_label(runs: pd.DataFrame):
    names = dict(zip(runs["id"], runs["name"], strict=True))
    return lambda run_id: f"#{run_id} {names[run_id]}"


def render_saved(viewer: Principal, runs: pd.DataFrame, version: int) -> None:
    run_id = st.selectbox(
        "Saved run",
        runs["id"].tolist(),
        format_func=run_label(runs),
        key="forecast_saved_run",
        persist_state=KEEP_ON_PAGE,
    )
    saved = load_saved(int(run_id), viewer)
    st.caption(describe_run(saved.info))
    with st.expander("Settings of this run"):
        st.json(saved.info.settings)
    render_results(
        saved.forecasts,
        saved.metrics,
        saved.picks,
        saved.info.notes,
        saved.info.drivers,
        version,
        key="forecast_saved",
    )


def render_compare(viewer: Principal, runs: pd.DataFrame) -> None:
    if len(runs) < 2:
        st.info("Save at least two runs to compare them.")
        return
    ids = runs["id"].tolist()
    left, right = st.columns(2)
    a = left.selectbox(
        "First run",
        ids,
        index=1,
        format_func=run_label(runs),
        key="forecast_compare_a",
        persist_state=KEEP_ON_PAGE,
    )
    b = right.selectbox(
        "Second run",
        ids,
        index=0,
        format_func=run_label(runs),
        key="forecast_compare_b",
        persist_state=KEEP_ON_PAGE,
    )
    cmp = forecast_runs.compare_runs(get_store(), viewer, int(a), int(b))
    labels = sorted(set(cmp.daily["country"] + "/" + cmp.daily["channel"]))
    series = st.selectbox(
        "Series", labels, key="forecast_compare_series", persist_state=KEEP_ON_PAGE
    )
    country, channel = series.split("/", 1)
    mine = cmp.daily[(cmp.daily["country"] == country) & (cmp.daily["channel"] == channel)]
    names = {"forecast_a": f"#{a} {cmp.a.name}", "forecast_b": f"#{b} {cmp.b.name}"}
    long = mine.melt("date", ["forecast_a", "forecast_b"], "run", "forecast").dropna()
    long["run"] = long["run"].map(names)
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("forecast:Q", title="Contacts per day"),
            color=alt.Color("run:N", title="Run", legend=alt.Legend(orient="top")),
            strokeDash=alt.StrokeDash("run:N", title="Run", legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("run:N", title="Run"),
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("forecast:Q", title="Forecast", format=",.0f"),
            ],
        )
        .properties(height=320)
    )
    st.altair_chart(chart, width="stretch")
    st.subheader("Difference per week")
    st.caption(
        "Sums over the days both runs forecast, weeks from Monday; difference = second run "
        "minus first run."
    )
    weekly = cmp.weekly[(cmp.weekly["country"] == country) & (cmp.weekly["channel"] == channel)]
    st.dataframe(
        weekly.drop(columns=["country", "channel"]).style.format(
            {
                "week_start": "{:%Y-%m-%d}",
                "forecast_a": "{:,.0f}",
                "forecast_b": "{:,.0f}",
                "difference": "{:+,.0f}",
                "difference_pct": "{:+.1%}",
            }
        ),
        hide_index=True,
        width="stretch",
        key="forecast_compare_weekly",
    )
    st.subheader("Back-test WAPE of each run")
    st.dataframe(
        cmp.backtest.style.format({"wape_a": "{:.1%}", "wape_b": "{:.1%}"}, na_rep="–"),
        hide_index=True,
        width="stretch",
        key="forecast_compare_backtest",
    )


def remember_section() -> None:
    st.session_state[KEPT_SECTION_KEY] = st.session_state[SECTION_KEY]


def choose_section(sections: list[str]) -> str:
    """The section to show, chosen above the page's content and kept across page switches.

    Streamlit runs the code of every ``st.tabs`` tab on each rerun; with a selector the page
    runs the open section only. Widget state is dropped when the user leaves the page, so the
    choice is kept under a plain key and seeds the widget each run (as ``shared_filters`` does);
    a kept section the viewer may not see falls back to the first.
    """
    kept = st.session_state.get(KEPT_SECTION_KEY)
    st.session_state[SECTION_KEY] = kept if kept in sections else sections[0]
    chosen = st.segmented_control(
        "Section",
        sections,
        key=SECTION_KEY,
        required=True,
        on_change=remember_section,
        label_visibility="collapsed",
    )
    return chosen or sections[0]


def render_saved_section(viewer: Principal, version: int) -> None:
    runs = forecast_runs.list_runs(get_store(), viewer)
    if runs.empty:
        st.info("No saved forecasts yet; a planner runs and saves them.")
    else:
        render_saved(viewer, runs, version)


viewer = require_page(Permission.VIEW_FORECASTS)
st.title("Forecast")
st.caption(
    "Contacts per country and channel from web traffic and national holidays; the back-test picks the model."
)
version = data_version()
# viewers who may only view (managers) open on the saved runs
can_run = viewer.can(Permission.RUN_FORECASTS)
section = choose_section([RUN, SAVED, COMPARE] if can_run else [SAVED, COMPARE])
if section == RUN:
    render_live(viewer, version)
elif section == SAVED:
    render_saved_section(viewer, version)
else:
    render_compare(viewer, forecast_runs.list_runs(get_store(), viewer))
