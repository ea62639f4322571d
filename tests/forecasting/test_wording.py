"""forecasting.wording: drivers, notes and reasons worded per locale, stored JSON, older runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecasting.wording import (
    WORDINGS,
    Driver,
    Statement,
    holiday_driver,
    holiday_drivers,
    make_statement,
    traffic_driver,
    word,
)
from formats import Formats

GB, DE = Formats("en_GB"), Formats("de_DE")
NBSP = "\u00a0"
XMAS = pd.Timestamp("2026-12-25")
EFFECTS = pd.DataFrame(
    {
        "holiday": ["Christmas Day"] * 3,
        "group": ["pre", "on", "post"],
        "coef_log": [0.2, -0.7, 0.05],
        "effect": [0.22, -0.5, 0.05],
    }
)


def christmas(pre_days: int = 3, post_days: int = 1) -> Driver:
    return holiday_driver("HU/voice", "Christmas Day", XMAS, pre_days, post_days, EFFECTS)


def test_a_holiday_driver_in_english_and_german():
    driver = christmas()
    assert driver.values == {
        "series": "HU/voice",
        "holiday": "Christmas Day",
        "date": "2026-12-25",
        "pre_days": 3,
        "post_days": 1,
        "estimated": True,
        "pre": 0.22,
        "on": -0.5,
        "post": 0.05,
        # without pooled effects (older callers) nothing is claimed about the source
        "occurrences": None,
        "country": None,
        "shared_on": None,
        "shared_holidays": None,
        "shared_scope": None,
        "closed": False,
    }
    english = (
        "HU/voice: Christmas Day (25 Dec): contacts about +22% in the 3 days before, "
        "−50% on the day, +5% the day after"
    )
    assert driver.text == word(driver) == word(driver, GB) == english
    assert word(driver, DE) == (
        f"HU/voice: Christmas Day (25. Dez.): contacts about +22{NBSP}% in the 3 days before, "
        f"−50{NBSP}% on the day, +5{NBSP}% the day after"
    )


def test_holiday_windows_and_holidays_never_seen():
    assert word(christmas(pre_days=1, post_days=2), DE).endswith(
        f"+22{NBSP}% the day before, −50{NBSP}% on the day, +5{NBSP}% in the 2 days after"
    )
    # outside the window the regression's effect is not claimed
    assert "before" not in christmas(pre_days=0, post_days=0).text
    unseen = holiday_driver("HU/voice", "Boxing Day", XMAS, 3, 1, EFFECTS)
    assert not unseen.values["estimated"] and unseen.values["on"] is None
    assert word(unseen, DE) == (
        "HU/voice: Boxing Day (25. Dez.): no past occurrence in the history, effect not estimated"
    )
    assert holiday_driver("HU/voice", "Christmas Day", XMAS, 3, 1, None).values["pre"] is None


POOLED = pd.DataFrame(
    {
        "holiday": ["Christmas Day"] * 3 + ["Yom Kippur"],
        "group": ["pre", "on", "post", "on"],
        "effect": [0.22, -0.5, 0.05, -0.87],
        "occurrences": [3, 3, 3, 0],
        "source": ["own", "own", "own", "shared"],
    }
)
SHARED = pd.DataFrame(
    {
        "group": ["pre", "on", "post"],
        "effect": [0.1, -0.87, 0.2],
        "holidays": [9, 9, 9],
        "scope": ["country"] * 3,
    }
)


def test_a_holiday_driver_says_where_its_number_comes_from():
    own = holiday_driver("IL/voice", "Christmas Day", XMAS, 0, 0, POOLED, SHARED, "IL")
    assert own.values["occurrences"] == 3
    assert own.text.endswith("−50% on the day; learnt from 3 past occurrences")
    unseen = holiday_driver("IL/voice", "Yom Kippur", XMAS, 0, 0, POOLED, SHARED, "IL")
    assert unseen.values["occurrences"] == 0 and unseen.values["shared_holidays"] == 9
    assert unseen.text.endswith(
        "no past occurrence: the shared effect of IL's 9 observed holidays, −87% on the day"
    )
    assert f"−87{NBSP}% on the day" in word(unseen, DE)
    run = SHARED.assign(scope="run", holidays=14)
    pooled = holiday_driver("IL/voice", "Yom Kippur", XMAS, 0, 0, POOLED, run, "IL")
    assert "14 holidays observed across this run's series" in pooled.text
    closed = holiday_driver("IL/voice", "Yom Kippur", XMAS, 0, 0, POOLED, SHARED, "IL", True)
    assert "forecast closed" in closed.text
    # a stored driver from before the pooled effects words as it did
    old = {k: v for k, v in own.values.items() if k not in ("occurrences", "closed")}
    assert word({"kind": "holiday", "values": old, "text": ""}).endswith("−50% on the day")


def test_a_combination_reason():
    reason = make_statement(
        "combination",
        wape=0.0821,
        members=[
            {"model": "mstl", "weight": 0.45, "wape": 0.096},
            {"model": "regression", "weight": 0.31, "wape": 0.14},
            {"model": "autoets", "weight": 0.24, "wape": 0.18},
        ],
    )
    assert "mstl 45%, regression 31%, autoets 24%" in reason.text
    assert "8.2%" in reason.text and f"8,2{NBSP}%" in word(reason, DE)


def test_a_traffic_driver_in_english_and_german():
    driver = traffic_driver(
        "AR/voice",
        "AR",
        sessions_per_day=12345.6,
        days=28,
        change=0.034,
        scenarios=[(0.5, pd.Timestamp("2026-12-14"))],
        contacts_change=0.0923,
    )
    assert driver.values["scenarios"] == [{"change": 0.5, "start": "2026-12-14"}]
    assert (
        driver.text
        == word(driver, GB)
        == (
            "AR/voice: AR web sessions forecast 12,346/day over the next 28 days, +3% vs the last "
            "28 days (scenario: +50% from Mon, 14 Dec 2026); +10% sessions -> about +9% contacts"
        )
    )
    assert word(driver, DE) == (
        f"AR/voice: AR web sessions forecast 12.346/day over the next 28 days, +3{NBSP}% vs the "
        f"last 28 days (scenario: +50{NBSP}% from Mo., 14. Dez. 2026); +10{NBSP}% sessions -> "
        f"about +9{NBSP}% contacts"
    )
    # no sessions in the last days: no change to state (not "+nan%")
    quiet = traffic_driver("AR/voice", "AR", 10.0, 7, float("nan"), [], None)
    assert quiet.values["change"] is None
    assert quiet.text == "AR/voice: AR web sessions forecast 10/day over the next 7 days"


def test_reasons_and_notes_with_numbers_and_dates():
    reason = make_statement("lowest_wape", wape=0.1234)
    assert (reason.code, reason.values) == ("lowest_wape", {"wape": 0.1234})
    assert str(reason) == reason.text == "lowest back-test WAPE, 12.3%"
    assert word(reason, DE) == f"lowest back-test WAPE, 12,3{NBSP}%"
    assert make_statement("user_choice").text == "user choice"

    short = make_statement(
        "traffic_short",
        series="AR/voice",
        country="AR",
        traffic_start=pd.Timestamp("2024-01-01"),
        traffic_end=pd.Timestamp("2024-03-01"),
        history_start=pd.Timestamp("2023-06-01"),
        history_end=pd.Timestamp("2024-03-01"),
    )
    assert short.values["traffic_start"] == "2024-01-01"
    assert short.text == (
        "AR/voice: traffic for AR covers Mon, 1 Jan 2024 to Fri, 1 Mar 2024, not the history "
        "Thu, 1 Jun 2023 to Fri, 1 Mar 2024; traffic not used"
    )
    assert "covers Mo., 1. Jan. 2024 to Fr., 1. März 2024" in word(short, DE)
    history = make_statement("short_history", series="AR/voice", days=84, needed_days=365)
    assert history.text.startswith("AR/voice: only 84 days of history (< 365)")


def test_every_code_is_worded_from_its_stored_json():
    """A saved run keeps the record as JSON; read back, it words as the original does."""
    entries = [
        christmas(),
        traffic_driver("AR/voice", "AR", 1234.0, 14, -0.1, [], 0.05),
        make_statement("lowest_wape", wape=0.08),
        make_statement("no_backtest"),
        make_statement("closed_holidays", series="HU/voice", holidays=("Christmas Day",)),
        make_statement("model_failed", series="HU/voice", model="prophet", error="boom"),
    ]
    for entry in entries:
        record = (
            {"kind": entry.kind, "text": entry.text, "values": dict(entry.values)}
            if isinstance(entry, Driver)
            else entry.to_dict()
        )
        back = json.loads(json.dumps(record))
        assert back == record  # plain JSON values: nothing changes on the way
        for fmt in (GB, DE):
            assert word(back, fmt) == word(entry, fmt)
        assert word(back) == entry.text
    assert {"holiday", "traffic", "lowest_wape", "short_history", "traffic_short"} <= set(WORDINGS)


def test_older_entries_and_unknown_codes_show_as_stored():
    # runs saved before entries had codes: plain strings, drivers without values
    assert word("HU/voice: closed on Christmas Day in the history; forecast 0 then", DE) == (
        "HU/voice: closed on Christmas Day in the history; forecast 0 then"
    )
    old_driver = {"country": "HU", "channel": "voice", "kind": "holiday", "date": "2026-12-25",
                  "text": "HU/voice: Christmas Day (25 Dec): contacts about +22% ..."}  # fmt: skip
    assert word(old_driver, DE) == old_driver["text"]
    # a code from a newer version, or values this version cannot word
    assert word({"code": "new_idea", "values": {"x": 1}, "text": "as saved"}, DE) == "as saved"
    assert word({"code": "lowest_wape", "values": {}, "text": "as saved"}, DE) == "as saved"
    assert word(Statement("lowest_wape", {"wape": "high"}, "as saved"), DE) == "as saved"


def test_statements_compare_and_hash():
    a, b = make_statement("lowest_wape", wape=0.1), make_statement("lowest_wape", wape=0.1)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert hash(christmas()) == hash(christmas())
    with pytest.raises(ValueError, match="no wording for forecast note code 'no_such_code'"):
        make_statement("no_such_code")


def test_a_series_holiday_drivers_are_each_holiday_s_driver():
    days = [
        ("Christmas Day", XMAS, 3, 1, False),
        ("Yom Kippur", XMAS + pd.Timedelta(days=2), 0, 0, True),
        ("Christmas Day", XMAS + pd.Timedelta(days=365), 0, 2, False),
    ]
    many = holiday_drivers("IL/voice", days, POOLED, SHARED, "IL")
    assert many == [holiday_driver("IL/voice", *d[:4], POOLED, SHARED, "IL", d[4]) for d in days]
    assert [d.values for d in many] == [
        holiday_driver("IL/voice", *d[:4], POOLED, SHARED, "IL", d[4]).values for d in days
    ]
    assert many[1].values["closed"] and many[0].values["occurrences"] == 3
    assert holiday_drivers("IL/voice", days[:1], None)[0].values["estimated"] is False
