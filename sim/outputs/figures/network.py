"""The alignment network at a date: every recorded directed stance as a coloured arrow."""

from __future__ import annotations

from textwrap import fill

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from ...scenario import Scenario
from ..tables import median_stances
from .style import STANCE_CMAP, stance_colorbar


def network_figure(trajectories: pd.DataFrame, scenario: Scenario, date: str | None = None,
                   note: str = "") -> plt.Figure:
    """The alignment network at a date: median stance of every recorded directed pair; the pairs
    not recorded are named below the network, not drawn."""
    date = date or str(trajectories["date"].iloc[-1])
    A = median_stances(trajectories, scenario, date)
    names = scenario.names
    fig, ax = plt.subplots(figsize=(8, 7.5), layout="constrained")
    draw_network(ax, names, np.array([scenario.actors[n].power for n in names]), A)
    runs = trajectories.loc[trajectories["date"].astype(str) == date, "run_id"].nunique()
    ax.set_title(f"Alignment network at {date}, '{scenario.name}'" + (f"\n{note}" if note else "") + "\n"
                 f"median of {runs} runs · arrows: source → target, stance labelled near the source · size: power",
                 fontsize=10.5)
    missing = [f"{a}→{b}" for i, a in enumerate(names) for j, b in enumerate(names) if i != j and np.isnan(A[i, j])]
    if missing:
        fig.text(0.02, 0.01, fill(f"Not recorded in these runs (not drawn): {', '.join(missing)}; "
                                  "sweep.record.pairs sets what a batch records.", 110), fontsize=8, color="#555555")
    stance_colorbar(fig, ax)
    return fig


def draw_network(ax, names: list[str], power: np.ndarray, A: np.ndarray, labels: bool = True) -> None:
    """Actors on a circle (the first at the top, clockwise), an arrow per directed stance
    coloured and sized by A[i, j]; a NaN stance (not recorded) draws no arrow."""
    angle = np.pi / 2 - 2 * np.pi * np.arange(len(names)) / len(names)
    pos = {name: (np.cos(a), np.sin(a)) for name, a in zip(names, angle)}
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((names[i], names[j], {"stance": A[i, j]})
                         for i, j in zip(*np.nonzero(~np.eye(len(names), dtype=bool))) if np.isfinite(A[i, j]))
    stances = np.array([graph.edges[e]["stance"] for e in graph.edges])
    cmap, norm = plt.get_cmap(STANCE_CMAP), Normalize(-1, 1)
    sizes = 900 + 2500 * power / max(power.max(), 1e-9)
    arc = "arc3,rad=0.15"  # the two directions of a pair curve apart
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=sizes, node_color="#f2f2f2", edgecolors="#333333")
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=10, font_weight="bold",
                            font_family=plt.rcParams["font.family"])  # networkx would set sans-serif, without the CJK fallback
    nx.draw_networkx_edges(graph, pos, ax=ax, node_size=sizes, edge_color=[cmap(norm(v)) for v in stances],
                           width=0.8 + 4 * np.abs(stances), arrowstyle="-|>", arrowsize=14, connectionstyle=arc)
    if labels:  # near the source (with curved edges, label_pos runs from the source): tells the two directions apart
        nx.draw_networkx_edge_labels(graph, pos, ax=ax, edge_labels={e: f"{graph.edges[e]['stance']:+.2f}" for e in graph.edges},
                                     label_pos=0.3, connectionstyle=arc, font_size=7.5, font_color="#222222",
                                     bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
