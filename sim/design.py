"""Experimental designs: which combinations of factor values a batch runs.

A design is a table with one row per design point and one column per factor (a dotted
scenario path). Grids are full factorial; Latin hypercubes come from `scipy.stats.qmc`;
Sobol (Saltelli) and Morris designs from SALib, so that its analysers can read them back.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .scenario import FactorRange, Scenario, Sweep, expand_path


def problem(sweep: Sweep) -> dict:
    """The factors as a SALib problem definition."""
    names = [expand_path(path) for path in sweep.factors]
    bounds = [_bounds(spec) for spec in sweep.factors.values()]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _bounds(spec: list[float] | FactorRange) -> list[float]:
    return [min(spec), max(spec)] if isinstance(spec, list) else list(spec.range)


def _levels(spec: list[float] | FactorRange) -> list[float]:
    if isinstance(spec, list):
        return list(spec)
    return list(np.linspace(*spec.range, spec.points))


def design_points(scenario: Scenario) -> pd.DataFrame:
    """The design of a scenario's sweep: one row per point, indexed by `point`."""
    sweep = scenario.sweep
    prob = problem(sweep)
    names = prob["names"]
    if sweep.design == "grid":
        values = np.array(list(itertools.product(*(_levels(spec) for spec in sweep.factors.values()))), dtype=float)
    elif sweep.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(scenario.seed)).random(sweep.samples)
        low, high = np.array(prob["bounds"]).T
        values = qmc.scale(unit, low, high)
    elif sweep.design == "sobol":
        from SALib.sample import sobol

        values = sobol.sample(prob, sweep.samples, calc_second_order=False, seed=scenario.seed)
    else:
        from SALib.sample import morris

        values = morris.sample(prob, sweep.samples, num_levels=sweep.levels, seed=scenario.seed)
    frame = pd.DataFrame(values, columns=names)
    frame.index.name = "point"
    return frame
