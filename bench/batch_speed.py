"""Benchmark: runs per second of the ways to run one design, the two-worker speed-up, and what recording costs.

Peers, on one process each, over the same design (sanctions x Seoul's autonomy, seeded
replicates, 88 quarters):
  (a) mesa.batch_run on AllianceModel, final step collected;
  (b) alliance-sim's batch engine with --engine mesa (one AllianceModel per run);
  (c) alliance-sim's vectorised batch engine (the default).
Then the vectorised engine on a 20,000-run design with one and with two local workers:
first the batch itself (`run_batch`, in this process), then the whole command as a user
types it (`alliance-sim batch`, a new process each time: Python's start, the imports and
the summary included); and on a Dask LocalCluster of two worker processes (started once,
outside the timing; its start-up is reported apart), with the overhead per chunk against
the local pool. Each timing is repeated and the median quoted; ratios are taken within
this one run, since the machines are shared and absolute speeds drift.

With --only-recording: the batch on one worker, every quarter of three pairs recorded and
written, against the engine alone (the same chunks simulated, nothing kept) and against the
engine with its tables built but not written.

    python bench/batch_speed.py [--replicates 50] [--repeat 3] [--big 20000] [--only-workers | --only-recording]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim
from sim.batch.plan import Plan
from sim.batch.run import run_batch
from sim.scenario import load_scenario, with_overrides

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "sanctions_autonomy_sweep.yaml"
SANCTIONS, AUTONOMY = [0.2, 0.8], [0.2, 0.9]


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def design(replicates: int, points_per_axis: int | None = None) -> sim.Scenario:
    base = load_scenario(SCENARIO)
    if points_per_axis:
        factors = {"parameters.sanctions": {"range": [0, 1], "points": points_per_axis},
                   "actors.Seoul.autonomy": {"range": [0, 1], "points": points_per_axis}}
    else:
        factors = {"parameters.sanctions": SANCTIONS, "actors.Seoul.autonomy": AUTONOMY}
    return with_overrides(base, {"sweep.factors": factors, "sweep.replicates": replicates, "sweep.chunk": 2000})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=50, help="replicates per point of the 2x2 design")
    parser.add_argument("--repeat", type=int, default=3, help="timings per peer (median quoted)")
    parser.add_argument("--big", type=int, default=20_000, help="runs of the design for the worker speed-up")
    parser.add_argument("--only-workers", action="store_true", help="measure the worker speed-up alone")
    parser.add_argument("--only-recording", action="store_true",
                        help="measure the batch against the engine's own rate alone")
    args = parser.parse_args()
    if args.only_recording:
        return recording(args)

    scenario = design(args.replicates)
    plan = Plan.of(scenario)
    runs = plan.runs
    seeds = [int(s) for s in plan.seeds]
    tmp = Path(tempfile.mkdtemp())
    print(f"design: {len(plan.design)} points x {args.replicates} replicates = {runs} runs of {scenario.steps} quarters")

    def batch_run():
        import mesa  # here, not at the top: worker processes re-import this script, and need no Mesa

        mesa.batch_run(sim.AllianceModel, parameters={"sanctions": SANCTIONS, "autonomy": AUTONOMY}, rng=seeds,
                       max_steps=scenario.steps, number_processes=1, data_collection_period=-1, display_progress=False)

    def ours(engine: str, workers: int = 1, p: Plan = plan, scheduler: str | None = None):
        run_batch(Plan(p.scenario, p.design, p.seeds, engine), tmp / f"{engine}{workers}{bool(scheduler)}", workers,
                  replace=True, executor="dask" if scheduler else "local", scheduler=scheduler, say=lambda _: None)

    if args.only_workers:
        return speedup(args, ours)
    rate = {
        "a mesa.batch_run": runs / median_time(batch_run, args.repeat),
        "b --engine mesa": runs / median_time(lambda: ours("mesa"), args.repeat),
        "c vectorised": runs / median_time(lambda: ours("vectorized"), args.repeat),
    }
    for name, value in rate.items():
        print(f"  {name:<20} {value:10,.0f} runs/s")
    print(f"  ratio c/a: {rate['c vectorised'] / rate['a mesa.batch_run']:.0f}x   "
          f"c/b: {rate['c vectorised'] / rate['b --engine mesa']:.0f}x")

    speedup(args, ours)


def speedup(args, ours) -> None:
    side = max(2, round((args.big / 50) ** 0.5))
    big = Plan.of(design(50, side))
    print(f"worker speed-up: {big.runs:,} runs ({side}x{side} points x 50 replicates, {len(big.chunks())} chunks), "
          "vectorised engine")
    scenario_file = Path(tempfile.mkdtemp()) / "big.yaml"
    scenario_file.write_text(big.scenario.to_yaml(), encoding="utf-8")
    times = {"1 local": [], "2 local": [], "1 command": [], "2 command": [], "2 dask": []}
    for _ in range(args.repeat):  # interleaved, so that drift in the machine's speed hits both alike
        times["1 local"].append(median_time(lambda: ours("vectorized", 1, big), 1))
        times["2 local"].append(median_time(lambda: ours("vectorized", 2, big), 1))
    for _ in range(args.repeat):
        for workers in (1, 2):
            times[f"{workers} command"].append(median_time(lambda: command(scenario_file, workers), 1))
    t0 = time.perf_counter()
    cluster = start_dask(2)  # after the local timings: its idle processes would disturb them
    print(f"  Dask LocalCluster of 2 worker processes started in {time.perf_counter() - t0:.1f} s")
    for _ in range(args.repeat):
        times["2 dask"].append(median_time(lambda: ours("vectorized", 2, big, cluster.scheduler_address), 1))
    cluster.close()
    median = {k: statistics.median(v) for k, v in times.items()}
    for name, seconds in median.items():
        print(f"  {name:<10} {big.runs / seconds:8,.0f} runs/s   (seconds: {' '.join(f'{t:.2f}' for t in times[name])})")
    print(f"  speed-up of 2 local workers over 1: {median['1 local'] / median['2 local']:.2f}x (the batch), "
          f"{median['1 command'] / median['2 command']:.2f}x (the command)")
    print(f"  Dask against the local pool (2 workers each): {median['2 local'] / median['2 dask']:.2f}x the speed, "
          f"{(median['2 dask'] - median['2 local']) / len(big.chunks()) * 1000:+.0f} ms per chunk")
    print(f"  runs per hour at the 2-worker local rate: {big.runs / median['2 local'] * 3600:,.0f}")


def recording(args) -> None:
    """The batch on one worker, every quarter of three pairs recorded and written, against the engine
    computing the same chunks and keeping nothing: how much writing the results costs."""
    from sim.batch.plan import chunk_runs, compute_chunk, recorded_pairs

    side = max(2, round((args.big / 50) ** 0.5))
    big = Plan.of(design(50, side))
    s = big.scenario
    print(f"recording: {big.runs:,} runs of {s.steps} quarters in {len(big.chunks())} chunks, every quarter of "
          f"{len(recorded_pairs(s))} pairs ({', '.join(s.sweep.record.pairs)}), one worker")
    tmp = Path(tempfile.mkdtemp())

    def each(fn):  # one chunk at a time, its results let go, as the batch holds them
        for runs in big.chunks():
            fn(big, runs)

    peers = {"engine alone": lambda: each(chunk_runs),
             "engine and tables": lambda: each(compute_chunk),
             "batch (tables written)": lambda: run_batch(big, tmp / "b", 1, say=lambda _: None)}
    times = {name: [] for name in peers}
    for _ in range(args.repeat):  # interleaved: drift in the machine's speed hits all alike
        for name, fn in peers.items():
            shutil.rmtree(tmp / "b", ignore_errors=True)  # untimed: the batch writes a new folder, as a first one does
            times[name].append(median_time(fn, 1))
    median = {k: statistics.median(v) for k, v in times.items()}
    for name, seconds in median.items():
        print(f"  {name:<24} {big.runs / seconds:8,.0f} runs/s   (seconds: {' '.join(f'{x:.2f}' for x in times[name])})")
    print(f"  the batch runs at {median['engine alone'] / median['batch (tables written)']:.0%} of the engine's own "
          f"rate ({median['engine and tables'] / median['batch (tables written)']:.0%} of the engine with its tables)")


def command(scenario_file: Path, workers: int) -> None:
    """`alliance-sim batch` as a user runs it, in a new process."""
    script = Path(sys.executable).with_name("alliance-sim")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "sim"]
    subprocess.run([*launcher, "batch", str(scenario_file), "--workers", str(workers), "--quiet", "--replace",
                    "--out", str(scenario_file.with_name(f"out{workers}"))], check=True, stdout=subprocess.DEVNULL)


def start_dask(workers: int):
    import distributed

    return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                    dashboard_address=None, host="127.0.0.1")


if __name__ == "__main__":
    main()
