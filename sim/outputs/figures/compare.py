"""Scenarios side by side: the focal actor's stances and the pair's cooperation, one colour per scenario,
the partnership share over time, and each scenario's own events in its colour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario.calendar import parse_quarter
from ..tables import band, reached_share
from .style import GREY, PALETTE, event_label, mark_events, panels, shown_events, title, years
from .trajectories import threshold


def _bands(ax, items: list, column: str, source: str, target: str) -> None:
    for color, it in zip(PALETTE, items):
        t = it.trajectories
        rows = band(t[(t["source"] == source) & (t["target"] == target)], column)
        x = years(rows["date"])
        ax.fill_between(x, rows["lo"], rows["hi"], color=color, alpha=0.15, linewidth=0)
        ax.plot(x, rows["median"], color=color, linewidth=2, label=it.name)


def owned_events(items: list, which: str = "drivers") -> list[tuple[float, str, str]]:
    """Every event marked, as (year, label, colour): grey where every scenario has it, else in the colour
    of the scenario that has it, its label naming that scenario."""
    found = {}
    for k, it in enumerate(items):
        for e in shown_events(it.scenario, which):
            found.setdefault((parse_quarter(e.at) / 4, event_label(e)), []).append(k)
    return [(at, text, GREY) if len(owners) == len(items) else
            (at, f"{text} [{', '.join(str(k + 1) for k in owners)}]", PALETTE[owners[0]] if len(owners) == 1 else "#333333")
            for (at, text), owners in found.items()]


def compare_figure(items: list, title_text: str = "", settings: pd.DataFrame | None = None,
                   events: str = "drivers") -> plt.Figure:
    """`items` have .name, .scenario, .trajectories (see sim.analysis.compare). One panel per stance
    of the focal actor recorded in every item, one of the pair's cooperation (median and 10–90% band
    of each), and the share of runs in which the partnership has been reached by each date. Events
    every scenario has are grey; an event of one scenario alone is in its colour, its label ending
    with the scenario's number. `settings`: the settings that differ (`analysis.compare.differences`),
    said under the title."""
    s = items[0].scenario
    focal = s.focal
    a, b = s.partnership.pair
    partner = b if focal == a else a
    targets = [t for t in s.names if t != focal and all(
        ((it.trajectories["source"] == focal) & (it.trajectories["target"] == t)).any() for it in items)]
    marked = owned_events(items, events)
    fig, strip, axes = panels(marked, (10, 2.4 * len(targets) + 4.4), [2.6] * len(targets) + [1.6, 1.6])
    for ax, target in zip(axes, targets):
        _bands(ax, items, "alignment", focal, target)
        ax.axhline(0, color="#bbbbbb", linewidth=0.6)
        if target == partner:
            threshold(ax, s.partnership.threshold, "partnership threshold")
        ax.set_ylabel(f"{focal} → {target}\nalignment")
        ax.set_ylim(-1.05, 1.05)
    ax_e, ax_p = axes[-2:]
    _bands(ax_e, items, "cooperation", a, b)
    threshold(ax_e, s.partnership.cooperation, "partnership threshold")
    ax_e.set_ylim(0, 1)
    ax_e.set_ylabel(f"{a}–{b}\ncooperation (0–1)")
    for color, it in zip(PALETTE, items):
        share = reached_share(it.trajectories, it.scenario)
        ax_p.step(years(share.index.to_series()), share.values * 100, where="post", color=color, linewidth=2)
    ax_p.set_ylim(0, 100)
    ax_p.set_ylabel("partnership reached\n(% of runs)")
    ax_p.set_xlabel("year (one step = one quarter)")
    for ax in axes:
        ax.grid(axis="y", color="#e5e5e5")
        ax.spines[["top", "right"]].set_visible(False)
    handles, _ = axes[0].get_legend_handles_labels()
    fig.legend(handles, [f"[{k}] {it.name}" for k, it in enumerate(items, 1)], loc="outside lower center",
               frameon=False, fontsize=9, ncols=1 if len(items) > 2 else len(items))
    said = ""
    if settings is not None and len(settings):
        rows = [f"{path}: " + " | ".join(map(str, values)) for path, values in settings.iterrows()]
        more = f"; and {len(rows) - 6} more (settings.csv)" if len(rows) > 6 else ""
        said = "\nsettings that differ ([1] | [2] …): " + "; ".join(rows[:6]) + more
    elif settings is not None:
        said = "\nno setting differs between them"
    title(fig, (title_text or f"{focal}'s stances and the {a}–{b} partnership: median and 10–90% band of each scenario")
          + said + ("\nevent lines: grey in every scenario; coloured, and [numbered], in that scenario alone" if marked else ""),
          size=10.5)
    if marked:
        mark_events(strip, axes, marked)
    return fig
