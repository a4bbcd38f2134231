"""Landscape theory: the stable two-camp configurations, and where the pair shares a camp."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .style import PALETTE


def landscape_figure(land, title: str, shown: int = 20) -> plt.Figure:
    """The stable configurations: camps, energy and basin of attraction, most stable first (the
    `shown` most stable: with no propensities, every configuration is stable)."""
    k = min(len(land.energies), shown)
    if k < len(land.energies):
        title = f"{title}: the {k} most stable of {len(land.energies):,}"
    fig, (ax, ax_b) = plt.subplots(1, 2, figsize=(11, 0.9 + 0.55 * k), width_ratios=[3, 1.2], sharey=True,
                                   layout="constrained")
    for row in range(k):
        camp = land.camps[row]
        for col, (name, side) in enumerate(zip(land.names, camp)):
            ax.text(col, row, name, ha="center", va="center", fontsize=9, color="white", fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": PALETTE[int(side)], "edgecolor": "none"})
    ax.set_xlim(-0.7, len(land.names) - 0.3)
    ax.set_yticks(range(k), [f"E = {e:.4f}" for e in land.energies[:k]])
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.set_title("stable two-camp configurations (colour: camp), lowest energy first", loc="left", fontsize=10)
    ax_b.barh(range(k), land.basins[:k] * 100, color="#999999")
    ax_b.set_xlabel("basin of attraction (% of configurations)")
    ax_b.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=11)
    return fig


def landscape_map_figure(found, sanctions: np.ndarray, autonomy: np.ndarray, pair: list[str], title: str) -> plt.Figure:
    """Left: where a coalition with the pair together is stable (numbers: how many configurations
    are stable). Right: what it would cost the first of the pair to join the second's camp."""
    fig, (ax, ax_c) = plt.subplots(1, 2, figsize=(13, 5.8), layout="constrained")
    cmap = ListedColormap(["#eeeeee", "#56B4E9", "#0072B2"])
    ax.pcolormesh(sanctions, autonomy, found.together, cmap=cmap, vmin=-0.5, vmax=2.5, shading="nearest")
    for r, x in enumerate(autonomy):
        for c, level in enumerate(sanctions):
            ax.text(level, x, str(found.count[r, c]), ha="center", va="center", fontsize=7, color="#555555")
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in cmap.colors]
    labels = [f"no stable coalition with {pair[0]} and {pair[1]} together", "stable, but not the most stable",
              "the most stable configuration"]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9)
    ax.set_title("stable coalitions (number in each cell: how many)", fontsize=10)
    mesh = ax_c.pcolormesh(sanctions, autonomy, found.cost, cmap="viridis_r", shading="nearest")
    if found.cost.size > 4:
        ax_c.contour(sanctions, autonomy, found.cost, levels=[0], colors="white", linewidths=1.5)
    bar = fig.colorbar(mesh, ax=ax_c)
    bar.set_label(f"energy {pair[0]} would add by joining {pair[1]}'s camp\n(relative to its total weight; ≤ 0: together)")
    ax_c.set_title(f"how far {pair[0]} is from {pair[1]}'s camp in the most stable configuration", fontsize=10)
    for a in (ax, ax_c):
        a.set_xlabel("sanctions (0 none – 1 maximal)")
        a.set_ylabel(f"{pair[0]}'s autonomy")
    fig.suptitle(title, fontsize=11)
    return fig
