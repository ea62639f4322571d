"""Altair chart builders shared by the pages (UI layer: data in, chart out, no Streamlit calls).

Draw them with :func:`app_pages.common.show_chart`, which sets Vega's number and time locale, so
the ``format=`` strings here (``",.0f"``, ``"%a %d %b %Y"``) come out in the viewer's locale.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def series_with_holidays_chart(
    frame: pd.DataFrame,
    *,
    value: str,
    value_title: str,
    holidays: pd.DataFrame,
    height: int = 320,
) -> alt.LayerChart:
    """Daily lines per country with national holidays as dashed rules named on hover.

    Each country has its own colour *and* dash pattern, and each holiday a marker above the
    lines shaped by its country, so the chart reads without colour alone.

    Parameters
    ----------
    frame : DataFrame
        ``country, date, <value>`` rows.
    value, value_title : str
        The column to draw and its axis title (with its unit, if it has one).
    holidays : DataFrame
        ``country, date, holiday`` rows (from ``forecasting.holidays.holidays_in_range``).
    height : int
        Pixels.
    """
    countries = sorted(frame["country"].unique())
    color = alt.Color(
        "country:N",
        title="Country",
        scale=alt.Scale(domain=countries),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(frame).encode(x=alt.X("date:T", title="Date"))
    lines = base.mark_line(strokeWidth=1.2).encode(
        y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=",.0f")),
        color=color,
        # A dash per country too, so the chart reads without colour alone.
        strokeDash=alt.StrokeDash("country:N", title="Country", legend=alt.Legend(orient="top")),
        tooltip=[
            alt.Tooltip("country:N", title="Country"),
            alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
            alt.Tooltip(f"{value}:Q", title=value_title, format=",.0f"),
        ],
    )
    shown = holidays[holidays["country"].isin(countries)]
    shown = shown[
        (shown["date"] >= frame["date"].min()) & (shown["date"] <= frame["date"].max())
    ].assign(holiday_country=lambda f: f["country"])
    holiday_tooltip = [
        alt.Tooltip("country:N", title="Country"),
        alt.Tooltip("holiday:N", title="Holiday"),
        alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
    ]
    holiday_base = alt.Chart(shown).encode(x="date:T", tooltip=holiday_tooltip)
    rules = holiday_base.mark_rule(strokeDash=[4, 3], opacity=0.55, strokeWidth=1.5).encode(
        color=color
    )
    # A marker at the top of each holiday, shaped by its country: which country's holiday a
    # rule is reads from the shape as well as from the colour. The markers are not coloured
    # and their shape encodes a copy of the country field, so that the lines' legend keeps its
    # colour-and-dash symbols and the shapes get a legend of their own.
    markers = holiday_base.mark_point(filled=True, size=60, color="#444").encode(
        y=alt.value(6),
        shape=alt.Shape(
            "holiday_country:N",
            title="Holiday in",
            scale=alt.Scale(domain=countries),
            legend=alt.Legend(orient="top"),
        ),
    )
    return alt.layer(lines, rules, markers).properties(height=height).interactive(bind_y=False)
