"""Simulation-based calibration: the rank of each true value among its posterior's draws, per parameter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from ...scenario import Scenario
from .style import PALETTE, factor_label


def sbc_figure(rows: pd.DataFrame, summary: pd.DataFrame, scenario: Scenario, bins: int = 10) -> plt.Figure:
    """A histogram of normalised ranks per parameter, over the band that 99% of histograms of
    uniform ranks would stay in (grey): bars outside it say the posterior is off for that value
    (a U: too narrow; a hump: too wide; a slope: biased)."""
    names = list(summary.index)
    cols = 4
    r = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(r, cols, figsize=(3.4 * cols, 2.4 * r + 0.8), layout="constrained", squeeze=False)
    trials = int(summary["trials"].max())
    low, high = stats.binom.ppf([0.005, 0.995], trials, 1 / bins)
    edges = np.linspace(0, 1, bins + 1)
    for ax, name in zip(axes.flat, names):
        g = rows[rows["value"] == name]
        ax.axhspan(low, high, color="#dddddd", zorder=0)
        ax.axhline(trials / bins, color="#999999", linewidth=0.8)
        ax.hist(g["rank"] / (g["draws"] + 1), bins=edges, color=PALETTE[0], edgecolor="white")
        row = summary.loc[name]
        ax.set_title(f"{factor_label(name, scenario)}\nχ² p = {row['p']:.2f} · 50%: {row['coverage_50']:.0%} · "
                     f"90%: {row['coverage_90']:.0%}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, 1)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("trials", fontsize=8)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Simulation-based calibration of '{scenario.name}': {trials} synthetic datasets, each one history "
                 "with the real data's residual noise\nRank of the true "
                 "value among the posterior's draws (0: below all, 1: above all); line: the count uniform ranks give "
                 f"({trials / bins:g} a bin); grey: where 99% of uniform histograms stay", fontsize=10)
    return fig
