"""The Data page's cached reads (UI layer).

Each read goes to the database filtered by the page's countries, channel and days
(``data.summaries``) and is keyed on the database's inputs version, so an import from anywhere
shows on the next run. (The server's warm-up once read the page's first view here too; see
``app_pages.overview_data.warm_up`` for why it no longer does.)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.common import get_store
from data.summaries import (
    contact_spans,
    contact_volumes,
    daily_totals,
    traffic_days,
    traffic_spans,
)

#: More countries than this (a web-analytics export has 200+) and the charts start with the
#: largest ones by volume: 216 lines in one chart show nothing.
PRESELECTED_COUNTRIES = 8
#: Days the charts show at first: the latest year. Six years of days are more points than a
#: chart has pixels across, and drawing them took the browser seconds on every visit.
FIRST_DAYS = 365


def first_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The days the charts show before any is chosen: the latest :data:`FIRST_DAYS` of
    ``first..last``."""
    return max(first, last - dt.timedelta(days=FIRST_DAYS - 1)), last


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def load_spans(version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per queue its first and last contact, per country of web traffic its first and last
    day and sessions, read by the database once per ``version``
    (:func:`data.summaries.inputs_version`)."""
    store = get_store()
    return contact_spans(store), traffic_spans(store)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def load_volumes(version: int) -> pd.DataFrame:
    """Contacts per country, for ranking many countries (a pass over the whole index)."""
    return contact_volumes(get_store())


def ranked_contacts(spans: pd.DataFrame, version: int) -> pd.DataFrame:
    """What ranks the countries with contacts: their volumes when there are more than
    :data:`PRESELECTED_COUNTRIES` (the largest are preselected), else one row each (by code)."""
    countries = spans[["country"]].drop_duplicates()
    return load_volumes(version) if len(countries) > PRESELECTED_COUNTRIES else countries


def countries_to_chart(chosen: list[str], ranked: list[str]) -> tuple[list[str], bool]:
    """The countries one chart shows: those chosen in the sidebar that its data has; when it
    has none of them, its own largest (``ranked``: its countries, largest first), and True."""
    own = set(ranked)
    mine = [c for c in chosen if c in own]
    return (mine, False) if mine else (ranked[:PRESELECTED_COUNTRIES], True)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _shown_contacts(
    version: int,
    countries: tuple[str, ...],
    channels: tuple[str, ...],
    start: dt.date,
    end: dt.date,
) -> pd.DataFrame:
    daily = daily_totals(get_store(), countries=countries, channels=channels, start=start, end=end)
    return daily.groupby(["country", "date"], as_index=False)["contacts"].sum()


def shown_contacts(
    version: int, countries: list[str], channels: tuple[str, ...], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Contacts per country and day of ``countries``, ``channels`` (all when empty) and
    ``start..end``: filtered and summed by the database, only the rows the chart shows read."""
    return _shown_contacts(version, tuple(sorted(countries)), tuple(sorted(channels)), start, end)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _shown_traffic(
    version: int, countries: tuple[str, ...], start: dt.date, end: dt.date
) -> pd.DataFrame:
    return traffic_days(get_store(), countries=countries, start=start, end=end)


def shown_traffic(version: int, countries: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Web sessions of ``countries`` in ``start..end``, read from the database alone."""
    return _shown_traffic(version, tuple(sorted(countries)), start, end)
