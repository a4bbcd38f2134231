"""Global sensitivity: which factors matter, as bars with their 95% intervals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import PALETTE, factor_label

OUTCOME_LABELS = {
    "partnership": "probability of partnership",
    "final_alignment": "mean final stance of the pair's first toward its second",
}
INDEX_LABELS = {"S1": "first order (S1)", "ST": "total (ST)", "mu_star": "mu* (mean |effect|)", "sigma": "sigma (interactions)"}


def sensitivity_figure(table: pd.DataFrame, title: str, scenario=None):
    """Bars per factor and index, one panel per outcome, with 95% intervals."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    indices = list(dict.fromkeys(table["index"]))
    factors = list(dict.fromkeys(table["factor"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(6 * len(outcomes), 1.2 + 0.55 * len(factors) * len(indices) / 2 + 1),
                             layout="constrained", sharey=True, squeeze=False)
    y = np.arange(len(factors))
    height = 0.8 / len(indices)
    for ax, outcome in zip(axes[0], outcomes):
        part = table[table["outcome"] == outcome].set_index(["index", "factor"])
        for k, (index, color) in enumerate(zip(indices, PALETTE)):
            values = part.loc[index].reindex(factors)
            ax.barh(y + (k - (len(indices) - 1) / 2) * height, values["value"], height=height, color=color,
                    xerr=values["conf"].fillna(0), capsize=2, label=INDEX_LABELS[index], error_kw={"linewidth": 0.8})
        ax.set_yticks(y, [factor_label(f, scenario) for f in factors])
        ax.invert_yaxis()
        ax.axvline(0, color="#999999", linewidth=0.6)
        ax.set_title(OUTCOME_LABELS[outcome], fontsize=10)
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].legend(loc="lower right", frameon=False)
    fig.suptitle(title, fontsize=11)
    return fig
