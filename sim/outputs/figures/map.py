"""The headline map: how likely partnership is over two factors of a batch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario import Scenario
from ..tables import share_grid
from .style import end_date, factor_label


def map_figure(summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int = 12) -> plt.Figure:
    """Partnership probability over two factors (averaged over any others), with contours."""
    grid = share_grid(summary, x, y, bins)
    xs, ys, z = grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float)
    fig, ax = plt.subplots(figsize=(8, 6.5), layout="constrained")
    mesh = ax.pcolormesh(xs, ys, z, cmap="viridis", vmin=0, vmax=1, shading="nearest")
    if len(xs) > 2 and len(ys) > 2:
        lines = ax.contour(xs, ys, z, levels=[0.1, 0.5, 0.9], colors="white", linewidths=1.2)
        ax.clabel(lines, fmt=lambda v: f"{v:.0%}", fontsize=9)
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label("probability of partnership (share of runs)")
    ax.set_xlabel(factor_label(x, scenario))
    ax.set_ylabel(factor_label(y, scenario))
    a, b = scenario.partnership.pair
    runs = int(summary["runs"].sum())
    others = [f for f in scenario.sweep.factors if f not in (x, y)] if scenario.sweep else []
    ax.set_title(f"{a}–{b} strategic partnership reached by {end_date(scenario)}\n'{scenario.name}', {runs:,} runs"
                 f"{', other factors averaged' if others else ''}", fontsize=11)
    return fig
