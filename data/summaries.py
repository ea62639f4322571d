"""Summaries of the contacts and traffic tables computed in SQL, and the rows a page shows.

The pages need a few hundred rows (one per queue, or one per queue and day), not the millions of
half-hour rows behind them; grouping in the database reads the indexes of migration 0010 instead
of turning every row into a Python object. Where rows are needed (the Overview's recent weeks,
the Data page's chosen countries and days), only those are read. No decisions are made here:
plain frames out; which weeks or days matter is the caller's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data import schema
from data.access import AuditAction, Principal, require
from data.store import LOAD_PERMISSIONS, Store, query_frame

DAILY_COLUMNS: tuple[str, ...] = ("country", "channel", "date", "contacts")
SPAN_COLUMNS: tuple[str, ...] = ("country", "channel", "first", "last")
TRAFFIC_SPAN_COLUMNS: tuple[str, ...] = ("country", "first", "last", "sessions")
#: Audited actions that change what the pages read: imports, purges, the sample's removal,
#: saved forecasts, published schedules, queue settings and flag evaluations.
CHANGING_ACTIONS: tuple[AuditAction, ...] = (
    AuditAction.IMPORT,
    AuditAction.PURGE,
    AuditAction.REMOVE_SAMPLE,
    AuditAction.SAVE_FORECAST,
    AuditAction.PUBLISH_SCHEDULE,
    AuditAction.SAVE_QUEUE_SETTINGS,
    AuditAction.EVALUATE,
)
#: Time ranges per query when rows are read by queue and day range (five parameters each:
#: SQLite takes up to 32,766 parameters a statement, PostgreSQL 65,535).
TERMS_PER_QUERY = 1000


def _check(viewer: Principal | None, kind: str = "contacts") -> None:
    if viewer is not None and not any(viewer.can(p) for p in LOAD_PERMISSIONS[kind]):
        require(viewer, LOAD_PERMISSIONS[kind][0])


def inputs_version(store: Store) -> int:
    """A number that changes whenever the stored inputs change, from any process: the id of the
    newest audit row of :data:`CHANGING_ACTIONS` (every import, purge and sample removal is
    audited in its own transaction; 0 before any). A cache key read in about a millisecond,
    so a command-line import shows on a page's next run without a session's help."""
    t = schema.audit_log
    query = (
        sa.select(t.c.id)
        .where(t.c.action.in_([a.value for a in CHANGING_ACTIONS]))
        .order_by(t.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        newest = conn.execute(query).scalar()
    return int(newest or 0)


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
    """The last day of contacts per (country, channel), from the last row of each queue's
    range of ``ix_contacts_country`` (:func:`contact_spans`: two seeks per queue, not a pass
    over every row).

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
    spans = contact_spans(store, viewer)
    return {
        (str(c), str(ch)): last.date()
        for c, ch, last in zip(spans["country"], spans["channel"], spans["last"], strict=True)
    }


def daily_totals(
    store: Store,
    viewer: Principal | None = None,
    *,
    countries: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
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
    countries, channels : sequence of str, optional
        Only these countries, channels (all when None or empty).
    start, end : date, optional
        Only days in ``start..end`` (inclusive; local days).

    Returns
    -------
    pandas.DataFrame
        ``country, channel, date, contacts`` (``date`` datetime64 at midnight), sorted like
        :meth:`Store.daily_contacts`, which it equals on the same rows.
    """
    _check(viewer)
    if store.engine.dialect.name == "sqlite":
        frame = _daily_totals_by_seeks(store, countries, channels, start, end)
    else:
        frame = _daily_totals_grouped(store, countries, channels, start, end)
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


#: A queue's contacts per day, one index seek per day. SQLite groups by day with a sorter over
#: every row (5 s at 2 M rows on a loaded machine); a seek per day reads the same index
#: entries in order and sums them, about 3 times faster.
_SQLITE_DAYS = sa.text(
    """
    WITH RECURSIVE days(d) AS (
        SELECT :first UNION ALL SELECT date(d, '+1 day') FROM days WHERE d < :last
    )
    SELECT date, contacts FROM (
        SELECT d AS date, (
            SELECT sum(contacts) FROM contacts
            WHERE country = :country AND channel = :channel
            AND ds >= d AND ds < date(d, '+1 day')
        ) AS contacts
        FROM days
    ) WHERE contacts IS NOT NULL
    """
)


def _daily_totals_by_seeks(
    store: Store,
    countries: Sequence[str] | None,
    channels: Sequence[str] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> pd.DataFrame:
    """:func:`daily_totals` on SQLite: per queue, its days from its first to its last (within
    ``start..end``), each summed from its range of ``ix_contacts_country``."""
    spans = contact_spans(store)
    if countries:
        spans = spans[spans["country"].isin(list(countries))]
    if channels:
        spans = spans[spans["channel"].isin(list(channels))]
    parts = []
    with store.engine.connect() as conn:
        for country, channel, first, last in spans.itertuples(index=False):
            lo = max(first.date(), start) if start is not None else first.date()
            hi = min(last.date(), end) if end is not None else last.date()
            if lo > hi:
                continue
            params = {
                "first": lo.isoformat(),
                "last": hi.isoformat(),
                "country": country,
                "channel": channel,
            }
            days = query_frame(conn, _SQLITE_DAYS.bindparams(**params))
            parts.append(days.assign(country=country, channel=channel))
    if not parts:
        return pd.DataFrame(columns=list(DAILY_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def _daily_totals_grouped(
    store: Store,
    countries: Sequence[str] | None,
    channels: Sequence[str] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> pd.DataFrame:
    """:func:`daily_totals` grouped by the database (PostgreSQL hashes the groups)."""
    t = schema.contacts
    day = _day(store, t.c.ds).label("date")
    query = sa.select(t.c.country, t.c.channel, day, sa.func.sum(t.c.contacts).label("contacts"))
    if countries:
        query = query.where(t.c.country.in_(list(countries)))
    if channels:
        query = query.where(t.c.channel.in_(list(channels)))
    if start is not None:
        query = query.where(t.c.ds >= dt.datetime.combine(start, dt.time()))
    if end is not None:
        query = query.where(t.c.ds < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    query = query.group_by(t.c.country, t.c.channel, day).order_by(t.c.country, t.c.channel, day)
    with store.engine.connect() as conn:
        return query_frame(conn, query)


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str), format="ISO8601").astype("datetime64[ns]")


def contact_queues(store: Store, viewer: Principal | None = None) -> list[tuple[str, str]]:
    """Every (country, channel) with contacts, sorted.

    Found by seeks along ``ix_contacts_country``, one or two per queue (the next channel of
    the country, else the next country), not by a pass over millions of rows.
    """
    _check(viewer)
    t = schema.contacts
    keys = sa.select(t.c.country, t.c.channel).order_by(t.c.country, t.c.channel).limit(1)
    found: list[tuple[str, str]] = []
    with store.engine.connect() as conn:
        row = conn.execute(keys).first()
        while row is not None:
            country, channel = str(row[0]), str(row[1])
            found.append((country, channel))
            row = (
                conn.execute(keys.where(t.c.country == country, t.c.channel > channel)).first()
                or conn.execute(keys.where(t.c.country > country)).first()
            )
    return found


def contact_spans(store: Store, viewer: Principal | None = None) -> pd.DataFrame:
    """Per (country, channel): the first and last contact time.

    Two index seeks per queue (:func:`contact_queues`, then the ends of its range of
    ``ix_contacts_country``): milliseconds at millions of rows.

    Returns
    -------
    pandas.DataFrame
        :data:`SPAN_COLUMNS` (``first``, ``last`` datetime64), sorted by country and channel;
        empty without contacts.
    """
    t = schema.contacts
    rows = []
    queues = contact_queues(store, viewer)
    with store.engine.connect() as conn:
        for country, channel in queues:
            mine = (t.c.country == country, t.c.channel == channel)
            ends = sa.select(
                sa.select(sa.func.min(t.c.ds)).where(*mine).scalar_subquery(),
                sa.select(sa.func.max(t.c.ds)).where(*mine).scalar_subquery(),
            )
            rows.append((country, channel, *conn.execute(ends).one()))
    frame = pd.DataFrame(rows, columns=list(SPAN_COLUMNS))
    if frame.empty:
        return frame.astype(
            {
                "country": object,
                "channel": object,
                "first": "datetime64[ns]",
                "last": "datetime64[ns]",
            }
        )
    frame["first"], frame["last"] = _times(frame["first"]), _times(frame["last"])
    return frame


def contact_volumes(store: Store, viewer: Principal | None = None) -> pd.DataFrame:
    """Contacts summed per country (``country, contacts``), sorted by country: one pass over
    the covering index, so for ranking many countries only."""
    _check(viewer)
    t = schema.contacts
    query = (
        sa.select(t.c.country, sa.func.sum(t.c.contacts).label("contacts"))
        .group_by(t.c.country)
        .order_by(t.c.country)
    )
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(
            {"country": pd.Series(dtype=object), "contacts": pd.Series(dtype=float)}
        )
    return frame.astype({"contacts": float})


def last_handled(
    store: Store, queues: Sequence[tuple[str, str]], viewer: Principal | None = None
) -> dict[tuple[str, str], dt.datetime]:
    """The last contact time with a handle time (``aht_seconds``) of each queue that has one.

    One query per queue, read backwards along ``ix_contacts_country`` from the queue's last
    row: it stops at the first row with a handle time (at once when the newest rows have one).
    """
    _check(viewer)
    t = schema.contacts
    out: dict[tuple[str, str], dt.datetime] = {}
    with store.engine.connect() as conn:
        for country, channel in queues:
            query = (
                sa.select(t.c.ds)
                .where(t.c.country == country, t.c.channel == channel, t.c.aht_seconds.is_not(None))
                .order_by(t.c.ds.desc())
                .limit(1)
            )
            found = conn.execute(query).scalar()
            if found is not None:
                out[(str(country), str(channel))] = pd.Timestamp(found).to_pydatetime()
    return out


def contact_rows(
    store: Store,
    viewer: Principal | None = None,
    *,
    since: Mapping[tuple[str, str], dt.datetime],
    days: Mapping[tuple[str, str], Sequence[dt.date]] | None = None,
) -> pd.DataFrame:
    """The contacts rows of each queue from a time on, and of some days before it.

    Parameters
    ----------
    store : Store
        The database.
    viewer : Principal, optional
        Checked like :meth:`Store.load` for ``contacts``; None for trusted code.
    since : mapping of (country, channel) to datetime
        Per queue, its rows at or after this time; queues not named give no rows.
    days : mapping of (country, channel) to dates, optional
        Per queue, its rows on these days too (the part of a day at or after ``since`` is
        read once).

    Returns
    -------
    pandas.DataFrame
        The frame :meth:`Store.load` gives for ``contacts`` (``aht_seconds`` float), those
        rows only, sorted by country, channel and time.

    The time ranges asked for (consecutive days merged) are one list of values joined to the
    table, :data:`TERMS_PER_QUERY` to a query: each reads one range of ``ix_contacts_country``.
    Rows come back as numbers (the queue's place in the list, epoch seconds on SQLite), read
    in one go: at 2,000 ranges and 88,000 rows this costs a third of an OR of conditions
    built as SQLAlchemy expressions and fetched row by row through ``Store.load``.
    """
    _check(viewer)
    queues: list[tuple[str, str]] = []
    ranges: list[tuple[int, dt.datetime, dt.datetime | None]] = []
    for (country, channel), start in since.items():
        queues.append((str(country), str(channel)))
        k = len(queues) - 1
        ranges.append((k, start, None))
        for first, until in _day_ranges((days or {}).get((country, channel), ())):
            until = min(until, start)
            if first < until:
                ranges.append((k, first, until))
    if not ranges:
        return store.load("contacts", viewer, where=sa.false())
    rows: list[tuple] = []
    with store.engine.connect() as conn:
        for i in range(0, len(ranges), TERMS_PER_QUERY):
            rows.extend(_ranges_rows(store, conn, queues, ranges[i : i + TERMS_PER_QUERY]))
    return _contacts_frame(store, queues, rows)


#: Far enough ahead to stand for "no end" in a range of times.
_NO_END = dt.datetime(9999, 12, 31)


def _ranges_rows(
    store: Store,
    conn: sa.Connection,
    queues: Sequence[tuple[str, str]],
    ranges: Sequence[tuple[int, dt.datetime, dt.datetime | None]],
) -> list[tuple]:
    """The rows of ``ranges`` (queue's place in ``queues``, from, until or None), as
    ``(place, ds, interval_minutes, contacts, aht_seconds)`` tuples (``ds`` epoch seconds on
    SQLite, a datetime elsewhere)."""
    dialect = store.engine.dialect
    sqlite = dialect.name == "sqlite"
    # The driver's own placeholders and the dialect's form of a time: SQLAlchemy's text()
    # clones every bound parameter again per parameter named (seconds at 5,000 of them).
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    stamp = mark if sqlite else f"CAST({mark} AS TIMESTAMP)"
    as_time = sa.DateTime().dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    params: list = []
    for k, first, until in ranges:
        country, channel = queues[k]
        params += [k, country, channel, as_time(first), as_time(until or _NO_END)]
    row = f"({mark}, {mark}, {mark}, {stamp}, {stamp})"
    ds = "(julianday(c.ds) - 2440587.5) * 86400.0" if sqlite else "c.ds"
    sql = (
        f"WITH wanted (k, country, channel, lo, hi) AS (VALUES {', '.join([row] * len(ranges))}) "
        f"SELECT wanted.k, {ds}, c.interval_minutes, c.contacts, c.aht_seconds "
        "FROM wanted JOIN contacts c ON c.country = wanted.country "
        "AND c.channel = wanted.channel AND c.ds >= wanted.lo AND c.ds < wanted.hi"
    )
    return conn.exec_driver_sql(sql, tuple(params)).cursor.fetchall()


def _contacts_frame(
    store: Store, queues: Sequence[tuple[str, str]], rows: Sequence[tuple]
) -> pd.DataFrame:
    """:func:`_ranges_rows`' rows as the frame ``Store.load("contacts")`` gives, sorted."""
    if not rows:
        return store.load("contacts", where=sa.false())
    k, ds, minutes, contacts, aht = zip(*rows, strict=True)  # columns, no per-row probing
    place = np.asarray(k, dtype="int64")
    names = np.empty(len(queues), dtype=object), np.empty(len(queues), dtype=object)
    for i, (country, channel) in enumerate(queues):
        names[0][i], names[1][i] = country, channel
    if store.engine.dialect.name == "sqlite":
        times = pd.to_datetime(np.asarray(ds, dtype=float).round(), unit="s")
    else:
        times = pd.to_datetime(pd.Series(ds, dtype=object))
    frame = pd.DataFrame(
        {
            "country": names[0][place],
            "channel": names[1][place],
            "ds": pd.Series(times).astype("datetime64[ns]").to_numpy(),
            "interval_minutes": np.asarray(minutes, dtype="int64"),
            "contacts": np.asarray(contacts, dtype=float),
            "aht_seconds": np.asarray(aht, dtype=float),  # None is NaN
        }
    )
    return frame.sort_values(["country", "channel", "ds"]).reset_index(drop=True)


def _day_ranges(days: Sequence[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Days as ``[start, end)`` time ranges, consecutive days in one (24-26 December is one
    condition, not three)."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for day in sorted(set(days)):
        first = dt.datetime.combine(day, dt.time())
        if ranges and ranges[-1][1] == first:
            ranges[-1] = (ranges[-1][0], first + dt.timedelta(days=1))
        else:
            ranges.append((first, first + dt.timedelta(days=1)))
    return ranges


def traffic_spans(store: Store, viewer: Principal | None = None) -> pd.DataFrame:
    """Per country: the first and last day of web sessions and the sessions summed.

    Returns
    -------
    pandas.DataFrame
        :data:`TRAFFIC_SPAN_COLUMNS` (``first``, ``last`` datetime64 at midnight), sorted by
        country; empty without traffic.
    """
    _check(viewer, "traffic")
    t = schema.traffic
    query = (
        sa.select(
            t.c.country,
            sa.func.min(t.c.date).label("first"),
            sa.func.max(t.c.date).label("last"),
            sa.func.sum(t.c.sessions).label("sessions"),
        )
        .group_by(t.c.country)
        .order_by(t.c.country)
    )
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    if frame.empty:
        return pd.DataFrame(
            {
                "country": pd.Series(dtype=object),
                "first": pd.Series(dtype="datetime64[ns]"),
                "last": pd.Series(dtype="datetime64[ns]"),
                "sessions": pd.Series(dtype=float),
            }
        )
    frame["first"], frame["last"] = _as_dates(frame["first"]), _as_dates(frame["last"])
    frame["sessions"] = frame["sessions"].astype(float)
    return frame[list(TRAFFIC_SPAN_COLUMNS)]


def traffic_days(
    store: Store,
    viewer: Principal | None = None,
    *,
    countries: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """The traffic rows of ``countries`` (all when None or empty) in ``start..end`` (inclusive):
    the frame :meth:`Store.load` gives for ``traffic``, those rows only."""
    _check(viewer, "traffic")
    t = schema.traffic
    conditions = []
    if start is not None:
        conditions.append(t.c.date >= start)
    if end is not None:
        conditions.append(t.c.date <= end)
    where = sa.and_(*conditions) if conditions else None
    return store.load("traffic", viewer, where=where, country=list(countries or []) or None)
