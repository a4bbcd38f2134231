"""What a batch runs: a scenario's design points × seeded replicates, and how one chunk of it is computed.

Run ids are laid out point-major (run_id = point * replicates + replicate) and cut into
chunks of consecutive runs. A chunk is computed from its run ids alone (the design, the
seeds), so the tables are the same whatever the number of workers or the order in which
chunks finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .. import budget
from ..core.engine import Trajectory, concat, run_seeds, simulate, take
from ..core.posterior import Posterior
from ..core.resolve import Resolved, resolve
from ..core.schedule import departed, schedule, stack
from ..outputs.tables import outcome_table, trajectory_table
from ..scenario import Scenario, parse_pair, with_overrides
from ..scenario.checks import CONDITIONS, is_condition
from .designs import design_memory, design_points, design_size

# one worker, 88-quarter runs, writing included, the command as typed (bench/batch_speed.py, "1 command":
# 5,686 runs/s; docs/performance.md), rounded down
MEASURED_RUNS_PER_SECOND = 5_500


def expected_seconds(runs: int, steps: int) -> float:
    """Roughly how long `runs` runs of `steps` quarters take on one worker, at the measured speed."""
    return runs * steps / 88 / MEASURED_RUNS_PER_SECOND


class BatchError(Exception):
    """A batch that cannot start or resume as asked (reported in one line, exit 2)."""


@dataclass
class Plan:
    """What a batch runs: the scenario, its design points and the replicates' seeds."""

    scenario: Scenario
    design: pd.DataFrame
    seeds: np.ndarray  # replicate r has seeds[r] at every design point (common random numbers)
    engine: str = "vectorized"
    posterior: Posterior | None = None  # runs draw their parameter sets from it (see `drawn`)
    departures: dict = field(default_factory=dict)  # with a posterior: conditions set over each run's rest state

    @classmethod
    def of(cls, runs: Resolved | Scenario, engine: str = "vectorized") -> "Plan":
        """The plan of a scenario with a sweep (as written, or `resolve`d with changes and a posterior).
        Its design points depart from the scenario's rest state; with a posterior, from each run's
        rest state under the parameter set it draws."""
        runs = runs if isinstance(runs, Resolved) else resolve(runs)
        scenario = runs.scenario
        if scenario.sweep is None:
            raise BatchError("the scenario has no `sweep:` section; use `alliance-sim run` for plain replicates")
        if runs.posterior is not None:
            if engine != "vectorized":
                raise BatchError("a batch drawn from a posterior runs on the vectorized engine; allowed: --engine vectorized")
            others = [f for f in scenario.sweep.factors if not is_condition(f)]
            if others:
                raise BatchError(f"with --posterior, factors are conditions set over each run's rest state; "
                                 f"{', '.join(others)} is not one; allowed: {CONDITIONS}")
        budget.check(held(scenario), f"a batch of {batch_runs(scenario):,} runs ({design_size(scenario.sweep):,} design "
                     f"points × {scenario.sweep.replicates:,} replicates)", SPLIT)
        seeds = run_seeds(scenario.seed, scenario.sweep.replicates)
        return cls(scenario, design_points(scenario), seeds, engine, runs.posterior, dict(runs.departures))

    @cached_property  # drawn once, not for every chunk
    def drawn(self) -> np.ndarray:
        """The posterior row of each replicate (the same at every design point): every point runs
        over as many of the posterior's sets as it has replicates, stratified (`Posterior.draw`)."""
        return self.posterior.draw(self.seeds)

    def parameter_sets(self) -> np.ndarray:
        """The parameter-set group of each replicate (`Posterior.groups`): the runs that share a set."""
        return self.posterior.groups(self.replicates)

    @property
    def replicates(self) -> int:
        return len(self.seeds)

    @property
    def runs(self) -> int:
        return len(self.design) * self.replicates

    def chunks(self) -> Chunks:
        """The chunks of consecutive runs, made one at a time as they are asked for."""
        return Chunks(self.runs, self.scenario.sweep.chunk)

    def memory(self, workers: int) -> float:
        """Bytes the batch holds on `workers` local workers: this process's tables, and each worker's
        own memory with the chunk it computes (one worker: this process, which holds a chunk being
        recorded beside the one it simulates)."""
        processes = workers if workers > 1 else 0
        return held(self.scenario) + max(workers, 2) * chunk_memory(self) + processes * budget.WORKER

    def check_memory(self, workers: int) -> None:
        """Refuse, before anything starts, a batch whose workers would together hold more than the budget."""
        budget.check(self.memory(workers), f"{workers} worker(s), each computing a chunk of "
                     f"{min(self.scenario.sweep.chunk, self.runs):,} runs of {self.scenario.steps:,} quarters",
                     "set a smaller sweep.chunk (--set sweep.chunk=N), record fewer pairs or fewer steps "
                     "(sweep.record), or use fewer --workers")

    def workers(self, asked: int, say=print) -> int:
        """The local workers the batch may use: those asked for, but no more than the memory budget
        holds (each worker's own memory counted with its chunk's), saying so, nor than it has chunks."""
        return min(budget.workers(asked, chunk_memory(self), held(self.scenario), say), len(self.chunks()))

    def runs_table(self) -> pd.DataFrame:
        run_id = np.arange(self.runs)
        point, replicate = np.divmod(run_id, self.replicates)
        table = pd.DataFrame({"run_id": run_id, "point": point, "replicate": replicate, "seed": self.seeds[replicate]})
        if self.posterior is not None:
            table = table.assign(parameter_set=self.parameter_sets()[replicate], posterior_row=self.drawn[replicate])
        return table.join(self.design.reset_index(drop=True), on="point")

    def identity(self) -> dict:
        """What a resumed batch must share with the one it finishes."""
        found = {"scenario_sha256": self.scenario.digest(), "engine": self.engine, "runs": self.runs,
                 "chunk": self.scenario.sweep.chunk}
        if self.posterior is not None:
            found |= {"posterior_sha256": self.posterior.digest(), "departures": self.departures}
        return found


class Chunks(Sequence):
    """A batch's chunks: `runs` run ids cut into ranges of `size` consecutive runs, each made when
    asked for, so that their number costs nothing."""

    def __init__(self, runs: int, size: int):
        self.runs, self.size = runs, size

    def __len__(self) -> int:
        return -(-self.runs // self.size)

    def __getitem__(self, k: int) -> range:
        if not -len(self) <= k < len(self):
            raise IndexError(f"chunk {k} of {len(self)}")
        start = (k % len(self)) * self.size
        return range(start, min(start + self.size, self.runs))


SPLIT = ("give the sweep fewer design points or fewer replicates (sweep.replicates), in several batches, or larger "
         "chunks (sweep.chunk)")
# bytes this process holds for each run: its row of the runs table, and its outcome read back to be summarised
# (measured: 45 bytes a run, from the peak resident size of batches of 121,000 and 484,000 runs)
PER_RUN = budget.ROW
# bytes this process holds for each chunk while the batch runs: its range, its place in the list of chunks to
# do, and its pending task in a pool of workers (measured with tracemalloc over 100,000 chunks: 2.2 KB)
PER_CHUNK = 2_500


def batch_runs(scenario: Scenario) -> int:
    """The number of runs of a scenario's sweep, counted without building its design."""
    return design_size(scenario.sweep) * scenario.sweep.replicates


def held(scenario: Scenario) -> float:
    """Bytes the command running a batch holds, however many workers compute it: the design, the
    runs table and the outcomes it summarises (a row each per run), the replicates' seeds (in the
    manifest), and what it keeps of each chunk."""
    sweep, runs = scenario.sweep, batch_runs(scenario)
    return design_memory(sweep) + PER_RUN * runs + budget.ROW * sweep.replicates + PER_CHUNK * -(-runs // sweep.chunk)


def chunk_memory(plan: Plan) -> float:
    """Bytes a worker holds while it computes one chunk: the runs' arrays and the rows it records."""
    s, chunk = plan.scenario, min(plan.scenario.sweep.chunk, plan.runs)
    recorded = len(recorded_pairs(s)) * (s.steps // s.sweep.record.every + 2)
    return budget.trajectories(chunk, s.steps, len(s.names)) + budget.table(chunk * (recorded + len(s.names) ** 2))


def recorded_pairs(scenario: Scenario) -> list[tuple[int, int]]:
    """The directed pairs whose trajectories a batch keeps; by default what the default figures
    need: the partnership pair, and the focal actor's tie to its patron (the paths figure)."""
    focal = scenario.focal
    patron = scenario.actors[focal].patron
    keys = scenario.sweep.record.pairs or ["-".join(scenario.partnership.pair), *([f"{focal}-{patron}"] if patron else [])]
    found = []
    for key in keys:
        a, b, both = parse_pair(key)
        i, j = scenario.index(a), scenario.index(b)
        found += [(i, j), (j, i)] if both else [(i, j)]
    return list(dict.fromkeys(found))


def point_scenario(plan: Plan, point: int) -> Scenario:
    base = plan.scenario.model_copy(update={"sweep": None})
    return with_overrides(base, plan.design.iloc[point].to_dict(), source=f"design point {point}")


def chunk_runs(plan: Plan, runs: range) -> Trajectory:
    """The trajectories of a chunk of consecutive runs."""
    run_ids = np.arange(runs.start, runs.stop)
    point, replicate = np.divmod(run_ids, plan.replicates)
    points = np.unique(point)
    seeds = plan.seeds[replicate]
    if plan.engine == "mesa" and plan.posterior is None:
        from ..abm.model import run_mesa

        return concat([run_mesa(point_scenario(plan, int(k)), seeds[point == k]) for k in points])
    if plan.posterior is not None:
        changes = {path: np.full(len(run_ids), value, dtype=float) for path, value in plan.departures.items()}
        changes |= {path: plan.design[path].to_numpy(dtype=float)[point] for path in plan.design.columns}
        sched = plan.posterior.schedules(plan.scenario.model_copy(update={"sweep": None}), plan.drawn[replicate], changes)
    elif all(is_condition(path) for path in plan.design.columns):  # written into the arrays, all runs at once
        sched = departed(plan.scenario.model_copy(update={"sweep": None}),
                         {path: plan.design[path].to_numpy(dtype=float)[point] for path in plan.design.columns})
    else:
        scenarios = [point_scenario(plan, int(k)) for k in points]
        sched = take(stack([schedule(s) for s in scenarios]), np.searchsorted(points, point))
    return simulate(sched, seeds, plan.scenario.steps)


def compute_chunk(plan: Plan, runs: range) -> dict[str, pd.DataFrame]:
    """The trajectories and outcomes of a chunk of consecutive runs."""
    return chunk_tables(plan, runs, chunk_runs(plan, runs))


def chunk_tables(plan: Plan, runs: range, traj: Trajectory) -> dict[str, pd.DataFrame]:
    """The tables of a chunk's runs: the trajectories it records and every run's outcomes."""
    run_ids = np.arange(runs.start, runs.stop)
    s = plan.scenario
    return {
        "trajectories": trajectory_table(traj, s, run_ids, recorded_pairs(s), s.sweep.record.every),
        "outcomes": outcome_table(traj, s, run_ids),
    }
