"""Flag review page (HR only): workload-strain flags per person, their reasons and the review."""

from __future__ import annotations

import streamlit as st

from app_pages.common import formats, get_store, require_page
from app_pages.wellbeing_views import PURPOSE, how_it_works, render_hr_view
from data.access import Permission

viewer = require_page(Permission.VIEW_INDIVIDUAL_WELLBEING)
st.title("Flag review")
st.caption(PURPOSE)
with st.expander("How flags are worked out"):
    st.markdown(how_it_works(formats()))
render_hr_view(get_store(), viewer)
