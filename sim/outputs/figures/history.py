"""Model against data: every observed series with the model's band, the fit and hindcast windows apart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .style import PALETTE

LABELS = {"unga": "UN voting agreement (0–1)", "ideal_points": "UN ideal-point distance\n(higher: further apart)",
          "trade": "log trade intensity"}
SHORT = {"unga": "UN votes", "ideal_points": "ideal points", "trade": "trade"}


def history_figure(points: pd.DataFrame, title: str, fit_end: int = 2018) -> plt.Figure:
    """One panel per series: the model's median and 10–90% band through the observation model
    (blue), the observed values (black dots), and a line where the hindcast begins."""
    series = list(points.groupby(["kind", "pair"], sort=True).groups)
    cols = 5
    rows = int(np.ceil(len(series) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows), layout="constrained", squeeze=False)
    for ax, (kind, pair) in zip(axes.flat, series):
        g = points[(points["kind"] == kind) & (points["pair"] == pair)].sort_values("year")
        ax.fill_between(g["year"], g["lo"], g["hi"], color=PALETTE[0], alpha=0.2, linewidth=0)
        ax.plot(g["year"], g["median"], color=PALETTE[0], linewidth=1.8)
        ax.plot(g["year"], g["value"], "o", color="black", markersize=3)
        ax.axvline(fit_end + 0.5, color=PALETTE[1], linewidth=1, linestyle="--")
        ax.set_title(f"{pair}: {SHORT.get(kind, kind)}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.flat[len(series):]:
        ax.axis("off")
    for r in range(rows):
        kind = series[min(r * cols, len(series) - 1)][0]
        axes[r, 0].set_ylabel(LABELS.get(kind, kind), fontsize=8)
    fig.suptitle(f"{title}\nblue: model median and 10–90% band · dots: observed · dashed: "
                 f"fitted up to {fit_end} | hindcast after (scored, never fitted)", fontsize=11)
    return fig
