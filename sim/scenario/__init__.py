"""Scenarios: the YAML files analysts write, validated into a `Scenario`.

A scenario names the actors and their attributes, the initial stances and ties, the
exogenous parameters (sanctions, noise, rate), the weight of each mechanism, the
partnership under study, and events that change parameters at a date. Every problem is
reported with the file, the field path, the line and what is allowed (`ScenarioError`).

    schema    the fields, their types and ranges
    loading   YAML files with `base:`, validation, overrides by dotted path
    checks    cross-field checks (references, cycles, events, sweeps)
    errors    problems with their file, line and field
    paths     dotted paths and pair keys
    calendar  quarters: the model's clock
"""

from .errors import Problem, ScenarioError
from .loading import load_scenario, shipped, validate, with_overrides
from .paths import PARAMETER_NAMES, expand_path, get_path, get_setting, parse_pair, set_path
from .schema import FactorRange, Scenario, Sweep

__all__ = ["FactorRange", "PARAMETER_NAMES", "Problem", "Scenario", "ScenarioError", "Sweep", "expand_path",
           "get_path", "get_setting", "load_scenario", "parse_pair", "set_path", "shipped", "validate", "with_overrides"]
