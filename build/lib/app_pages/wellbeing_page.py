"""Wellbeing page: workload strain per team, never per person (HR and managers)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import formats, require_page
from app_pages.wellbeing_views import PURPOSE, how_it_works, render_team_view
from data.access import Permission

viewer = require_page(Permission.VIEW_TEAM_WELLBEING)
st.title("Wellbeing")
st.caption(PURPOSE)
with st.expander("How flags are worked out"):
    st.markdown(how_it_works(formats()))
if viewer.can(Permission.VIEW_INDIVIDUAL_WELLBEING):
    st.page_link(
        "app_pages/flag_review_page.py",
        label="Review individual flags",
        icon=":material/person_search:",
    )
render_team_view(viewer)
