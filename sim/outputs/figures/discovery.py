"""Scenario discovery: PRIM's peeling trajectory, coverage against density, and the chosen box
beside the scenario's own world."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm


def discovery_figure(found, title: str, far=None, label=str) -> plt.Figure:
    """The peeling trajectory: coverage against density, coloured by the number of restricted factors;
    with `far` (`discovery.distance_from`), the chosen box's limits beside the scenario's own values."""
    t = found.trajectory
    boxed = far is not None and len(far)
    fig, axes = plt.subplots(1, 2 if boxed else 1, figsize=(15 if boxed else 7.5, 5.5), layout="constrained",
                             squeeze=False, width_ratios=[1, 1.1] if boxed else None)
    ax = axes[0, 0]
    counts = np.arange(int(t["res_dim"].min()), int(t["res_dim"].max()) + 1)
    norm = BoundaryNorm(np.append(counts, counts[-1] + 1) - 0.5, len(counts))  # one colour per whole number
    cmap = plt.get_cmap("viridis", len(counts))
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap, norm=norm, s=30, zorder=3)
    ax.plot(t["coverage"], t["density"], color="#bbbbbb", linewidth=0.8, zorder=2)
    ax.scatter([found.coverage], [found.density], s=160, facecolor="none", edgecolor="#D55E00", linewidth=2, zorder=4)
    ax.annotate(f"chosen box: coverage {found.coverage:.0%}, density {found.density:.0%}",
                (found.coverage, found.density), xytext=(-10 if found.coverage > 0.5 else 10, -28),
                textcoords="offset points", ha="right" if found.coverage > 0.5 else "left",
                color="#D55E00", fontsize=9)
    bar = fig.colorbar(points, ax=ax, ticks=counts)
    bar.set_label("factors restricted by the box (a count)")
    ax.set_xlabel("coverage: share of all partnership runs inside the box")
    ax.set_ylabel("density: share of runs in the box reaching partnership")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(color="#eeeeee")
    if boxed:
        _limits(axes[0, 1], far, label)
    fig.suptitle(title, fontsize=11)
    return fig


def _limits(ax, far, label) -> None:
    """Each restricted factor's range (grey), the box's part of it (blue) and the scenario's own value
    (a black diamond), each on the factor's own scale from its lowest to its highest design value."""
    rows = far.iloc[::-1].reset_index(drop=True)  # the first factor on top
    span = (rows["end"] - rows["start"]).replace(0, 1.0)
    low, high, own = [(rows[c] - rows["start"]) / span for c in ("low", "high", "own")]
    y = np.arange(len(rows))
    ax.barh(y, 1.0, color="#eeeeee", height=0.6)
    ax.barh(y, high - low, left=low, color="#0072B2", height=0.6, label="the box")
    ax.scatter(own.clip(0, 1), y, marker="D", color="black", s=40, zorder=3, label="the scenario's own value")
    for k, row in rows.iterrows():
        ax.text(1.06, k, f"{row['low']:.2f} to {row['high']:.2f} (own {row['own']:.2f})", va="center", fontsize=8)
    ax.set_yticks(y, [label(f) for f in rows["factor"]], fontsize=8.5)
    ax.set_xlim(-0.03, 1.5)
    ax.set_xticks([0, 0.5, 1], ["lowest", "middle", "highest\nin the design"], fontsize=8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.4, 1.0), ncols=2, fontsize=8.5, frameon=False)
    ax.set_title("the box's limits beside the scenario's own world", fontsize=10, pad=24)
