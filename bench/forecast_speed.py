"""Benchmark: the forecast evaluation (`alliance-sim forecast`) against the per-origin refit it replaced.

Peers:
  (a) the evaluation: for each model, its origins in turn, each origin's calibration started
      from the previous origin's posterior (the first from the prior), the state filtered to
      the origin and both forecasters run from it; the models' chains side by side on the local
      pool (--workers). Everything `alliance-sim forecast` computes, scores and tables included.
  (b) the per-origin refit, as the command did before: each model calibrated from the prior at
      every origin at the scenario's own settings (--refit-population, default the scenario's
      1,000 particles, up to its 15 generations), one process per calibration on the pool.
      At the full size this takes over an hour, so it is timed on --refit-origins (default:
      the first, middle and last origin) and its time for every origin estimated from them in
      proportion to each origin's fitted quarters (said as an estimate).
Prints each peer's wall time and the ratio. The target is (a) within 15 minutes for 13 origins
x 2 models x 2 forecasters on this 2-core machine.

    python bench/forecast_speed.py                        # the full size (about 15 min + the refit's sample)
    python bench/forecast_speed.py --origins 2008 2009 2010 --population 60 --generations 3 --sets 20 \
        --particles 10 --refit-population 60 --refit-generations 3      # a small check
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.batch.local import pool
from sim.evidence import forecast
from sim.evidence.calibration import calibrate
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def evaluation(models, origins, settings, workers) -> float:
    """Wall time of the whole evaluation, its tables included."""
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        scores, tables = forecast.run(models, Path(folder), origins, settings, workers, say=lambda m: None, quiet=True)
        names = [n for s in models for n in (s.name, s.name + forecast.CONDITIONAL)]
        forecast.summary(scores, tables), forecast.skills(scores, names)
        return time.perf_counter() - t0


def _refit(s, origin: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        calibrate(forecast.cut(s, origin, 0), Path(folder) / "c", say=lambda m: None)
        return time.perf_counter() - t0


def refit(models, origins, sampled, workers) -> tuple[float, float]:
    """Wall time of the per-origin refit on the sampled origins, and its estimate for every origin."""
    jobs = [(s, o) for s in models for o in sampled]
    t0 = time.perf_counter()
    with pool(workers) as executor:
        seconds = list(executor.map(_refit, *zip(*jobs)))
    wall = time.perf_counter() - t0
    quarters = lambda o: 4 * (o - 2004)  # noqa: E731  (fitted quarters from 2005)
    per_quarter = sum(seconds) / sum(quarters(o) for _, o in jobs)
    return wall, per_quarter * sum(quarters(o) for _ in models for o in origins) / workers


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--origins", type=int, nargs="+", default=list(forecast.ORIGINS))
    p.add_argument("--population", type=int, default=500)
    p.add_argument("--generations", type=int)
    p.add_argument("--warm", type=int, default=2)
    p.add_argument("--sets", type=int, default=200)
    p.add_argument("--particles", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--refit-origins", type=int, nargs="+")
    p.add_argument("--refit-population", type=int)
    p.add_argument("--refit-generations", type=int)
    args = p.parse_args()
    models = [load_scenario(SCENARIOS / f"{name}.yaml") for name in ("history_2005_2024", "history_null")]
    settings = forecast.Settings(args.population, args.generations, args.warm, args.sets, args.particles)
    origins = sorted(args.origins)
    sampled = args.refit_origins or sorted({origins[0], origins[len(origins) // 2], origins[-1]})
    full = [s.model_copy(update={"calibration": s.calibration.model_copy(update={
        k: v for k, v in (("population", args.refit_population), ("generations", args.refit_generations)) if v})})
        for s in models]
    print(f"{len(origins)} origins ({origins[0]}-{origins[-1]}) x {len(models)} models x 2 forecasters, "
          f"{args.workers} workers")
    a = evaluation(models, origins, settings, args.workers)
    print(f"(a) the evaluation (population {args.population}, {args.warm} warm generations, {args.sets} sets x "
          f"{args.particles} particles): {a:.1f} s ({a / 60:.1f} min; target <= 15 min)")
    wall, estimate = refit(full, origins, sampled, args.workers)
    c = full[0].calibration
    print(f"(b) the per-origin refit (population {c.population}, up to {c.generations} generations), timed on "
          f"{', '.join(map(str, sampled))}: {wall:.1f} s; estimated for every origin from the calibrations' own times "
          f"(the pool's start left out): {estimate:.0f} s ({estimate / 60:.1f} min)")
    print(f"(a) is {estimate / a:.1f}x faster than (b)'s estimate; (a) includes the filter, both forecasters, "
          f"the benchmarks and every table, (b) the calibrations alone")


if __name__ == "__main__":
    main()
