"""Numbers and dates written the way the reader's locale writes them, with their units.

One :class:`Formats` per locale is the single place the dashboard turns a number or a date into
text, so every page writes ``1,234.5 h`` (en_GB) or ``1.234,5 h`` (de_DE) alike. The same
locale drives the Altair charts (:func:`vega_locale`, Vega's number and time format locales
built from CLDR through babel) and the date pickers (:func:`date_input_format`).

The pages pick the locale (the browser's, else ``CREWCAST_LOCALE``, else :data:`FALLBACK`);
this package only formats, so the pure packages and the CLI can use it too. The browser comes
first because Streamlit's own tables and sliders write numbers in the browser's language and
cannot be told otherwise: text, charts and tables then always agree.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

FALLBACK = "en_GB"
ENV_VAR = "CREWCAST_LOCALE"
DASH = "–"  # shown for a missing value


def resolve_locale(*candidates: str | None) -> str:
    """The first candidate babel knows, as ``ll_CC``; then ``CREWCAST_LOCALE``; then
    :data:`FALLBACK`.

    Browsers send BCP 47 tags (``en-US``); babel wants ``en_US``. Unknown or empty candidates are
    skipped.
    """
    for candidate in (*candidates, os.environ.get(ENV_VAR)):
        if not candidate:
            continue
        try:
            return str(Locale.parse(candidate.strip(), sep="-" if "-" in candidate else "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return FALLBACK


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Formats:
    """Text for numbers and dates in one locale.

    Examples
    --------
    >>> Formats("en_GB").number(104002)
    '104,002'
    >>> Formats("de_DE").number(104002)
    '104.002'
    >>> Formats("en_GB").hours(1234.5, 1)
    '1,234.5 h'
    >>> Formats("en_GB").percent(0.775)
    '78%'
    """

    locale: str = FALLBACK

    # -- numbers ------------------------------------------------------------------------------
    def number(self, value: float | None, decimals: int = 0) -> str:
        """``value`` with the locale's grouping and decimal signs and exactly ``decimals``."""
        if _missing(value):
            return DASH
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return babel_numbers.format_decimal(
            value, format=pattern, locale=self.locale, decimal_quantization=True
        )

    def signed(self, value: float, decimals: int = 0) -> str:
        """``+3`` / ``−3`` (a true minus sign) / ``0``."""
        text = self.number(abs(value), decimals)
        if round(value, decimals) == 0:
            return text
        return ("+" if value > 0 else "−") + text

    def percent(self, share: float | None, decimals: int = 0) -> str:
        """A share (0.8) as a percentage in the locale's style (``80%``, ``80 %``)."""
        if _missing(share):
            return DASH
        pattern = _percent_pattern(self.locale, decimals)
        return babel_numbers.format_percent(
            share, format=pattern, locale=self.locale, decimal_quantization=True
        )

    def signed_percent(self, share: float, decimals: int = 0) -> str:
        """``+22%`` / ``−50%``."""
        text = self.percent(abs(share), decimals)
        if round(share * 100, decimals) == 0:
            return text
        return ("+" if share > 0 else "−") + text

    def with_unit(self, value: float | None, unit: str, decimals: int = 0) -> str:
        """``12.5 h``, ``3.2 FTE``: the number, a no-break space, the unit."""
        return f"{self.number(value, decimals)}\u00a0{unit}" if not _missing(value) else DASH

    def hours(self, value: float | None, decimals: int = 0) -> str:
        return self.with_unit(value, "h", decimals)

    def fte(self, value: float | None, decimals: int = 1) -> str:
        return self.with_unit(value, "FTE", decimals)

    def seconds(self, value: float | None, decimals: int = 0) -> str:
        return self.with_unit(value, "s", decimals)

    # -- dates --------------------------------------------------------------------------------
    def date(self, day: dt.date | None) -> str:
        """A date in full with its weekday: ``Mon 24 Nov 2026`` (en_GB)."""
        if day is None:
            return DASH
        return babel_dates.format_date(day, _skeleton(self.locale, "yMMMEd"), locale=self.locale)

    def day(self, day: dt.date) -> str:
        """Day and month, for dates in the coming weeks: ``24 Nov``."""
        return babel_dates.format_date(day, _skeleton(self.locale, "MMMd"), locale=self.locale)

    def weekday(self, day: dt.date) -> str:
        """Weekday, day and month: ``Mon 24 Nov``."""
        return babel_dates.format_date(day, _skeleton(self.locale, "MMMEd"), locale=self.locale)

    def day_span(self, first: dt.date, last: dt.date) -> str:
        """``24–25 Dec``, ``30 Dec – 2 Jan``; one day as :meth:`day`."""
        if first == last:
            return self.day(first)
        return babel_dates.format_interval(first, last, "MMMd", locale=self.locale)

    def time(self, moment: dt.time | dt.datetime) -> str:
        """A time of day on the 24-hour clock (``09:30``), as planners read shift times."""
        return f"{moment:%H:%M}"

    def timestamp(self, moment: dt.datetime) -> str:
        """Date and time: ``Mon 24 Nov 2026, 09:30``."""
        return f"{self.date(moment.date())}, {self.time(moment)}"


@cache
def _percent_pattern(locale: str, decimals: int) -> str:
    """The locale's percent pattern (``#,##0%``, ``#,##0 %``) with ``decimals`` places."""
    loc = Locale.parse(locale)
    pattern = str(loc.percent_formats[None].pattern) if loc.percent_formats else "#,##0%"
    if decimals:
        last = pattern.rfind("0")
        pattern = pattern[: last + 1] + "." + "0" * decimals + pattern[last + 1 :]
    return pattern


@cache
def _skeleton(locale: str, skeleton: str) -> str:
    """The locale's pattern for a CLDR skeleton (``yMMMEd`` -> ``EEE, d MMM y`` in en_GB)."""
    formats = Locale.parse(locale).datetime_skeletons
    pattern = formats.get(skeleton)
    return str(pattern.pattern if hasattr(pattern, "pattern") else pattern or "medium")


@cache
def vega_locale(locale: str) -> dict:
    """Vega's ``config.locale`` (number and time format locales) for ``locale``, from CLDR.

    Altair's ``format=",.0f"`` then groups and marks decimals as the locale does, and
    ``%a %d %b`` names days and months in its language.
    """
    loc = Locale.parse(locale)
    symbols = loc.number_symbols.get("latn", loc.number_symbols)
    percent_pattern = _percent_pattern(locale, 0)
    months = loc.months["format"]
    days = loc.days["format"]
    order = [6, 0, 1, 2, 3, 4, 5]  # Vega starts the week on Sunday, CLDR's keys on Monday
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", ""],
            "percent": "\u00a0%" if "\u00a0%" in percent_pattern else "%",
            "minus": "−",
        },
        "time": {
            "dateTime": "%a %e %b %Y %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": [str(loc.periods.get(p, p)) for p in ("am", "pm")],
            "days": [str(days["wide"][i]) for i in order],
            "shortDays": [str(days["abbreviated"][i]) for i in order],
            "months": [str(months["wide"][i]) for i in range(1, 13)],
            "shortMonths": [str(months["abbreviated"][i]) for i in range(1, 13)],
        },
    }


@cache
def date_input_format(locale: str) -> str:
    """``st.date_input``'s ``format`` (``DD/MM/YYYY``, ``MM/DD/YYYY``, ``YYYY.MM.DD``...) in the
    order and with the separator of the locale's short date."""
    pattern = str(Locale.parse(locale).date_formats["short"].pattern)
    order = sorted(
        (pattern.find(ch), token)
        for ch, token in (("y", "YYYY"), ("M", "MM"), ("d", "DD"))
        if ch in pattern
    )
    separators = [c for c in pattern if c in "/.-"]
    separator = separators[0] if separators else "/"
    if len(order) != 3:
        return "DD/MM/YYYY"
    return separator.join(token for _, token in order)
