"""Country codes and names: ISO 3166-1 alpha-2 from pycountry, English export names from CLDR."""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry
from babel import Locale

# Web-analytics tools write "(not set)" or similar when they cannot place a visitor.
UNPLACED_MARKERS = frozenset({"(not set)", "(unknown)", "not set", "unknown", "(other)"})

# Former English names that older exports still carry but neither ISO 3166 (pycountry) nor
# CLDR (babel) lists any more, because the country was renamed. Kept short on purpose:
# every other name is resolved by the two libraries.
FORMER_NAMES = {
    "turkey": "TR",  # Türkiye since 2022
    "swaziland": "SZ",  # Eswatini since 2018
    "macedonia (fyrom)": "MK",  # North Macedonia since 2019
    "czech republic": "CZ",  # Czechia since 2016 (CLDR alt name)
    "palestine": "PS",  # CLDR "Palestinian Territories"; ISO "Palestine, State of"
}

# ISO 3166-1 "exceptionally reserved" codes people type instead of the assigned one.
RESERVED_CODE_HINTS = {"UK": "GB", "EL": "GR"}


@dataclass(frozen=True)
class CountryMatch:
    """How one raw country value was resolved.

    ``code`` is the ISO 3166-1 alpha-2 code, or ``None`` when the value is unknown.
    ``outside_iso`` marks names that CLDR knows but ISO 3166-1 does not (Kosovo, XK):
    real traffic, but no national calendar to forecast with.
    """

    raw: str
    code: str | None
    outside_iso: bool = False
    unplaced: bool = False
    hint: str | None = None


def _fold(text: str) -> str:
    """Lower-case, trim and normalise apostrophes and accents-insensitive spacing."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return text.replace("\u2019", "'").replace("`", "'")


@functools.cache
def _name_index() -> tuple[dict[str, str], dict[str, str]]:
    """Map folded names to codes: ISO names (pycountry) and CLDR English names (babel)."""
    iso: dict[str, str] = {}
    prefix_counts: dict[str, list[str]] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                iso[_fold(value)] = c.alpha_2
                if value.lower().startswith("the "):
                    iso[_fold(value[4:])] = c.alpha_2
        # "Palestine, State of" -> "Palestine", only where the prefix is unique.
        prefix = _fold(c.name.split(",")[0])
        prefix_counts.setdefault(prefix, []).append(c.alpha_2)
    for prefix, codes in prefix_counts.items():
        if len(codes) == 1:
            iso.setdefault(prefix, codes[0])
    outside: dict[str, str] = {}
    iso_codes = {c.alpha_2 for c in pycountry.countries}
    for code, name in Locale("en").territories.items():
        if not (len(code) == 2 and code.isalpha()):
            continue  # numeric UN M.49 regions such as "419"
        if code in iso_codes:
            iso.setdefault(_fold(name), code)
        elif code == "XK":  # Kosovo: a user-assigned code used by CLDR, the EU and most tools
            outside[_fold(name)] = code
    for name, code in FORMER_NAMES.items():
        iso.setdefault(name, code)
    return iso, outside


def resolve_country(raw: str, *, hint: bool = True) -> CountryMatch:
    """Resolve a country code or English name to an ISO 3166-1 alpha-2 code.

    Parameters
    ----------
    raw : str
        A code ("AR", "arg") or a name as web-analytics tools export it ("United Kingdom",
        "Bosnia & Herzegovina", "Côte d’Ivoire").
    hint : bool
        Whether an unknown value gets its ``hint`` now (:func:`country_hint` gives it later).

    Returns
    -------
    CountryMatch
        ``code`` set when recognised; otherwise ``hint`` suggests the likely code.
    """
    value = "" if raw is None else str(raw)
    folded = _fold(value)
    if folded in UNPLACED_MARKERS:
        return CountryMatch(value, None, unplaced=True)
    iso, outside = _name_index()
    if folded in iso:
        return CountryMatch(value, iso[folded])
    if folded in outside:
        return CountryMatch(value, outside[folded], outside_iso=True)
    return CountryMatch(value, None, hint=country_hint(value) if hint else None)


@functools.cache
def _hint_index() -> tuple[dict[str, str], tuple[str, ...], dict[str, str]]:
    """Built once per process: folded country names (ISO and CLDR) -> alpha-2, the same names
    as a tuple for close matches, and folded subdivision names -> their country."""
    iso, _ = _name_index()
    names = {k: v for k, v in iso.items() if len(k) > 3}  # codes match exactly or not at all
    subdivisions = {_fold(s.name): s.country_code for s in pycountry.subdivisions}
    return names, tuple(names), subdivisions


@functools.lru_cache(maxsize=8192)
def country_hint(value: str) -> str:
    """A "did you mean" for an unknown country, from the index built once (no scan of
    pycountry per value): a reserved code, a region's country, a name that contains the value
    or is contained in it, or a close spelling (difflib)."""
    upper = value.strip().upper()
    code = RESERVED_CODE_HINTS.get(upper)
    folded = _fold(value)
    names, ordered, subdivisions = _hint_index()
    if code is None and folded in subdivisions:
        code = subdivisions[folded]
    if code is None and len(folded) > 3:
        code = next(
            (names[n] for n in ordered if folded in n or (len(n) > 4 and n in folded)), None
        )
    if code is None and len(folded) > 3:
        close = difflib.get_close_matches(folded, ordered, n=1, cutoff=0.8)
        code = names[close[0]] if close else None
    if code is not None:
        return f"did you mean '{code}' ({country_name(code)})?"
    return "use an ISO 3166-1 alpha-2 code such as 'AR' or 'HU', or an English country name"


def resolve_countries(values: Iterable[str], *, hints: bool = True) -> dict[str, CountryMatch]:
    """Resolve each distinct value once (exports repeat a few hundred names many times)."""
    return {v: resolve_country(v, hint=hints) for v in set(values)}


def country_name(code: str) -> str:
    """English short name for an alpha-2 code, or the code itself when unknown."""
    found = pycountry.countries.get(alpha_2=code)
    return found.name if found else code
