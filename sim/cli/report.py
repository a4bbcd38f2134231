"""`alliance-sim report`: one self-contained HTML report of a results folder."""

from __future__ import annotations

import argparse

from .common import UsageError, load, print_paths, say


def add(sub) -> None:
    p = sub.add_parser("report", help="one self-contained HTML report of a results folder",
                       description="Write an HTML report (figures embedded, opens offline): the scenario in plain "
                                   "words, the design, the map, trajectories, paths, sensitivity and discovery "
                                   "where available, and provenance. Of a decision folder (alliance-sim decide): "
                                   "its verdict, policies, regret, failures and value of information, again.")
    p.add_argument("results", nargs="+", metavar="RESULTS",
                   help="results folder; with more than one, the report of the first gains a comparison with the "
                        "others (a batch by its point nearest its base scenario)")
    p.add_argument("--out", help="file to write, ending in .html (default: RESULTS/report.html, of the first)")
    p.add_argument("--replace", action="store_true",
                   help="replace the report there (at --out: only a report alliance-sim wrote)")
    p.add_argument("--quiet", action="store_true", help="print only the file written")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..outputs.results import check_file, claim
    from ..report import PAGE, build, decision_report, own_report

    if len(args.results) == 1 and (Path(args.results[0]) / "policies.parquet").is_file():
        if args.out:
            raise UsageError("--out: a decision folder's report is written inside it (report.html, plots/)")
        return print_paths(decision_report(Path(args.results[0]), replace=args.replace))
    if args.out:
        claim(args.out, reads=args.results)
        check_file(Path(args.out), PAGE, args.replace, own_report)  # before the folders are read and the figures drawn
    res, *others = [load(folder) for folder in args.results]
    try:
        print(build(res, args.out, others, say=lambda m: say(args, m), replace=args.replace))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return 0
