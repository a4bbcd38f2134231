"""Which optimiser searches Seoul's levers: pymoo's NSGA-II or the EMA Workbench's ε-NSGA-II (platypus)?

Both search the shipped decision (scenarios/decide_2025.yaml, on a smaller ensemble) under the
calibrated posterior with the same budget of policy evaluations, each policy evaluated by the same
function over the same states of the world. pymoo is asked for a whole generation at once
(ask and tell), so the batch engine evaluates it in one call; the EMA Workbench's evaluator asks
for one policy at a time. Printed: each one's wall time (median of --repeat runs, as a ratio to
pymoo's) and the hypervolume of the front it found (objectives scaled to [0, 1] over all the
policies either found; larger is better), both in one run. Run on demand:

    python bench/decide_search.py [--evaluations 240] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from sim.analysis.decision import evaluate, problem_of
from sim.analysis.search import search
from sim.outputs.posterior import read_posterior
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent


def problem(population: int, generations: int):
    s = load_scenario(ROOT / "scenarios" / "decide_2025.yaml")
    s = with_overrides(s, {"decision.ensemble": 30, "decision.replicates": 2, "decision.population": population,
                           "decision.generations": generations})
    return problem_of(s, read_posterior(ROOT / "scenarios" / "posteriors" / "history_2005_2024"))


def with_pymoo(prob) -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        X, found = search(prob, Path(folder), say=lambda _: None)
    return X, found.mean(axis=1)


def with_ema(prob, evaluations: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import Model, RealParameter, Sample, ScalarOutcome, SequentialEvaluator
    names = [f"x{k}" for k in range(len(prob.variables))]
    objectives = list(prob.objectives)

    def one_policy(unused=None, **levers):
        means = evaluate(prob, np.array([[levers[n] for n in names]])).mean(axis=1)[0]
        return dict(zip(objectives, means))

    model = Model("decide", function=one_policy)
    model.uncertainties = [RealParameter("unused", 0, 1)]  # the states are inside `evaluate`; EMA wants one
    model.levers = [RealParameter(n, row.low, row.high) for n, row in zip(names, prob.variables.itertuples())]
    model.outcomes = [ScalarOutcome(o, kind=ScalarOutcome.MAXIMIZE if sign > 0 else ScalarOutcome.MINIMIZE)
                      for o, sign in zip(objectives, prob.signs())]
    with tempfile.TemporaryDirectory() as folder, SequentialEvaluator(model) as evaluator:
        found = evaluator.optimize(nfe=evaluations, searchover="levers", epsilons=[0.01] * len(objectives), rng=seed,
                                   reference=Sample("reference"),
                                   directory=folder, filename="archives.tar.gz")
    found = found[0] if isinstance(found, tuple) else found
    return found[names].to_numpy(), found[objectives].to_numpy()


def hypervolume(fronts: dict[str, np.ndarray], signs: np.ndarray) -> dict[str, float]:
    from pymoo.indicators.hv import HV
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    costs = {name: -signs * F for name, F in fronts.items()}
    every = np.concatenate(list(costs.values()))
    low, span = every.min(axis=0), np.where(np.ptp(every, axis=0) > 0, np.ptp(every, axis=0), 1.0)
    found = {}
    for name, F in costs.items():
        scaled = (F - low) / span
        front = scaled[NonDominatedSorting().do(scaled, only_non_dominated_front=True)]
        found[name] = float(HV(ref_point=np.full(F.shape[1], 1.1))(front))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--evaluations", type=int, default=240)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    population = 24
    prob = problem(population, max(1, args.evaluations // population - 1))
    times = {"pymoo NSGA-II": [], "EMA Workbench ε-NSGA-II": []}
    fronts = {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        fronts["pymoo NSGA-II"] = with_pymoo(prob)[1]
        times["pymoo NSGA-II"].append(time.perf_counter() - started)
        started = time.perf_counter()
        fronts["EMA Workbench ε-NSGA-II"] = with_ema(prob, args.evaluations, prob.scenario.seed)[1]
        times["EMA Workbench ε-NSGA-II"].append(time.perf_counter() - started)
    volume = hypervolume(fronts, prob.signs())
    base = statistics.median(times["pymoo NSGA-II"])
    print(f"{args.evaluations} policy evaluations, 30 states × 2 runs each, median of {args.repeat}:")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {name:<26} {median:6.1f} s  ({median / base:.2f}× pymoo's time)  hypervolume {volume[name]:.3f}")


if __name__ == "__main__":
    main()
