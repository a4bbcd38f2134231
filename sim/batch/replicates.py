"""A scenario's seeded replicates on either engine, written as a results folder.

The vectorised engine runs them all at once; the Mesa engine runs one `AllianceModel` per
seed (the reference, same numbers). Mesa is imported only when it is asked for.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import budget
from ..core.engine import Trajectory, run_seeds, simulate
from ..core.resolve import Resolved, resolve
from ..outputs.results import manifest, write_folder
from ..outputs.tables import outcome_table, trajectory_table
from ..scenario import Scenario

ENGINES = ("vectorized", "mesa")


def run_replicates(runs: Resolved, engine: str = "vectorized") -> tuple[np.ndarray, Trajectory, np.ndarray | None]:
    """Seeds, trajectories and (with a posterior) the parameter set each run drew."""
    s = runs.scenario
    seeds = run_seeds(s.seed, s.replicates)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    rows = None if runs.posterior is None else runs.posterior.draw(seeds)
    if engine == "mesa":
        from ..abm.model import run_mesa

        return seeds, run_mesa(s if runs.posterior is None else runs, seeds, rows), rows
    return seeds, simulate(runs.schedule(seeds, rows), seeds, s.steps), rows


def tables(scenario: Scenario, seeds: np.ndarray, traj: Trajectory, drawn: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The runs, trajectories and outcomes tables of a set of replicates (`drawn`: each run's posterior set)."""
    run_ids = np.arange(len(seeds))
    runs = pd.DataFrame({"run_id": run_ids, "replicate": run_ids, "seed": seeds})
    return {
        "runs": runs if drawn is None else pd.concat([runs, drawn.reset_index(drop=True)], axis=1),
        "trajectories": trajectory_table(traj, scenario, run_ids),
        "outcomes": outcome_table(traj, scenario, run_ids),
    }


def run(runs: Resolved | Scenario, out: Path, engine: str = "vectorized", replace: bool = False) -> tuple[Path, dict]:
    """Run the replicates of a scenario (as written, or `resolve`d with changes and a posterior) and
    write the results folder `out`; returns it with the tables."""
    runs = runs if isinstance(runs, Resolved) else resolve(runs)
    scenario, posterior = runs.scenario, runs.posterior
    n = len(scenario.names)
    budget.check(budget.trajectories(scenario.replicates, scenario.steps, n)
                 + budget.table(scenario.replicates * (scenario.steps + 1) * n * n),
                 f"{scenario.replicates:,} runs of {scenario.steps:,} quarters, every quarter and pair kept",
                 "ask for fewer --replicates or --steps, or run them as a batch (alliance-sim batch), which "
                 "computes them in chunks and keeps only the pairs it records")
    started = time.perf_counter()
    seeds, traj, rows = run_replicates(runs, engine)
    drawn = None if rows is None else posterior.table.iloc[rows].drop(columns="weight").assign(posterior_row=rows)
    found = tables(scenario, seeds, traj, drawn)
    details = {} if posterior is None else posterior.provenance() | {"departures": runs.departures}
    made = manifest(scenario, engine, seeds, time.perf_counter() - started, replicates=scenario.replicates, **details)
    return write_folder(out, found, scenario, made, replace=replace), found
