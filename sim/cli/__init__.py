"""The `alliance-sim` command (also `python -m sim`): one module per subcommand, each parsing
its options and calling the library."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading

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
from .common import EXIT_BAD_INPUT, Stop, Terminated, UsageError, release, stopped

SUBCOMMANDS = (run, batch, plot, reach, compare, sensitivity, discover, report, export, landscape, history, calibrate, select,
               forecast, register, decide, app, new, validate, schema, completion)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="alliance-sim",
        description="Scenario simulator of alliance dynamics in Northeast Asia.",
        epilog="Exit status: 0 success, 2 bad input (scenario, options, a file in the way), 130 interrupted (Ctrl-C), "
               "143 terminated (SIGTERM).",
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
    handlers = _handle_signals()
    Stop.by = None
    try:
        status = run(args)
        return 143 if status == 130 and Stop.by == "terminated" else status
    except KeyboardInterrupt as exc:  # one that arrives as the command's own handler has finished
        print(f"alliance-sim {args.command}: {stopped(exc)[0]}", file=sys.stderr)
        return stopped(exc)[1]
    except BrokenPipeError:  # the reader of the output has gone (`| head`): Python's documented remedy
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        release()
        if before is None:  # --memory holds for this command only
            os.environ.pop(budget.VARIABLE, None)
        else:
            os.environ[budget.VARIABLE] = before


def _handle_signals() -> dict:
    """Have SIGTERM (a `kill`, a scheduler's time limit, a shutdown) stop the command as Ctrl-C does:
    what is finished is kept, temporary files are removed; and note which of the two it was. Ctrl-C is
    left alone where it is ignored (a background job). Returns the handlers to put back."""
    if threading.current_thread() is not threading.main_thread():  # only there can a handler be set
        return {}
    before = {signal.SIGTERM: signal.signal(signal.SIGTERM, _on_signal)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        before[signal.SIGINT] = signal.signal(signal.SIGINT, _on_signal)
    return before


def _on_signal(signum, frame):
    Stop.by = "terminated" if signum == signal.SIGTERM else "interrupted"
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; report bad input, interruptions and the machine's faults in one line."""
    from ..outputs.results import Refused

    try:
        set_budget(getattr(args, "memory", None))
        return args.func(args)
    except (UsageError, FileExistsError, Refused, MissingExtra, BudgetError) as exc:
        print(f"alliance-sim {args.command}: {exc}", file=sys.stderr)
    except KeyboardInterrupt as exc:
        word, status = stopped(exc)
        print(f"alliance-sim {args.command}: {word}; nothing half-written was kept", file=sys.stderr)
        return status
    except Exception as exc:
        from ..scenario import ScenarioError

        if Stop.by is not None:  # a library that turned the interruption into its own error
            word, status = stopped(exc)
            print(f"alliance-sim {args.command}: {word}; nothing half-written was kept", file=sys.stderr)
            return status
        if isinstance(exc, ScenarioError):
            print(exc.report(), file=sys.stderr)
            return EXIT_BAD_INPUT
        message = fault(exc)
        if message is None:
            raise
        print(f"alliance-sim {args.command}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


# A write that fails for lack of room, by its error number or, from the libraries that give none
# (DuckDB, Arrow), by the system's words for it: what happened, and what to do
NO_ROOM = {errno.ENOSPC: ("the disk is full", "free some space"),
           errno.EDQUOT: ("your disk quota is used up", "free some of it"),
           errno.EFBIG: ("a file grew past the largest size allowed (the file system's, or `ulimit -f`)",
                         "raise the limit or write less (fewer runs, fewer pairs recorded)")}


def fault(exc: Exception) -> str | None:
    """What to tell the user of a failure of the machine or of a file (None: a bug, shown in full)."""
    if not isinstance(exc, OSError) and exc.args and isinstance(exc.args[0], OSError):
        exc = exc.args[0]  # a library's own error around the system's (xlsxwriter's FileCreateError)
    kinds = [m for m in (sys.modules.get("duckdb"), sys.modules.get("pyarrow")) if m is not None]
    readers = tuple(getattr(m, name) for m in kinds for name in ("Error", "ArrowException") if hasattr(m, name))
    room = isinstance(exc, (OSError, *readers)) and next(
        (said for code, said in NO_ROOM.items() if getattr(exc, "errno", None) == code or os.strerror(code) in str(exc)),
        None)
    if room:
        name = getattr(exc, "filename", None)
        return (f"{room[0]}{f' (writing {name})' if name else ''}; nothing half-written was kept: {room[1]} and rerun "
                "(a batch keeps its finished chunks beside --out, in .NAME.partial: rerun it with --resume, or delete "
                "that folder to free their space)")
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {exc.filename or 'a file'}: {exc.strerror}; choose another --out"
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return f"a name is too long for the file system ({exc.filename}); choose a shorter --out"
    if readers and isinstance(exc, readers):
        return (f"a results file cannot be read ({str(exc).splitlines()[0]}); it is damaged: rerun the command that "
                "wrote the folder")
    return None
