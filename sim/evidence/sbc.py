"""Simulation-based calibration of the inference (Talts, Betancourt, Simpson, Vehtari & Gelman 2018).

Does the calibration find what it should? Each trial draws a parameter set from the prior,
simulates the summary statistics the calibration would see as data (one particle's seeded
replicates at those values), and calibrates on them with the scenario's own settings. If
the inference is calibrated, the rank of each true value among its posterior's draws is
uniform over trials, and a central interval of the posterior holds the truth as often as
its level says. Per parameter: the rank histogram, a χ² test of its uniformity over `BINS`
bins, and the coverage of the central 50% and 90% intervals.

Each trial depends on (seed, trial number) alone, and is kept as soon as it is done, so a
check gives the same numbers on any number of workers, and one interrupted continues.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..outputs.results import write_table
from ..scenario import Scenario
from . import smc
from .calibration import bounds, model_of

BINS = 10
TRIALS = "trials"


def trial_seed(s: Scenario, k: int) -> int:
    return int(np.random.SeedSequence([s.seed, 0x5BC, k]).generate_state(1, dtype=np.uint64)[0] >> 2)


def trial(s: Scenario, k: int) -> pd.DataFrame:
    """One trial: a truth from the prior, its synthetic data, the calibration on them; per parameter
    the truth, its rank among the posterior's draws (ties broken at random) and whether the central
    50% and 90% intervals hold it."""
    model = model_of(s)
    low, high = bounds(s, model.names)
    rng = np.random.default_rng(trial_seed(s, k))
    truth = low + (high - low) * rng.random(len(low))
    observed = {kind: v[0] for kind, v in model.statistics(truth[None], smc.seeds(rng, 1)).items()}
    c = s.calibration
    pop = smc.run(low, high, c.population, trial_seed(s, k), lambda v, z: model.distances(v, z, observed),
                  c.generations, c.tolerance)
    draws = pop.values
    below = (draws < truth).sum(axis=0)
    ties = (draws == truth).sum(axis=0)
    q = np.quantile(draws, [0.05, 0.25, 0.75, 0.95], axis=0)
    return pd.DataFrame({"trial": k, "value": model.names, "truth": truth,
                         "rank": below + rng.integers(0, ties + 1), "draws": len(draws),
                         "in_50": (q[1] <= truth) & (truth <= q[2]), "in_90": (q[0] <= truth) & (truth <= q[3])})


def _kept(folder: Path, k: int) -> Path:
    return Path(folder) / TRIALS / f"trial-{k:04d}.parquet"


def check(s: Scenario, folder: Path, trials: int, workers: int = 1, say=print) -> pd.DataFrame:
    """Run the trials `folder` does not hold yet, here or in `workers` processes; returns every trial's rows."""
    (Path(folder) / TRIALS).mkdir(parents=True, exist_ok=True)
    todo = [k for k in range(trials) if not _kept(folder, k).is_file()]
    say(f"simulation-based calibration of '{s.name}': {trials} trials ({trials - len(todo)} kept), each a calibration "
        f"of {s.calibration.population} particles over {s.calibration.generations} generations")

    def keep(k: int, rows: pd.DataFrame, done: int) -> None:
        write_table(rows, _kept(folder, k))
        say(f"trial {done}/{len(todo)} done")

    if workers <= 1:
        for n, k in enumerate(todo, 1):
            keep(k, trial(s, k), n)
    else:
        from concurrent.futures import as_completed

        from ..batch.local import pool

        with pool(workers) as executor:
            futures = {executor.submit(trial, s, k): k for k in todo}
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
