"""The server's warm-up fills exactly the cache entries a new session's Overview reads."""

from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages import overview_data
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
