"""Summaries of the contacts table computed in SQL: last day per queue and daily totals.

The pages need a few hundred rows (one per queue, or one per queue and day), not the millions of
half-hour rows behind them; grouping in the database reads the indexes of migration 0010 instead
of turning every row into a Python object. No decisions are made here: plain frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.access import Principal, require
from data.store import LOAD_PERMISSIONS, Store, query_frame

DAILY_COLUMNS: tuple[str, ...] = ("country", "channel", "date", "contacts")


def _check(viewer: Principal | None) -> None:
    if viewer is not None and not any(viewer.can(p) for p in LOAD_PERMISSIONS["contacts"]):
        require(viewer, LOAD_PERMISSIONS["contacts"][0])


def _day(store: Store, column: sa.ColumnElement) -> sa.ColumnElement:
    """The calendar day of a timestamp column, as the database spells it."""
    if store.engine.dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(column, sa.Date)


def _as_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str).str.slice(0, 10), format="%Y-%m-%d").astype(
        "datetime64[ns]"
    )


def series_ends(store: Store, viewer: Principal | None = None) -> dict[tuple[str, str], dt.date]:
    """The last day of contacts per (country, channel), grouped in the database.

    Parameters
    ----------
    store : Store
        The database.
    viewer : Principal, optional
        Checked like :meth:`Store.load` for ``contacts``; None for trusted code.

    Returns
    -------
    dict
        ``(country, channel) -> last day`` (local date); empty without contacts.
    """
    _check(viewer)
    t = schema.contacts
    query = sa.select(t.c.country, t.c.channel, sa.func.max(t.c.ds).label("last")).group_by(
        t.c.country, t.c.channel
    )
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    if frame.empty:
        return {}
    days = _as_dates(frame["last"]).dt.date
    return {
        (str(c), str(ch)): day
        for c, ch, day in zip(frame["country"], frame["channel"], days, strict=True)
    }


def daily_totals(
    store: Store,
    viewer: Principal | None = None,
    *,
    countries: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Contacts summed to days per (country, channel), in the database.

    Parameters
    ----------
    store : Store
        The database.
    viewer : Principal, optional
        Checked like :meth:`Store.load` for ``contacts``; None for trusted code.
    countries : sequence of str, optional
        Only these countries (all when None or empty).
    start, end : date, optional
        Only days in ``start..end`` (inclusive; local days).

    Returns
    -------
    pandas.DataFrame
        ``country, channel, date, contacts`` (``date`` datetime64 at midnight), sorted like
        :meth:`Store.daily_contacts`, which it equals on the same rows.
    """
    _check(viewer)
    t = schema.contacts
    day = _day(store, t.c.ds).label("date")
    query = sa.select(t.c.country, t.c.channel, day, sa.func.sum(t.c.contacts).label("contacts"))
    if countries:
        query = query.where(t.c.country.in_(list(countries)))
    if start is not None:
        query = query.where(t.c.ds >= dt.datetime.combine(start, dt.time()))
    if end is not None:
        query = query.where(t.c.ds < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    query = query.group_by(t.c.country, t.c.channel, day).order_by(t.c.country, t.c.channel, day)
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(
            {
                "country": pd.Series(dtype=object),
                "channel": pd.Series(dtype=object),
                "date": pd.Series(dtype="datetime64[ns]"),
                "contacts": pd.Series(dtype=float),
            }
        )
    frame["date"] = _as_dates(frame["date"])
    frame["contacts"] = frame["contacts"].astype(float)
    return frame[list(DAILY_COLUMNS)].reset_index(drop=True)
