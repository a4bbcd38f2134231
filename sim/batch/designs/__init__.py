"""Experimental designs: which combinations of factor values a batch runs, one module per design.

A design is a table with one row per design point and one column per factor (a dotted
scenario path). Each design module has `size(sweep)`, the number of points counted without
building them, and `sample(sweep, problem, seed)` returning the points as an array (points x
factors); `problem` is the factors as SALib defines them, so that SALib's analysers can read
Sobol and Morris designs back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import budget
from ...scenario import FactorRange, Scenario, Sweep, expand_path
from . import grid, lhs, morris, sobol

DESIGNS = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}


def problem(sweep: Sweep) -> dict:
    """The factors as a SALib problem definition."""
    names = [expand_path(path) for path in sweep.factors]
    bounds = [_bounds(spec) for spec in sweep.factors.values()]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _bounds(spec: list[float] | FactorRange) -> list[float]:
    values = spec if isinstance(spec, list) else spec.values
    return [min(values), max(values)] if values is not None else list(spec.range)


def design_size(sweep: Sweep) -> int:
    """The number of design points of a sweep, counted without building them."""
    return DESIGNS[sweep.design].size(sweep)


def design_memory(sweep: Sweep) -> int:
    """Bytes the design takes while it is built: the points, and the table made of them."""
    return 3 * 8 * design_size(sweep) * len(sweep.factors)


def design_points(scenario: Scenario) -> pd.DataFrame:
    """The design of a scenario's sweep: one row per point, indexed by `point` (refused, before it is
    built, if it would not fit the memory budget)."""
    sweep = scenario.sweep
    budget.check(design_memory(sweep), f"the {sweep.design} design of {design_size(sweep):,} points",
                 "give the factors fewer values (points) or fewer samples")
    prob = problem(sweep)
    values = DESIGNS[sweep.design].sample(sweep, prob, scenario.seed)
    frame = pd.DataFrame(np.asarray(values, dtype=float), columns=prob["names"])
    frame.index.name = "point"
    return frame
