"""Public holidays per country/subdivision as Prophet-style frames and per-holiday regressors.

Built on the ``holidays`` package, always with ``language="en_US"`` (its default follows the
machine's locale). Effects are meant to be learnt per holiday name and window group ("pre" days,
"on" the day, "post" days), never as one global holiday dummy: in the Italian call data
15 August is a peak, not a dip.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import holidays as holidays_lib
import numpy as np
import pandas as pd

from contracts.checks import check_int
from forecasting.errors import ForecastInputError

HOLIDAY_FRAME_COLUMNS: tuple[str, ...] = (
    "country",
    "holiday",
    "ds",
    "lower_window",
    "upper_window",
)
HOLIDAY_LANGUAGE = "en_US"
#: Separator between holiday name and window group in regressor column names.
GROUP_SEPARATOR = " | "
WINDOW_GROUPS: tuple[str, ...] = ("pre", "on", "post")

CountriesSpec = Mapping[str, str | None] | Iterable[str] | str
DaysSpec = int | Mapping[str, int]


@dataclass(frozen=True)
class HolidayWindow:
    """Days around a holiday whose contacts the holiday changes.

    Parameters
    ----------
    pre_days : int
        Days before the holiday (>= 0): questions spike before holidays.
    post_days : int
        Days after the holiday (>= 0): catch-up after it.
    """

    pre_days: int
    post_days: int

    def __post_init__(self) -> None:
        for name in ("pre_days", "post_days"):
            check_int(
                f"HolidayWindow.{name}", getattr(self, name), minimum=0, error=ForecastInputError
            )


def parse_country(spec: str, subdiv: str | None = None) -> tuple[str, str | None]:
    """Split ``"ES-MD"`` into ``("ES", "MD")``; an explicit ``subdiv`` wins.

    Raises
    ------
    ForecastInputError
        If the country (or subdivision) is not supported by the ``holidays`` package.
    """
    code, _, sub = spec.strip().partition("-")
    code = code.upper()
    sub_final = subdiv if subdiv is not None else (sub.upper() or None)
    supported = holidays_lib.list_supported_countries()
    if code not in supported:
        raise ForecastInputError(f"country {spec!r}: not an ISO code the holidays package knows")
    if sub_final is not None and sub_final not in supported[code]:
        raise ForecastInputError(
            f"country {spec!r}: subdivision {sub_final!r} unknown; known: {supported[code]}"
        )
    return code, sub_final


def _country_list(countries: CountriesSpec) -> list[tuple[str, str, str | None]]:
    """Return ``(label, iso_code, subdiv)`` triples; the label is the key the caller used."""
    if isinstance(countries, str):
        countries = [countries]
    if isinstance(countries, Mapping):
        items = list(countries.items())
    else:
        items = [(c, None) for c in countries]
    out = []
    for label, sub in items:
        code, subdiv = parse_country(label, sub)
        out.append((label, code, subdiv))
    return out


def _clean_name(name: str) -> str:
    # date-specific names ("Day off (substituted from 12/07/2024)") would each become a
    # regressor seen once; fold them into one name so the effect can be learnt.
    if "substituted" in name.lower():
        return "Day off (substituted)"
    return re.sub(r"\s+", " ", name).strip()


def _holiday_calendar(
    code: str, subdiv: str | None, years: Iterable[int]
) -> holidays_lib.HolidayBase:
    return holidays_lib.country_holidays(
        code, subdiv=subdiv, years=list(years), language=HOLIDAY_LANGUAGE
    )


def _per_country(spec: DaysSpec, label: str, code: str, what: str) -> int:
    value = spec.get(label, spec.get(code, 0)) if isinstance(spec, Mapping) else spec
    return check_int(f"{what} for {label}", value, minimum=0, error=ForecastInputError)


def _to_date(value: dt.date | str | pd.Timestamp) -> dt.date:
    return pd.Timestamp(value).date()


def holidays_in_range(
    countries: CountriesSpec, start: dt.date | str, end: dt.date | str
) -> pd.DataFrame:
    """List public holidays between two dates (inclusive), one row per holiday name.

    Parameters
    ----------
    countries : mapping or iterable of str or str
        ISO codes, optionally with subdivision: ``{"AR": None, "US": "CA"}``, ``["HU", "ES-MD"]``.
    start, end : date-like
        Inclusive date range (local dates).

    Returns
    -------
    pandas.DataFrame
        ``country, date, holiday`` (``date`` as datetime64 at midnight), sorted by date and country.
        ``country`` is the label the caller used (``"ES-MD"`` stays ``"ES-MD"``).
    """
    d0, d1 = _to_date(start), _to_date(end)
    if d1 < d0:
        raise ForecastInputError(f"holidays_in_range: end {d1} is before start {d0}")
    rows: list[tuple[str, dt.date, str]] = []
    years = range(d0.year, d1.year + 1)
    for label, code, subdiv in _country_list(countries):
        cal = _holiday_calendar(code, subdiv, years)
        for day in sorted(cal):
            if d0 <= day <= d1:
                rows.extend((label, day, _clean_name(n)) for n in cal.get_list(day))
    frame = pd.DataFrame(rows, columns=["country", "date", "holiday"])
    frame["date"] = pd.to_datetime(frame["date"])
    return (
        frame.drop_duplicates().sort_values(["date", "country", "holiday"]).reset_index(drop=True)
    )


def holiday_eves(
    countries: CountriesSpec, start: dt.date | str, end: dt.date | str
) -> pd.DataFrame:
    """Holiday eves (half days) between two dates: the ``holidays`` package's ``half_day``
    category where the country has one, and days named "... Eve" in any of its categories
    (public, bank, de facto, optional, unofficial: Christmas Eve is rarely a public holiday).

    Contact centres run short days on them (Christmas Eve, New Year's Eve), so the intraday
    split gives them a profile of their own.

    Returns
    -------
    pandas.DataFrame
        ``country, date, holiday`` like :func:`holidays_in_range`.
    """
    d0, d1 = _to_date(start), _to_date(end)
    rows: list[tuple[str, dt.date, str]] = []
    years = list(range(d0.year, d1.year + 1))
    for label, code, subdiv in _country_list(countries):
        categories = holidays_lib.country_holidays(code, subdiv=subdiv).supported_categories
        for category in categories:
            cal = holidays_lib.country_holidays(
                code, subdiv=subdiv, years=years, language=HOLIDAY_LANGUAGE, categories=(category,)
            )
            for day in sorted(cal):
                if not d0 <= day <= d1:
                    continue
                for name in cal.get_list(day):
                    if category == "half_day" or re.search(r"\beve\b", name, re.IGNORECASE):
                        rows.append((label, day, _clean_name(name)))
    frame = pd.DataFrame(rows, columns=["country", "date", "holiday"])
    frame["date"] = pd.to_datetime(frame["date"])
    return (
        frame.drop_duplicates().sort_values(["date", "country", "holiday"]).reset_index(drop=True)
    )


def make_holidays_frame(
    countries: CountriesSpec,
    start: dt.date | str,
    end: dt.date | str,
    pre_days: DaysSpec = 3,
    post_days: DaysSpec = 1,
    overrides: Mapping[str | tuple[str, str], HolidayWindow | tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """Build a Prophet-style holidays frame for several countries with per-country windows.

    Parameters
    ----------
    countries : mapping or iterable of str or str
        ISO codes, optionally with subdivision: ``{"AR": None, "HU": None, "US": "CA"}`` or
        ``["ES-MD"]``.
    start, end : date-like
        Dates the frame must cover. Holidays just outside are kept when their window reaches in.
    pre_days : int or mapping of country to int
        Days before each holiday in its window (days; the frame's ``lower_window = -pre_days``).
    post_days : int or mapping of country to int
        Days after each holiday (``upper_window = post_days``).
    overrides : mapping, optional
        Window per holiday name, or per ``(country, holiday name)``, as
        :class:`HolidayWindow` or ``(pre_days, post_days)``; wins over the per-country windows,
        e.g. ``{"Christmas Day": (5, 2), ("HU", "National Day"): (0, 0)}``.

    Returns
    -------
    pandas.DataFrame
        ``country, holiday, ds, lower_window, upper_window`` with ``lower_window <= 0 <=
        upper_window`` (days), one row per country, holiday name and date.
    """
    overrides = dict(overrides or {})
    windows = {
        key: value if isinstance(value, HolidayWindow) else HolidayWindow(*value)
        for key, value in overrides.items()
    }
    d0, d1 = _to_date(start), _to_date(end)
    if d1 < d0:
        raise ForecastInputError(f"make_holidays_frame: end {d1} is before start {d0}")
    parts = []
    for label, code, subdiv in _country_list(countries):
        pre = _per_country(pre_days, label, code, "pre_days")
        post = _per_country(post_days, label, code, "post_days")
        reach = max(
            [
                pre,
                post,
                *(w.pre_days for w in windows.values()),
                *(w.post_days for w in windows.values()),
            ]
        )
        lo = d0 - dt.timedelta(days=reach)
        hi = d1 + dt.timedelta(days=reach)
        listed = holidays_in_range({label: subdiv} if subdiv else [label], lo, hi)
        if listed.empty:
            continue
        pre_arr = np.full(len(listed), pre)
        post_arr = np.full(len(listed), post)
        for key, window in windows.items():
            if isinstance(key, tuple):
                hit = (listed["country"] == key[0]).to_numpy() & (
                    listed["holiday"] == key[1]
                ).to_numpy()
            else:
                hit = (listed["holiday"] == key).to_numpy()
            pre_arr[hit] = window.pre_days
            post_arr[hit] = window.post_days
        frame = pd.DataFrame(
            {
                "country": label,
                "holiday": listed["holiday"].to_numpy(),
                "ds": listed["date"].to_numpy(),
                "lower_window": -pre_arr,
                "upper_window": post_arr,
            }
        )
        # keep a holiday when its window touches [start, end]
        first = frame["ds"] + pd.to_timedelta(frame["lower_window"], unit="D")
        last = frame["ds"] + pd.to_timedelta(frame["upper_window"], unit="D")
        keep = (last >= pd.Timestamp(d0)) & (first <= pd.Timestamp(d1))
        parts.append(frame.loc[keep])
    if not parts:
        return pd.DataFrame(
            {
                "country": pd.Series(dtype=object),
                "holiday": pd.Series(dtype=object),
                "ds": pd.Series(dtype="datetime64[ns]"),
                "lower_window": pd.Series(dtype=int),
                "upper_window": pd.Series(dtype=int),
            }
        )
    out = pd.concat(parts, ignore_index=True)
    out["lower_window"] = out["lower_window"].astype(int)
    out["upper_window"] = out["upper_window"].astype(int)
    return out.sort_values(["ds", "country", "holiday"]).reset_index(drop=True)


def weekend_days(country: str) -> frozenset[int]:
    """Weekend weekdays of a country (Monday = 0 ... Sunday = 6) from the ``holidays`` package.

    Examples
    --------
    >>> sorted(weekend_days("IL"))  # Friday, Saturday
    [4, 5]
    """
    code, subdiv = parse_country(country)
    return frozenset(int(d) for d in _holiday_calendar(code, subdiv, []).weekend)


def holiday_regressors(
    ds: pd.Series | pd.DatetimeIndex, holidays_frame: pd.DataFrame
) -> pd.DataFrame:
    """One 0/1 column per holiday name and window group, aligned with ``ds``.

    Parameters
    ----------
    ds : pandas.Series or DatetimeIndex
        Dates (naive local, daily).
    holidays_frame : pandas.DataFrame
        Output of :func:`make_holidays_frame` (use one country's rows for one series).

    Returns
    -------
    pandas.DataFrame
        Index ``0..len(ds)-1``; columns ``"<holiday> | pre"``, ``"<holiday> | on"``,
        ``"<holiday> | post"`` (only groups whose window is non-empty), values 0.0 or 1.0.
        A day in the "pre" window of two holidays sets both holidays' "pre" columns.
    """
    dates = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    if holidays_frame.empty:
        return pd.DataFrame(index=pd.RangeIndex(len(dates)))
    hf = holidays_frame
    lower = hf["lower_window"].to_numpy(dtype=int)
    upper = hf["upper_window"].to_numpy(dtype=int)
    span = upper - lower + 1
    row = np.repeat(np.arange(len(hf)), span)
    # offsets lower..upper for every holiday row, vectorised
    offset = (
        np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span) + np.repeat(lower, span)
    )
    day = hf["ds"].to_numpy(dtype="datetime64[ns]")[row] + offset.astype("timedelta64[D]")
    group = np.where(offset < 0, "pre", np.where(offset > 0, "post", "on"))
    names = hf["holiday"].to_numpy(dtype=object)[row]
    column = pd.Series(names, dtype=object) + GROUP_SEPARATOR + pd.Series(group, dtype=object)
    long = pd.DataFrame({"day": day, "column": column}).drop_duplicates()
    long = long.loc[long["day"].isin(dates)]
    ordered = [c for c in dict.fromkeys(column) if c in set(long["column"])]
    if long.empty:
        return pd.DataFrame(index=pd.RangeIndex(len(dates)))
    wide = pd.crosstab(long["day"], long["column"]).clip(upper=1).astype(float)
    wide = wide.reindex(index=dates, fill_value=0.0)[ordered]
    wide.columns.name = None
    return wide.reset_index(drop=True)


def split_regressor_name(column: str) -> tuple[str, str]:
    """Split ``"Christmas Day | pre"`` into ``("Christmas Day", "pre")``."""
    name, _, group = column.rpartition(GROUP_SEPARATOR)
    return name, group
