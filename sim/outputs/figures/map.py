"""The headline map: how often partnership is reached over two factors of a batch."""

from __future__ import annotations

from textwrap import fill

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario import Scenario, get_setting
from ..tables import share_grid
from .style import end_date, factor_label

# with a posterior, the map shows the range over parameter sets beside the share
PANELS = {"share_p10": "10th percentile over parameter sets", "partnership_share": "all runs: parameter sets and seeds together",
          "share_p90": "90th percentile over parameter sets"}
RARE = 0.01  # below this share everywhere, the map says so in words


def map_figure(summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int = 12,
               parameters: str | None = None) -> plt.Figure:
    """Share of runs reaching partnership over two factors (averaged over any others), with contours,
    and a star at the scenario's own values of the two.

    A batch drawn from a posterior gets the 10% and 90% quantiles of the share over parameter
    sets on either side of the share (the range the parameter uncertainty leaves); a side that
    is 0% everywhere is left out and said to be. `parameters` says which produced the runs
    (`results.parameters_note`)."""
    drawn = "share_p10" in summary.columns
    columns = [c for c in PANELS if c in summary.columns] if drawn else ["partnership_share"]
    empty = [c for c in columns if c != "partnership_share" and summary[c].max() == 0]
    columns = [c for c in columns if c not in empty]
    fig, axes = plt.subplots(1, len(columns), figsize=(8 if len(columns) == 1 else 6 + 5.5 * (len(columns) - 1), 6.5),
                             layout="constrained", squeeze=False, sharey=True)
    star = own_values(scenario, x, y)
    for ax, column in zip(axes[0], columns):
        mesh = _panel(ax, share_grid(summary, x, y, bins, column))
        if star is not None:
            ax.plot(*star, marker="*", markersize=16, color="white", markeredgecolor="black", linestyle="none",
                    label="the scenario's own values")
        ax.set_xlabel(factor_label(x, scenario))
        if len(columns) > 1:
            ax.set_title(PANELS[column], fontsize=10)
    if star is not None:
        axes[0, -1].legend(loc="upper right", fontsize=8, framealpha=0.9)
    axes[0, 0].set_ylabel(factor_label(y, scenario))
    bar = fig.colorbar(mesh, ax=axes[0].tolist())
    bar.set_label("share of runs reaching partnership\n(the model's logic under these conditions, not a forecast)")
    a, b = scenario.partnership.pair
    runs = int(summary["runs"].sum())
    others = [f for f in scenario.sweep.factors if f not in (x, y)] if scenario.sweep else []
    parameters = parameters or ("parameters drawn from a calibrated posterior" if drawn else "hand-set parameters")
    notes = []
    if summary["partnership_share"].max() < RARE:
        notes.append(f"no combination reaches partnership in {RARE:.0%} of runs")
    if empty:
        percentiles = " and ".join(PANELS[c].split(" over ")[0] for c in empty)
        notes.append(f"the {percentiles} over parameter sets: 0% everywhere (not drawn)")
    start = scenario.partnership.counted_from or scenario.start
    fig.suptitle(f"{a}–{b} strategic partnership reached by {end_date(scenario)}, counted from {start}\n"
                 f"{runs:,} runs, {parameters}{', other factors averaged' if others else ''}"
                 + (f"\n{fill('; '.join(notes), 80)}" if notes else ""), fontsize=11)
    return fig


def own_values(scenario: Scenario, x: str, y: str) -> tuple[float, float] | None:
    """The scenario's own values of the two factors (a dated factor: the value its event sets)."""
    try:
        found = [get_setting(scenario.to_dict(), path) for path in (x, y)]
    except (KeyError, TypeError):
        return None
    return tuple(float(v) for v in found) if all(isinstance(v, (int, float)) for v in found) else None


def _panel(ax, grid: pd.DataFrame):
    xs, ys, z = grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float)
    mesh = ax.pcolormesh(xs, ys, z, cmap="viridis", vmin=0, vmax=1, shading="nearest")
    if len(xs) > 2 and len(ys) > 2 and z.max() > 0.1:
        lines = ax.contour(xs, ys, z, levels=[0.1, 0.5, 0.9], colors="white", linewidths=1.2)
        ax.clabel(lines, fmt=lambda v: f"{v:.0%}", fontsize=9)
    return mesh
