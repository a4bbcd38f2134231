"""The numpy engine as it was before the compiled one: the benchmark's baseline, kept here only.

The mechanisms as whole-array numpy functions over a leading run axis (about 150 numpy
calls a quarter), and the loop over quarters. `simulate` takes the same compiled
schedule and seeds as `sim.core.engine.simulate`, so that both compute the same runs.
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import MECHANISMS, Params, State
from sim.core.engine import Trajectory, noise
from sim.core.schedule import Schedule


def _off_diagonal(n: int) -> np.ndarray:
    return 1.0 - np.eye(n)


def _scalar(x: np.ndarray) -> np.ndarray:
    """A per-run scalar, broadcastable against (..., n, n)."""
    return np.asarray(x)[..., None, None]


def _row(x: np.ndarray) -> np.ndarray:
    """A per-actor value applied to row i (the actor whose stance moves)."""
    return np.asarray(x)[..., :, None]


def _column(x: np.ndarray) -> np.ndarray:
    return np.asarray(x)[..., None, :]


# --- the mechanisms -------------------------------------------------------------------


def interests(A: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """Enduring interests (geography, history, identity): stances drift back toward their anchor.

    Realist baseline: without new pressure a state's stance returns to what its structural
    interests dictate; here those are the scenario's initial stances.
    """
    return anchor - A


def patron_pull(A: np.ndarray, patron: np.ndarray, autonomy: np.ndarray) -> np.ndarray:
    """Alliance dependence: a client adopts its patron's stance toward others and stays loyal.

    Snyder's alliance security dilemma: the fear of abandonment keeps a dependent ally close
    to its patron and aligned with the patron's friends and enemies, in proportion to its
    dependence (1 - autonomy). Toward the patron itself the pull is toward full loyalty (+1).
    """
    follows = patron @ A  # row i: the patron's stances toward everyone
    target = np.where(patron > 0, 1.0, follows)
    dependence = _row((1.0 - autonomy) * patron.sum(axis=-1))
    return dependence * (target - A)


def balance(A: np.ndarray) -> np.ndarray:
    """Structural balance: the friend of my friend is my friend, the enemy of my friend my enemy.

    Heider's balance theory in Marvel, Kleinberg, Kleinberg & Strogatz's continuous form
    (2011, PNAS), dX/dt = X², bounded to [-1, 1]: A[i, j] moves in the direction of
    sum_k A[i, k] A[k, j] (over third parties, scaled by their number), damped by
    (1 - A[i, j]²) so that it stops at ±1. Two balanced camps (friendly within, hostile
    across) are thereby kept and deepened, and an unbalanced triad resolves toward balance.
    """
    n = A.shape[-1]
    if n < 3:
        return np.zeros_like(A)
    Z = A * _off_diagonal(n)
    return (Z @ Z) / (n - 2) * (1.0 - A * A)


def interdependence(A: np.ndarray, E: np.ndarray) -> np.ndarray:
    """Commercial peace: realised economic cooperation pulls alignment up, in proportion to it.

    Liberal interdependence theory (Keohane & Nye): trade and investment raise the cost of
    estrangement and create constituencies for good relations.
    """
    return E * (1.0 - A)


def people(A: np.ndarray, T: np.ndarray) -> np.ndarray:
    """People-to-people ties (tourism, exchanges) warm stances slightly, as soft power does."""
    return T * (1.0 - A)


def joining(p: Params) -> np.ndarray:
    """(..., n): how far each state joins the sanctions: the sanctioner fully, another as its
    `joining` says, or by the default rule in proportion to its dependence on the sanctioner
    (1 - autonomy) where the scenario does not give it (NaN)."""
    own = np.where(np.isnan(p.joining), _led_by_sanctioner(p) * (1.0 - p.autonomy), p.joining)
    return p.sanctioner + (1.0 - p.sanctioner) * own


def _led_by_sanctioner(p: Params) -> np.ndarray:
    """(..., n): 1 where the sanctioner leads i (is its patron)."""
    return np.einsum("...ij,...j->...i", p.patron, p.sanctioner)


def sanctions_pressure(A: np.ndarray, E: np.ndarray, p: Params, join: np.ndarray | None = None) -> np.ndarray:
    """Sanctions as politics: a coalition, its target's retaliation, and the cost of engaging.

    The sanctioner and the sanctioned estrange; the sanctioned turns against those who join
    (Russia's "unfriendly countries" list, March 2022), in proportion to their joining; an
    ally of the sanctioner that trades with the sanctioned loses standing with it (the
    sanctioner's displeasure, both directions). All in proportion to the sanctions.
    `join` is `joining(p)`, if already computed.
    """
    s = _scalar(p.sanctions)
    u, r = p.sanctioner, p.sanctioned
    join = joining(p) if join is None else join  # the sanctioner's own joining is 1
    hostile = _row(r) * _column(join) + _row(u) * _column(r)  # r against all who join, u against r
    engagement = np.einsum("...ij,...j->...i", E, r) * _led_by_sanctioner(p)  # (..., n): an ally's cooperation with r
    cost = _row(engagement) * _column(u) + _column(engagement) * _row(u)
    return s * (hostile * (-1.0 - A) - cost)


def hedging(A: np.ndarray, power: np.ndarray) -> np.ndarray:
    """Hedging against hegemony: states wary of the strongest power warm to others who keep their distance.

    Balance-of-power logic (Waltz; Russia's stated wish that no single power dominate the
    peninsula): i warms toward j in proportion to how far both stand from the hegemon.
    """
    n = A.shape[-1]
    hegemon = np.eye(n)[np.argmax(power, axis=-1)]  # (..., n) one-hot
    distance = (1.0 - (A @ hegemon[..., :, None])[..., 0]) / 2.0 * (1.0 - hegemon)
    return _row(distance) * _column(distance) * (1.0 - A)


def _warmth(A: np.ndarray) -> np.ndarray:
    """A pair's mean stance, negative stances counting as 0."""
    return np.clip((A + np.swapaxes(A, -1, -2)) / 2.0, 0.0, 1.0)


def cooperation_pull(A: np.ndarray, E: np.ndarray, p: Params) -> np.ndarray:
    """Trade follows the flag: cooperation moves toward its economic potential, raised by warmth.

    The target is potential + (1 - potential) * trade_response * warmth, where warmth is
    the pair's mean stance (negative stances count as 0): good relations open markets
    beyond what complementarity alone would bring.
    """
    lift = _scalar(p.trade_response) * _warmth(A)
    return p.potential + (1.0 - p.potential) * lift - E


def rivalry(A: np.ndarray, power: np.ndarray, patron: np.ndarray) -> np.ndarray:
    """Great-power rivalry: near-equal great powers distrust each other, whatever they trade.

    Power-transition theory (Organski; Allison's "Thucydides trap"): the pull toward
    hostility grows with the product of the two powers' shares (1 for two halves of the
    region), so it matters between great powers and hardly at all for small states.
    A state and the power whose lead it follows are partners, not rivals.
    """
    led = patron + np.swapaxes(patron, -1, -2)
    return -4.0 * _row(power) * _column(power) * (1.0 - led) * (1.0 + A)


def sanction_exposure(p: Params, join: np.ndarray | None = None) -> np.ndarray:
    """How strongly sanctions cut each pair's cooperation with the sanctioned: (..., n, n), symmetric.

    The firms of actor i retreat from the sanctioned market in proportion to the sanctions,
    to how far their government joins them (its own export controls) and to their exposure
    (sensitivity) to the sanctioner's market and currency (2022 exports to Russia: US -73%,
    Japan -41%, Korea -37%, China +13%).
    """
    own = _row(p.sensitivity * (joining(p) if join is None else join)) * _column(p.sanctioned)
    return _scalar(p.sanctions) * (own + np.swapaxes(own, -1, -2))


def diversion(E: np.ndarray, p: Params, join: np.ndarray | None = None, exposure: np.ndarray | None = None) -> np.ndarray:
    """Trade diversion: what the sanctioned loses with those who join flows to those who do not.

    The cooperation cut this quarter, sum_i exposure[r, i] E[r, i], is shared among the
    sanctioned's partners in proportion to their openness (1 - joining)(1 - sensitivity)
    and their existing cooperation (China's exports to Russia rose 13% in 2022). Symmetric.
    `join` and `exposure` are `joining(p)` and `sanction_exposure(p)`, if already computed.
    """
    join = joining(p) if join is None else join
    exposure = sanction_exposure(p, join) if exposure is None else exposure
    r = p.sanctioned[..., :, None]  # (..., n, 1)
    lost = (exposure * E * r).sum(axis=(-1, -2))  # (...) cut from the sanctioned's row
    others = 1.0 - p.sanctioned
    open_ = (1.0 - join) * (1.0 - p.sensitivity) * others * (E * r).sum(axis=-2)  # (..., n)
    total = open_.sum(axis=-1)
    share = np.where(total[..., None] > 0, open_ / np.where(total[..., None] > 0, total[..., None], 1.0), 0.0)
    gain = (lost[..., None] * share)[..., None, :] * r  # row r: what each partner gains
    return gain + np.swapaxes(gain, -1, -2)


def pulls(state: State, p: Params, join: np.ndarray | None = None) -> list[np.ndarray]:
    """Every mechanism's pull on the stances, in the order of MECHANISMS."""
    A, E, T = state
    return [
        interests(A, p.anchor),
        patron_pull(A, p.patron, p.autonomy),
        balance(A),
        interdependence(A, E),
        sanctions_pressure(A, E, p, join),
        hedging(A, p.power),
        rivalry(A, p.power, p.patron),
        people(A, T),
    ]


def step(state: State, p: Params, z: np.ndarray) -> State:
    """Advance one quarter: all actors update from the same state (synchronous).

    `z` holds standard normal draws of shape (..., n, n), scaled here by `p.noise`.
    """
    A, E, T = state
    off = _off_diagonal(A.shape[-1])
    weights = np.moveaxis(np.asarray(p.weights), -1, 0)[..., None, None]
    join = joining(p)  # used by three mechanisms: computed once
    drift = sum(w * pull for w, pull in zip(weights, pulls(state, p, join)))
    rate = _scalar(p.rate)
    A_next = np.clip(A + rate * drift + _scalar(p.noise) * z, -1.0, 1.0) * off

    sanctions_weight = weights[MECHANISMS.index("sanctions")]
    exposure = sanction_exposure(p, join)
    cut = sanctions_weight * (exposure * E - diversion(E, p, join, exposure))
    E_next = np.clip(E + _scalar(p.trade_rate) * cooperation_pull(A, E, p) - cut, 0.0, 1.0) * off

    T_next = np.clip(T + rate * _scalar(p.tourism_growth) * T * (1.0 - T), 0.0, 1.0) * off
    return State(A_next, E_next, T_next)


def shifted(state: State, dA: np.ndarray, dE: np.ndarray) -> State:
    off = _off_diagonal(state.A.shape[-1])
    return State(np.clip(state.A + dA, -1.0, 1.0) * off, np.clip(state.E + dE, 0.0, 1.0) * off, state.T)


def shift_at(schedule: Schedule, state: State, t: int) -> State:
    if t not in schedule.shift_steps:
        return state
    return shifted(state, *schedule.shifts[schedule.shift_steps.index(t)])


def simulate(schedule: Schedule, seeds: np.ndarray, steps: int) -> Trajectory:
    """Every run of a stacked schedule for `steps` quarters, as the numpy engine computed them."""
    state = shift_at(schedule, schedule.initial, 0)
    runs, n = state.A.shape[0], state.A.shape[-1]
    z = noise(seeds, steps, n)
    out = [np.empty((steps + 1, runs, n, n)) for _ in range(3)]
    for k, part in enumerate(state):
        out[k][0] = part
    for t in range(steps):
        state = shift_at(schedule, step(state, schedule.params_at(t), z[:, t]), t + 1)
        for k, part in enumerate(state):
            out[k][t + 1] = part
    return Trajectory(*(np.moveaxis(x, 0, 1) for x in out))
