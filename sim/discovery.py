"""Scenario discovery: the boxes of conditions under which partnership is likely (PRIM).

PRIM (Friedman & Fisher 1999), as the EMA Workbench implements it, peels the space of
factor values toward a box where the share of runs reaching partnership (density) is
high while keeping as many of those runs inside as it can (coverage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .extras import require
from .metrics import focal_outcomes
from .results import Results


@dataclass
class Discovery:
    trajectory: pd.DataFrame  # one row per peeling step: coverage, density, mass, res_dim
    chosen: int  # the step chosen: the largest coverage at the wanted density
    limits: pd.DataFrame  # the chosen box's restricted factors: low, high
    coverage: float
    density: float


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
    focal = focal_outcomes(res.outcomes, res.scenario)
    runs = res.runs.merge(focal[["run_id", "partnership"]], on="run_id")
    factors = [c for c in res.design.columns if c != "point"]
    if not runs["partnership"].any():
        raise ValueError("no run reached partnership: there is nothing to discover")
    return prim_box(runs[factors], runs["partnership"].to_numpy(), density)


def figure(found: Discovery, title: str):
    """The peeling trajectory: coverage against density, coloured by the number of restricted factors."""
    import matplotlib.pyplot as plt

    t = found.trajectory
    fig, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=30, zorder=3)
    ax.plot(t["coverage"], t["density"], color="#bbbbbb", linewidth=0.8, zorder=2)
    ax.scatter([found.coverage], [found.density], s=160, facecolor="none", edgecolor="#D55E00", linewidth=2, zorder=4)
    ax.annotate(f"chosen box: coverage {found.coverage:.0%}, density {found.density:.0%}",
                (found.coverage, found.density), xytext=(-10, -28), textcoords="offset points", ha="right",
                color="#D55E00", fontsize=9)
    bar = fig.colorbar(points, ax=ax)
    bar.set_label("factors restricted by the box")
    ax.set_xlabel("coverage: share of all partnership runs inside the box")
    ax.set_ylabel("density: share of runs in the box reaching partnership")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(color="#eeeeee")
    ax.set_title(title, fontsize=11)
    return fig
