"""Shared UI plumbing: the cached store, who is signed in, cached loaders, small helpers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from data.access import AccessDenied, Permission, Principal, Role, require
from data.config import get_settings
from data.store import Store, open_store
from formats import Formats, date_input_format, resolve_locale, vega_locale

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

DEMO_ROLE_KEY = "demo_role"
PRINCIPAL_KEY = "principal"


@st.cache_resource(
    show_spinner="Opening the database. On the very first start this generates the sample data "
    "and a baseline forecast (about 30 s)..."
)
def get_store() -> Store:
    """Open the configured database once per server; seed the sample data on the first start.

    The spinner shows to every visitor waiting for it, also while the server's warm-up thread
    (``serve.py``) is the one opening it.
    """
    store = open_store()
    if store.is_empty():
        from data.sample import seed_store
        from services.forecasts import ensure_baseline_forecast

        seed_store(store, get_settings().sample_dir)
        ensure_baseline_forecast(store)
    return store


def formats() -> Formats:
    """How this viewer reads numbers and dates: the browser's language (as Streamlit's tables
    and sliders do), else ``CREWCAST_LOCALE``, else British English. Every page writes its
    numbers and dates through this."""
    return Formats(resolve_locale(st.context.locale))


def _set_step(extra: dict[str, Any], step: float) -> None:
    if "step" in extra:  # the step would silently replace the decimals asked for
        raise TypeError("give decimals or step, not both (decimals=None with step=...)")
    extra["step"] = step


def amount_column(
    label: str, help: str | None = None, *, decimals: int | None = 0, **extra: Any
) -> ColumnConfig:
    """A table column of amounts (counts, hours, contacts, seconds) in the viewer's language.

    Streamlit's ``"localized"`` number format follows the browser's language, the locale
    ``formats()`` uses too, so a table's numbers are written as the text around it writes them.
    Streamlit takes the decimals shown from the column's ``step``, hence ``decimals``.

    Parameters
    ----------
    label, help
        The column header and its tooltip.
    decimals
        Digits after the decimal sign: 0 for counts (step 1), 1 for hours or seconds (step 0.1).
        ``None`` sets no step and leaves the decimals to Streamlit; an editable column whose
        entries move in another step passes it as ``step=`` then (half hours: ``step=0.5``).
    **extra
        Further ``st.column_config.NumberColumn`` arguments (``min_value``, ``required``...).
    """
    if decimals is not None:
        _set_step(extra, 10**-decimals)
    return st.column_config.NumberColumn(label, help=help, format="localized", **extra)


def share_column(
    label: str, help: str | None = None, *, decimals: int | None = 1, **extra: Any
) -> ColumnConfig:
    """A table column of shares (fractions, 0.804) written as percentages, 80.4%.

    Streamlit's ``"percent"`` format follows the browser's language, as ``formats().percent``
    does, so tables and text agree; its decimals come from the ``step`` of the fraction (0.001
    for one decimal of a percentage), hence ``decimals``.

    Parameters
    ----------
    label, help
        The column header and its tooltip.
    decimals
        Digits after the decimal sign of the percentage: 1 (step 0.001) or 0 (step 0.01).
        ``None`` sets no step and leaves the decimals to Streamlit.
    **extra
        Further ``st.column_config.NumberColumn`` arguments (``min_value``, ``required``...).
    """
    if decimals is not None:
        _set_step(extra, 10 ** -(decimals + 2))
    return st.column_config.NumberColumn(label, help=help, format="percent", **extra)


def show_chart(chart, *, key: str | None = None) -> None:
    """Draw an Altair chart full width, its axes and tooltips in the viewer's locale."""
    st.altair_chart(chart.configure(locale=vega_locale(formats().locale)), width="stretch", key=key)


def demo_mode() -> bool:
    """Demo mode: the database holds the bundled sample alone and nobody has an account.

    It ends by itself once real data are imported or the first account is created.
    """
    store = get_store()
    return store.holds_sample_only() and not store.has_users()


def oidc_configured() -> bool:
    """True when the app's secrets hold an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def demo_principal() -> Principal:
    """The demo visitor in the role chosen in the sidebar, kept in the address too (``?as=hr``)
    so that a reload or a shared link keeps it."""
    roles = [r.value for r in Role]
    role = st.session_state.get(DEMO_ROLE_KEY)
    if role not in roles:  # first run of the session: app.py asks before the widget exists
        role = st.query_params.get("as")
        role = role if role in roles else Role.PLANNER.value
        st.session_state[DEMO_ROLE_KEY] = role
    if st.query_params.get("as") != role:
        st.query_params["as"] = role
    return Principal("demo", role, "Demo visitor", demo=True)


def current_user() -> Principal | None:
    """The signed-in user, the demo visitor in demo mode, or None (the sign-in form shows).

    The one place that decides who is acting: ``app.py``'s sign-in and every page ask here.
    """
    principal = st.session_state.get(PRINCIPAL_KEY)
    if isinstance(principal, Principal):
        return principal
    if demo_mode() and not oidc_configured():  # OIDC, once configured, always signs in
        return demo_principal()
    return None


def require_page(permission: Permission) -> Principal:
    """The current user if they may use this page; otherwise say so and stop the page here.

    Every page calls this first, so a page's address typed by hand gets no further than the
    navigation would have let it.
    """
    principal = current_user()
    try:
        return require(principal, permission)
    except AccessDenied as exc:
        st.error(f"Access refused: {exc}.", icon=":material/block:")
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


def data_version() -> int:
    """Changes whenever an import lands, so cached loaders refresh."""
    return st.session_state.setdefault("data_version", 0)


def bump_data_version() -> None:
    st.session_state["data_version"] = data_version() + 1
    st.cache_data.clear()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_daily_contacts(version: int) -> pd.DataFrame:
    return get_store().daily_contacts()


def load_table(kind: str, version: int) -> pd.DataFrame:
    """One input table as the current user may see it (cached per role)."""
    return _load_table(kind, version, current_user())


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _load_table(kind: str, version: int, viewer: Principal | None) -> pd.DataFrame:
    if viewer is None:
        raise AccessDenied("sign in first")
    return get_store().load(kind, viewer)


FILTERS_KEY = "shared_filters"
"""Countries, channels and the planning period chosen in the sidebar, kept across pages (widget
state is not)."""

PERIOD_KEY = "filter_period"
#: The planning period until one is chosen: the overview's eight weeks from today.
DEFAULT_PERIOD_DAYS = 56


def kept_filter(name: str, options: list[str]) -> list[str]:
    """The kept choice for ``name`` (``countries`` or ``channels``) among ``options`` (maybe
    none); all options when nothing was chosen yet."""
    kept = st.session_state.get(FILTERS_KEY, {}).get(name)
    return list(options) if kept is None else [o for o in kept if o in options]


def kept_or(name: str, options: list[str], fallback: list[str]) -> list[str]:
    """The kept choice for ``name`` among ``options`` if the user made one, else ``fallback``."""
    kept = st.session_state.get(FILTERS_KEY, {}).get(name)
    if kept is None:
        return list(fallback)
    return [o for o in kept if o in options] or list(fallback)


def remember_filter(name: str, key: str) -> None:
    """``on_change`` of a page's own selector: its choice becomes the kept one for every page."""
    st.session_state.setdefault(FILTERS_KEY, {})[name] = list(st.session_state[key])


def shared_filters(
    countries: list[str], channels: list[str] | None = None
) -> tuple[list[str], list[str] | None]:
    """Country (and channel) filters in the sidebar, carried from page to page."""
    chosen: list[list[str] | None] = []
    with st.sidebar:
        for name, label, options in (
            ("countries", "Countries", countries),
            ("channels", "Channels", channels),
        ):
            if options is None:
                chosen.append(None)
                continue
            key = f"filter_{name}"
            # Widget state does not survive a page change: seed it from the kept choice each run.
            st.session_state[key] = kept_filter(name, options)
            chosen.append(
                st.multiselect(
                    label,
                    options,
                    key=key,
                    on_change=remember_filter,
                    args=(name, key),
                    help="Kept as you move between pages.",
                )
            )
    return chosen[0] or [], chosen[1]


def kept_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The kept planning period clipped to ``first..last``; eight weeks from ``first`` when
    nothing was chosen yet or the kept one lies wholly outside."""
    kept = st.session_state.get(FILTERS_KEY, {}).get("period")
    default = (first, min(last, first + dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)))
    if not kept or len(kept) != 2 or kept[1] < first or kept[0] > last:
        return default
    return max(kept[0], first), min(kept[1], last)


def _remember_period() -> None:
    chosen = st.session_state[PERIOD_KEY]
    if len(chosen) == 2:  # the picker reports the first click (start only) too
        st.session_state.setdefault(FILTERS_KEY, {})["period"] = list(chosen)


def shared_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The planning period (dates of the coming weeks) in the sidebar, carried from page to page.

    The Overview, Forecast, Staffing and Schedule pages show and plan these days; each page
    passes the days it can show (``first..last``) and the kept choice is clipped to them.
    """
    kept = kept_period(first, last)
    current = st.session_state.get(PERIOD_KEY)
    if not current or len(current) == 2 or current[0] < first or current[0] > last:
        st.session_state[PERIOD_KEY] = kept  # seed it, unless a range is half picked
    chosen = st.sidebar.date_input(
        "Planning period",
        min_value=first,
        max_value=last,
        key=PERIOD_KEY,
        on_change=_remember_period,
        format=date_input_format(formats().locale),
        help="The coming days the Overview, Forecast, Staffing and Schedule pages show and plan. "
        "Kept as you move between pages.",
    )
    return (chosen[0], chosen[1]) if len(chosen) == 2 else kept
