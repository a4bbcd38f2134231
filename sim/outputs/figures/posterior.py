"""The posterior of a calibration: each value's marginal against its prior, and every pair's joint density."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ...scenario import Scenario
from ..posterior import weighted_quantiles
from .style import PALETTE, factor_label


def posterior_figure(table: pd.DataFrame, scenario: Scenario, ratio: dict[str, float] | None = None) -> plt.Figure:
    """A grid over the calibrated values: on the diagonal the weighted marginal (bars) over the
    prior's range (grey line: the flat prior), with each value's posterior s.d. over its prior's
    where `ratio` gives it (`diagnostics.identification`), below it the weighted joint density of each pair."""
    priors = scenario.calibration.priors
    names = list(priors)
    k = len(names)
    w = table["weight"].to_numpy(dtype=float)
    size = max(1.5, min(2.6, 16 / k))
    fig, axes = plt.subplots(k, k, figsize=(size * k + 1, size * k + 0.8), layout="constrained", squeeze=False)
    for r, row in enumerate(names):
        for c, col in enumerate(names):
            ax = axes[r, c]
            if c > r:
                ax.axis("off")
                continue
            x_range = priors[col].uniform
            if r == c:
                ax.hist(table[col], bins=20, range=x_range, weights=w, density=True, color=PALETTE[0], alpha=0.8)
                ax.axhline(1 / (x_range[1] - x_range[0]), color="grey", linewidth=1)
                low, mid, high = weighted_quantiles(table[col].to_numpy(), w, (0.05, 0.5, 0.95))
                known = f"\ns.d. {ratio[col]:.2f} of the prior's" if ratio and col in ratio else ""
                ax.set_title(f"{mid:.3g} [{low:.3g}, {high:.3g}]{known}", fontsize=8)
                ax.set_yticks([])
            else:
                ax.hist2d(table[col], table[row], bins=15, range=[x_range, priors[row].uniform], weights=w, cmap="Blues")
            ax.set_xlim(x_range)
            ax.tick_params(labelsize=6)
            if r == k - 1:
                ax.set_xlabel(_label(col, scenario), fontsize=7)
            if c == 0 and r > 0:
                ax.set_ylabel(_label(row, scenario), fontsize=7)
    fig.suptitle(f"posterior of '{scenario.name}' ({len(table)} particles): marginal median [90% interval] "
                 "over the prior's range (grey: flat prior)" + ("; its s.d. over the prior's" if ratio else "")
                 + "; below, joint densities", fontsize=10)
    return fig


def _label(name: str, scenario: Scenario) -> str:
    return factor_label(name, scenario) if "." in name else name.replace("_", " ")

