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
from ..core.engine import Trajectory, broadcast, concat, run_seeds, simulate
from ..core.schedule import Schedule, schedule
from ..core.variation import Variation
from ..outputs.posterior import Posterior
from ..outputs.results import manifest, write_folder
from ..outputs.tables import outcome_table, trajectory_table
from ..scenario import Scenario

ENGINES = ("vectorized", "mesa")


def posterior_schedule(s: Scenario, posterior: Posterior, rows: np.ndarray,
                       departures: dict[str, np.ndarray] | None = None) -> Schedule:
    """The schedule of runs that take the posterior's parameter sets `rows` (each at rest under its
    set), with `departures` {condition path: value per run} written over them."""
    settings, names = posterior.columns(s)
    values = posterior.table[names].to_numpy(dtype=float)[rows]
    paths = list(departures or {})
    changes = np.column_stack([np.broadcast_to(departures[p], len(rows)) for p in paths]) if paths else None
    return Variation(s, settings, paths).schedules(values, changes)


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


def run_replicates(scenario: Scenario, engine: str = "vectorized", posterior: Posterior | None = None,
                   departures: dict[str, float] | None = None) -> tuple[np.ndarray, Trajectory, np.ndarray | None]:
    """Seeds, trajectories and (with a posterior) the parameter set each run drew.

    With a posterior, `scenario` is as written (not at rest): each run is at rest under its
    own set, and `departures` (conditions, e.g. --set) are written over it.
    """
    seeds = run_seeds(scenario.seed, scenario.replicates)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    if posterior is not None:
        if engine != "vectorized":
            raise ValueError("runs drawn from a posterior use the vectorized engine; allowed: --engine vectorized")
        rows = posterior.draw(seeds)
        return seeds, simulate(posterior_schedule(scenario, posterior, rows, departures), seeds, scenario.steps), rows
    if engine == "mesa":
        return seeds, run_mesa(scenario, seeds), None
    return seeds, simulate(broadcast(schedule(scenario), len(seeds)), seeds, scenario.steps), None


def tables(scenario: Scenario, seeds: np.ndarray, traj: Trajectory, drawn: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The runs, trajectories and outcomes tables of a set of replicates (`drawn`: each run's posterior set)."""
    run_ids = np.arange(len(seeds))
    runs = pd.DataFrame({"run_id": run_ids, "replicate": run_ids, "seed": seeds})
    return {
        "runs": runs if drawn is None else pd.concat([runs, drawn.reset_index(drop=True)], axis=1),
        "trajectories": trajectory_table(traj, scenario, run_ids),
        "outcomes": outcome_table(traj, scenario, run_ids),
    }


def run(scenario: Scenario, out: Path, engine: str = "vectorized", replace: bool = False,
        posterior: Posterior | None = None, departures: dict[str, float] | None = None) -> tuple[Path, dict]:
    """Run the replicates and write the results folder `out`; returns it with the tables."""
    n = len(scenario.names)
    budget.check(budget.trajectories(scenario.replicates, scenario.steps, n)
                 + budget.table(scenario.replicates * (scenario.steps + 1) * n * n),
                 f"{scenario.replicates:,} runs of {scenario.steps:,} quarters, every quarter and pair kept",
                 "ask for fewer --replicates or --steps, or run them as a batch (alliance-sim batch), which "
                 "computes them in chunks and keeps only the pairs it records")
    started = time.perf_counter()
    seeds, traj, rows = run_replicates(scenario, engine, posterior, departures)
    drawn = None if rows is None else posterior.table.iloc[rows].drop(columns="weight").assign(posterior_row=rows)
    found = tables(scenario, seeds, traj, drawn)
    details = {} if posterior is None else {"posterior": str(posterior.source), "posterior_sha256": posterior.digest()}
    made = manifest(scenario, engine, seeds, time.perf_counter() - started, replicates=scenario.replicates, **details)
    return write_folder(out, found, scenario, made, replace=replace), found
