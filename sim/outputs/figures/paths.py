"""Paths toward partnership: runs drawn in the plane of two stances."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...core.outcomes import percent
from ...scenario import Scenario
from ..tables import NotRecorded, directed
from .style import PALETTE


@dataclass
class Paths:
    """What the paths figure draws, read from a results folder by the engine."""

    x: str  # the two directed pairs, 'A->B'
    y: str
    runs: dict[str, pd.DataFrame]  # "x", "y": the drawn runs' courses, per step (rows) and run
    reached: pd.Series  # the drawn runs: was the partnership reached
    counts: dict[bool, int]  # all runs, by whether the partnership was reached
    medians: dict[bool, pd.DataFrame]  # by group: the course of the median stance, columns x and y, per step
    start: tuple[float, float]  # the median stances at the first step


def course(stances: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Stances per step (rows) as a four-quarter moving average: the path's course, not its
    quarterly jitter."""
    return stances.rolling(4, min_periods=1).mean()


def path_axes(scenario: Scenario, x: str | None = None, y: str | None = None) -> tuple[str, str]:
    """The two directed pairs of the paths figure: by default the focal actor toward its patron
    (x) and toward its partner (y)."""
    a, b = scenario.partnership.pair
    patron = scenario.actors[a].patron
    return x or (f"{a}->{patron}" if patron else f"{b}->{a}"), y or f"{a}->{b}"


def read_paths(res, x: str | None = None, y: str | None = None, max_runs: int = 150) -> Paths:
    """The medians of every run, and the courses of a fixed sample of at most `max_runs` runs
    (at least 20 of each group), read without loading the trajectories of all runs."""
    x, y = path_axes(res.scenario, x, y)
    axes = {"x": directed(x), "y": directed(y)}
    reached = res.focal_outcomes().select("run_id", "partnership")
    stances = res.table("trajectories").where(pair=[x, y]).select("run_id", "step", "source", "target", "alignment")
    medians = stances.join(reached).quantiles("alignment", by=["partnership", "source", "target", "step"], q=(0.5,))
    found = set(zip(medians["source"], medians["target"]))
    for pair, (a, b) in zip((x, y), axes.values()):
        if (a, b) not in found:
            raise NotRecorded(pair)
    flags = reached.to_pandas().set_index("run_id")["partnership"].sort_index()
    rng = np.random.default_rng(0)  # which runs to draw when there are many: fixed, for reproducible figures
    drawn = []
    for flag in (False, True):
        ids = flags.index[flags.to_numpy() == flag].to_numpy()
        share = max_runs * len(ids) // max(len(flags), 1)
        drawn += list(rng.choice(ids, size=min(len(ids), max(share, min(len(ids), 20))), replace=False))
    sample = stances.where(run_id=[int(r) for r in drawn]).to_pandas()
    start = stances.where(step=int(medians["step"].min())).group(["source", "target"], median="median(alignment)")

    def of(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        a, b = axes[key]
        return frame[(frame["source"] == a) & (frame["target"] == b)]

    return Paths(
        x, y,
        runs={k: course(of(sample, k).pivot(index="step", columns="run_id", values="alignment")) for k in axes},
        reached=flags.loc[sorted(drawn)],
        counts={flag: int((flags == flag).sum()) for flag in (False, True)},
        medians={flag: pd.DataFrame({k: course(of(medians[medians["partnership"] == flag], k).set_index("step")["0.5"])
                                     for k in axes})
                 for flag in (False, True) if (flags == flag).any()},
        start=tuple(float(of(start, k)["median"].iloc[0]) for k in axes),
    )


def paths_figure(paths: Paths, scenario: Scenario, note: str = "") -> plt.Figure:
    """Runs drawn in the plane of two stances, coloured by whether the partnership was reached."""
    x, y, wide, reached = paths.x, paths.y, paths.runs, paths.reached
    total = sum(paths.counts.values())
    fig, ax = plt.subplots(figsize=(8, 7), layout="constrained")
    style = {False: ("#8c8c8c", 0.25, "not reached"), True: (PALETTE[0], 0.45, "partnership reached")}
    for flag in (False, True):
        color, alpha, label = style[flag]
        ids = reached.index[reached.to_numpy() == flag]
        for k, run in enumerate(ids):
            ax.plot(wide["x"][run], wide["y"][run], color=color, alpha=alpha, linewidth=0.7,
                    label=f"{label} ({paths.counts[flag]:,} of {total:,} runs, "
                          f"{percent(paths.counts[flag] / total)})" if k == 0 else None)
        if len(ids):
            ax.scatter(wide["x"][ids].iloc[-1], wide["y"][ids].iloc[-1], s=8, color=color, zorder=3)
            mx, my = paths.medians[flag]["x"], paths.medians[flag]["y"]
            ax.plot(mx, my, color="white", linewidth=5, zorder=4)
            ax.plot(mx, my, color=color if flag else "#404040", linewidth=2.5, zorder=5)
            ax.annotate("", (mx.iloc[-1], my.iloc[-1]), xytext=(mx.iloc[-5], my.iloc[-5]), zorder=6,
                        arrowprops={"arrowstyle": "-|>", "color": color if flag else "#404040", "linewidth": 2})
    start = paths.start
    ax.scatter(*start, s=80, marker="*", color="black", zorder=7)
    ax.annotate("start", start, xytext=(-8, -4), textcoords="offset points", fontsize=9, ha="right", va="top", zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    threshold = scenario.partnership.threshold
    ax.axhline(threshold, color="#444444", linestyle=":", linewidth=0.9)
    ax.text(0.01, threshold, " partnership threshold", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8)
    ax.set_xlabel(f"{x.replace('->', ' → ')} alignment")
    ax.set_ylabel(f"{y.replace('->', ' → ')} alignment")
    ax.set_title(f"Paths toward partnership in '{scenario.name}': thin lines are runs (yearly average),\n"
                 "dots where they end, thick lines the median stances of each group (yearly average)"
                 + (f"\n{note}" if note else ""), fontsize=11)
    ax.legend(loc="lower left", frameon=False)
    ax.grid(color="#eeeeee")
    return fig
