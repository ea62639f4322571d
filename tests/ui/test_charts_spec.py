"""show_chart draws what st.altair_chart draws, checking the spec once per call site."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest


def draw_three_ways() -> None:
    """A layered chart of two frames drawn by show_chart twice from one line (checked, then
    not) and by st.altair_chart, the same way."""
    import pandas as pd
    import streamlit as st

    from app_pages.charts import series_with_holidays_chart
    from app_pages.common import formats, show_chart
    from formats import vega_locale

    days = pd.date_range("2026-12-20", periods=10)
    frame = pd.DataFrame(
        {"country": ["GB"] * 10 + ["DE"] * 10, "date": [*days, *days], "contacts": range(20)}
    )
    holidays = pd.DataFrame(
        {"country": ["GB", "DE"], "date": [days[5], days[6]], "holiday": ["Christmas Day"] * 2}
    )
    chart = series_with_holidays_chart(
        frame, value="contacts", value_title="Contacts", holidays=holidays
    )
    for _ in range(2):
        show_chart(chart)
    st.altair_chart(chart.configure(locale=vega_locale(formats().locale)), width="stretch")


def test_show_chart_draws_the_spec_and_data_altair_chart_draws():
    at = AppTest.from_function(draw_three_ways, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    checked, unchecked, altair = (chart.proto for chart in at.get("vega_lite_chart"))
    assert checked.spec == unchecked.spec == altair.spec
    assert len(altair.datasets) == 2  # the lines' frame and the holidays'
    for proto in (checked, unchecked):
        assert [(d.name, d.data.data) for d in proto.datasets] == [
            (d.name, d.data.data) for d in altair.datasets
        ]
        fields = {f.name: v for f, v in proto.ListFields() if f.name != "id"}
        assert fields == {f.name: v for f, v in altair.ListFields() if f.name != "id"}
    # a rerun draws the same again (the names of the datasets are their content's hash)
    at.run()
    assert [c.proto.spec for c in at.get("vega_lite_chart")] == [altair.spec] * 3


def test_vega_lite_spec_checks_against_the_schema_unless_told_not_to():
    from app_pages.common import vega_lite_spec

    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    chart.width = "wide"  # not a width Vega-Lite knows (set unchecked)
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        vega_lite_spec(chart)
    assert vega_lite_spec(chart, validate=False)["width"] == "wide"


def draw_built_and_direct() -> None:
    """The Data page's contacts chart through show_built_chart, then through show_chart."""
    import pandas as pd

    from app_pages.charts import contacts_chart
    from app_pages.common import show_built_chart, show_chart

    days = pd.date_range("2026-12-20", periods=10)
    frame = pd.DataFrame({"country": ["GB"] * 10, "date": days, "contacts": range(10)})
    holidays = pd.DataFrame({"country": ["GB"], "date": [days[5]], "holiday": ["Christmas Day"]})
    show_built_chart(contacts_chart, frame, holidays)
    show_chart(contacts_chart(frame, holidays))


def test_a_built_chart_is_the_chart_show_chart_draws_built_once_per_arguments(monkeypatch):
    import streamlit as st

    from app_pages import charts

    built: list[int] = []
    build = charts.series_with_holidays_chart

    def counted(*args, **kwargs):
        built.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(charts, "series_with_holidays_chart", counted)
    st.cache_data.clear()
    at = AppTest.from_function(draw_built_and_direct, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    cached, direct = (chart.proto for chart in at.get("vega_lite_chart"))
    assert json.loads(cached.spec) == json.loads(direct.spec)
    assert [d.data.data for d in cached.datasets] == [d.data.data for d in direct.datasets]
    assert len(built) == 2  # once for each way
    at.run()
    assert not at.exception, at.exception
    assert len(built) == 3  # the rerun built only show_chart's
    assert json.loads(at.get("vega_lite_chart")[0].proto.spec) == json.loads(cached.spec)
