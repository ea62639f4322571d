"""Shared UI plumbing: the cached store, who is signed in, cached loaders, small helpers."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

from data.access import (
    AccessDenied,
    Permission,
    Principal,
    Role,
    discard_setup_token,
    new_setup_token,
    require,
    session_key,
)
from data.config import get_settings
from data.store import Store, TableSummary, open_store
from data.summaries import daily_totals, inputs_version
from data.users import account_principal, principal_for_session_token
from formats import Formats, date_input_format, resolve_locale, vega_locale

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

DEMO_ROLE_KEY = "demo_role"
PRINCIPAL_KEY = "principal"
#: The signed sign-in token of a local account, in the session and in the address (?session=).
SESSION_TOKEN_KEY = "session_token"
SESSION_PARAM = "session"
#: Why the last sign-in ended, shown once on the sign-in screen.
SIGNED_OUT_KEY = "signed_out_reason"

LOG = get_logger("crewcast.setup")  # Streamlit's handler: the line shows in the server's log
_seed_lock = threading.Lock()


@st.cache_resource(show_spinner="Opening the database...")
def get_store() -> Store:
    """Open the configured database once per server.

    Nothing is seeded: an empty database gets the first-run choice (the sample or an empty
    start, :func:`seed_sample_once`). While no account exists, a fresh one-time setup token for
    the first admin is printed in the server's log and written to ``<data dir>/setup-token``
    (mode 0600), as notebook servers do; ``serve.py``'s warm-up opens the store as the server
    starts, so the token is in the log from the start.
    """
    store = open_store()
    data_dir = get_settings().data_dir
    if store.has_users():
        discard_setup_token(data_dir)
    else:
        token, path = new_setup_token(data_dir)
        LOG.warning(
            "No Crewcast account yet. To create the first admin in the browser, use the setup "
            "token %s (also in %s, readable by you only; it works once). Or run: "
            ".venv/bin/crewcast user add NAME --role admin",
            token,
            path,
        )
    return store


def first_run() -> bool:
    """True before anything happened: no data and no account (the first-run choice shows)."""
    store = get_store()
    return store.is_empty() and not store.has_users()


def seed_sample_once() -> None:
    """Seed the sample (with the Overview's baseline) unless someone else just did."""
    from services.sample import seed_sample  # generator and forecaster: loaded when asked for

    store = get_store()
    with _seed_lock:  # two first visitors clicking at once seed once
        if store.is_empty():
            seed_sample(store)
    bump_data_version()


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


class _Unvalidated:
    """An Altair chart whose ``to_dict()`` skips the check against the Vega-Lite schema."""

    def __init__(self, chart) -> None:
        self.chart = chart

    def to_dict(self) -> dict:
        return self.chart.to_dict(validate=False)


#: Where :func:`show_chart` was called from (file, line) with a chart already validated in
#: this process.
_VALIDATED: set[tuple[str, int]] = set()


def vega_lite_spec(chart, *, validate: bool = True) -> dict:
    """The Vega-Lite spec ``st.altair_chart`` draws for ``chart`` (its data as Arrow datasets),
    made by Streamlit's own conversion; ``validate=False`` skips the check against the
    Vega-Lite schema."""
    from streamlit.elements import vega_charts  # the conversion st.altair_chart makes

    return vega_charts._convert_altair_to_vega_lite_spec(chart if validate else _Unvalidated(chart))


def show_chart(chart, *, key: str | None = None) -> None:
    """Draw an Altair chart full width, its axes and tooltips in the viewer's locale.

    Drawn as ``st.altair_chart`` draws it, but its spec is checked against the Vega-Lite
    schema only the first time each call site draws in this process (a page's first run, and
    so in every AppTest): the check was a third to a half of a chart's server time on every
    rerun (50-100 ms a chart under load) for charts built the same way each time.
    """
    chart = chart.configure(locale=vega_locale(formats().locale))
    caller = sys._getframe(1)
    site = (caller.f_code.co_filename, caller.f_lineno)
    spec = vega_lite_spec(chart, validate=site not in _VALIDATED)
    _VALIDATED.add(site)
    st.vega_lite_chart(spec=spec, width="stretch", key=key)


def show_built_chart(build: Callable[..., Any], *args: Any, key: str | None = None) -> None:
    """``show_chart(build(*args))``, the chart built, converted and checked once per ``args``
    and locale, not on every run: a page switch draws the same charts again, and building
    and converting them was most of a page's server time (0.15-0.3 s for the Data page's two).

    ``build`` is a chart builder defined at a module's or page's top level (its file and name
    key the cache) and ``args`` what it draws from (frames, numbers, a
    :class:`~formats.Formats`): all of it is hashed.
    """
    name = f"{build.__code__.co_filename}:{build.__qualname__}"
    spec = _built_spec(name, formats().locale, args, build)
    st.vega_lite_chart(spec=spec, width="stretch", key=key)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _built_spec(name: str, locale: str, args: tuple, _build: Callable[..., Any]) -> dict:
    chart = _build(*args).configure(locale=vega_locale(locale))
    return vega_lite_spec(chart)


def demo_mode() -> bool:
    """Demo mode: the database holds the bundled sample alone and nobody has an account.

    It ends by itself once real data are imported or the first account is created. The demo
    visitor may look at everything a role sees, but never change accounts or settings
    (:data:`data.access.DEMO_READ_ONLY`).
    """
    store = get_store()
    return not store.is_empty() and store.holds_sample_only() and not store.has_users()


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


def remember_sign_in(token: str) -> None:
    """Keep a local sign-in across reloads: the signed token in the session and the address."""
    st.session_state[SESSION_TOKEN_KEY] = token
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.query_params[SESSION_PARAM] = token


def forget_sign_in(reason: str | None = None) -> None:
    """Drop this session's sign-in (token, principal, the address's token)."""
    for key in (SESSION_TOKEN_KEY, PRINCIPAL_KEY, "sign_in_user", "sign_in_password"):
        st.session_state.pop(key, None)
    if SESSION_PARAM in st.query_params:
        del st.query_params[SESSION_PARAM]
    if reason:
        st.session_state[SIGNED_OUT_KEY] = reason


def _token_user(store: Store, token: str) -> Principal | None:
    principal = principal_for_session_token(store, token, session_key(get_settings().data_dir))
    if principal is None:
        forget_sign_in(
            "Your sign-in has ended (it expired, you signed out, or your account was changed "
            "or removed). Sign in again."
        )
        return None
    if st.session_state.get(SESSION_TOKEN_KEY) != token:
        st.session_state[SESSION_TOKEN_KEY] = token
    if st.query_params.get(SESSION_PARAM) != token:  # a page change clears the address's
        st.query_params[SESSION_PARAM] = token
    return principal


def current_user() -> Principal | None:
    """The signed-in user, the demo visitor in demo mode, or None (the sign-in form shows).

    The one place that decides who is acting: ``app.py``'s sign-in and every page ask here.
    The account is read from the database on every run, not remembered: a user removed or
    given another role since signing in loses what they had at once, and the session's
    :func:`session_memo` with it.
    """
    viewer = _acting_user()
    _memo_of(viewer)  # a session that changed hands keeps nothing of the previous user's
    return viewer


def _acting_user() -> Principal | None:
    store = get_store()
    token = st.session_state.get(SESSION_TOKEN_KEY) or st.query_params.get(SESSION_PARAM)
    if token and not oidc_configured():
        principal = _token_user(store, token)
        if principal is not None:
            return principal
    principal = st.session_state.get(PRINCIPAL_KEY)
    if isinstance(principal, Principal) and not principal.demo:
        if not oidc_configured():
            # Only server-side code puts a principal here without OIDC (tests sign in this
            # way); a browser's local sign-in is always the token above.
            return principal
        now = account_principal(store, principal.username)  # an OIDC sign-in
        if now is None or now.role != principal.role:
            st.session_state.pop(PRINCIPAL_KEY, None)  # signs in again with what is current
            return None
        return now
    if demo_mode() and not oidc_configured():  # OIDC, once configured, always signs in
        return demo_principal()
    return None


def who_later() -> Callable[[], Principal | None]:
    """How to ask "who is acting?" again later, outside this page run.

    A download built when clicked runs on a thread of its own, after the run that drew its
    button: the check it makes must not trust what was true then. A local sign-in's token is
    read against the account and the audit log as they are at that moment (signed out,
    removed or changed: nobody); an OIDC or server-side principal against its account; the
    demo visitor only while demo mode lasts (no account exists yet).
    """
    principal = current_user()
    if principal is None:
        return lambda: None
    store = get_store()
    if principal.demo:
        return lambda: None if store.has_users() else principal
    token = st.session_state.get(SESSION_TOKEN_KEY)
    if token and not oidc_configured():
        key = session_key(get_settings().data_dir)
        return lambda: principal_for_session_token(store, token, key)
    return lambda: account_principal(store, principal.username)


def require_page(permission: Permission, *, look_only: bool = False) -> Principal:
    """The current user if they may use this page; otherwise say so and stop the page here.

    Every page calls this first, so a page's address typed by hand gets no further than the
    navigation would have let it. ``look_only``: the demo visitor may see the page, though its
    actions are refused (see :func:`data.access.require`).
    """
    principal = current_user()
    try:
        return require(principal, permission, look_only=look_only)
    except AccessDenied as exc:
        st.error(f"Access refused: {exc}.", icon=":material/block:")
        st.stop()
        raise  # st.stop() raises; this line is for type checkers


MEMO_KEY = "session_memo"
"""Session key of :func:`session_memo`'s results."""

T = TypeVar("T")


@dataclass
class _SessionMemo:
    """What :func:`session_memo` keeps: whose it is, and per name the results by key (oldest
    first)."""

    owner: tuple[str, str, bool]
    held: dict[str, dict[Hashable, Any]] = field(default_factory=dict)


def _memo_of(viewer: Principal | None) -> _SessionMemo | None:
    """This session's memo for ``viewer``; another user's is dropped, and nobody gets none."""
    memo = st.session_state.get(MEMO_KEY)
    owner = None if viewer is None else (viewer.username, viewer.role.value, viewer.demo)
    if isinstance(memo, _SessionMemo) and memo.owner == owner:
        return memo
    if memo is not None:
        del st.session_state[MEMO_KEY]
    if owner is None:
        return None
    memo = _SessionMemo(owner)
    st.session_state[MEMO_KEY] = memo
    return memo


def session_memo(name: str, key: Hashable, compute: Callable[[], T], *, keep: int = 1) -> T:
    """``compute()``, run again only for a ``key`` not held: for the results a page cannot leave
    to ``st.cache_data`` (a read that is audited once per look of this session, not once per
    server; a fit that draws its own progress bar and Stop button).

    The results belong to the signed-in user of this session: when the session changes hands
    (signed out, another user or role, in the same tab) they are dropped, and nobody signed in
    (a removed account) gets nothing. Per ``name`` the newest ``keep`` keys are held. A
    ``compute`` that raises keeps nothing.

    Raises
    ------
    AccessDenied
        Nobody is signed in.
    """
    viewer = current_user()  # makes the memo the viewer's, or drops it
    memo = st.session_state.get(MEMO_KEY)
    if viewer is None or not isinstance(memo, _SessionMemo):
        raise AccessDenied("sign in first")
    held = memo.held.setdefault(name, {})
    if key not in held:
        held[key] = compute()
        while len(held) > keep:  # oldest first: dicts keep insertion order
            held.pop(next(iter(held)))
    return held[key]


def data_version() -> int:
    """Changes whenever an import lands, so cached loaders refresh."""
    return st.session_state.setdefault("data_version", 0)


def inputs_key() -> tuple[int, int]:
    """A cache key for what pages read from the stored inputs: the session's data version (an
    import or purge on a page here) and the database's inputs version
    (``data.summaries.inputs_version``: an import from the command line or another server
    process), so neither shows late."""
    return data_version(), inputs_version(get_store())


def bump_data_version() -> None:
    st.session_state["data_version"] = data_version() + 1
    st.cache_data.clear()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_daily_contacts(version: Hashable) -> pd.DataFrame:
    return daily_totals(get_store())  # summed by the database, not from every loaded row


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def load_summary(version: int) -> list[TableSummary]:
    """Rows, date range and countries per input table (counted by the database once per data
    version, not on every rerun: at 2 M contact rows the counts cost about 2 s)."""
    return get_store().summary()


def load_table(kind: str, version: Hashable) -> pd.DataFrame:
    """One input table as the current user may see it (cached per role)."""
    return _load_table(kind, version, current_user())


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _load_table(kind: str, version: Hashable, viewer: Principal | None) -> pd.DataFrame:
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
    none, when the user cleared it); all options when nothing was chosen yet, or when none of
    the kept ones is offered here (countries kept from another page's data, e.g. the largest
    of a web-analytics import, must not hide the only country this page has)."""
    kept = st.session_state.get(FILTERS_KEY, {}).get(name)
    if kept is None:
        return list(options)
    return [o for o in kept if o in options] or (list(options) if kept else [])


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


def render_restored_notice(text: str, key: str, discard: Callable[[], None]) -> None:
    """The "restored from your draft" notice with a Discard button beside it.

    ``text`` says what was restored and from when; ``key`` is the button's widget key;
    ``discard()`` forgets the draft and what the page shows of it (the page then reruns).
    """
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(text, icon=":material/restore:")
    if right.button("Discard", key=key, icon=":material/delete:"):
        discard()
        st.rerun()
