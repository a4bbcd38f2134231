"""The `alliance-sim` command (also `python -m sim`): one module per subcommand, each parsing
its options and calling the library."""

from __future__ import annotations

import argparse
import errno
import os
import sys

from .. import __version__, budget
from ..budget import BudgetError, set_budget
from ..extras import MissingExtra
from . import (
    app,
    batch,
    calibrate,
    compare,
    completion,
    decide,
    discover,
    export,
    forecast,
    history,
    landscape,
    new,
    plot,
    reach,
    register,
    report,
    run,
    schema,
    select,
    sensitivity,
    validate,
)
from .common import EXIT_BAD_INPUT, UsageError, release

SUBCOMMANDS = (run, batch, plot, reach, compare, sensitivity, discover, report, export, landscape, history, calibrate, select,
               forecast, register, decide, app, new, validate, schema, completion)


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
    top.set_defaults(top=top)  # for `completion`, which describes the whole command
    return top


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")  # the command writes figures to files; it needs no display
    args = parser().parse_args(argv)
    before = os.environ.get(budget.VARIABLE)
    try:
        return run(args)
    except KeyboardInterrupt:  # one that arrives as the command's own handler has finished
        print(f"alliance-sim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output has gone (`| head`): Python's documented remedy
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        release()
        if before is None:  # --memory holds for this command only
            os.environ.pop(budget.VARIABLE, None)
        else:
            os.environ[budget.VARIABLE] = before


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; report bad input, interruptions and the machine's faults in one line."""
    try:
        set_budget(getattr(args, "memory", None))
        return args.func(args)
    except (UsageError, FileExistsError, MissingExtra, BudgetError) as exc:
        print(f"alliance-sim {args.command}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"alliance-sim {args.command}: interrupted; no results folder was written", file=sys.stderr)
        return 130
    except Exception as exc:
        from ..scenario import ScenarioError

        if isinstance(exc, ScenarioError):
            print(exc.report(), file=sys.stderr)
            return EXIT_BAD_INPUT
        message = fault(exc)
        if message is None:
            raise
        print(f"alliance-sim {args.command}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def fault(exc: Exception) -> str | None:
    """What to tell the user of a failure of the machine or of a file (None: a bug, shown in full)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk is full{f' (writing {exc.filename})' if exc.filename else ''}; nothing half-written was "
                "kept: free some space and rerun (an interrupted batch: with --resume)")
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {exc.filename or 'a file'}: {exc.strerror}; choose another --out"
    kinds = [m for m in (sys.modules.get("duckdb"), sys.modules.get("pyarrow")) if m is not None]
    readers = tuple(getattr(m, name) for m in kinds for name in ("Error", "ArrowException") if hasattr(m, name))
    if readers and isinstance(exc, readers):
        return (f"a results file cannot be read ({str(exc).splitlines()[0]}); it is damaged: rerun the command that "
                "wrote the folder")
    return None
