"""Value of information: which uncertain value, if it were known, would change the best policy.

The expected value of partial perfect information (EVPPI) of a value θ: the expected utility of
choosing the best policy once θ is known, less that of choosing it now,

    EVPPI(θ) = E_θ[ max_p E[U_p | θ] ] − max_p E[U_p],

estimated by cutting the states of the world into bins of equal count along θ (Strong & Oakley
2013 regress on θ; bins are the simplest such regression). It is zero when one policy is best
whatever θ is. The binned estimate is biased upward by chance, so each value's is set beside
what the same estimate gives with θ's values shuffled among the states (a value that
cannot matter): an EVPPI within that range says nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BINS = 4
SHUFFLES = 50


def _groups(theta: np.ndarray, bins: int) -> np.ndarray:
    """The bin of θ each state falls in: `bins` bins of equal counts."""
    edges = np.quantile(theta, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, theta, side="right")


def evppi(utility: np.ndarray, theta: np.ndarray, bins: int = BINS) -> float:
    """EVPPI of θ for utilities (policies, states), θ (states,)."""
    group = _groups(theta, bins)
    now = utility.mean(axis=1).max()
    known = sum((group == b).mean() * utility[:, group == b].mean(axis=1).max() for b in np.unique(group))
    gain = known - now
    return float(gain) if gain > 1e-9 * max(1.0, abs(now)) else 0.0  # below that: rounding, not information


def value_of_information(utilities: dict[str, np.ndarray], values: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per criterion (utilities: name -> (policies, states), larger better) and uncertain value (a column of
    `values`, one row per state): the EVPPI, and the 95th percentile of the EVPPI with the value's
    states shuffled (what chance alone gives)."""
    rng = np.random.default_rng(seed)
    rows = []
    for criterion, utility in utilities.items():
        for name in values.columns:
            theta = values[name].to_numpy(dtype=float)
            chance = [evppi(utility, rng.permutation(theta)) for _ in range(SHUFFLES)]
            rows.append({"criterion": criterion, "value": name, "evppi": evppi(utility, theta),
                         "chance_p95": float(np.quantile(chance, 0.95))})
    found = pd.DataFrame(rows, columns=["criterion", "value", "evppi", "chance_p95"])
    found["informative"] = found["evppi"] > found["chance_p95"]
    order = {c: k for k, c in enumerate(utilities)}
    return found.sort_values(["criterion", "evppi"], key=lambda c: c.map(order) if c.name == "criterion" else -c,
                             ignore_index=True)


WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
DRAWS = 200  # bootstrap resamples of the states of the world


def tradeoff(first: np.ndarray, second: np.ndarray, values: pd.DataFrame, weights=WEIGHTS, seed: int = 0) -> pd.DataFrame:
    """The value of information on a trade-off between two criteria (policies, states), larger better:
    for each weight w of the first, the utility w * first + (1 - w) * second (each scaled to [0, 1]
    over all policies and states), and per uncertain value (a column of `values`) its EVPPI with a
    95% bootstrap interval over the states, beside chance's (the value's states shuffled). `best_everywhere`
    says whether one policy is best in every bin of every value: then the EVPPI is zero by construction,
    whatever the value, and the weight alone decides."""
    rng = np.random.default_rng(seed)
    scaled = [(x - x.min()) / (np.ptp(x) or 1.0) for x in (np.asarray(first, float), np.asarray(second, float))]
    rows = []
    for w in weights:
        utility = w * scaled[0] + (1 - w) * scaled[1]
        for name in values.columns:
            theta = values[name].to_numpy(dtype=float)
            boot = [evppi(utility[:, at], theta[at]) for at in (rng.integers(0, len(theta), len(theta)) for _ in range(DRAWS))]
            chance = [evppi(utility, rng.permutation(theta)) for _ in range(SHUFFLES)]
            rows.append({"weight": w, "value": name, "evppi": evppi(utility, theta),
                         "low": float(np.quantile(boot, 0.025)), "high": float(np.quantile(boot, 0.975)),
                         "chance_p95": float(np.quantile(chance, 0.95)), "best_everywhere": _one_best(utility, theta),
                         "best_policy": int(utility.mean(axis=1).argmax())})
    found = pd.DataFrame(rows)
    found["informative"] = found["low"] > found["chance_p95"]
    return found


def _one_best(utility: np.ndarray, theta: np.ndarray, bins: int = BINS) -> bool:
    """Whether the same policy is best in every bin of θ (the EVPPI is then zero by construction)."""
    group = _groups(theta, bins)
    return len({int(utility[:, group == b].mean(axis=1).argmax()) for b in np.unique(group)}) == 1
