"""Saltelli's scheme for Sobol indices (SALib): samples x (factors + 2) points, first and total order."""

from __future__ import annotations

import numpy as np


def size(sweep) -> int:
    """The number of design points: samples x (factors + 2)."""
    return sweep.samples * (len(sweep.factors) + 2)


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(problem, sweep.samples, calc_second_order=False, seed=seed)
