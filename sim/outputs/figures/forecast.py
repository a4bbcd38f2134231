"""Forecasts scored: skill by horizon against the benchmarks, interval coverage, and the PIT."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import PALETTE


def forecast_figure(scores: pd.DataFrame, models: list[str], benchmarks: list[str]) -> plt.Figure:
    """Left: CRPS skill (1 - model / benchmark) by years ahead, per model and benchmark (above 0:
    the model forecasts better). Middle: how often the central 50/80/90% intervals held the
    outcome, against the level (dotted). Right: the models' probability integral transform
    (flat: calibrated; a U: too confident; a hump: too cautious)."""
    fig, (ax, ax_c, ax_p) = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained", width_ratios=[1.3, 1, 1])
    scores = scores.assign(ahead=scores["year"] - scores["origin"])
    for m, model in enumerate(models):
        own = scores[scores["forecaster"] == model].set_index(["kind", "pair", "origin", "year"])
        for b, name in enumerate(benchmarks):
            other = scores[scores["forecaster"] == name].set_index(["kind", "pair", "origin", "year"]).reindex(own.index)
            by = pd.DataFrame({"model": own["crps"], "bench": other["crps"], "ahead": own["ahead"]}).groupby("ahead").mean()
            ax.plot(by.index, 1 - by["model"] / by["bench"], marker="o", color=PALETTE[b], linestyle="-" if m == 0 else "--",
                    label=f"{model} vs {name}")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xlabel("years ahead of the origin")
    ax.set_ylabel("CRPS skill (1 − model / benchmark)")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("skill by horizon (solid: first model; dashed: second)", fontsize=10, loc="left")
    forecasters = [*models, *benchmarks]
    levels = [50, 80, 90]
    width = 0.8 / len(forecasters)
    for k, name in enumerate(forecasters):
        cover = scores[scores["forecaster"] == name][[f"in_{level}" for level in levels]].mean().to_numpy()
        ax_c.bar(np.arange(3) + (k - len(forecasters) / 2 + 0.5) * width, 100 * cover, width, color=PALETTE[k % len(PALETTE)],
                 label=name)
    for x, level in enumerate(levels):
        ax_c.hlines(level, x - 0.45, x + 0.45, colors="black", linestyles=":")
    ax_c.set_xticks(range(3), [f"{level}% interval" for level in levels])
    ax_c.set_ylabel("outcomes inside (%)")
    ax_c.legend(fontsize=7, frameon=False)
    ax_c.set_title("interval coverage (dotted: the level)", fontsize=10, loc="left")
    for k, model in enumerate(models):
        ax_p.hist(scores[scores["forecaster"] == model]["pit"], bins=10, range=(0, 1), histtype="step", linewidth=2,
                  color=PALETTE[k], label=model, density=True)
    ax_p.axhline(1, color="#999999", linewidth=0.8)
    ax_p.set_xlabel("PIT: the forecast's probability below the outcome")
    ax_p.legend(fontsize=7, frameon=False)
    ax_p.set_title("PIT histogram (flat: calibrated)", fontsize=10, loc="left")
    for a in (ax, ax_c, ax_p):
        a.spines[["top", "right"]].set_visible(False)
    origins = ", ".join(str(o) for o in sorted(scores["origin"].unique()))
    fig.suptitle(f"Forecasts from {origins}, 1–{int(scores['ahead'].max())} years ahead, every observed series "
                 f"({len(scores) // len(forecasters):,} forecasts each)", fontsize=11)
    return fig
