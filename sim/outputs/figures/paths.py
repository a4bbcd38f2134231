"""Paths toward partnership: runs drawn in the plane of two stances."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...core.outcomes import focal_outcomes, percent
from ...scenario import Scenario
from ..tables import NotRecorded, directed, stance
from .style import PALETTE


def _course(trajectories: pd.DataFrame, pair: str) -> pd.DataFrame:
    """A directed pair's stance per run (rows) and step, as a four-quarter moving average:
    the path's course, not its quarterly jitter."""
    wide = stance(trajectories, *directed(pair))
    if wide.empty:
        raise NotRecorded(pair)
    return wide.T.rolling(4, min_periods=1).mean().T


def path_axes(scenario: Scenario, x: str | None = None, y: str | None = None) -> tuple[str, str]:
    """The two directed pairs of the paths figure: by default the focal actor toward its patron
    (x) and toward its partner (y)."""
    a, b = scenario.partnership.pair
    patron = scenario.actors[a].patron
    return x or (f"{a}->{patron}" if patron else f"{b}->{a}"), y or f"{a}->{b}"


def paths_figure(trajectories: pd.DataFrame, outcomes: pd.DataFrame, scenario: Scenario,
                 x: str | None = None, y: str | None = None, max_runs: int = 150) -> plt.Figure:
    """Runs drawn in the plane of two stances, coloured by whether the partnership was reached."""
    x, y = path_axes(scenario, x, y)
    wide = {"x": _course(trajectories, x), "y": _course(trajectories, y)}
    runs = wide["x"].index.intersection(wide["y"].index)
    focal = focal_outcomes(outcomes, scenario).set_index("run_id")["partnership"]
    reached = focal.reindex(runs).fillna(False).astype(bool)
    rng = np.random.default_rng(0)  # which runs to draw when there are many: fixed, for reproducible figures
    chosen = []
    for flag in (False, True):
        ids = reached.index[reached.to_numpy() == flag].to_numpy()
        share = max_runs * len(ids) // max(len(runs), 1)
        chosen.append(rng.choice(ids, size=min(len(ids), max(share, min(len(ids), 20))), replace=False))

    fig, ax = plt.subplots(figsize=(8, 7), layout="constrained")
    style = {False: ("#8c8c8c", 0.25, "not reached"), True: (PALETTE[0], 0.45, "partnership reached")}
    for flag, ids in zip((False, True), chosen):
        color, alpha, label = style[flag]
        for k, run in enumerate(ids):
            ax.plot(wide["x"].loc[run], wide["y"].loc[run], color=color, alpha=alpha, linewidth=0.7,
                    label=f"{label} ({int(reached.eq(flag).sum()):,} of {len(runs):,} runs, "
                          f"{percent(reached.eq(flag).mean())})" if k == 0 else None)
        if len(ids):
            ax.scatter(wide["x"].loc[ids].iloc[:, -1], wide["y"].loc[ids].iloc[:, -1], s=8, color=color, zorder=3)
            group = reached.index[reached.to_numpy() == flag]
            mx, my = wide["x"].loc[group].median(), wide["y"].loc[group].median()
            ax.plot(mx, my, color="white", linewidth=5, zorder=4)
            ax.plot(mx, my, color=color if flag else "#404040", linewidth=2.5, zorder=5)
            ax.annotate("", (mx.iloc[-1], my.iloc[-1]), xytext=(mx.iloc[-5], my.iloc[-5]), zorder=6,
                        arrowprops={"arrowstyle": "-|>", "color": color if flag else "#404040", "linewidth": 2})
    start = (wide["x"].iloc[:, 0].median(), wide["y"].iloc[:, 0].median())
    ax.scatter(*start, s=80, marker="*", color="black", zorder=4)
    ax.annotate("start", start, xytext=(6, 6), textcoords="offset points", fontsize=9)
    threshold = scenario.partnership.threshold
    ax.axhline(threshold, color="#444444", linestyle=":", linewidth=0.9)
    ax.text(0.01, threshold, " partnership threshold", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8)
    ax.set_xlabel(f"{x.replace('->', ' → ')} alignment")
    ax.set_ylabel(f"{y.replace('->', ' → ')} alignment")
    ax.set_title(f"Paths toward partnership in '{scenario.name}': thin lines are runs (yearly average),\n"
                 "dots where they end, thick lines the median path of each group", fontsize=11)
    ax.legend(loc="lower left", frameon=False)
    ax.grid(color="#eeeeee")
    return fig
