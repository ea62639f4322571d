"""Forecast page: run, save, reload and compare contact forecasts per country and channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    amount_column,
    formats,
    get_store,
    inputs_key,
    kept_or,
    load_daily_contacts,
    load_table,
    require_page,
    share_column,
    shared_period,
    show_built_chart,
    show_chart,
)
from app_pages.planning_cache import how_to_upload
from data import forecast_runs
from data.access import Permission, Principal
from forecasting.holidays import holidays_in_range
from forecasting.service import ContactForecast
from forecasting.summary import series_summary
from forecasting.traffic import TrafficScenario
from forecasting.wording import Entry, make_statement, word
from formats import Formats, date_input_format
from services.forecasts import configured_scheduler, forecast_frames
from staffing.exports import frame_to_csv, frames_to_excel

MODELS = {
    "auto": "Auto (combination of the best models, at most five)",
    "seasonal_naive": "Weekly seasonal naive",
    "ets": "Exponential smoothing",
    "regression": "Regression with holidays and traffic (ARIMA errors)",
    "autoets": "AutoETS (statsforecast)",
    "autotheta": "AutoTheta (statsforecast)",
    "mstl": "MSTL: weekly and yearly seasons (statsforecast)",
    "autoarima": "AutoARIMA with holidays and traffic (statsforecast)",
    "prophet": "Prophet with holidays and traffic",
}
# Every model a run may hold, in words; the downloads keep the ids.
MODEL_NAMES = {
    **{model: name for model, name in MODELS.items() if model != "auto"},
    "combination": "Combination of the best models, at most five (back-test weighted)",
    "ensemble": "Ensemble (average of exponential smoothing and regression)",  # older runs
}
HELP_MODEL = """How the coming days are worked out from the contacts so far:
- **Auto** back-tests every model below and, for each country and channel, averages the five
  that missed the fewest contacts (lowest WAPE), the better ones weighing more. The back-test
  table shows each member's weight; its bands come from the back-test's own misses.
- **Weekly seasonal naive**: each day repeats the same weekday of the last week. It is the
  benchmark: a model that cannot beat it is not worth its complexity.
- **Exponential smoothing** (ETS, AutoETS): level, trend and the weekly pattern, recent weeks
  weighing most.
- **AutoTheta**: a trend line and smoothing, the M3 competition's winner.
- **MSTL**: weekly and yearly patterns taken apart, the trend smoothed.
- **Regression** and **AutoARIMA**: contacts explained by the weekday, holidays and the forecast
  web sessions; ARIMA errors model what is left over.
- **Prophet**: trend, weekly and yearly patterns, holidays and web sessions (Meta's model).

Every model but the naive knows the national holidays: each holiday's effect is learnt from its
past occurrences, and one never seen takes the country's usual holiday effect.

A fixed model is back-tested against the weekly seasonal naive only, which is quicker."""
HELP_SCENARIO = (
    "A planned change in web sessions (a campaign, a price change) from one day to the end of "
    "the horizon. Only the models that use web traffic (regression, AutoARIMA, Prophet) respond."
)

RUN, SAVED, COMPARE = "Run a forecast", "Saved runs", "Compare runs"
SECTION_KEY = "forecast_section"
#: The open section, kept across page switches (widget state is not).
KEPT_SECTION_KEY = "forecast_section_kept"
#: Widgets of a hidden section keep their values while the user stays on the page (as in tabs).
KEEP_ON_PAGE = "page"


def model_name(model: str) -> str:
    return MODEL_NAMES.get(model, model)


def compute(
    version: Hashable,
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
        return forecast_frames(
            contacts,
            horizon_days,
            traffic=traffic,
            countries=list(countries),
            channels=list(channels),
            model=model,
            scenarios=scenarios,
            executor=pool,
            scheduler=configured_scheduler(),
            progress=progress,
        )


def latest_run(version: Hashable, args: tuple, progress=None) -> ContactForecast:
    """The session's run for these settings (kept in session state: fits report progress live,
    which Streamlit's data cache cannot replay)."""
    key = (version, *args)
    held = st.session_state.get("forecast_result")
    if held is None or held[0] != key:
        st.session_state["forecast_result"] = (key, compute(version, *args, progress=progress))
    return st.session_state["forecast_result"][1]


def period_layers(period: tuple[dt.date, dt.date], fmt: Formats) -> list[alt.Chart]:
    """A light box over the planning period's days, labelled at the top (not colour alone)."""
    first, last = period
    half_day = pd.Timedelta(hours=12)  # the box spans the whole of the first and last day
    frame = pd.DataFrame(
        {
            "start": [pd.Timestamp(first) - half_day],
            "end": [pd.Timestamp(last) + half_day],
            "label": ["Planning period"],
            "days": [f"{fmt.date(first)} to {fmt.date(last)}"],
        }
    )
    box = (
        alt.Chart(frame)
        .mark_rect(color="#4c78a8", opacity=0.12)
        .encode(
            x=alt.X("start:T", title="Date"),
            x2="end:T",
            tooltip=[alt.Tooltip("days:N", title="Planning period")],
        )
    )
    # right-aligned at the box's end: the forecast, and so the box, ends at the chart's right edge
    label = (
        alt.Chart(frame)
        .mark_text(align="right", baseline="top", dx=-4, dy=4, fontSize=11, fontWeight="bold")
        .encode(x=alt.X("end:T", title="Date"), y=alt.value(0), text="label:N")
    )
    return [box, label]


def forecast_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    holidays: pd.DataFrame,
    fmt: Formats,
    period: tuple[dt.date, dt.date] | None = None,
) -> alt.LayerChart:
    """The contacts so far, the forecast with its band, holidays and the planning period."""
    x = alt.X("date:T", title="Date")
    band = (
        alt.Chart(forecast)
        .mark_area(opacity=0.25)
        .encode(x=x, y=alt.Y("forecast_lower:Q", title="Contacts per day"), y2="forecast_upper:Q")
    )
    hist = (
        alt.Chart(history)
        .mark_line(color="#555")
        .encode(
            x=x,
            y="contacts:Q",
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("contacts:Q", title="Contacts", format=",.0f"),
            ],
        )
    )
    line = (
        alt.Chart(forecast)
        .mark_line(strokeDash=[6, 3], point=True)
        .encode(
            x=x,
            y="forecast:Q",
            tooltip=[
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("forecast:Q", title="Forecast", format=",.0f"),
                alt.Tooltip("forecast_lower:Q", title="80% band, low", format=",.0f"),
                alt.Tooltip("forecast_upper:Q", title="80% band, high", format=",.0f"),
                alt.Tooltip("model_name:N", title="Model"),
            ],
        )
    )
    rules = (
        alt.Chart(holidays)
        .mark_rule(color="#b5473a", strokeDash=[3, 3])
        .encode(
            x=x,
            tooltip=[
                alt.Tooltip("holiday:N", title="Holiday"),
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
            ],
        )
    )
    layers = [band, hist, line, rules]
    if period is not None:
        layers = [period_layers(period, fmt)[0], *layers, period_layers(period, fmt)[1]]
    return alt.layer(*layers).properties(height=340)


def render_chart(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    holidays: pd.DataFrame,
    fmt: Formats,
    period: tuple[dt.date, dt.date] | None = None,
) -> None:
    # built once per series, model and period: a page switch draws the same chart again
    show_built_chart(forecast_chart, history, forecast, holidays, fmt, period)
    st.caption(
        f"Solid grey line: the contacts so far (the last {fmt.number(120)} days). Dashed line "
        f"with points: the forecast; the shaded area around it: its {fmt.percent(0.8)} band, "
        f"where the model expects a day's contacts {fmt.number(8)} days in {fmt.number(10)} (the "
        "back-test's coverage says how often they were). Vertical dashed lines: national "
        "holidays (hover for the name)."
        + (
            " The light box labelled *Planning period*: the days chosen in the sidebar."
            if period is not None
            else ""
        )
    )


def render_period_metrics(
    shown: pd.DataFrame, period: tuple[dt.date, dt.date] | None, fmt: Formats
) -> None:
    """The series' forecast over the planning period (a saved run) or the horizon (a live run)."""
    days = shown
    if period is not None:
        days = shown[(shown["date"].dt.date >= period[0]) & (shown["date"].dt.date <= period[1])]
    if days.empty:
        st.info("This series has no forecast in the planning period chosen in the sidebar.")
        return
    first, last = days["date"].min().date(), days["date"].max().date()
    where = "the planning period in the sidebar" if period is not None else "the horizon"
    busiest = days.loc[days["forecast"].idxmax()]
    cols = st.columns(3)
    cols[0].metric(
        f"Contacts in the {fmt.number(len(days))} days",
        fmt.number(days["forecast"].sum()),
        help=f"The forecast contacts from {fmt.date(first)} to {fmt.date(last)} ({where}), "
        "summed over the days.",
    )
    cols[1].metric(
        "Contacts a day on average",
        fmt.number(days["forecast"].mean(), 1),
        help=f"The forecast contacts per day, {fmt.date(first)} to {fmt.date(last)}.",
    )
    cols[2].metric(
        "Busiest day",
        fmt.weekday(busiest["date"].date()),
        help=f"{fmt.number(busiest['forecast'])} contacts forecast on "
        f"{fmt.date(busiest['date'].date())}, "
        f"the most of {where}.",
    )


def backtest_columns(fmt: Formats) -> dict:
    """The back-test table's headers and help, numbers in the viewer's language."""
    return {
        "model": st.column_config.TextColumn(
            "Model", help="Hover the Model selector above for what each model does."
        ),
        "wape": share_column(
            "WAPE",
            "Weighted absolute percentage error: the contacts the forecast missed (too many "
            "or too few) as a share of all contacts of the back-test days. Lower is better; "
            "Auto combines the five lowest.",
        ),
        "mase": amount_column(
            "MASE",
            "Mean absolute scaled error: the error divided by that of repeating last week's "
            f"same weekday. Below {fmt.number(1)} beats that simple rule; above, it does worse.",
            decimals=2,
        ),
        "coverage_80": share_column(
            f"Inside {fmt.percent(0.8)} band",
            f"Share of the back-test days inside the {fmt.percent(0.8)} band. Near "
            f"{fmt.percent(0.8)}, the band is honest; well below, it is too narrow (the model is "
            "surer than it should be).",
            decimals=0,
        ),
        "coverage_95": share_column(
            f"Inside {fmt.percent(0.95)} band",
            f"The same for the wider {fmt.percent(0.95)} band (in the downloads).",
            decimals=0,
        ),
        "folds": amount_column(
            "Folds",
            "How often the model was fitted on older contacts and checked on the days "
            "after, each time as many days as the horizon. More folds, a surer verdict.",
        ),
        "seconds": amount_column(
            "Fit time (s)",
            "Seconds the back-test of this model took (the combination: its members' sum; it "
            "is built from their forecasts, not fitted again).",
            decimals=1,
        ),
        "weight": share_column(
            "Weight in the combination",
            "The model's share of the combination (Auto): the five lowest back-test WAPEs (the "
            "weekly seasonal naive is only the benchmark), each weighted by one over its WAPE. "
            "Empty for the models left out.",
            decimals=0,
        ),
    }


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_summary(
    forecasts: pd.DataFrame, metrics: pd.DataFrame, picks: pd.DataFrame, version: Hashable
) -> pd.DataFrame:
    """:func:`forecasting.summary.series_summary` of a run against the contacts so far.

    ``picks`` is hashed as the cache key, so pass only the columns the summary reads
    (:data:`PICK_COLUMNS`): the pick's reason is a dict, which Streamlit cannot hash, and it
    then logged a warning and pickled the whole frame on every run of the page.
    """
    return series_summary(forecasts, metrics, picks, load_daily_contacts(version))


#: What :func:`load_summary` reads of the picks: the series and its model.
PICK_COLUMNS = ["country", "channel", "model"]


def summary_columns(fmt: Formats) -> dict:
    """The series summary's headers and help, numbers in the viewer's language."""
    return {
        "country": st.column_config.TextColumn("Country"),
        "channel": st.column_config.TextColumn("Channel"),
        "model": st.column_config.TextColumn(
            "Model", help="The model the series uses: the combination (Auto) or the one chosen."
        ),
        "wape": share_column(
            "Back-test WAPE",
            "The contacts the model missed in the back-test as a share of all its contacts. "
            "Lower is better.",
        ),
        "coverage_80": share_column(
            f"Inside {fmt.percent(0.8)} band",
            f"Share of the back-test days inside the {fmt.percent(0.8)} band; near "
            f"{fmt.percent(0.8)} the band is honest.",
            decimals=0,
        ),
        "days": amount_column("Days", "Days forecast."),
        "forecast_total": amount_column("Forecast (contacts)", "Contacts over the forecast days."),
        "previous_total": amount_column(
            "Days before (contacts)",
            "Contacts of as many days just before the forecast starts; empty when the history "
            "is shorter.",
        ),
        "change": share_column(
            "Change", "The forecast against the days before: above zero, more contacts ahead."
        ),
        "holidays_ahead": amount_column("Holidays ahead", "National holidays among the days."),
    }


def pick_series_from_summary(table_key: str, series_key: str, labels: list[str]) -> None:
    """``on_select`` of the summary table: the selected row's series goes in the chart."""
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[series_key] = labels[rows[0]]


def render_summary(
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    picks: pd.DataFrame,
    version: Hashable,
    key: str,
) -> None:
    """Every series of the run in one sortable table; selecting a row shows it in the chart."""
    if len(picks) < 2:
        return  # one series: the chart and the back-test below say it all
    fmt = formats()
    summary = load_summary(forecasts, metrics, picks[PICK_COLUMNS], version)
    labels = (summary["country"] + "/" + summary["channel"]).tolist()
    st.subheader("Every series")
    st.caption(
        "The model each series uses, its back-test and its forecast against as many days "
        "before. Click a header to sort; select a row to show that series below."
    )
    table_key = f"{key}_summary"
    st.dataframe(
        summary.assign(model=summary["model"].map(model_name)),
        hide_index=True,
        width="stretch",
        key=table_key,
        on_select=lambda: pick_series_from_summary(table_key, f"{key}_series", labels),
        selection_mode="single-row",
        column_config=summary_columns(fmt),
    )


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Loading the saved run...")
def load_saved(run_id: int, viewer: Principal) -> forecast_runs.SavedRun:
    return forecast_runs.load_run(get_store(), viewer, run_id)  # saved runs never change


def describe_pick(pick: pd.Series, table: pd.DataFrame, fmt: Formats) -> str:
    """Why the run picked its model, the WAPE written in the viewer's numbers."""
    reason = pick["reason"]
    wape = table.loc[table["model"] == pick["model"], "wape"]
    # runs saved before reasons had codes wrote the WAPE as "(0.123)": take it from the table
    if (
        isinstance(reason, str)
        and reason.startswith("lowest back-test WAPE")
        and wape.notna().any()
    ):
        reason = make_statement("lowest_wape", wape=float(wape.iloc[0]))
    return f"{model_name(pick['model'])} ({word(reason, fmt)})"


def render_results(
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    picks: pd.DataFrame,
    notes: list[Entry] | tuple[Entry, ...],
    drivers: list[dict] | tuple[dict, ...],
    version: Hashable,
    key: str = "forecast",
    period: tuple[dt.date, dt.date] | None = None,
    run_id: int | None = None,
) -> None:
    """Chart, drivers, back-test and downloads of one run (live or saved); ``period`` (a saved
    run's share of the sidebar's planning period) is shaded in the chart and summed above it.

    A saved run (``run_id``) keeps its own model override per series: another run opens on its
    own pick, not on a model chosen for the run shown before. Notes, drivers and the pick's
    reason are worded in the viewer's locale (those of older runs show as they were saved).
    """
    fmt = formats()
    for note in notes:
        st.info(word(note, fmt))
    render_summary(forecasts, metrics, picks, version, key)
    label = picks["country"] + "/" + picks["channel"]
    chosen = st.selectbox(
        "Series",
        sorted(label),
        key=f"{key}_series",
        persist_state=KEEP_ON_PAGE,
        help="One country and channel (country/channel): each is forecast on its own.",
    )
    country, channel = chosen.split("/", 1)
    pick = picks[(picks["country"] == country) & (picks["channel"] == channel)].iloc[0]
    in_series = (forecasts["country"] == country) & (forecasts["channel"] == channel)
    table = metrics[(metrics["country"] == country) & (metrics["channel"] == channel)]
    models = sorted(forecasts.loc[in_series, "model"].unique())
    model = st.selectbox(
        "Model for this series",
        models,
        index=models.index(pick["model"]) if pick["model"] in models else 0,
        format_func=model_name,
        key=f"{key}_model_{chosen}" if run_id is None else f"{key}_model_{run_id}_{chosen}",
        persist_state=KEEP_ON_PAGE,
        help=f"Picked: {describe_pick(pick, table, fmt)}. Choose another to see its forecast in "
        "the chart and the figures above it; the downloads and a saved run keep the picked model.",
    )
    shown = forecasts[in_series & (forecasts["model"] == model)].assign(
        model_name=model_name(model)
    )
    render_period_metrics(shown, period, fmt)
    contacts = load_daily_contacts(version)
    history = contacts[(contacts["country"] == country) & (contacts["channel"] == channel)]
    history = history[history["date"] > history["date"].max() - pd.Timedelta(days=120)]
    first_day = shown["date"].min() if history.empty else history["date"].min()
    holidays = holidays_in_range([country], first_day, shown["date"].max())
    render_chart(history, shown, holidays, fmt, period)

    st.subheader("What drives the next weeks")
    texts = [word(d, fmt) for d in drivers if (d["country"], d["channel"]) == (country, channel)]
    st.markdown("\n".join(f"- {text}" for text in texts) or "No holidays in the horizon.")

    st.subheader("Back-test")
    st.markdown(f"Picked: {describe_pick(pick, table, fmt)}")
    st.caption(
        "How well each model would have done: it is fitted on older contacts and forecasts days "
        "whose contacts are known, from several starting points (folds), with forecast rather "
        "than actual web traffic, as a live forecast has to. Hover a column header for what it "
        "means."
    )
    st.dataframe(
        table.drop(columns=["country", "channel"]).assign(model=table["model"].map(model_name)),
        hide_index=True,
        width="stretch",
        column_config=backtest_columns(fmt),
    )

    export = forecast_runs.chosen_forecasts(forecasts, picks)
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        frame_to_csv(export),
        "forecast.csv",
        "text/csv",
        key=f"{key}_csv",
        help=f"The picked model's daily forecast of every series with its {fmt.percent(0.8)} "
        f"and {fmt.percent(0.95)} bands, for other programs: ISO dates (YYYY-MM-DD), plain "
        "numbers with a decimal point, model ids.",
    )
    right.download_button(
        "Download Excel",
        # built when clicked: writing the workbook took most of every rerun of a shown run
        lambda: frames_to_excel({"forecast": export, "back-test": metrics}),
        "forecast.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        help="The same forecast (real dates, rounded contacts), and the back-test of every "
        "model, as two sheets.",
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
            "Name",
            key="forecast_save_name",
            max_chars=200,
            persist_state=KEEP_ON_PAGE,
            help="How the run is listed under Saved runs.",
        )
        if not st.form_submit_button(
            "Save this run",
            icon=":material/save:",
            help="Saves the forecast, the picks and the back-test. Saved runs can be reopened "
            "and compared; the newest of each country and channel feeds the Overview, Staffing "
            "and Schedule pages.",
        ):
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


def render_no_contacts(viewer: Principal) -> None:
    st.info(
        "No contacts yet, so there is nothing to forecast: the models learn from the contacts "
        "per day so far. " + how_to_upload("contacts", viewer),
        icon=":material/upload_file:",
    )
    st.page_link("app_pages/data_page.py", label="Go to Data", icon=":material/database:")


def render_live(viewer: Principal, version: Hashable) -> None:
    fmt = formats()
    contacts = load_daily_contacts(version)
    if contacts.empty:
        render_no_contacts(viewer)
        return
    countries = sorted(contacts["country"].unique())
    channels = sorted(contacts["channel"].unique())
    last_day = contacts["date"].max().date()
    with st.form("forecast_form"):
        left, right = st.columns(2)
        chosen_countries = left.multiselect(
            "Countries",
            countries,
            default=kept_or("countries", countries, countries[:1]),
            key="forecast_countries",
            persist_state=KEEP_ON_PAGE,
            help="Each country and channel with contacts is forecast on its own (a series).",
        )
        chosen_channels = left.multiselect(
            "Channels",
            channels,
            default=kept_or("channels", channels, channels[:1]),
            key="forecast_channels",
            persist_state=KEEP_ON_PAGE,
            help="Voice, chat, email...: as the contacts file names them.",
        )
        horizon = right.slider(
            "Horizon (days)",
            7,
            183,
            56,
            key="forecast_horizon",
            help=f"How many days ahead to forecast, from the day after the last contacts "
            f"({fmt.date(last_day)}); up to six months. The back-test checks stretches as long "
            "as the horizon, so a longer one needs more history and takes longer.",
            persist_state=KEEP_ON_PAGE,
        )
        model = right.selectbox(
            "Model",
            list(MODELS),
            format_func=MODELS.get,
            key="forecast_model",
            persist_state=KEEP_ON_PAGE,
            help=HELP_MODEL,
        )
        with st.expander("Traffic scenario (e.g. a campaign)"):
            st.caption(HELP_SCENARIO)
            s_country = st.selectbox(
                "Country",
                ["none", *countries],
                key="forecast_scenario_country",
                persist_state=KEEP_ON_PAGE,
                help="The country whose web sessions change; none for no scenario.",
            )
            s_start = st.date_input(
                "From",
                dt.date.today() + dt.timedelta(days=14),
                key="forecast_scenario_start",
                persist_state=KEEP_ON_PAGE,
                format=date_input_format(fmt.locale),
                help="The first day of the change; it lasts to the end of the horizon.",
            )
            s_pct = st.number_input(
                "Change in web sessions (%)", -90.0, 500.0, 20.0, 5.0, key="forecast_scenario_pct",
                persist_state=KEEP_ON_PAGE,
                help=f"+20 means {fmt.percent(0.2)} more sessions than forecast from that day on; "
                f"−10 means {fmt.percent(0.1)} fewer.",
            )  # fmt: skip
        submitted = st.form_submit_button(
            "Run forecast",
            type="primary",
            help="Back-tests and fits the models: a few seconds per series and model, with "
            "progress below.",
        )
    if submitted:
        if not chosen_countries or not chosen_channels:
            st.info("Choose at least one country and one channel.")
            return
        scenario = (s_country, s_start, s_pct / 100) if s_country != "none" else None
        bar = st.progress(0.0, text="Back-testing models...")

        def progress(done: int, total: int, label: str) -> None:
            bar.progress(
                done / max(total, 1),
                text=f"Fitted {label} ({fmt.number(done)} of {fmt.number(total)})",
            )

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


def describe_scenario(scenario: dict | None, fmt: Formats) -> str:
    if not scenario:
        return "no traffic scenario"
    start = scenario["start"]
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    change = fmt.signed_percent(scenario["pct_change"])
    return f"web sessions in {scenario['country']} {change} from {fmt.date(start)}"


def describe_run(info: forecast_runs.RunInfo, fmt: Formats) -> str:
    return (
        f"Saved by {info.created_by or 'unknown'} on {fmt.timestamp(info.created_at)} UTC: "
        f"{', '.join(info.countries)} · {', '.join(info.channels)} · "
        f"{fmt.number(info.horizon_days)} days · model {MODELS.get(info.model, model_name(info.model))}"
        f" · {describe_scenario(info.settings.get('scenario'), fmt)} · history "
        f"{fmt.date(info.history_start)} to {fmt.date(info.history_end)}"
    )


def run_label(runs: pd.DataFrame):
    names = dict(zip(runs["id"], runs["name"], strict=True))
    return lambda run_id: f"#{run_id} {names[run_id]}"


def render_saved(viewer: Principal, runs: pd.DataFrame, version: Hashable) -> None:
    fmt = formats()
    run_id = st.selectbox(
        "Saved run",
        runs["id"].tolist(),
        format_func=run_label(runs),
        key="forecast_saved_run",
        persist_state=KEEP_ON_PAGE,
        help="Forecasts saved so far, newest first, exactly as they were when saved.",
    )
    saved = load_saved(int(run_id), viewer)
    st.caption(describe_run(saved.info, fmt))
    with st.expander("Settings of this run, as saved"):
        st.json(saved.info.settings)
    dates = saved.forecasts["date"]
    period = shared_period(dates.min().date(), dates.max().date())
    render_results(
        saved.forecasts,
        saved.metrics,
        saved.picks,
        saved.info.notes,
        saved.info.drivers,
        version,
        key="forecast_saved",
        period=period,
        run_id=int(run_id),
    )


def render_compare(viewer: Principal, runs: pd.DataFrame) -> None:
    if len(runs) < 2:
        have = "none" if runs.empty else "one"
        st.info(
            f"Comparing needs two saved runs; there is {have} so far. "
            + (
                "Run a forecast under **Run a forecast** and press **Save this run**, e.g. the "
                "same series with another model or horizon."
                if viewer.can(Permission.RUN_FORECASTS)
                else "Planners run and save forecasts; once there are two, compare them here."
            )
        )
        return
    fmt = formats()
    ids = runs["id"].tolist()
    left, right = st.columns(2)
    a = left.selectbox(
        "First run",
        ids,
        index=1,
        format_func=run_label(runs),
        key="forecast_compare_a",
        persist_state=KEEP_ON_PAGE,
        help="The run to compare against (differences are second minus first).",
    )
    b = right.selectbox(
        "Second run",
        ids,
        index=0,
        format_func=run_label(runs),
        key="forecast_compare_b",
        persist_state=KEEP_ON_PAGE,
        help="Usually the newer run.",
    )
    with st.spinner("Comparing the runs..."):
        cmp = forecast_runs.compare_runs(get_store(), viewer, int(a), int(b))
    labels = sorted(set(cmp.daily["country"] + "/" + cmp.daily["channel"]))
    series = st.selectbox(
        "Series",
        labels,
        key="forecast_compare_series",
        persist_state=KEEP_ON_PAGE,
        help="One country and channel (country/channel) that either run forecasts.",
    )
    country, channel = series.split("/", 1)
    mine = cmp.daily[(cmp.daily["country"] == country) & (cmp.daily["channel"] == channel)]
    names = {"forecast_a": f"#{a} {cmp.a.name}", "forecast_b": f"#{b} {cmp.b.name}"}
    long = mine.melt("date", ["forecast_a", "forecast_b"], "run", "forecast").dropna()
    long["run"] = long["run"].map(names)
    legend = alt.Legend(orient="top")
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("forecast:Q", title="Contacts per day"),
            # line style and point shape tell the runs apart without colour
            color=alt.Color("run:N", title="Run", legend=legend),
            strokeDash=alt.StrokeDash("run:N", title="Run", legend=legend),
            shape=alt.Shape("run:N", title="Run", legend=legend),
            tooltip=[
                alt.Tooltip("run:N", title="Run"),
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
                alt.Tooltip("forecast:Q", title="Forecast", format=",.0f"),
            ],
        )
        .properties(height=320)
    )
    show_chart(chart)
    st.subheader("Difference per week")
    st.caption(
        "Sums over the days both runs forecast, weeks from Monday; difference = second run "
        "minus first run."
    )
    weekly = cmp.weekly[(cmp.weekly["country"] == country) & (cmp.weekly["channel"] == channel)]
    st.dataframe(
        weekly.drop(columns=["country", "channel"]),
        hide_index=True,
        width="stretch",
        key="forecast_compare_weekly",
        column_config={
            "week_start": st.column_config.DateColumn(
                "Week starting", format="localized", help="The Monday of the week."
            ),
            "days": amount_column(
                "Days", "Days of the week both runs forecast (fewer than 7 at either end)."
            ),
            "forecast_a": amount_column("First run (contacts)"),
            "forecast_b": amount_column("Second run (contacts)"),
            "difference": amount_column("Second − first (contacts)"),
            "difference_pct": share_column(
                "Second − first (%)", "The difference as a share of the first run's contacts."
            ),
        },
    )
    st.subheader("Back-test WAPE of each run")
    st.caption(
        f"The model each run picked for each series and its back-test WAPE, the share of contacts "
        f"it missed (lower is better). {fmt.percent(0.1)} means one contact in ten."
    )
    backtest = cmp.backtest.assign(
        model_a=cmp.backtest["model_a"].map(model_name, na_action="ignore"),
        model_b=cmp.backtest["model_b"].map(model_name, na_action="ignore"),
    )
    wape_help = "The contacts the forecast missed as a share of all back-test contacts."
    st.dataframe(
        backtest,
        hide_index=True,
        width="stretch",
        key="forecast_compare_backtest",
        column_config={
            "country": "Country",
            "channel": "Channel",
            "model_a": "First run: model",
            "wape_a": share_column("First run: WAPE", wape_help),
            "model_b": "Second run: model",
            "wape_b": share_column("Second run: WAPE", wape_help),
        },
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


def render_saved_section(viewer: Principal, version: Hashable) -> None:
    runs = forecast_runs.list_runs(get_store(), viewer)
    if not runs.empty:
        render_saved(viewer, runs, version)
        return
    if not viewer.can(Permission.RUN_FORECASTS):
        st.info(
            "No saved forecasts yet. Planners run and save them on this page; once one is "
            "saved it shows here with its chart, back-test and downloads, and the Overview "
            "compares it with the teams.",
            icon=":material/info:",
        )
        return
    no_contacts = load_daily_contacts(version).empty
    first = (
        "A forecast needs contacts first. " + how_to_upload("contacts", viewer) + " Then run "
        if no_contacts
        else "Run "
    )
    st.info(
        f"No saved forecasts yet. {first}one under **Run a forecast** and press **Save this "
        "run**: it shows here, and the newest run of each country and channel feeds the "
        "Overview, Staffing and Schedule pages.",
        icon=":material/info:",
    )
    if no_contacts:
        st.page_link("app_pages/data_page.py", label="Go to Data", icon=":material/database:")


viewer = require_page(Permission.VIEW_FORECASTS)
st.title("Forecast")
st.caption(
    "Contacts per country and channel from web traffic and national holidays; the back-test picks the model."
)
version = inputs_key()
# viewers who may only view (managers) open on the saved runs
can_run = viewer.can(Permission.RUN_FORECASTS)
section = choose_section([RUN, SAVED, COMPARE] if can_run else [SAVED, COMPARE])
if section == RUN:
    render_live(viewer, version)
elif section == SAVED:
    render_saved_section(viewer, version)
else:
    render_compare(viewer, forecast_runs.list_runs(get_store(), viewer))
