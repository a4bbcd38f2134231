"""Experimental designs: which combinations of factor values a batch runs, one module per design.

A design is a table with one row per design point and one column per factor (a dotted
scenario path). Each design module has `sample(sweep, problem, seed)` returning the
points as an array (points x factors); `problem` is the factors as SALib defines them, so
that SALib's analysers can read Sobol and Morris designs back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...scenario import FactorRange, Scenario, Sweep, expand_path
from . import grid, lhs, morris, sobol

DESIGNS = {"grid": grid.sample, "lhs": lhs.sample, "sobol": sobol.sample, "morris": morris.sample}


def problem(sweep: Sweep) -> dict:
    """The factors as a SALib problem definition."""
    names = [expand_path(path) for path in sweep.factors]
    bounds = [_bounds(spec) for spec in sweep.factors.values()]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _bounds(spec: list[float] | FactorRange) -> list[float]:
    values = spec if isinstance(spec, list) else spec.values
    return [min(values), max(values)] if values is not None else list(spec.range)


def design_points(scenario: Scenario) -> pd.DataFrame:
    """The design of a scenario's sweep: one row per point, indexed by `point`."""
    prob = problem(scenario.sweep)
    values = DESIGNS[scenario.sweep.design](scenario.sweep, prob, scenario.seed)
    frame = pd.DataFrame(np.asarray(values, dtype=float), columns=prob["names"])
    frame.index.name = "point"
    return frame
