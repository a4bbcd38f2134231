"""Benchmark: particles per second of a calibration, on one process, two local processes and Dask.

The workload is the shipped history's calibration (13 values; each particle is 10 seeded runs
of the 56 quarters of the fit window on the batch engine), with a smaller population and
fewer generations so that it runs in a few minutes. Peers, in one run:
  (a) one process (pyabc's single-core sampler: reproducible from the seed);
  (b) two local processes (pyabc's multicore evaluation sampler);
  (c) a Dask LocalCluster of two worker processes (pyabc's Dask sampler, particles sent in
      batches of --batch; the cluster is started once, outside the timing).
Each prints the wall time, particles accepted per second and simulations per second, and
the ratio to (a); then the model's own cost per simulation (one evaluation timed alone),
which bounds what any sampler can reach. Medians of --repeat; ratios within this run only.

    python bench/calibration_speed.py [--population 300] [--generations 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.evidence.calibration import Model, calibrate, generations
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "history_2005_2024.yaml"


def timed(s, workers: int = 1, scheduler: str | None = None) -> tuple[float, int, int]:
    """Wall time, particles accepted and simulations of one calibration of `s`."""
    import pyabc

    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        calibrate(s, Path(folder) / "c", workers=workers, scheduler=scheduler, say=lambda m: None)
        wall = time.perf_counter() - t0
        found = generations(pyabc.History(f"sqlite:///{Path(folder) / 'c' / 'abc.db'}"))
    return wall, int(found["particles"].sum()), int(found["simulations"].sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--batch", type=int, default=20, help="particles per Dask task")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    base = load_scenario(SCENARIO)
    s = base.model_copy(update={"calibration": base.calibration.model_copy(
        update={"population": args.population, "generations": args.generations})})

    model = Model(s)
    names = model.names
    middle = {name: sum(p.uniform) / 2 for name, p in s.calibration.priors.items()}
    model(middle)  # compiled and warm
    t0 = time.perf_counter()
    for _ in range(50):
        model(middle)
    per_simulation = (time.perf_counter() - t0) / 50

    from dask.distributed import LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    started = time.perf_counter() - t0
    peers = {"(a) 1 process": {}, "(b) 2 local processes": {"workers": 2},
             "(c) Dask LocalCluster, 2 workers": {"scheduler": cluster.scheduler_address}}
    print(f"calibration of '{s.name}': {len(names)} values, population {args.population}, {args.generations} "
          f"generations, {s.calibration.replicates} runs a particle; medians of {args.repeat}")
    rows = {}
    for label, options in peers.items():
        runs = [timed(s, **options) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        particles, simulations = runs[0][1], runs[0][2]
        rows[label] = (wall, particles / wall, simulations / wall)
    cluster.close()
    reference = rows["(a) 1 process"][1]
    print(f"{'peer':34s} {'wall s':>8s} {'particles/s':>12s} {'simulations/s':>14s} {'vs (a)':>7s}")
    for label, (wall, particles, simulations) in rows.items():
        print(f"{label:34s} {wall:8.1f} {particles:12.1f} {simulations:14.1f} {particles / reference:6.2f}x")
    print(f"\nthe model alone: {1000 * per_simulation:.2f} ms a simulation ({1 / per_simulation:.0f} a second on one core); "
          f"(a) spends {100 * rows['(a) 1 process'][2] * per_simulation:.0f}% of its time in the model")
    print(f"Dask cluster start-up (not timed above): {started:.1f} s")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
