"""A scenario's seeded replicates on either engine, written as a results folder.

The vectorised engine runs them all at once; the Mesa engine runs one `AllianceModel` per
seed (the reference, same numbers). Mesa is imported only when it is asked for.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.engine import Trajectory, broadcast, concat, run_seeds, simulate
from ..core.schedule import schedule
from ..outputs.results import manifest, write_folder
from ..outputs.tables import outcome_table, trajectory_table
from ..scenario import Scenario

ENGINES = ("vectorized", "mesa")


def run_mesa(scenario: Scenario, seeds: np.ndarray) -> Trajectory:
    """The reference: one AllianceModel per seed, stepped to the end."""
    from ..abm.model import AllianceModel

    parts = []
    for seed in seeds:
        model = AllianceModel(scenario, rng=int(seed))
        while model.running:
            model.step()
        parts.append(model.trajectory())
    return concat(parts)


def run_replicates(scenario: Scenario, engine: str = "vectorized") -> tuple[np.ndarray, Trajectory]:
    """Seeds and trajectories of the scenario's replicates."""
    seeds = run_seeds(scenario.seed, scenario.replicates)
    if engine == "mesa":
        return seeds, run_mesa(scenario, seeds)
    if engine != "vectorized":
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    return seeds, simulate(broadcast(schedule(scenario), len(seeds)), seeds, scenario.steps)


def tables(scenario: Scenario, seeds: np.ndarray, traj: Trajectory) -> dict[str, pd.DataFrame]:
    """The runs, trajectories and outcomes tables of a set of replicates."""
    run_ids = np.arange(len(seeds))
    return {
        "runs": pd.DataFrame({"run_id": run_ids, "replicate": run_ids, "seed": seeds}),
        "trajectories": trajectory_table(traj, scenario, run_ids),
        "outcomes": outcome_table(traj, scenario, run_ids),
    }


def run(scenario: Scenario, out: Path, engine: str = "vectorized", replace: bool = False) -> tuple[Path, dict]:
    """Run the replicates and write the results folder `out`; returns it with the tables."""
    started = time.perf_counter()
    seeds, traj = run_replicates(scenario, engine)
    found = tables(scenario, seeds, traj)
    made = manifest(scenario, engine, seeds, time.perf_counter() - started, replicates=scenario.replicates)
    return write_folder(out, found, scenario, made, replace=replace), found
