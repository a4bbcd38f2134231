"""The decision's figures: the efficient policies (parallel coordinates), their regret, where they
fail, and which value would be worth knowing."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ...core.outcomes import percent
from .style import PALETTE, factor_label, human, human_ticks, title

OUTLINE = [patheffects.Stroke(linewidth=3.6, foreground="white"), patheffects.Normal()]
OTHERS = "#b9b9b9"
SAME_LINE = 0.04  # a named line this close to an earlier one on every axis (a share of the axis) is drawn dashed over it
DASH = 2.5  # a dash's length, in line widths: up to four lines drawn along one another each show a dash in turn


def _wrapped(text: str, width: int = 18) -> str:
    return textwrap.fill(text, width)


def policy_names(found: pd.DataFrame) -> list[str]:
    """Each policy's name with its role: 'P297: most often good enough', 'status quo' (not 'status quo: status quo')."""
    names = []
    for policy, role in zip(found["policy"], found["role"]):
        rest = [r for r in role.split("; ") if r and r != policy]
        names.append(f"{policy}: {'; '.join(rest)}" if rest else policy)
    return names


def policies_figure(found: pd.DataFrame, axes: dict[str, str], title_text: str, flipped: tuple[str, ...] = (),
                    errors: dict[str, float] | None = None):
    """One line per efficient policy across its levers and its objectives' means, each axis scaled to
    its own range, its ends written at it (`flipped` axes, of objectives to minimise, upside down so
    that up is better on every objective). An axis whose range is below twice its standard error
    (`errors`) is drawn over that span instead, so that differences the sampling cannot tell apart
    look as small as they are. The policies with a role are drawn in colour and named in the legend;
    the others are grey."""
    columns = list(axes)
    errors = errors or {}
    values = found[columns].to_numpy(dtype=float)
    low, high = values.min(axis=0), values.max(axis=0)
    floor = np.array([2 * errors.get(c, 0.0) for c in columns])
    same = high == low
    flat = (high - low) < floor  # not told apart: drawn over the span the error gives
    middle = (high + low) / 2
    low, high = np.where(flat, middle - floor / 2, low), np.where(flat, middle + floor / 2, high)
    span = np.where(high > low, high - low, 1.0)
    scaled = np.where(high > low, (values - low) / span, 0.5)
    flip = np.array([c in flipped for c in columns])
    scaled[:, flip] = 1 - scaled[:, flip]
    top, bottom = np.where(flip, low, high), np.where(flip, high, low)
    fig, ax = plt.subplots(figsize=(max(9, 1.7 * len(columns)), 6.4), layout="constrained")
    named = found["role"].to_numpy() != ""
    for row in scaled[~named]:
        ax.plot(range(len(columns)), row, color=OTHERS, linewidth=0.6, alpha=0.35)
    handles = [plt.Line2D([], [], color=OTHERS, linewidth=1, label=f"the other {int((~named).sum())} efficient policies")]
    rows, names = scaled[named], policy_names(found[named])
    along = {}  # each solid line: those drawn dashed along it, each dash offset by the one before, so all show
    for k, (row, name, share) in enumerate(zip(rows, names, found["satisficing"][named])):
        under = next((j for j in along if np.abs(rows[j] - row).max() < SAME_LINE), None)
        dashes = "-"
        if under is None:
            along[k] = []
        else:
            along[under].append(k)
            dashes = (DASH * (len(along[under]) - 1), (DASH, DASH * 4))
        colour = PALETTE[k % len(PALETTE)]
        ax.plot(range(len(columns)), row, color=colour, linewidth=2.6, linestyle=dashes,
                path_effects=OUTLINE if under is None else None)
        handles.append(plt.Line2D([], [], color=colour, linewidth=2.6, linestyle="-" if under is None else (0, (2, 1)),
                                  label=f"{name} (good enough in {percent(share)} of the states)"
                                        + (f"; dashed: it runs along {names[under].split(':')[0]}" if under is not None
                                           else "")))
    for k, column in enumerate(columns):
        ax.axvline(k, color="#999999", linewidth=0.8, linestyle=":" if flat[k] or same[k] else "-")
        ax.text(k, -0.05, human(bottom[k], high[k] - low[k]), ha="center", va="top", fontsize=8)
        if not same[k]:
            ax.text(k, 1.05, human(top[k], high[k] - low[k]), ha="center", va="bottom", fontsize=8)
        said = ("the same for\nevery policy" if same[k] else
                f"all within ±{human(floor[k] / 2)}:\nnot told apart" if flat[k] else "")
        if said:
            ax.text(k, 0.5, said, ha="center", va="center", fontsize=7, rotation=90, color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xticks(range(len(columns)), [_wrapped(axes[c]) for c in columns], fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.15, 1.15)
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.legend(handles=handles, loc="outside lower center", frameon=False, fontsize=8, ncols=2)
    title(fig, title_text, size=10)
    return fig


def regret_figure(found: pd.DataFrame, objectives: dict[str, str], names: list[str], title_text: str):
    """Per objective, each policy's 90th-percentile regret over the states (bar, with its 5-95% sampling
    interval) and its largest (dot); the objectives on which no policy has any regret are named, not drawn."""
    none = [label for name, label in objectives.items() if not found[f"{name}_regret_max"].any()]
    drawn = {name: label for name, label in objectives.items() if label not in none}
    fig, axes = plt.subplots(1, max(len(drawn), 1), figsize=(max(7.0, 3.6 * len(drawn)), 2.2 + 0.34 * len(found)),
                             layout="constrained", sharey=True, squeeze=False)
    y = np.arange(len(found))
    for ax, (name, label) in zip(axes[0], drawn.items()):
        p90 = found[f"{name}_regret_p90"].to_numpy()
        err = np.vstack([p90 - found[f"{name}_regret_p90_low"], found[f"{name}_regret_p90_high"] - p90]).clip(0)
        ax.barh(y, p90, color=PALETTE[0], xerr=err, capsize=2, error_kw={"linewidth": 0.8})
        ax.plot(found[f"{name}_regret_max"], y, "o", color="#333333", markersize=3.5)
        ax.set_title(_wrapped(label, 34), fontsize=9)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        human_ticks(ax.xaxis)
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_yticks(y, names, fontsize=8)
    axes[0][0].invert_yaxis()
    fig.legend(handles=[Patch(color=PALETTE[0], label="90th percentile of the regret over the states (whisker: its 5–95% "
                                                      "sampling interval)"),
                        plt.Line2D([], [], marker="o", color="#333333", linestyle="none", markersize=3.5,
                                   label="the largest regret")],
               loc="outside lower center", frameon=False, fontsize=8, ncols=2)
    title(fig, f"{title_text}\nregret: how far short of the best efficient policy in the same state of the world, in "
               "the objective's units" + (f"\nno policy has any regret on: {'; '.join(none)}" if none else ""), size=10)
    return fig


def boxes_figure(boxes: dict[str, pd.DataFrame], ranges: pd.DataFrame, title_text: str):
    """For each policy that fails somewhere: the box of parameter values where it fails (PRIM), each
    restricted value's interval drawn within that value's range over the states, its numbers written
    beside it; the policies that fail across the states, with no value narrowing where, said below."""
    shown = {}  # policies that fail in the same box share its panel
    for name, box in boxes.items():
        if box is not None and len(box):
            same = next((k for k, b in shown.items() if b.equals(box) and b.attrs == box.attrs), None)
            shown[f"{same} and {name}" if same else name] = shown.pop(same) if same else box
    spread_out = [name for name, box in boxes.items() if box is not None and not len(box)]
    heights = [len(b) + 1 for b in shown.values()] or [1]
    fig, axes = plt.subplots(len(heights), 1, figsize=(9.5, 1.3 + 0.42 * sum(heights)), layout="constrained",
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    if not shown:
        axes[0][0].text(0.5, 0.5, "no value narrows where any policy fails", ha="center", va="center")
        axes[0][0].axis("off")
    for ax, (name, box) in zip(axes[:, 0], shown.items()):
        low, high = ranges.loc[box.index, "low"], ranges.loc[box.index, "high"]
        span = (high - low).where(high > low, 1.0)
        y = np.arange(len(box))
        ax.barh(y, np.ones(len(box)), color="#eeeeee")
        ax.barh(y, ((box["high"] - box["low"]) / span).to_numpy(), left=((box["low"] - low) / span).to_numpy(),
                color=PALETTE[1], alpha=0.8)
        ax.set_yticks(y, [_wrapped(f"{factor_label(v)}: fails at {human(a, (h - lo) / 10)}–{human(b, (h - lo) / 10)} "
                                   f"(of {human(lo, (h - lo) / 10)}–{human(h, (h - lo) / 10)})", 58)
                          for v, a, b, lo, h in zip(box.index, box["low"], box["high"], low, high)], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0 (its lowest)", "0.25", "0.5", "0.75", "1 (its highest)"], fontsize=8)
        several = " and " in name
        ax.set_title(_wrapped(f"{name} {'fail' if several else 'fails'} in the orange box: "
                              f"{box.attrs.get('coverage', float('nan')):.0%} of {'their' if several else 'its'} "
                              f"failures lie inside, {box.attrs.get('density', float('nan')):.0%} of the states inside "
                              "are failures", 80), fontsize=9, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1][0].set_xlabel("where each value's box lies within its range over the states of the world (grey)", fontsize=8.5)
    said = (f"\n{', '.join(spread_out)}: {'fails' if len(spread_out) == 1 else 'fail'} across the states "
            "(no value narrows where)" if spread_out else "")
    title(fig, title_text + said, size=10)
    return fig


def voi_figure(voi: pd.DataFrame, labels: dict[str, str], title_text: str, shown: int = 8,
               spans: dict[str, float] | None = None):
    """Per criterion with any, each uncertain value's expected value of partial perfect information (in
    the criterion's own units), beside what chance gives, and the largest as a share of `spans` (how far
    apart the policies' means lie), so that a gain too small to matter does not look large; the criteria
    on which it is zero for every value are named, not drawn, as are the values worth nothing."""
    criteria = list(dict.fromkeys(voi["criterion"]))
    drawn = [c for c in criteria if voi.loc[voi["criterion"] == c, "evppi"].any()]
    zero = [labels.get(c, c) for c in criteria if c not in drawn]
    said = (f"\nZero for every value (the same policy is best whatever it is) on: {'; '.join(zero)}" if zero else "")
    if not drawn:
        fig = plt.figure(figsize=(9, 2.2), layout="constrained")
        title(fig, title_text + said.replace("\nZero", "\nThe value of information is zero"), size=10)
        return fig
    fig, axes = plt.subplots(1, len(drawn), figsize=(max(7.5, 4.2 * len(drawn)), 2.2 + 0.32 * shown),
                             layout="constrained", squeeze=False)
    for ax, criterion in zip(axes[0], drawn):
        top = voi[(voi["criterion"] == criterion) & (voi["evppi"] > 0)].head(shown).iloc[::-1]
        y = np.arange(len(top))
        ax.barh(y, top["evppi"], color=np.where(top["informative"], PALETTE[0], "#bbbbbb"))
        ax.plot(top["chance_p95"], y, "|", color="#333333", markersize=12)
        ax.set_yticks(y, [_wrapped(factor_label(v), 30) for v in top["value"]], fontsize=7.5)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
        human_ticks(ax.xaxis)
        largest, span = top["evppi"].max(), (spans or {}).get(criterion)
        scale = f"at most {human(largest)}" + (f": {largest / span:.2%} of the {human(span)} between the policies' means"
                                               if span else "")
        ax.set_title(_wrapped(labels.get(criterion, criterion), 34) + "\n" + _wrapped(scale, 40), fontsize=9)
        ax.set_ylim(len(top) - shown - 0.5, len(top) - 0.5)  # bars as thick in every panel, from its top
        ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=[Patch(color=PALETTE[0], label="more than chance gives"), Patch(color="#bbbbbb", label="no more"),
                        plt.Line2D([], [], marker="|", color="#333333", linestyle="none", markersize=10,
                                   label="what chance gives (95th percentile)")],
               loc="outside lower center", frameon=False, fontsize=8, ncols=3)
    title(fig, f"{title_text}\nbars: the gain in the best policy's mean, in the criterion's units, were the value known"
               + said, size=10)
    return fig


def tradeoff_figure(trade_off: pd.DataFrame, labels: dict[str, str], title_text: str, shown: int = 4):
    """The value of information on the trade-off: for the values worth most at some weight, the
    expected value of partial perfect information against the weight put on the first objective,
    with its 95% sampling interval, beside what chance gives (dotted)."""
    first, second = trade_off["first"].iloc[0], trade_off["second"].iloc[0]
    top = trade_off.groupby("value")["evppi"].max().nlargest(shown).index
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    for k, value in enumerate(top):
        rows = trade_off[trade_off["value"] == value].sort_values("weight")
        colour = PALETTE[k % len(PALETTE)]
        ax.plot(rows["weight"], rows["evppi"], marker="o", color=colour, label=factor_label(value))
        ax.fill_between(rows["weight"], rows["low"], rows["high"], color=colour, alpha=0.15, linewidth=0)
    chance = trade_off.groupby("weight")["chance_p95"].max()
    ax.plot(chance.index, chance.to_numpy(), color="#333333", linestyle=":", label="what chance gives (95th percentile)")
    ax.set_xlabel(_wrapped(f"weight on {labels.get(first, first)}; the rest on {labels.get(second, second)}", 90),
                  fontsize=9)
    ax.set_ylabel("gain in the best policy's mean utility, were the value known", fontsize=9)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    title(fig, title_text, size=10)
    return fig
