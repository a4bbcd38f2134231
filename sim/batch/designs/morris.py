"""Morris elementary effects (SALib): samples trajectories of factors + 1 points on a grid of `levels`."""

from __future__ import annotations

import numpy as np


def size(sweep) -> int:
    """The number of design points: samples x (factors + 1)."""
    return sweep.samples * (len(sweep.factors) + 1)


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(problem, sweep.samples, num_levels=sweep.levels, seed=seed)
