"""Scenario batches: a design × replicates, run in chunks, streamed to disk, resumable.

Run ids are laid out point-major (run_id = point * replicates + replicate) and cut into
chunks of consecutive runs. A chunk is computed from its run ids alone (the design, the
seeds), so the tables are the same whatever the number of workers or the order in which
chunks finish. Each chunk's rows are written as one Parquet part, atomically; the batch
is assembled in a hidden staging folder that is renamed into place once complete, and an
interrupted batch keeps its finished chunks for `--resume`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .arrays import schedule, stack
from .design import design_points
from .engine import concat, run_seeds, simulate, take
from .metrics import focal_pair, summarise
from .progress import Progress
from .results import outcome_table, read_table, trajectory_table, write_manifest
from .scenario import Scenario, parse_pair, with_overrides
from .workers import context as worker_context, reuse_memory

PARTS = ("trajectories", "outcomes")


class BatchError(Exception):
    """A batch that cannot start or resume as asked (reported in one line, exit 2)."""


@dataclass
class Plan:
    """What a batch runs: the scenario, its design points and the replicates' seeds."""

    scenario: Scenario
    design: pd.DataFrame
    seeds: np.ndarray  # replicate r has seed seeds[r] at every design point (common random numbers)
    engine: str = "vectorized"

    @classmethod
    def of(cls, scenario: Scenario, engine: str = "vectorized") -> "Plan":
        if scenario.sweep is None:
            raise BatchError("the scenario has no `sweep:` section; use `alliance-sim run` for plain replicates")
        return cls(scenario, design_points(scenario), run_seeds(scenario.seed, scenario.sweep.replicates), engine)

    @property
    def replicates(self) -> int:
        return len(self.seeds)

    @property
    def runs(self) -> int:
        return len(self.design) * self.replicates

    def chunks(self) -> list[range]:
        size = self.scenario.sweep.chunk
        return [range(a, min(a + size, self.runs)) for a in range(0, self.runs, size)]

    def runs_table(self) -> pd.DataFrame:
        run_id = np.arange(self.runs)
        point, replicate = np.divmod(run_id, self.replicates)
        table = pd.DataFrame({"run_id": run_id, "point": point, "replicate": replicate, "seed": self.seeds[replicate]})
        return table.join(self.design.reset_index(drop=True), on="point")

    def identity(self) -> dict:
        """What a resumed batch must share with the one it finishes."""
        return {"scenario_sha256": self.scenario.digest(), "engine": self.engine, "runs": self.runs,
                "chunk": self.scenario.sweep.chunk}


def recorded_pairs(scenario: Scenario) -> list[tuple[int, int]]:
    """The directed pairs whose trajectories a batch keeps."""
    keys = scenario.sweep.record.pairs or ["-".join(scenario.partnership.pair)]
    found = []
    for key in keys:
        a, b, both = parse_pair(key)
        i, j = scenario.index(a), scenario.index(b)
        found += [(i, j), (j, i)] if both else [(i, j)]
    return list(dict.fromkeys(found))


def point_scenario(plan: Plan, point: int) -> Scenario:
    base = plan.scenario.model_copy(update={"sweep": None})
    return with_overrides(base, plan.design.iloc[point].to_dict(), source=f"design point {point}")


def compute_chunk(plan: Plan, runs: range) -> dict[str, pd.DataFrame]:
    """The trajectories and outcomes of a chunk of consecutive runs."""
    run_ids = np.arange(runs.start, runs.stop)
    point, replicate = np.divmod(run_ids, plan.replicates)
    points = np.unique(point)
    scenarios = [point_scenario(plan, int(k)) for k in points]
    seeds = plan.seeds[replicate]
    if plan.engine == "mesa":
        from .runner import run_mesa  # Mesa is imported only where it is used

        traj = concat([run_mesa(s, seeds[point == k]) for s, k in zip(scenarios, points)])
    else:
        sched = take(stack([schedule(s) for s in scenarios]), np.searchsorted(points, point))
        traj = simulate(sched, seeds, plan.scenario.steps)
    s = plan.scenario
    return {
        "trajectories": trajectory_table(traj, s, run_ids, recorded_pairs(s), s.sweep.record.every),
        "outcomes": outcome_table(traj, s, run_ids),
    }


def _part(folder: Path, name: str, k: int) -> Path:
    return folder / f"{name}.parquet" / f"part-{k:05d}.parquet"


def chunk_done(folder: Path, k: int) -> bool:
    return all(_part(folder, name, k).exists() for name in PARTS)


def write_chunk(folder: Path, k: int, tables: dict[str, pd.DataFrame]) -> None:
    """Write a chunk's parts, each atomically (outcomes last: its presence marks the chunk done)."""
    for name in PARTS:
        target = _part(folder, name, k)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tables[name].to_parquet(tmp, index=False)
        os.replace(tmp, target)


def _job(plan: Plan, folder: Path, k: int, runs: range) -> int:
    """Compute and write one chunk (in a local worker, or in this process); returns its number of runs."""
    reuse_memory()
    write_chunk(folder, k, compute_chunk(plan, runs))
    return len(runs)


def staging_folder(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def prepare(plan: Plan, out: Path, resume: bool, replace: bool) -> Path:
    """Create (or check, when resuming) the staging folder; returns it."""
    staging = staging_folder(out)
    if out.exists() and not replace:
        raise BatchError(f"{out} exists and is complete; choose another --out or pass --replace")
    if staging.exists():
        if replace and not resume:
            shutil.rmtree(staging)
        elif not resume:
            raise BatchError(f"an interrupted batch for {out} is kept in {staging}; rerun with --resume to finish it, "
                             "or --replace to start over")
        else:
            found = json.loads((staging / "batch.json").read_text())
            if found != plan.identity():
                changed = ", ".join(k for k in found if found[k] != plan.identity()[k])
                raise BatchError(f"cannot resume {out}: the scenario or options changed since it started ({changed}); "
                                 "use --replace to start over, or another --out")
            for stale in staging.glob("*.parquet/*.tmp*"):
                stale.unlink()
            return staging
    staging.mkdir(parents=True)
    for name in PARTS:
        (staging / f"{name}.parquet").mkdir()
    (staging / "scenario.yaml").write_text(plan.scenario.to_yaml(), encoding="utf-8")
    plan.design.reset_index().to_parquet(staging / "design.parquet", index=False)
    plan.runs_table().to_parquet(staging / "runs.parquet", index=False)
    (staging / "batch.json").write_text(json.dumps(plan.identity(), indent=2) + "\n")
    return staging



def run_batch(plan: Plan, out: Path, workers: int = 1, resume: bool = False, replace: bool = False,
              progress: Progress | None = None, executor: str = "local", scheduler: str | None = None,
              say=print) -> Path:
    """Run every missing chunk of a plan and assemble the results folder `out`.

    executor "local": `workers` processes of this machine (1: in this process); "dask": a
    Dask cluster, started here (LocalCluster, `workers` processes) or at `scheduler`.
    """
    out = Path(out)
    staging = prepare(plan, out, resume, replace)
    chunks = list(enumerate(plan.chunks()))
    todo = [(k, runs) for k, runs in chunks if not chunk_done(staging, k)]
    progress = progress or Progress(plan.runs, quiet=True)
    progress.start(done=plan.runs - sum(len(r) for _, r in todo))
    started = time.perf_counter()
    if executor == "dask":
        from .cluster import run_on_dask

        run_on_dask(plan, staging, todo, workers, progress, scheduler, say)
    elif workers <= 1:
        for k, runs in todo:
            progress.advance(_job(plan, staging, k, runs))
    else:
        _run_pool(plan, staging, todo, workers, progress)
    progress.close()
    finish(plan, staging, out, workers, time.perf_counter() - started, executor)
    return out


def _run_pool(plan: Plan, staging: Path, todo: list, workers: int, progress: Progress) -> None:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=worker_context())
    pending = {pool.submit(_job, plan, staging, k, runs) for k, runs in todo}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                progress.advance(future.result())
    finally:
        # all chunks are on disk once their futures are done: let idle workers exit on their own
        pool.shutdown(wait=False, cancel_futures=True)


def finish(plan: Plan, staging: Path, out: Path, workers: int, seconds: float, executor: str = "local") -> None:
    """Summarise per design point, write the manifest, and move the folder into place."""
    a, b = focal_pair(plan.scenario)
    outcomes = read_table(staging, "outcomes", filters=[("source", "==", a), ("target", "==", b)])
    summary = summarise(outcomes.assign(point=outcomes["run_id"] // plan.replicates))
    plan.design.join(summary).reset_index().to_parquet(staging / "summary.parquet", index=False)
    write_manifest(staging, plan.scenario, {
        "engine": plan.engine, "design": plan.scenario.sweep.design, "points": len(plan.design),
        "replicates": plan.replicates, "runs": plan.runs, "chunks": len(plan.chunks()), "workers": workers,
        "executor": executor,
        "seed": plan.scenario.seed, "seeds": [int(s) for s in plan.seeds], "wall_time_s": round(seconds, 3),
    })
    (staging / "batch.json").unlink()
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
