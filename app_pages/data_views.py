"""The Data page's cached reads, shared by the page and the server's warm-up (UI layer).

In a module rather than the page script so that one function object, and so one cache entry,
serves both: the warm-up reads what a new session's Data page shows first (every day of the
largest countries) while nobody waits, and the page then finds it cached. Each read goes to
the database filtered by the page's countries, channel and days (``data.summaries``) and is
keyed on the database's inputs version, so an import from anywhere shows on the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app_pages.common import get_store
from data.summaries import (
    contact_spans,
    contact_volumes,
    daily_totals,
    inputs_version,
    traffic_days,
    traffic_spans,
)
from services.imports import countries_by_volume

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


@dataclass(frozen=True)
class FirstView:
    """What a new session's Data page charts before anything is chosen."""

    contact_countries: list[str]
    traffic_countries: list[str]
    start: dt.date
    end: dt.date


def first_view(version: int) -> FirstView | None:
    """The countries and days a new session's Data page charts (all countries, or the largest
    :data:`PRESELECTED_COUNTRIES`, over their latest year: :func:`first_period`); None with
    nothing to chart."""
    spans, traffic = load_spans(version)
    if spans.empty and traffic.empty:
        return None
    volumes = ranked_contacts(spans, version)
    ranked = countries_by_volume(volumes, traffic)
    chosen = (
        ranked[:PRESELECTED_COUNTRIES]
        if len(ranked) > PRESELECTED_COUNTRIES
        else sorted(set(spans["country"]) | set(traffic["country"]))
    )
    contact_countries, _ = countries_to_chart(
        chosen, countries_by_volume(volumes, traffic.iloc[0:0])
    )
    traffic_countries, _ = countries_to_chart(
        chosen, countries_by_volume(volumes.iloc[0:0], traffic)
    )
    frames = [
        f
        for f in (
            spans[spans["country"].isin(contact_countries)],
            traffic[traffic["country"].isin(traffic_countries)],
        )
        if not f.empty
    ]
    if not frames:
        return None
    first = min(f["first"].min() for f in frames).date()
    last = max(f["last"].max() for f in frames).date()
    return FirstView(contact_countries, traffic_countries, *first_period(first, last))


def warm_up() -> None:
    """Read what a new session's Data page shows first into the caches above (the server's
    warm-up calls this after the Overview's)."""
    version = inputs_version(get_store())
    view = first_view(version)
    if view is None:
        return
    spans, traffic = load_spans(version)
    if not spans.empty:
        shown_contacts(version, view.contact_countries, (), view.start, view.end)
    if not traffic.empty:
        shown_traffic(version, view.traffic_countries, view.start, view.end)
