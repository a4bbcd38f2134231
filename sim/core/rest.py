"""The rest state: the enduring interests and the economic potential at which a picture stays still.

A scenario gives the stances and cooperation of its picture (docs/model.md, 5); the interests
and potential that hold them there under the scenario's conditions are derived here.
"""

from __future__ import annotations

import numpy as np

from .dynamics import INTERESTS, SANCTIONS, Params, State
from .stepping import Terms, terms


def rest(state: State, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """The enduring interests and the economic potential at which `state` is at rest under `p`."""
    parts = terms(state, p)
    return rest_interests(state, p, parts), rest_potential(state, p, parts)


def rest_interests(state: State, p: Params, parts: Terms) -> np.ndarray:
    """The enduring interests at which `state` is at rest under `p` (its `terms`): every other pull balanced.

    A state's stances are where its interests and the pressures of its situation cancel;
    so the interests are the stances minus what the other mechanisms pull (divided by the
    weight of interests). A scenario's initial state is then an equilibrium of its initial
    conditions, and stances move only when conditions change, the noise strikes or a shift moves them.
    """
    A, weights = state.A, np.asarray(p.weights, dtype=float)
    others = weights.copy()
    others[..., INTERESTS] = 0.0
    drift = np.einsum("...m,...mij->...ij", others, parts.pulls)
    w = weights[..., INTERESTS][..., None, None]
    return np.where(w > 0, A - drift / np.where(w > 0, w, 1.0), A) * (1.0 - np.eye(A.shape[-1]))


def rest_potential(state: State, p: Params, parts: Terms) -> np.ndarray:
    """The economic potential at which cooperation `state.E` is at rest under `p` (its `terms`).

    Solves trade_rate · (cooperation_target − E) = the sanctions' net cut for the potential: the
    complementarity that, with today's warmth and sanctions, sustains today's cooperation.
    """
    A, E, _ = state
    w_s = np.asarray(p.weights, dtype=float)[..., SANCTIONS][..., None, None]
    speed = np.asarray(p.trade_rate, dtype=float)[..., None, None]
    held = E + w_s * (parts.exposure * E - parts.diversion) / speed  # the target that keeps E
    return (held - parts.lift) / (1.0 - parts.lift) * (1.0 - np.eye(A.shape[-1]))  # target = P + (1 - P) lift
