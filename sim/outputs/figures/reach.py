"""The threshold curve: how the headline share moves with the partnership's line."""

from __future__ import annotations

from textwrap import fill

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...core.outcomes import percent
from . import style


def reach_figure(curve: pd.DataFrame, labels: dict, line: tuple[float, float], title: str) -> plt.Figure:
    """One panel per design point: the share of runs reaching a partnership at every pair of
    thresholds (both stances at or above the row's, cooperation at or above the column's), each
    cell written out; the scenario's own line outlined. `labels`: point -> what the point is."""
    points = list(dict.fromkeys(curve["point"]))
    fig, axes = plt.subplots(1, len(points), figsize=(4.6 * len(points) + 1.2, 4.6), layout="constrained",
                             squeeze=False)
    top = max(float(curve["share"].max()), 0.01)
    for ax, point in zip(axes[0], points):
        grid = curve[curve["point"] == point].pivot(index="stances", columns="cooperation", values="share")
        mesh = ax.imshow(grid.to_numpy(), origin="lower", cmap="viridis", vmin=0, vmax=top, aspect="auto")
        for (r, c), v in np.ndenumerate(grid.to_numpy()):
            ax.text(c, r, percent(v), ha="center", va="center", fontsize=8,
                    color="black" if v > 0.6 * top else "white")
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
        ax.set_xlabel("cooperation at or above")
        r, c = list(grid.index).index(line[0]) if line[0] in grid.index else None, \
            list(grid.columns).index(line[1]) if line[1] in grid.columns else None
        if r is not None and c is not None:
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="white", linewidth=2.5))
        ax.set_title("\n".join(fill(line, 52) for line in labels.get(point, f"point {point}").splitlines()), fontsize=9)
    axes[0, 0].set_ylabel("both stances at or above")
    bar = fig.colorbar(mesh, ax=axes[0].tolist())
    bar.set_label(f"share of runs reaching a partnership (scale to {percent(top)})")
    style.title(fig, title + "\nwhite outline: the scenario's own line (both stances and cooperation at or above it)", 10)
    return fig
