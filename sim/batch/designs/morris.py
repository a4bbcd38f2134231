"""Morris elementary effects (SALib): samples trajectories of factors + 1 points on a grid of `levels`."""

from __future__ import annotations

import numpy as np


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(problem, sweep.samples, num_levels=sweep.levels, seed=seed)
