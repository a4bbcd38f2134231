"""`alliance-sim validate`: check scenario files and say what is wrong, or that they are valid."""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_BAD_INPUT

LARGE = 10_000_000  # runs: beyond this, say how long the design would take


def add(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files and say what is wrong, or that they are valid",
                       description="Check scenario files: print each problem with file, line and field, "
                                   "or a one-line summary of a valid scenario.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..batch.plan import batch_runs, expected_seconds, held
    from ..budget import BudgetError, check
    from ..scenario import ScenarioError, load_scenario

    status = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            print(exc.report(), file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        runs = batch_runs(s) if s.sweep else s.replicates  # counted: a design is not built to be counted
        sweep = (f"; sweep: {s.sweep.design} over {', '.join(s.sweep.factors)}, {s.sweep.replicates} replicates a point"
                 if s.sweep else f", {s.replicates} replicates")
        events = f"{len(s.events)} event{'' if len(s.events) == 1 else 's'}"
        print(f"{path}: valid — '{s.name}', {len(s.actors)} actors ({', '.join(s.names)}), "
              f"{s.steps} quarters from {s.start}, {events}{sweep}; {runs:,} run{'' if runs == 1 else 's'}")
        unusable = posterior_warning(path, s)
        if unusable:
            print(unusable, file=sys.stderr)
        if runs > LARGE:
            hours = expected_seconds(runs, s.steps) / 3600
            print(f"{path}: warning: {runs:,} runs would take about {hours:,.1f} hours on one worker at the measured "
                  f"speed ({hours / (os.cpu_count() or 1):,.1f} on this machine's {os.cpu_count()} cores)", file=sys.stderr)
        if s.sweep:
            try:
                check(held(s), "its batch", "give the sweep fewer design points or replicates")
            except BudgetError as exc:
                print(f"{path}: warning: sweep: `alliance-sim batch` would refuse it here: {exc}", file=sys.stderr)
    return status


def posterior_warning(path: str, s) -> str | None:
    """A warning, naming the file and line that name it, if the posterior a scenario names cannot be
    drawn from (every command draws each run's parameters from it unless given --file-values)."""
    from ..outputs.posterior import read_posterior
    from ..outputs.results import DamagedResults
    from ..scenario.loading import copy_hint, where_set

    if s.posterior is None:
        return None
    try:
        read_posterior(s.posterior).columns(s)
    except (FileNotFoundError, DamagedResults, ValueError) as exc:
        source, line = where_set(path, "posterior")
        hint = copy_hint(source, s.name if source == str(path) else None)
        return (f"{source}{f':{line}' if line else ''}: warning: posterior: {exc}; every command but those given "
                f"--file-values would refuse it; {hint}")
    return None
