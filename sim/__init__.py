"""alliance-sim: a scenario simulator of alliance dynamics in Northeast Asia.

The public names load on first use, so that commands and batch workers that need no Mesa
do not pay for importing it.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    "AllianceModel": "sim.model",
    "StateAgent": "sim.agents",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
    "load_results": "sim.results",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
