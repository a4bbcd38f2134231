"""`alliance-sim history`: the 2005-2024 history run against the observed data, fit and hindcast scored."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import (
    UsageError,
    add_memory,
    add_posterior,
    add_replace,
    add_set,
    add_svg,
    checked,
    figure_files,
    posterior_of,
    posterior_option,
    print_paths,
    say,
)

TABLES = ("points.parquet", "scores.parquet", "references.csv", "record.csv")
SERIES = ("unga_agreement.csv", "trade.csv", "total_trade.csv", "world_trade.csv")  # what --write-data writes


def add(sub) -> None:
    p = sub.add_parser("history", help="run the 2005-2024 history and score it against the observed data",
                       description="Run a history scenario (default: the shipped history_2005_2024) and hold it "
                                   "to the observed series in data/ (UN voting agreement and ideal points, trade "
                                   "intensity) through "
                                   "the observation model, fitted on the years up to 2018. Prints the fit (up to "
                                   "2018) and the hindcast score (2019-2024) of every series beside persistence's, "
                                   "and draws model against data.")
    p.add_argument("scenario", nargs="?", help="history scenario YAML file (default: the shipped history_2005_2024)")
    p.add_argument("--runs", type=int, help="seeded runs (default: the scenario's replicates)")
    add_posterior(p)
    add_set(p)
    p.add_argument("--out", help="folder for the tables and figures (default: results/history)")
    p.add_argument("--write-data", metavar="FOLDER",
                   help="also write the model's median series as observed data in the documented format "
                        "(voting agreement and trade; data/README.md): a synthetic truth that a scenario's "
                        "`calibration.data: FOLDER` fits")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_replace(p, "the tables and figures (and --write-data files) of an earlier history there")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..evidence import data, history
    from ..outputs.figures import history_figure, save
    from ..outputs.results import check_files, claim, parameters_note, parameters_used, staged
    from ..scenario import load_scenario, shipped, with_overrides
    from .common import overrides

    if args.runs is not None and args.runs < 1:
        raise UsageError(f"--runs {args.runs}: allowed: 1 or more (default: the scenario's replicates)")
    s = load_scenario(args.scenario or shipped(history.DEFAULT))
    s = with_overrides(s, overrides(args.set), source=f"{args.scenario or s.name} (command-line options)")
    out = Path(args.out) if args.out else Path("results") / "history"
    given = s.calibration.data if s.calibration is not None else None  # observed series of its own
    reads = [path for path in (args.scenario, args.posterior, s.posterior, given, data.folder()) if path]
    for option, folder in (("--out", args.out), ("--write-data", args.write_data)):
        if folder:
            claim(folder, reads=reads, option=option, holder=True)
    check_files(out, [*TABLES, *figure_files("history", args)], args.replace)
    if args.write_data:
        check_files(Path(args.write_data), SERIES, args.replace)
    say(args, f"history '{s.name}': {args.runs or s.replicates} runs from {s.start}, {len(s.events)} events")
    chosen = posterior_of(args, s)
    posterior = posterior_option(chosen) if chosen else None
    say(args, f"parameters: {parameters_used(chosen, posterior and len(posterior.table))}")
    found = history.run_history(checked(s, {}, posterior, source=str(args.scenario)), args.runs,
                                say=lambda m: say(args, m))
    bar = history.bar(found, posterior)
    record = history.confusion(found)
    if not args.quiet:
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(found.scores.round(3).to_string(index=False))
            print("\nmean over series (RMSE; trade in log units):")
            print(history.summary(found).round(3).to_string())
            print("\nthe model beside predictors without mechanisms, on the calibration's distance (typical "
                  f"year-to-year changes), fitted to {history.data.FIT_END} and scored after it:")
            print(bar.round(3).to_string())
            p = s.partnership
            print(f"\nthe record of declared relationships (data/relationships.csv) against the model's pair-years: the "
                  f"share of runs that classify a pair-year as a partnership (both stances >= {p.threshold:g}, "
                  f"cooperation >= {p.cooperation:g}):")
            print(record.round(2).to_string(index=False))
        changes = history.focal_changes(found)
        print("\nchanges 2021 -> 2023 (model median): " + ", ".join(f"{k} {v:+.2f}" for k, v in changes.items()))
        print("\n" + "\n".join(history.verdict(found.scores)))
    say(args, "drawing the model against the data")
    used = parameters_note({"posterior": chosen, "posterior_sets": len(posterior.table)} if posterior else {})
    figure = history_figure(found.points, f"'{s.name}': model against data\n{used}")
    with staged(out, args.replace) as partial:  # the tables and the figure appear together
        found.points.to_parquet(partial / TABLES[0], index=False)
        found.scores.to_parquet(partial / TABLES[1], index=False)
        bar.to_csv(partial / TABLES[2])
        record.to_csv(partial / TABLES[3], index=False)
        paths = [out / name for name in TABLES] + [out / path.name for path in save(figure, partial / "history", args.svg)]
    if args.write_data:
        from ..evidence.observe import write_series

        with staged(Path(args.write_data), args.replace) as partial:
            paths += [Path(args.write_data) / path.name for path in
                      write_series(found.points, partial, f"synthetic: alliance-sim history {s.name} (model median)")]
    return print_paths(paths)
