"""Shared UI plumbing: the cached store, cached loaders, and small rendering helpers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.config import get_settings
from data.store import Store, open_store


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """Open the configured database once per server; seed the sample data on the first start."""
    store = open_store()
    if store.is_empty():
        from data.sample import seed_store

        with st.spinner("First start: generating and importing the sample data (about 10 s)..."):
            seed_store(store, get_settings().sample_dir)
    return store


def data_version() -> int:
    """Changes whenever an import lands, so cached loaders refresh."""
    return st.session_state.setdefault("data_version", 0)


def bump_data_version() -> None:
    st.session_state["data_version"] = data_version() + 1
    st.cache_data.clear()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_daily_contacts(version: int) -> pd.DataFrame:
    return get_store().daily_contacts()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_table(kind: str, version: int) -> pd.DataFrame:
    return get_store().load(kind)
