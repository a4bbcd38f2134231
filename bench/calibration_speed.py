"""Benchmark: how fast a calibration runs, on one process, two local processes and Dask, and pyabc.

The workload is the shipped history's calibration (16 values; each particle is 10 seeded runs
of the 56 quarters of the fit window on the compiled engine), with a smaller population and
fewer generations so that it runs in a few minutes. Peers, in one run:
  (a) the project's sampler (ABC-SMC with MCMC moves) on one process;
  (b) the same on two local processes;
  (c) the same on a Dask LocalCluster of two worker processes (started once, outside the timing);
  (d) pyabc's ABC-SMC on one process, one particle a call: the sampler the project used before
      (run when pyabc is installed: pip install pyabc).
Each prints the wall time, the particles of finished generations per second, the simulations
per second (a simulation: one particle's 10 runs) and the ratio to (d), or to (a) without
pyabc; then the model's own cost per simulation, timed alone. Medians of --repeat.

    python bench/calibration_speed.py [--population 300] [--generations 3] [--repeat 1]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.evidence.calibration import Model, calibrate, generations
from sim.scenario import load_scenario, with_overrides

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "history_2005_2024.yaml"


def timed(s, workers: int = 1, scheduler: str | None = None) -> tuple[float, int, int]:
    """Wall time, particles of finished generations and simulations of one calibration of `s`."""
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        calibrate(s, Path(folder) / "c", workers=workers, scheduler=scheduler, say=lambda m: None)
        wall = time.perf_counter() - t0
        found = generations(Path(folder) / "c")
    return wall, len(found) * s.calibration.population, int(found["simulations"].sum())


def timed_pyabc(s) -> tuple[float, int, int]:
    """The same with pyabc's ABC-SMC (one particle a model call, its own weights and kernel)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    model, c = Model(s), s.calibration
    observed = model.target.observed()

    def simulate(parameters):
        values = np.array([[parameters[name] for name in model.names]])
        return {kind: v[0] for kind, v in model.statistics(values, np.random.randint(2**62, size=1)).items()}

    prior = pyabc.Distribution(**{name: pyabc.RV("uniform", lo, hi - lo) for name, (lo, hi) in
                                  ((n, c.priors[n].uniform) for n in model.names)})
    np.random.seed(s.seed)
    with tempfile.TemporaryDirectory() as folder:
        abc = pyabc.ABCSMC(simulate, prior, model.target.distance, population_size=c.population,
                           sampler=pyabc.sampler.SingleCoreSampler())
        abc.new(f"sqlite:///{Path(folder) / 'abc.db'}", observed)
        t0 = time.perf_counter()
        history = abc.run(max_nr_populations=c.generations + 1)
        wall = time.perf_counter() - t0
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
    return wall, int(pops["particles"].sum()), int(pops["samples"].sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    s = with_overrides(load_scenario(SCENARIO), {"calibration.population": args.population,
                                                 "calibration.generations": args.generations})

    model = Model(s)
    middle = np.array([[sum(s.calibration.priors[n].uniform) / 2 for n in model.names]])
    model.statistics(middle, np.array([0]))  # compiled and warm
    t0 = time.perf_counter()
    for seed in range(20):
        model.statistics(middle, np.array([seed]))
    one_at_a_time = (time.perf_counter() - t0) / 20
    batch = np.repeat(middle, 100, axis=0)
    times = []
    for k in range(5):
        t0 = time.perf_counter()
        model.statistics(batch, np.arange(100) + 100 * k)
        times.append((time.perf_counter() - t0) / 100)
    in_a_batch = statistics.median(times)

    from dask.distributed import LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    started = time.perf_counter() - t0
    peers = {"(a) 1 process": lambda: timed(s), "(b) 2 local processes": lambda: timed(s, workers=2),
             "(c) Dask LocalCluster, 2 workers": lambda: timed(s, scheduler=cluster.scheduler_address)}
    try:
        import pyabc  # noqa: F401
    except ImportError:
        print("pyabc is not installed: peer (d) is left out (pip install pyabc)")
    else:
        peers["(d) pyabc, 1 process"] = lambda: timed_pyabc(s)
    print(f"calibration of '{s.name}': {len(model.names)} values, population {args.population}, {args.generations} "
          f"generations after the prior sample, {s.calibration.replicates} runs a particle; medians of {args.repeat}")
    rows = {}
    for label, run in peers.items():
        runs = [run() for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        rows[label] = (wall, runs[0][1] / wall, runs[0][2] / wall)
    cluster.close()
    reference = rows.get("(d) pyabc, 1 process", rows["(a) 1 process"])[1]
    print(f"{'peer':34s} {'wall s':>8s} {'particles/s':>12s} {'simulations/s':>14s} {'ratio':>7s}")
    for label, (wall, particles, simulations) in rows.items():
        print(f"{label:34s} {wall:8.1f} {particles:12.1f} {simulations:14.1f} {particles / reference:6.2f}x")
    print(f"\nthe model alone: {1000 * one_at_a_time:.2f} ms a simulation one at a time, {1000 * in_a_batch:.2f} ms in "
          f"batches of 100; (a) spends {100 * rows['(a) 1 process'][2] * in_a_batch:.0f}% of its time in the model")
    print(f"Dask cluster start-up (not timed above): {started:.1f} s")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
