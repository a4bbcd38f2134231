"""A peer for the engine benchmark: the numpy baseline's mechanisms traced by JAX, compiled by XLA.

The compiled engine could have been written for JAX rather than numba; this measures that
road. The mechanisms are those of `numpy_engine.py` (whole-array functions over a leading
run axis), loaded a second time with `jax.numpy` in place of numpy, and the quarters run in
one `lax.scan` under `jax.jit` in double precision. The noise is the same numpy draws.
Needs `pip install jax` (not a dependency of the project).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from sim.core.dynamics import Params, State
from sim.core.engine import Trajectory, inputs, noise

jax.config.update("jax_enable_x64", True)
_spec = importlib.util.spec_from_file_location("numpy_engine_on_jax", Path(__file__).with_name("numpy_engine.py"))
theory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(theory)
theory.np = jnp  # the same functions, now traced


@jax.jit
def _quarters(initial: State, P: Params, phase, shifts, dA, dE, z):
    """Every quarter in one scan; shifts[t] indexes dA, dE (-1: their last entry, no shift)."""

    def quarter(state, inputs):
        k, s, noise_t = inputs
        moved = theory.step(state, jax.tree_util.tree_map(lambda x: x[k], P), noise_t)
        moved = theory.shifted(moved, dA[s], dE[s])
        return moved, moved

    return jax.lax.scan(quarter, initial, (phase, shifts[1:], jnp.moveaxis(z, 1, 0)))[1]


def simulate(schedule, seeds: np.ndarray, steps: int) -> Trajectory:
    """As `sim.core.engine.simulate`, through XLA (compiled anew for each number of runs and quarters)."""
    initial, P, phase, shifts, dA, dE = inputs(schedule, steps)
    dA, dE = (np.concatenate([d, np.zeros_like(initial.A)[None]]) for d in (dA, dE))  # -1: no shift
    initial = theory.shifted(initial, dA[shifts[0]], dE[shifts[0]])
    path = _quarters(initial, P, phase, shifts, dA, dE, noise(seeds, steps, initial.A.shape[-1]))
    return Trajectory(*(np.concatenate([np.asarray(a)[None], np.asarray(b)]).swapaxes(0, 1) for a, b in zip(initial, path)))
