"""Altair chart builders shared by the pages (UI layer: data in, chart out, no Streamlit calls).

Draw them with :func:`app_pages.common.show_chart`, which sets Vega's number and time locale, so
the ``format=`` strings here (``",.0f"``, ``"%a %d %b %Y"``) come out in the viewer's locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt
import pandas as pd

#: Periods up to this many days are drawn a point per day; longer ones a point per week (the
#: week's mean per day). A year of days for six countries was 2,190 points, a year of weeks is
#: 318: Vega's interpreter works per point, and a Data page switch's work in the browser went
#: from 1.14 to 0.65 s at load 6 (bench/RESULTS.md).
DAILY_UP_TO_DAYS = 120


def weekly_means(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per country and week (starting on Monday) the mean of ``value`` over the week's days in
    ``frame``: a day's scale kept, a seventh of the points.

    Parameters
    ----------
    frame : DataFrame
        ``country, date, <value>`` rows, a row per country and day.
    value : str
        The column to average.

    Returns
    -------
    DataFrame
        ``country, date, <value>, days``: ``date`` the week's Monday, ``days`` how many of its
        days the mean is over (fewer than 7 at the period's ends).
    """
    week = frame["date"] - pd.to_timedelta(frame["date"].dt.day_of_week, unit="D")
    grouped = frame.assign(date=week).groupby(["country", "date"], as_index=False)[value]
    return grouped.agg(**{value: "mean", "days": "count"})


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
    lines shaped by its country, so the chart reads without colour alone. Over more than
    :data:`DAILY_UP_TO_DAYS` days a line has a point per week, the mean of its days
    (:func:`weekly_means`): the y axis keeps its daily scale.

    Parameters
    ----------
    frame : DataFrame
        ``country, date, <value>`` rows, a row per country and day.
    value, value_title : str
        The column to draw and its axis title (with its unit, if it has one).
    holidays : DataFrame
        ``country, date, holiday`` rows (from ``forecasting.holidays.holidays_in_range``).
    height : int
        Pixels.
    """
    first, last = frame["date"].min(), frame["date"].max()
    weekly = (last - first).days + 1 > DAILY_UP_TO_DAYS
    points = weekly_means(frame, value) if weekly else frame
    countries = sorted(frame["country"].unique())
    color = alt.Color(
        "country:N",
        title="Country",
        scale=alt.Scale(domain=countries),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(points).encode(x=alt.X("date:T", title="Week starting" if weekly else "Date"))
    tooltip = [
        alt.Tooltip("country:N", title="Country"),
        alt.Tooltip("date:T", title="Week starting" if weekly else "Date", format="%a %d %b %Y"),
        alt.Tooltip(
            f"{value}:Q",
            title=f"{value_title}, the week's mean" if weekly else value_title,
            format=",.0f",
        ),
    ]
    if weekly:
        tooltip.append(alt.Tooltip("days:Q", title="Days in the mean"))
    lines = base.mark_line(strokeWidth=1.2).encode(
        y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=",.0f")),
        color=color,
        # A dash per country too, so the chart reads without colour alone.
        strokeDash=alt.StrokeDash("country:N", title="Country", legend=alt.Legend(orient="top")),
        tooltip=tooltip,
    )
    shown = holidays[holidays["country"].isin(countries)]
    shown = shown[(shown["date"] >= first) & (shown["date"] <= last)].assign(
        holiday_country=lambda f: f["country"]
    )
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


def contacts_chart(contacts: pd.DataFrame, holidays: pd.DataFrame) -> alt.LayerChart:
    """The Data page's contacts per country and day (:func:`series_with_holidays_chart`)."""
    return series_with_holidays_chart(
        contacts, value="contacts", value_title="Contacts", holidays=holidays
    )


def sessions_chart(sessions: pd.DataFrame, holidays: pd.DataFrame) -> alt.LayerChart:
    """The Data page's web sessions per country and day (:func:`series_with_holidays_chart`)."""
    return series_with_holidays_chart(
        sessions, value="sessions", value_title="Sessions", holidays=holidays
    )


#: Colours for shift templates (Tableau 10, then Tableau 20's lighter ones): distinct for up to
#: twenty shifts, then they repeat (the lanes and tooltips still tell shifts apart).
SHIFT_PALETTE: tuple[str, ...] = (
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2",
    "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#c7c7c7",
)  # fmt: skip


def shift_colours(names: Iterable[object]) -> dict[str, str]:
    """One colour per shift template (or channel), the same in every chart that shows it.

    The colour follows the name's place among the sorted names, not the order a chart meets
    them in, so a chart of one team and a chart of all teams colour "Early" alike as long as
    both are given the plan's names.

    Parameters
    ----------
    names : iterable
        Shift template names (repeats and missing values are ignored).

    Returns
    -------
    dict of str to str
        Name to a ``#rrggbb`` colour, in sorted name order.
    """
    unique = sorted({str(n) for n in names if not pd.isna(n)})
    return {name: SHIFT_PALETTE[k % len(SHIFT_PALETTE)] for k, name in enumerate(unique)}


def shift_colour_scale(colours: Mapping[str, str], order: Iterable[str] = ()) -> alt.Scale:
    """An Altair colour scale holding :func:`shift_colours`' mapping (domain and range).

    ``order`` lists names to put first in the legend (e.g. in the order the shifts start);
    it moves legend entries, never a name's colour.
    """
    first = [name for name in dict.fromkeys(map(str, order)) if name in colours]
    domain = first + [name for name in colours if name not in first]
    return alt.Scale(domain=domain, range=[colours[name] for name in domain])
