"""`alliance-sim forecast`: forecasts from several origins, scored against benchmarks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import UsageError, add_memory, add_replace, add_svg, calibrated, counts, figure_files, print_paths, say

WRITTEN = ("scores.parquet", "summary.csv", "skill.csv")


def add(sub) -> None:
    p = sub.add_parser("forecast", help="forecast from several origins and score against benchmarks",
                       description="Calibrate each history scenario on the years up to each origin, forecast every "
                                   "observed series 1 to 6 years ahead from its posterior predictive (with each "
                                   "series' own residual noise), and score every forecast that has data: CRPS, log "
                                   "score, coverage of the 50/80/90% intervals, PIT, direction of change, beside "
                                   "persistence, a random walk with drift and AR(1) fitted on the same years. "
                                   "Calibrations already in --out are continued, not repeated. Writes scores.parquet, "
                                   "summary.csv, skill.csv and forecast.png.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="history scenario YAML files (e.g. full and null)")
    p.add_argument("--origins", type=int, nargs="+", default=[2010, 2013, 2016, 2018],
                   help="last fitted years (default: 2010 2013 2016 2018; each at most 2018)")
    p.add_argument("--runs", type=int, default=200, help="runs of each posterior predictive (default 200)")
    p.add_argument("--workers", type=int, default=1, help="local processes evaluating particles (default 1)")
    p.add_argument("--out", help="folder (default: results/forecast)")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_replace(p, "the tables and figure of an earlier forecast there (its calibrations are continued either way)")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.results import check_files, claim, staged

    counts(args, "runs", "workers")
    models = calibrated(args.scenarios)
    bad = [o for o in args.origins if not 2007 <= o <= 2018]
    if bad:
        raise UsageError(f"--origins {' '.join(map(str, bad))}: allowed: 2007 to 2018 (later years are what is forecast)")
    if args.out:
        claim(args.out, reads=args.scenarios, holder=True)
    out = Path(args.out) if args.out else Path("results") / "forecast"
    check_files(out, [*WRITTEN, *figure_files("forecast", args)], args.replace)
    import pandas as pd  # the forecasting libraries take a while to import: after the checks

    from ..evidence import forecast
    from ..evidence.calibration import CalibrationError
    from ..outputs.figures import forecast_figure, save

    try:
        scores = forecast.run(models, out, sorted(set(args.origins)), args.runs, args.workers, say=lambda m: say(args, m))
    except CalibrationError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"\nalliance-sim forecast: interrupted; finished calibrations are kept in {out}: the same command "
              "continues", file=sys.stderr)
        return 130
    names = [s.name for s in models]
    table = forecast.summary(scores)
    skills = pd.DataFrame([forecast.skill(scores, model, bench, where) | {"subset": label}
                           for model in names for bench in forecast.BENCHMARKS
                           for label, where in (("all", None), ("with Moscow", forecast.with_moscow))])
    if not args.quiet:
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print("per forecaster (CRPS in typical year-to-year changes; coverage and direction hits as shares):")
            print(table.round(3).to_string())
            print("\nCRPS skill with a 95% bootstrap interval over series:")
            print(skills.round(3).to_string(index=False))
        print("\n" + "\n".join(forecast.verdict(table, skills)))
    figure = forecast_figure(scores, names, list(forecast.BENCHMARKS))
    with staged(out, args.replace) as partial:  # the tables and the figure appear together
        scores.to_parquet(partial / WRITTEN[0], index=False)
        table.to_csv(partial / WRITTEN[1])
        skills.to_csv(partial / WRITTEN[2], index=False)
        figures = save(figure, partial / "forecast", args.svg)
    return print_paths([out / name for name in WRITTEN] + [out / path.name for path in figures])
