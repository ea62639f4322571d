"""The signal registry: one signature, one decorator, one loop, and the helpers signals share.

Every signal has one signature, ``signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame``,
is registered with :func:`register_signal`, and is run by the one loop in
:func:`compute_signals` (the pattern of Prophet's ``register_performance_metric``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wellbeing.errors import require_columns
from wellbeing.reasons import Reason
from wellbeing.signals.context import SignalContext
from wellbeing.thresholds import DEFAULT_THRESHOLDS, FAMILIES, Thresholds

SIGNAL_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "signal",
    "family",
    "severity",
    "value",
    "threshold",
    "reason",
)
SignalFunc = Callable[["SignalContext", Thresholds], pd.DataFrame]


@dataclass(frozen=True)
class SignalSpec:
    """A registered signal: its name, family (for the score) and function."""

    name: str
    family: str
    func: SignalFunc
    description: str


SIGNALS: dict[str, SignalSpec] = {}
#: Signals no longer run, by family, so that flags stored with them still group right
#: (``sick_days``: total days weigh long illness; see :func:`wellbeing.signals.sick_days_signal`).
RETIRED_SIGNALS: dict[str, str] = {"sick_days": "absence"}


def register_signal(
    name: str, *, family: str, replace: bool = False
) -> Callable[[SignalFunc], SignalFunc]:
    """Register a signal function under ``name`` in :data:`SIGNALS`.

    Parameters
    ----------
    name : str
        Signal name, used in the output's ``signal`` column.
    family : str
        One of :data:`wellbeing.thresholds.FAMILIES`; within a family only the strongest
        signal of an agent counts towards the score.
    replace : bool, default False
        Allow replacing a signal already registered under ``name``.

    Returns
    -------
    callable
        A decorator returning the function unchanged.

    Raises
    ------
    ValueError
        If the family is unknown or the name is taken (and ``replace`` is False).
    """
    if family not in FAMILIES:
        raise ValueError(
            f"signal {name!r}: unknown family {family!r}; known: {', '.join(FAMILIES)}"
        )
    if name in SIGNALS and not replace:
        raise ValueError(f"a signal named {name!r} is already registered")

    def decorator(func: SignalFunc) -> SignalFunc:
        doc = (func.__doc__ or "").strip().splitlines()
        SIGNALS[name] = SignalSpec(name, family, func, doc[0] if doc else "")
        return func

    return decorator


def signal_families(signal_names: Iterable[str]) -> frozenset[str]:
    """The families of the named signals (a name not registered stands for itself).

    Parameters
    ----------
    signal_names : iterable of str
        Names as in the ``signal`` column (or a stored flag's ``signals`` list).

    Returns
    -------
    frozenset of str
    """
    return frozenset(
        SIGNALS[s].family if s in SIGNALS else RETIRED_SIGNALS.get(s, s) for s in signal_names
    )


def empty_signals() -> pd.DataFrame:
    """An empty signal frame with the columns and dtypes of :data:`SIGNAL_COLUMNS`."""
    return pd.DataFrame(
        {
            "agent_id": pd.Series(dtype=str),
            "signal": pd.Series(dtype=str),
            "family": pd.Series(dtype=str),
            "severity": pd.Series(dtype=float),
            "value": pd.Series(dtype=float),
            "threshold": pd.Series(dtype=float),
            "reason": pd.Series(dtype=object),
        }
    )


def compute_signals(
    ctx: SignalContext,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    names: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Run the registered signals and stack their rows.

    Parameters
    ----------
    ctx : SignalContext
        Inputs, from :func:`make_signal_context`.
    thresholds : Thresholds, optional
        Thresholds and windows.
    names : iterable of str, optional
        Signals to run (default: all in :data:`SIGNALS`, in registration order).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SIGNAL_COLUMNS`, one row per fired signal (per metric for
        ``performance_decline``), sorted by agent order then severity (descending).

    Raises
    ------
    ValueError
        If a name is not a registered signal.
    """
    selected = list(SIGNALS) if names is None else list(names)
    unknown = [n for n in selected if n not in SIGNALS]
    if unknown:
        raise ValueError(
            f"unknown signal(s) {', '.join(unknown)}; registered: {', '.join(SIGNALS)}"
        )
    frames = []
    for name in selected:
        spec = SIGNALS[name]
        out = spec.func(ctx, thresholds)
        require_columns(
            out, f"signal {name!r} output", [c for c in SIGNAL_COLUMNS if c != "family"]
        )
        if len(out):
            reasons = out["reason"].map(_as_reason)
            frames.append(out.assign(family=spec.family, reason=reasons)[list(SIGNAL_COLUMNS)])
    if not frames:
        return empty_signals()
    signals = pd.concat(frames, ignore_index=True)
    order = ctx.codes(signals["agent_id"])
    signals = signals.assign(_order=order).sort_values(
        ["_order", "severity"], ascending=[True, False], kind="stable"
    )
    return signals.drop(columns="_order").reset_index(drop=True)


def _as_reason(reason: Any) -> Reason:
    """A signal's reason as a :class:`Reason` (a plain sentence: without a code, as it is)."""
    return reason if isinstance(reason, Reason) else Reason(None, {}, str(reason))


def signal_rows(
    agent_ids: Iterable[str],
    signal: str,
    severity: Iterable[float],
    value: Iterable[float],
    threshold: Iterable[float] | float,
    reasons: Iterable[Reason],
) -> pd.DataFrame:
    """Build a signal's output frame (``family`` is added by :func:`compute_signals`)."""
    ids = list(agent_ids)
    return pd.DataFrame(
        {
            "agent_id": pd.Series(ids, dtype=str),
            "signal": signal,
            "severity": np.asarray(list(severity), dtype=float).reshape(-1),
            "value": np.asarray(list(value), dtype=float).reshape(-1),
            "threshold": np.broadcast_to(np.asarray(threshold, dtype=float), (len(ids),)),
            "reason": pd.Series(list(reasons), dtype=object),
        }
    )


def ramp(value: np.ndarray | float, start: float, full: float, top: float = 1.0) -> np.ndarray:
    """Severity on ``[0.5, top]``: 0.5 where a rule just fires (``start``), ``top`` at ``full``."""
    span = max(full - start, 1e-12)
    return 0.5 + (top - 0.5) * np.clip((np.asarray(value, dtype=float) - start) / span, 0.0, 1.0)
