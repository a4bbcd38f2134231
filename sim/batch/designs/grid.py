"""Full factorial: every combination of the factors' levels (listed values, or `points` evenly spaced)."""

from __future__ import annotations

from math import prod

import numpy as np


def _levels(spec) -> list[float]:
    if isinstance(spec, list):
        return list(spec)
    if spec.values is not None:
        return list(spec.values)
    return list(np.linspace(*spec.range, spec.points))


def _count(spec) -> int:
    if isinstance(spec, list):
        return len(spec)
    return len(spec.values) if spec.values is not None else spec.points


def size(sweep) -> int:
    """The number of design points, counted from the levels without building them."""
    return prod(_count(spec) for spec in sweep.factors.values())


def sample(sweep, problem: dict, seed: int) -> np.ndarray:
    """Every combination, the first factor varying slowest (as itertools.product orders them)."""
    levels = [np.asarray(_levels(spec), dtype=float) for spec in sweep.factors.values()]
    points = np.empty((*(len(x) for x in levels), len(levels)))
    for k, grid in enumerate(np.meshgrid(*levels, indexing="ij", copy=False)):
        points[..., k] = grid
    return points.reshape(-1, len(levels))
