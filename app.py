"""Crewcast dashboard entry point: page config, the shared database, sign-in and navigation."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.logger import get_logger

from app_pages.account import render_account, signed_in_user
from app_pages.common import get_store
from data.access import Permission

#: One debug line per run: how long this script and the page it ran took on the server
#: (``streamlit run serve.py --logger.level debug``; ``bench/ui.py`` reads it to tell the
#: server's share of a page switch from the browser's).
TIMING = get_logger("crewcast.timing")
began = time.perf_counter()

st.set_page_config(page_title="Crewcast", page_icon=":material/support_agent:", layout="wide")

get_store()  # opens and migrates the database (and prints the setup token while no account exists)
viewer = signed_in_user()  # or the first-run choice, the first admin's form or the sign-in screen
render_account(viewer)

# Each page is listed only for roles that may use it; every page checks again itself, so an
# address typed by hand gets no further than the menu would have let it.


def page(name: str, title: str, icon: str) -> st.Page:
    """``app_pages/<name>_page.py`` at the address ``/<name>``. The files end in ``_page`` so
    that none shadows a package of the same name (``data``, ``staffing``, ...) when Streamlit
    puts the script's folder on the import path."""
    return st.Page(
        f"app_pages/{name}_page.py", title=title, icon=f":material/{icon}:", url_path=name
    )


PAGES = [
    (Permission.VIEW_FORECASTS, page("overview", "Overview", "dashboard")),
    (Permission.VIEW_DATA, page("data", "Data", "database")),
    (Permission.VIEW_FORECASTS, page("forecast", "Forecast", "trending_up")),
    (Permission.VIEW_STAFFING, page("staffing", "Staffing", "groups")),
    (Permission.VIEW_STAFFING, page("schedule", "Schedule", "calendar_month")),
    (Permission.VIEW_TEAM_WELLBEING, page("wellbeing", "Wellbeing", "favorite")),
    (Permission.VIEW_INDIVIDUAL_WELLBEING, page("flag_review", "Flag review", "person_search")),
    (Permission.MANAGE_USERS, page("admin", "Admin", "admin_panel_settings")),
]
chosen = st.navigation([page for permission, page in PAGES if viewer.can(permission)])
page_began = time.perf_counter()
try:
    chosen.run()
finally:  # st.stop() and st.rerun() end a page by raising: their runs are timed too
    ended = time.perf_counter()
    TIMING.debug(
        "timing: page %s: script %.3f s (app.py %.3f s before it)",
        chosen.title,
        ended - began,
        page_began - began,
    )
