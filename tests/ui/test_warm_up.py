"""The server's warm-up fills exactly the cache entries a new session's Overview reads."""

from __future__ import annotations

import threading

import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import overview_data
from data.access import Principal, Role
from tests.conftest import REPO_ROOT


def test_the_first_overview_after_the_warm_up_measures_nothing_again(seeded_data_dir, monkeypatch):
    st.cache_data.clear()
    built = []
    real = overview_data.build_overview

    def counting(*args, **kwargs):
        built.append(kwargs["start"])
        return real(*args, **kwargs)

    monkeypatch.setattr(overview_data, "build_overview", counting)
    overview_data.warm_up()
    assert len(built) == 1
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "manager"
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert "Team strain" in [s.value for s in at.subheader]
    assert len(built) == 1, "the page found the warm-up's overview in the cache"


def test_an_import_starts_the_next_overview_and_the_page_waits_for_it(seeded_data_dir, monkeypatch):
    """The Data page calls ``refresh_after_import`` as an import lands: the overview is worked
    out in the background, and an Overview visit meanwhile waits for it instead of computing
    it a second time."""
    st.cache_data.clear()
    built = []
    real = overview_data.build_overview
    release = threading.Event()

    def slow(*args, **kwargs):
        built.append(kwargs["start"])
        release.wait(30)  # still computing when the visit below arrives
        return real(*args, **kwargs)

    monkeypatch.setattr(overview_data, "build_overview", slow)
    manager = Principal("m", Role.MANAGER, "Manager")
    assert overview_data.refresh_after_import(Principal("h", Role.HR, "HR")) is None
    thread = overview_data.refresh_after_import(manager)
    assert thread is not None
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_role"] = "manager"
    threading.Timer(2.0, release.set).start()
    at.run()
    thread.join(60)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert "Team strain" in [s.value for s in at.subheader]
    assert len(built) == 1, "the visit waited for the import's warm-up and reused it"
