"""Altair chart builders shared by the pages (UI layer: data in, chart out, no Streamlit calls)."""

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

    Parameters
    ----------
    frame : DataFrame
        ``country, date, <value>`` rows.
    holidays : DataFrame
        ``country, date, holiday`` rows (from ``forecasting.holidays.holidays_in_range``).
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
        y=alt.Y(f"{value}:Q", title=value_title),
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
    shown = shown[(shown["date"] >= frame["date"].min()) & (shown["date"] <= frame["date"].max())]
    rules = (
        alt.Chart(shown)
        .mark_rule(strokeDash=[4, 3], opacity=0.55, strokeWidth=1.5)
        .encode(
            x="date:T",
            color=color,
            tooltip=[
                alt.Tooltip("country:N", title="Country"),
                alt.Tooltip("holiday:N", title="Holiday"),
                alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
            ],
        )
    )
    return alt.layer(lines, rules).properties(height=height).interactive(bind_y=False)
