"""Sign-in for the dashboard: OIDC through ``st.login`` when configured, local accounts otherwise,
and a bannered, read-only demo mode while the database holds the bundled sample alone.

Called by ``app.py`` before the navigation is built; it either returns the signed-in
:class:`~data.access.Principal` or draws one of the screens before it and stops the run: the
first-run choice (the sample, or an empty start), the first admin's creation with the one-time
setup token, or the sign-in form.

A local sign-in survives a reload through a signed, expiring token (``data.access``) kept in the
address (``?session=...``). Streamlit 1.67 can read cookies (``st.context.cookies``) but a page
cannot set one: only its own OIDC routes do. A cookie set from JavaScript could not be HttpOnly
either, so the address it is: the token lasts 12 hours, and the account is checked on every run,
so signing out, a role or password change or the account's removal ends it at once everywhere.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import (
    DEMO_ROLE_KEY,
    PRINCIPAL_KEY,
    SIGNED_OUT_KEY,
    current_user,
    first_run,
    forget_sign_in,
    get_store,
    oidc_configured,
    remember_sign_in,
    seed_sample_once,
)
from data.access import SETUP_TOKEN_FILE, Principal, Role, session_key
from data.config import get_settings
from data.users import (
    PASSWORD_RULE,
    AccountError,
    SignInLocked,
    add_first_admin,
    authenticate,
    issue_session_token,
    principal_for_identity,
    sign_out,
)

#: The first-run choice made in this session ("empty": start without the sample).
START_KEY = "first_run_start"
#: Every command shown to a user, as it works on a fresh machine (the project's console script).
CLI = ".venv/bin/crewcast"

ROLE_HELP = {
    Role.MANAGER: "the overview, forecasts, staffing, schedules, team wellbeing aggregates",
    Role.PLANNER: "forecasts (run and save), staffing, schedules and their exports, imports",
    Role.HR: "individual wellbeing flags and their review, team aggregates, HR imports",
    Role.ADMIN: "accounts, the audit log, imports, planning pages; no individual wellbeing data",
}


def _sentence(text: str) -> str:
    """A message from the data layer as a sentence: capital first letter, a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


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
            f"`{CLI} user add {email} --role ROLE --oidc` on the server (roles: admin, hr, "
            "manager, planner)."
        )
        st.button("Sign out", on_click=st.logout, key="oidc_sign_out")
        st.stop()
    return principal


def _sign_in_as(principal: Principal) -> None:
    """Keep ``principal`` (just signed in with a password) signed in, and draw the dashboard."""
    store = get_store()
    remember_sign_in(issue_session_token(store, principal, session_key(get_settings().data_dir)))
    st.rerun()


def _first_run() -> None:
    st.title("Welcome to Crewcast")
    st.write(
        "The database is empty. Explore Crewcast on its bundled sample (six countries, 137 "
        "agents, two years of contacts; anyone who opens the dashboard can look around, nobody "
        "can create accounts), or start empty with your own data: you create the first admin "
        "account next, and everybody signs in."
    )
    left, right = st.columns(2)
    if left.button(
        "Explore the sample",
        type="primary",
        key="first_run_sample",
        help="Generates the sample and a baseline forecast (about 30 s). An admin can remove "
        f"it later (Admin page, or `{CLI} sample remove` on the server).",
    ):
        with st.spinner("Generating the sample and its baseline forecast (about 30 s)..."):
            seed_sample_once()
        st.rerun()
    if right.button("Start empty", key="first_run_empty", help="No sample: your own data only."):
        st.session_state[START_KEY] = "empty"
        st.rerun()
    st.stop()


def _first_admin() -> None:
    """Create the first admin with the setup token: what only whoever started the server sees."""
    st.title("Create the first admin")
    st.write(
        "Crewcast has no account yet. Whoever started the server can create the first admin "
        "here with the **setup token** printed in the server's log at start; it is also in the "
        f"file `{SETUP_TOKEN_FILE}` in Crewcast's data directory (readable by the account that "
        f"runs Crewcast only). It works once. Or create the admin on the server: "
        f"`{CLI} user add NAME --role admin`."
    )
    with st.form("first_admin"):
        token = st.text_input("Setup token", type="password", key="setup_token")
        left, right = st.columns(2)
        username = left.text_input("User name", key="setup_user")
        display_name = right.text_input("Display name (optional)", key="setup_display_name")
        password = left.text_input(
            "Password",
            type="password",
            key="setup_password",
            help=PASSWORD_RULE,
        )
        again = right.text_input("Password again", type="password", key="setup_password_again")
        submitted = st.form_submit_button("Create admin and sign in", type="primary")
    if submitted:
        if password != again:
            st.error("The two passwords differ.")
        else:
            try:
                user = add_first_admin(
                    get_store(),
                    get_settings().data_dir,
                    token,
                    username,
                    password,
                    display_name=display_name,
                )
            except AccountError as exc:  # the policy's reason, or a wrong token
                st.error(_sentence(str(exc)))
            else:
                st.session_state.pop(START_KEY, None)
                _sign_in_as(Principal(user.username, user.role, user.display_name))
    st.stop()


def _local_user() -> Principal:
    store = get_store()
    if first_run() and st.session_state.get(START_KEY) != "empty":
        _first_run()
    if not store.has_users():
        _first_admin()
    st.title("Crewcast")
    reason = st.session_state.pop(SIGNED_OUT_KEY, None)
    if reason:
        st.info(reason, icon=":material/logout:")
    with st.form("sign_in"):
        st.write("Sign in")
        username = st.text_input(
            "User name",
            key="sign_in_user",
            help="Your Crewcast account, made by an admin (Admin page, or "
            f"`{CLI} user add` on the server). Forgotten password: an admin sets a new one "
            f"with `{CLI} user set-password NAME` on the server.",
        )
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        # None on localhost (a TLS proxy on the same host) and in tests: then the user name
        # alone is throttled.
        address = st.context.ip_address
        try:
            principal = authenticate(store, username, password, address=address)
        except SignInLocked as exc:
            st.error(_sentence(str(exc)), icon=":material/lock_clock:")
            st.stop()
        if principal is not None:
            _sign_in_as(principal)
        st.error("Wrong user name or password.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def signed_in_user() -> Principal:
    """The user for this session, asking them to sign in first if needed."""
    principal = current_user()
    if principal is not None:
        return principal
    if oidc_configured():
        principal = _oidc_user()
        st.session_state[PRINCIPAL_KEY] = principal
        return principal
    return _local_user()


def render_account(principal: Principal) -> None:
    """The sidebar's account box: who is signed in, or the demo banner with a role switch."""
    with st.sidebar:
        if principal.demo:
            st.warning(
                "**Demo mode**: the bundled sample data, no accounts; look around as any role "
                "(accounts, settings and data are read-only: a file can be checked, not "
                "imported). Demo mode ends when whoever runs the server creates the first admin "
                "with its setup token; then everyone signs in.",
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
            sign_out(get_store(), principal)  # ends this sign-in's token everywhere
            forget_sign_in()
            if oidc_configured():
                st.logout()
            st.rerun()
