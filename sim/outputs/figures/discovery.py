"""Scenario discovery: PRIM's peeling trajectory, coverage against density."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm


def discovery_figure(found, title: str) -> plt.Figure:
    """The peeling trajectory: coverage against density, coloured by the number of restricted factors."""
    t = found.trajectory
    fig, ax = plt.subplots(figsize=(7.5, 5.5), layout="constrained")
    counts = np.arange(int(t["res_dim"].min()), int(t["res_dim"].max()) + 1)
    norm = BoundaryNorm(np.append(counts, counts[-1] + 1) - 0.5, len(counts))  # one colour per whole number
    cmap = plt.get_cmap("viridis", len(counts))
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap, norm=norm, s=30, zorder=3)
    ax.plot(t["coverage"], t["density"], color="#bbbbbb", linewidth=0.8, zorder=2)
    ax.scatter([found.coverage], [found.density], s=160, facecolor="none", edgecolor="#D55E00", linewidth=2, zorder=4)
    ax.annotate(f"chosen box: coverage {found.coverage:.0%}, density {found.density:.0%}",
                (found.coverage, found.density), xytext=(-10, -28), textcoords="offset points", ha="right",
                color="#D55E00", fontsize=9)
    bar = fig.colorbar(points, ax=ax, ticks=counts)
    bar.set_label("factors restricted by the box (a count)")
    ax.set_xlabel("coverage: share of all partnership runs inside the box")
    ax.set_ylabel("density: share of runs in the box reaching partnership")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(color="#eeeeee")
    ax.set_title(title, fontsize=11)
    return fig
