"""`alliance-sim run`: a scenario's seeded replicates, written as a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_engine, add_memory, add_posterior, add_set, resolved, say, say_parameters


def add(sub) -> None:
    p = sub.add_parser("run", help="run a scenario's seeded replicates and write a results folder",
                       description="Run a scenario's seeded replicates and write a results folder "
                                   "(scenario.yaml, manifest.json, runs/trajectories/outcomes.parquet).")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--replicates", type=int, help="number of seeded runs (default: the scenario's)")
    p.add_argument("--seed", type=int, help="master seed (default: the scenario's)")
    p.add_argument("--steps", type=int, help="quarters to simulate (default: the scenario's)")
    add_set(p)
    add_engine(p)
    add_posterior(p)
    p.add_argument("--out", help="results folder (default: results/NAME-TIMESTAMP)")
    p.add_argument("--replace", action="store_true", help="replace --out if it exists")
    p.add_argument("--quiet", action="store_true", help="print only the results folder")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..batch.replicates import run
    from ..core.outcomes import focal_outcomes, share_of, summary_text
    from ..outputs.results import check_out, claim, default_folder

    runs = resolved(args)
    say_parameters(args, runs)  # first: which parameters the numbers below come from
    s, posterior = runs.scenario, runs.posterior
    if args.out:
        claim(args.out, reads=[args.scenario, *([posterior.source] if posterior is not None else [])])
    out = Path(args.out) if args.out else default_folder(s)
    if what := check_out(out, args.replace):
        say(args, f"replacing {what}")
    if s.sweep is not None:
        say(args, f"'{s.name}' has a `sweep:` section: `run` leaves it aside and runs the scenario's own values "
                  f"{s.replicates} times; `alliance-sim batch` runs the sweep")
    drawn = f", parameters drawn from {posterior.source}" if posterior is not None else ""
    say(args, f"running '{s.name}': {s.replicates} replicates × {s.steps} quarters ({args.engine} engine{drawn})")
    folder, found = run(runs, out, args.engine, args.replace)
    a, b = s.partnership.pair
    say(args, f"{a}–{b} partnership reached in {summary_text(share_of(focal_outcomes(found['outcomes'], s)))}")
    print(folder)
    return 0
