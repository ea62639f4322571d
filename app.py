"""Crewcast dashboard entry point: page config, the shared database, sign-in and navigation."""

from __future__ import annotations

import streamlit as st

from app_pages.account import render_account, signed_in_user
from app_pages.common import get_store
from data.access import Permission

st.set_page_config(page_title="Crewcast", page_icon=":material/support_agent:", layout="wide")

get_store()  # opens and migrates the database; seeds the sample data on the very first start
viewer = signed_in_user()  # or the sign-in screen, and the run stops there
render_account(viewer)

# Each page is listed only for roles that may use it; every page checks again itself, so an
# address typed by hand gets no further than the menu would have let it.
PAGES = [
    (Permission.VIEW_FORECASTS, st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:")),
    (Permission.VIEW_DATA, st.Page("app_pages/data.py", title="Data", icon=":material/database:")),
    (Permission.VIEW_FORECASTS, st.Page("app_pages/forecast.py", title="Forecast", icon=":material/trending_up:")),
    (Permission.VIEW_STAFFING, st.Page("app_pages/staffing.py", title="Staffing", icon=":material/groups:")),
    (Permission.VIEW_STAFFING, st.Page("app_pages/schedule.py", title="Schedule", icon=":material/calendar_month:")),
    (Permission.VIEW_TEAM_WELLBEING, st.Page("app_pages/wellbeing.py", title="Wellbeing", icon=":material/favorite:")),
    (Permission.VIEW_INDIVIDUAL_WELLBEING, st.Page("app_pages/flag_review.py", title="Flag review", icon=":material/person_search:")),
    (Permission.MANAGE_USERS, st.Page("app_pages/admin.py", title="Admin", icon=":material/admin_panel_settings:")),
]  # fmt: skip
st.navigation([page for permission, page in PAGES if viewer.can(permission)]).run()
