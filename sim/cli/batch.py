"""`alliance-sim batch`: a scenario's sweep (design x replicates) in resumable chunks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import (
    UsageError,
    add_engine,
    add_memory,
    add_posterior,
    add_set,
    counts,
    resolved,
    say,
    say_parameters,
    stopped,
)


def add(sub) -> None:
    p = sub.add_parser("batch", help="run a scenario's sweep (design × replicates) in resumable chunks",
                       description="Run the design in the scenario's `sweep:` section, each point with seeded "
                                   "replicates, in chunks written as they finish. The folder (default "
                                   "results/NAME) gains design.parquet, summary.parquet and quantiles.parquet (per point, "
                                   "pair and quarter, the 10/50/90% quantiles of stance and cooperation).")
    p.add_argument("scenario", help="scenario YAML file with a sweep: section")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores); any number gives the same tables")
    add_engine(p)
    add_posterior(p)
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: a pool of processes on this machine (default); dask: a Dask LocalCluster of "
                        "--workers processes (needs the 'distributed' extra)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on the existing Dask cluster at this scheduler address (implies --executor dask)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted batch of the same scenario and options")
    p.add_argument("--replicates", type=int, help="override sweep.replicates")
    add_set(p)
    p.add_argument("--out", help="results folder (default: results/NAME)")
    p.add_argument("--replace", action="store_true", help="replace --out (and any interrupted batch of it)")
    p.add_argument("--quiet", action="store_true", help="no progress; print only the results folder")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    counts(args, "workers")
    workers = args.workers or os.cpu_count() or 1
    executor = "dask" if args.scheduler else args.executor
    if workers > 1 and executor == "local":
        from ..batch.local import warm_up

        warm_up()  # the workers' imports overlap with loading the scenario and planning
    import pandas as pd

    from ..analysis.points import best_point
    from ..batch.local import WorkerLost
    from ..batch.plan import BatchError, Plan
    from ..batch.progress import Progress
    from ..batch.run import run_batch
    from ..batch.store import chunk_done, staging_folder
    from ..outputs.results import claim, default_folder, replacing

    runs = resolved(args)
    say_parameters(args, runs)  # first: which parameters the numbers below come from
    s = runs.scenario
    try:
        plan = Plan.of(runs, args.engine)
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    if args.out:
        claim(args.out, reads=[args.scenario, *([runs.posterior.source] if runs.posterior is not None else [])])
    out = Path(args.out) if args.out else default_folder(s, suffix="")
    if args.replace and (what := replacing(out)):
        say(args, f"replacing {what}")
    workers = workers if args.scheduler else plan.workers(workers, say=lambda message: say(args, message))
    where = f"Dask at {args.scheduler}" if args.scheduler else f"{workers} {executor} worker(s)"
    chunks = len(plan.chunks())
    say(args, f"batch '{s.name}': {len(plan.design):,} design points × {plan.replicates} replicates = "
              f"{plan.runs:,} runs in {chunks} chunks, {where}, {args.engine} engine")
    progress = Progress(plan.runs, quiet=args.quiet, chunks=chunks)

    def kept() -> str:
        staging = staging_folder(out)
        return f"{sum(chunk_done(staging, k) for k in range(chunks))} of {chunks} chunks are kept in {staging}"

    try:  # a terminated batch (SIGTERM) keeps its chunks, as after Ctrl-C
        run_batch(plan, out, workers, args.resume, args.replace, progress, executor, args.scheduler,
                  say=lambda message: say(args, message))
    except WorkerLost as exc:
        progress.close()
        print(f"\nalliance-sim batch: {exc}; {kept()}. Rerun the same command with --resume to finish (with fewer "
              "--workers or a smaller sweep.chunk if memory ran out).", file=sys.stderr)
        return 2
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt as exc:
        progress.close()
        print(f"\nalliance-sim batch: {stopped(exc)[0]}; {kept()}. Rerun the same command with --resume to finish.",
              file=sys.stderr)
        return stopped(exc)[1]
    say(args, f"{plan.runs:,} runs done; {best_point(pd.read_parquet(out / 'summary.parquet'), s)}")
    print(out)
    return 0
