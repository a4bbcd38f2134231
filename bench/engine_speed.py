"""Benchmark: the compiled engine against the numpy engine it replaced, and mesa.batch_run.

Workloads:
  large: one chunk of 2,000 runs of 88 quarters (baseline_2018, sanctions in force);
  small: 20 runs of 80 quarters (history_2005_2024, its 14 events), one evaluation of a
         calibration.
Peers, in this one process, timed in turn and quoted as medians of --repeat timings
(the machines are shared: compare ratios within one run):
  numpy    the engine before the compiled one (bench/numpy_engine.py, kept as the baseline);
  compiled the engine (one core; a batch spreads chunks over worker processes);
  jax      the numpy engine's mechanisms compiled by XLA (bench/jax_engine.py), the road not
           taken, if jax is installed (it is not a dependency);
  mesa     mesa.batch_run on AllianceModel (--mesa-runs runs; its rate per run).
Each engine's time includes drawing the noise from each run's own seeded generator.
Each workload's ceiling is the fastest any engine could be under the same rule for the
ceiling: the noise alone, plus the run's floating-point operations (counted by hand
in dynamics.py, about 3,100 a quarter for five actors) at this core's measured rate of
vectorised multiply-adds. Then the one-time compile cost (a new process with an empty
cache), the load from the cache (a second process), and the share of the arithmetic limit
the engine reaches.

    python bench/engine_speed.py [--repeat 7] [--mesa-runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.batch.local import reuse_memory  # noqa: E402
from sim.core import compiled, engine  # noqa: E402
from sim.core.schedule import at_rest, schedule  # noqa: E402
from sim.scenario import load_scenario, with_overrides  # noqa: E402

import numpy_engine  # noqa: E402  (the baseline, beside this script)
from batch_speed import median_time  # noqa: E402

try:
    import jax_engine
except ImportError as missing:  # an optional peer
    jax_engine, JAX_MISSING = None, f"jax is not installed ({missing}); pip install jax to add it"

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FLOPS_PER_QUARTER = 3_100  # five actors: about 135 per ordered pair (20) and 400 shared (observe)
WORKLOADS = {"large (2,000 runs x 88 quarters)": ("baseline_2018", 2000, 88),
             "small (20 runs x 80 quarters)": ("history_2005_2024", 20, 80)}


def workload(name: str, runs: int):
    s = at_rest(load_scenario(SCENARIOS / f"{name}.yaml"))
    if name == "baseline_2018":
        s = with_overrides(s, {"sanctions": 0.8})
    return engine.broadcast(schedule(s), runs), engine.run_seeds(1, runs)


def compare(label: str, name: str, runs: int, steps: int, repeat: int, peak: float) -> dict:
    sc, seeds = workload(name, runs)
    ours, theirs = engine.simulate(sc, seeds, steps), numpy_engine.simulate(sc, seeds, steps)
    differ = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))
    peers = {"numpy": lambda: numpy_engine.simulate(sc, seeds, steps),
             "compiled": lambda: engine.simulate(sc, seeds, steps),
             "noise alone": lambda: engine.noise(seeds, steps, sc.initial.A.shape[-1])}
    if jax_engine:
        t0 = time.perf_counter()
        differ_jax = max(float(np.abs(a - b).max()) for a, b in zip(jax_engine.simulate(sc, seeds, steps), ours))
        print(f"{label}: jax compiles this shape in {time.perf_counter() - t0:.1f} s, differs by {differ_jax:.1e}")
        peers["jax"] = lambda: jax_engine.simulate(sc, seeds, steps)
    seconds = {k: [] for k in peers}
    for _ in range(repeat):  # interleaved, so that drift in the machine's speed hits all alike
        for k, fn in peers.items():
            seconds[k].append(median_time(fn, 1))
    median = {k: statistics.median(v) for k, v in seconds.items()}
    print(f"{label}: largest difference from the numpy engine {differ:.1e}")
    for k, t in median.items():
        print(f"  {k:<20} {t * 1e3:9.2f} ms  {runs / t:10,.0f} runs/s  {median['numpy'] / t:6.1f}x numpy")
    # no engine can beat its noise, drawn as they must be, plus its arithmetic at this core's peak
    arithmetic = runs * steps * FLOPS_PER_QUARTER / peak
    best = median["noise alone"] + arithmetic
    print(f"  {'ceiling':<20} {best * 1e3:9.2f} ms  {runs / best:10,.0f} runs/s  {median['numpy'] / best:6.1f}x numpy"
          f"  (the noise alone, plus {arithmetic * 1e3:.2f} ms of arithmetic at {peak / 1e9:.1f} GFLOP/s)")
    return {"rate": runs / median["compiled"]}


def mesa_rate(runs: int) -> float:
    import mesa

    import sim

    seeds = [int(x) for x in engine.run_seeds(1, runs)]
    t0 = time.perf_counter()
    mesa.batch_run(sim.AllianceModel, parameters={"sanctions": [0.8]}, rng=seeds, max_steps=88, number_processes=1,
                   data_collection_period=-1, display_progress=False)
    return runs / (time.perf_counter() - t0)


def compile_cost() -> tuple[float, float]:
    """Seconds to compile every kernel in a new process with an empty cache; then to load them."""
    script = ("import time; t0 = time.perf_counter()\n"
              "from sim.core import engine\nfrom sim.core.schedule import at_rest, schedule\n"
              "from sim.scenario import load_scenario, shipped\nt1 = time.perf_counter()\n"
              "s = at_rest(load_scenario(shipped('baseline_2018')))\n"
              "engine.simulate(engine.broadcast(schedule(s), 2), engine.run_seeds(1, 2), 4)\n"
              "print(time.perf_counter() - t1)")
    env = {**os.environ, "NUMBA_CACHE_DIR": tempfile.mkdtemp()}
    run = lambda: float(subprocess.run([sys.executable, "-c", script], env=env, check=True,  # noqa: E731
                                       capture_output=True, text=True).stdout)
    return run(), run()


def multiply_adds_per_second() -> float:
    """This core's rate of floating-point operations in a compiled, vectorisable loop (in cache)."""
    import numba

    @numba.njit
    def axpy(a, x, y, reps):
        for _ in range(reps):
            for i in range(x.size):
                y[i] = a * x[i] + y[i]

    x, y = np.random.default_rng(0).random(1024), np.zeros(1024)
    axpy(1e-9, x, y, 1)
    t = median_time(lambda: axpy(1e-9, x, y, 20_000), 5)
    return 2 * x.size * 20_000 / t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timings per peer (median quoted)")
    parser.add_argument("--mesa-runs", type=int, default=20, help="runs for mesa.batch_run's rate")
    args = parser.parse_args()
    reuse_memory()  # as in the batch engine's processes, for both engines

    if compiled.numba is None:
        sys.exit(f"the compiled engine is not available here: {compiled.REASON}")
    if jax_engine is None:
        print(f"peer jax left out: {JAX_MISSING}")
    peak = multiply_adds_per_second()
    results = {label: compare(label, *spec, args.repeat, peak) for label, spec in WORKLOADS.items()}
    mesa = mesa_rate(args.mesa_runs)
    large = results[next(iter(WORKLOADS))]["rate"]
    print(f"mesa.batch_run: {mesa:,.0f} runs/s of 88 quarters; the compiled engine: {large / mesa:,.0f}x")

    first, cached = compile_cost()
    print(f"compile, once per machine (empty cache): {first:.1f} s; later processes load it in {cached:.2f} s")

    limit = peak / (FLOPS_PER_QUARTER * 88)
    print(f"arithmetic limit: {peak / 1e9:.1f} GFLOP/s on one core, about {FLOPS_PER_QUARTER * 88:,} FLOP a run: "
          f"{limit:,.0f} runs/s; the compiled engine reaches {large / limit:.0%} of it")


if __name__ == "__main__":
    main()
