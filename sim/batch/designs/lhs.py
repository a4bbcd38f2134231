"""Latin hypercube (scipy.stats.qmc): `samples` points, each factor's range cut into as many strata."""

from __future__ import annotations

import numpy as np


def size(sweep) -> int:
    """The number of design points: `samples` points."""
    return sweep.samples


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed)).random(sweep.samples)
    low, high = np.array(problem["bounds"]).T
    return qmc.scale(unit, low, high)
