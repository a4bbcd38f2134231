"""Forecasts scored: skill by horizon and against each benchmark, interval coverage, and the PIT.

One colour, one forecaster, in every panel: the model as known at the origin (blue), the model
given the drivers as they happened (conditional, vermilion), persistence (black), a random
walk with drift (green), AR(1) (orange). The models are told apart by line style (solid: the
first, dashed: the second), in every panel and legend.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import PALETTE

CONDITIONAL = " (conditional)"  # the label evidence.forecast gives that forecaster (a layer this one cannot import)
COLOUR = {"unconditional": PALETTE[0], "conditional": PALETTE[1], "persistence": PALETTE[6],
          "random walk with drift": PALETTE[2], "AR(1)": PALETTE[3]}
STYLES = ["-", "--", ":", "-."]


def _kind(name: str) -> str:
    return "conditional" if name.endswith(CONDITIONAL) else "unconditional"


def _label(name: str) -> str:
    return f"{name[:-len(CONDITIONAL)]}, given the drivers" if name.endswith(CONDITIONAL) else f"{name}, as known then"


def forecast_figure(scores: pd.DataFrame, skills: pd.DataFrame, models: list[str], benchmarks: list[str]) -> plt.Figure:
    """Top left: CRPS skill against persistence by years ahead, with its 95% interval by series x
    target year (shaded for the forecasts as known then). Top right: skill over all forecasts
    against each benchmark, with both block intervals (thick: by series x year; thin: by origin).
    Bottom left: how often the central 50/80/90% intervals held the outcome, against the level.
    Bottom right: the model forecasters' probability integral transform (flat: calibrated; a U:
    too confident; a hump: too cautious)."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
    (ax_h, ax_b), (ax_c, ax_p) = axes
    style = {model: STYLES[m % len(STYLES)] for m, model in enumerate(models)}
    forecasters = [name for model in models for name in (model, model + CONDITIONAL)]
    model_of = {name: model for model in models for name in (model, model + CONDITIONAL)}
    by_horizon = skills[skills["subset"].str.endswith("years ahead") & ~skills["subset"].str.startswith("1-3")]
    by_horizon = by_horizon.assign(ahead=by_horizon["subset"].str.split().str[0].astype(int))
    for name in forecasters:
        rows = by_horizon[(by_horizon["model"] == name) & (by_horizon["against"] == "persistence")].sort_values("ahead")
        colour = COLOUR[_kind(name)]
        ax_h.plot(rows["ahead"], 100 * rows["skill"], marker="o", color=colour, linestyle=style[model_of[name]],
                  label=_label(name))
        if _kind(name) == "unconditional":
            ax_h.fill_between(rows["ahead"], 100 * rows["low"], 100 * rows["high"], color=colour, alpha=0.12, linewidth=0,
                              label=f"{model_of[name]}, as known then: 95% (series x year)")
    ax_h.axhline(0, color="#999999", linewidth=0.8)
    ax_h.set_xlabel("years ahead of the origin")
    ax_h.set_ylabel("CRPS skill against persistence (%)")
    ax_h.set_title("skill by horizon (above 0: better than 'nothing changes')", fontsize=10, loc="left")
    pooled = skills[skills["subset"] == "all"]
    for k, name in enumerate(forecasters):
        rows = pooled[pooled["model"] == name].set_index("against").reindex(benchmarks)
        y = np.arange(len(benchmarks)) + (k - (len(forecasters) - 1) / 2) * 0.15
        colour, line = COLOUR[_kind(name)], style[model_of[name]]
        for low, high, width, below in (("low", "high", 3.0, 0.0), ("low_origin", "high_origin", 1.0, 0.05)):
            bars = ax_b.hlines(y + below, 100 * rows[low], 100 * rows[high], color=colour, linewidth=width)  # thin beneath
            bars.set_linestyle(line)
        ax_b.plot(100 * rows["skill"], y, "o", color=colour)
    ax_b.axvline(0, color="#999999", linewidth=0.8)
    ax_b.set_yticks(range(len(benchmarks)), [f"against {b}" for b in benchmarks])
    ax_b.invert_yaxis()
    ax_b.set_xlabel("CRPS skill, all forecasts (%); 95%: thick by series x year, thin by origin")
    ax_b.set_title("skill against each benchmark", fontsize=10, loc="left")
    levels = [50, 80, 90]
    for name in [*forecasters, *benchmarks]:
        cover = 100 * scores[scores["forecaster"] == name][[f"in_{level}" for level in levels]].mean().to_numpy()
        if name in model_of:
            ax_c.plot(levels, cover, marker="o", color=COLOUR[_kind(name)], linestyle=style[model_of[name]], label=_label(name))
        else:
            ax_c.plot(levels, cover, marker="s", color=COLOUR.get(name, "#777777"), linestyle="none", label=f"{name} (benchmark)")
    ax_c.plot([45, 95], [45, 95], color="#999999", linewidth=0.8, linestyle=":")
    ax_c.set_xticks(levels, [f"{level}%" for level in levels])
    ax_c.set_xlabel("central interval (dotted: outcomes inside as often as its level)")
    ax_c.set_ylabel("outcomes inside (%)")
    ax_c.set_title("interval coverage", fontsize=10, loc="left")
    for name in forecasters:
        ax_p.hist(scores[scores["forecaster"] == name]["pit"], bins=10, range=(0, 1), histtype="step", linewidth=2,
                  color=COLOUR[_kind(name)], linestyle=style[model_of[name]], density=True, label=_label(name))
    ax_p.axhline(1, color="#999999", linewidth=0.8)
    ax_p.set_xlabel("PIT: the forecast's probability below the outcome")
    ax_p.set_ylabel("density (1: calibrated)")
    ax_p.set_title("PIT histogram (a U: too confident)", fontsize=10, loc="left")
    for a in axes.ravel():
        a.spines[["top", "right"]].set_visible(False)
    low, high = ax_h.get_ylim()
    ax_h.set_ylim(low - 0.55 * (high - low), high)  # room below the lines for the legend
    for a, where in ((ax_h, "lower left"), (ax_c, "best"), (ax_p, "upper center")):  # the skill panel shares their styles
        a.legend(fontsize=7, frameon=False, handlelength=4, loc=where)  # long enough to show the dashes
    origins = sorted(scores["origin"].unique())
    ahead = scores["year"] - scores["origin"]
    fig.suptitle(f"Forecasts from {len(origins)} origins ({origins[0]}–{origins[-1]}), 1–{int(ahead.max())} years ahead: "
                 f"solid {models[0]}" + (f", dashed {models[1]}" if len(models) > 1 else ""), fontsize=11)
    return fig
