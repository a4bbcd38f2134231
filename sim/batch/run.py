"""Running a batch: every missing chunk of a plan, on this process, a local pool or a Dask cluster."""

from __future__ import annotations

import time
from pathlib import Path

from .local import run_local
from .plan import Plan
from .progress import Progress
from .store import chunk_done, finish, prepare


def run_batch(plan: Plan, out: Path, workers: int = 1, resume: bool = False, replace: bool = False,
              progress: Progress | None = None, executor: str = "local", scheduler: str | None = None,
              say=print) -> Path:
    """Run every missing chunk of a plan and assemble the results folder `out`.

    executor "local": `workers` processes of this machine (1: in this process); "dask": a
    Dask cluster, started here (LocalCluster, `workers` processes) or at `scheduler`.
    """
    out = Path(out)
    plan.check_memory(1 if executor == "dask" else workers)
    staging = prepare(plan, out, resume, replace)
    chunks = list(enumerate(plan.chunks()))
    todo = [(k, runs) for k, runs in chunks if not chunk_done(staging, k)]
    progress = progress or Progress(plan.runs, quiet=True)
    progress.start(done=plan.runs - sum(len(r) for _, r in todo))
    started = time.perf_counter()
    if executor == "dask":
        from .cluster import run_on_dask  # Dask is an optional extra

        run_on_dask(plan, staging, todo, workers, progress, scheduler, say)
    else:
        run_local(plan, staging, todo, workers, progress)
    progress.close()
    progress.say(f"assembling the results: each design point's summary and quantiles over {plan.runs:,} runs")
    finish(plan, staging, out, workers, time.perf_counter() - started, executor, replace)
    return out
