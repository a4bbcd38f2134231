"""`alliance-sim forecast`: forecasts that could have been made at each origin, scored against benchmarks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import UsageError, add_memory, add_replace, add_svg, calibrated, counts, figure_files, print_paths, say

WRITTEN = ("scores.parquet", "forecasts.parquet", "summary.csv", "skill.csv", "report.md")

FIRST, LAST = 2007, 2023  # an origin needs three fitted years (from 2005) and a year after it with data


def add(sub) -> None:
    p = sub.add_parser("forecast", help="forecast from past origins with only what was known then, and score",
                       description="From each origin year, forecast every observed series 1 to 6 years ahead with only "
                                   "what was known at the end of that year: the scenario cut there (later events "
                                   "dropped, conditions held), the calibration fitted on the years up to it (each "
                                   "origin's from the previous origin's posterior), and the state at the origin "
                                   "filtered from the observations (a particle filter through the observation model). "
                                   "A second forecaster, NAME (conditional), is given the drivers as they happened; "
                                   "it is scored apart. Beside them persistence, a random walk with drift and AR(1) "
                                   "fitted on the same years. Scores: CRPS skill with block-bootstrap intervals by "
                                   "series x target year and by origin, coverage of the 50/80/90%% intervals, the "
                                   "PIT's chi-square test, the origin's value inside the one-year 50%% interval; per "
                                   "origin, kind, horizon and pooled. An origin already in --out is read back, not "
                                   "repeated. Writes scores.parquet, forecasts.parquet, summary.csv, skill.csv, "
                                   "report.md and forecast.png.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="history scenario YAML files (e.g. full and null)")
    p.add_argument("--origins", type=int, nargs="+", default=list(range(2008, 2021)),
                   help=f"origin years (default: every year 2008-2020; each {FIRST} to {LAST})")
    p.add_argument("--population", type=int, default=500, help="particles of each origin's calibration (default 500)")
    p.add_argument("--generations", type=int,
                   help="generations of the first origin's calibration, from the prior (default: the scenario's)")
    p.add_argument("--warm", type=int, default=2,
                   help="generations of each later origin's calibration, from the previous origin's posterior (default 2)")
    p.add_argument("--sets", type=int, default=200, help="posterior parameter sets in the filter (default 200)")
    p.add_argument("--particles", type=int, default=20, help="filter particles per parameter set (default 20)")
    p.add_argument("--workers", type=int, default=2,
                   help="local processes: the models' origins side by side, or one model's calibrations (default 2)")
    p.add_argument("--out", help="folder (default: results/forecast)")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_replace(p, "the tables and figure of an earlier forecast there (its calibrations are continued either way)")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.results import check_files, claim, staged

    counts(args, "population", "warm", "sets", "particles", "workers")
    models = calibrated(args.scenarios)
    bad = [o for o in args.origins if not FIRST <= o <= LAST]
    if bad:
        raise UsageError(f"--origins {' '.join(map(str, bad))}: allowed: {FIRST} to {LAST} (an origin needs three fitted "
                         "years before it and data after it)")
    if args.population < 10:
        raise UsageError(f"--population {args.population}: allowed: at least 10")
    if args.out:
        claim(args.out, reads=args.scenarios, holder=True)
    out = Path(args.out) if args.out else Path("results") / "forecast"
    check_files(out, [*WRITTEN, *figure_files("forecast", args)], args.replace)
    import pandas as pd  # the forecasting libraries take a while to import: after the checks

    from ..evidence import forecast
    from ..evidence.calibration import CalibrationError
    from ..outputs.figures import forecast_figure, save

    settings = forecast.Settings(args.population, args.generations, args.warm, args.sets, args.particles)
    try:
        scores, tables = forecast.run(models, out, args.origins, settings, args.workers, say=lambda m: say(args, m),
                                      quiet=args.quiet)
    except CalibrationError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"\nalliance-sim forecast: interrupted; finished origins are kept in {out}: the same command "
              "continues", file=sys.stderr)
        return 130
    names = [n for s in models for n in (s.name, s.name + forecast.CONDITIONAL)]
    say(args, "scoring: skill, coverage and PIT per origin, kind, horizon and pooled, with block-bootstrap intervals")
    table, skills = forecast.summary(scores, tables), forecast.skills(scores, names)
    command = (f"`alliance-sim forecast {' '.join(args.scenarios)} --origins {' '.join(map(str, sorted(set(args.origins))))} "
               f"--population {args.population} --warm {args.warm} --sets {args.sets} --particles {args.particles}"
               + (f" --generations {args.generations}" if args.generations else "") + "`")
    pooled = table[table["subset"] == "all"].set_index("forecaster")
    if not args.quiet:
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print("per forecaster, all forecasts (CRPS in typical year-to-year changes; coverage as shares; the "
                  "80% interval's block-bootstrap bounds; PIT chi-square p; origin's value in the 1-year 50% interval):")
            print(pooled.drop(columns="subset").round(3).to_string())
            print("\nCRPS skill, all forecasts and 1-3 years ahead (95% intervals by series x year, and by origin):")
            shown = skills[skills["subset"].isin(["all", "1-3 years ahead"])]
            print(shown.round(3).to_string(index=False))
        print("\n" + "\n".join(forecast.verdict(pooled, skills)))
    figure = forecast_figure(scores, skills, [s.name for s in models], list(forecast.BENCHMARKS))
    with staged(out, args.replace) as partial:  # the tables and the figure appear together
        scores.to_parquet(partial / WRITTEN[0], index=False)
        tables.to_parquet(partial / WRITTEN[1], index=False)
        table.to_csv(partial / WRITTEN[2], index=False)
        skills.to_csv(partial / WRITTEN[3], index=False)
        (partial / WRITTEN[4]).write_text(forecast.report(table, skills, command, tables), encoding="utf-8")
        figures = save(figure, partial / "forecast", args.svg)
    return print_paths([out / name for name in WRITTEN] + [out / path.name for path in figures])
