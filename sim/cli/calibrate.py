"""`alliance-sim calibrate`: ABC-SMC of a scenario's `calibration:` priors against the observed data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import UsageError, add_memory, add_svg, print_paths, say


def add(sub) -> None:
    p = sub.add_parser("calibrate", help="calibrate a scenario's priors against the observed data (ABC-SMC)",
                       description="Approximate Bayesian computation (ABC-SMC with MCMC moves) of the values declared in "
                                   "the scenario's `calibration:` section, against the observed series up to its "
                                   "fit_end (at most 2018), or against the series of its `calibration.data` folder. "
                                   "Writes FOLDER/populations/ (every finished generation: --resume continues), "
                                   "posterior.parquet, generations.parquet, the fit beside two models without "
                                   "dynamics, and the posterior and the posterior predictive against every observed "
                                   "series, fit and hindcast windows marked.")
    p.add_argument("scenario", help="scenario YAML file with a `calibration:` section")
    p.add_argument("--out", help="calibration folder (default: results/NAME-calibration)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    p.add_argument("--workers", type=int, default=1,
                   help="local processes evaluating particles (default 1; the same numbers on any number)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="evaluate particles on this Dask cluster (tcp://host:8786)")
    p.add_argument("--runs", type=int, default=200, help="runs of the posterior predictive (default 200)")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..evidence import history
    from ..evidence.calibration import CalibrationError, calibrate
    from ..outputs.figures import history_figure, posterior_figure, save
    from ..outputs.posterior import describe, read_posterior
    from ..outputs.results import default_folder
    from ..scenario import load_scenario

    s = load_scenario(args.scenario)
    if s.calibration is None:
        raise UsageError(f"{args.scenario} has no `calibration:` section (priors, series, fit_end, population, "
                         "generations); see scenarios/history_2005_2024.yaml")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: allowed: 1 or more")
    out = Path(args.out) if args.out else default_folder(s, suffix="calibration")
    try:
        calibrate(s, out, args.resume, args.workers, args.scheduler, say=lambda m: say(args, m))
    except CalibrationError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"\nalliance-sim calibrate: interrupted; the finished generations are kept in {out / 'populations'}. "
              f"`alliance-sim calibrate {args.scenario} --out {out} --resume` continues.", file=sys.stderr)
        return 130
    posterior = read_posterior(out)
    found = history.run_history(s, args.runs, posterior, s.calibration.fit_end)
    found.points.to_parquet(out / "predictive.parquet", index=False)
    found.scores.to_parquet(out / "scores.parquet", index=False)
    if not args.quiet:
        fit = json.loads((out / "manifest.json").read_text())["fit"]
        with pd.option_context("display.width", 160):
            print(describe(posterior.table).round(3).to_string())
            print(f"\ndistance to the data of {s.calibration.series} up to {s.calibration.fit_end} "
                  "(1 = a typical year's change):")
            print(pd.Series(fit).round(3).to_string())
            print(f"\nposterior predictive, {args.runs} runs (RMSE; trade in log units):")
            print(history.summary(found).round(3).to_string())
    paths = save(posterior_figure(posterior.table, s), out / "posterior", args.svg)
    paths += save(history_figure(found.points, f"'{s.name}': posterior predictive against data", s.calibration.fit_end),
                  out / "predictive", args.svg)
    return print_paths(paths)
