"""Global sensitivity analysis of a Sobol or Morris batch, with SALib's estimators.

Which conditions matter most for a Russia–Korea partnership? For each outcome (the
partnership probability of a design point, the mean final Seoul→Moscow stance), Sobol
designs give first-order and total indices, Morris designs mu* and sigma, each with its
bootstrap confidence interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import problem
from .metrics import focal_outcomes, focal_pair
from .results import Results

OUTCOMES = {
    "partnership": "probability of partnership",
    "final_alignment": "mean final stance of the pair's first toward its second",
}
INDEX_LABELS = {"S1": "first order (S1)", "ST": "total (ST)", "mu_star": "mu* (mean |effect|)", "sigma": "sigma (interactions)"}


def point_outcomes(res: Results) -> pd.DataFrame:
    """Per design point, in design order: the mean of each outcome over its replicates."""
    focal = focal_outcomes(res.outcomes, res.scenario)
    if res.scenario.partnership.pair[0] != focal_pair(res.scenario)[0]:  # the stance of the pair's first toward its second
        focal = focal.assign(final_alignment=focal["final_alignment_back"])
    per_point = focal.merge(res.runs[["run_id", "point"]], on="run_id").groupby("point")
    return per_point[list(OUTCOMES)].mean().astype(float).reindex(res.design["point"])


def analyse(res: Results, seed: int = 0, resamples: int = 200) -> pd.DataFrame:
    """A tidy table: outcome, factor, index (S1, ST or mu_star, sigma), value, conf (95%)."""
    sweep = res.scenario.sweep
    if sweep is None or sweep.design not in ("sobol", "morris"):
        design = sweep.design if sweep else "no sweep"
        raise ValueError(f"sensitivity needs a sobol or morris batch; this one is {design}")
    return indices(sweep, res.design, point_outcomes(res), seed, resamples)


def indices(sweep, design: pd.DataFrame, outcomes: pd.DataFrame, seed: int = 0, resamples: int = 200) -> pd.DataFrame:
    """SALib's estimators for each outcome column (one row per design point, in design order)."""
    prob = problem(sweep)
    X = design[prob["names"]].to_numpy()
    rows = []
    for outcome in outcomes.columns:
        y = outcomes[outcome].to_numpy(dtype=float)
        if sweep.design == "sobol":
            from SALib.analyze import sobol

            found = sobol.analyze(prob, y, calc_second_order=False, num_resamples=resamples, seed=seed)
            names = {"S1": ("S1", "S1_conf"), "ST": ("ST", "ST_conf")}
        else:
            from SALib.analyze import morris

            found = morris.analyze(prob, X, y, num_resamples=resamples, num_levels=sweep.levels, seed=seed)
            names = {"mu_star": ("mu_star", "mu_star_conf"), "sigma": ("sigma", None)}
        for index, (value, conf) in names.items():
            for k, factor in enumerate(prob["names"]):
                rows.append({"outcome": outcome, "factor": factor, "index": index,
                             "value": float(found[value][k]), "conf": float(found[conf][k]) if conf else np.nan})
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, title: str):
    """Bars per factor and index, one panel per outcome, with 95% intervals."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE, factor_label

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
        ax.set_yticks(y, [factor_label(f) for f in factors])
        ax.invert_yaxis()
        ax.axvline(0, color="#999999", linewidth=0.6)
        ax.set_title(OUTCOMES[outcome], fontsize=10)
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].legend(loc="lower right", frameon=False)
    fig.suptitle(title, fontsize=11)
    return fig
