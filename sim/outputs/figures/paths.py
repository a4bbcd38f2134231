"""Paths toward partnership: runs drawn in the plane of two stances."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import fill

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ...core.outcomes import percent
from ...scenario import Scenario
from ..tables import NotRecorded, directed
from .style import PALETTE, end_date, title


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


def read_paths(res, x: str | None = None, y: str | None = None, max_runs: int = 150, point: int | None = None) -> Paths:
    """The medians of every run (of design point `point` of a batch), and the courses of a fixed sample
    of at most `max_runs` runs (at least 20 of each group), read without loading the trajectories of all runs."""
    x, y = path_axes(res.scenario, x, y)
    axes = {"x": directed(x), "y": directed(y)}
    reached = res.focal_outcomes().where(point=point).select("run_id", "partnership")
    stances = (res.table("trajectories").where(point=point, pair=[x, y])
               .select("run_id", "step", "source", "target", "alignment"))
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
    """Runs drawn in the plane of two stances, coloured by whether the partnership was reached, with
    the median course of each group; `note` says which runs (a design point, the parameters)."""
    x, y, wide, reached = paths.x, paths.y, paths.runs, paths.reached
    total = sum(paths.counts.values())
    fig, ax = plt.subplots(figsize=(8.5, 7.5), layout="constrained")
    style = {False: ("#8c8c8c", 0.25, "#404040", "did not reach it"), True: (PALETTE[0], 0.45, PALETTE[0], "reached it")}
    handles = []
    for flag in (False, True):
        color, alpha, median_color, label = style[flag]
        ids = reached.index[reached.to_numpy() == flag]
        for run in ids:
            ax.plot(wide["x"][run], wide["y"][run], color=color, alpha=alpha, linewidth=0.7)
        if len(ids):
            ax.scatter(wide["x"][ids].iloc[-1], wide["y"][ids].iloc[-1], s=8, color=color, zorder=3)
            mx, my = paths.medians[flag]["x"], paths.medians[flag]["y"]
            ax.plot(mx, my, color="white", linewidth=5, zorder=4)
            ax.plot(mx, my, color=median_color, linewidth=2.5, zorder=5)
            ax.annotate("", (mx.iloc[-1], my.iloc[-1]), xytext=(mx.iloc[-5], my.iloc[-5]), zorder=6,
                        arrowprops={"arrowstyle": "-|>", "color": median_color, "linewidth": 2})
        count = paths.counts[flag]
        handles += [] if not count else [Line2D([], [], color=color, alpha=min(1, 2 * alpha), linewidth=1,
                           label=f"a run that {label}: {count:,} of {total:,} ({percent(count / total)})"),
                    Line2D([], [], color=median_color, linewidth=2.5, label=f"the median course of the runs that {label}")]
    start = paths.start
    ax.scatter(*start, s=80, marker="*", color="black", zorder=7)
    ax.annotate("start", start, xytext=(-8, -4), textcoords="offset points", fontsize=9, ha="right", va="top", zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    p = scenario.partnership
    a, b = directed(y)
    ax.axhline(p.threshold, color="#444444", linestyle=":", linewidth=0.9)
    handles.append(Line2D([], [], color="#444444", linestyle=":", linewidth=0.9,
                          label=fill(f"{a} → {b} at the partnership threshold {p.threshold:g}: one of its conditions, with "
                                     f"{b} → {a} ≥ {p.threshold:g} and cooperation ≥ {p.cooperation:g}, held {p.hold} "
                                     "quarters", 100)))
    ax.set_xlabel(f"{x.replace('->', ' → ')} alignment (yearly average)")
    ax.set_ylabel(f"{y.replace('->', ' → ')} alignment (yearly average)")
    title(fig, f"Paths toward the {'–'.join(scenario.partnership.pair)} partnership in '{scenario.name}', "
               f"{total:,} runs: each thin line a run, its dot where the run ends ({end_date(scenario)}; a run that "
               "reached the partnership may have left it since)" + (f"\n{note}" if note else ""), size=10.5)
    fig.legend(handles=handles, loc="outside lower left", frameon=False, fontsize=8.5, ncols=1)
    ax.grid(color="#eeeeee")
    return fig
