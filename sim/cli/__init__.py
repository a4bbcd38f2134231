"""The `alliance-sim` command (also `python -m sim`): one module per subcommand, each parsing
its options and calling the library."""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..extras import MissingExtra
from . import (app, batch, calibrate, compare, discover, export, history, landscape, plot, report, run, select,
               sensitivity, validate)
from .common import EXIT_BAD_INPUT, UsageError

SUBCOMMANDS = (run, batch, plot, compare, sensitivity, discover, report, export, landscape, history, calibrate, select,
               app, validate)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="alliance-sim",
        description="Scenario simulator of alliance dynamics in Northeast Asia.",
        epilog="Exit status: 0 success, 2 bad input (scenario or options), 130 interrupted.",
    )
    top.add_argument("--version", action="version", version=f"alliance-sim {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in SUBCOMMANDS:
        command.add(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # the command writes figures to files; it needs no display
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, FileExistsError, MissingExtra) as exc:
        print(f"alliance-sim {args.command}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"alliance-sim {args.command}: interrupted; no results folder was written", file=sys.stderr)
        return 130
    except Exception as exc:
        from ..scenario import ScenarioError

        if not isinstance(exc, ScenarioError):
            raise
        print(exc.report(), file=sys.stderr)
    return EXIT_BAD_INPUT
