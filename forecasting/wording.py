"""A run's notes, drivers and pick reasons kept as data, and worded in the reader's locale.

A forecast run says why it forecast what it did: notes (short histories, unused traffic, closed
days), drivers (holiday effects, the traffic trend) and the reason each series' model was
picked. Each is kept as a stable ``code`` with the values it states (numbers as numbers, dates
as ISO strings, names as text) and its English sentence, so a saved run can be worded again
for whoever reads it: :func:`word` writes one for a :class:`formats.Formats`, measure once and
word at display, as the Overview does.

The English sentence (``text``) is what the default ``Formats()`` words; the CLI, the
benchmarks and file exports keep to it. Entries saved before they had codes are plain strings
(notes, reasons) or dicts without ``values`` (drivers); :func:`word` gives them as stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from formats import Formats
from formats.statements import ENGLISH, Statement, Wordings, plain_value

# A run's note or a pick's reason is a formats.statements.Statement: a stable code (e.g.
# "short_history", "lowest_wape"), the values it states and the English sentence.
#: code -> the function that words an entry's values in a locale (``@register_wording(code)``).
WORDINGS = Wordings("forecast note")
register_wording = WORDINGS.register


@dataclass(frozen=True)
class Driver:
    """One reason behind the forecast, with the values it states and its English sentence.

    Parameters
    ----------
    unique_id : str
        Series key.
    kind : str
        ``"holiday"`` or ``"traffic"`` (the code :func:`word` words it by).
    date : pandas.Timestamp or None
        The holiday's date (``None`` for traffic).
    text : str
        The sentence in English, e.g. ``"HU/phone: Christmas Day (25 Dec): contacts about
        +35% in the 3 days before, −60% on the day"``.
    values : mapping
        The numbers and dates of the sentence (JSON values, see :func:`holiday_driver` and
        :func:`traffic_driver`).
    """

    unique_id: str
    kind: str
    date: pd.Timestamp | None
    text: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.unique_id, self.kind, self.date, self.text))


Entry = Statement | Driver | Mapping[str, Any] | str


def word(entry: Entry, fmt: Formats = ENGLISH) -> str:
    """An entry as a sentence with ``fmt``'s numbers and dates.

    Parameters
    ----------
    entry : Statement, Driver, mapping or str
        A run's note, driver or pick reason: as the pipeline makes it, or as a saved run keeps
        it (a ``{"code" or "kind", "values", "text"}`` mapping; a plain string from older runs).
    fmt : Formats
        The reader's locale; the default is the English of the stored sentences.

    Returns
    -------
    str
        The sentence. Entries without values (older runs), with a code this version does not
        know or with values it cannot word come back as stored (their ``text``).

    Examples
    --------
    >>> reason = make_statement("lowest_wape", wape=0.123)
    >>> reason.text, word(reason, Formats("de_DE"))
    ('lowest back-test WAPE, 12.3%', 'lowest back-test WAPE, 12,3\\xa0%')
    """
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Statement):
        code, values, text = entry.code, entry.values, entry.text
    elif isinstance(entry, Driver):
        code, values, text = entry.kind, entry.values, entry.text
    elif isinstance(entry, Mapping):
        code = entry.get("code", entry.get("kind"))
        values, text = entry.get("values"), str(entry.get("text", ""))
    else:
        return str(entry)
    return WORDINGS.word(None if code is None else str(code), values, fmt, text)


def make_statement(code: str, **values: Any) -> Statement:
    """A :class:`Statement` with its English text; values become JSON values (ISO dates,
    plain numbers, ``None`` for NaN, lists for tuples) so that a saved run reads the same."""
    return WORDINGS.make(code, **values)


def holiday_driver(
    unique_id: str,
    holiday: str,
    day: pd.Timestamp,
    pre_days: int,
    post_days: int,
    effects: pd.DataFrame | None,
    shared: pd.DataFrame | None = None,
    country: str | None = None,
    closed: bool = False,
) -> Driver:
    """A holiday in the horizon with its effect and where the number comes from.

    Parameters
    ----------
    unique_id : str
        Series key.
    holiday : str
        The holiday's name.
    day : pandas.Timestamp
        Its date.
    pre_days, post_days : int
        Days of its window before and after the day (``pre_days`` counts up, e.g. 3).
    effects : pandas.DataFrame or None
        Pooled effects ``holiday, group, effect, occurrences, source``
        (:class:`~forecasting.holiday_effects.HolidayEffects`; ``group`` ``pre``/``on``/``post``;
        ``effect`` a fraction, +0.35 is 35% more contacts), or ``None`` when not estimated.
    shared : pandas.DataFrame or None
        The shared effects ``group, effect, holidays, scope`` the holiday was shrunk toward.
    country : str or None
        The series' country (the shared effect's owner).
    closed : bool
        Forecast closed on the day (see :func:`~forecasting.pipeline.closed_holidays`).

    Returns
    -------
    Driver
        Values ``series, holiday, date, pre_days, post_days, estimated, pre, on, post``
        (effects as fractions; ``None`` where not estimated or outside the window), and
        ``occurrences`` (past occurrences it was learnt from; 0 = the shared effect),
        ``country``, ``shared_on`` (the shared effect on the day), ``shared_holidays``
        (holidays behind it), ``shared_scope`` (``country`` or ``run``) and ``closed``.
    """
    return _HolidayLookup(effects, shared).driver(
        unique_id, holiday, day, pre_days, post_days, country, closed
    )


def holiday_drivers(
    unique_id: str,
    holidays: Iterable[tuple[str, pd.Timestamp, int, int, bool]],
    effects: pd.DataFrame | None,
    shared: pd.DataFrame | None = None,
    country: str | None = None,
) -> list[Driver]:
    """:func:`holiday_driver` for each of a series' holidays ``(holiday, day, pre_days,
    post_days, closed)``: the same drivers, its effects looked up once for all of them."""
    lookup = _HolidayLookup(effects, shared)
    return [
        lookup.driver(unique_id, holiday, day, pre, post, country, closed)
        for holiday, day, pre, post, closed in holidays
    ]


class _HolidayLookup:
    """One series' pooled effects by holiday and its shared effect on the day, found once."""

    def __init__(self, effects: pd.DataFrame | None, shared: pd.DataFrame | None) -> None:
        # (holiday -> {group: effect}, holiday -> occurrences): one row per holiday and group
        self.effect: dict[str, dict[str, Any]] = {}
        self.occurrences: dict[str, int | None] = {}
        if effects is not None and not effects.empty:
            names = effects["holiday"].to_numpy(dtype=object)
            groups = effects["group"].to_numpy(dtype=object)
            effect = effects["effect"].to_numpy()
            occ = effects["occurrences"].to_numpy() if "occurrences" in effects else None
            for i, name in enumerate(names):
                self.effect.setdefault(name, {})[groups[i]] = effect[i]
                if occ is not None:
                    seen = self.occurrences.get(name)
                    self.occurrences[name] = occ[i] if seen is None else max(seen, occ[i])
                else:
                    self.occurrences[name] = None
        sh = shared.set_index("group") if shared is not None and len(shared) else None
        self.has_on = sh is not None and "on" in sh.index
        self.shared_on = float(sh.loc["on", "effect"]) if self.has_on else None
        self.shared_holidays = int(sh.loc["on", "holidays"]) if self.has_on else None
        self.shared_scope = str(sh.loc["on", "scope"]) if self.has_on else None

    def driver(
        self,
        unique_id: str,
        holiday: str,
        day: pd.Timestamp,
        pre_days: int,
        post_days: int,
        country: str | None,
        closed: bool,
    ) -> Driver:
        known = holiday in self.effect
        e = self.effect.get(holiday, {})
        occurrences = self.occurrences.get(holiday) if known else None
        values = _plain_values(
            series=unique_id,
            holiday=holiday,
            date=day,
            pre_days=int(pre_days),
            post_days=int(post_days),
            estimated=bool(known),
            pre=e.get("pre") if pre_days > 0 else None,
            on=e.get("on"),
            post=e.get("post") if post_days > 0 else None,
            occurrences=None if occurrences is None else int(occurrences),
            country=country,
            shared_on=self.shared_on,
            shared_holidays=self.shared_holidays,
            shared_scope=self.shared_scope,
            closed=bool(closed),
        )
        return Driver(unique_id, "holiday", day, WORDINGS.english("holiday", values), values)


def traffic_driver(
    unique_id: str,
    country: str,
    sessions_per_day: float,
    days: int,
    change: float | None,
    scenarios: Sequence[tuple[float, pd.Timestamp]],
    contacts_change: float | None,
) -> Driver:
    """The web traffic forecast for the horizon and what it does to contacts.

    Parameters
    ----------
    unique_id : str
        Series key.
    country : str
        The traffic's country.
    sessions_per_day : float
        Mean forecast sessions per day over the horizon.
    days : int
        The horizon's days.
    change : float or None
        The forecast sessions against the last ``days`` days (a fraction; ``None`` without
        sessions then).
    scenarios : sequence of (change, start)
        Planned changes applied to the forecast (fractions from a day on).
    contacts_change : float or None
        The change in contacts for 10% more sessions (a fraction), from the regression.

    Returns
    -------
    Driver
        Values ``series, country, sessions_per_day, days, change, scenarios (change, start),
        contacts_change_at_10pct``.
    """
    values = _plain_values(
        series=unique_id,
        country=country,
        sessions_per_day=sessions_per_day,
        days=int(days),
        change=change,
        scenarios=[{"change": pct, "start": start} for pct, start in scenarios],
        contacts_change_at_10pct=contacts_change,
    )
    return Driver(unique_id, "traffic", None, WORDINGS.english("traffic", values), values)


# --- values as JSON ----------------------------------------------------------------------------


def _plain_values(**values: Any) -> dict[str, Any]:
    return {name: plain_value(value) for name, value in values.items()}


def _day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- drivers -----------------------------------------------------------------------------------


@register_wording("holiday")
def _holiday(v: Mapping[str, Any], fmt: Formats) -> str:
    head = f"{v['series']}: {v['holiday']} ({fmt.day(_day(v['date']))})"
    if v.get("closed"):
        return f"{head}: forecast closed (closed on every past occurrence)"
    if not v["estimated"]:
        return f"{head}: no past occurrence in the history, effect not estimated"
    parts = []
    if v["pre"] is not None:
        before = v["pre_days"]
        when = "the day before" if before == 1 else f"in the {fmt.number(before)} days before"
        parts.append(f"{fmt.signed_percent(v['pre'])} {when}")
    if v["on"] is not None:
        parts.append(f"{fmt.signed_percent(v['on'])} on the day")
    if v["post"] is not None:
        after = v["post_days"]
        when = "the day after" if after == 1 else f"in the {fmt.number(after)} days after"
        parts.append(f"{fmt.signed_percent(v['post'])} {when}")
    if not parts:
        return f"{head}: effect not estimated"
    text = f"{head}: contacts about " + ", ".join(parts)
    occurrences = v.get("occurrences")
    if occurrences is None:  # runs saved before the pooled effects
        return text
    if occurrences > 0:
        times = "occurrence" if occurrences == 1 else "occurrences"
        return f"{text}; learnt from {fmt.number(occurrences)} past {times}"
    return f"{text}; no past occurrence: {_shared_source(v, fmt)}"


def _shared_source(v: Mapping[str, Any], fmt: Formats) -> str:
    count = fmt.number(v.get("shared_holidays") or 0)
    on = v.get("shared_on")
    effect = "" if on is None else f", {fmt.signed_percent(on)} on the day"
    if v.get("shared_scope") == "run":
        return (
            f"the shared effect of the {count} holidays observed across this run's series{effect}"
        )
    return f"the shared effect of {v.get('country') or 'the country'}'s {count} observed holidays{effect}"


@register_wording("traffic")
def _traffic(v: Mapping[str, Any], fmt: Formats) -> str:
    days = fmt.number(v["days"])
    text = (
        f"{v['series']}: {v['country']} web sessions forecast "
        f"{fmt.number(v['sessions_per_day'])}/day over the next {days} days"
    )
    if v["change"] is not None:
        text += f", {fmt.signed_percent(v['change'])} vs the last {days} days"
    if v["scenarios"]:
        text += (
            " (scenario: "
            + "; ".join(
                f"{fmt.signed_percent(s['change'])} from {fmt.date(_day(s['start']))}"
                for s in v["scenarios"]
            )
            + ")"
        )
    if v["contacts_change_at_10pct"] is not None:
        text += (
            f"; {fmt.signed_percent(0.1)} sessions -> about "
            f"{fmt.signed_percent(v['contacts_change_at_10pct'])} contacts"
        )
    return text


# --- notes and reasons for a pick ---------------------------------------------------------------

WORDINGS.register_templates(
    {
        # notes
        "no_holiday_calendar": "{series}: no holiday calendar ({error}); holidays not modelled",
        "short_history": (
            "{series}: only {days:number} days of history (< {needed_days:number}); no yearly terms"
        ),
        "model_added": "{series}: {model} added at the user's request despite the short history",
        "no_traffic": "{series}: no web traffic for {country}; traffic not used",
        "traffic_short": (
            "{series}: traffic for {country} covers {traffic_start:date} to {traffic_end:date}, "
            "not the history {history_start:date} to {history_end:date}; traffic not used"
        ),
        "model_failed": "{series}: model {model} failed and was skipped ({error})",
        "closed_holidays": "{series}: closed on {holidays:list} in the history; forecast 0 then",
        "requested_model_failed": (
            "{series}: requested model {model} did not fit; picked automatically"
        ),
        "too_short_to_backtest": "{series}: history too short for a back-test; using {model}",
        # reasons for a pick
        "user_choice": "user choice",
        "no_backtest": "no back-test possible",
        "holidays_pooled": (
            "{series}: only {observed:number} holidays of {country} in the history "
            "(< {needed:number}); the shared holiday effect is pooled over the "
            "{holidays:number} holidays observed across this run's series"
        ),
        "lowest_wape": "lowest back-test WAPE, {wape:percent 1}",
    }
)


@register_wording("combination")
def _combination(v: Mapping[str, Any], fmt: Formats) -> str:
    members = ", ".join(f"{m['model']} {fmt.percent(m['weight'], 0)}" for m in v["members"])
    return (
        f"back-test-weighted combination of {members}; back-test WAPE {fmt.percent(v['wape'], 1)}"
    )
