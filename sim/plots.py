"""Figures from result tables: banded stance trajectories and the alignment network.

Each function takes pandas frames (as `sim.load_results` gives them) and returns a
matplotlib Figure; `save` writes it as PNG and, if asked, SVG.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from .calendar import parse_quarter, step_dates  # noqa: E402
from .metrics import focal_outcomes  # noqa: E402
from .scenario import Scenario  # noqa: E402

# Okabe & Ito's colour-blind-safe palette (yellow left out: too pale on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"]
STANCE_CMAP = "RdBu"  # diverging, colour-blind safe: red hostile, blue aligned


def _years(dates: pd.Series) -> np.ndarray:
    return np.array([parse_quarter(d) / 4 for d in dates.astype(str)])


def _band(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and 10-90% quantiles of a column across runs, per step."""
    g = frame.groupby("step", observed=True)[column]
    out = pd.DataFrame({"lo": g.quantile(0.1), "median": g.median(), "hi": g.quantile(0.9)})
    out["date"] = frame.groupby("step", observed=True)["date"].first().astype(str)
    return out.reset_index()


def _plot_band(ax, band: pd.DataFrame, color: str, style: str = "-") -> tuple[float, float]:
    """Draw a median line and its band; returns the line's end point for labelling."""
    x = _years(band["date"])
    ax.fill_between(x, band["lo"], band["hi"], color=color, alpha=0.18, linewidth=0)
    ax.plot(x, band["median"], style, color=color, linewidth=2)
    return x[-1], float(band["median"].iloc[-1])


def _label_ends(ax, ends: list[tuple[float, float, str, str]], gap: float) -> None:
    """Label lines at their right ends, spreading labels apart so that none overlap."""
    ends = sorted(ends, key=lambda e: e[1])
    y = np.array([e[1] for e in ends], dtype=float)
    for _ in range(200):  # push overlapping neighbours apart, half the shortfall each
        short = np.maximum(gap - np.diff(y), 0)
        if not short.any():
            break
        y[:-1] -= short / 2
        y[1:] += short / 2
    x_text = ends[0][0] + 0.6
    for (x, y_line, text, color), y_text in zip(ends, y):
        ax.annotate(text, (x, y_line), xytext=(x_text, y_text), textcoords="data", va="center", color=color,
                    fontsize=9, fontweight="bold", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2})


def _trim_x(ax, x0: float, x1: float) -> None:
    """Show the time axis only over the simulated span (the extra room holds labels)."""
    ax.set_xticks([t for t in ax.get_xticks() if x0 <= t <= x1])
    ax.spines["bottom"].set_bounds(x0, x1)


def trajectories_figure(trajectories: pd.DataFrame, scenario: Scenario, focal: str | None = None,
                        note: str = "") -> plt.Figure:
    """The focal actor's stances over time (median, 10-90% band), its partner's cooperation, and
    the share of runs in which the partnership has been reached by each date."""
    focal = focal or scenario.focal
    pair = scenario.partnership.pair
    partner = pair[1] if focal == pair[0] else pair[0]
    runs = trajectories["run_id"].nunique()
    fig, (ax, ax_e, ax_p) = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True, height_ratios=[3, 1.3, 1.1],
                                         layout="constrained")
    own = trajectories[trajectories["source"] == focal]
    others = [n for n in scenario.names if n != focal]
    ends = []
    for color, other in zip(PALETTE, others):
        rows = own[own["target"] == other]
        if len(rows):  # batches record only some pairs
            ends.append((*_plot_band(ax, _band(rows, "alignment"), color), f"→ {other}", color))
    back = trajectories[(trajectories["source"] == partner) & (trajectories["target"] == focal)]
    ends.append((*_plot_band(ax, _band(back, "alignment"), "#555555", style="--"), f"{partner} → {focal} (dashed)", "#555555"))
    _label_ends(ax, ends, gap=0.085)
    threshold = scenario.partnership.threshold
    ax.axhline(threshold, color="#444444", linewidth=0.8, linestyle=":")
    ax.text(0.005, threshold, " partnership threshold", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8, color="#444444")
    ax.axhline(0, color="#999999", linewidth=0.6)
    low = min(-0.1, float(own["alignment"].quantile(0.02)) - 0.1)
    ax.set_ylim(max(low, -1.05), 1.05)
    ax.set_ylabel(f"{focal}'s alignment toward …\n(−1 hostile, +1 aligned)")
    ax.set_title(f"{focal}'s stances in '{scenario.name}': median and 10–90% band over {runs} runs"
                 + (f"\n{note}" if note else ""), loc="left")

    coop = trajectories[(trajectories["source"] == pair[0]) & (trajectories["target"] == pair[1])]
    _plot_band(ax_e, _band(coop, "cooperation"), PALETTE[2])
    ax_e.axhline(scenario.partnership.cooperation, color="#444444", linewidth=0.8, linestyle=":")
    ax_e.set_ylim(0, 1)
    ax_e.set_ylabel(f"{pair[0]}–{pair[1]}\ncooperation (0–1)")

    reached = _reached_share(trajectories, scenario)
    ax_p.step(_years(reached.index.to_series()), reached.values * 100, where="post", color=PALETTE[0], linewidth=2)
    ax_p.set_ylim(0, 100)
    ax_p.set_ylabel("runs in which\npartnership reached (%)")
    ax_p.set_xlabel("year (one step = one quarter)")
    for a in (ax, ax_e, ax_p):
        a.grid(axis="y", color="#e5e5e5")
        a.spines[["top", "right"]].set_visible(False)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(x0, x1 + (x1 - x0) * 0.2)  # room for the line labels
    for a in (ax, ax_e, ax_p):
        _trim_x(a, x0, x1)
    return fig


def _reached_share(trajectories: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Share of runs whose focal partnership has been reached by each date."""
    from .metrics import partnership  # local: keeps plotting importable on its own

    a, b = scenario.partnership.pair
    p = scenario.partnership

    def series(src, dst, col):
        rows = trajectories[(trajectories["source"] == src) & (trajectories["target"] == dst)]
        return rows.pivot(index="run_id", columns="step", values=col).to_numpy()

    ab, ba, e = series(a, b, "alignment"), series(b, a, "alignment"), series(a, b, "cooperation")
    A = np.zeros((*ab.shape, 2, 2))
    A[..., 0, 1], A[..., 1, 0] = ab, ba
    E = np.zeros_like(A)
    E[..., 0, 1] = E[..., 1, 0] = e
    out = partnership(A, E, p.threshold, p.cooperation, p.hold)
    first = out.first_step[:, 0]
    steps = np.arange(ab.shape[1])
    dates = trajectories.groupby("step", observed=True)["date"].first().astype(str).to_numpy()
    # a partnership counts from the step at which it has held `hold` quarters
    known = (first[:, None] >= 0) & (steps[None, :] >= first[:, None] + p.hold - 1)
    return pd.Series(known.mean(axis=0), index=dates)


def network_figure(trajectories: pd.DataFrame, scenario: Scenario, date: str | None = None) -> plt.Figure:
    """The alignment network at a date: median stance of every actor toward every other."""
    dates = trajectories["date"].astype(str)
    date = date or dates.iloc[-1]
    at = trajectories[dates == date]
    if at.empty:
        raise ValueError(f"no step at {date}; the run covers {dates.iloc[0]} to {dates.iloc[-1]}")
    median = at.groupby(["source", "target"], observed=True)["alignment"].median()
    names = scenario.names
    A = np.zeros((len(names), len(names)))
    for (src, dst), value in median.items():
        A[names.index(src), names.index(dst)] = value
    fig, ax = plt.subplots(figsize=(8, 7.5), layout="constrained")
    draw_network(ax, names, np.array([scenario.actors[n].power for n in names]), A)
    runs = at["run_id"].nunique()
    ax.set_title(f"Alignment network at {date}, '{scenario.name}'\n"
                 f"median of {runs} runs · arrows: source → target, stance labelled near the source · size: power",
                 fontsize=10.5)
    stance_colorbar(fig, ax)
    return fig


def stance_colorbar(fig, ax) -> None:
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=Normalize(-1, 1), cmap=plt.get_cmap(STANCE_CMAP)), ax=ax,
                       shrink=0.6, pad=0.02)
    bar.set_label("alignment (−1 hostile, +1 aligned); width: strength")


def draw_network(ax, names: list[str], power: np.ndarray, A: np.ndarray, labels: bool = True) -> None:
    """Actors on a circle, an arrow per directed stance coloured and sized by A[i, j]."""
    angle = np.pi / 2 - 2 * np.pi * np.arange(len(names)) / len(names)
    pos = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    cmap, norm = plt.get_cmap(STANCE_CMAP), Normalize(-1, 1)
    for i, j in zip(*np.nonzero(~np.eye(len(names), dtype=bool))):
        start, end, value = pos[i], pos[j], A[i, j]
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle="arc3,rad=0.15", arrowstyle="-|>", mutation_scale=14,
                                     color=cmap(norm(value)), linewidth=0.8 + 4 * abs(value), shrinkA=28, shrinkB=28))
        if labels:
            dx, dy = end - start
            control = (start + end) / 2 + 0.15 * np.array([dy, -dx])  # arc3's Bezier control point
            t = 0.3  # a third of the way along, near the source: tells the two directions apart
            at_label = (1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end
            ax.text(*at_label, f"{value:+.2f}", fontsize=7.5, ha="center", va="center", color="#222222",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    sizes = 900 + 2500 * power / max(power.max(), 1e-9)
    ax.scatter(pos[:, 0], pos[:, 1], s=sizes, color="#f2f2f2", edgecolor="#333333", zorder=3)
    for name, (x, y) in zip(names, pos):
        ax.text(x, y, name, ha="center", va="center", fontsize=10, fontweight="bold", zorder=4)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")


def save(fig: plt.Figure, path: Path, svg: bool = False) -> list[Path]:
    """Write a figure as PNG (and SVG); returns the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [path.with_suffix(".png")]
    fig.savefig(written[0], dpi=150)
    if svg:
        written.append(path.with_suffix(".svg"))
        fig.savefig(written[1])
    plt.close(fig)
    return written


def factor_label(path: str) -> str:
    """A readable axis label for a factor path."""
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


def map_figure(summary: pd.DataFrame, scenario: Scenario, x: str, y: str, bins: int = 12) -> plt.Figure:
    """Partnership probability over two factors (averaged over any others), with contours."""
    for name in (x, y):
        if name not in summary.columns:
            factors = [c for c in summary.columns if "." in c]
            raise ValueError(f"{name!r} is not a factor of this batch; allowed: {', '.join(factors)}")
    data = summary[[x, y, "partnership_share", "runs"]].copy()
    for name in (x, y):  # sampled designs: pool points into equal-width bins
        if data[name].nunique() > 30:
            edges = np.linspace(data[name].min(), data[name].max(), bins + 1)
            data[name] = pd.cut(data[name], edges, include_lowest=True).map(lambda iv: iv.mid).astype(float)
    data["reached"] = data["partnership_share"] * data["runs"]
    pooled = data.groupby([y, x])[["reached", "runs"]].sum()
    grid = (pooled["reached"] / pooled["runs"]).unstack(x)
    xs, ys, z = grid.columns.to_numpy(float), grid.index.to_numpy(float), grid.to_numpy(float)

    fig, ax = plt.subplots(figsize=(8, 6.5), layout="constrained")
    mesh = ax.pcolormesh(xs, ys, z, cmap="viridis", vmin=0, vmax=1, shading="nearest")
    if len(xs) > 2 and len(ys) > 2:
        lines = ax.contour(xs, ys, z, levels=[0.1, 0.5, 0.9], colors="white", linewidths=1.2)
        ax.clabel(lines, fmt=lambda v: f"{v:.0%}", fontsize=9)
    bar = fig.colorbar(mesh, ax=ax)
    bar.set_label("probability of partnership (share of runs)")
    ax.set_xlabel(factor_label(x))
    ax.set_ylabel(factor_label(y))
    a, b = scenario.partnership.pair
    runs = int(summary["runs"].sum())
    others = [f for f in scenario.sweep.factors if f not in (x, y)] if scenario.sweep else []
    ax.set_title(f"{a}–{b} strategic partnership reached by {step_label(scenario)}\n'{scenario.name}', {runs:,} runs"
                 f"{', other factors averaged' if others else ''}", fontsize=11)
    return fig


def step_label(scenario: Scenario) -> str:
    return step_dates(scenario.start, scenario.steps)[-1]


def _directed(pair: str) -> tuple[str, str]:
    a, _, b = pair.partition("->")
    if not b:
        raise ValueError(f"{pair!r}: allowed: a directed pair written A->B")
    return a.strip(), b.strip()


def paths_figure(trajectories: pd.DataFrame, outcomes: pd.DataFrame, scenario: Scenario,
                 x: str | None = None, y: str | None = None, max_runs: int = 150) -> plt.Figure:
    """Runs drawn in the plane of two stances, coloured by whether the partnership was reached."""
    a, b = scenario.partnership.pair
    patron = scenario.actors[a].patron
    x = x or (f"{a}->{patron}" if patron else f"{b}->{a}")
    y = y or f"{a}->{b}"
    wide = {}
    for axis, pair in (("x", x), ("y", y)):
        src, dst = _directed(pair)
        rows = trajectories[(trajectories["source"] == src) & (trajectories["target"] == dst)]
        if rows.empty:
            raise ValueError(f"no trajectories recorded for {pair}; record it with sweep.record.pairs")
        # a four-quarter moving average: the path's course, not its quarterly jitter
        wide[axis] = rows.pivot(index="run_id", columns="step", values="alignment").T.rolling(4, min_periods=1).mean().T
    runs = wide["x"].index.intersection(wide["y"].index)
    focal = focal_outcomes(outcomes, scenario).set_index("run_id")["partnership"]
    reached = focal.reindex(runs).fillna(False).astype(bool)
    rng = np.random.default_rng(0)  # which runs to draw when there are many: fixed, for reproducible figures
    chosen = []
    for flag in (False, True):
        ids = reached.index[reached.to_numpy() == flag].to_numpy()
        share = max_runs * len(ids) // max(len(runs), 1)
        chosen.append(rng.choice(ids, size=min(len(ids), max(share, min(len(ids), 20))), replace=False))

    fig, ax = plt.subplots(figsize=(8, 7), layout="constrained")
    style = {False: ("#8c8c8c", 0.25, "not reached"), True: (PALETTE[0], 0.45, "partnership reached")}
    for flag, ids in zip((False, True), chosen):
        color, alpha, label = style[flag]
        for k, run in enumerate(ids):
            ax.plot(wide["x"].loc[run], wide["y"].loc[run], color=color, alpha=alpha, linewidth=0.7,
                    label=f"{label} ({reached.eq(flag).mean():.0%} of {len(runs):,} runs)" if k == 0 else None)
        if len(ids):
            ax.scatter(wide["x"].loc[ids].iloc[:, -1], wide["y"].loc[ids].iloc[:, -1], s=8, color=color, zorder=3)
            group = reached.index[reached.to_numpy() == flag]
            mx, my = wide["x"].loc[group].median(), wide["y"].loc[group].median()
            ax.plot(mx, my, color="white", linewidth=5, zorder=4)
            ax.plot(mx, my, color=color if flag else "#404040", linewidth=2.5, zorder=5)
            ax.annotate("", (mx.iloc[-1], my.iloc[-1]), xytext=(mx.iloc[-5], my.iloc[-5]), zorder=6,
                        arrowprops={"arrowstyle": "-|>", "color": color if flag else "#404040", "linewidth": 2})
    start = (wide["x"].iloc[:, 0].median(), wide["y"].iloc[:, 0].median())
    ax.scatter(*start, s=80, marker="*", color="black", zorder=4)
    ax.annotate("start", start, xytext=(6, 6), textcoords="offset points", fontsize=9)
    threshold = scenario.partnership.threshold
    ax.axhline(threshold, color="#444444", linestyle=":", linewidth=0.9)
    ax.text(0.01, threshold, " partnership threshold", transform=ax.get_yaxis_transform(), va="bottom", fontsize=8)
    ax.set_xlabel(f"{x.replace('->', ' → ')} alignment")
    ax.set_ylabel(f"{y.replace('->', ' → ')} alignment")
    ax.set_title(f"Paths toward partnership in '{scenario.name}': thin lines are runs (yearly average),\n"
                 "dots where they end, thick lines the median path of each group", fontsize=11)
    ax.legend(loc="lower left", frameon=False)
    ax.grid(color="#eeeeee")
    return fig
