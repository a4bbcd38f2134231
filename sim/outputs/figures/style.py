"""What every figure shares: colours, labels for factors and dates, labelled line ends, saving.

Figures are drawn with matplotlib's object interface and returned; the caller saves them
(`save`) or embeds them. Nothing here chooses a backend: the command does, for files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from ...scenario import Scenario
from ...scenario.calendar import parse_quarter, step_dates
from .fonts import check_glyphs

# Okabe & Ito's colour-blind-safe palette (yellow left out: too pale on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"]
STANCE_CMAP = "RdBu"  # diverging, colour-blind safe: red hostile, blue aligned


def years(dates: pd.Series) -> np.ndarray:
    """Quarters (YYYYQn) as fractional years, for a time axis."""
    return np.array([parse_quarter(d) / 4 for d in dates.astype(str)])


def end_date(scenario: Scenario) -> str:
    return step_dates(scenario.start, scenario.steps)[-1]


def factor_label(path: str, scenario: Scenario | None = None) -> str:
    """A readable label for a factor path: the sweep's own `label:` for it, else one made from the path."""
    given = scenario.sweep.label(path) if scenario is not None and scenario.sweep is not None else None
    if given:
        return given
    known = {
        "parameters.sanctions": "US sanctions on Russia (0 none – 1 maximal)",
        "parameters.noise": "noise (s.d. per quarter)",
    }
    if path in known:
        return known[path]
    parts = path.split(".")
    if parts[0] == "actors" and len(parts) == 3:
        return f"{parts[1]}'s {parts[2].replace('_', ' ')}"
    if parts[0] == "mechanisms":
        return f"weight of {parts[1].replace('_', ' ')}"
    return path


def stance_colorbar(fig, ax) -> None:
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=Normalize(-1, 1), cmap=plt.get_cmap(STANCE_CMAP)), ax=ax,
                       shrink=0.6, pad=0.02)
    bar.set_label("alignment (−1 hostile, +1 aligned); width: strength")


def spread(at: np.ndarray, gap: float) -> np.ndarray:
    """Positions as near `at` (sorted) as they can be with at least `gap` between neighbours."""
    at = np.array(at, dtype=float)
    for _ in range(200):  # push overlapping neighbours apart, half the shortfall each
        short = np.maximum(gap - np.diff(at), 0)
        if not short.any():
            break
        at[:-1] -= short / 2
        at[1:] += short / 2
    return at


def label_ends(ax, ends: list[tuple[float, float, str, str]], gap: float) -> None:
    """Label lines at their right ends, spreading labels apart so that none overlap."""
    ends = sorted(ends, key=lambda e: e[1])
    y = spread([e[1] for e in ends], gap)
    x_text = ends[0][0] + 0.6
    for (x, y_line, text, color), y_text in zip(ends, y):
        ax.annotate(text, (x, y_line), xytext=(x_text, y_text), textcoords="data", va="center", color=color,
                    fontsize=9, fontweight="bold", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2})


def trim_x(ax, x0: float, x1: float) -> None:
    """Show the time axis only over the simulated span (the extra room holds labels)."""
    ax.set_xticks([t for t in ax.get_xticks() if x0 <= t <= x1])
    ax.spines["bottom"].set_bounds(x0, x1)


def save(fig: plt.Figure, path: Path, svg: bool = False) -> list[Path]:
    """Write a figure as PNG (and SVG); returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [path.with_suffix(".png")]
    check_glyphs(fig)
    fig.savefig(written[0], dpi=150)
    if svg:
        written.append(path.with_suffix(".svg"))
        fig.savefig(written[1])
    plt.close(fig)
    return written


def event_label(event) -> str:
    """A short label for an event: its note's gist, else what it sets or shifts."""
    if event.note:
        return event.note.split(":", 1)[-1].strip()[:34]
    parts = [f"{k.split('.')[-1] if k.startswith('parameters.') else k} {v:g}" for k, v in event.set.items()]
    if event.shift is not None:
        parts += [f"shift {key}" for key in [*event.shift.alignment, *event.shift.cooperation]]
    return "; ".join(parts)[:34]


EVENT_FONT = 6.5  # points


def mark_events(axes, *scenarios: Scenario) -> None:
    """A thin vertical line at every event of the scenarios on each axis, labelled on the first.

    Call it once the time axis has its final limits: labels of events in the same or nearby
    quarters are set side by side, each joined to its line by a short tick, so none overlap.
    """
    events = sorted({(parse_quarter(e.at) / 4, event_label(e)) for s in scenarios for e in s.events})
    if not events:
        return
    x = np.array([e[0] for e in events])
    for ax in axes:
        for at in np.unique(x):
            ax.axvline(at, color="#9a9a9a", linewidth=0.7, linestyle="-", zorder=0)
    ax = axes[0]
    ax.figure.draw_without_rendering()  # the layout sets the axis' width, hence how far apart labels must be
    x0, x1 = ax.get_xlim()
    placed = spread(x, (x1 - x0) * EVENT_FONT * 1.4 / 72 * ax.figure.dpi / ax.get_window_extent().width)
    for at, (_, text), label_at in zip(x, events, placed):
        ax.annotate(f" {text}", (at, 1.0), xytext=(label_at, 0.985), xycoords=ax.get_xaxis_transform(),
                    textcoords=ax.get_xaxis_transform(), rotation=90, va="top", ha="right", fontsize=EVENT_FONT,
                    color="#6a6a6a", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": "#b5b5b5", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 0}
                    if label_at != at else None)
