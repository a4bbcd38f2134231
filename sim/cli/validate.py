"""`alliance-sim validate`: check scenario files and say what is wrong, or that they are valid."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_BAD_INPUT


def add(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files and say what is wrong, or that they are valid",
                       description="Check scenario files: print each problem with file, line and field, "
                                   "or a one-line summary of a valid scenario.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..scenario import ScenarioError, load_scenario

    status = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            print(exc.report(), file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        sweep = (f"; sweep: {s.sweep.design} over {', '.join(s.sweep.factors)}, {s.sweep.replicates} replicates a point"
                 if s.sweep else f", {s.replicates} replicates")
        print(f"{path}: valid — '{s.name}', {len(s.actors)} actors ({', '.join(s.names)}), "
              f"{s.steps} quarters from {s.start}, {len(s.events)} events{sweep}")
    return status
