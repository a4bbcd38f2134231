"""The batch engine: many runs of the dynamics at once, through the compiled loop over runs and quarters."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import budget
from ..scenario import Scenario, load_scenario, shipped
from .compiled import call
from .dynamics import Params, State
from .dynamics import runs as runs_kernel
from .schedule import Schedule, schedule, stack


class Trajectory(NamedTuple):
    """Recorded states, each (runs, steps + 1, n, n): step 0 is the initial state."""

    A: np.ndarray
    E: np.ndarray
    T: np.ndarray


def run_seeds(seed: int, replicates: int) -> np.ndarray:
    """The seeds of a scenario's replicates, derived from its seed (replicate r gets seeds[r])."""
    return np.random.SeedSequence(seed).generate_state(replicates, dtype=np.uint32).astype(np.int64)


def noise(seeds: np.ndarray, steps: int, n: int) -> np.ndarray:
    """The runs' noise: standard normal draws (runs, steps, n, n), each run's from its own generator.

    A run's generator is seeded with its seed alone, as Mesa seeds `model.rng` from `rng=`,
    so a run gives the same numbers whatever batch, chunk or worker it is computed in.
    """
    out = np.empty((len(seeds), steps, n, n))
    for k, seed in enumerate(seeds):
        np.random.default_rng(int(seed)).standard_normal(out=out[k])
    return out


def simulate(schedule: Schedule, seeds: np.ndarray, steps: int) -> Trajectory:
    """Run every run of a stacked schedule (leading axis: runs) for `steps` quarters.

    One core computes them; a batch uses several through its worker processes.
    """
    runs, n = schedule.initial.A.shape[0], schedule.initial.A.shape[-1]
    if len(seeds) != runs:
        raise ValueError(f"{len(seeds)} seeds for {runs} runs")
    budget.check(budget.trajectories(runs, steps, n), f"{runs:,} runs of {steps:,} quarters",
                 "ask for fewer runs or quarters, or run them as a batch (alliance-sim batch), which computes "
                 "and writes them in chunks")
    out = Trajectory(*(np.empty((runs, steps + 1, n, n)) for _ in range(3)))
    initial, P, phase, shifts, dA, dE = inputs(schedule, steps)
    call(runs_kernel, *initial, P, phase, shifts, dA, dE, noise(seeds, steps, n), *out)
    return out


def replicates(s: Scenario, runs: int, seed: int | None = None, steps: int | None = None) -> Trajectory:
    """`runs` seeded runs of a scenario ready to run (`resolve`), their seeds derived from `seed`
    (default: the scenario's) as a scenario's replicates' are, for `steps` quarters (default: its steps)."""
    sched = broadcast(schedule(s), runs)  # checks the memory budget before the seeds are drawn
    return simulate(sched, run_seeds(s.seed if seed is None else seed, runs), s.steps if steps is None else steps)


def inputs(schedule: Schedule, steps: int) -> tuple[State, Params, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stacked schedule as the kernel takes it: the initial state, the parameters (phase, run, ...),
    the phase in force each quarter, the shift at each step (-1: none) and the shifts (shift, run, n, n)."""
    runs, n = schedule.initial.A.shape[0], schedule.initial.A.shape[-1]
    phase = (np.searchsorted(schedule.starts, np.arange(steps), side="right") - 1).astype(np.int64)
    shifts = np.full(steps + 1, -1, dtype=np.int64)
    for k, at in enumerate(schedule.shift_steps):
        if at <= steps:
            shifts[at] = k
    dA, dE = (np.ascontiguousarray([np.broadcast_to(shift[m], (runs, n, n)) for shift in schedule.shifts], dtype=float)
              .reshape(-1, runs, n, n) for m in range(2))
    P = Params(*(np.ascontiguousarray(np.stack(field), dtype=float) for field in zip(*schedule.phases)))
    initial = State(*(np.ascontiguousarray(x, dtype=float) for x in schedule.initial))
    return initial, P, phase, shifts, dA, dE


def concat(parts: list[Trajectory]) -> Trajectory:
    """Trajectories of several sets of runs as one, runs in order."""
    return Trajectory(*(np.concatenate(x) for x in zip(*parts)))


def broadcast(schedule: Schedule, runs: int) -> Schedule:
    """A one-scenario schedule repeated for `runs` runs (replicates differ only by seed)."""
    return take(stack([schedule]), np.zeros(runs, dtype=int))


def take(schedule: Schedule, index: np.ndarray) -> Schedule:
    """The runs `index` of a stacked schedule (e.g. design points expanded to their replicates)."""
    per_run = sum(np.asarray(x)[0].nbytes for part in (schedule.initial, *schedule.phases) for x in part)
    per_run += sum(np.asarray(x)[0].nbytes for shift in schedule.shifts for x in shift)
    budget.check(len(index) * per_run, f"the conditions of {len(index):,} runs",
                 "ask for fewer runs, or run them as a batch (alliance-sim batch), which computes them in chunks")
    pick = lambda x: np.asarray(x)[index]  # noqa: E731
    return Schedule(State(*(pick(x) for x in schedule.initial)), schedule.starts, [p.map(pick) for p in schedule.phases],
                    schedule.shift_steps, [(pick(dA), pick(dE)) for dA, dE in schedule.shifts])


def warm_up() -> None:
    """Compile the engine now, for a run and for the rest state (cached on disk for later processes)."""
    replicates(load_scenario(shipped("baseline_2018")), 1, steps=1)
