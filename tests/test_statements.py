"""Statements kept as data: made in English, worded in any locale, read back as stored."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from formats import Formats
from formats.statements import STYLES, Statement, Template, Wordings, plain_value

WORDS = Wordings("test note")


@WORDS.register("busy", "quiet")
def _busy(values, fmt: Formats) -> str:
    return f"{fmt.number(values['contacts'])} contacts on {fmt.day(dt.date.fromisoformat(values['day']))}"


def test_made_in_english_and_worded_in_the_readers_locale():
    note = WORDS.make("busy", contacts=np.int64(12_345), day=pd.Timestamp("2026-12-24 10:00"))
    assert note == Statement("busy", {"contacts": 12345, "day": "2026-12-24"}, note.text)
    assert note.text == str(note) == "12,345 contacts on 24 Dec"
    assert WORDS.word(note.code, note.values, Formats("de_DE"), note.text) == (
        "12.345 contacts on 24. Dez."
    )
    assert set(WORDS) == {"busy", "quiet"} and "quiet" in WORDS
    with pytest.raises(ValueError, match="no wording for test note code 'loud'; known: busy"):
        WORDS.make("loud", contacts=1)


def test_what_cannot_be_worded_is_shown_as_stored(caplog):
    german = Formats("de_DE")
    assert WORDS.word(None, {}, german, "an old sentence") == "an old sentence"
    assert WORDS.word("next_year", {"x": 1}, german, "stored") == "stored"
    assert WORDS.word("busy", {"contacts": 1}, german, "stored") == "stored"  # no day
    assert "cannot word" in caplog.text
    assert WORDS.word("busy", ["not", "a", "mapping"], german, "stored") == "stored"


def test_stored_forms_read_back():
    note = WORDS.make("busy", contacts=3, day=dt.date(2026, 1, 6))
    stored = json.loads(json.dumps(note.to_dict()))
    assert WORDS.from_stored(stored) == note
    assert WORDS.from_stored(note) is note
    assert WORDS.from_stored("a plain sentence") == Statement(None, {}, "a plain sentence")
    # a stored object without its text gets the English one
    assert WORDS.from_stored({"code": "busy", "values": stored["values"]}).text == note.text


def test_plain_values_are_json():
    values = {
        "n": np.int32(3),
        "share": np.float64(0.25),
        "missing": float("nan"),
        "never": np.inf,
        "flag": np.bool_(True),
        "when": np.datetime64("2026-03-01T12:00"),
        "day": dt.date(2026, 3, 2),
        "none": pd.NaT,
        "list": (1, "a", None),
        "nested": {1: np.float32(0.5)},
        "other": dt.timedelta(hours=1),
    }
    plain = {k: plain_value(v) for k, v in values.items()}
    assert plain == {
        "n": 3,
        "share": 0.25,
        "missing": None,
        "never": None,
        "flag": True,
        "when": "2026-03-01",
        "day": "2026-03-02",
        "none": None,
        "list": [1, "a", None],
        "nested": {"1": 0.5},
        "other": "1:00:00",
    }
    assert json.loads(json.dumps(plain)) == plain


def _then_closed(values, fmt: Formats) -> str:
    return "; closed" if values.get("closed") else ""


TEMPLATED = Wordings("templated note")
TEMPLATED.register_templates(
    {
        ("short", "shorter"): "{series}: only {days:number} days (< {needed:number 1}) {{sic}}",
        "busy_on": "{share:percent 1} more on {day:day}, the {day:date}: {names:list}",
        "plural": "{n:many spell}",
    },
    {**STYLES, "many": lambda fmt, n, *word: f"{fmt.number(n)} {' '.join(word)}s"},
    then=_then_closed,
)


def test_a_template_fills_in_its_values_in_the_readers_styles():
    note = TEMPLATED.make("short", series="AR/voice", days=1234, needed=365)
    assert note.text == "AR/voice: only 1,234 days (< 365.0) {sic}"
    german = Formats("de_DE")
    assert TEMPLATED.word("shorter", note.values, german, "") == (
        "AR/voice: only 1.234 days (< 365,0) {sic}"
    )
    eve = dt.date(2026, 12, 24)
    busy = TEMPLATED.make("busy_on", share=0.123, day=eve, names=["a", "b"], closed=True)
    english = Formats()
    assert busy.text == f"12.3% more on {english.day(eve)}, the {english.date(eve)}: a, b; closed"
    assert TEMPLATED.make("plural", n=3).text == "3 spells"


def test_a_template_without_a_value_is_shown_as_stored_and_a_bad_field_is_refused(caplog):
    assert TEMPLATED.word("short", {"series": "AR/voice"}, Formats(), "stored") == "stored"
    assert "cannot word" in caplog.text
    for text in ("{days:nope}", "{}", "{days!r}"):
        with pytest.raises(ValueError, match="cannot read the field"):
            Template(text)
    assert Template("{days:number} days")({"days": 2}, Formats()) == "2 days"
