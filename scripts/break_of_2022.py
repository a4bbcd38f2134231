"""Why the history misses the break of 2022: each run's change from 2021 to 2023, under the shipped
posterior and under the priors alone (each run its own parameter set), and what sets it.

A diagnosis, not a fit: it reads the hindcast window and changes nothing (docs/calibration.md,
"The break of 2022"). The targets are the hindcast's: Korea-Russia trade intensity between -68%
and -30%, and both stances falling.

    .venv/bin/python scripts/break_of_2022.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.engine import run_seeds
from sim.evidence import history
from sim.outputs.posterior import read_posterior

SHIPPED = Path(__file__).resolve().parent.parent / "scenarios" / "posteriors" / "history_2005_2024"


def changes(h: history.History) -> pd.DataFrame:
    """Per run, 2021 to 2023: Korea-Russia cooperation (relative) and both stances (yearly means)."""
    runs = history.focal_runs(h)
    c = runs["cooperation"]
    return pd.DataFrame({"trade": c[:, 1] / c[:, 0] - 1,
                         **{name: runs[name][:, 1] - runs[name][:, 0] for name in ("seoul_to_moscow", "moscow_to_seoul")}})


def report(label: str, posterior, runs: int) -> None:
    h = history.run_history(runs=runs, posterior=posterior)
    found = changes(h)
    sets = posterior.table.iloc[posterior.draw(run_seeds(h.scenario.seed, runs))].reset_index(drop=True)
    trade = found["trade"].between(-0.68, -0.30)
    both = (found["seoul_to_moscow"] < 0) & (found["moscow_to_seoul"] < 0)
    print(f"{label}, {runs:,} runs: medians {found.median().round(3).to_dict()}")
    print(f"  trade within the target {trade.mean():.1%}, both stances fall {both.mean():.1%}, "
          f"all three {(trade & both).mean():.1%}")
    rho = pd.Series({n: stats.spearmanr(sets[n], found["seoul_to_moscow"])[0] for n in posterior.names})
    print("  Spearman ρ of each value with Seoul -> Moscow, the largest:")
    print(rho.reindex(rho.abs().sort_values(ascending=False).index)[:4].round(2).to_string())
    conservative = sets["autonomy_conservative"] > sets["autonomy_progressive"]
    for name, where in (("more", conservative), ("less", ~conservative)):
        print(f"  the conservative governments {name} autonomous than the progressive ({where.mean():.0%} of runs): "
              f"Seoul -> Moscow median {found.loc[where, 'seoul_to_moscow'].median():+.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    runs = ap.parse_args().runs
    posterior = read_posterior(SHIPPED)
    rng = np.random.default_rng(posterior.table.shape[0])
    prior = posterior.table.copy()
    for name, (low, high) in posterior.priors.items():
        prior[name] = low + (high - low) * rng.random(len(prior))
    prior["weight"] = 1.0 / len(prior)
    report("under the shipped posterior", posterior, runs)
    report("under the priors", dataclasses.replace(posterior, table=prior), runs)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
