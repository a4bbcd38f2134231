"""The headline map: how often partnership is reached over two factors of a batch, and, where it is
not, how near the runs come: the median stances and cooperation, and the condition that fails."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.patches import Patch

from ...core.outcomes import focal_pair, percent
from ...scenario import Scenario, get_setting
from ..tables import share_grid
from .style import PALETTE, STANCE_CMAP, end_date, factor_label, title

# with a posterior, the map shows the range over parameter sets beside the share
PANELS = {"partnership_share": "share of runs reaching partnership (parameter sets and seeds together)",
          "share_p10": "10th percentile over parameter sets", "share_p90": "90th percentile over parameter sets"}
RARE = 0.01  # below this share everywhere, the map says so in words
ANNOTATED = 15  # cells are written in when neither side has more
MEDIANS = ("median_final_alignment", "median_final_alignment_back", "median_final_cooperation")
MISS_COLOURS = [PALETTE[1], PALETTE[4], PALETTE[3], "#e8e8e8"]  # a failing condition each; the last: none fails


def map_figure(summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int = 12,
               parameters: str | None = None) -> plt.Figure:
    """Share of runs reaching partnership over two factors (averaged over any others), each cell written
    in, on a colour scale to the highest share; a star at the scenario's own values of the two. Below:
    the near miss (which of the partnership's conditions the median run fails by most at the end, and
    by how much) and the median stances and cooperation at the end, each with its threshold drawn.

    A batch drawn from a posterior gets the 10% and 90% quantiles of the share over parameter
    sets beside the share (the range the parameter uncertainty leaves); one that is 0% everywhere
    is left out and said to be. `parameters` says which produced the runs (`results.parameters_note`)."""
    drawn = "share_p10" in summary.columns
    columns = [c for c in PANELS if c in summary.columns]
    empty = [c for c in columns if c != "partnership_share" and summary[c].max() == 0]
    columns = [c for c in columns if c not in empty]
    medians = all(c in summary.columns for c in MEDIANS)
    wide = max(len(columns) + medians, 3 if medians else 1)
    fig = plt.figure(figsize=(4.6 * wide + 1.6, 11.5 if medians else 6.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.05, 1]) if medians else (fig, None)
    axes = top.subplots(1, len(columns) + medians, squeeze=False, sharey=True)[0]
    star = own_values(scenario, x, y)
    highest = max(float(summary[columns].max().max()), RARE)
    norm = Normalize(0, highest)
    for ax, column in zip(axes, columns):
        grid = share_grid(summary, x, y, bins, column)
        mesh = _mesh(ax, grid, "viridis", norm)
        if grid.to_numpy().max() > 0:
            _write_cells(ax, grid, percent, lambda v: "white" if v < 0.55 * highest else "black")
        else:
            ax.text(0.5, 0.5, "0% at every point", transform=ax.transAxes, ha="center", va="center", color="white",
                    fontsize=11)
        if max(grid.shape) > ANNOTATED and min(grid.shape) > 2 and grid.to_numpy().max() > 0.1:  # else written in
            lines = ax.contour(grid.columns, grid.index, grid.to_numpy(float), levels=[0.1, 0.5, 0.9], colors="white",
                               linewidths=1.2)
            ax.clabel(lines, fmt=lambda v: f"{v:.0%}", fontsize=8)
        _star(ax, star)
        ax.set_title(_wrapped((PANELS[column] if drawn else "share of runs reaching partnership")
                              + (" (☆ the scenario's own values)" if star is not None and column == columns[0] else "")),
                     fontsize=9.5)
    for ax in axes:
        ax.set_xlabel(_wrapped(factor_label(x, scenario), 50), fontsize=8.5)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel(factor_label(y, scenario), fontsize=8.5)
    bar = top.colorbar(mesh, ax=list(axes[:len(columns)]), location="left" if medians else "right", shrink=0.85)
    bar.set_label(f"share of runs, on a scale to the highest share ({percent(highest)}; a share can run to 100%)",
                  fontsize=8.5)
    bar.ax.yaxis.set_major_formatter(lambda v, _: percent(v))
    if medians:
        _near(axes[-1], bottom, summary, scenario, x, y, bins, star)
    a, b = scenario.partnership.pair
    runs = int(summary["runs"].sum())
    others = [f for f in scenario.sweep.factors if f not in (x, y)] if scenario.sweep else []
    parameters = parameters or ("parameters drawn from a calibrated posterior" if drawn else "hand-set parameters")
    notes = []
    if summary["partnership_share"].max() < RARE:
        notes.append(f"no combination reaches partnership in {RARE:.0%} of runs: the panels below say how near they come")
    if empty:
        percentiles = " and ".join(PANELS[c].split(" over ")[0] for c in empty)
        notes.append(f"the {percentiles} over parameter sets: 0% everywhere (not drawn)")
    start = scenario.partnership.counted_from or scenario.start
    title(fig, f"{a}–{b} strategic partnership reached by {end_date(scenario)}, counted from {start}\n"
               f"{runs:,} runs, {parameters}{', other factors averaged' if others else ''}"
               + (f"\n{'; '.join(notes)}" if notes else "")
               + "\nthe model's logic under these conditions, not a forecast", size=11)
    return fig


def _wrapped(text: str, width: int = 46) -> str:
    from textwrap import fill

    return fill(text, width)


def own_values(scenario: Scenario, x: str, y: str) -> tuple[float, float] | None:
    """The scenario's own values of the two factors (a dated factor: the value its event sets)."""
    try:
        found = [get_setting(scenario.to_dict(), path) for path in (x, y)]
    except (KeyError, TypeError):
        return None
    return tuple(float(v) for v in found) if all(isinstance(v, (int, float)) for v in found) else None


def _mesh(ax, grid: pd.DataFrame, cmap, norm):
    return ax.pcolormesh(grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float), cmap=cmap,
                         norm=norm, shading="nearest")


def _write_cells(ax, grid: pd.DataFrame, text, color) -> None:
    """Each cell's value written in it, where the grid is small enough to read them."""
    if max(grid.shape) > ANNOTATED:
        return
    size = 6.5 if max(grid.shape) > 8 else 8
    for yv, row in grid.iterrows():
        for xv, v in row.items():
            if np.isfinite(v):
                ax.text(xv, yv, text(v), ha="center", va="center", fontsize=size, color=color(v))


def _star(ax, star) -> None:
    if star is not None:
        ax.plot(*star, marker="*", markersize=15, color="white", markeredgecolor="black", linestyle="none")


def near_miss(summary: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per design point, each partnership condition's margin in the median run at the end (median minus
    threshold; below 0: it fails), the condition that fails by most (`binding`: 0, 1, 2 in the order of
    the columns; 3: none fails) and by how much (`shortfall`, 0 where none fails)."""
    p = scenario.partnership
    margins = pd.DataFrame({k: summary[c] - t for k, (c, t) in enumerate(zip(MEDIANS, (p.threshold, p.threshold,
                                                                                     p.cooperation)))})
    worst = margins.min(axis=1)
    return pd.DataFrame({"binding": np.where(worst < 0, margins.idxmin(axis=1), 3), "shortfall": (-worst).clip(lower=0)},
                        index=summary.index)


def _near(ax_m, sub, summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int, star) -> None:
    """The near miss (in `ax_m`), and the median stances and cooperation at the end, each with its threshold (in `sub`)."""
    a, b = focal_pair(scenario)
    p, end = scenario.partnership, end_date(scenario)
    miss = near_miss(summary, scenario)
    cells = summary[[x, y, "runs"]].assign(binding=miss["binding"], shortfall=miss["shortfall"])
    shortfall = share_grid(cells, x, y, bins, "shortfall")
    binding = _binding_grid(cells, x, y, bins, shortfall)
    _mesh(ax_m, binding, ListedColormap(MISS_COLOURS), Normalize(-0.5, 3.5))
    _write_cells(ax_m, shortfall.where(binding < 3), lambda v: f"−{v:.2f}" if v >= 0.005 else "≈0", lambda v: "black")
    _star(ax_m, star)
    ax_m.set_title(_wrapped(f"the near miss: the condition the median run fails by most at {end}, and by how much"),
                   fontsize=9.5)
    labels = [f"{a} → {b} stance below {p.threshold:g}", f"{b} → {a} stance below {p.threshold:g}",
              f"cooperation below {p.cooperation:g}",
              f"none fails at {end} (a partnership must also hold {p.hold} quarters)"]
    shown = [k for k in range(len(labels)) if (binding == k).any().any()]  # only what some cell is
    ax_m.legend([Patch(color=MISS_COLOURS[k]) for k in shown], [labels[k] for k in shown], loc="upper center",
                bbox_to_anchor=(0.5, -0.16), fontsize=7.5, frameon=False, ncols=2)
    stance = Normalize(-1, 1)
    axes = sub.subplots(1, 3, sharey=True)
    for ax, column, name, level, cmap, norm in zip(
            axes, MEDIANS, [f"{a} → {b} stance", f"{b} → {a} stance", f"{a}–{b} cooperation"],
            [p.threshold, p.threshold, p.cooperation], [STANCE_CMAP, STANCE_CMAP, "YlGn"], [stance, stance, Normalize(0, 1)]):
        grid = share_grid(summary, x, y, bins, column)
        mesh = _mesh(ax, grid, cmap, norm)
        values = grid.to_numpy(float)
        if grid.shape[0] > 1 and grid.shape[1] > 1 and values.min() < level < values.max():
            ax.contour(grid.columns, grid.index, values, levels=[level], colors="black", linewidths=1.2, linestyles="--")
        ax.set_title(f"median {name} at {end}", fontsize=9.5)
        bar = sub.colorbar(mesh, ax=ax, orientation="horizontal", shrink=0.9, aspect=30)
        bar.set_label(f"{name} (threshold {level:g}, dashed)", fontsize=8)
        bar.ax.axvline(level, color="black", linewidth=1.2, linestyle="--")  # the dashed line's level, on its scale
        bar.ax.tick_params(labelsize=7.5)
        _star(ax, star)
        ax.set_xlabel(_wrapped(factor_label(x, scenario), 50), fontsize=8.5)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel(factor_label(y, scenario), fontsize=8.5)


def _binding_grid(cells: pd.DataFrame, x: str, y: str, bins: int, shortfall: pd.DataFrame) -> pd.DataFrame:
    """The binding condition per cell (the commonest among the points pooled into it), on the grid of `shortfall`."""
    keys = [share_grid(cells.assign(flag=(cells["binding"] == k).astype(float)), x, y, bins, "flag") for k in range(4)]
    stacked = np.stack([k.reindex(index=shortfall.index, columns=shortfall.columns).to_numpy(float) for k in keys])
    return pd.DataFrame(np.argmax(stacked, axis=0).astype(float), index=shortfall.index, columns=shortfall.columns)
