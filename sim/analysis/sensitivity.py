"""Global sensitivity analysis of a Sobol or Morris batch, with SALib's estimators.

Which conditions matter most for a Russia–Korea partnership? For each outcome (the
partnership probability of a design point, the mean final Seoul→Moscow stance), Sobol
designs give first-order and total indices, Morris designs mu* and sigma, each with its
bootstrap confidence interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..batch.designs import problem
from ..core.outcomes import focal_pair
from ..outputs.results import Results

# per design point: the probability of partnership, the mean final stance of the pair's first toward its second
OUTCOMES = ("partnership", "final_alignment")


def point_outcomes(res: Results) -> pd.DataFrame:
    """Per design point, in design order: the mean of each outcome over its replicates."""
    final = "final_alignment" if res.scenario.partnership.pair[0] == focal_pair(res.scenario)[0] else "final_alignment_back"
    runs = res.focal_outcomes().select("run_id", "partnership", final).join(res.table("runs").select("run_id", "point"))
    per_point = runs.group("point", partnership="avg(partnership::DOUBLE)", final_alignment=f'avg("{final}")')
    return per_point.set_index("point")[list(OUTCOMES)].reindex(res.design["point"])


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


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """The tidy table as one row per factor, a column per (index, outcome) value and interval."""
    found = table.pivot_table(index="factor", columns=["outcome", "index"], values=["value", "conf"])
    return found.swaplevel(0, 2, axis=1).sort_index(axis=1)
