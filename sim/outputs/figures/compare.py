"""Scenarios side by side: the focal actor's stances, one colour per scenario, and the partnership share over time."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..tables import band, reached_share
from .style import PALETTE, mark_events, years


def compare_figure(items: list, title: str = "") -> plt.Figure:
    """`items` have .name, .scenario, .trajectories (see sim.analysis.compare). One panel per stance
    of the focal actor recorded in every item (median and 10–90% band of each), and the share of
    runs in which the partnership has been reached by each date."""
    s = items[0].scenario
    focal = s.focal
    pair = s.partnership.pair
    partner = pair[1] if focal == pair[0] else pair[0]
    targets = [t for t in s.names if t != focal and all(
        ((it.trajectories["source"] == focal) & (it.trajectories["target"] == t)).any() for it in items)]
    fig, axes = plt.subplots(len(targets) + 1, 1, figsize=(10, 2.6 * len(targets) + 2.4), sharex=True,
                             layout="constrained", squeeze=False)
    axes = axes[:, 0]
    for ax, target in zip(axes, targets):
        for color, it in zip(PALETTE, items):
            t = it.trajectories
            rows = band(t[(t["source"] == focal) & (t["target"] == target)], "alignment")
            x = years(rows["date"])
            ax.fill_between(x, rows["lo"], rows["hi"], color=color, alpha=0.15, linewidth=0)
            ax.plot(x, rows["median"], color=color, linewidth=2, label=it.name)
        ax.axhline(s.partnership.threshold if target == partner else 0, color="#888888", linewidth=0.7, linestyle=":")
        ax.set_ylabel(f"{focal} → {target}")
        ax.set_ylim(-1.05, 1.05)
    for color, it in zip(PALETTE, items):
        share = reached_share(it.trajectories, it.scenario)
        axes[-1].step(years(share.index.to_series()), share.values * 100, where="post", color=color, linewidth=2)
    axes[-1].set_ylim(0, 100)
    axes[-1].set_ylabel("runs in which\npartnership reached (%)")
    axes[-1].set_xlabel("year (one step = one quarter)")
    for ax in axes:
        ax.grid(axis="y", color="#e5e5e5")
        ax.spines[["top", "right"]].set_visible(False)
    mark_events(list(axes), *(it.scenario for it in items))
    fig.suptitle(title or f"{focal}'s stances: median and 10–90% band of each scenario", fontsize=11)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", frameon=False, fontsize=9)
    return fig
