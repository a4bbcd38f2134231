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

Every particle carries equal weight, so a population is a sample of its posterior, and an
effective sample size computed from the weights says nothing (it is the population size by
construction). What says how well a generation mixed (`Generation`): its distinct particles;
its distinct lineages, the particles of generation 0 that the population still descends from
(resampling copies a particle's founder, a move keeps it), which fall as resampling prunes
the genealogy and only fresh independent particles could raise; and the effective sample size
of the moves, from the autocorrelation of each particle's chain of moves (ArviZ's bulk ESS,
the particles as chains).

The distance of a particle is itself random: a fresh simulation at the same values gives
another. Once the tolerance falls by less than that noise (its Monte Carlo s.d., measured
each generation by simulating a sample of the population again with fresh seeds), a lower
tolerance selects lucky draws rather than better values, and the generations stop.

Each step proposes and simulates all particles at once (`evaluate`: values and seeds in,
distances out), so that a population goes through the compiled engine in few calls, and
each generation draws from its own generator seeded by (seed, generation), the measurement
of its noise from another: a calibration gives the same numbers on any number of workers,
and one resumed after its last finished generation is the one that would have run on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import ceil, log
from typing import Callable

import numpy as np

from . import diagnostics

Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]  # values (m, k), seeds (m,) -> distances (m,)
MIN_ACCEPTANCE = 0.01  # below this share of accepted moves the generations stop: the tolerance is as low as it gets
# the distance's noise: 50 particles of a population, each simulated 8 times (it varies between particles: at the
# shipped posterior, three samples of 20 gave 0.004, 0.010 and 0.013; 50 particles 10 times each, 0.012)
NOISE_PARTICLES, NOISE_REPEATS = 50, 8
NOISE_STREAM = 0x401  # the noise's measurement draws from its own generator, apart from the generation's


@dataclass
class Population:
    """Particles (values, one row each), the distance of each one's last simulation, and each one's
    founder (its row in generation 0)."""

    values: np.ndarray
    distances: np.ndarray
    ancestors: np.ndarray


@dataclass
class Generation:
    """What one generation did: its tolerance, the MCMC steps, their acceptance and the simulations run;
    how much of it is independent (distinct particles and lineages, the moves' ESS per value); and the
    distance's own Monte Carlo s.d. at its population."""

    tolerance: float
    steps: int
    acceptance: float
    simulations: int
    distinct: int
    lineages: int
    ess: np.ndarray  # per value; NaN where too few moves were made to tell (fewer than 3)
    noise: float = field(default=float("nan"))


def generator(seed: int, generation: int) -> np.random.Generator:
    """The random numbers of one generation: from the calibration's seed and the generation alone."""
    return np.random.default_rng([seed, generation])


def seeds(rng: np.random.Generator, m: int) -> np.ndarray:
    """Seeds for m simulations."""
    return rng.integers(0, 2**62, size=m)


def run(low: np.ndarray, high: np.ndarray, n: int, seed: int, evaluate: Evaluate, generations: int,
        tolerance: float = 0.0, start: tuple[Population, int, float, bool] | None = None, kept=None, say=None,
        warm: np.ndarray | None = None) -> Population:
    """The prior sample (generation 0), then generations of falling tolerance until `generations`
    are done, the tolerance is at or below `tolerance`, it falls by less than the distance's noise
    (`settled`), or the moves stop being accepted; returns the last population. `start` (population,
    generations done, its tolerance, whether it had settled) continues a run; `kept(population,
    generation, seconds)` is called with each finished generation. `warm` (particles, values) replaces
    the prior sample of generation 0 (a warm start, e.g. from an earlier fit's posterior)."""
    kept, say = kept or (lambda *_: None), say or (lambda _: None)
    if start is None:
        t0 = time.perf_counter()
        pop, found = first(low, high, n, seed, evaluate, warm)
        found.noise = distance_noise(pop, seed, 0, evaluate)
        kept(pop, found, time.perf_counter() - t0)
        done, last, stop = 1, found.tolerance, False
    else:
        pop, done, last, stop = start
        if stop:
            say("stopped: the last generation's tolerance fell by less than the distance's own noise")
    while not stop and done <= generations and last > tolerance:
        t0 = time.perf_counter()
        nxt, found = advance(pop, low, high, seed, done, evaluate)
        if found.acceptance < MIN_ACCEPTANCE:
            say(f"stopped: {found.acceptance:.1%} of the moves at tolerance {found.tolerance:.3g} were accepted "
                f"(below {MIN_ACCEPTANCE:.0%}): the fit gets no closer")
            break
        found.noise = distance_noise(nxt, seed, done, evaluate)
        stop = settled(last, found.tolerance, found.noise)
        pop, done, fall, last = nxt, done + 1, last - found.tolerance, found.tolerance
        kept(pop, found, time.perf_counter() - t0)
        if stop:
            say(f"stopped: the tolerance fell by {fall:.3g}, less than the distance's own Monte Carlo s.d. at this "
                f"population ({found.noise:.3g}): a lower one would select lucky draws, not better values")
    return pop


def settled(previous: float, tolerance: float, noise: float) -> bool:
    """Whether a generation's tolerance fell by less than the distance's noise at its population
    (a noise not measured, NaN, never settles it)."""
    return bool(previous - tolerance < noise)


def first(low: np.ndarray, high: np.ndarray, n: int, seed: int, evaluate: Evaluate,
          given: np.ndarray | None = None) -> tuple[Population, Generation]:
    """Generation 0: n particles drawn from the flat prior on the box [low, high] (or the `given` ones),
    each simulated once."""
    rng = generator(seed, 0)
    values = low + (high - low) * rng.random((n, len(low))) if given is None else given
    n = len(values)
    distances = evaluate(values, seeds(rng, n))
    distinct = len(np.unique(values, axis=0))
    found = Generation(float(np.max(distances)), 0, 1.0, n, distinct, n, np.full(len(low), np.nan))
    return Population(values, distances, np.arange(n)), found


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
    chains = [values.copy()]
    while steps < total:
        moved, ran = _move(values, distances, factor, low, high, tolerance, rng, evaluate)
        accepted, simulations, steps = accepted + moved, simulations + ran, steps + 1
        chains.append(values.copy())
        if steps == 1:  # enough steps that a particle stays put with probability `stay` at most
            rate = accepted / n
            total = most_steps if rate <= 0 else min(most_steps, max(1, ceil(log(stay) / log(1 - rate)) if rate < 1 else 1))
    ancestors = pop.ancestors[pick]
    found = Generation(tolerance, steps, accepted / (n * steps), simulations, len(np.unique(values, axis=0)),
                       len(np.unique(ancestors)), diagnostics.moves_ess(np.stack(chains, axis=1)))
    return Population(values, distances, ancestors), found


def distance_noise(pop: Population, seed: int, generation: int, evaluate: Evaluate,
                   particles: int = NOISE_PARTICLES, repeats: int = NOISE_REPEATS) -> float:
    """The distance's Monte Carlo s.d. at a population: `particles` of it drawn at random, each
    simulated `repeats` times with fresh seeds; the root of the mean variance within a particle."""
    rng = np.random.default_rng([seed, generation, NOISE_STREAM])
    rows = rng.choice(len(pop.values), size=min(particles, len(pop.values)), replace=False)
    found = evaluate(np.repeat(pop.values[rows], repeats, axis=0), seeds(rng, len(rows) * repeats))
    return float(np.sqrt(np.mean(np.var(found.reshape(len(rows), repeats), axis=1, ddof=1))))


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
