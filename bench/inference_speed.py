"""Benchmark: what one calibration and a whole simulation-based calibration cost, where a
calibration's time goes, and the amortised peer.

  (a) ABC-SMC, the project's sampler, on the shipped history (17 values, 10 runs a particle) at
      --population and --generations (the shipped settings: 1000 and 15): one calibration on one
      process, its time split by where it goes (the engine's kernel, its noise draws and inputs,
      the schedules, the summary statistics, the distance, the posterior's checks, and the rest:
      the sampler and Python); then --trials trials of the simulation-based calibration at once on
      two processes, as `alliance-sim calibrate --check N --workers 2` runs them, and the time that
      projects for 100 trials against the 2 hours sought.
  (b) NPE (sbi's neural posterior estimation), trained once on --training simulations of the prior
      predictive made as the check's datasets are (one history through the observation model, with
      the real residuals' noise), then asked for the posterior of --datasets datasets of the same
      kind (its simulation-based calibration: χ² p per value, coverage) and of the real data (beside
      the shipped ABC-SMC posterior: medians, identification and predictive distance); its check
      is also cut into blocks of 100 datasets, the size of the ABC-SMC's. sbi needs PyTorch,
      which the project does not depend on: --sbi-python names an interpreter that has both
      (bench/npe_peer.py runs in it); without it (b) is left out.

Prints each peer's times and their ratios. Do not run it at the shipped settings on a shared machine.

    python bench/inference_speed.py [--population 300] [--generations 4] [--trials 2]
                                    [--sbi-python PATH --training 100000 --datasets 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import engine, schedule
from sim.evidence import calibration, diagnostics, sbc
from sim.outputs.posterior import describe, read_posterior
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "history_2005_2024.yaml"
SHIPPED = ROOT / "scenarios" / "posteriors" / "history_2005_2024"
TARGET_HOURS = 2.0  # 100 calibrations at the shipped size, on this 2-core machine
# where a calibration's time goes: (owner, attribute) of each part, none inside another, timed by wrapping it
PARTS = {"engine kernel": (engine, "call"), "engine noise draws": (engine, "noise"), "engine inputs": (engine, "inputs"),
         "schedules": (schedule.Variation, "schedules"), "summary statistics": (calibration.Target, "statistics"),
         "distance": (calibration.Target, "distances"), "moves' ESS": (diagnostics, "moves_ess")}
AFTER = (calibration, "checks"), (calibration, "predictive_distance")  # the posterior's checks, after the generations


def timed_parts(run) -> tuple[float, dict[str, float]]:
    """The wall time of `run()`, the seconds spent in each of PARTS and, as "after", in AFTER."""
    spent = defaultdict(float)
    wrapped = [(label, owner, name, getattr(owner, name))
               for label, (owner, name) in [*PARTS.items(), *(("after", part) for part in AFTER)]]
    for label, owner, name, original in wrapped:
        def wrapper(*args, _original=original, _label=label, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - t0
        setattr(owner, name, wrapper)
    try:
        t0 = time.perf_counter()
        run()
        return time.perf_counter() - t0, dict(spent)
    finally:
        for _, owner, name, original in wrapped:
            setattr(owner, name, original)


def abc(s, trials: int) -> dict:
    """Peer (a): one calibration on one process, by parts; `trials` SBC trials on two processes."""
    with tempfile.TemporaryDirectory() as folder:
        wall, parts = timed_parts(lambda: calibration.calibrate(s, Path(folder) / "c", say=lambda m: None))
        found = calibration.generations(Path(folder) / "c")
    print(f"(a) ABC-SMC, one calibration on one process: {wall:.1f} s, {len(found) - 1} generations, "
          f"{int(found['simulations'].sum()):,} simulations of {s.calibration.replicates} runs")
    after = parts.pop("after", 0.0)
    sampler = wall - after
    inside = {label: seconds for label, seconds in parts.items()}  # the parts are timed in the checks too
    print(f"    the generations {sampler:.1f} s, the posterior's checks after them {after:.1f} s; by part, over the whole:")
    for label, seconds in [*inside.items(), ("the rest: the sampler and Python", wall - sum(inside.values()))]:
        print(f"    {label:34s} {seconds:7.1f} s {100 * seconds / wall:5.1f}%")
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        rows = sbc.check(s, Path(folder), trials, workers=2, say=lambda m: None, posterior=SHIPPED)
        pair = time.perf_counter() - t0
    per_trial = pair / trials
    print(f"    SBC: {trials} trials on 2 processes in {pair:.1f} s ({per_trial:.1f} s a trial; generations "
          f"{sorted(rows.groupby('trial')['generations'].first())}); 100 trials: {100 * per_trial / 3600:.2f} h "
          f"({100 * per_trial / 3600 / TARGET_HOURS:.2f}x the {TARGET_HOURS:.0f} h sought)")
    return {"one": wall, "trial": per_trial}


def features(target, observed: dict[str, np.ndarray]) -> np.ndarray:
    """A dataset as the network reads it: every series less its own mean (the pairs' offsets are the
    observation model's, as in the distance), kinds side by side: (m, points)."""
    parts = []
    for kind, p in target.points.items():
        x = np.atleast_2d(observed[kind])
        group = np.eye(len(target.pairs))[p.pair]
        parts.append(x - (x @ group / np.maximum(group.sum(axis=0), 1)) @ group.T)
    return np.concatenate(parts, axis=1)


def prior_predictive(s, noise, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """m parameter sets from the prior and a dataset of each, made as the SBC's are."""
    model = calibration.model_of(s)
    low, high = calibration.bounds(s, model.names)
    rng = np.random.default_rng(seed)
    theta = low + (high - low) * rng.random((m, len(low)))
    runs = model.statistics(theta, rng.integers(0, 2**62, size=m), replicates=1)
    return theta, features(model.target, noise.data(model.target, runs, rng))


def npe(s, python: str, training: int, datasets: int, abc_times: dict) -> None:
    """Peer (b), beside (a)."""
    model = calibration.model_of(s)
    low, high = calibration.bounds(s, model.names)
    shipped = read_posterior(SHIPPED).table
    noise = diagnostics.observation_noise(model, shipped, model.target.observed(), s.seed)
    t0 = time.perf_counter()
    theta, x = prior_predictive(s, noise, training, s.seed)
    simulated = time.perf_counter() - t0
    truth, tests = prior_predictive(s, noise, datasets, s.seed + 1)
    real = features(model.target, {k: v[None] for k, v in model.target.observed().items()})
    draws = 1000
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.npz", Path(folder) / "out.npz"
        np.savez(source, theta=theta, x=x, low=low, high=high, queries=np.concatenate([tests, real]), draws=draws, seed=s.seed,
                 threads=2)
        # run in the temporary folder: sbi writes its training logs where it runs
        subprocess.run([python, str(Path(__file__).with_name("npe_peer.py")), str(source), str(target)], check=True, cwd=folder)
        out = np.load(target)
        samples, epochs = out["samples"], int(out["epochs"])
        trained, sampled = float(out["train_seconds"]), float(out["sample_seconds"])
    each = sampled / len(samples)
    rows = pd.concat([pd.DataFrame({"trial": k, "value": model.names, "truth": truth[k],
                                    "rank": (samples[k] < truth[k]).sum(axis=0), "draws": draws,
                                    "in_50": (np.quantile(samples[k], 0.25, axis=0) <= truth[k])
                                    & (truth[k] <= np.quantile(samples[k], 0.75, axis=0)),
                                    "in_90": (np.quantile(samples[k], 0.05, axis=0) <= truth[k])
                                    & (truth[k] <= np.quantile(samples[k], 0.95, axis=0))}) for k in range(datasets)])
    found = sbc.summary(rows)
    table = pd.DataFrame(samples[-1], columns=model.names).assign(weight=1.0 / draws)
    observed = model.target.observed()
    print(f"(b) NPE: {training:,} prior-predictive histories simulated in {simulated:.1f} s, trained in {trained:.1f} s "
          f"({epochs} epochs); a posterior of {draws} draws in {1000 * each:.0f} ms")
    print(f"    SBC over {datasets:,} datasets: {int((found['p'] > 0.01).sum())} of {len(found)} values with χ² p > 0.01; "
          f"90% intervals hold the truth {found['coverage_90'].min():.0%}-{found['coverage_90'].max():.0%} of the time, "
          f"50%: {found['coverage_50'].min():.0%}-{found['coverage_50'].max():.0%}")
    print(found.round(3).to_string())
    # the ABC-SMC's check has 100 trials, where a χ² test sees less: the same test on blocks of 100 datasets
    blocks = [(sbc.summary(rows[rows["trial"] // 100 == b])["p"] > 0.01).sum() for b in range(datasets // 100)]
    if blocks:
        print(f"    on {len(blocks)} blocks of 100 datasets, as large as the ABC-SMC's check: values with χ² p > 0.01 "
              f"{min(blocks)}-{max(blocks)} of {len(found)} (median {np.median(blocks):g}); all pass in "
              f"{sum(b == len(found) for b in blocks)} of {len(blocks)} blocks")
    ours, theirs = (diagnostics.identification(t, low, high)[0]["ratio"] for t in (shipped, table))
    median = {label: describe(t)["median"].reindex(model.names).to_numpy() for label, t in (("ABC", shipped), ("NPE", table))}
    print("    on the real data, the posteriors' medians and s.d. over the prior's (ABC-SMC shipped, NPE):")
    print(pd.DataFrame({"median ABC-SMC": median["ABC"], "NPE": median["NPE"], "s.d. ratio ABC-SMC": ours,
                        "NPE ": theirs}, index=ours.index).round(3).to_string())
    distance = {label: calibration.predictive_distance(model, t, observed, s.seed)
                for label, t in (("ABC", shipped), ("NPE", table))}
    print(f"    predictive distance to the real data: ABC-SMC {distance['ABC']:.3f}, NPE {distance['NPE']:.3f}")
    setup = simulated + trained
    print(f"    ratios, ABC-SMC's time over NPE's: one posterior {abc_times['one'] / (setup + each):.2f}x (NPE's training "
          f"included), {abc_times['one'] / each:,.0f}x once trained; an SBC of {datasets:,} datasets "
          f"{datasets * abc_times['trial'] / (setup + datasets * each):,.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--trials", type=int, default=2)
    ap.add_argument("--sbi-python", help="an interpreter with sbi and torch, for peer (b)")
    ap.add_argument("--training", type=int, default=100000)
    ap.add_argument("--datasets", type=int, default=1000)
    args = ap.parse_args()
    s = with_overrides(load_scenario(SCENARIO), {"calibration.population": args.population,
                                                 "calibration.generations": args.generations})
    model = calibration.model_of(s)
    model.statistics(np.array([[sum(s.calibration.priors[n].uniform) / 2 for n in model.names]]), np.array([0]))  # warm
    print(f"'{s.name}': {len(model.names)} values; ABC-SMC at {args.population} particles, at most {args.generations} "
          f"generations, {s.calibration.replicates} runs a particle")
    times = abc(s, args.trials)
    if args.sbi_python:
        npe(s, args.sbi_python, args.training, args.datasets, times)
    else:
        print("(b) NPE left out: --sbi-python names an interpreter with sbi and torch")


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
