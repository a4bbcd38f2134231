"""Landscape theory of aggregation (Axelrod & Bennett 1993): which two-camp coalitions are stable.

Actors with sizes s_i and pairwise propensities p_ij (positive: they want to be together)
split into two camps. A configuration's energy (frustration) is

    E = sum over pairs i < j of s_i * s_j * p_ij * d_ij,   d_ij = 1 if i and j are apart, else 0.

An actor moves to the other camp when that lowers its own frustration; since the energy
is a potential, those moves lower E, and the stable configurations are its local minima:
no single actor can lower E by switching. Every configuration is enumerated, so the
answer is exact (2**(n-1) configurations: the two camp labels are interchangeable, and
actor 0 is kept in camp 0).

With x_i = +1 / -1 for the two camps, 1 - 2 d_ij = x_i x_j, and the change of E when
actor i switches is  dE_i = x_i * (W x)_i  with  W_ij = s_i s_j p_ij  (W_ii = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import budget


def weights(size: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """W_ij = s_i s_j p_ij with a zero diagonal; p is made symmetric (mean of both directions)."""
    p = (np.asarray(propensity, float) + np.asarray(propensity, float).T) / 2
    W = np.outer(size, size) * p
    np.fill_diagonal(W, 0.0)
    return W


def configurations(n: int) -> np.ndarray:
    """Every two-camp configuration with actor 0 in camp 0: (2**(n-1), n) of 0/1."""
    codes = np.arange(2 ** (n - 1), dtype=np.int64)
    camps = np.zeros((len(codes), n), dtype=np.int8)
    camps[:, 1:] = (codes[:, None] >> np.arange(n - 1)) & 1
    return camps


def energy(camps: np.ndarray, W: np.ndarray) -> np.ndarray:
    """E of configurations camps (..., n) of 0/1: the weight of every pair split across camps."""
    x = 2.0 * camps - 1.0
    # sum_{i<j} W_ij d_ij with d_ij = (1 - x_i x_j) / 2
    return (W.sum() - np.einsum("...i,ij,...j->...", x, W, x)) / 4.0


def switch_gain(camps: np.ndarray, W: np.ndarray) -> np.ndarray:
    """dE_i: the change of E if actor i alone switched camps, for every configuration and actor."""
    x = 2.0 * camps - 1.0
    return x * (x @ W)


@dataclass
class Landscape:
    names: list[str]
    camps: np.ndarray  # (k, n) the stable configurations, 0/1, actor 0 in camp 0
    energies: np.ndarray  # (k,)
    basins: np.ndarray  # (k,) share of all configurations whose descent ends there

    def describe(self, k: int) -> str:
        a = [n for n, c in zip(self.names, self.camps[k]) if c == 0]
        b = [n for n, c in zip(self.names, self.camps[k]) if c == 1]
        return "{" + ", ".join(a) + "}" + (" vs {" + ", ".join(b) + "}" if b else " (one camp)")

    def together(self, a: str, b: str) -> np.ndarray:
        """Per stable configuration: are a and b in the same camp?"""
        i, j = self.names.index(a), self.names.index(b)
        return self.camps[:, i] == self.camps[:, j]


def stable(names: list[str], size: np.ndarray, propensity: np.ndarray, tol: float = 1e-12) -> Landscape:
    """All local minima of the energy, with their basins of attraction, lowest energy first."""
    n = len(names)
    budget.check(2 ** (n - 1) * n * 40, f"the {2 ** (n - 1):,} two-camp configurations of {n} actors",
                 "give fewer actors (exact enumeration doubles with each one)")
    W = weights(size, propensity)
    camps = configurations(n)
    gains = switch_gain(camps, W)
    minima = np.nonzero((gains >= -tol).all(axis=1))[0]
    basin_of = descend(camps, W, tol)
    counts = np.bincount(basin_of, minlength=len(camps))[minima]
    order = np.argsort(energy(camps[minima], W), kind="stable")
    minima = minima[order]
    return Landscape(list(names), camps[minima], energy(camps[minima], W), counts[order] / len(camps))


def _code(camps: np.ndarray) -> np.ndarray:
    """Configuration index, after swapping camp labels so that actor 0 is in camp 0."""
    canonical = np.where(camps[:, :1] == 1, 1 - camps, camps)
    return (canonical[:, 1:].astype(np.int64) << np.arange(camps.shape[1] - 1)).sum(axis=1)


def descend(camps: np.ndarray, W: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """From every configuration, let the most frustrated actor switch until none gains: the
    index of the configuration each one ends in."""
    current = camps.copy()
    rows = np.arange(len(current))
    for _ in range(4 * camps.shape[1] ** 2):  # each move lowers E; this bound is never reached in practice
        gains = switch_gain(current, W)
        best = gains.argmin(axis=1)
        moving = gains[rows, best] < -tol
        if not moving.any():
            break
        current[rows[moving], best[moving]] ^= 1
    return _code(current)


# --- from scenarios ---------------------------------------------------------------------


def inputs(scenario, stances: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sizes and propensities of a scenario: given in its `landscape:` section, else its
    actors' power and the mean of the two directed stances (`stances`, default the initial ones)."""
    from ..core.schedule import initial_state, pair_matrix

    given = scenario.landscape
    size = np.array([(given.sizes.get(n) if given and n in given.sizes else a.power) for n, a in scenario.actors.items()])
    if given and given.propensity:
        return size, pair_matrix(scenario, given.propensity)
    A = initial_state(scenario).A if stances is None else stances
    return size, (A + A.T) / 2


def final_stances(scenario, runs: int = 40) -> np.ndarray:
    """Median final stances over seeded runs of the scenario (ready to run: `resolve`)."""
    from ..core.engine import replicates

    traj = replicates(scenario, runs)
    return np.median(traj.A[:, -1], axis=0)


@dataclass
class StabilityMap:
    """Over sanctions (columns) x the focal actor's autonomy (rows), from final stances."""

    together: np.ndarray  # 0: no stable configuration has the pair in one camp; 1: one has; 2: the most stable has
    count: np.ndarray  # number of stable configurations
    cost: np.ndarray  # in the most stable configuration, the energy the first of the pair would add by
    #                   joining the second's camp, relative to its total weight (<= 0: already together)


def stability_map(scenario, sanctions: np.ndarray, autonomy: np.ndarray, runs: int = 40) -> StabilityMap:
    """How the stable coalitions change with sanctions and the focal actor's autonomy."""
    from ..core.resolve import resolve
    from ..scenario import with_overrides

    scenario = resolve(scenario).scenario  # the grid's conditions depart from the scenario's rest state
    a, b = scenario.partnership.pair
    i = scenario.index(a)
    shape = (len(autonomy), len(sanctions))
    found = StabilityMap(np.zeros(shape, int), np.zeros(shape, int), np.zeros(shape))
    for r, x in enumerate(autonomy):
        for c, level in enumerate(sanctions):
            s = with_overrides(scenario, {"parameters.sanctions": float(level), f"actors.{a}.autonomy": float(x)})
            size, propensity = inputs(s, final_stances(s, runs))
            land = stable(s.names, size, propensity)
            together = land.together(a, b)
            found.together[r, c] = 2 if together[0] else int(together.any())
            found.count[r, c] = len(land.energies)
            W = weights(size, propensity)
            best = land.camps[0]
            gain = switch_gain(best[None], W)[0, i]
            found.cost[r, c] = -np.abs(gain) if together[0] else gain / max(np.abs(W[i]).sum(), 1e-12)
    return found


SHOWN = 20  # stable configurations described and drawn, lowest energy first


def describe(land: Landscape, names: list[str], size: np.ndarray, source: str, scenario_name: str) -> list[str]:
    """The stable configurations in sentences, lowest energy first (the SHOWN lowest)."""
    k = len(land.energies)
    lines = [f"{k:,} stable configuration(s) of '{scenario_name}' ({source}; sizes: "
             + ", ".join(f"{n} {x:g}" for n, x in zip(names, size)) + ")"
             + (f"; the {SHOWN} of lowest energy:" if k > SHOWN else "")]
    for k in range(min(k, SHOWN)):
        lines.append(f"  E = {land.energies[k]:.5f}   basin {land.basins[k]:6.1%}   {land.describe(k)}")
    return lines


def describe_map(found: StabilityMap, levels: np.ndarray, pair: list[str]) -> list[str]:
    """Where on the sanctions x autonomy grid a coalition with the pair together is stable, in sentences."""
    a, b = pair
    lines = []
    for r, x in enumerate(levels):
        if found.together[r].any():
            cols = np.nonzero(found.together[r])[0]
            lines.append(f"  {a}'s autonomy {x:.2f}: a coalition with {a} and {b} together is stable for sanctions "
                         + ", ".join(f"{levels[c]:.2f}{'*' if found.together[r, c] == 2 else ''}" for c in cols)
                         + "  (* the most stable)")
    if not found.together.any():
        r, c = np.unravel_index(np.argmin(found.cost), found.cost.shape)
        lines.append(f"  no coalition with {a} and {b} together is stable anywhere on the grid; {a} comes closest at "
                     f"autonomy {levels[r]:.2f}, sanctions {levels[c]:.2f} (relative cost of joining {found.cost[r, c]:.2f})")
    return lines
