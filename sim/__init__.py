"""alliance-sim: a scenario simulator of alliance dynamics in Northeast Asia.

The layers, bottom up (each imports only from those below it):

    scenario   the YAML schema, loading, checks and errors
    core       the theory (dynamics), the scenario as arrays, the engine, outcomes
    outputs    results folders, tidy tables, figures
    abm        the Mesa face: model, agents, interactive page
    batch      designs, chunked resumable batches, local workers, Dask
    evidence   observed data, the observation model, the history and its scores
    analysis   sensitivity, discovery, landscape theory, the EMA Workbench model
    report     the HTML report
    cli        the command, one module per subcommand

The public names load on first use, so that commands and batch workers that need no Mesa
do not pay for importing it.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    "AllianceModel": "sim.abm.model",
    "StateAgent": "sim.abm.agents",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "load_scenario": "sim.scenario",
    "resolve": "sim.core.resolve",
    "load_results": "sim.outputs.results",
}
# modules reachable as attributes of the package: sim.ema.workbench_model(...)
_MODULES = {"ema": "sim.ema"}
__all__ = [*_PUBLIC, *_MODULES]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    if name in _MODULES:
        return import_module(_MODULES[name])
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
