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
from matplotlib.text import Text

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
    path, _, at = path.partition("@")
    known = {
        "parameters.sanctions": "US sanctions on Russia (0 none – 1 maximal)",
        "parameters.noise": "noise (s.d. per quarter)",
    }
    parts = path.split(".")
    if path in known:
        found = known[path]
    elif parts[0] == "actors" and len(parts) == 3 and parts[2] == "sanction_sensitivity":
        found = f"exposure of {parts[1]}'s firms to the sanctions"  # as the docs call it
    elif parts[0] == "actors" and len(parts) == 3:
        found = f"{parts[1]}'s {parts[2].replace('_', ' ')}"
    elif parts[0] == "mechanisms" and len(parts) == 2:
        found = f"weight of {parts[1].replace('_', ' ')}"
    elif parts[0] == "parameters" and len(parts) == 2:
        found = parts[1].replace("_", " ")
    else:
        found = path.replace("_", " ") if "." not in path else path
    return found + (f" from {at}" if at else "")


def stance_colorbar(fig, ax) -> None:
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=Normalize(-1, 1), cmap=plt.get_cmap(STANCE_CMAP)), ax=ax,
                       shrink=0.6, pad=0.02)
    bar.set_label("alignment (−1 hostile, +1 aligned); width: strength")


def spread(at, gap: float, low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """Positions as near `at` (sorted) as they can be with at least `gap` between neighbours (and within
    `low`, `high` where they fit): neighbours too close form a group centred on their mean, merged with
    the group before it while they overlap."""
    groups: list[tuple[float, list[float]]] = []  # (first position, the wanted positions)
    for x in np.asarray(at, dtype=float):
        groups.append((x, [x]))
        while len(groups) > 1 and groups[-2][0] + gap * len(groups[-2][1]) > groups[-1][0]:
            wanted = groups[-2][1] + groups[-1][1]
            groups[-2:] = [(float(np.mean(wanted)) - gap * (len(wanted) - 1) / 2, wanted)]
    placed = np.concatenate([first + gap * np.arange(len(wanted)) for first, wanted in groups]) if groups else np.array([])
    steps = gap * np.arange(len(placed))
    if len(placed) and high - low >= steps[-1]:  # pushed back inside, keeping the gaps
        placed = np.minimum(np.maximum(placed, low + steps), high - steps[::-1])
    return placed


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
        return _cut(event.note.split(":", 1)[-1].strip())
    parts = [f"{k.split('.')[-1] if k.startswith('parameters.') else k} {v:g}" for k, v in event.set.items()]
    if event.shift is not None:
        parts += [f"shift {key}" for key in [*event.shift.alignment, *event.shift.cooperation]]
    return _cut("; ".join(parts))


def _cut(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip(" ;,") + "…"


EVENTS = ("drivers", "all", "none")  # which events a figure marks; power updates are left out by default


def power_update(event) -> bool:
    """An event that only updates the actors' power (the yearly military-expenditure shares): a
    revision of the record, not a driver of the question."""
    return event.shift is None and bool(event.set) and all(k.endswith(".power") for k in event.set)


def shown_events(scenario: Scenario, which: str = "drivers", span: tuple[float, float] | None = None) -> list:
    """The events of a scenario a figure marks: `drivers` (all but power updates), `all` or `none`,
    within `span` (years) if given."""
    if which not in EVENTS:
        raise ValueError(f"events {which!r}: allowed: {', '.join(EVENTS)}")
    found = [] if which == "none" else [e for e in scenario.events if which == "all" or not power_update(e)]
    if span is not None:
        found = [e for e in found if span[0] <= parse_quarter(e.at) / 4 <= span[1]]
    return found


EVENT_FONT = 6.5  # points
GREY = "#7a7a7a"


def event_strip_height(labels: list[str]) -> float:
    """Inches of the strip above the panels that holds event labels written upward."""
    return 0.15 + max((len(t) for t in labels), default=0) * EVENT_FONT * 0.6 / 72


def panels(marked: list, size: tuple[float, float], heights: list[float]):
    """A figure of panels stacked on one time axis (the figure's first axes, top down), under a strip for
    the event labels if there are events (made last, so that the panels come first in `fig.axes`)."""
    strip = event_strip_height([m[1] for m in marked]) if marked else 0.0
    rows = [strip * sum(heights) / size[1]] * bool(marked) + heights
    fig = plt.figure(figsize=(size[0], size[1] + strip), layout="constrained")
    grid = fig.add_gridspec(len(rows), 1, height_ratios=rows)
    first = bool(marked)
    axes = [fig.add_subplot(grid[first])]
    axes += [fig.add_subplot(grid[k], sharex=axes[0]) for k in range(first + 1, len(rows))]
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    return fig, fig.add_subplot(grid[0], sharex=axes[0]) if marked else None, axes


def mark_events(strip, axes, events: list[tuple[float, str, str]]) -> None:
    """Each event (year, label, colour) as a thin vertical line across the panels `axes`, and its label
    written upward in `strip` (an axis above them, sharing their time axis), so that labels never
    cover the data. Labels of events in the same or nearby quarters are set side by side, each
    joined to its date by a short leader, so none overlap. The labels belong to the top panel, with
    its lines; the strip only holds their room.

    Call it once the time axis has its final limits."""
    strip.axis("off")
    strip.set_ylim(0, 1)
    events = sorted(set(events))
    x = np.array([e[0] for e in events])
    for ax in axes:
        for at, _, color in events:
            ax.axvline(at, color=color, linewidth=0.7, linestyle="-", alpha=0.6, zorder=0)
    strip.figure.draw_without_rendering()  # the layout sets the strip's width, hence how far apart labels must be
    x0, x1 = strip.get_xlim()
    gap = (x1 - x0) * EVENT_FONT * 1.35 / 72 * strip.figure.dpi / strip.get_window_extent().width
    placed = spread(x, gap, x0 + gap / 2, x1 - gap / 2)
    labels = [axes[0].annotate(text, (at, 0.0), xycoords=strip.transData, xytext=(label_at, 0.04),
                               textcoords=strip.transData, rotation=90, va="bottom", ha="center", fontsize=EVENT_FONT,
                               color=color, annotation_clip=False,
                               arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.5, "shrinkA": 0,
                                           "shrinkB": 0, "alpha": 0.7})
              for at, (_, text, color), label_at in zip(x, events, placed)]
    for label in labels:
        label.set_in_layout(False)  # the strip holds its room
    _fit_strip(strip, labels)


def _fit_strip(strip, labels) -> None:
    """Make the strip tall enough for its longest label (the layout knows the strip, not the labels)."""
    grid = strip.get_subplotspec().get_gridspec()
    for _ in range(4):
        strip.figure.draw_without_rendering()
        room = strip.get_window_extent()
        top = max(Text.get_window_extent(label).y1 for label in labels)
        if top <= room.y1 + 1:
            return
        ratios = list(grid.get_height_ratios())
        ratios[0] *= (top - room.y0) / max(room.height, 1.0) * 1.02
        grid.set_height_ratios(ratios)


def human(value: float, span: float | None = None) -> str:
    """A number as people write it, without an exponent: as many decimals as an axis of this `span`
    needs to tell its ticks apart (three significant digits without one); trailing zeros dropped."""
    value = float(value)
    span = abs(value) if span is None else abs(float(span))
    decimals = 2 if span == 0 else int(np.clip(1 - np.floor(np.log10(span)), 0, 6))
    text = f"{round(value, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def human_ticks(axis) -> None:
    """Tick labels of an axis (ax.xaxis, ax.yaxis, a colour bar's) written by `human` for its range."""
    from matplotlib.ticker import FuncFormatter

    def written(value, _):
        low, high = axis.get_view_interval()
        return human(value, high - low)

    axis.set_major_formatter(FuncFormatter(written))


def title(fig: plt.Figure, text: str, size: float = 11) -> None:
    """The figure's title, each line wrapped to the figure's width so that none is cut."""
    from textwrap import fill

    width = max(20, int(fig.get_figwidth() * 72 / (size * 0.58)))
    fig.suptitle("\n".join(fill(line, width) for line in text.split("\n")), fontsize=size)
