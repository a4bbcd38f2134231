"""A peer for the engine benchmark: the numpy baseline's mechanisms traced by JAX, compiled by XLA.

The compiled engine could have been written for JAX rather than numba; this measures that
road. The mechanisms are those of `numpy_engine.py` (whole-array functions over a leading
run axis), loaded a second time with `jax.numpy` in place of numpy, and the quarters run in
one `lax.scan` under `jax.jit` in double precision. The shocks are the same numpy draws.
Needs `pip install jax` (not a dependency of the project).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from sim.core.dynamics import Params, State
from sim.core.engine import Trajectory, shocks

jax.config.update("jax_enable_x64", True)
_spec = importlib.util.spec_from_file_location("numpy_engine_on_jax", Path(__file__).with_name("numpy_engine.py"))
theory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(theory)
theory.np = jnp  # the same functions, now traced


@jax.jit
def _quarters(initial: State, P: Params, phase, shift_at, dA, dE, z):
    """Every quarter in one scan; shift_at[t] indexes dA, dE (its last entry: no shift)."""

    def quarter(state, inputs):
        k, s, shocks_t = inputs
        moved = theory.step(state, jax.tree_util.tree_map(lambda x: x[k], P), shocks_t)
        moved = theory.shifted(moved, dA[s], dE[s])
        return moved, moved

    return jax.lax.scan(quarter, initial, (phase, shift_at[1:], jnp.moveaxis(z, 1, 0)))[1]


def simulate(schedule, seeds: np.ndarray, steps: int) -> Trajectory:
    """As `sim.core.engine.simulate`, through XLA (compiled anew for each number of runs and quarters)."""
    runs, n = schedule.initial.A.shape[0], schedule.initial.A.shape[-1]
    phase = np.searchsorted(schedule.starts, np.arange(steps), side="right") - 1
    shift_at = np.full(steps + 1, len(schedule.shifts))
    for k, at in enumerate(schedule.shift_steps):
        if at <= steps:
            shift_at[at] = k
    dA, dE = (np.stack([np.broadcast_to(s[m], (runs, n, n)) for s in schedule.shifts] + [np.zeros((runs, n, n))])
              for m in range(2))
    P = Params(*(np.stack(field).astype(float) for field in zip(*schedule.phases)))
    initial = theory.shifted(State(*(np.asarray(x, dtype=float) for x in schedule.initial)), dA[shift_at[0]], dE[shift_at[0]])
    path = _quarters(initial, P, phase, shift_at, dA, dE, shocks(seeds, steps, n))
    return Trajectory(*(np.concatenate([np.asarray(a)[None], np.asarray(b)]).swapaxes(0, 1) for a, b in zip(initial, path)))
