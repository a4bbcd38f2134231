"""`alliance-sim report`: one self-contained HTML report of a results folder."""

from __future__ import annotations

import argparse

from .common import UsageError, load


def add(sub) -> None:
    p = sub.add_parser("report", help="one self-contained HTML report of a results folder",
                       description="Write an HTML report (figures embedded, opens offline): the scenario in plain "
                                   "words, the design, the map, trajectories, paths, sensitivity and discovery "
                                   "where available, and provenance.")
    p.add_argument("results", help="results folder")
    p.add_argument("--out", help="file to write (default: RESULTS/report.html)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..report import build

    res = load(args.results)
    try:
        print(build(res, args.out))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return 0
