"""Sign-in for the dashboard: OIDC through ``st.login`` when configured, local accounts otherwise,
and a bannered demo mode while the database holds the bundled sample alone.

Called by ``app.py`` before the navigation is built; it either returns the signed-in
:class:`~data.access.Principal` or draws the sign-in screen and stops the run.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import (
    DEMO_ROLE_KEY,
    PRINCIPAL_KEY,
    current_user,
    get_store,
    oidc_configured,
)
from data.access import Principal, Role
from data.users import authenticate, principal_for_identity

ROLE_HELP = {
    Role.MANAGER: "the overview, forecasts, staffing, schedules, team wellbeing aggregates",
    Role.PLANNER: "forecasts (run and save), staffing, schedules and their exports, imports",
    Role.HR: "individual wellbeing flags and their review, team aggregates, HR imports",
    Role.ADMIN: "accounts, the audit log, imports, planning pages; no individual wellbeing data",
}


def _oidc_user() -> Principal:
    if not st.user.is_logged_in:
        st.title("Crewcast")
        st.write("Sign in with your organisation's account to continue.")
        st.button("Sign in", type="primary", on_click=st.login, key="oidc_sign_in")
        st.stop()
    email = st.user.get("email")
    principal = principal_for_identity(get_store(), email)
    if principal is None:
        st.title("Crewcast")
        st.error(
            f"Signed in as {email}, but this identity has no role in Crewcast. Ask an admin to run "
            f"`python cli.py user add {email} --role ROLE` (roles: admin, hr, manager, planner)."
        )
        st.button("Sign out", on_click=st.logout, key="oidc_sign_out")
        st.stop()
    return principal


def _local_user() -> Principal:
    store = get_store()
    st.title("Crewcast")
    if not store.has_users():
        st.error(
            "This database holds imported data and no accounts yet, so the dashboard stays "
            "locked (demo mode is only for the bundled sample). Create the first admin on the "
            "server:  \n`python cli.py user add NAME --role admin`  \nthen sign in here."
        )
        st.stop()
    with st.form("sign_in"):
        st.write("Sign in")
        username = st.text_input(
            "User name",
            key="sign_in_user",
            help="Your Crewcast account, made by an admin (Admin page or `python cli.py user "
            "add`). Forgotten password: an admin sets a new one with `python cli.py user "
            "set-password`.",
        )
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        principal = authenticate(store, username, password)
        if principal is not None:
            st.session_state[PRINCIPAL_KEY] = principal
            st.rerun()  # draw the dashboard without the sign-in screen above it
        st.error("Wrong user name or password.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def signed_in_user() -> Principal:
    """The user for this session, asking them to sign in first if needed."""
    principal = current_user()
    if principal is not None:
        return principal
    principal = _oidc_user() if oidc_configured() else _local_user()
    st.session_state[PRINCIPAL_KEY] = principal
    return principal


def render_account(principal: Principal) -> None:
    """The sidebar's account box: who is signed in, or the demo banner with a role switch."""
    with st.sidebar:
        if principal.demo:
            st.warning(
                "**Demo mode**: the bundled sample data, no accounts. Importing your own data "
                "ends demo mode; then everyone signs in.",
                icon=":material/science:",
            )
            st.selectbox(
                "View as",
                [r.value for r in Role],
                key=DEMO_ROLE_KEY,
                help="Demo mode only: try Crewcast as each role would see it. "
                + "; ".join(f"**{r.value}**: {text}" for r, text in ROLE_HELP.items())
                + ". Kept in the address (?as=hr), so a reload or a shared link keeps it.",
            )
            return
        st.caption(f"Signed in as **{principal.label}**")
        if st.button("Sign out", key="sign_out"):
            for key in (PRINCIPAL_KEY, "sign_in_user", "sign_in_password"):
                st.session_state.pop(key, None)
            if oidc_configured():
                st.logout()
            st.rerun()
