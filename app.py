"""Crewcast dashboard entry point: page config, the shared database, and navigation."""

from __future__ import annotations

import streamlit as st

from app_pages.common import get_store

st.set_page_config(page_title="Crewcast", page_icon=":material/support_agent:", layout="wide")

get_store()  # opens and migrates the database; seeds the sample data on the very first start

pages = [
    st.Page("app_pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("app_pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("app_pages/staffing.py", title="Staffing", icon=":material/groups:"),
    st.Page("app_pages/schedule.py", title="Schedule", icon=":material/calendar_month:"),
]
st.navigation(pages).run()
