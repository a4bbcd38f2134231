"""Running a scenario's replicates on either engine, and turning the runs into tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .arrays import schedule
from .engine import Trajectory, broadcast, concat, run_seeds, simulate
from .model import AllianceModel
from .results import outcome_table, trajectory_table
from .scenario import Scenario

ENGINES = ("vectorized", "mesa")


def run_mesa(scenario: Scenario, seeds: np.ndarray) -> Trajectory:
    """The reference: one AllianceModel per seed, stepped to the end."""
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
