"""Shared UI plumbing: the cached store, who is signed in, cached loaders, small helpers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.access import AccessDenied, Permission, Principal, Role, require
from data.config import get_settings
from data.store import Store, open_store

DEMO_ROLE_KEY = "demo_role"
PRINCIPAL_KEY = "principal"


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """Open the configured database once per server; seed the sample data on the first start."""
    store = open_store()
    if store.is_empty():
        from data.sample import seed_store

        with st.spinner("First start: generating and importing the sample data (about 10 s)..."):
            seed_store(store, get_settings().sample_dir)
    return store


def demo_mode() -> bool:
    """Demo mode: the database holds the bundled sample alone and nobody has an account.

    It ends by itself once real data are imported or the first account is created.
    """
    store = get_store()
    return store.holds_sample_only() and not store.has_users()


def current_user() -> Principal | None:
    """The signed-in user, the demo visitor in demo mode, or None (the sign-in form shows)."""
    principal = st.session_state.get(PRINCIPAL_KEY)
    if isinstance(principal, Principal):
        return principal
    if demo_mode():
        role = st.session_state.setdefault(DEMO_ROLE_KEY, Role.PLANNER.value)
        return Principal("demo", role, "Demo visitor", demo=True)
    return None


def require_page(permission: Permission) -> Principal:
    """The current user if they may use this page; otherwise say so and stop the page here.

    Every page calls this first, so a page's address typed by hand gets no further than the
    navigation would have let it.
    """
    principal = current_user()
    try:
        return require(principal, permission)
    except AccessDenied as exc:
        st.error(f"Access refused: {exc}.", icon=":material/block:")
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


def data_version() -> int:
    """Changes whenever an import lands, so cached loaders refresh."""
    return st.session_state.setdefault("data_version", 0)


def bump_data_version() -> None:
    st.session_state["data_version"] = data_version() + 1
    st.cache_data.clear()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_daily_contacts(version: int) -> pd.DataFrame:
    return get_store().daily_contacts()


def load_table(kind: str, version: int) -> pd.DataFrame:
    """One input table as the current user may see it (cached per role)."""
    return _load_table(kind, version, current_user())


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _load_table(kind: str, version: int, viewer: Principal | None) -> pd.DataFrame:
    if viewer is None:
        raise AccessDenied("sign in first")
    return get_store().load(kind, viewer)
