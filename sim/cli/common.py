"""What the subcommands share: usage errors, messages, scenario options and loading."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.posterior import Posterior
    from ..core.resolve import Resolved
    from ..outputs.results import Results
    from ..scenario import Scenario

# Heavy libraries (pydantic, pandas, numpy, Mesa) are imported inside the commands that need
# them, so that `batch` can start its worker processes first and their start-up overlaps
# with this process's own.

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it stops as after Ctrl-C (`sim.cli._on_signal`)."""


class Stop:
    """How the command was stopped, set by the signal's handler: a command that handles the interruption
    itself, or a library that turns it into an error of its own (DuckDB: "Query interrupted"), still
    ends as stopped, with the status a shell gives the signal."""

    by: str | None = None  # "interrupted" (Ctrl-C) or "terminated" (SIGTERM)


def stopped(exc: BaseException | None = None) -> tuple[str, int]:
    """How a command stopped by Ctrl-C or SIGTERM says so, and its exit status (130 or 143, as a shell has it)."""
    return ("terminated", 143) if isinstance(exc, Terminated) or Stop.by == "terminated" else ("interrupted", 130)


def say(args: argparse.Namespace, message: str) -> None:
    """A progress or summary line on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def say_parameters(args: argparse.Namespace, runs: Resolved) -> None:
    """Which parameters the runs use, and the posterior's values that set nothing in this scenario."""
    from ..outputs.results import parameters_used

    posterior = runs.posterior
    say(args, f"parameters: {parameters_used(posterior and posterior.source, posterior and len(posterior.table))}")
    unused = posterior.unused(runs.scenario) if posterior is not None else []
    if unused:
        for name in unused:
            say(args, f"the posterior's value {name} is left unused: it sets {', '.join(posterior.sets[name])}, "
                      "events of the history that this scenario does not have")


def overrides(pairs: list[str] | None) -> dict:
    """--set PATH=VALUE options as {path: value}, values read as YAML, with the checks a scenario file has."""
    from ..scenario import ScenarioError
    from ..scenario.loading import read_value

    found = {}
    for item in pairs or []:
        path, sep, value = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. --set actors.Seoul.autonomy=0.8")
        try:
            found[path.strip()] = read_value(value)
        except ScenarioError as exc:
            raise UsageError(f"--set {shorten(item)}: {exc.problems[0].message}") from None
    return found


def shorten(text: str, most: int = 60) -> str:
    """A value as an error shows it: quoted, and cut short if long (an error names a value; it does not repeat it)."""
    return repr(text) if len(text) <= most else f"{text[:most]!r}… ({len(text):,} characters)"


def resolved(args: argparse.Namespace) -> Resolved:
    """What `args` asks to run: the scenario file with --set and the command's own options as changes,
    and the --posterior if given (`core.resolve` decides the rest state)."""
    from ..scenario import load_scenario

    s = load_scenario(args.scenario)
    chosen = posterior_of(args, s)
    s = s.model_copy(update={"posterior": chosen})  # the scenario as run names what its runs drew from, or nothing
    return checked(s, overrides(args.set) | _counts(args), posterior_option(chosen) if chosen else None,
                   source=f"{args.scenario} (command-line options)")


def posterior_of(args: argparse.Namespace, s: Scenario) -> str | None:
    """The posterior folder runs draw from: --posterior, else the scenario's own `posterior:`, unless
    --file-values asks for the file's hand-set values."""
    if getattr(args, "file_values", False):
        if getattr(args, "posterior", None):
            raise UsageError("--posterior and --file-values: allowed: one of the two")
        return None
    return getattr(args, "posterior", None) or s.posterior


def checked(s: Scenario, changes: dict, posterior: Posterior | None, source: str) -> Resolved:
    """`resolve`, with a posterior that does not fit the scenario reported as a usage error."""
    from ..core.resolve import resolve

    try:
        return resolve(s, changes, posterior, source)
    except ValueError as exc:
        raise UsageError(f"--posterior: {exc}") from None


def _counts(args: argparse.Namespace) -> dict:
    """--replicates, --seed and --steps as overrides (a batch's replicates are its sweep's)."""
    return {name if args.command == "run" else f"sweep.{name}": getattr(args, name)
            for name in ("replicates", "seed", "steps") if getattr(args, name, None) is not None}


def calibrated(paths: list[str]) -> list[Scenario]:
    """History scenarios with a `calibration:` section, or a usage error naming those without one."""
    from ..scenario import load_scenario

    models = [load_scenario(path) for path in paths]
    missing = [path for path, s in zip(paths, models) if s.calibration is None]
    if missing:
        raise UsageError(f"{', '.join(missing)}: no `calibration:` section (priors, series, fit_end, population, "
                         "generations); allowed: history scenarios with one, such as scenarios/history_2005_2024.yaml")
    return models


def posterior_option(folder: str) -> Posterior:
    """The posterior of --posterior FOLDER, or a usage error saying what is missing."""
    from ..outputs.posterior import read_posterior
    from ..outputs.results import DamagedResults

    try:
        return read_posterior(folder)
    except (FileNotFoundError, DamagedResults) as exc:
        raise UsageError(f"--posterior: {exc}") from None


def add_posterior(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posterior", metavar="FOLDER",
                   help="a calibration folder (alliance-sim calibrate): each run draws its parameter set from "
                        "its posterior (seeded), so results carry parameter and seed uncertainty together "
                        "(default: the scenario's own `posterior:`, if it names one)")
    p.add_argument("--file-values", action="store_true",
                   help="the scenario file's hand-set values, even where it names a posterior")


HELD = ExitStack()  # the folders the command reads, held until it ends (`release`)


def load(folder: str | Path) -> Results:
    """A results folder, held against replacement until the command ends (a batch replacing it
    waits), or a usage error saying it is not one."""
    from ..outputs.results import DamagedResults, folder_lock, is_results, load_results

    if is_results(Path(folder)):
        HELD.enter_context(folder_lock(Path(folder), shared=True))
    try:
        return load_results(folder)
    except (FileNotFoundError, DamagedResults) as exc:
        raise UsageError(str(exc)) from None


def release() -> None:
    """Let go of the folders the command held."""
    HELD.close()


def counts(args: argparse.Namespace, *names: str) -> None:
    """Options that count something (--runs, --workers): a usage error unless each is 1 or more."""
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise UsageError(f"--{name} {value}: allowed: 1 or more")


def design_point(res: Results, point: int) -> int:
    """`--point`: a design point of the batch, or a usage error naming what is allowed."""
    if res.design is None:
        raise UsageError("--point needs a batch's results folder; this one holds plain replicates")
    if point not in set(res.design["point"]):
        raise UsageError(f"--point {point}: allowed: 0 to {len(res.design) - 1}")
    return point


def add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override any scenario field, e.g. --set actors.Seoul.autonomy=0.8 (repeatable)")


def add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("vectorized", "mesa"), default="vectorized",
                   help="vectorized: runs at once along an array axis (default); mesa: one AllianceModel per run "
                        "(the reference; same numbers)")


def add_memory(p: argparse.ArgumentParser) -> None:
    p.add_argument("--memory", metavar="SIZE",
                   help="memory budget, e.g. 8G or 60%% (default: half of this machine's); a job estimated over "
                        "it is refused before it starts, with how to split it")


def add_svg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--svg", action="store_true", help="also write SVG files")


def add_replace(p: argparse.ArgumentParser, what: str = "the files an earlier run of this command wrote there") -> None:
    p.add_argument("--replace", action="store_true", help=f"replace {what} (without it, a file there is never replaced)")


def figure_files(name: str, args: argparse.Namespace) -> list[str]:
    """The files a figure saved as NAME is written to: NAME.png, and NAME.svg with --svg."""
    return [f"{name}.png", *([f"{name}.svg"] if getattr(args, "svg", False) else [])]


def save_figure(figure, folder: Path, name: str, args: argparse.Namespace) -> list[Path]:
    """A figure saved as FOLDER/NAME.png (and .svg) under the rule: one there is replaced only with --replace."""
    from ..outputs.figures import save
    from ..outputs.results import staged

    with staged(folder, args.replace) as partial:
        written = save(figure, partial / name, args.svg)
    return [Path(folder) / path.name for path in written]


def print_paths(paths: list[Path]) -> int:
    for path in paths:
        print(path)
    return 0
