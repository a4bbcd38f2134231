"""alliance-sim: a scenario simulator of alliance dynamics in Northeast Asia."""

from .model import AllianceModel
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["AllianceModel", "Scenario", "ScenarioError", "load_scenario", "load_results"]
__version__ = "0.1.0"


def load_results(path):
    """The tables and resolved scenario of a results folder (see sim.results.Results)."""
    from .results import load_results as _load

    return _load(path)
