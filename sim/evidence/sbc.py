"""Simulation-based calibration of the inference (Talts, Betancourt, Simpson, Vehtari & Gelman 2018).

Does the calibration find what it should, on data like the real? Each trial draws a parameter
set from the prior and makes a dataset as the real one is made: one history run at those values
(the world runs once), through the observation model fitted to the real data, with noise drawn
as the real data's residuals from the calibrated model are, series by series, with their
persistence (an AR(1) per series: `diagnostics.ObservationNoise`, fitted once from a calibration
of the real data and kept in the check's folder). It then calibrates on them with the scenario's
own settings. If the inference is calibrated, the rank of each true value among its posterior's
draws is uniform over trials, and a central interval of the posterior holds the truth as often
as its level says. Per parameter: the rank histogram, a χ² test of its uniformity over `BINS`
bins, and the coverage of the central 50% and 90% intervals.

Each trial depends on (seed, trial number) alone, and is kept as soon as it is done, so a
check gives the same numbers on any number of workers, and one interrupted continues.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..outputs.posterior import read_posterior
from ..outputs.results import DamagedResults, whole, write_table
from ..scenario import Scenario, shipped
from . import smc
from .calibration import CalibrationError, bounds, model_of, same_settings
from .diagnostics import ObservationNoise, observation_noise

BINS = 10
TRIALS = "trials"
NOISE = "observation_noise.csv"  # the synthetic data's noise, fitted once: every trial of a check uses the same


def trial_seed(s: Scenario, k: int) -> int:
    return int(np.random.SeedSequence([s.seed, 0x5BC, k]).generate_state(1, dtype=np.uint64)[0] >> 2)


def synthetic(s: Scenario, truth: np.ndarray, noise: ObservationNoise, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A dataset as the real one is made, at the values `truth`: one history run through the
    observation model, with the real residuals' noise."""
    model = model_of(s)
    one = model.statistics(truth[None], smc.seeds(rng, 1), replicates=1)
    return {kind: v[0] for kind, v in noise.data(model.target, one, rng).items()}


def trial(s: Scenario, k: int, noise: ObservationNoise) -> tuple[pd.DataFrame, float]:
    """One trial: a truth from the prior, its synthetic data, the calibration on them; per parameter
    the truth, its rank among the posterior's draws (ties broken at random) and whether the central
    50% and 90% intervals hold it, and how the calibration ended (generations, tolerance); and the
    seconds it took."""
    model = model_of(s)
    low, high = bounds(s, model.names)
    rng = np.random.default_rng(trial_seed(s, k))
    truth = low + (high - low) * rng.random(len(low))
    observed = synthetic(s, truth, noise, rng)
    c = s.calibration
    ended = []
    t0 = time.perf_counter()
    pop = smc.run(low, high, c.population, trial_seed(s, k), lambda v, z: model.distances(v, z, observed),
                  c.generations, c.tolerance, kept=lambda _, found, __: ended.append(found.tolerance))
    seconds = time.perf_counter() - t0
    draws = pop.values
    below = (draws < truth).sum(axis=0)
    ties = (draws == truth).sum(axis=0)
    q = np.quantile(draws, [0.05, 0.25, 0.75, 0.95], axis=0)
    return pd.DataFrame({"trial": k, "value": model.names, "truth": truth,
                         "rank": below + rng.integers(0, ties + 1), "draws": len(draws),
                         "in_50": (q[1] <= truth) & (truth <= q[2]), "in_90": (q[0] <= truth) & (truth <= q[3]),
                         "generations": len(ended) - 1, "tolerance": ended[-1]}), seconds


def _kept(folder: Path, k: int) -> Path:
    return Path(folder) / TRIALS / f"trial-{k:04d}.parquet"


def noise_of(s: Scenario, folder: Path, posterior: str | Path | None = None) -> ObservationNoise:
    """The check's noise: the one its folder keeps, else fitted from a calibration of `s` on the real
    data (`posterior`, else the scenario's own `posterior:`, else the shipped calibration of its name)
    and kept."""
    path = Path(folder) / NOISE
    if path.is_file():
        return ObservationNoise(pd.read_csv(path))
    source = posterior or s.posterior or _shipped(s.name)
    if source is None:
        raise CalibrationError(f"no calibration of '{s.name}' on the real data to draw the synthetic data's noise like; "
                               "allowed: --posterior FOLDER (a calibration folder of this scenario, e.g. the shipped "
                               "scenarios/posteriors/history_2005_2024), or a scenario that names its `posterior:`")
    try:
        table = read_posterior(source).table
    except (FileNotFoundError, DamagedResults) as exc:
        raise CalibrationError(str(exc)) from None
    model = model_of(s)
    missing = [name for name in model.names if name not in table]
    if missing:
        raise CalibrationError(f"{source} has no values {', '.join(missing)}; allowed: a calibration of '{s.name}'")
    noise = observation_noise(model, table, model.target.observed(), s.seed)
    with whole(path) as kept:
        noise.table.to_csv(kept, index=False)
    return noise


def _shipped(name: str) -> Path | None:
    """The shipped calibration of a scenario's name, if there is one."""
    try:
        folder = shipped(name).parent / "posteriors" / name
    except FileNotFoundError:
        return None
    return folder if (folder / "posterior.parquet").is_file() else None


def check(s: Scenario, folder: Path, trials: int, workers: int = 1, say=print,
          posterior: str | Path | None = None) -> pd.DataFrame:
    """Run the trials `folder` does not hold yet, here or in `workers` processes; returns every trial's
    rows. The synthetic data's noise is `noise_of`'s."""
    (Path(folder) / TRIALS).mkdir(parents=True, exist_ok=True)
    kept = sorted((Path(folder) / TRIALS).glob("trial-*.parquet"))
    if kept and not (Path(folder) / "settings.json").is_file():
        say(f"{len(kept)} trials were kept before their settings were recorded: taken as made with these")
    same_settings(folder, {"scenario_sha256": s.digest()}, "trials")
    noise = noise_of(s, folder, posterior)
    todo = [k for k in range(trials) if not _kept(folder, k).is_file()]
    say(f"simulation-based calibration of '{s.name}': {trials} trials ({trials - len(todo)} kept), each one history "
        f"with the real data's residual noise, calibrated with {s.calibration.population} particles over at most "
        f"{s.calibration.generations} generations")

    def keep(k: int, found: tuple[pd.DataFrame, float], done: int) -> None:
        rows, seconds = found
        write_table(rows, _kept(folder, k))
        say(f"trial {done}/{len(todo)} done: {int(rows['generations'].iloc[0])} generations, tolerance "
            f"{rows['tolerance'].iloc[0]:.3g}, {seconds:.0f} s")

    if workers <= 1:
        for n, k in enumerate(todo, 1):
            keep(k, trial(s, k, noise), n)
    else:
        from concurrent.futures import as_completed

        from ..batch.local import pool

        with pool(workers) as executor:
            futures = {executor.submit(trial, s, k, noise): k for k in todo}
            for n, future in enumerate(as_completed(futures), 1):
                keep(futures[future], future.result(), n)
    return pd.concat([pd.read_parquet(_kept(folder, k)) for k in range(trials)], ignore_index=True)


def summary(rows: pd.DataFrame, bins: int = BINS) -> pd.DataFrame:
    """Per parameter: trials, the χ² statistic and p-value of the ranks' uniformity over `bins`
    equal bins, and the coverage of the central 50% and 90% intervals."""
    found = []
    for name, g in rows.groupby("value", sort=False):
        counts = np.histogram(g["rank"] / (g["draws"] + 1), bins=bins, range=(0, 1))[0]
        chi2, p = stats.chisquare(counts)
        found.append({"value": name, "trials": len(g), "chi2": chi2, "p": p, "coverage_50": g["in_50"].mean(),
                      "coverage_90": g["in_90"].mean()})
    return pd.DataFrame(found).set_index("value")
