"""`alliance-sim calibrate`: ABC-SMC of a scenario's `calibration:` priors against the observed data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import UsageError, add_memory, add_set, add_svg, calibrated, overrides, print_paths, say


def add(sub) -> None:
    p = sub.add_parser("calibrate", help="calibrate a scenario's priors against the observed data (ABC-SMC)",
                       description="Approximate Bayesian computation (ABC-SMC with MCMC moves) of the values declared in "
                                   "the scenario's `calibration:` section, against the observed series up to its "
                                   "fit_end (the shipped history: 2018), or against the series of its `calibration.data` folder. "
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
    p.add_argument("--check", type=int, metavar="N",
                   help="instead, check the inference by simulation-based calibration: N synthetic datasets, each "
                        "one history at values drawn from the prior with the real data's residual noise (fitted from "
                        "--posterior), each calibrated with the scenario's settings (smaller ones by --set "
                        "calibration.population=..., calibration.generations=...); writes FOLDER/sbc.parquet, "
                        "the ranks' histograms and coverage (default folder: results/NAME-sbc; kept trials are "
                        "not run again)")
    p.add_argument("--posterior", metavar="FOLDER",
                   help="with --check: a calibration of the scenario on the real data, whose residuals the synthetic "
                        "data's noise is drawn like (default: the scenario's own `posterior:`, else the shipped "
                        "calibration of its name)")
    add_set(p)
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from .. import budget
    from ..evidence import history
    from ..evidence.calibration import CalibrationError, calibrate, share_memory
    from ..outputs.figures import history_figure, posterior_figure, save
    from ..outputs.posterior import describe, read_posterior
    from ..outputs.results import claim, default_folder, write_table
    from ..scenario import with_overrides

    s = with_overrides(calibrated([args.scenario])[0], overrides(args.set), source=f"{args.scenario} (command-line options)")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: allowed: 1 or more")
    if not args.scheduler:  # local processes: as many as the memory budget holds
        args.workers = budget.workers(args.workers, share_memory(s), say=lambda m: say(args, m))
    if args.check is not None:
        return check(args, s)
    if args.out:
        claim(args.out, reads=[args.scenario])
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
    say(args, f"posterior predictive: {args.runs} runs, each with a parameter set drawn from the posterior")
    found = history.run_history(s, args.runs, posterior, s.calibration.fit_end, say=lambda m: say(args, m))
    write_table(found.points, out / "predictive.parquet")
    write_table(found.scores, out / "scores.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    if not args.quiet:
        fit = manifest["fit"]
        with pd.option_context("display.width", 160):
            print(describe(posterior.table).round(3).to_string())
            print(f"\ndistance to the data of {s.calibration.series} up to {s.calibration.fit_end} "
                  "(1 = a typical year's change):")
            print(pd.Series(fit).round(3).to_string())
            print(f"\nposterior predictive, {args.runs} runs (RMSE; trade in log units):")
            print(history.summary(found).round(3).to_string())
            print("\n" + "\n".join(diagnosis(manifest)))
    identified = manifest["identification"]["values"]
    paths = save(posterior_figure(posterior.table, s, {k: v["ratio"] for k, v in identified.items()}), out / "posterior",
                 args.svg)
    paths += save(history_figure(found.points, f"'{s.name}': posterior predictive against data", s.calibration.fit_end),
                  out / "predictive", args.svg)
    return print_paths(paths)


def diagnosis(manifest: dict) -> list[str]:
    """What the manifest of a calibration says of its posterior: how it mixed, what the data identify,
    and the posterior predictive check."""
    import pandas as pd

    from ..evidence import diagnostics

    m = manifest["mixing"]
    ess = pd.Series(m["moves_ess"], dtype=float)
    lines = [f"the posterior's {manifest['particles']:,} particles: {m['distinct_particles']:,} distinct, descended from "
             f"{m['lineages']:,} of the prior sample's; the most copied one {m['largest_copies']} times; ESS of the last "
             "moves " + (f"{ess.min():,.0f} ({ess.idxmin()}) to {ess.max():,.0f}" if ess.notna().any() else "-"),
             f"the last tolerance fall {m['last_tolerance_fall'] or float('nan'):.3g} against the distance's own s.d. "
             f"{m['distance_sd'] or float('nan'):.3g}: " + ("the tolerance reached the noise (the generations stopped there)"
                                                           if m["settled"] else "the tolerance was still above the noise")]
    values = pd.DataFrame.from_dict(manifest["identification"]["values"], orient="index")
    directions = pd.DataFrame(manifest["identification"]["directions"])
    return lines + diagnostics.identification_lines(values, directions) + diagnostics.predictive_lines(
        manifest["predictive_check"])


def check(args: argparse.Namespace, s) -> int:
    """`--check N`: simulation-based calibration of the inference."""
    import pandas as pd

    from ..evidence import sbc
    from ..evidence.calibration import CalibrationError
    from ..outputs.figures import save, sbc_figure
    from ..outputs.results import default_folder, write_table

    if args.check < 2:
        raise UsageError(f"--check {args.check}: allowed: 2 trials or more (200 give a clear histogram)")
    out = Path(args.out) if args.out else default_folder(s, suffix="sbc")
    try:
        rows = sbc.check(s, out, args.check, args.workers, say=lambda m: say(args, m), posterior=args.posterior)
    except CalibrationError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"\nalliance-sim calibrate: interrupted; the finished trials are kept in {out}; the same command "
              "continues", file=sys.stderr)
        return 130
    found = sbc.summary(rows)
    write_table(rows, out / "sbc.parquet")
    found.to_csv(out / "sbc_summary.csv")
    if not args.quiet:
        with pd.option_context("display.width", 160):
            print(found.round(3).to_string())
            passing = int((found["p"] >= 0.01).sum())
            print(f"\n{passing} of {len(found)} values pass the uniformity test at 1%; coverage of the 50% intervals "
                  f"{found['coverage_50'].mean():.0%}, of the 90% intervals {found['coverage_90'].mean():.0%} (mean)")
            ended = rows.groupby("trial")[["generations", "tolerance"]].first().median()
            print(f"the trials' calibrations ended after a median {ended['generations']:.0f} generations, at tolerance "
                  f"{ended['tolerance']:.3g}")
    return print_paths([out / "sbc.parquet", out / "sbc_summary.csv",
                        *save(sbc_figure(rows, found, s), out / "sbc", args.svg)])

