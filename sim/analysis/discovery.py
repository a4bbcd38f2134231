"""Scenario discovery: the boxes of conditions under which partnership is likely (PRIM).

PRIM (Friedman & Fisher 1999), as the EMA Workbench implements it, peels the space of
factor values toward a box where the share of runs reaching partnership (density) is
high while keeping as many of those runs inside as it can (coverage).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..extras import require
from ..outputs.results import Results


@dataclass
class Discovery:
    trajectory: pd.DataFrame  # one row per peeling step: coverage, density, mass, res_dim
    chosen: int  # the step chosen: the largest coverage at the wanted density
    limits: pd.DataFrame  # the chosen box's restricted factors: low, high
    coverage: float
    density: float


def prim_box(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05) -> Discovery:
    """Run PRIM on factor values x (one row per run) and a boolean outcome y."""
    return prim_boxes(x, y, density, peel_alpha, most=1)[0]


def prim_boxes(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05,
               most: int = 3) -> list[Discovery]:
    """PRIM's boxes one after another (each found among the runs the earlier ones leave out), while
    they reach the wanted density, at most `most`; the first box always, as the nearest there is."""
    prim = _prim()
    finder = prim.Prim(x.reset_index(drop=True), np.asarray(y, dtype=bool), peel_alpha=peel_alpha)
    found = []
    while len(found) < most:
        try:
            box = finder.find_box()
        except (ValueError, IndexError):  # no run of interest left outside the boxes found
            break
        if box is None:
            break
        found.append(_chosen(box, x, density))
        box.select(found[-1].chosen)  # the next box is looked for among the runs this one leaves out
        if found[-1].density < density or found[-1].limits.empty:  # short of the density, or every run taken
            break
    return found


def _prim():
    """The EMA Workbench's PRIM, imported without altair: altair serves only its interactive
    inspection, never used here, and its import costs seconds on every report."""
    blocked = "altair" not in sys.modules
    if blocked:
        sys.modules["altair"] = None  # an import of it fails at once, as if it were not installed
    try:
        return require("ema_workbench.analysis.prim", "explore", "scenario discovery")
    finally:
        if blocked:
            sys.modules.pop("altair", None)


def _chosen(box, x: pd.DataFrame, density: float) -> Discovery:
    """The step of a PRIM box's peeling trajectory with the most coverage at the wanted density (else
    the densest step), and its restricted factors."""
    trajectory = box.peeling_trajectory.copy()
    good = trajectory[trajectory["density"] >= density]
    chosen = int(good["coverage"].idxmax() if len(good) else trajectory["density"].idxmax())
    full, lims = box.box_lims[0], box.box_lims[chosen]
    restricted = [c for c in x.columns if not np.isclose(lims[c], full[c]).all()]
    limits = pd.DataFrame({"low": lims.loc[0, restricted], "high": lims.loc[1, restricted]})
    row = trajectory.loc[chosen]
    return Discovery(trajectory, chosen, limits, float(row["coverage"]), float(row["density"]))


def discover(res: Results, density: float = 0.8, most: int = 1) -> list[Discovery]:
    """Where is partnership likely? PRIM over the runs of a batch: up to `most` boxes."""
    if res.design is None:
        raise ValueError("scenario discovery needs a batch (alliance-sim batch); this folder holds plain replicates")
    runs = res.focal_outcomes().select("run_id", "partnership").join(res.table("runs")).to_pandas().sort_values("run_id")
    factors = [c for c in res.design.columns if c != "point"]
    if not runs["partnership"].any():
        raise ValueError("no run reached partnership: there is nothing to discover")
    return prim_boxes(runs[factors], runs["partnership"].to_numpy(), density, most=most)


def distance_from(box: Discovery, scenario, design: pd.DataFrame) -> pd.DataFrame:
    """How far the scenario's own world (its value of each factor: for a dated factor, the value its
    event sets) lies from a box, factor by factor: 0 inside the box's limits, else the gap to the
    nearest limit, also as a share of the factor's range in the design."""
    from ..scenario import get_setting

    rows, written = [], scenario.to_dict()
    for factor, (low, high) in box.limits[["low", "high"]].iterrows():
        own = float(get_setting(written, factor))
        gap = max(low - own, own - high, 0.0)
        start, end = float(design[factor].min()), float(design[factor].max())
        rows.append({"factor": factor, "low": low, "high": high, "own": own, "gap": gap,
                     "gap_share": gap / ((end - start) or 1.0), "start": start, "end": end})
    return pd.DataFrame(rows, columns=["factor", "low", "high", "own", "gap", "gap_share", "start", "end"])
