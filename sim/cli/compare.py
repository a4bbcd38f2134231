"""`alliance-sim compare`: what changed between runs and batch design points."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_replace, add_svg, figure_files, load, print_paths
from .plot import add_events


def add(sub) -> None:
    p = sub.add_parser("compare", help="compare results folders (runs, or design points of batches) side by side",
                       description="Compare two or more results folders; for a batch, one design point: --point, or "
                                   "the point nearest the --where values (default: nearest its base scenario). Prints "
                                   "and writes (compare.csv) the partnership share with its 95% interval, the median "
                                   "first quarter and the median final stances of each, with the difference to the "
                                   "first, and the settings that differ between them (settings.csv: from each "
                                   "folder's scenario.yaml and manifest); draws the focal actor's stances and the "
                                   "pair's cooperation of all of them overlaid, the partnership share over time and "
                                   "each scenario's events (compare.png).")
    p.add_argument("results", nargs="+", metavar="RESULTS", help="results folders; the first is the reference")
    p.add_argument("--point", type=int, help="batches: the design point to compare")
    p.add_argument("--where", action="append", metavar="FACTOR=VALUE",
                   help="batches: the point nearest these factor values (repeatable)")
    p.add_argument("--label", action="append", metavar="NAME",
                   help="a name for each results folder, in their order (repeatable; default: the scenario's name, "
                        "hand-set or posterior, and the point)")
    p.add_argument("--out", help="folder for compare.csv, settings.csv and compare.png (default: results/compare)")
    add_replace(p, "compare.csv, settings.csv and the figure of an earlier comparison there")
    add_events(p)
    add_svg(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..analysis import compare
    from ..outputs.figures import compare_figure, save
    from ..outputs.results import check_files, claim, staged
    from .plot import chosen_point

    if len(args.results) < 2:
        raise UsageError("compare needs two or more results folders")
    labels = args.label or [None] * len(args.results)
    if len(labels) != len(args.results):
        raise UsageError(f"--label given {len(labels)} times for {len(args.results)} results folders; allowed: one each")
    if args.out:
        claim(args.out, reads=args.results, holder=True)
    out = Path(args.out) if args.out else Path("results") / "compare"
    check_files(out, ["compare.csv", "settings.csv", *figure_files("compare", args)], args.replace)
    items = []
    for folder, label in zip(args.results, labels):
        res = load(folder)
        items.append(compare.item(res, chosen_point(res, args) if res.summary is not None else None, label))
    found, settings = compare.table(items), compare.differences(items)
    shown = found.drop(columns=["share", "share_low", "share_high"])
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 70):
        print(shown.round(3).to_string(index=False))
        print("\nSettings that differ:" if len(settings) else "\nNo setting differs between them.")
        if len(settings):
            print(settings.to_string())
    with staged(out, args.replace) as partial:  # the tables and the figure appear together
        found.round(4).to_csv(partial / "compare.csv", index=False)
        settings.to_csv(partial / "settings.csv")
        figures = save(compare_figure(items, settings=settings, events=args.events), partial / "compare", args.svg)
    return print_paths([out / "compare.csv", out / "settings.csv", *(out / path.name for path in figures)])
