"""How policies fare across the states of the world: the efficient set, regret, satisficing, where
each fails, and which conclusions hang on the priors.

Regret (Savage's): in each state, how far a policy falls short of the best policy of the efficient
set there, objective by objective. Satisficing: the share of states in which it meets every
objective's threshold. Where it fails: PRIM over the states' parameter values (scenario
discovery, as in robust decision making).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..extras import require
from .decision import Problem, satisficing

BOOTSTRAP = 200  # resamples of the states of the world for the sampling intervals
QUANTILE = 0.9


def efficient(policies: np.ndarray, outcomes: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """The indices of the distinct policies that no other beats on every objective's mean over the states."""
    nds = require("pymoo.util.nds.non_dominated_sorting", "decide", "the efficient set")
    _, first = np.unique(np.round(policies, 9), axis=0, return_index=True)
    first = np.sort(first)
    front = nds.NonDominatedSorting().do(-signs * outcomes[first].mean(axis=1), only_non_dominated_front=True)
    return first[np.sort(front)]


def regret(outcomes: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """(policies, states, objectives): how far each policy falls short of the best of them in each state."""
    better = signs * outcomes
    return better.max(axis=0, keepdims=True) - better


def table(problem: Problem, policies: np.ndarray, outcomes: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """One row per policy: its levers, each objective's mean, 90th-percentile and maximum regret (with
    the 5-95% sampling interval of the 90th percentile over the states), and its satisficing share."""
    names, signs = list(problem.objectives), problem.signs()
    lost = regret(outcomes, signs)
    rows = pd.DataFrame(policies, columns=list(problem.variables["setting"]))
    rng = np.random.default_rng(seed)
    resample = rng.integers(0, outcomes.shape[1], size=(BOOTSTRAP, outcomes.shape[1]))
    for k, name in enumerate(names):
        rows[name] = outcomes[..., k].mean(axis=1)
        rows[f"{name}_regret_p90"] = np.quantile(lost[..., k], QUANTILE, axis=1)
        spread = np.quantile(lost[:, resample, k], QUANTILE, axis=2)  # (policies, BOOTSTRAP)
        rows[f"{name}_regret_p90_low"], rows[f"{name}_regret_p90_high"] = np.quantile(spread, [0.05, 0.95], axis=1)
        rows[f"{name}_regret_max"] = lost[..., k].max(axis=1)
    ok = satisficing(problem, outcomes)
    rows["satisficing"] = ok.mean(axis=1)
    return rows


def prior_dependence(problem: Problem, outcomes: np.ndarray, found: pd.DataFrame) -> pd.DataFrame:
    """For each calibrated value, and for all at once: the states restricted to the central half of its
    prior's range (what halving that prior gives, the priors being uniform), and which reported
    conclusions (the 90th-percentile regrets and satisficing shares of the policies with a role) move
    by more than their sampling interval (the width of their 5-95% interval over the whole ensemble)."""
    params = problem.parameters()
    if problem.posterior is None or not problem.posterior.priors:
        return pd.DataFrame()
    reported = (found["role"] != "").to_numpy()
    signs, rows, states = problem.signs(), [], outcomes.shape[1]
    central = {name: params[name].between(low + (high - low) / 4, high - (high - low) / 4).to_numpy()
               for name, (low, high) in problem.posterior.priors.items()}
    central["every prior at once"] = np.logical_and.reduce(list(central.values()))
    share = found["satisficing"].to_numpy()[reported]
    share_width = np.maximum(2 * 1.645 * np.sqrt(share * (1 - share) / states), 1 / states)
    for name, inside in central.items():
        if inside.sum() < 10:
            rows.append({"value": name, "states": int(inside.sum()), "depends": None, "moved": "too few states"})
            continue
        lost, moved = regret(outcomes[:, inside], signs)[reported], []
        for k, objective in enumerate(problem.objectives):
            width = (found[f"{objective}_regret_p90_high"] - found[f"{objective}_regret_p90_low"]).to_numpy()[reported]
            change = np.quantile(lost[..., k], QUANTILE, axis=1) - found[f"{objective}_regret_p90"].to_numpy()[reported]
            if np.any(np.abs(change) > np.maximum(width, 1e-9)):
                moved.append(f"{objective} regret")
        if np.any(np.abs(satisficing(problem, outcomes[reported][:, inside]).mean(axis=1) - share) > share_width):
            moved.append("satisficing share")
        rows.append({"value": name, "states": int(inside.sum()), "depends": bool(moved), "moved": ", ".join(moved)})
    return pd.DataFrame(rows)


def failure_box(problem: Problem, ok: np.ndarray, shown: int = 5) -> pd.DataFrame | None:
    """Where a policy fails: PRIM's box over the states' parameter values, kept to the values it narrows
    to at most 80% of their range (at most `shown`, the narrowest), with the box's coverage and density
    of failures recomputed for those alone (`attrs`; no row: it fails across the states, no value narrows
    where); None when the policy fails in fewer than 5 states or in all of them (nothing to tell apart)."""
    from .discovery import prim_box

    failed = ~np.asarray(ok, dtype=bool)
    if failed.sum() < 5 or failed.all():
        return None
    x = problem.parameters()
    x = x.loc[:, x.nunique() > 1]
    limits = prim_box(x, failed, density=0.8).limits
    share = (limits["high"] - limits["low"]) / (x.max() - x.min())[limits.index]
    limits = limits.loc[share[share <= 0.8].sort_values().index[:shown]]
    inside = np.logical_and.reduce([x[v].between(row.low, row.high).to_numpy() for v, row in limits.iterrows()]
                                   or [np.ones(len(x), dtype=bool)])
    limits.attrs |= {"coverage": float(failed[inside].sum() / failed.sum()), "density": float(failed[inside].mean())}
    return limits
