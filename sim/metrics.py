"""Outcomes of a run: whether, when and how long a pair was in strategic partnership.

A pair (i, j) is in partnership at a step when both directed stances are at or above the
threshold and their cooperation at or above its own; the partnership is *reached* once
that has held for `hold` consecutive steps, and dates from the first of those steps.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import binomtest


class Outcomes(NamedTuple):
    """Per run and unordered pair: arrays of shape (runs, pairs)."""

    reached: np.ndarray  # bool
    first_step: np.ndarray  # int, -1 where never reached
    steps_held: np.ndarray  # int, steps at which the conditions held


def conditions(A: np.ndarray, E: np.ndarray, threshold: float, cooperation: float) -> np.ndarray:
    """Where the partnership conditions hold: bool, same shape as A (..., n, n)."""
    return (A >= threshold) & (np.swapaxes(A, -1, -2) >= threshold) & (E >= cooperation)


def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The unordered pairs (i < j), as index arrays."""
    return np.triu_indices(n, k=1)


def partnership(A: np.ndarray, E: np.ndarray, threshold: float, cooperation: float, hold: int) -> Outcomes:
    """Outcomes for trajectories A, E of shape (runs, steps + 1, n, n)."""
    i, j = pairs(A.shape[-1])
    met = conditions(A, E, threshold, cooperation)[..., i, j]  # (runs, time, pairs)
    streak = np.zeros(met.shape[::2], dtype=np.int64)
    first = np.full(met.shape[::2], -1, dtype=np.int64)
    for t in range(met.shape[1]):
        streak = np.where(met[:, t], streak + 1, 0)
        newly = (streak == hold) & (first < 0)
        first = np.where(newly, t - hold + 1, first)
    return Outcomes(first >= 0, first, met.sum(axis=1))


def summarise(outcomes: pd.DataFrame, scenario) -> pd.DataFrame:
    """Per design point: partnership share with its 95% (Wilson) interval, median time to
    partnership among the runs that reached it, and the median final state of the pair.

    `outcomes` holds the focal pair's rows with a `point` column.
    """
    rows = {}
    for point, g in outcomes.groupby("point", sort=True):
        reached = int(g["partnership"].sum())
        ci = binomtest(reached, len(g)).proportion_ci(confidence_level=0.95, method="wilson")
        first = g.loc[g["partnership"], "first_step"].astype(float)
        rows[point] = {
            "runs": len(g),
            "partnership_share": reached / len(g),
            "share_low": ci.low,
            "share_high": ci.high,
            "median_first_step": first.median() if reached else np.nan,
            "median_final_alignment": g["final_alignment"].median(),
            "median_final_alignment_back": g["final_alignment_back"].median(),
            "median_final_cooperation": g["final_cooperation"].median(),
        }
    summary = pd.DataFrame.from_dict(rows, orient="index")
    summary.index.name = "point"
    return summary
