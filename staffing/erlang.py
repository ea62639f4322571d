"""Erlang C and Erlang A queueing maths, vectorised over arrays of intervals.

Units live in names: ``aht_seconds``, ``answer_target_seconds``, ``patience_seconds``,
``interval_minutes``; traffic is in Erlangs; probabilities and targets are fractions.

Models
------
Erlang C (M/M/N, nobody abandons)
    Traffic ``A = contacts * AHT / interval length``. The Erlang B blocking probability comes from
    the recursion ``B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))`` (stable for thousands of agents,
    never factorials), and the probability of waiting is ``C = N B / (N - A (1 - B))``.
    Service level ``SL(t) = 1 - C exp(-(N - A) t / AHT)``, average speed of answer
    ``ASA = C AHT / (N - A)``, occupancy ``A / N``. Only ``N > A`` is stable: with ``N <= A`` the
    queue grows without bound, so the result says ``stable=False``, ``service_level=0``,
    ``wait_probability=1``, ``asa_seconds=inf`` and ``occupancy=1``.
Erlang A (M/M/N+M, exponential patience)
    The exact stationary distribution of the birth-death chain (arrival rate ``lambda``, death
    rate ``min(k, N) mu + max(k - N, 0) theta`` with ``theta = 1 / patience``), summed until the
    remaining probability is below 1e-15 of the total. Definitions (the same as pyworkforce's):

    * ``wait_probability``: P(an arrival finds all agents busy), by PASTA.
    * ``abandon_probability``: ``theta E[queue] / lambda``.
    * ``asa_seconds``: ``E[queue] / lambda``, the mean time in queue averaged over **all**
      arrivals (answered immediately, answered after a wait, and abandoned).
    * ``service_level`` (basis ``"offered"``, the default and pyworkforce's): contacts answered
      within the target divided by **all** arrivals, so abandoned contacts count as failures.
      Basis ``"answered"`` divides by answered contacts instead (abandoned ones are left out).
    * ``occupancy``: ``lambda (1 - P(abandon)) / (N mu)``, the load actually served.

    A contact that finds ``j`` others waiting ahead of it is answered after ``j + 1`` phases
    (rates ``N mu + m theta``, ``m = j..0``) unless it abandons first; the probability that this
    happens within ``t`` has the closed form ``N / (N + (j + 1) g) * I_x(j + 1, N / g + 1)`` with
    ``g = AHT / patience``, ``x = 1 - exp(-t / patience)`` and ``I`` the regularised incomplete
    beta function (a negative-binomial tail, computed by recursion). As patience grows the
    model reduces to Erlang C.

Staffing (``required_agents``)
    The smallest N meeting every target set (service level, ASA, abandonment), then the
    occupancy cap ``N >= A / max_occupancy`` (offered traffic, applied before shrinkage), then a
    configured minimum staff, then shrinkage: ``scheduled = ceil(N / (1 - shrinkage))``.
    Chat concurrency divides the AHT by an effective factor (practitioners' rule, below).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import gammaln, pdtr

from staffing.checks import (
    InvalidParameterError,
    check_finite,
    check_fraction,
    check_non_negative,
    check_non_negative_array,
    check_positive,
    check_positive_array,
    check_positive_int,
)

__all__ = [
    "CONCURRENCY_FACTORS",
    "DEFAULT_TARGETS",
    "ChainTooLongError",
    "QueueMetrics",
    "Requirement",
    "StaffingTargets",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "evaluate_staffing",
    "required_agents",
    "traffic_erlangs",
]

logger = logging.getLogger(__name__)

#: Practitioners' rule for chat: an agent handling k chats at once works through them as if
#: one chat took AHT / factor. Not a law of nature: pass ``concurrency_factor`` to override.
CONCURRENCY_FACTORS: dict[int, float] = {1: 1.0, 2: 1.7, 3: 2.5, 4: 2.9, 5: 3.5}

ServiceLevelBasis = Literal["offered", "answered"]

# Rounding guard for ceil() of quotients such as 14 / 0.7 = 20.000000000000004.
_CEIL_TOLERANCE = 1e-9
# Relative size below which the rest of the Erlang A chain is dropped.
_CHAIN_TOLERANCE = 1e-15
# Hard stop for pathological Erlang A chains (patience millions of times the AHT with N < A).
_MAX_CHAIN_STATES = 20_000_000
# Searches starting above this many agents take Erlang B from log space, not the recursion.
_RECURSION_START_LIMIT = 64
# Elements per block in the vectorised chain sums (bounds memory at a few tens of MB).
_BLOCK_ELEMENTS = 1 << 20


class ChainTooLongError(ValueError):
    """The Erlang A chain would need more states than is sensible to sum.

    Happens only when patience is millions of times the AHT and there are fewer agents than
    Erlangs: the queue then behaves like an unstable Erlang C queue. Leave patience unset.
    """


def _ceil(values: np.ndarray) -> np.ndarray:
    """Ceiling that ignores floating-point dust (14 / 0.7 is 20, not 21)."""
    return np.ceil(values - _CEIL_TOLERANCE).astype(np.int64)


def _reshaped(array: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    return None if array is None else _frozen(np.reshape(array, shape))


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class StaffingTargets:
    """What a queue must achieve and the planning assumptions around it.

    Parameters
    ----------
    service_level_target : float or None, default 0.8
        Fraction of contacts to answer within ``answer_target_seconds`` (0 < x < 1), or
        None for no service-level target.
    answer_target_seconds : float, default 20.0
        The "20" in "80/20" (seconds, >= 0). Note pyworkforce calls this ``asa``.
    asa_target_seconds : float or None, default None
        Maximum average speed of answer (seconds, > 0), or None.
    max_abandon_rate : float or None, default None
        Maximum fraction of contacts abandoning (0 < x < 1); needs ``patience_seconds``.
    max_occupancy : float, default 0.85
        Occupancy cap (0 < x <= 1): on-queue agents >= traffic / max_occupancy.
    shrinkage : float, default 0.3
        Fraction of paid time not available for the queue (0 <= x < 1).
    patience_seconds : float or None, default None
        Mean patience of waiting contacts (seconds, > 0). Set -> Erlang A; None -> Erlang C.
    concurrency : int, default 1
        Chats an agent handles at once (>= 1).
    concurrency_factor : float or None, default None
        Effective throughput factor for ``concurrency`` (1 <= factor <= concurrency). None
        uses ``CONCURRENCY_FACTORS`` (defined for 1..5 only).
    minimum_agents : int, default 0
        Minimum on-queue staff for every interval, also when no contacts are expected.
    service_level_basis : {"offered", "answered"}, default "offered"
        Erlang A only: divide answered-within-target by all arrivals ("offered", pyworkforce's
        definition, abandoned contacts count as failures) or by answered contacts.
    service_window_minutes : float or None, default None
        Email / back-office only: the work arriving in an interval is spread evenly over this
        window (minutes, > 0). None means it must be done within its own interval.
    """

    service_level_target: float | None = 0.8
    answer_target_seconds: float = 20.0
    asa_target_seconds: float | None = None
    max_abandon_rate: float | None = None
    max_occupancy: float = 0.85
    shrinkage: float = 0.3
    patience_seconds: float | None = None
    concurrency: int = 1
    concurrency_factor: float | None = None
    minimum_agents: int = 0
    service_level_basis: ServiceLevelBasis = "offered"
    service_window_minutes: float | None = None

    def __post_init__(self) -> None:
        if self.service_level_target is not None:
            check_fraction(
                "service_level_target",
                self.service_level_target,
                include_zero=False,
                include_one=False,
            )
        check_non_negative("answer_target_seconds", self.answer_target_seconds)
        if self.asa_target_seconds is not None:
            check_positive("asa_target_seconds", self.asa_target_seconds)
        if self.max_abandon_rate is not None:
            check_fraction(
                "max_abandon_rate", self.max_abandon_rate, include_zero=False, include_one=False
            )
            if self.patience_seconds is None:
                raise InvalidParameterError(
                    "max_abandon_rate needs patience_seconds: Erlang C assumes nobody abandons"
                )
        check_fraction("max_occupancy", self.max_occupancy, include_zero=False)
        check_fraction("shrinkage", self.shrinkage, include_one=False)
        if self.patience_seconds is not None:
            check_positive("patience_seconds", self.patience_seconds)
        check_positive_int("concurrency", self.concurrency)
        if self.concurrency_factor is not None:
            factor = check_finite("concurrency_factor", self.concurrency_factor)
            if not 1 <= factor <= self.concurrency:
                raise InvalidParameterError(
                    f"concurrency_factor must be between 1 and concurrency={self.concurrency}, "
                    f"got {self.concurrency_factor!r}"
                )
        elif self.concurrency not in CONCURRENCY_FACTORS:
            raise InvalidParameterError(
                f"no standard concurrency factor for concurrency={self.concurrency} "
                f"(known: {sorted(CONCURRENCY_FACTORS)}); pass concurrency_factor"
            )
        check_positive_int("minimum_agents", self.minimum_agents, minimum=0)
        if self.service_level_basis not in ("offered", "answered"):
            raise InvalidParameterError(
                f"service_level_basis must be 'offered' or 'answered', "
                f"got {self.service_level_basis!r}"
            )
        if self.service_window_minutes is not None:
            check_positive("service_window_minutes", self.service_window_minutes)

    @property
    def effective_concurrency(self) -> float:
        """Throughput factor by which the AHT is divided (1.0 for voice)."""
        if self.concurrency_factor is not None:
            return float(self.concurrency_factor)
        return CONCURRENCY_FACTORS[self.concurrency]

    @property
    def model(self) -> str:
        """``"erlang_a"`` when a patience is set, else ``"erlang_c"``."""
        return "erlang_c" if self.patience_seconds is None else "erlang_a"


@dataclass(frozen=True, eq=False)
class QueueMetrics:
    """Queue performance for given traffic and agents (read-only arrays, one entry per interval).

    Attributes
    ----------
    traffic_erlangs, agents : numpy.ndarray
        Offered load (Erlangs) and on-queue agents.
    service_level, wait_probability, occupancy : numpy.ndarray
        Fractions (see the module docstring for the Erlang A definitions).
    asa_seconds : numpy.ndarray
        Average speed of answer (seconds); ``inf`` where the Erlang C queue is unstable.
    abandon_probability : numpy.ndarray or None
        Erlang A only; None for Erlang C (which assumes nobody abandons).
    stable : numpy.ndarray
        Boolean: False where Erlang C has ``N <= A`` (the queue grows without bound).
    """

    traffic_erlangs: np.ndarray
    agents: np.ndarray
    service_level: np.ndarray
    wait_probability: np.ndarray
    asa_seconds: np.ndarray
    occupancy: np.ndarray
    abandon_probability: np.ndarray | None
    stable: np.ndarray


@dataclass(frozen=True, eq=False)
class Requirement:
    """Staffing result per interval (read-only arrays shaped like the broadcast inputs).

    Attributes
    ----------
    model : str
        ``"erlang_c"`` or ``"erlang_a"``.
    traffic_erlangs : numpy.ndarray
        Offered load after the concurrency factor (Erlangs).
    effective_aht_seconds : numpy.ndarray
        AHT divided by the concurrency factor (seconds).
    agents : numpy.ndarray
        On-queue agents (int), after the occupancy cap and the minimum staff.
    scheduled_agents : numpy.ndarray
        Headcount to schedule, ``ceil(agents / (1 - shrinkage))`` (int).
    service_level, wait_probability, occupancy : numpy.ndarray
        Fractions at ``agents``.
    asa_seconds : numpy.ndarray
        Average speed of answer at ``agents`` (seconds).
    abandon_probability : numpy.ndarray or None
        Erlang A only.
    stable : numpy.ndarray
        Boolean: False where the Erlang C queue is unstable (``agents <= traffic``).
    meets_targets : numpy.ndarray
        Boolean: every target set is met (always True from ``required_agents``).
    """

    model: str
    traffic_erlangs: np.ndarray
    effective_aht_seconds: np.ndarray
    agents: np.ndarray
    scheduled_agents: np.ndarray
    service_level: np.ndarray
    wait_probability: np.ndarray
    asa_seconds: np.ndarray
    occupancy: np.ndarray
    abandon_probability: np.ndarray | None
    stable: np.ndarray
    meets_targets: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per interval (inputs flattened in C order); no ``model`` column.

        Columns: ``traffic_erlangs, effective_aht_seconds, agents, scheduled_agents,
        service_level, wait_probability, asa_seconds, occupancy`` (``abandon_probability`` for
        Erlang A), ``stable, meets_targets``.
        """
        columns: dict[str, np.ndarray] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "model" or value is None:
                continue
            columns[f.name] = np.ravel(value)
        return pd.DataFrame(columns)


# --------------------------------------------------------------------------- core formulas


DEFAULT_TARGETS = StaffingTargets()
"""The targets a plan starts from (80% in 20 s, occupancy at most 85%, 30% shrinkage): the one
place the product's defaults are stated; pages, the Overview and the CLI read them from here."""


def traffic_erlangs(contacts: Any, aht_seconds: Any, interval_minutes: Any) -> np.ndarray:
    """Offered load in Erlangs: ``contacts * aht_seconds / (interval_minutes * 60)``.

    Parameters
    ----------
    contacts : array_like
        Contacts arriving per interval (>= 0).
    aht_seconds : array_like
        Average handle time (seconds, >= 0; > 0 wherever contacts > 0).
    interval_minutes : array_like
        Interval length (minutes, > 0).

    Returns
    -------
    numpy.ndarray
        Traffic, broadcast over the inputs.
    """
    contacts_arr, aht_arr, minutes_arr = _check_inputs(contacts, aht_seconds, interval_minutes)
    return contacts_arr * aht_arr / (minutes_arr * 60.0)


def _check_inputs(
    contacts: Any, aht_seconds: Any, interval_minutes: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    contacts_arr = check_non_negative_array("contacts", contacts)
    aht_arr = check_non_negative_array("aht_seconds", aht_seconds)
    minutes_arr = check_positive_array("interval_minutes", interval_minutes)
    try:
        contacts_arr, aht_arr, minutes_arr = np.broadcast_arrays(contacts_arr, aht_arr, minutes_arr)
    except ValueError as exc:
        raise InvalidParameterError(
            f"contacts, aht_seconds and interval_minutes have incompatible shapes: {exc}"
        ) from exc
    missing_aht = (contacts_arr > 0) & (aht_arr <= 0)
    if missing_aht.any():
        first = int(np.flatnonzero(missing_aht.ravel())[0])
        raise InvalidParameterError(
            f"aht_seconds must be > 0 wherever contacts > 0: {int(missing_aht.sum())} interval(s) "
            f"have contacts but aht_seconds=0 (first at position {first})"
        )
    return contacts_arr, aht_arr, minutes_arr


def _check_agents(agents: Any) -> np.ndarray:
    arr = np.asarray(agents)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise InvalidParameterError(f"agents must be whole numbers, got dtype {arr.dtype}")
    as_float = arr.astype(float)
    if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
        raise InvalidParameterError("agents must be finite whole numbers")
    if np.any(as_float < 0):
        raise InvalidParameterError("agents must be >= 0")
    return as_float.astype(np.int64)


def erlang_b(traffic_erlangs: Any, agents: Any) -> np.ndarray:
    """Erlang B blocking probability by the stable recursion, vectorised.

    ``B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))``: every step keeps B in (0, 1], so it stays
    accurate for thousands of agents (no factorials, no overflow). Intervals are sorted by
    agent count so each step only touches those that still need it (cost: sum of agents).

    Parameters
    ----------
    traffic_erlangs : array_like
        Offered load A (Erlangs, >= 0).
    agents : array_like
        Number of servers N (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        B(N, A), broadcast over the inputs.
    """
    traffic = check_non_negative_array("traffic_erlangs", traffic_erlangs)
    servers = _check_agents(agents)
    traffic, servers = np.broadcast_arrays(traffic, servers)
    flat_a = traffic.ravel()
    flat_n = servers.ravel()
    order = np.argsort(-flat_n, kind="stable")
    a_sorted = flat_a[order]
    n_sorted = flat_n[order]
    blocking = np.ones(flat_a.size)
    n_max = int(n_sorted[0]) if n_sorted.size else 0
    # active[k-1] = how many intervals have N >= k (a prefix of the descending sort)
    active = np.searchsorted(-n_sorted, -np.arange(1, n_max + 1), side="right")
    scratch = np.empty(flat_a.size)
    for k in range(1, n_max + 1):
        m = active[k - 1]
        ab = np.multiply(a_sorted[:m], blocking[:m], out=scratch[:m])
        np.divide(ab, ab + k, out=blocking[:m])
    out = np.empty_like(blocking)
    out[order] = blocking
    return out.reshape(traffic.shape)


def erlang_c(traffic_erlangs: Any, agents: Any) -> np.ndarray:
    """Erlang C probability that a contact waits, ``N B / (N - A (1 - B))``; 1 where N <= A.

    Parameters
    ----------
    traffic_erlangs : array_like
        Offered load A (Erlangs, >= 0).
    agents : array_like
        Number of agents N (whole numbers >= 0).

    Returns
    -------
    numpy.ndarray
        P(wait), broadcast over the inputs (0 where A = 0).
    """
    traffic = check_non_negative_array("traffic_erlangs", traffic_erlangs)
    servers = _check_agents(agents).astype(float)
    traffic, servers = np.broadcast_arrays(traffic, servers)
    blocking = erlang_b(traffic, servers)
    stable = servers > traffic
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(stable, servers * blocking / (servers - traffic * (1.0 - blocking)), 1.0)
    return np.where(traffic == 0, 0.0, wait)


def erlang_c_metrics(
    traffic_erlangs: Any,
    agents: Any,
    aht_seconds: Any,
    answer_target_seconds: float,
) -> QueueMetrics:
    """Erlang C service level, P(wait), ASA and occupancy, vectorised over intervals.

    Parameters
    ----------
    traffic_erlangs : array_like
        Offered load A (Erlangs, >= 0).
    agents : array_like
        On-queue agents N (whole numbers >= 0).
    aht_seconds : array_like
        Average handle time (seconds, > 0 wherever traffic > 0).
    answer_target_seconds : float
        Answer-time target t of the service level (seconds, >= 0).

    Returns
    -------
    QueueMetrics
        ``abandon_probability`` is None. Where ``N <= A`` (and A > 0) the queue is unstable:
        ``stable=False``, SL 0, P(wait) 1, ASA inf, occupancy 1. Where A = 0: SL 1, P(wait) 0,
        ASA 0, occupancy 0.
    """
    t = check_non_negative("answer_target_seconds", answer_target_seconds)
    traffic = check_non_negative_array("traffic_erlangs", traffic_erlangs)
    servers = _check_agents(agents).astype(float)
    aht = check_non_negative_array("aht_seconds", aht_seconds)
    traffic, servers, aht = np.broadcast_arrays(traffic, servers, aht)
    if np.any((traffic > 0) & (aht <= 0)):
        raise InvalidParameterError("aht_seconds must be > 0 wherever traffic > 0")
    return _erlang_c_from_blocking(traffic, servers, erlang_b(traffic, servers), aht, t)


def _erlang_c_from_blocking(
    traffic: np.ndarray,
    servers: np.ndarray,
    blocking: np.ndarray,
    aht: np.ndarray,
    t: float,
) -> QueueMetrics:
    """Erlang C metrics from checked, equally shaped arrays and the Erlang B values."""
    idle = traffic == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(
            servers > traffic, servers * blocking / (servers - traffic * (1.0 - blocking)), 1.0
        )
    wait = np.where(idle, 0.0, wait)
    stable = (servers > traffic) | idle
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        excess = servers - traffic
        service_level = np.where(stable, 1.0 - wait * np.exp(-excess * t / aht), 0.0)
        asa = np.where(stable, wait * aht / excess, np.inf)
        occupancy = np.where(stable, traffic / servers, 1.0)
    service_level = np.where(idle, 1.0, service_level)
    asa = np.where(idle, 0.0, asa)
    occupancy = np.where(idle, 0.0, occupancy)
    return QueueMetrics(
        traffic_erlangs=_frozen(traffic),
        agents=_frozen(servers.astype(np.int64)),
        service_level=_frozen(service_level),
        wait_probability=_frozen(wait),
        asa_seconds=_frozen(asa),
        occupancy=_frozen(occupancy),
        abandon_probability=None,
        stable=_frozen(stable),
    )


# --------------------------------------------------------------------------- Erlang A


def _erlang_a_core(
    traffic: np.ndarray,
    servers: np.ndarray,
    g: np.ndarray,
    tau: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum the M/M/N+M chain for 1-D arrays with traffic > 0.

    ``g = AHT / patience`` and ``tau = answer target / patience``. Returns
    ``(P(wait), E[queue length], P(answered within target))``.

    The states above N are weighted relative to state N: ``r_j = prod_{m=1..j} A / (N + m g)``.
    Below N the weights sum to ``(1 - B) / B`` with B the Erlang B probability. The terms are
    summed in log space around their peak so nothing overflows, in blocks vectorised across
    intervals, until the rest of the chain is below ``_CHAIN_TOLERANCE`` of the total.
    """
    size = traffic.size
    blocking = erlang_b(traffic, servers)
    with np.errstate(divide="ignore"):
        log_b = np.log(blocking)
        log_1mb = np.log1p(-blocking)
    s = servers / g  # N / g
    log_a = np.log(traffic)
    # the terms r_j rise while A > N + j g: peak at j* (log r at j* is the shift)
    jstar = np.where(traffic > servers, np.maximum(np.ceil((traffic - servers) / g) - 1, 0), 0)
    shift = jstar * (log_a - np.log(g)) - (gammaln(s + jstar + 1.0) - gammaln(s + 1.0))
    # negative-binomial pieces for P(answered within t | j ahead) = N/(N+(j+1)g) * sf_j
    nb_size = s + 1.0
    with np.errstate(divide="ignore"):
        log_x = np.log(-np.expm1(-tau))  # -inf when the target is 0 s
    log_h0 = -nb_size * tau  # log P(NB = 0) = b log(1 - x)

    sum0 = np.zeros(size)
    sum1 = np.zeros(size)
    sum_sl = np.zeros(size)
    last_log_r = np.zeros(size)  # log r_{j0 - 1}
    last_log_h = np.zeros(size)
    last_cdf = np.zeros(size)
    active = np.arange(size)
    j0 = 0
    rounds = 0
    while active.size:
        if j0 > _MAX_CHAIN_STATES:
            raise ChainTooLongError(
                f"the Erlang A chain needs more than {_MAX_CHAIN_STATES:,} states for "
                f"{active.size} interval(s): patience is extremely long for the traffic; "
                "leave patience_seconds unset (Erlang C) for these intervals"
            )
        # most chains end within a few dozen states: start small, grow for the long ones
        block = int(np.clip(_BLOCK_ELEMENTS // active.size, 16, min(8192, 16 << rounds)))
        rounds += 1
        js = np.arange(j0, j0 + block, dtype=float)
        a_ = traffic[active, None]
        n_ = servers[active, None]
        g_ = g[active, None]
        with np.errstate(divide="ignore"):
            step = log_a[active, None] - np.log(n_ + js * g_)
        if j0 == 0:
            step[:, 0] = 0.0
        log_r = last_log_r[active, None] + np.cumsum(step, axis=1)
        weight = np.exp(log_r - shift[active, None])

        with np.errstate(divide="ignore", invalid="ignore"):
            h_step = log_x[active, None] + np.log(js - 1.0 + nb_size[active, None]) - np.log(js)
        if j0 == 0:
            h_step[:, 0] = log_h0[active]
            log_h = np.cumsum(h_step, axis=1)
        else:
            log_h = last_log_h[active, None] + np.cumsum(h_step, axis=1)
        log_h = np.nan_to_num(log_h, nan=-np.inf)
        cdf = last_cdf[active, None] + np.cumsum(np.exp(log_h), axis=1)
        survival = np.clip(1.0 - cdf, 0.0, 1.0)
        answered_in_time = n_ / (n_ + (js + 1.0) * g_) * survival

        sum0[active] += weight.sum(axis=1)
        sum1[active] += (weight * js).sum(axis=1)
        sum_sl[active] += (weight * answered_in_time).sum(axis=1)
        last_log_r[active] = log_r[:, -1]
        last_log_h[active] = log_h[:, -1]
        last_cdf[active] = cdf[:, -1]

        # stop once past the peak and the geometric bound on the rest is negligible
        j_last = js[-1]
        q = a_[:, 0] / (n_[:, 0] + (j_last + 1.0) * g_[:, 0])
        term = weight[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            rest0 = term * q / (1.0 - q)
            rest1 = term * (j_last * q / (1.0 - q) + q / (1.0 - q) ** 2)
        done = (
            (j_last >= jstar[active])
            & (q < 1.0)
            & (rest0 <= _CHAIN_TOLERANCE * sum0[active])
            & (rest1 <= _CHAIN_TOLERANCE * (sum0[active] + sum1[active]))
        )
        active = active[~done]
        j0 += block

    # weight of the states below N relative to the same shift: (1 - B) / B * exp(-shift)
    with np.errstate(over="ignore"):
        below = np.exp(log_1mb - log_b - shift)
    norm = 1.0 / (below + sum0)
    wait = sum0 * norm
    mean_queue = sum1 * norm
    answered_in_time = (1.0 - wait) + sum_sl * norm
    return wait, mean_queue, answered_in_time


def erlang_a_metrics(
    traffic_erlangs: Any,
    agents: Any,
    aht_seconds: Any,
    patience_seconds: Any,
    answer_target_seconds: float,
    service_level_basis: ServiceLevelBasis = "offered",
) -> QueueMetrics:
    """Erlang A (M/M/N+M) metrics from the exact birth-death chain, vectorised over intervals.

    Parameters
    ----------
    traffic_erlangs : array_like
        Offered load A (Erlangs, >= 0).
    agents : array_like
        On-queue agents N (whole numbers >= 0; N <= A is allowed: abandonment keeps it stable).
    aht_seconds : array_like
        Average handle time (seconds, > 0 wherever traffic > 0).
    patience_seconds : array_like
        Mean patience before abandoning (seconds, > 0).
    answer_target_seconds : float
        Answer-time target t (seconds, >= 0).
    service_level_basis : {"offered", "answered"}
        "offered" (pyworkforce's): answered within t / all arrivals (abandoned contacts are
        failures). "answered": answered within t / answered contacts.

    Returns
    -------
    QueueMetrics
        With ``abandon_probability``; ``asa_seconds`` is the mean time in queue over all
        arrivals (``E[queue] / lambda``); ``stable`` is always True.
    """
    t = check_non_negative("answer_target_seconds", answer_target_seconds)
    if service_level_basis not in ("offered", "answered"):
        raise InvalidParameterError(
            f"service_level_basis must be 'offered' or 'answered', got {service_level_basis!r}"
        )
    traffic = check_non_negative_array("traffic_erlangs", traffic_erlangs)
    servers = _check_agents(agents).astype(float)
    aht = check_non_negative_array("aht_seconds", aht_seconds)
    patience = check_positive_array("patience_seconds", patience_seconds)
    traffic, servers, aht, patience = np.broadcast_arrays(traffic, servers, aht, patience)
    if np.any((traffic > 0) & (aht <= 0)):
        raise InvalidParameterError("aht_seconds must be > 0 wherever traffic > 0")
    shape = traffic.shape
    a = traffic.ravel()
    n = servers.ravel()
    busy = a > 0
    wait = np.zeros(a.size)
    abandon = np.zeros(a.size)
    asa = np.zeros(a.size)
    answered_in_time = np.ones(a.size)
    occupancy = np.zeros(a.size)
    if busy.any():
        aht_b = aht.ravel()[busy]
        patience_b = patience.ravel()[busy]
        a_b = a[busy]
        n_b = n[busy]
        w, mean_queue, sl = _erlang_a_core(a_b, n_b, aht_b / patience_b, t / patience_b)
        ab = mean_queue * (aht_b / patience_b) / a_b
        wait[busy] = w
        abandon[busy] = np.clip(ab, 0.0, 1.0)
        asa[busy] = mean_queue * aht_b / a_b
        answered_in_time[busy] = np.clip(sl, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            occupancy[busy] = np.where(n_b > 0, a_b * (1.0 - abandon[busy]) / n_b, 0.0)
    if service_level_basis == "answered":
        with np.errstate(divide="ignore", invalid="ignore"):
            answered_in_time = np.where(abandon < 1.0, answered_in_time / (1.0 - abandon), 0.0)
    return QueueMetrics(
        traffic_erlangs=_frozen(traffic),
        agents=_frozen(servers.astype(np.int64)),
        service_level=_frozen(answered_in_time.reshape(shape)),
        wait_probability=_frozen(wait.reshape(shape)),
        asa_seconds=_frozen(asa.reshape(shape)),
        occupancy=_frozen(occupancy.reshape(shape)),
        abandon_probability=_frozen(abandon.reshape(shape)),
        stable=_frozen(np.ones(shape, dtype=bool)),
    )


# --------------------------------------------------------------------------- requirements


def _meets(metrics: QueueMetrics, targets: StaffingTargets) -> np.ndarray:
    ok = np.asarray(metrics.stable).copy()
    if targets.service_level_target is not None:
        ok &= metrics.service_level >= targets.service_level_target
    if targets.asa_target_seconds is not None:
        ok &= metrics.asa_seconds <= targets.asa_target_seconds
    if targets.max_abandon_rate is not None and metrics.abandon_probability is not None:
        ok &= metrics.abandon_probability <= targets.max_abandon_rate
    return ok


def _erlang_b_start(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """Erlang B at N > A to start the upward search near its answer instead of at N = 0.

    Up to ``_RECURSION_START_LIMIT`` agents: the recursion (cheap there). Above: log space,
    ``B = P(X = N) / P(X <= N)`` for X ~ Poisson(A); with N > A the Poisson CDF is at least
    about 1/2, so only the (correctly) vanishing numerator can underflow, and ``gammaln``
    keeps it accurate (relative error ~1e-12) for thousands of agents.
    """
    out = np.empty(traffic.size)
    small = agents <= _RECURSION_START_LIMIT
    if small.any():
        out[small] = erlang_b(traffic[small], agents[small])
    large = ~small
    if large.any():
        a, n = traffic[large], agents[large]
        out[large] = np.exp(n * np.log(a) - a - gammaln(n + 1.0)) / pdtr(n, a)
    return out


def _search_erlang_c(
    traffic: np.ndarray, aht: np.ndarray, targets: StaffingTargets, lowest: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest N >= ``lowest`` meeting the SL / ASA targets (1-D arrays, traffic > 0).

    Every interval starts at ``lowest`` (> A, so the queue is stable) with Erlang B from
    :func:`_erlang_b_start` and steps up with the B recursion, all intervals in the same
    numpy operations; an interval leaves at its first N meeting the targets. SL rises and ASA
    falls with N, so this is the smallest N, and starting at the occupancy cap gives
    ``max(N for the targets, cap)`` without walking up to the cap. Returns N and Erlang B at N.
    """
    t = targets.answer_target_seconds
    sl_target = targets.service_level_target
    asa_target = targets.asa_target_seconds
    result = np.zeros(traffic.size, dtype=np.int64)
    result_blocking = np.zeros(traffic.size)
    idx = np.arange(traffic.size)
    a = traffic
    h = aht
    n = lowest.astype(float)
    blocking = _erlang_b_start(a, n)
    while idx.size:
        excess = n - a
        wait = n * blocking / (excess + a * blocking)  # N B / (N - A (1 - B))
        ok = np.ones(a.size, dtype=bool)
        if sl_target is not None:
            ok &= 1.0 - wait * np.exp(-excess * t / h) >= sl_target
        if asa_target is not None:
            ok &= wait * h / excess <= asa_target
        if ok.any():
            result[idx[ok]] = n[ok]
            result_blocking[idx[ok]] = blocking[ok]
            keep = ~ok
            idx, a, h, n, blocking = idx[keep], a[keep], h[keep], n[keep], blocking[keep]
        n = n + 1.0
        ab = a * blocking
        blocking = ab / (n + ab)
    return result, result_blocking


def _search_erlang_a(traffic: np.ndarray, aht: np.ndarray, targets: StaffingTargets) -> np.ndarray:
    """Smallest N meeting the Erlang A targets, by vectorised doubling then bisection.

    Service level rises and ASA and abandonment fall with N, so the predicate is monotone.
    """
    patience = np.full(traffic.size, float(targets.patience_seconds))

    def meets(idx: np.ndarray, n: np.ndarray) -> np.ndarray:
        metrics = erlang_a_metrics(
            traffic[idx],
            n,
            aht[idx],
            patience[idx],
            targets.answer_target_seconds,
            targets.service_level_basis,
        )
        return _meets(metrics, targets)

    size = traffic.size
    all_idx = np.arange(size)
    hi = np.zeros(size, dtype=np.int64)
    lo = np.full(size, -1, dtype=np.int64)  # largest N known to fail (-1: none yet)
    ok0 = meets(all_idx, hi)
    # intervals failing at N = 0: double from ceil(A) + 1 until the targets are met
    todo = all_idx[~ok0]
    lo[todo] = 0
    hi[todo] = np.ceil(traffic[todo]).astype(np.int64) + 1
    while todo.size:
        ok = meets(todo, hi[todo])
        failed = todo[~ok]
        lo[failed] = hi[failed]
        hi[failed] = 2 * hi[failed]
        todo = failed
    # bisection on (lo, hi]: lo fails, hi meets
    todo = all_idx[hi - lo > 1]
    while todo.size:
        mid = (lo[todo] + hi[todo]) // 2
        ok = meets(todo, mid)
        hi[todo[ok]] = mid[ok]
        lo[todo[~ok]] = mid[~ok]
        todo = todo[hi[todo] - lo[todo] > 1]
    return hi


def _prepare(
    contacts: Any, aht_seconds: Any, interval_minutes: Any, targets: StaffingTargets
) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(targets, StaffingTargets):
        raise InvalidParameterError(
            f"targets must be a StaffingTargets, got {type(targets).__name__}"
        )
    contacts_arr, aht_arr, minutes_arr = _check_inputs(contacts, aht_seconds, interval_minutes)
    # chat: an agent on k chats at once works as if each took AHT / factor
    effective_aht = aht_arr / targets.effective_concurrency
    traffic = contacts_arr * effective_aht / (minutes_arr * 60.0)
    return traffic, effective_aht


def _metrics_for(
    traffic: np.ndarray, agents: np.ndarray, aht: np.ndarray, targets: StaffingTargets
) -> QueueMetrics:
    if targets.patience_seconds is None:
        return erlang_c_metrics(traffic, agents, aht, targets.answer_target_seconds)
    return erlang_a_metrics(
        traffic,
        agents,
        aht,
        targets.patience_seconds,
        targets.answer_target_seconds,
        targets.service_level_basis,
    )


def _build(
    traffic: np.ndarray,
    aht: np.ndarray,
    agents: np.ndarray,
    targets: StaffingTargets,
    metrics: QueueMetrics | None = None,
) -> Requirement:
    if metrics is None:
        metrics = _metrics_for(traffic, agents, aht, targets)
    # shrinkage comes last, on the on-queue agents after the occupancy cap
    scheduled = _ceil(agents / (1.0 - targets.shrinkage))
    return Requirement(
        model=targets.model,
        traffic_erlangs=_frozen(traffic),
        effective_aht_seconds=_frozen(aht),
        agents=_frozen(agents),
        scheduled_agents=_frozen(scheduled),
        service_level=metrics.service_level,
        wait_probability=metrics.wait_probability,
        asa_seconds=metrics.asa_seconds,
        occupancy=metrics.occupancy,
        abandon_probability=metrics.abandon_probability,
        stable=metrics.stable,
        meets_targets=_frozen(_meets(metrics, targets)),
    )


def required_agents(
    contacts: Any,
    aht_seconds: Any,
    interval_minutes: Any,
    targets: StaffingTargets,
) -> Requirement:
    """Agents needed per interval to meet the targets, vectorised (one call for all intervals).

    Steps: the smallest N meeting every target set (service level within
    ``answer_target_seconds``, ``asa_target_seconds``, ``max_abandon_rate``; Erlang C also needs
    N > A); then the occupancy cap ``N >= A / max_occupancy``; then ``minimum_agents``; then
    shrinkage ``scheduled = ceil(N / (1 - shrinkage))``. Zero contacts need
    ``minimum_agents`` (default 0).

    Parameters
    ----------
    contacts : array_like
        Contacts per interval (>= 0); chats for a chat queue.
    aht_seconds : array_like
        Average handle time per contact (seconds; > 0 wherever contacts > 0). For chat, the
        handle time of one chat; it is divided by ``targets.effective_concurrency``.
    interval_minutes : array_like
        Interval length (minutes, > 0).
    targets : StaffingTargets
        Targets and planning assumptions; ``patience_seconds`` selects Erlang A.

    Returns
    -------
    Requirement
        Arrays shaped like the broadcast inputs (scalars in, 0-d arrays out).

    Examples
    --------
    >>> r = required_agents(100, 180, 30, StaffingTargets(0.8, 20, max_occupancy=0.85, shrinkage=0.3))
    >>> int(r.agents), int(r.scheduled_agents), round(float(r.service_level), 5)
    (14, 20, 0.88835)
    """
    traffic, aht = _prepare(contacts, aht_seconds, interval_minutes, targets)
    shape = traffic.shape
    flat_a = traffic.ravel()
    flat_h = aht.ravel()
    # zero contacts need the minimum staff only; Erlang B is 1 with no agents, else 0
    agents = np.full(flat_a.size, targets.minimum_agents, dtype=np.int64)
    blocking = np.where(agents == 0, 1.0, 0.0)
    busy = flat_a > 0
    if targets.patience_seconds is None:
        if busy.any():
            # Start above the traffic (stability), at the occupancy cap and at the minimum
            # staff: the first N from there meeting the targets is max(N for targets, cap,
            # minimum), the same as applying the cap and the minimum afterwards.
            a_busy = flat_a[busy]
            lowest = np.maximum(np.floor(a_busy).astype(np.int64) + 1, targets.minimum_agents)
            lowest = np.maximum(lowest, _ceil(a_busy / targets.max_occupancy))
            agents[busy], blocking[busy] = _search_erlang_c(a_busy, flat_h[busy], targets, lowest)
        metrics = _erlang_c_from_blocking(
            flat_a, agents.astype(float), blocking, flat_h, targets.answer_target_seconds
        )
        metrics = QueueMetrics(
            **{f.name: _reshaped(getattr(metrics, f.name), shape) for f in fields(QueueMetrics)}
        )
        return _build(traffic, aht, agents.reshape(shape), targets, metrics)
    if busy.any():
        agents[busy] = _search_erlang_a(flat_a[busy], flat_h[busy], targets)
    # occupancy cap on the offered load, applied before shrinkage
    agents = np.maximum(agents, _ceil(flat_a / targets.max_occupancy))
    agents = np.maximum(agents, targets.minimum_agents)
    return _build(traffic, aht, agents.reshape(shape), targets)


def evaluate_staffing(
    contacts: Any,
    aht_seconds: Any,
    interval_minutes: Any,
    agents: Any,
    targets: StaffingTargets,
) -> Requirement:
    """Queue performance with a given number of on-queue agents per interval.

    Parameters
    ----------
    contacts, aht_seconds, interval_minutes : array_like
        As in :func:`required_agents`.
    agents : array_like
        On-queue agents (whole numbers >= 0), broadcast against the other inputs.
    targets : StaffingTargets
        Model choice (patience), concurrency and shrinkage; ``meets_targets`` reports whether
        the given agents meet the targets (the occupancy cap is not part of that check).

    Returns
    -------
    Requirement
        With ``agents`` as given and ``scheduled_agents = ceil(agents / (1 - shrinkage))``.
        Unstable Erlang C intervals (agents <= traffic) are reported with ``stable=False``, SL 0,
        P(wait) 1, ASA inf, and counted in an info log line: evaluating a short schedule
        finds them as a matter of course (the Overview does on every build), so they are the
        result, not a fault.
    """
    traffic, aht = _prepare(contacts, aht_seconds, interval_minutes, targets)
    servers = _check_agents(agents)
    try:
        traffic, aht, servers = np.broadcast_arrays(traffic, aht, servers)
    except ValueError as exc:
        raise InvalidParameterError(f"agents does not match the shape of contacts: {exc}") from exc
    result = _build(traffic, aht, servers, targets)
    unstable = int(np.size(result.stable) - np.count_nonzero(result.stable))
    if unstable:
        logger.info(
            "%d interval(s) have no more agents than Erlangs of traffic: the Erlang C queue is "
            "unstable there (service level 0, ASA infinite)",
            unstable,
        )
    return result
