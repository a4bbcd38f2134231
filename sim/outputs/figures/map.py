"""The headline map: how likely partnership is over two factors of a batch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario import Scenario
from ..tables import share_grid
from .style import end_date, factor_label


# with a posterior, the map shows the range over parameter sets beside the share
PANELS = {"share_p10": "10th percentile over parameter sets", "partnership_share": "all runs: parameter sets and seeds together",
          "share_p90": "90th percentile over parameter sets"}


def map_figure(summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int = 12) -> plt.Figure:
    """Partnership probability over two factors (averaged over any others), with contours.

    A batch drawn from a posterior gets three panels: the share over parameter sets and
    seeds in the middle, and the 10% and 90% quantiles of the share over parameter sets
    on either side (the interval that the parameter uncertainty leaves)."""
    columns = [c for c in PANELS if c in summary.columns] if "share_p10" in summary.columns else ["partnership_share"]
    fig, axes = plt.subplots(1, len(columns), figsize=(8 if len(columns) == 1 else 17, 6.5), layout="constrained",
                             squeeze=False, sharey=True)
    for ax, column in zip(axes[0], columns):
        mesh = _panel(ax, share_grid(summary, x, y, bins, column))
        ax.set_xlabel(factor_label(x, scenario))
        if len(columns) > 1:
            ax.set_title(PANELS[column], fontsize=10)
    axes[0, 0].set_ylabel(factor_label(y, scenario))
    bar = fig.colorbar(mesh, ax=axes[0].tolist())
    bar.set_label("probability of partnership (share of runs)")
    a, b = scenario.partnership.pair
    runs = int(summary["runs"].sum())
    others = [f for f in scenario.sweep.factors if f not in (x, y)] if scenario.sweep else []
    drawn = ", parameters drawn from the posterior" if len(columns) > 1 else ""
    fig.suptitle(f"{a}–{b} strategic partnership reached by {end_date(scenario)}\n'{scenario.name}', {runs:,} runs"
                 f"{drawn}{', other factors averaged' if others else ''}", fontsize=11)
    return fig


def _panel(ax, grid: pd.DataFrame):
    xs, ys, z = grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float)
    mesh = ax.pcolormesh(xs, ys, z, cmap="viridis", vmin=0, vmax=1, shading="nearest")
    if len(xs) > 2 and len(ys) > 2:
        lines = ax.contour(xs, ys, z, levels=[0.1, 0.5, 0.9], colors="white", linewidths=1.2)
        ax.clabel(lines, fmt=lambda v: f"{v:.0%}", fontsize=9)
    return mesh
