"""The theory on whole arrays with any leading run axes: a quarter's step, a shift, the terms of an update.

For the Mesa model (one run, a quarter at a time), the tests and the rest state; the batch
engine runs the same compiled loop over many runs and quarters at once (`engine`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .compiled import call, kernel
from .dynamics import (
    MECHANISMS,
    TAIL,
    Params,
    State,
    at,
    cooperation_target,
    diversion,
    lift,
    pulls,
    runs,
    sanction_exposure,
    scratch,
    shift,
    situation,
)


def _flat(state: State, p: Params) -> tuple[State, Params, tuple]:
    """State as (runs, n, n) and parameters as (1 phase, runs, ...), runs being the leading axes."""
    lead = np.shape(state.A)[:-2]
    runs = int(np.prod(lead))
    flat = State(*(np.ascontiguousarray(np.broadcast_to(x, np.shape(state.A)), dtype=float).reshape(runs, *np.shape(x)[-2:])
                   for x in state))

    def spread(x, tail):
        x = np.asarray(x, dtype=float)
        own = x.shape[x.ndim - tail:] if tail else ()
        return np.ascontiguousarray(np.broadcast_to(x, lead + own)).reshape(1, runs, *own)

    return flat, Params(*(spread(x, tail) for x, tail in zip(p, TAIL))), lead


def step(state: State, p: Params, noise: np.ndarray) -> State:
    """Advance one quarter: all actors update from the same state (synchronous).

    `noise` holds standard normal draws of shape (..., n, n), scaled here by `p.noise`.
    """
    return steps(state, p, np.asarray(noise)[..., None, :, :])


def steps(state: State, p: Params, noise: np.ndarray) -> State:
    """Advance as many quarters as `noise` (..., quarters, n, n) holds, under `p` throughout."""
    flat, P, lead = _flat(state, p)
    runs_, n = flat.A.shape[0], flat.A.shape[-1]
    quarters = np.shape(noise)[-3]
    z = np.ascontiguousarray(np.broadcast_to(noise, (*lead, quarters, n, n)), dtype=float).reshape(runs_, quarters, n, n)
    none = np.zeros((0, runs_, n, n))
    out = State(*(np.empty((runs_, quarters + 1, n, n)) for _ in range(3)))
    call(runs, *flat, P, np.zeros(quarters, dtype=np.int64), np.full(quarters + 1, -1, dtype=np.int64), none, none, z, *out)
    return State(*(x[:, -1].reshape(np.shape(state.A)) for x in out))


def shifted(state: State, dA: np.ndarray, dE: np.ndarray) -> State:
    """The state moved by a shift of stances and cooperation (a `shift:` event), for one run."""
    A, E = (np.array(x, dtype=float) for x in state[:2])
    shift(A, E, np.asarray(dA, dtype=float), np.asarray(dE, dtype=float))
    return State(A, E, state.T)


class Terms(NamedTuple):
    """Every term of a quarter's update, (..., n, n) each; `pulls` is (..., MECHANISMS, n, n)."""

    pulls: np.ndarray
    target: np.ndarray  # the cooperation each pair tends to (`cooperation_target`)
    lift: np.ndarray
    exposure: np.ndarray  # sanction_exposure
    diversion: np.ndarray
    join: np.ndarray  # (..., n)


@kernel  # without the interpreter's lock, like every kernel
def _terms(A, E, T, P, pull, target, lifted, exposure, diverted, join):
    n = A.shape[1]
    for r in range(A.shape[0]):
        p = at(P, 0, r)
        s, _ = scratch(n)
        situation(A[r], E[r], p, s)
        for i in range(n):
            join[r, i] = s.join[i]
            for j in range(n):
                if i != j:
                    pulls(A[r], E[r], T[r], p, s, i, j, pull[r, :, i, j])
                    target[r, i, j] = cooperation_target(A[r], p, i, j)
                    lifted[r, i, j] = lift(A[r], p, i, j)
                    exposure[r, i, j] = sanction_exposure(p, s, i, j)
                    diverted[r, i, j] = diversion(p, s, i, j)


def terms(state: State, p: Params) -> Terms:
    """The terms of a quarter's update from `state` under `p`, for inspection and the rest state."""
    flat, P, lead = _flat(state, p)
    runs, n = flat.A.shape[0], flat.A.shape[-1]
    out = Terms(np.zeros((runs, len(MECHANISMS), n, n)), *(np.zeros((runs, n, n)) for _ in range(4)), np.zeros((runs, n)))
    call(_terms, *flat, P, *out)
    return Terms(*(x.reshape(*lead, *x.shape[1:]) for x in out))


def pull(mechanism: str, state: State, p: Params) -> np.ndarray:
    """One mechanism's pull on every stance, (..., n, n) (zero on the diagonal)."""
    return terms(state, p).pulls[..., MECHANISMS.index(mechanism), :, :]
