"""Crewcast's server: the dashboard (``app.py``) with a warm-up at start.

``streamlit run serve.py`` (what ``scripts/run.sh`` does) serves ``app.py`` as usual, and as the
server starts it opens the database (printing the one-time setup token for the first admin
while no account exists; nothing is seeded, the first visitor chooses) and works out the
default Overview in a background thread. The first manager to arrive then finds the
Overview cached instead of waiting for it. Pages, caches and sign-in are exactly those of
``streamlit run app.py``, which still works; it only lacks the warm-up.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import streamlit as st
from streamlit.logger import get_logger

LOG = get_logger("crewcast.serve")  # Streamlit's handler and level, so the line is printed
WARM_UP_THREAD = "crewcast-warm-up"


class _NoContextNoticeFromWarmUp(logging.Filter):
    """The warm-up runs outside any session, so Streamlit notes "missing ScriptRunContext" when
    the database's spinner is asked for; that note says it "can be ignored", and here it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName == WARM_UP_THREAD and "missing ScriptRunContext" in record.msg
        )


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    _NoContextNoticeFromWarmUp()
)


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
    threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True).start()
    yield


app = st.App("app.py", lifespan=lifespan)
