"""The focal actor's stances over time: median and 10–90% band, cooperation, partnership by date."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario import Scenario
from ..tables import NotRecorded, band, reached_share
from .style import PALETTE, label_ends, mark_events, trim_x, years


def _plot_band(ax, bands: pd.DataFrame, color: str, style: str = "-") -> tuple[float, float]:
    """Draw a median line and its band; returns the line's end point for labelling."""
    x = years(bands["date"])
    ax.fill_between(x, bands["lo"], bands["hi"], color=color, alpha=0.18, linewidth=0)
    ax.plot(x, bands["median"], style, color=color, linewidth=2)
    ax.lowest = min(getattr(ax, "lowest", 0.0), float(bands["lo"].min()))  # the axis must cover every band
    return x[-1], float(bands["median"].iloc[-1])


def trajectories_figure(trajectories: pd.DataFrame, scenario: Scenario, focal: str | None = None,
                        note: str = "") -> plt.Figure:
    """The focal actor's stances over time (median, 10-90% band), its partner's cooperation, and
    the share of runs in which the partnership has been reached by each date."""
    focal = focal or scenario.focal
    pair = scenario.partnership.pair
    partner = pair[1] if focal == pair[0] else pair[0]
    for a, b in (pair, pair[::-1]):  # the partnership panels need both directions
        if not ((trajectories["source"] == a) & (trajectories["target"] == b)).any():
            raise NotRecorded(f"{a}->{b}")
    runs = trajectories["run_id"].nunique()
    fig, (ax, ax_e, ax_p) = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True, height_ratios=[3, 1.3, 1.1],
                                         layout="constrained")
    own = trajectories[trajectories["source"] == focal]
    others = [n for n in scenario.names if n != focal]
    ends = []
    for color, other in zip(PALETTE, others):
        rows = own[own["target"] == other]
        if len(rows):  # batches record only some pairs
            ends.append((*_plot_band(ax, band(rows, "alignment"), color), f"→ {other}", color))
    back = trajectories[(trajectories["source"] == partner) & (trajectories["target"] == focal)]
    ends.append((*_plot_band(ax, band(back, "alignment"), "#555555", style="--"), f"{partner} → {focal} (dashed)", "#555555"))
    label_ends(ax, ends, gap=0.085)
    threshold = scenario.partnership.threshold
    ax.axhline(threshold, color="#444444", linewidth=0.8, linestyle=":")
    ax.text(0.005, threshold, " partnership threshold", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8,
            color="#444444")
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_ylim(max(min(-0.1, ax.lowest - 0.05), -1.05), 1.05)
    ax.set_ylabel(f"{focal}'s alignment toward …\n(−1 hostile, +1 aligned)")
    ax.set_title(f"{focal}'s stances in '{scenario.name}': median and 10–90% band over {runs} runs"
                 + (f"\n{note}" if note else ""), loc="left")

    coop = trajectories[(trajectories["source"] == pair[0]) & (trajectories["target"] == pair[1])]
    _plot_band(ax_e, band(coop, "cooperation"), PALETTE[2])
    ax_e.axhline(scenario.partnership.cooperation, color="#444444", linewidth=0.8, linestyle=":")
    ax_e.set_ylim(0, 1)
    ax_e.set_ylabel(f"{pair[0]}–{pair[1]}\ncooperation (0–1)")

    reached = reached_share(trajectories, scenario)
    ax_p.step(years(reached.index.to_series()), reached.values * 100, where="post", color=PALETTE[0], linewidth=2)
    ax_p.set_ylim(0, 100)
    ax_p.set_ylabel("runs in which\npartnership reached (%)")
    ax_p.set_xlabel("year (one step = one quarter)")
    for a in (ax, ax_e, ax_p):
        a.grid(axis="y", color="#e5e5e5")
        a.spines[["top", "right"]].set_visible(False)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(x0, x1 + (x1 - x0) * 0.2)  # room for the line labels
    for a in (ax, ax_e, ax_p):
        trim_x(a, x0, x1)
    mark_events([ax, ax_e, ax_p], scenario)
    return fig
