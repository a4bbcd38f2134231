"""ABC-SMC with MCMC moves, a whole population at a time.

Approximate Bayesian computation by sequential Monte Carlo, as in Drovandi & Pettitt (2011,
Biometrics 67: 225-233) and Del Moral, Doucet & Jasra (2012, Statistics and Computing 22:
1009-1020): the tolerance falls from one generation to the next to the distance that keeps
a share `keep` of the particles; the kept particles are resampled to a full population, and
each is moved by Metropolis-Hastings steps that leave the ABC posterior at that tolerance
invariant (a proposal inside the prior's box is accepted when its fresh simulation is
within the tolerance: flat prior, symmetric random walk, reflected at the prior's walls). The walk's covariance is the kept
particles' own, scaled for its dimension (2.38² / d; Roberts, Gelman & Gilks 1997), and the
number of steps is chosen so that a particle stays where it is with probability `stay`
at most, from the acceptance rate of the first step.

Every particle carries equal weight, so a population is a sample of its posterior; how
well the moves mixed shows in the acceptance rate and in the number of distinct particles.
Each step proposes and simulates all particles at once (`evaluate`: values and seeds in,
distances out), so that a population goes through the compiled engine in few calls, and
each generation draws from its own generator seeded by (seed, generation): a calibration
gives the same numbers on any number of workers, and one resumed after its last finished
generation is the one that would have run on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import ceil, log
from typing import Callable

import numpy as np

Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]  # values (m, k), seeds (m,) -> distances (m,)
MIN_ACCEPTANCE = 0.01  # below this share of accepted moves the generations stop: the tolerance is as low as it gets


@dataclass
class Population:
    """Particles (values, one row each) and the distance of each one's last simulation."""

    values: np.ndarray
    distances: np.ndarray


@dataclass
class Generation:
    """What one generation did: its tolerance, the MCMC steps, their acceptance and the simulations run."""

    tolerance: float
    steps: int
    acceptance: float
    simulations: int
    distinct: int


def generator(seed: int, generation: int) -> np.random.Generator:
    """The random numbers of one generation: from the calibration's seed and the generation alone."""
    return np.random.default_rng([seed, generation])


def seeds(rng: np.random.Generator, m: int) -> np.ndarray:
    """Seeds for m simulations."""
    return rng.integers(0, 2**62, size=m)


def run(low: np.ndarray, high: np.ndarray, n: int, seed: int, evaluate: Evaluate, generations: int,
        tolerance: float = 0.0, start: tuple[Population, int, float] | None = None, kept=None, say=None) -> Population:
    """The prior sample (generation 0), then generations of falling tolerance until `generations`
    are done, the tolerance is at or below `tolerance`, or the moves stop being accepted; returns
    the last population. `start` (population, generations done, its tolerance) continues a run;
    `kept(population, generation, seconds)` is called with each finished generation."""
    kept = kept or (lambda *_: None)
    if start is None:
        t0 = time.perf_counter()
        pop, found = first(low, high, n, seed, evaluate)
        kept(pop, found, time.perf_counter() - t0)
        done, last = 1, found.tolerance
    else:
        pop, done, last = start
    while done <= generations and last > tolerance:
        t0 = time.perf_counter()
        nxt, found = advance(pop, low, high, seed, done, evaluate)
        if found.acceptance < MIN_ACCEPTANCE:
            if say:
                say(f"stopped: {found.acceptance:.1%} of the moves at tolerance {found.tolerance:.3g} were accepted "
                    f"(below {MIN_ACCEPTANCE:.0%}): the fit gets no closer")
            break
        pop, done, last = nxt, done + 1, found.tolerance
        kept(pop, found, time.perf_counter() - t0)
    return pop


def first(low: np.ndarray, high: np.ndarray, n: int, seed: int, evaluate: Evaluate) -> tuple[Population, Generation]:
    """Generation 0: n particles drawn from the flat prior on the box [low, high], each simulated once."""
    rng = generator(seed, 0)
    values = low + (high - low) * rng.random((n, len(low)))
    distances = evaluate(values, seeds(rng, n))
    return Population(values, distances), Generation(float(np.max(distances)), 0, 1.0, n, n)


def advance(pop: Population, low: np.ndarray, high: np.ndarray, seed: int, generation: int, evaluate: Evaluate,
            keep: float = 0.5, stay: float = 0.01, most_steps: int = 100) -> tuple[Population, Generation]:
    """The next generation: a lower tolerance, resampling, and the MCMC moves (module docstring)."""
    rng = generator(seed, generation)
    n, d = pop.values.shape
    order = np.argsort(pop.distances, kind="stable")
    kept = order[: max(2, int(keep * n))]
    tolerance = float(pop.distances[kept[-1]])
    pick = rng.choice(kept, size=n)
    values, distances = pop.values[pick].copy(), pop.distances[pick].copy()
    factor = _factor(np.cov(pop.values[kept], rowvar=False) * 2.38**2 / d)
    accepted, simulations, steps, total = 0, 0, 0, 1
    while steps < total:
        moved, ran = _move(values, distances, factor, low, high, tolerance, rng, evaluate)
        accepted, simulations, steps = accepted + moved, simulations + ran, steps + 1
        if steps == 1:  # enough steps that a particle stays put with probability `stay` at most
            rate = accepted / n
            total = most_steps if rate <= 0 else min(most_steps, max(1, ceil(log(stay) / log(1 - rate)) if rate < 1 else 1))
    distinct = len(np.unique(values, axis=0))
    return Population(values, distances), Generation(tolerance, steps, accepted / (n * steps), simulations, distinct)


def _factor(cov: np.ndarray) -> np.ndarray:
    """A square root of the proposal covariance (also when the particles are degenerate)."""
    values, vectors = np.linalg.eigh(np.atleast_2d(cov))
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def _move(values, distances, factor, low, high, tolerance, rng, evaluate) -> tuple[int, int]:
    """One Metropolis-Hastings step of every particle, in place; returns (accepted, simulated)."""
    proposal = reflect(values + rng.standard_normal(values.shape) @ factor.T, low, high)
    found = evaluate(proposal, seeds(rng, len(values)))
    accept = found <= tolerance
    values[accept], distances[accept] = proposal[accept], found[accept]
    return int(accept.sum()), len(values)


def reflect(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """x folded into the box [low, high] by reflection at its walls: the random walk stays symmetric
    (so the flat prior's Metropolis-Hastings ratio stays 1) and never proposes outside the prior."""
    width = high - low
    y = np.mod(x - low, 2 * width)
    return low + np.where(y > width, 2 * width - y, y)
