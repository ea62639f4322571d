"""Numbers and dates in the reader's locale, the same on every page."""

from __future__ import annotations

import datetime as dt

import pytest

from formats import (
    DASH,
    Formats,
    date_input_format,
    resolve_locale,
    vega_locale,
)
from tests.conftest import plain_text

NBSP = "\u00a0"
DAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("locale", "number", "decimal", "percent", "date", "day"),
    [
        ("en_GB", "104,002", "1,234.5", "78%", "Tue, 24 Nov 2026", "24 Nov"),
        ("en_US", "104,002", "1,234.5", "78%", "Tue, Nov 24, 2026", "Nov 24"),
        ("de_DE", "104.002", "1.234,5", f"78{NBSP}%", "Di., 24. Nov. 2026", "24. Nov."),
        ("hu_HU", f"104{NBSP}002", f"1{NBSP}234,5", "78%", "2026. nov. 24., K", "nov. 24."),
    ],
)
def test_each_locale_writes_numbers_and_dates_its_own_way(
    locale, number, decimal, percent, date, day
):
    fmt = Formats(locale)
    assert fmt.number(104002) == number
    assert fmt.number(1234.5, 1) == decimal
    assert fmt.percent(0.775) == percent
    assert fmt.date(DAY) == date
    assert fmt.day(DAY) == day


def test_units_signs_and_missing_values():
    fmt = Formats("en_GB")
    assert fmt.hours(1234.54, 1) == f"1,234.5{NBSP}h"
    assert fmt.fte(4.75) == f"4.8{NBSP}FTE"
    assert fmt.seconds(7.84, 1) == f"7.8{NBSP}s"
    assert fmt.signed(-3) == "−3" and fmt.signed(3) == "+3" and fmt.signed(0.01) == "0"
    assert fmt.signed_percent(-0.5) == "−50%" and fmt.signed_percent(0.0004) == "0%"
    assert fmt.number(None) == fmt.percent(float("nan")) == fmt.hours(None) == DASH
    assert plain_text(fmt.day_span(dt.date(2026, 12, 24), dt.date(2026, 12, 25))) == "24–25 Dec"
    assert fmt.day_span(DAY, DAY) == "24 Nov"
    assert fmt.timestamp(dt.datetime(2026, 11, 24, 9, 30)) == "Tue, 24 Nov 2026, 09:30"


def test_the_setting_comes_first_then_the_browser_then_the_fallback(monkeypatch):
    monkeypatch.delenv("CREWCAST_LOCALE", raising=False)
    assert resolve_locale("de-DE") == "de_DE"  # browsers send BCP 47 tags
    assert resolve_locale("xx-YY", "", None, "hu-HU") == "hu_HU"  # unknown ones are skipped
    assert resolve_locale(None) == "en_GB"
    # the setting is for viewers whose browser says nothing: Streamlit's tables follow the
    # browser and cannot be told otherwise, so the text follows it too
    monkeypatch.setenv("CREWCAST_LOCALE", "fr_FR")
    assert resolve_locale("de-DE") == "de_DE"
    assert resolve_locale(None) == resolve_locale("xx-YY") == "fr_FR"
    monkeypatch.setenv("CREWCAST_LOCALE", "not a locale")
    assert resolve_locale(None) == "en_GB"


def test_charts_and_date_pickers_follow_the_locale():
    german = vega_locale("de_DE")
    assert german["number"]["decimal"] == "," and german["number"]["thousands"] == "."
    assert german["time"]["shortMonths"][2] == "März"
    assert german["time"]["days"][0] == "Sonntag"  # Vega's weeks start on Sunday
    assert len(german["time"]["shortDays"]) == 7 and len(german["time"]["months"]) == 12
    assert vega_locale("en_GB")["number"]["thousands"] == ","
    assert date_input_format("en_GB") == "DD/MM/YYYY"
    assert date_input_format("en_US") == "MM/DD/YYYY"
    assert date_input_format("de_DE") == "DD.MM.YYYY"
    assert date_input_format("hu_HU") == "YYYY.MM.DD"
