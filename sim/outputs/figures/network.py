"""The alignment network at a date: every recorded directed stance as a coloured arrow, and the same
stances written out in a table of rows toward columns."""

from __future__ import annotations

from textwrap import fill

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from ...scenario import Scenario
from ..tables import median_stances
from .style import STANCE_CMAP, human, stance_colorbar

NAME_FONT = 8.5  # points, bold, inside the circles


def network_figure(trajectories: pd.DataFrame, scenario: Scenario, date: str | None = None,
                   note: str = "") -> plt.Figure:
    """The alignment network at a date: median stance of every recorded directed pair, as arrows (left)
    and as numbers (right); the pairs not recorded are named below, not drawn."""
    date = date or str(trajectories["date"].iloc[-1])
    A = median_stances(trajectories, scenario, date)
    names = scenario.names
    fig, (ax, ax_t) = plt.subplots(1, 2, figsize=(13, 6.6), layout="constrained", width_ratios=[1.15, 1])
    draw_network(ax, names, np.array([scenario.actors[n].power for n in names]), A, labels=False)
    runs = trajectories.loc[trajectories["date"].astype(str) == date, "run_id"].nunique()
    ax.set_title(f"Alignment network at {date}, '{scenario.name}'\n"
                 + fill(f"median of {runs:,} runs" + (f" · {note}" if note else ""), 64)
                 + "\narrows: source → target, coloured and widened by the stance", fontsize=10)
    stance_table(ax_t, names, A)
    missing = [f"{a}→{b}" for i, a in enumerate(names) for j, b in enumerate(names) if i != j and np.isnan(A[i, j])]
    if missing:
        fig.text(0.01, 0.005, fill(f"Not recorded in these runs (not drawn): {', '.join(missing)}; "
                                   "sweep.record.pairs sets what a batch records.", 150), fontsize=8, color="#555555")
    stance_colorbar(fig, ax_t)
    return fig


def stance_table(ax, names: list[str], A: np.ndarray) -> None:
    """The stances as a table: row toward column, each cell coloured and written ('–': not recorded)."""
    shown = np.where(np.eye(len(names), dtype=bool), np.nan, A)
    ax.imshow(shown, cmap=STANCE_CMAP, norm=Normalize(-1, 1), aspect="auto")
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j:
                v = A[i, j]
                ax.text(j, i, "–" if np.isnan(v) else f"{'+' if v > 0 else ''}{human(v, 1)}", ha="center", va="center",
                        fontsize=10, color="white" if np.isfinite(v) and abs(v) > 0.6 else "black")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("… toward this actor")
    ax.set_ylabel("this actor's stance …")
    ax.set_title("the same stances: row toward column", fontsize=10, loc="left")
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)


def node_sizes(names: list[str], power: np.ndarray) -> np.ndarray:
    """Marker areas (points²): each circle large enough for the longest name, and larger with power."""
    smallest = (max(len(n) for n in names) * NAME_FONT * 0.62 + 8) ** 2
    return smallest + 1.6 * smallest * power / max(power.max(), 1e-9)


def draw_network(ax, names: list[str], power: np.ndarray, A: np.ndarray, labels: bool = True) -> None:
    """Actors on a circle (the first at the top, clockwise), each name inside a circle whose area grows
    with its power (a legend gives the scale), an arrow per directed stance coloured and sized by
    A[i, j]; a NaN stance (not recorded) draws no arrow. `labels`: each arrow's stance written near its source."""
    angle = np.pi / 2 - 2 * np.pi * np.arange(len(names)) / len(names)
    pos = {name: (np.cos(a), np.sin(a)) for name, a in zip(names, angle)}
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((names[i], names[j], {"stance": A[i, j]})
                         for i, j in zip(*np.nonzero(~np.eye(len(names), dtype=bool))) if np.isfinite(A[i, j]))
    stances = np.array([graph.edges[e]["stance"] for e in graph.edges])
    cmap, norm = plt.get_cmap(STANCE_CMAP), Normalize(-1, 1)
    sizes = node_sizes(names, power)
    arc = "arc3,rad=0.15"  # the two directions of a pair curve apart
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=sizes, node_color="#f2f2f2", edgecolors="#333333")
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=NAME_FONT, font_weight="bold",
                            font_family=plt.rcParams["font.family"])  # networkx would set sans-serif, without the CJK fallback
    nx.draw_networkx_edges(graph, pos, ax=ax, node_size=sizes, edge_color=[cmap(norm(v)) for v in stances],
                           width=0.8 + 4 * np.abs(stances), arrowstyle="-|>", arrowsize=14, connectionstyle=arc)
    if labels:  # near the source (with curved edges, label_pos runs from the source): tells the two directions apart
        nx.draw_networkx_edge_labels(graph, pos, ax=ax, edge_labels={e: f"{graph.edges[e]['stance']:+.2f}" for e in graph.edges},
                                     label_pos=0.3, connectionstyle=arc, font_size=7.5, font_color="#222222",
                                     bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    _size_key(ax, names, power)
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-2.0, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")


def _size_key(ax, names: list[str], power: np.ndarray) -> None:
    """Circles of the smallest and the largest power, drawn below the ring to the scale of the actors'."""
    shown = np.unique([power.min(), power.max()])
    sizes = node_sizes(names, np.concatenate([power, shown]))[len(power):]
    ax.text(-1.4, -1.6, "circle area: power\n(the region's capabilities)", fontsize=8, va="center", color="#333333")
    for x, p, size in zip((-0.2, 0.75), shown, sizes):
        ax.scatter([x], [-1.6], s=size, facecolor="#f2f2f2", edgecolor="#333333", clip_on=False)
        ax.annotate(f"{p:.2g}", (x, -1.6), xytext=(np.sqrt(size) / 2 + 4, 0), textcoords="offset points", va="center",
                    fontsize=8, color="#333333")
