"""The `alliance-sim` command (also `python -m sim`): run, plot and validate scenarios."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from . import __version__
from .scenario import Scenario, ScenarioError, load_scenario, with_overrides

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


def _say(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def _overrides(pairs: list[str]) -> dict:
    found = {}
    for item in pairs or []:
        path, sep, value = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--set {item!r}: expected PATH=VALUE, e.g. --set actors.Seoul.autonomy=0.8")
        found[path.strip()] = yaml.safe_load(value)
    return found


def _scenario(args: argparse.Namespace) -> Scenario:
    scenario = load_scenario(args.scenario)
    extra = _overrides(args.set)
    for name in ("replicates", "seed", "steps"):
        if getattr(args, name, None) is not None:
            extra[name] = getattr(args, name)
    return with_overrides(scenario, extra, source=f"{args.scenario} (command-line options)")


# --- commands -------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            print(exc.report(), file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(f"{path}: valid — '{s.name}', {len(s.actors)} actors ({', '.join(s.names)}), "
              f"{s.steps} quarters from {s.start}, {s.replicates} replicates, {len(s.events)} events")
    return status


def cmd_run(args: argparse.Namespace) -> int:
    from .results import default_folder, write_folder
    from .runner import run_replicates, tables

    scenario = _scenario(args)
    out = Path(args.out) if args.out else default_folder(scenario)
    if out.exists() and not args.replace:
        raise UsageError(f"{out} exists; choose another --out or pass --replace")
    _say(args, f"running '{scenario.name}': {scenario.replicates} replicates × {scenario.steps} quarters ({args.engine} engine)")
    started = time.perf_counter()
    seeds, traj = run_replicates(scenario, args.engine)
    manifest = {"engine": args.engine, "seed": scenario.seed, "seeds": [int(s) for s in seeds],
                "replicates": scenario.replicates, "wall_time_s": round(time.perf_counter() - started, 3)}
    folder = write_folder(out, tables(scenario, seeds, traj), scenario, manifest, replace=args.replace)
    share = tables_share(folder, scenario)
    _say(args, f"{scenario.partnership.pair[0]}–{scenario.partnership.pair[1]} partnership reached in {share:.0%} of runs")
    print(folder)
    return 0


def tables_share(folder: Path, scenario: Scenario) -> float:
    import pandas as pd

    out = pd.read_parquet(folder / "outcomes.parquet")
    a, b = sorted(scenario.partnership.pair, key=scenario.index)
    return float(out[(out["source"] == a) & (out["target"] == b)]["partnership"].mean())


def cmd_plot(args: argparse.Namespace) -> int:
    from .plots import network_figure, save, trajectories_figure
    from .results import latest, load_results

    folder = Path(args.results) if args.results else latest()
    if folder is None:
        raise UsageError("no results folder given and none found under results/; run `alliance-sim run FILE` first")
    try:
        res = load_results(folder)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if args.focal and args.focal not in res.scenario.names:
        raise UsageError(f"--focal {args.focal!r}: unknown actor; allowed: {', '.join(res.scenario.names)}")
    dates = res.trajectories["date"].astype(str)
    if args.date and args.date not in set(dates):
        raise UsageError(f"--date {args.date!r}: not a step of this run; allowed: {dates.iloc[0]} to {dates.iloc[-1]} (YYYYQn)")
    out = Path(args.out) if args.out else folder / "plots"
    focal = args.focal or res.scenario.focal
    written = save(trajectories_figure(res.trajectories, res.scenario, focal), out / f"trajectories_{focal}", args.svg)
    date = args.date or dates.iloc[-1]
    written += save(network_figure(res.trajectories, res.scenario, date), out / f"network_{date}", args.svg)
    for path in written:
        print(path)
    return 0


# --- parser ---------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="alliance-sim",
        description="Scenario simulator of alliance dynamics in Northeast Asia.",
        epilog="Exit status: 0 success, 2 bad input (scenario or options), 130 interrupted.",
    )
    top.add_argument("--version", action="version", version=f"alliance-sim {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's seeded replicates and write a results folder",
                         description="Run a scenario's seeded replicates and write a results folder "
                                     "(scenario.yaml, manifest.json, runs/trajectories/outcomes.parquet).")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--replicates", type=int, help="number of seeded runs (default: the scenario's)")
    run.add_argument("--seed", type=int, help="master seed (default: the scenario's)")
    run.add_argument("--steps", type=int, help="quarters to simulate (default: the scenario's)")
    run.add_argument("--set", action="append", metavar="PATH=VALUE",
                     help="override any scenario field, e.g. --set actors.Seoul.autonomy=0.8 (repeatable)")
    run.add_argument("--engine", choices=("vectorized", "mesa"), default="vectorized",
                     help="vectorized: all runs at once (default); mesa: one AllianceModel per run (reference)")
    run.add_argument("--out", help="results folder (default: results/NAME-TIMESTAMP)")
    run.add_argument("--replace", action="store_true", help="replace --out if it exists")
    run.add_argument("--quiet", action="store_true", help="print only the results folder")
    run.set_defaults(func=cmd_run)

    plot = sub.add_parser("plot", help="draw stance trajectories and the alignment network from a results folder",
                          description="Draw the focal actor's stances over time (median, 10–90%% band) and the "
                                      "alignment network at a date, as PNG (and SVG) under RESULTS/plots/.")
    plot.add_argument("results", nargs="?", help="results folder (default: the newest under results/)")
    plot.add_argument("--date", help="date of the network plot, YYYYQn (default: the last step)")
    plot.add_argument("--focal", help="actor whose stances to plot (default: the first of the partnership pair)")
    plot.add_argument("--svg", action="store_true", help="also write SVG files")
    plot.add_argument("--out", help="folder for the figures (default: RESULTS/plots)")
    plot.set_defaults(func=cmd_plot)

    check = sub.add_parser("validate", help="check scenario files and say what is wrong, or that they are valid",
                           description="Check scenario files: print each problem with file, line and field, "
                                       "or a one-line summary of a valid scenario.")
    check.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    check.set_defaults(func=cmd_validate)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(exc.report(), file=sys.stderr)
    except (UsageError, FileExistsError) as exc:
        print(f"alliance-sim {args.command}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"alliance-sim {args.command}: interrupted; no results folder was written", file=sys.stderr)
        return 130
    return EXIT_BAD_INPUT
