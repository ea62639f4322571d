"""Sentences kept as data: a stable code, the values it states and its English text.

A package that explains its numbers (a flag's reasons, a forecast run's notes) measures once and
records a :class:`Statement`; a :class:`Wordings` registry then writes the same statement for
any reader's :class:`~formats.Formats`, as the Overview does with its texts. The English
``text`` is what the database, the command line and file exports keep, and what a reader sees
when a statement has no code (stored before codes existed), a code this version does not know,
or values its wording cannot read.

A wording is a function, or, for a sentence that only fills in values, a :class:`Template`:
``"{series}: only {days:number} days of history"`` names each value and the style it is
written in (:data:`STYLES`; a package adds its own).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from formats import Formats

logger = logging.getLogger(__name__)

#: The locale of the kept sentences (British English).
ENGLISH = Formats()

Wording = Callable[[Mapping[str, Any], Formats], str]
#: How a template writes a value: ``style(fmt, value, *words)``, the words being what follows
#: the style's name in the field (``{days:number 1}`` -> ``style(fmt, days, "1")``).
Style = Callable[..., str]


def _number(fmt: Formats, value: float | None, decimals: str = "0") -> str:
    return fmt.number(value, int(decimals))


def _percent(fmt: Formats, share: float | None, decimals: str = "0") -> str:
    return fmt.percent(share, int(decimals))


def _date(fmt: Formats, iso: str) -> str:
    return fmt.date(dt.date.fromisoformat(iso))


def _day(fmt: Formats, iso: str) -> str:
    return fmt.day(dt.date.fromisoformat(iso))


def _listed(fmt: Formats, items: list[Any]) -> str:
    return ", ".join(items)


#: The styles every template may use: ``number`` and ``percent`` (optional decimals, default 0),
#: ``date`` (an ISO day with its weekday) and ``day`` (day and month), ``list`` (``a, b``).
STYLES: Mapping[str, Style] = {
    "number": _number,
    "percent": _percent,
    "date": _date,
    "day": _day,
    "list": _listed,
}


class Template:
    """A sentence that fills in values, each in a style: a :data:`Wording`.

    ``{name}`` is the value as text; ``{name:style words}`` is
    ``styles[style](fmt, value, *words)`` (``{spells:count short spell}``). A value missing
    from the statement raises ``KeyError``, which :meth:`Wordings.word` reads as a statement it
    cannot word, as it does for a function.

    Parameters
    ----------
    text : str
        The sentence, with ``{{`` and ``}}`` for braces.
    styles : mapping, default :data:`STYLES`
        The styles its fields may name.

    Raises
    ------
    ValueError
        A field without a name, with a conversion (``!r``) or in a style not in ``styles``.

    Examples
    --------
    >>> note = Template("{series}: only {days:number} days of history")
    >>> note({"series": "AR/voice", "days": 1234}, Formats("de_DE"))
    'AR/voice: only 1.234 days of history'
    """

    def __init__(self, text: str, styles: Mapping[str, Style] = STYLES) -> None:
        self.text = text
        # parsed once: reasons are worded by the thousand
        self._parts: list[tuple[str, str | None, Style | None, tuple[str, ...]]] = []
        for literal, name, spec, conversion in string.Formatter().parse(text):
            if name is None:
                self._parts.append((literal, None, None, ()))
                continue
            style_name, *words = (spec or "").split() or [None]
            if not name or conversion or (style_name is not None and style_name not in styles):
                raise ValueError(f"template {text!r}: cannot read the field {{{name}:{spec}}}")
            style = None if style_name is None else styles[style_name]
            self._parts.append((literal, name, style, tuple(words)))

    def __call__(self, values: Mapping[str, Any], fmt: Formats) -> str:
        out = []
        for literal, name, style, words in self._parts:
            out.append(literal)
            if name is not None:
                value = values[name]
                out.append(str(value) if style is None else style(fmt, value, *words))
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


@dataclass(frozen=True)
class Statement:
    """A sentence as data.

    Attributes
    ----------
    code : str or None
        What kind of statement (a key of its package's :class:`Wordings`); None for a sentence
        stored alone, before codes were kept.
    values : mapping
        The numbers, dates and names it states, as JSON values (:func:`plain_value`).
    text : str
        The sentence in English, as kept.
    """

    code: str | None
    values: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    def __str__(self) -> str:
        return self.text

    def __hash__(self) -> int:  # values is a dict: hash what identifies the sentence
        return hash((self.code, self.text))

    def to_dict(self) -> dict[str, Any]:
        """The stored form: ``{"code": ..., "values": {...}, "text": ...}``."""
        return {"code": self.code, "values": dict(self.values), "text": self.text}


class Wordings:
    """Wording functions ``(values, fmt) -> sentence`` by code: one registry per package.

    Parameters
    ----------
    what : str
        What its statements are, for messages ("reason", "forecast note").
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._functions: dict[str, Wording] = {}

    def register(self, *codes: str) -> Callable[[Wording], Wording]:
        """Decorator: the function words statements with these codes."""

        def add(function: Wording) -> Wording:
            for code in codes:
                self._functions[code] = function
            return function

        return add

    def register_templates(
        self,
        templates: Mapping[str | tuple[str, ...], str],
        styles: Mapping[str, Style] = STYLES,
        *,
        then: Wording | None = None,
    ) -> None:
        """Word the statements of each code (or tuple of codes) by its :class:`Template`, and
        ``then``'s sentence after it (a clause that depends on the values), if given."""
        for codes, text in templates.items():
            template = Template(text, styles)
            wording: Wording = template if then is None else _joined(template, then)
            self.register(*((codes,) if isinstance(codes, str) else codes))(wording)

    def __contains__(self, code: object) -> bool:
        return code in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def english(self, code: str, values: Mapping[str, Any]) -> str:
        """The English sentence of ``values`` (already plain) under ``code``."""
        return self._functions[code](values, ENGLISH)

    def make(self, code: str, **values: Any) -> Statement:
        """A statement with its English sentence; the values become JSON values.

        Raises
        ------
        ValueError
            If no wording is registered for ``code``.
        """
        if code not in self._functions:
            raise ValueError(
                f"no wording for {self.what} code {code!r}; known: {', '.join(self._functions)}"
            )
        plain = {name: plain_value(value) for name, value in values.items()}
        return Statement(code, plain, self.english(code, plain))

    def word(self, code: str | None, values: object, fmt: Formats, stored: str) -> str:
        """The sentence of ``values`` in ``fmt``'s locale, or ``stored`` when there is no
        wording for ``code`` or it cannot read ``values`` (a warning is logged then)."""
        function = self._functions.get(code) if code else None
        if function is None or not isinstance(values, Mapping):
            return stored
        try:
            return function(values, fmt)
        # babel raises decimal.InvalidOperation (an ArithmeticError) for what is not a number
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            logger.warning(
                "%s %r: cannot word %r (%s); showing it as stored", self.what, code, values, exc
            )
            return stored

    def from_stored(self, item: object) -> Statement:
        """A statement from its stored form: a mapping as :meth:`Statement.to_dict` writes, a
        statement, or a plain sentence (rows written before statements had codes)."""
        if isinstance(item, Statement):
            return item
        if isinstance(item, Mapping):
            code = item.get("code") or None
            values = dict(item.get("values") or {})
            text = item.get("text")
            if text is None:
                text = self.word(code, values, ENGLISH, "")
            return Statement(code, values, str(text))
        return Statement(None, {}, str(item))


def _joined(first: Wording, then: Wording) -> Wording:
    def word(values: Mapping[str, Any], fmt: Formats) -> str:
        return first(values, fmt) + then(values, fmt)

    return word


def plain_value(value: Any) -> Any:
    """A JSON value: dates as ISO strings, Python numbers (``None`` for NaN and infinities),
    lists and dicts of them, other things as text."""
    if value is None or isinstance(value, str):
        return value
    if value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.datetime64 | pd.Timestamp | dt.datetime):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    return str(value)
