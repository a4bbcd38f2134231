"""Full factorial: every combination of the factors' levels (listed values, or `points` evenly spaced)."""

from __future__ import annotations

import itertools

import numpy as np


def _levels(spec) -> list[float]:
    if isinstance(spec, list):
        return list(spec)
    if spec.values is not None:
        return list(spec.values)
    return list(np.linspace(*spec.range, spec.points))


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    return np.array(list(itertools.product(*(_levels(spec) for spec in sweep.factors.values()))), dtype=float)
