"""AppTest of the Data page on the seeded sample, and on databases that lack contacts or traffic."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from data.access import Principal
from formats import Formats
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with, import_files

TIMEOUT = 120  # seconds; the default 3 s is too short on 2 cores
PAGE = "app_pages/data_page.py"
AGENTS = b"agent_id,name,team,country\nB001,Ana,T,AR\nB002,Ben,T,AR\n"
TRAFFIC_ONE_DAY = b"country,date,sessions\nAR,2026-01-01,5\n"


@pytest.fixture
def app(seeded_data_dir):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_data_page_shows_what_is_loaded_and_both_charts(app):
    assert app.title[0].value == "Data"
    summary = app.dataframe[0].value
    rows = dict(zip(summary["Table"], summary["Rows"], strict=True))
    assert rows["agents"] == 137 and rows["contacts"] > 200_000
    assert summary.set_index("Table").loc["traffic", "Countries"] == "AR, BR, DE, GB, HU, US"
    assert summary.set_index("Table").loc["traffic", "From"] < dt.date.today()  # dates, not text
    assert [s.value for s in app.subheader][:2] == ["Contacts per day", "Web sessions per day"]
    assert len(app.get("vega_lite_chart")) == 2
    assert not app.info  # everything the page needs is loaded


def test_the_charts_start_with_the_latest_year_and_reach_back_to_the_first_day(app):
    """Two years of the sample: the latest 365 days at first (more days than the chart has
    pixels cost the browser seconds at 2 M rows); the slider reaches back to the first."""
    start, end = app.slider(key="data_period").value
    assert (end - start).days == 364
    loaded = app.dataframe[0].value.set_index("Table").loc["contacts"]
    assert loaded["From"] < start and loaded["To"] == end
    app.slider(key="data_period").set_value((loaded["From"], end)).run()
    assert not app.exception and len(app.get("vega_lite_chart")) == 2


def test_choosing_no_country_explains_itself(app):
    app.sidebar.multiselect(key="filter_countries").set_value([]).run()
    assert not app.exception
    assert "Choose at least one country" in app.info[0].value
    assert len(app.get("vega_lite_chart")) == 0


def test_one_country_one_channel(app):
    app.sidebar.multiselect(key="filter_countries").set_value(["HU"]).run()
    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 2


@pytest.fixture
def own_data_dir(tmp_path):
    """A database of its own (not the shared sample); the test imports what it needs."""
    with data_dir_with(tmp_path) as store:
        yield lambda *files: import_files(store, files)


def open_as(role: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["principal"] = Principal("someone", role, "Someone")  # signed in
    at.run()
    assert not at.exception, at.exception
    return at


def test_without_contacts_or_traffic_the_page_says_what_to_upload_and_where(own_data_dir):
    own_data_dir(("agents", AGENTS))  # a database with people but no contacts or traffic
    at = open_as("planner")
    assert not at.get("vega_lite_chart")
    text = at.info[0].value
    assert "No contacts or web traffic loaded yet" in text
    assert "**contacts** (country, date or interval_start, contacts" in text
    assert "**traffic** (country (code or name), date, sessions)" in text
    assert "with *Upload a file* below" in text and "`.venv/bin/crewcast import KIND FILE`" in text
    assert at.selectbox(key="data_kind").options == ["contacts", "traffic"]
    assert "Nothing loaded yet for contacts, traffic, absences, hours, performance" in " ".join(
        c.value for c in at.caption
    )

    manager = open_as("manager")  # may look, not import: told who can
    assert "your role cannot import them, a planner or an admin can, here" in (
        manager.info[0].value
    )
    assert not manager.selectbox


def test_one_day_of_traffic_in_the_viewers_locale(own_data_dir, monkeypatch):
    own_data_dir(("traffic", TRAFFIC_ONE_DAY))
    monkeypatch.setenv("CREWCAST_LOCALE", "de_DE")
    at = open_as("planner")
    captions = [c.value for c in at.caption]
    assert f"One day loaded: {Formats('de_DE').date(dt.date(2026, 1, 1))}." in captions
    assert len(at.get("vega_lite_chart")) == 1  # web sessions; contacts are missing
    assert "No contacts loaded yet" in at.info[0].value
    assert at.subheader[0].value == "Web sessions per day"


# --- upload: preview, columns chosen from the file's headers, import ----------------------------

ITALY = ("calls_italy", "case_data_calls.csv")
RECENT_CONTACTS = b"country,date,contacts\nAR,2026-01-01,5\nAR,2026-01-02,6\nAR,2026-01-03,7\n"
GA = ("traffic_sessions_by_country", "google-analytics.csv")


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="data_upload").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def problems(at: AppTest) -> str:
    return "\n".join(table_with(at, "Problem")["Problem"])


def table_with(at: AppTest, column: str):
    """The first table on the page with ``column`` (AppTest does not find tables by key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_italian_calls_preview_map_and_import(own_data_dir, shared_data, monkeypatch):
    monkeypatch.setenv("CREWCAST_LOCALE", "en_GB")
    fmt = Formats("en_GB")
    # Recent contacts of another country are loaded: the period slider is drawn before the import.
    own_data_dir(("agents", AGENTS), ("contacts", RECENT_CONTACTS))
    at = open_as("planner")
    assert at.slider(key="data_period").value == (dt.date(2026, 1, 1), dt.date(2026, 1, 3))
    at = upload(at, "case_data_calls.csv", shared_data.joinpath(*ITALY).read_bytes())

    preview = table_with(at, "calls")
    assert list(preview.columns) == ["date", "calls", "weekday"]
    assert preview.iloc[0].tolist() == ["1-1-2013", "2429", "2"]
    assert "Read with separator ';' (semicolon), encoding utf-8; 'date' day-month-year" in texts(
        at.caption
    )
    contacts = at.selectbox(key="data_map_contacts")
    assert contacts.value == "calls" and contacts.label == "contacts (required)"
    assert contacts.options == ["date", "calls", "weekday"]  # the file's own headers
    assert at.selectbox(key="data_map_date").value == "date"
    assert at.selectbox(key="data_map_channel").options[0] == "(none)"
    country = at.selectbox(key="data_map_country")
    assert country.value == "(none)" and "default country" in country.label
    assert "missing column 'country' (or state a default country)" in problems(at)
    assert not [b for b in at.button if b.key == "data_import"]  # nothing to import yet

    at.text_input(key="data_default_country").input("IT").run()
    assert "case_data_calls.csv: 1,155 rows, no errors." in texts(at.success)
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception

    done = texts(at.success)
    assert "Imported 1,155 contacts rows from case_data_calls.csv as batch 3" in done
    assert f"{fmt.date(dt.date(2013, 1, 1))} to {fmt.date(dt.date(2016, 2, 29))}; IT." in done
    # The charts show the file's own years, not the last 180 days.
    assert at.slider(key="data_period").value == (dt.date(2013, 1, 1), dt.date(2016, 2, 29))
    assert at.subheader[0].value == "Contacts per day" and len(at.get("vega_lite_chart")) == 1
    summary = table_with(at, "Table").set_index("Table")
    assert summary.loc["contacts", "Rows"] == 1158
    assert at.sidebar.multiselect(key="filter_countries").value == ["IT"]


def test_columns_the_detection_cannot_decide_are_chosen_from_the_file(own_data_dir):
    own_data_dir(("agents", AGENTS))
    content = b"Country;Day;Calls;Tickets\nHU;2025-03-14;12;30\nHU;2025-03-15;15;31\n"
    at = upload(open_as("planner"), "two_counts.csv", content)
    contacts = at.selectbox(key="data_map_contacts")
    assert contacts.value is None  # 'Calls' and 'Tickets' both could be contacts: not guessed
    assert "missing column 'contacts'" in problems(at)
    contacts.set_value("Tickets").run()
    assert "two_counts.csv: 2 rows, no errors." in texts(at.success)
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    stored = open_store_contacts()
    assert stored["contacts"].tolist() == [30.0, 31.0]


def open_store_contacts():
    from data.store import open_store

    return open_store().load("contacts")


def test_web_analytics_import_preselects_the_largest_countries(own_data_dir, shared_data):
    own_data_dir(("agents", AGENTS))
    at = upload(open_as("planner"), "google-analytics.csv", shared_data.joinpath(*GA).read_bytes())
    at.selectbox(key="data_kind").set_value("traffic").run()
    assert "google-analytics.csv: 92,110 rows, no errors." in texts(at.success)
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    chosen = at.sidebar.multiselect(key="filter_countries").value
    assert len(chosen) == 8 and chosen[0] == "US"  # not all 214
    assert "Showing 8 of 214 countries" in texts(at.caption)
    assert "and 206 more countries (the charts show the 8 largest" in texts(at.success)
    assert at.slider(key="data_period").value == (dt.date(2018, 12, 1), dt.date(2019, 12, 1))


def test_a_utf16_file_with_an_impossible_date_is_named(own_data_dir):
    own_data_dir(("agents", AGENTS))
    content = "country\tdate\tcontacts\nAR\t2024-01-01\t5\nAR\t1600-01-02\t6\n".encode("utf-16")
    at = upload(open_as("planner"), "excel.txt", content)
    assert "encoding utf-16" in texts(at.caption)
    errors = table_with(at, "Problem")
    assert errors.iloc[0][["Row", "Column", "Value"]].tolist() == [3, "date", "1600-01-02"]
    assert "outside the years 1900 to 2199" in errors.iloc[0]["Problem"]
    assert "excel.txt: 1 errors in 2 rows; nothing was imported." in texts(at.error)


def chart_countries(at: AppTest, index: int, value: str) -> set[str]:
    """The countries of the ``index``-th chart's series (the data with a ``value`` column)."""
    chart = at.get("vega_lite_chart")[index].proto
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.datasets]
    return {c for f in frames if value in f.columns for c in f["country"]}


def test_after_a_web_analytics_import_each_chart_shows_its_own_countries(own_data_dir, shared_data):
    # Italian calls in months the web-analytics export covers
    days = pd.date_range("2019-01-01", "2019-06-30", freq="D")
    calls = "country,date,contacts\n" + "".join(f"IT,{d:%Y-%m-%d},{100 + d.day}\n" for d in days)
    own_data_dir(("contacts", calls.encode()))
    at = upload(open_as("planner"), "google-analytics.csv", shared_data.joinpath(*GA).read_bytes())
    at.selectbox(key="data_kind").set_value("traffic").run()
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    chosen = at.sidebar.multiselect(key="filter_countries").value
    assert len(chosen) == 8 and "IT" not in chosen  # the export's largest, as before
    assert [s.value for s in at.subheader][:2] == ["Contacts per day", "Web sessions per day"]
    assert chart_countries(at, 0, "contacts") == {
        "IT"
    }  # the contacts chart keeps the contacts' country
    assert chart_countries(at, 1, "sessions") == set(chosen)
    assert "None of the countries chosen in the sidebar has contacts: showing the one" in texts(
        at.caption
    )


def test_contacts_outside_the_period_an_import_moved_to_are_said_not_hidden(
    own_data_dir, shared_data
):
    days = pd.date_range("2016-01-01", "2016-02-29", freq="D")  # years before the export
    calls = "country,date,contacts\n" + "".join(f"IT,{d:%Y-%m-%d},{100 + d.day}\n" for d in days)
    own_data_dir(("contacts", calls.encode()))
    at = upload(open_as("planner"), "google-analytics.csv", shared_data.joinpath(*GA).read_bytes())
    at.selectbox(key="data_kind").set_value("traffic").run()
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    assert at.slider(key="data_period").value == (dt.date(2018, 12, 1), dt.date(2019, 12, 1))
    said = texts(at.info)
    assert "The contacts of IT run from" in said and "outside the period shown" in said
    at.slider(key="data_period").set_value((dt.date(2016, 1, 1), dt.date(2019, 12, 1))).run()
    assert chart_countries(at, 0, "contacts") == {"IT"}


# --- what the page reads: the sidebar's filters in the query, the first view warmed up --------


def test_the_filters_reach_the_database_and_only_the_rows_shown_come_back(app, monkeypatch):
    import streamlit as st

    from app_pages import data_views
    from app_pages.common import get_store

    st.cache_data.clear()  # earlier tests' reads are not counted as this one's
    calls: list[tuple[dict, pd.DataFrame]] = []

    def recorded(function):
        def call(*args, **kwargs):
            result = function(*args, **kwargs)
            calls.append((kwargs, result))
            return result

        return call

    monkeypatch.setattr(data_views, "daily_totals", recorded(data_views.daily_totals))
    monkeypatch.setattr(data_views, "traffic_days", recorded(data_views.traffic_days))
    app.session_state["data_channel"] = "chat"
    app.sidebar.multiselect(key="filter_countries").set_value(["HU"]).run()
    last = app.slider(key="data_period").value[1]
    period = (last - dt.timedelta(days=13), last)
    app.slider(key="data_period").set_value(period).run()
    assert not app.exception, app.exception
    assert len(app.get("vega_lite_chart")) == 2
    (contacts_asked, contacts), (traffic_asked, traffic) = calls[-2:]
    assert contacts_asked == {
        "countries": ("HU",),
        "channels": ("chat",),
        "start": period[0],
        "end": period[1],
    }
    assert traffic_asked == {"countries": ("HU",), "start": period[0], "end": period[1]}
    # the rows that came back are the 14 days shown, the same as filtering every row in pandas
    assert len(contacts) == 14 and len(traffic) == 14
    every = get_store().daily_contacts()
    want = every[
        (every["country"] == "HU")
        & (every["channel"] == "chat")
        & every["date"].between(pd.Timestamp(period[0]), pd.Timestamp(period[1]))
    ].reset_index(drop=True)
    pd.testing.assert_frame_equal(contacts, want)


def chart_points(at: AppTest, index: int, value: str) -> pd.DataFrame:
    """The ``index``-th chart's line points (the data with a ``value`` column)."""
    chart = at.get("vega_lite_chart")[index].proto
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.datasets]
    return next(f for f in frames if value in f.columns)


def test_a_year_is_drawn_a_point_per_week_the_mean_of_its_days_and_a_fortnight_per_day(app):
    from app_pages.common import get_store

    start, end = app.slider(key="data_period").value  # the latest year
    points = chart_points(app, 0, "contacts")
    assert set(points["date"].dt.day_of_week) == {0}  # Mondays
    assert points.groupby("country").size().max() == 53  # 365 days touch 53 weeks
    assert any("a point is a week" in c.value for c in app.caption)
    every = get_store().daily_contacts()
    shown = every[every["date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    daily = shown.groupby(["country", "date"], as_index=False)["contacts"].sum()
    first = points[points["country"] == points["country"].iloc[0]]
    week = first.iloc[len(first) // 2]  # a whole week inside the period
    days = daily[
        (daily["country"] == week["country"])
        & daily["date"].between(week["date"], week["date"] + pd.Timedelta(days=6))
    ]
    assert week["days"] == len(days) == 7
    assert week["contacts"] == pytest.approx(days["contacts"].mean())
    assert points["days"].sum() == len(daily)  # every day of the period in one mean

    app.slider(key="data_period").set_value((end - dt.timedelta(days=13), end)).run()
    points = chart_points(app, 0, "contacts")
    assert len(points) == 14 * points["country"].nunique() and "days" not in points
    assert not any("a point is a week" in c.value for c in app.caption)
