"""The theory: how states adjust their stances and ties, one quarter at a time.

Each mechanism is written once, for one pair (i, j) of one run, as the equation in
docs/model.md reads; numba compiles them (`compiled`) into one fused loop over pairs,
quarters and runs, and both the Mesa model and the batch engine call that loop. Row i
of a matrix is actor i's view: `A[i, j]` is i's alignment toward j in [-1, 1], `E[i, j]`
the realised economic cooperation of i and j in [0, 1] (symmetric), `T[i, j]` their
people-to-people ties in [0, 1] (symmetric). There is no hidden randomness: the noise comes
in as an argument.

Each mechanism returns a *pull*: the direction and strength with which it moves a stance
this quarter. `advance` weighs the pulls, realises a share `rate` of them, adds the
noise, and updates cooperation and ties; `runs` at the end takes every run through every
quarter. `stepping` (`step`, `terms`, ...) and `rest` take arrays with any leading run
axes, for the model, the tests and the rest state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .compiled import kernel, part

MECHANISMS = ("interests", "patron_pull", "balance", "interdependence", "sanctions", "hedging", "rivalry", "people")
INTERESTS, PATRON_PULL, BALANCE, INTERDEPENDENCE, SANCTIONS, HEDGING, RIVALRY, PEOPLE = range(len(MECHANISMS))


class State(NamedTuple):
    """Stances A, cooperation E and people-to-people ties T, each (..., n, n)."""

    A: np.ndarray
    E: np.ndarray
    T: np.ndarray


class Params(NamedTuple):
    """Parameters in force during one quarter; in a batch each carries leading run axes."""

    anchor: np.ndarray  # (n, n) enduring interests: the stance each state returns to
    potential: np.ndarray  # (n, n) economic complementarity: cooperation without politics or sanctions
    power: np.ndarray  # (n,) share of regional capabilities
    autonomy: np.ndarray  # (n,) freedom from the patron's lead
    sensitivity: np.ndarray  # (n,) exposure of its firms to secondary sanctions
    joining: np.ndarray  # (n,) how far each state joins the sanctions (NaN: the default rule, `observe`)
    patron: np.ndarray  # (n, n) one-hot rows: patron[i, p] = 1 if p leads i
    sanctioner: np.ndarray  # (n,) one-hot (all zero: no sanctions regime)
    sanctioned: np.ndarray  # (n,) one-hot
    sanctions: np.ndarray  # () intensity of sanctions in [0, 1]
    noise: np.ndarray  # () s.d. of the stances' noise per quarter
    rate: np.ndarray  # () share of the stances' total pull realised per quarter
    trade_rate: np.ndarray  # () share of the gap to its target that cooperation closes per quarter
    trade_response: np.ndarray  # () how far political warmth lifts cooperation above potential
    tourism_growth: np.ndarray  # () logistic growth rate of people-to-people ties
    weights: np.ndarray  # (len(MECHANISMS),) weight of each mechanism

    def map(self, fn) -> "Params":
        """Apply fn to every array (e.g. stacking, indexing runs)."""
        return Params(*(fn(x) for x in self))


TAIL = Params(*(2, 2, 1, 1, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0, 1))  # each parameter's own axes, after the run axes


class Situation(NamedTuple):
    """What the pairs' pulls share in a quarter, computed once per quarter (`observe`): (n,) each."""

    join: np.ndarray  # how far each state joins the sanctions
    engagement: np.ndarray  # an ally of the sanctioner's cooperation with the sanctioned
    distance: np.ndarray  # how far each state stands from the hegemon (0 for the hegemon)
    share: np.ndarray  # each state's share of the trade diverted from those who join
    lost: np.ndarray  # (1,) the cooperation the sanctioned loses this quarter


# --- the mechanisms: the pull on i's stance toward j -----------------------------------


@part
def interests(A, p, i, j):
    """Enduring interests (geography, history, identity): stances drift back toward their anchor.

    Realist baseline: without new pressure a state's stance returns to what its structural
    interests dictate (the scenario's `interests:`, or those at which it starts at rest).
    """
    return p.anchor[i, j] - A[i, j]


@part
def patron_pull(A, p, i, j):
    """Alliance dependence: a client adopts its patron's stance toward others and stays loyal.

    Snyder's alliance security dilemma: the fear of abandonment keeps a dependent ally close
    to its patron and aligned with the patron's friends and enemies, in proportion to its
    dependence (1 - autonomy). Toward the patron itself the pull is toward full loyalty (+1).
    """
    led, follows = 0.0, 0.0
    for k in range(A.shape[0]):
        led += p.patron[i, k]
        follows += p.patron[i, k] * A[k, j]  # the patron's stance toward j
    target = 1.0 if p.patron[i, j] > 0 else follows
    return (1.0 - p.autonomy[i]) * led * (target - A[i, j])


@part
def balance(A, i, j):
    """Structural balance: the friend of my friend is my friend, the enemy of my friend my enemy.

    Heider's balance theory in Marvel, Kleinberg, Kleinberg & Strogatz's continuous form
    (2011, PNAS), dX/dt = X², bounded to [-1, 1]: A[i, j] moves in the direction of
    sum_k A[i, k] A[k, j] (over third parties, scaled by their number; A's diagonal is
    zero, so k = i and k = j add nothing), damped by
    (1 - A[i, j]²) so that it stops at ±1. Two balanced camps (friendly within, hostile
    across) are thereby kept and deepened, and an unbalanced triad resolves toward balance.
    """
    n = A.shape[0]
    if n < 3:
        return 0.0
    triads = 0.0
    for k in range(n):
        triads += A[i, k] * A[k, j]
    return triads / (n - 2) * (1.0 - A[i, j] * A[i, j])


@part
def interdependence(A, E, i, j):
    """Commercial peace: realised economic cooperation pulls alignment up, in proportion to it.

    Liberal interdependence theory (Keohane & Nye): trade and investment raise the cost of
    estrangement and create constituencies for good relations.
    """
    return E[i, j] * (1.0 - A[i, j])


@part
def sanctions_pressure(A, p, s, i, j):
    """Sanctions as politics: a coalition, its target's retaliation, and the cost of engaging.

    The sanctioner and the sanctioned estrange; the sanctioned turns against those who join
    (Russia's "unfriendly countries" list, March 2022), in proportion to their joining; an
    ally of the sanctioner that trades with the sanctioned loses standing with it (the
    sanctioner's displeasure, both directions). All in proportion to the sanctions.
    """
    u, r = p.sanctioner, p.sanctioned
    hostile = r[i] * s.join[j] + u[i] * r[j]  # r against all who join, u against r
    cost = s.engagement[i] * u[j] + s.engagement[j] * u[i]
    return p.sanctions * (hostile * (-1.0 - A[i, j]) - cost)


@part
def hedging(A, s, i, j):
    """Hedging against hegemony: states wary of the strongest power warm to others who keep their distance.

    Balance-of-power logic (Waltz; Russia's stated wish that no single power dominate the
    peninsula): i warms toward j in proportion to how far both stand from the hegemon.
    """
    return s.distance[i] * s.distance[j] * (1.0 - A[i, j])


@part
def rivalry(A, p, i, j):
    """Great-power rivalry: near-equal great powers distrust each other, whatever they trade.

    Power-transition theory (Organski; Allison's "Thucydides trap"): the pull toward
    hostility grows with the product of the two powers' shares (1 for two halves of the
    region), so it matters between great powers and hardly at all for small states.
    A state and the power whose lead it follows are partners, not rivals.
    """
    led = p.patron[i, j] + p.patron[j, i]
    return -4.0 * p.power[i] * p.power[j] * (1.0 - led) * (1.0 + A[i, j])


@part
def people(A, T, i, j):
    """People-to-people ties (tourism, exchanges) warm stances slightly, as soft power does."""
    return T[i, j] * (1.0 - A[i, j])


# --- cooperation ------------------------------------------------------------------------


@part
def warmth(A, i, j):
    """A pair's mean stance, negative stances counting as 0."""
    return min(max((A[i, j] + A[j, i]) / 2.0, 0.0), 1.0)


@part
def cooperation_target(A, p, i, j):
    """Trade follows the flag: the cooperation a pair tends to, its potential raised by warmth.

    potential + (1 - potential) * trade_response * warmth: good relations open markets
    beyond what complementarity alone would bring.
    """
    return p.potential[i, j] + (1.0 - p.potential[i, j]) * lift(A, p, i, j)


@part
def lift(A, p, i, j):
    """How far the pair's warmth raises its cooperation toward full: trade_response * warmth."""
    return p.trade_response * warmth(A, i, j)


@part
def sanction_exposure(p, s, i, j):
    """How strongly sanctions cut the pair's cooperation with the sanctioned (symmetric).

    The firms of actor i retreat from the sanctioned market in proportion to the sanctions,
    to how far their government joins them (its own export controls) and to their exposure
    (sensitivity) to the sanctioner's market and currency (2022 exports to Russia: US -73%,
    Japan -41%, Korea -37%, China +13%).
    """
    r = p.sanctioned
    return p.sanctions * (p.sensitivity[i] * s.join[i] * r[j] + p.sensitivity[j] * s.join[j] * r[i])


@part
def diversion(p, s, i, j):
    """Trade diversion: what the sanctioned loses with those who join flows to those who do not.

    The cooperation cut this quarter (`lost`) is shared among the sanctioned's partners in
    proportion to their openness (1 - joining)(1 - sensitivity) and their existing
    cooperation (China's exports to Russia rose 13% in 2022). Symmetric.
    """
    r = p.sanctioned
    return s.lost[0] * (r[i] * s.share[j] + r[j] * s.share[i])


@part
def situation(A, E, p, s):
    """Fill the Situation of this quarter: joining, engagement, distance, diversion shares.

    Joining is each state's own decision, not its autonomy: Korea stayed out of the 2014
    sanctions and joined the export controls of March 2022, under governments of either
    camp. The sanctioner joins fully; another state as far as its `joining` says (set from
    the record by dated events), or, where a scenario does not give it, by the default rule:
    a state that follows the sanctioner's lead joins in proportion to its dependence on it
    (1 - autonomy), any other stays out.
    """
    n = A.shape[0]
    u, r = p.sanctioner, p.sanctioned
    hegemon = np.argmax(p.power)
    for i in range(n):
        led = 0.0  # 1 where the sanctioner leads i
        with_sanctioned = 0.0
        for k in range(n):
            led += p.patron[i, k] * u[k]
            with_sanctioned += E[i, k] * r[k]
        own = led * (1.0 - p.autonomy[i]) if np.isnan(p.joining[i]) else p.joining[i]
        s.join[i] = u[i] + (1.0 - u[i]) * own
        s.engagement[i] = with_sanctioned * led
        s.distance[i] = 0.0 if i == hegemon else (1.0 - A[i, hegemon]) / 2.0
    lost, total = 0.0, 0.0
    for i in range(n):
        with_sanctioned = 0.0
        for k in range(n):
            with_sanctioned += E[k, i] * r[k]
            lost += sanction_exposure(p, s, k, i) * E[k, i] * r[k]
        s.share[i] = (1.0 - s.join[i]) * (1.0 - p.sensitivity[i]) * (1.0 - r[i]) * with_sanctioned
        total += s.share[i]
    for i in range(n):
        s.share[i] = s.share[i] / total if total > 0 else 0.0
    s.lost[0] = lost


@part
def trade_cut(E, p, s, i, j):
    """Net cooperation sanctions take from the pair this quarter: the cut less the diversion."""
    return sanction_exposure(p, s, i, j) * E[i, j] - diversion(p, s, i, j)


# --- one quarter ----------------------------------------------------------------------


@part
def pulls(A, E, T, p, s, i, j, out):
    """Every mechanism's pull on i's stance toward j, into `out`, in the order of MECHANISMS."""
    out[INTERESTS] = interests(A, p, i, j)
    out[PATRON_PULL] = patron_pull(A, p, i, j)
    out[BALANCE] = balance(A, i, j)
    out[INTERDEPENDENCE] = interdependence(A, E, i, j)
    out[SANCTIONS] = sanctions_pressure(A, p, s, i, j)
    out[HEDGING] = hedging(A, s, i, j)
    out[RIVALRY] = rivalry(A, p, i, j)
    out[PEOPLE] = people(A, T, i, j)


@part
def advance(A, E, T, p, z, s, pull, A_next, E_next, T_next):
    """Advance one run one quarter into (A, E, T)_next: every actor updates from the same state.

    Stances move a share `rate` of their total pull; cooperation closes a share `trade_rate` of
    its gap to its target, and loses what the sanctions cut within the quarter: policy and trade
    answer at their own speeds, and a prohibition binds when it is issued, while the market's
    own adjustment takes time. `z` are standard normal draws (n, n), scaled here by `noise`;
    `s` and `pull` are scratch space.
    """
    situation(A, E, p, s)
    n = A.shape[0]
    for i in range(n):
        A_next[i, i], E_next[i, i], T_next[i, i] = 0.0, 0.0, 0.0
        for j in range(n):
            if i == j:
                continue
            pulls(A, E, T, p, s, i, j, pull)
            drift = 0.0
            for m in range(len(pull)):
                drift += p.weights[m] * pull[m]
            A_next[i, j] = min(max(A[i, j] + p.rate * drift + p.noise * z[i, j], -1.0), 1.0)
            dE = p.trade_rate * (cooperation_target(A, p, i, j) - E[i, j]) - p.weights[SANCTIONS] * trade_cut(E, p, s, i, j)
            E_next[i, j] = min(max(E[i, j] + dE, 0.0), 1.0)
            grown = T[i, j] + p.rate * p.tourism_growth * T[i, j] * (1.0 - T[i, j])
            T_next[i, j] = min(max(grown, 0.0), 1.0)


@part
def shift(A, E, dA, dE):
    """A shift that moves the current stances and cooperation (a summit, an incident), kept in range."""
    n = A.shape[0]
    for i in range(n):
        for j in range(n):
            if i != j:
                A[i, j] = min(max(A[i, j] + dA[i, j], -1.0), 1.0)
                E[i, j] = min(max(E[i, j] + dE[i, j], 0.0), 1.0)


# --- runs and quarters ------------------------------------------------------------------


@part
def at(P, k, r):
    """The parameters of phase k for run r, from parameters with leading (phase, run) axes."""
    return Params(P.anchor[k, r], P.potential[k, r], P.power[k, r], P.autonomy[k, r], P.sensitivity[k, r],
                  P.joining[k, r], P.patron[k, r], P.sanctioner[k, r], P.sanctioned[k, r], P.sanctions[k, r], P.noise[k, r],
                  P.rate[k, r], P.trade_rate[k, r], P.trade_response[k, r], P.tourism_growth[k, r], P.weights[k, r])


@part
def scratch(n):
    """Scratch space for one run: its Situation and the pulls on one stance."""
    return Situation(np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(1)), np.empty(len(MECHANISMS))


@part
def run(r, A0, E0, T0, P, phase, shifts, dA, dE, z, A, E, T):
    """Run r through every quarter: A[r, t + 1] from A[r, t] under the phase in force at t.

    `phase[t]` is the phase in force during quarter t; `shifts[t]` the shift that moves the
    state recorded at step t (-1: none); `z` the run's noise (quarters, n, n).
    """
    s, pull = scratch(A0.shape[1])
    for i in range(A0.shape[1]):
        for j in range(A0.shape[2]):
            A[r, 0, i, j], E[r, 0, i, j], T[r, 0, i, j] = A0[r, i, j], E0[r, i, j], T0[r, i, j]
    if shifts[0] >= 0:
        shift(A[r, 0], E[r, 0], dA[shifts[0], r], dE[shifts[0], r])
    p = at(P, phase[0], r)
    for t in range(len(phase)):
        if t > 0 and phase[t] != phase[t - 1]:
            p = at(P, phase[t], r)
        advance(A[r, t], E[r, t], T[r, t], p, z[t], s, pull, A[r, t + 1], E[r, t + 1], T[r, t + 1])
        if shifts[t + 1] >= 0:
            shift(A[r, t + 1], E[r, t + 1], dA[shifts[t + 1], r], dE[shifts[t + 1], r])


@kernel
def runs(A0, E0, T0, P, phase, shifts, dA, dE, z, A, E, T):
    """Every run through every quarter, with its noise z[r] (runs, quarters, n, n); without the
    interpreter's lock (`compiled.kernel`)."""
    for r in range(A0.shape[0]):
        run(r, A0, E0, T0, P, phase, shifts, dA, dE, z[r], A, E, T)
