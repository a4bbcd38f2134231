"""The decision's figures: the efficient policies (parallel coordinates), their regret, where they
fail, and which value would be worth knowing."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import Normalize

from .style import PALETTE

OUTLINE = [patheffects.Stroke(linewidth=3.6, foreground="#333333"), patheffects.Normal()]


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrapped(text: str, width: int = 18) -> str:
    return textwrap.fill(text, width)


def policies_figure(found: pd.DataFrame, axes: dict[str, str], title: str, flipped: tuple[str, ...] = ()):
    """One line per efficient policy across its levers and its objectives' means, each axis scaled to
    its own range (its ends written at it; `flipped` axes, of objectives to minimise, upside down so
    that up is better on every objective), coloured by the share of states it satisfices in; the
    policies with a role drawn thick and named."""
    columns = list(axes)
    values = found[columns].to_numpy(dtype=float)
    low, high = values.min(axis=0), values.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    scaled = (values - low) / span
    flip = np.array([c in flipped for c in columns])
    scaled[:, flip] = 1 - scaled[:, flip]
    low, high = np.where(flip, high, low), np.where(flip, low, high)
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(columns)), 5.6), layout="constrained")
    cmap, norm = plt.get_cmap("viridis"), Normalize(0, 1)
    named = found["role"].to_numpy() != ""
    for row, share in sorted(zip(scaled[~named], found["satisficing"][~named]), key=lambda item: item[1]):
        ax.plot(range(len(columns)), row, color=cmap(norm(share)), linewidth=0.8, alpha=0.35)
    for row, share, name in zip(scaled[named], found["satisficing"][named], found["policy"][named]):
        ax.plot(range(len(columns)), row, color=cmap(norm(share)), linewidth=2.6, path_effects=OUTLINE)
        ax.annotate(name, (len(columns) - 1, row[-1]), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8)
    for k in range(len(columns)):
        ax.axvline(k, color="#999999", linewidth=0.8)
        ax.text(k, -0.06, f"{low[k]:.4g}", ha="center", va="top", fontsize=8)
        ax.text(k, 1.06, f"{high[k]:.4g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(columns)), [_wrapped(axes[c]) for c in columns], fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.15, 1.15)
    ax.spines[["top", "right", "left"]].set_visible(False)
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7, pad=0.01)
    bar.set_label("share of states of the world in which it is good enough")
    ax.set_title(title, fontsize=10)
    return fig


def regret_figure(found: pd.DataFrame, objectives: dict[str, str], names: list[str], title: str):
    """Per objective, each policy's 90th-percentile regret over the states (bar, with its 5-95% sampling
    interval) and its largest (dot)."""
    fig, axes = plt.subplots(1, len(objectives), figsize=(3.4 * len(objectives), 1.4 + 0.32 * len(found)),
                             layout="constrained", sharey=True, squeeze=False)
    y = np.arange(len(found))
    for ax, (name, label), color in zip(axes[0], objectives.items(), PALETTE):
        p90 = found[f"{name}_regret_p90"].to_numpy()
        err = np.vstack([p90 - found[f"{name}_regret_p90_low"], found[f"{name}_regret_p90_high"] - p90]).clip(0)
        ax.barh(y, p90, color=color, xerr=err, capsize=2, error_kw={"linewidth": 0.8}, label="90th percentile")
        ax.plot(found[f"{name}_regret_max"], y, "o", color="#333333", markersize=3, label="largest")
        ax.set_title(_wrapped(label, 34), fontsize=9)
        ax.set_xlim(left=0)
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_yticks(y, names, fontsize=8)
    axes[0][0].invert_yaxis()
    axes[0][0].legend(loc="lower right", frameon=False, fontsize=8)
    fig.supxlabel("regret: how far short of the best efficient policy in the same state of the world", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig


def boxes_figure(boxes: dict[str, pd.DataFrame], ranges: pd.DataFrame, title: str):
    """For each policy that fails somewhere: the box of parameter values where it fails (PRIM),
    each restricted value's interval drawn within that value's range over the states."""
    shown = {name: box for name, box in boxes.items() if box is not None}
    heights = [len(b) + 1.5 if len(b) else 0.8 for b in shown.values()] or [1]
    fig, axes = plt.subplots(len(heights), 1, figsize=(8, 0.6 + 0.32 * sum(heights)), layout="constrained", squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    if not shown:
        axes[0][0].text(0.5, 0.5, "no policy fails in enough states to tell where", ha="center", va="center")
        axes[0][0].axis("off")
    for ax, (name, box) in zip(axes[:, 0], shown.items()):
        if not len(box):
            ax.text(0.5, 0.5, f"{name} fails across the states: no value narrows where", ha="center", va="center")
            ax.axis("off")
            continue
        low, high = ranges.loc[box.index, "low"], ranges.loc[box.index, "high"]
        span = (high - low).where(high > low, 1.0)
        y = np.arange(len(box))
        ax.barh(y, ((box["high"] - box["low"]) / span).to_numpy(), left=((box["low"] - low) / span).to_numpy(),
                color=PALETTE[1], alpha=0.7)
        ax.set_yticks(y, [f"{_short(v, 34)} [{a:.3g}, {b:.3g}]" for v, a, b in zip(box.index, box["low"], box["high"])],
                      fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 1], ["lowest", "highest value in the states"], fontsize=8)
        ax.set_title(f"{name} fails here (coverage {box.attrs.get('coverage', float('nan')):.0%}, "
                     f"density {box.attrs.get('density', float('nan')):.0%})", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=10)
    return fig


def voi_figure(voi: pd.DataFrame, labels: dict[str, str], title: str, shown: int = 8):
    """Per criterion, each uncertain value's expected value of partial perfect information (in the
    criterion's own units), beside what chance gives."""
    criteria = list(dict.fromkeys(voi["criterion"]))
    fig, axes = plt.subplots(1, max(1, len(criteria)), figsize=(3.6 * max(1, len(criteria)), 1.4 + 0.3 * shown),
                             layout="constrained", squeeze=False)
    for ax, criterion in zip(axes[0], criteria):
        top = voi[voi["criterion"] == criterion].head(shown).iloc[::-1]
        ax.set_title(_wrapped(labels.get(criterion, criterion), 34), fontsize=9)
        if not top["evppi"].any():
            ax.text(0.5, 0.5, "zero for every value:\nthe same policy is best\nwhatever it is", ha="center",
                    va="center", transform=ax.transAxes, fontsize=9)
            ax.axis("off")
            continue
        y = np.arange(len(top))
        ax.barh(y, top["evppi"], color=np.where(top["informative"], PALETTE[0], "#bbbbbb"))
        ax.plot(top["chance_p95"], y, "|", color="#333333", markersize=12, label="chance (95th percentile)")
        ax.set_yticks(y, [_short(v, 30) for v in top["value"]], fontsize=7)
        ax.set_xlim(left=0)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[0]:
        if ax.lines:
            ax.legend(loc="lower right", frameon=False, fontsize=7)
            break
    fig.supxlabel("gain in the best policy's mean, in the criterion's units, were the value known "
                  "(blue: more than chance gives)", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig
