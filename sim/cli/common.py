"""What the subcommands share: usage errors, messages, scenario options and loading."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..outputs.posterior import Posterior
    from ..outputs.results import Results
    from ..scenario import Scenario

# Heavy libraries (pydantic, pandas, numpy, Mesa) are imported inside the commands that need
# them, so that `batch` can start its worker processes first and their start-up overlaps
# with this process's own.

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


def say(args: argparse.Namespace, message: str) -> None:
    """A progress or summary line on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def overrides(pairs: list[str] | None) -> dict:
    """--set PATH=VALUE options as {path: value}, values read as YAML scalars."""
    import yaml

    from ..scenario.loading import LOADER

    found = {}
    for item in pairs or []:
        path, sep, value = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. --set actors.Seoul.autonomy=0.8")
        found[path.strip()] = yaml.load(value, Loader=LOADER)
    return found


def scenario(args: argparse.Namespace) -> Scenario:
    """The scenario file of `args.scenario`, at rest, with --set and the command's own overrides applied."""
    from ..core.schedule import at_rest
    from ..scenario import load_scenario, with_overrides

    loaded = at_rest(load_scenario(args.scenario))
    return with_overrides(loaded, overrides(args.set) | _counts(args), source=f"{args.scenario} (command-line options)")


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


def posterior_for(posterior: Posterior, s: Scenario) -> Posterior:
    """The posterior, checked to set only what the scenario has (a usage error otherwise)."""
    try:
        posterior.columns(s)
    except ValueError as exc:
        raise UsageError(f"--posterior: {exc}") from None
    return posterior


def with_posterior(args: argparse.Namespace) -> tuple[Scenario, dict, Posterior]:
    """For --posterior: the scenario as written (each run is at rest under its own parameter set),
    with the non-condition overrides applied; the condition overrides (--set) as departures from
    that rest state, as they are without a posterior; and the posterior."""
    from ..scenario import load_scenario, with_overrides
    from ..scenario.checks import is_condition

    posterior = posterior_option(args.posterior)
    extra = overrides(args.set)
    departures = {path: value for path, value in extra.items() if is_condition(path)}
    rest = {path: value for path, value in extra.items() if path not in departures} | _counts(args)
    s = with_overrides(load_scenario(args.scenario), rest, source=f"{args.scenario} (command-line options)")
    with_overrides(s, departures, source=f"{args.scenario} (command-line options)")  # checks them
    return s, departures, posterior_for(posterior, s)


def add_posterior(p: argparse.ArgumentParser) -> None:
    p.add_argument("--posterior", metavar="FOLDER",
                   help="a calibration folder (alliance-sim calibrate): each run draws its parameter set from "
                        "its posterior (seeded), so results carry parameter and seed uncertainty together")


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


def print_paths(paths: list[Path]) -> int:
    for path in paths:
        print(path)
    return 0
