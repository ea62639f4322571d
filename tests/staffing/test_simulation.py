"""Independent check of the Erlang C/A formulas by discrete-event simulation of the queue."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pytest

from staffing.erlang import erlang_a_metrics, erlang_c_metrics

ARRIVALS = 200_000
WARM_UP = 10_000
BATCHES = 20


@dataclass(frozen=True)
class Simulated:
    """Per-arrival outcomes after the warm-up."""

    wait_seconds: np.ndarray  # time in queue (until answered or abandoned)
    answered: np.ndarray  # bool


def simulate_queue(
    traffic_erlangs: float,
    agents: int,
    aht_seconds: float,
    patience_seconds: float | None,
    seed: int,
    arrivals: int = ARRIVALS,
) -> Simulated:
    """FCFS M/M/N (+M with exponential patience) by a lean heap of agents' next-free times.

    Under FCFS a contact's wait depends only on those ahead of it, and a contact that
    abandons never reaches an agent, so: wait = max(0, earliest free time - arrival); if that
    exceeds its patience it abandons after waiting its patience, else it takes that agent.
    """
    rng = np.random.default_rng(seed)
    rate = traffic_erlangs / aht_seconds  # arrivals per second
    arrival = np.cumsum(rng.exponential(1.0 / rate, arrivals))
    service = rng.exponential(aht_seconds, arrivals)
    patience = (
        np.full(arrivals, math.inf)
        if patience_seconds is None
        else rng.exponential(patience_seconds, arrivals)
    )
    free = [0.0] * agents
    heapq.heapify(free)
    wait = np.empty(arrivals)
    answered = np.empty(arrivals, dtype=bool)
    for i, (t, s, p) in enumerate(
        zip(arrival.tolist(), service.tolist(), patience.tolist(), strict=True)
    ):
        earliest = free[0]
        w = earliest - t if earliest > t else 0.0
        if w <= p:
            heapq.heapreplace(free, t + w + s)
            wait[i] = w
            answered[i] = True
        else:
            wait[i] = p
            answered[i] = False
    return Simulated(wait[WARM_UP:], answered[WARM_UP:])


def _check(estimates: np.ndarray, expected: float, name: str, floor: float) -> None:
    """Compare a batch-means estimate with the formula: 4 standard errors plus a small floor.

    Batch means absorb the strong correlation between neighbouring contacts in a queue.
    """
    batches = np.array([b.mean() for b in np.array_split(estimates, BATCHES)])
    mean = batches.mean()
    std_error = batches.std(ddof=1) / math.sqrt(BATCHES)
    assert abs(mean - expected) <= 4 * std_error + floor, (
        f"{name}: simulated {mean:.5f} +- {std_error:.5f}, formula {expected:.5f}"
    )


ERLANG_C_CASES = [
    # traffic, agents, AHT s, answer target s, seed
    pytest.param(10.0, 14, 180.0, 20.0, 1, id="domain-10E-14N"),
    pytest.param(48.0, 55, 240.0, 15.0, 2, id="mitan-48E-55N"),
    pytest.param(2.0, 3, 300.0, 30.0, 3, id="small-2E-3N"),
]


@pytest.mark.parametrize(("traffic", "agents", "aht", "answer", "seed"), ERLANG_C_CASES)
def test_erlang_c_agrees_with_simulation(
    traffic: float, agents: int, aht: float, answer: float, seed: int
) -> None:
    sim = simulate_queue(traffic, agents, aht, None, seed)
    formula = erlang_c_metrics(traffic, agents, aht, answer)
    assert sim.answered.all()
    _check((sim.wait_seconds <= answer).astype(float), float(formula.service_level), "SL", 0.003)
    _check((sim.wait_seconds > 0).astype(float), float(formula.wait_probability), "P(wait)", 0.003)
    _check(sim.wait_seconds, float(formula.asa_seconds), "ASA", 0.02 * float(formula.asa_seconds))


ERLANG_A_CASES = [
    # traffic, agents, AHT s, patience s, answer target s, seed
    pytest.param(10.0, 14, 180.0, 300.0, 20.0, 4, id="pyworkforce-10E-14N"),
    pytest.param(10.0, 9, 180.0, 120.0, 20.0, 5, id="overloaded-10E-9N"),
    pytest.param(50.0, 52, 300.0, 60.0, 30.0, 6, id="impatient-50E-52N"),
]


@pytest.mark.parametrize(("traffic", "agents", "aht", "patience", "answer", "seed"), ERLANG_A_CASES)
def test_erlang_a_agrees_with_simulation(
    traffic: float, agents: int, aht: float, patience: float, answer: float, seed: int
) -> None:
    sim = simulate_queue(traffic, agents, aht, patience, seed)
    formula = erlang_a_metrics(traffic, agents, aht, patience, answer)
    in_time = (sim.answered & (sim.wait_seconds <= answer)).astype(float)
    # pyworkforce's definition: answered within target over all arrivals
    _check(in_time, float(formula.service_level), "SL (offered)", 0.003)
    _check((sim.wait_seconds > 0).astype(float), float(formula.wait_probability), "P(wait)", 0.003)
    _check((~sim.answered).astype(float), float(formula.abandon_probability), "P(abandon)", 0.002)
    # ASA over all arrivals = mean time in queue, abandoned contacts included
    _check(sim.wait_seconds, float(formula.asa_seconds), "ASA", 0.02 * float(formula.asa_seconds))
    answered_basis = erlang_a_metrics(traffic, agents, aht, patience, answer, "answered")
    expected = float(answered_basis.service_level)
    _check(in_time[sim.answered], expected, "SL (answered)", 0.003)


def test_simulator_is_exact_for_a_trivial_queue() -> None:
    """Sanity check of the simulator itself: one agent, M/M/1 waits P(wait) = rho."""
    sim = simulate_queue(0.5, 1, 60.0, None, seed=9, arrivals=40_000)
    assert (sim.wait_seconds > 0).mean() == pytest.approx(0.5, abs=0.02)
    # M/M/1 mean wait = rho / (mu - lambda) = 0.5 * 60 / 0.5
    assert sim.wait_seconds.mean() == pytest.approx(60.0, rel=0.1)
