"""The focal actor's stances over time: median and 10–90% band, cooperation, partnership by date."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ...scenario import Scenario
from ...scenario.calendar import parse_quarter
from ..tables import NotRecorded, band, reached_share
from .style import GREY, PALETTE, event_label, label_ends, mark_events, panels, shown_events, title, trim_x, years


def _plot_band(ax, bands: pd.DataFrame, color: str, style: str = "-") -> tuple[float, float]:
    """Draw a median line and its band; returns the line's end point for labelling."""
    x = years(bands["date"])
    ax.fill_between(x, bands["lo"], bands["hi"], color=color, alpha=0.18, linewidth=0)
    ax.plot(x, bands["median"], style, color=color, linewidth=2)
    ax.lowest = min(getattr(ax, "lowest", 0.0), float(bands["lo"].min()))  # the axis must cover every band
    return x[-1], float(bands["median"].iloc[-1])


def threshold(ax, value: float, text: str) -> None:
    """A dotted line at a partnership threshold, labelled with what it is and its value."""
    ax.axhline(value, color="#444444", linewidth=0.8, linestyle=":")
    ax.text(0.005, value, f" {text} {value:g}", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8,
            color="#444444")


def within(trajectories: pd.DataFrame, span: tuple[str | None, str | None]) -> pd.DataFrame:
    """The rows from quarter `span[0]` to `span[1]` (either None: the run's own end)."""
    if span[0] is None and span[1] is None:
        return trajectories
    dates = trajectories["date"].astype(str)
    quarters = dates.map({d: parse_quarter(d) for d in dates.unique()}).to_numpy()  # each quarter parsed once
    first = parse_quarter(span[0]) if span[0] else quarters.min()
    last = parse_quarter(span[1]) if span[1] else quarters.max()
    return trajectories[(quarters >= first) & (quarters <= last)]


def trajectories_figure(trajectories: pd.DataFrame, scenario: Scenario, focal: str | None = None,
                        note: str = "", events: str = "drivers",
                        span: tuple[str | None, str | None] = (None, None)) -> plt.Figure:
    """The focal actor's stances over time (median, 10-90% band), its partner's cooperation, and
    the share of runs in which the partnership has been reached by each date.

    `note` says which runs (a design point, the parameters); `events`: which events are marked
    (`style.shown_events`); `span`: the quarters shown (the partnership share still counts from the
    scenario's own start)."""
    focal = focal or scenario.focal
    pair = scenario.partnership.pair
    partner = pair[1] if focal == pair[0] else pair[0]
    for a, b in (pair, pair[::-1]):  # the partnership panels need both directions
        if not ((trajectories["source"] == a) & (trajectories["target"] == b)).any():
            raise NotRecorded(f"{a}->{b}")
    runs = trajectories["run_id"].nunique()
    reached = reached_share(trajectories, scenario)  # over the whole run, then cut to the span
    trajectories = within(trajectories, span)
    reached = reached[reached.index.isin(set(trajectories["date"].astype(str)))]
    x_all = years(trajectories["date"])
    marked = [(parse_quarter(e.at) / 4, event_label(e), GREY)
              for e in shown_events(scenario, events, (x_all.min(), x_all.max()))]
    fig, ax_s, (ax, ax_e, ax_p) = panels(marked, (10, 8.5), [3, 1.3, 1.1])
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
    threshold(ax, scenario.partnership.threshold, "partnership threshold (both stances of the pair):")
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_ylim(max(min(-0.1, ax.lowest - 0.05), -1.05), 1.05)
    ax.set_ylabel(f"{focal}'s alignment toward …\n(−1 hostile, +1 aligned)")

    coop = trajectories[(trajectories["source"] == pair[0]) & (trajectories["target"] == pair[1])]
    _plot_band(ax_e, band(coop, "cooperation"), PALETTE[2])
    threshold(ax_e, scenario.partnership.cooperation, "partnership threshold:")
    ax_e.set_ylim(0, 1)
    ax_e.set_ylabel(f"{pair[0]}–{pair[1]}\ncooperation (0–1)")

    ax_p.step(years(reached.index.to_series()), reached.values * 100, where="post", color=PALETTE[0], linewidth=2)
    ax_p.set_ylim(0, 100)
    ax_p.set_ylabel("partnership reached\n(% of runs)")
    ax_p.set_xlabel("year (one step = one quarter)")
    for a in (ax, ax_e, ax_p):
        a.grid(axis="y", color="#e5e5e5")
        a.spines[["top", "right"]].set_visible(False)
    x0, x1 = float(x_all.min()), float(x_all.max())
    ax.set_xlim(x0, x1 + (x1 - x0) * 0.2)  # room for the line labels
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # whole years
    for a in (ax, ax_e, ax_p):
        trim_x(a, x0, x1)
    title(fig, f"{focal}'s stances in '{scenario.name}': median and 10–90% band over {runs:,} runs"
               + (f"\n{note}" if note else "")
               + (f"\nevent lines: {events if events != 'drivers' else 'the drivers (power updates left out)'}"
                  if marked else ""), size=10.5)
    if marked:
        mark_events(ax_s, [ax, ax_e, ax_p], marked)
    return fig

