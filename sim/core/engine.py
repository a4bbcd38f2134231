"""The vectorised engine: many runs of the dynamics at once, along a leading run axis."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .dynamics import State, step
from .schedule import Schedule, stack


class Trajectory(NamedTuple):
    """Recorded states, each (runs, steps + 1, n, n): step 0 is the initial state."""

    A: np.ndarray
    E: np.ndarray
    T: np.ndarray


def run_seeds(seed: int, replicates: int) -> np.ndarray:
    """The seeds of a scenario's replicates, derived from its seed (replicate r gets seeds[r])."""
    return np.random.SeedSequence(seed).generate_state(replicates, dtype=np.uint32).astype(np.int64)


def shocks(seeds: np.ndarray, steps: int, n: int) -> np.ndarray:
    """Standard normal shocks (runs, steps, n, n), each run drawn from its own generator.

    A run's generator is seeded with its seed alone, as Mesa seeds `model.rng` from `rng=`,
    so a run gives the same numbers whatever batch, chunk or worker it is computed in.
    """
    out = np.empty((len(seeds), steps, n, n))
    for k, seed in enumerate(seeds):
        np.random.default_rng(int(seed)).standard_normal(out=out[k])
    return out


def simulate(schedule: Schedule, seeds: np.ndarray, steps: int) -> Trajectory:
    """Run every run of a stacked schedule (leading axis: runs) for `steps` quarters."""
    state = schedule.shock(schedule.initial, 0)
    runs, n = state.A.shape[0], state.A.shape[-1]
    z = shocks(seeds, steps, n)
    # time-major buffers: each step writes one contiguous block
    out = [np.empty((steps + 1, runs, n, n)) for _ in range(3)]
    for k, part in enumerate(state):
        out[k][0] = part
    for t in range(steps):
        state = schedule.shock(step(state, schedule.params_at(t), z[:, t]), t + 1)
        for k, part in enumerate(state):
            out[k][t + 1] = part
    return Trajectory(*(np.moveaxis(x, 0, 1) for x in out))


def concat(parts: list[Trajectory]) -> Trajectory:
    """Trajectories of several sets of runs as one, runs in order."""
    return Trajectory(*(np.concatenate(x) for x in zip(*parts)))


def broadcast(schedule: Schedule, runs: int) -> Schedule:
    """A one-scenario schedule repeated for `runs` runs (replicates differ only by seed)."""
    return take(stack([schedule]), np.zeros(runs, dtype=int))


def take(schedule: Schedule, index: np.ndarray) -> Schedule:
    """The runs `index` of a stacked schedule (e.g. design points expanded to their replicates)."""
    pick = lambda x: np.asarray(x)[index]  # noqa: E731
    return Schedule(State(*(pick(x) for x in schedule.initial)), schedule.starts, [p.map(pick) for p in schedule.phases],
                    schedule.shift_steps, [(pick(dA), pick(dE)) for dA, dE in schedule.shifts])
