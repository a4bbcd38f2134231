"""Scenario discovery: the boxes of conditions under which partnership is likely (PRIM).

PRIM (Friedman & Fisher 1999), as the EMA Workbench implements it, peels the space of
factor values toward a box where the share of runs reaching partnership (density) is
high while keeping as many of those runs inside as it can (coverage).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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

    def write(self, path: Path) -> None:
        """The chosen box as JSON: coverage, density, peeling step and the limits of each restricted factor."""
        found = {"coverage": self.coverage, "density": self.density, "step": self.chosen,
                 "limits": self.limits.to_dict(orient="index")}
        Path(path).write_text(json.dumps(found, indent=2) + "\n")


def prim_box(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05) -> Discovery:
    """Run PRIM on factor values x (one row per run) and a boolean outcome y."""
    prim = require("ema_workbench.analysis.prim", "explore", "scenario discovery")
    box = prim.Prim(x.reset_index(drop=True), np.asarray(y, dtype=bool), peel_alpha=peel_alpha).find_box()
    trajectory = box.peeling_trajectory.copy()
    good = trajectory[trajectory["density"] >= density]
    chosen = int(good["coverage"].idxmax() if len(good) else trajectory["density"].idxmax())
    full, lims = box.box_lims[0], box.box_lims[chosen]
    restricted = [c for c in x.columns if not np.isclose(lims[c], full[c]).all()]
    limits = pd.DataFrame({"low": lims.loc[0, restricted], "high": lims.loc[1, restricted]})
    row = trajectory.loc[chosen]
    return Discovery(trajectory, chosen, limits, float(row["coverage"]), float(row["density"]))


def discover(res: Results, density: float = 0.8) -> Discovery:
    """Where is partnership likely? PRIM over the runs of a batch."""
    if res.design is None:
        raise ValueError("scenario discovery needs a batch (alliance-sim batch); this folder holds plain replicates")
    runs = res.focal_outcomes().select("run_id", "partnership").join(res.table("runs")).to_pandas().sort_values("run_id")
    factors = [c for c in res.design.columns if c != "point"]
    if not runs["partnership"].any():
        raise ValueError("no run reached partnership: there is nothing to discover")
    return prim_box(runs[factors], runs["partnership"].to_numpy(), density)
