"""Forecast page: contacts per country and channel from traffic and holidays, with the back-test."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import data_version, load_daily_contacts, load_table
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
    with ThreadPoolExecutor(2) as pool:
        return forecast_contacts(
            contacts,
            horizon_days,
            traffic=traffic if not traffic.empty else None,
            countries=list(countries),
            channels=list(channels),
            model=model,
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


def render_results(result: ContactForecast, version: int) -> None:
    run = result.run
    for note in run.notes:
        st.info(note)
    series = sorted(run.picks["unique_id"])
    chosen = st.selectbox("Series", series, key="forecast_series")
    picks = run.picks.set_index("unique_id")
    models = sorted(
        run.all_forecasts.loc[run.all_forecasts["unique_id"] == chosen, "model"].unique()
    )
    picked = picks.loc[chosen, "model"]
    model = st.selectbox(
        "Model for this series",
        models,
        index=models.index(picked) if picked in models else 0,
        key=f"forecast_model_{chosen}",
        help=f"Picked: {picked} ({picks.loc[chosen, 'reason']}). Choose another to override it.",
    )
    country, channel = chosen.split("/")
    daily = run.all_forecasts[
        (run.all_forecasts["unique_id"] == chosen) & (run.all_forecasts["model"] == model)
    ]
    shown = daily.rename(
        columns={
            "ds": "date",
            "yhat": "forecast",
            "yhat_lo_80": "forecast_lower",
            "yhat_hi_80": "forecast_upper",
        }
    )
    contacts = load_daily_contacts(version)
    history = contacts[(contacts["country"] == country) & (contacts["channel"] == channel)]
    history = history[history["date"] > history["date"].max() - pd.Timedelta(days=120)]
    holidays = holidays_in_range([country], history["date"].min(), shown["date"].max())
    render_chart(history, shown, holidays)

    st.subheader("What drives the next weeks")
    drivers = [d.text for d in run.drivers if d.unique_id == chosen]
    st.markdown("\n".join(f"- {text}" for text in drivers) or "No holidays in the horizon.")

    st.subheader("Back-test")
    st.caption(
        "Rolling-origin back-test with forecast traffic. WAPE: share of contacts missed (lower is better); "
        "MASE: error relative to repeating last week (below 1 beats it); coverage: share of actuals inside the interval."
    )
    table = run.metrics[run.metrics["unique_id"] == chosen].drop(columns=["unique_id"])
    st.dataframe(
        table.style.format(
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

    export = result.daily.copy()
    export["date"] = export["date"].dt.strftime("%Y-%m-%d")
    left, right = st.columns(2)
    left.download_button(
        "Download CSV", frame_to_csv(export), "forecast.csv", "text/csv", key="forecast_csv"
    )
    right.download_button(
        "Download Excel",
        frames_to_excel({"forecast": export, "back-test": run.metrics}),
        "forecast.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="forecast_xlsx",
    )


st.title("Forecast")
st.caption(
    "Contacts per country and channel from web traffic and national holidays; the back-test picks the model."
)
version = data_version()
contacts = load_daily_contacts(version)
if contacts.empty:
    st.info("No contacts loaded yet: upload a contacts file on the Data page.")
    st.stop()
countries = sorted(contacts["country"].unique())
channels = sorted(contacts["channel"].unique())
with st.form("forecast_form"):
    left, right = st.columns(2)
    chosen_countries = left.multiselect(
        "Countries", countries, default=countries[:1], key="forecast_countries"
    )
    chosen_channels = left.multiselect(
        "Channels", channels, default=channels[:1], key="forecast_channels"
    )
    horizon = right.slider(
        "Horizon (days)", 7, 183, 56, key="forecast_horizon", help="Up to six months ahead"
    )
    model = right.selectbox("Model", list(MODELS), format_func=MODELS.get, key="forecast_model")
    with st.expander("Traffic scenario (e.g. a campaign)"):
        s_country = st.selectbox("Country", ["none", *countries], key="forecast_scenario_country")
        s_start = st.date_input(
            "From", dt.date.today() + dt.timedelta(days=14), key="forecast_scenario_start"
        )
        s_pct = st.number_input(
            "Change in web sessions (%)", -90.0, 500.0, 20.0, 5.0, key="forecast_scenario_pct",
            help="+20 means 20% more sessions than forecast from that day on",
        )  # fmt: skip
    submitted = st.form_submit_button("Run forecast", type="primary")
if submitted:
    if not chosen_countries or not chosen_channels:
        st.info("Choose at least one country and one channel.")
        st.stop()
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
    st.stop()
render_results(latest_run(version, args), version)
