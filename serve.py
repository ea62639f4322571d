"""Crewcast's server: the dashboard (``app.py``) with a warm-up at start.

``streamlit run serve.py`` (what ``scripts/run.sh`` does) serves ``app.py`` as usual, and as the
server starts it opens the database (seeding the sample on the very first start) and works out
the default Overview in a background thread. The first manager to arrive then finds the
Overview cached instead of waiting for it. Pages, caches and sign-in are exactly those of
``streamlit run app.py``, which still works; it only lacks the warm-up.
"""

from __future__ import annotations

import contextlib
import threading
import time

import streamlit as st
from streamlit.logger import get_logger

LOG = get_logger("crewcast.serve")  # Streamlit's handler and level, so the line is printed


def warm_up() -> None:
    began = time.perf_counter()
    try:
        from app_pages.overview_data import warm_up as fill_caches

        fill_caches()
        LOG.info("warm-up done in %.1f s: the Overview is cached", time.perf_counter() - began)
    except Exception:  # a failed warm-up only means the first visitor computes it
        LOG.exception("warm-up failed; the first visit will compute the Overview")


@contextlib.asynccontextmanager
async def lifespan(_app):
    threading.Thread(target=warm_up, name="crewcast-warm-up", daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
