"""The EMA Workbench's face of the model: its uncertainties are a scenario's sweep factors.

    from ema_workbench import perform_experiments
    model = sim.ema.workbench_model("scenarios/drivers_lhs.yaml")
    experiments, outcomes = perform_experiments(model, scenarios=100)

Each experiment runs the scenario once per replication (seeds from the scenario), on the
vectorised engine; the outcomes are, per replication, whether the partnership was reached,
the quarter it was first reached (NaN if never) and the final stances of the pair.
"""

from __future__ import annotations

import warnings
from functools import partial
from pathlib import Path

import numpy as np

from ..batch.designs import problem
from ..core.engine import broadcast, run_seeds, simulate
from ..core.outcomes import focal_partnership
from ..core.resolve import resolve
from ..core.schedule import schedule
from ..extras import require
from ..scenario import Scenario, load_scenario, with_overrides

OUTCOMES = ("partnership", "time_to_partnership", "final_stance", "final_stance_back")


def keyword(path: str) -> str:
    """A factor path as an EMA parameter name (dots are not allowed in keywords)."""
    return path.replace(".", "__")


def run_once(scenario: Scenario, seed: int, **factors: float) -> dict[str, float]:
    """One seeded run with factor values given as keywords; the EMA outcomes."""
    s = with_overrides(scenario, {k.replace("__", "."): v for k, v in factors.items()}, source="EMA experiment")
    traj = simulate(broadcast(schedule(s), 1), np.array([seed]), s.steps)
    i, j = (s.index(a) for a in s.partnership.pair)
    out = focal_partnership(traj.A, traj.E, s)
    first = int(out.first_step[0, 0])
    return {"partnership": float(out.reached[0, 0]), "time_to_partnership": float(first) if first >= 0 else np.nan,
            "final_stance": float(traj.A[0, -1, i, j]), "final_stance_back": float(traj.A[0, -1, j, i])}


def levers(s: Scenario) -> dict[str, tuple[float, float]]:
    """The model's uncertainties: the sweep's factors and their ranges, or, for a scenario without
    a `sweep:` section, its two named levers: the sanctions and the focal actor's autonomy, each over [0, 1]."""
    if s.sweep is None:
        return {"parameters.sanctions": (0.0, 1.0), f"actors.{s.focal}.autonomy": (0.0, 1.0)}
    prob = problem(s.sweep)
    return {name: (low, high) for name, (low, high) in zip(prob["names"], prob["bounds"])}


def workbench_model(scenario: Scenario | str | Path, replications: int | None = None):
    """An EMA `ReplicatorModel` of a scenario: its uncertainties are the sweep's factors (see `levers`)."""
    ema = require("ema_workbench", "explore", "the EMA Workbench model")
    s = resolve(scenario if isinstance(scenario, Scenario) else load_scenario(scenario)).scenario
    if s.sweep is None:
        warnings.warn(f"'{s.name}' has no `sweep:` section: the model's uncertainties are its two levers, "
                      f"parameters.sanctions and actors.{s.focal}.autonomy, each over [0, 1]", stacklevel=2)
    base = s.model_copy(update={"sweep": None})
    model = ema.ReplicatorModel(s.name, function=partial(run_once, base))  # picklable, for parallel evaluators
    model.uncertainties = [ema.RealParameter(keyword(name), low, high) for name, (low, high) in levers(s).items()]
    model.outcomes = [ema.ArrayOutcome(name) for name in OUTCOMES]  # one value per replication
    count = replications or (s.sweep.replicates if s.sweep else s.replicates)
    model.replications = [{"seed": int(seed)} for seed in run_seeds(s.seed, count)]
    return model
