"""The `alliance-sim` command (also `python -m sim`): run, plot and validate scenarios."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import __version__
from .extras import MissingExtra

if TYPE_CHECKING:
    from .results import Results
    from .scenario import Scenario

# Scenarios (pydantic) are imported where a command needs them, so that `batch` can start
# its worker processes first and their start-up overlaps with this process's own.

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
    from .scenario import load_scenario, with_overrides

    scenario = load_scenario(args.scenario)
    extra = _overrides(args.set)
    for name in ("replicates", "seed", "steps"):
        if getattr(args, name, None) is not None:
            extra[name if args.command == "run" else f"sweep.{name}"] = getattr(args, name)
    return with_overrides(scenario, extra, source=f"{args.scenario} (command-line options)")


# --- commands -------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, load_scenario

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


def cmd_run(args: argparse.Namespace) -> int:
    from .metrics import focal_outcomes
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
    found = tables(scenario, seeds, traj)
    folder = write_folder(out, found, scenario, manifest, replace=args.replace)
    share = focal_outcomes(found["outcomes"], scenario)["partnership"].mean()
    _say(args, f"{scenario.partnership.pair[0]}–{scenario.partnership.pair[1]} partnership reached in {share:.0%} of runs")
    print(folder)
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_batch(args: argparse.Namespace) -> int:
    import os

    workers = args.workers or os.cpu_count() or 1
    executor = "dask" if args.scheduler else args.executor
    if workers > 1 and executor == "local":
        from .workers import warm_up

        warm_up()  # the workers' imports overlap with loading the scenario and planning
    from .batch import BatchError, Plan, chunk_done, run_batch, staging_folder
    from .progress import Progress

    scenario = _scenario(args)
    try:
        plan = Plan.of(scenario, args.engine)
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out) if args.out else Path("results") / scenario.name
    where = f"Dask at {args.scheduler}" if args.scheduler else f"{workers} {executor} worker(s)"
    _say(args, f"batch '{scenario.name}': {len(plan.design):,} design points × {plan.replicates} replicates = "
               f"{plan.runs:,} runs in {len(plan.chunks())} chunks, {where}, {args.engine} engine")
    progress = Progress(plan.runs, quiet=args.quiet, chunks=len(plan.chunks()))
    signal.signal(signal.SIGTERM, _interrupt)  # a terminated batch keeps its chunks, as after Ctrl-C
    try:
        run_batch(plan, out, workers, args.resume, args.replace, progress, executor, args.scheduler,
                  say=lambda message: _say(args, message))
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        staging = staging_folder(out)
        kept = sum(chunk_done(staging, k) for k in range(len(plan.chunks())))
        print(f"\nalliance-sim batch: interrupted; {kept} of {len(plan.chunks())} chunks are kept in {staging}. "
              f"Rerun the same command with --resume to finish.", file=sys.stderr)
        return 130
    _say(args, f"{plan.runs:,} runs done; {_best_point(out, scenario)}")
    print(out)
    return 0


def _best_point(out: Path, scenario: Scenario) -> str:
    """One line on where in the design the partnership is likeliest."""
    import pandas as pd

    share = pd.read_parquet(out / "summary.parquet").set_index("point")
    best = share.loc[share["partnership_share"].idxmax()]
    ties = int((share["partnership_share"] == best["partnership_share"]).sum())
    where = ", ".join(f"{f}={best[f]:.3g}" for f in scenario.sweep.factors)
    a, b = scenario.partnership.pair
    return (f"{a}–{b} partnership reached in {share['partnership_share'].min():.0%} to {best['partnership_share']:.0%} "
            f"of a design point's runs; highest at {f'{ties} points, among them ' if ties > 1 else ''}{where} "
            f"(95% interval {best['share_low']:.0%}–{best['share_high']:.0%})")


PLOTS = ("trajectories", "network", "map", "paths")


def cmd_plot(args: argparse.Namespace) -> int:
    from .results import latest

    items = list(args.items)
    kind = items.pop(0) if items and items[0] in PLOTS else None
    if len(items) > 1:
        raise UsageError(f"expected one results folder, got {' '.join(items)}; plot kinds: {', '.join(PLOTS)}")
    folder = Path(items[0]) if items else latest()
    if folder is None:
        raise UsageError("no results folder given and none found under results/; run `alliance-sim run FILE` first")
    res = _load(folder)
    batch = res.summary is not None
    kinds = [kind] if kind else (["map", "paths", "trajectories"] if batch else ["trajectories", "network"])
    if "map" in kinds and len(res.scenario.sweep.factors if batch else []) < 2:
        if kind:
            raise UsageError("a map needs a batch with two or more factors (alliance-sim batch)")
        kinds.remove("map")
    out = Path(args.out) if args.out else folder / "plots"
    written = []
    try:
        for k in kinds:
            written += _PLOTTERS[k](res, args, out)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(path)
    return 0


def _plot_trajectories(res, args, out: Path) -> list[Path]:
    from .plots import save, trajectories_figure

    if args.focal and args.focal not in res.scenario.names:
        raise UsageError(f"--focal {args.focal!r}: unknown actor; allowed: {', '.join(res.scenario.names)}")
    focal = args.focal or res.scenario.focal
    trajectories, note, suffix = res.trajectories, "", ""
    if res.summary is not None:
        point = _chosen_point(res, args)
        runs = res.runs.loc[res.runs["point"] == point, "run_id"]
        trajectories = trajectories[trajectories["run_id"].isin(runs)]
        values = res.design.set_index("point").loc[point]
        note = f"design point {point}: " + ", ".join(f"{k} = {v:.3g}" for k, v in values.items())
        suffix = f"_point{point}"
    fig = trajectories_figure(trajectories, res.scenario, focal, note)
    return save(fig, out / f"trajectories_{focal}{suffix}", args.svg)


def _chosen_point(res, args) -> int:
    """--point, or the point nearest the --where values (default: nearest the base scenario's values)."""
    design = res.design.set_index("point")
    if args.point is not None:
        if args.point not in design.index:
            raise UsageError(f"--point {args.point}: allowed: 0 to {len(design) - 1}")
        return args.point
    from .scenario import get_path

    target = {f: get_path(res.scenario.to_dict(), f) for f in design.columns if not f.startswith(("alignment", "cooperation", "potential", "ties"))}
    for item in args.where or []:
        path, _, value = item.partition("=")
        if path not in design.columns:
            raise UsageError(f"--where {item!r}: allowed factors: {', '.join(design.columns)}")
        target[path] = float(value)
    span = (design.max() - design.min()).replace(0, 1)
    distance = sum(((design[f] - v) / span[f]) ** 2 for f, v in target.items())
    return int(distance.idxmin())


def _plot_network(res, args, out: Path) -> list[Path]:
    from .plots import network_figure, save

    dates = res.trajectories["date"].astype(str)
    if args.date and args.date not in set(dates):
        raise UsageError(f"--date {args.date!r}: not a recorded step; allowed: {dates.iloc[0]} to {dates.iloc[-1]} (YYYYQn)")
    date = args.date or dates.iloc[-1]
    return save(network_figure(res.trajectories, res.scenario, date), out / f"network_{date}", args.svg)


def _plot_map(res, args, out: Path) -> list[Path]:
    from .plots import map_figure, save

    factors = list(res.design.columns.drop("point"))
    x, y = args.x or factors[0], args.y or factors[1]
    return save(map_figure(res.summary, res.scenario, x, y), out / "map", args.svg)


def _plot_paths(res, args, out: Path) -> list[Path]:
    from .plots import paths_figure, save

    return save(paths_figure(res.trajectories, res.outcomes, res.scenario, args.x, args.y), out / "paths", args.svg)


_PLOTTERS = {"trajectories": _plot_trajectories, "network": _plot_network, "map": _plot_map, "paths": _plot_paths}


def _load(folder: str | Path) -> Results:
    from .results import load_results

    try:
        return load_results(folder)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from . import sensitivity
    from .plots import save

    res = _load(args.results)
    try:
        table = sensitivity.analyse(res, seed=args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    table.to_parquet(res.path / "sensitivity.parquet", index=False)
    wide = table.pivot_table(index="factor", columns=["outcome", "index"], values=["value", "conf"])
    print(wide.swaplevel(0, 2, axis=1).sort_index(axis=1).round(3).to_string())
    title = f"Sensitivity of '{res.scenario.name}' ({res.scenario.sweep.design}, 95% intervals)"
    for path in save(sensitivity.figure(table, title), res.path / "plots" / "sensitivity", args.svg):
        print(path)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    import json

    from . import discovery
    from .plots import save

    res = _load(args.results)
    try:
        found = discovery.discover(res, args.density)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"box at peeling step {found.chosen}: coverage {found.coverage:.1%}, density {found.density:.1%}")
    print(found.limits.to_string())
    (res.path / "discovery.json").write_text(json.dumps(
        {"coverage": found.coverage, "density": found.density, "step": found.chosen,
         "limits": found.limits.to_dict(orient="index")}, indent=2) + "\n")
    for path in save(discovery.figure(found, f"PRIM peeling trajectory, '{res.scenario.name}'"),
                     res.path / "plots" / "discovery", args.svg):
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build

    res = _load(args.results)
    try:
        print(build(res, args.out))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_landscape(args: argparse.Namespace) -> int:
    import numpy as np

    from . import landscape
    from .plots import save

    scenario = _scenario(args)
    if len(scenario.actors) > 22:
        raise UsageError(f"{len(scenario.actors)} actors: exact enumeration is for up to about 22 actors")
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-landscape"
    stances = landscape.final_stances(scenario, args.runs) if args.stances == "final" else None
    size, propensity = landscape.inputs(scenario, stances)
    land = landscape.stable(scenario.names, size, propensity)
    source = "given propensities" if scenario.landscape and scenario.landscape.propensity else f"{args.stances} stances"
    print(f"{len(land.energies)} stable configuration(s) of '{scenario.name}' ({source}; sizes: "
          + ", ".join(f"{n} {x:g}" for n, x in zip(scenario.names, size)) + ")")
    for k in range(len(land.energies)):
        print(f"  E = {land.energies[k]:.5f}   basin {land.basins[k]:6.1%}   {land.describe(k)}")
    written = save(landscape.figure(land, f"Landscape of '{scenario.name}' ({source})"), out / "landscape", args.svg)
    if args.map:
        a, b = scenario.partnership.pair
        levels = np.linspace(0, 1, args.map)
        found = landscape.stability_map(scenario, levels, levels, args.runs)
        for r, x in enumerate(levels):
            if found.together[r].any():
                cols = np.nonzero(found.together[r])[0]
                print(f"  {a}'s autonomy {x:.2f}: a coalition with {a} and {b} together is stable for sanctions "
                      + ", ".join(f"{levels[c]:.2f}{'*' if found.together[r, c] == 2 else ''}" for c in cols)
                      + "  (* the most stable)")
        if not found.together.any():
            r, c = np.unravel_index(np.argmin(found.cost), found.cost.shape)
            print(f"  no coalition with {a} and {b} together is stable anywhere on the grid; {a} comes closest at "
                  f"autonomy {levels[r]:.2f}, sanctions {levels[c]:.2f} (relative cost of joining {found.cost[r, c]:.2f})")
        title = f"When do {a} and {b} share a camp? Final stances of '{scenario.name}'"
        written += save(landscape.map_figure(found, levels, levels, [a, b], title), out / "landscape_map", args.svg)
    for path in written:
        print(path)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    import os
    import subprocess

    from .extras import require
    from .scenario import load_scenario

    require("mesa.visualization", "app", "the interactive page")
    env = dict(os.environ)
    if args.scenario:
        load_scenario(args.scenario)  # report a bad scenario here, not in the browser
        env["ALLIANCE_SIM_SCENARIO"] = str(Path(args.scenario).resolve())
    command = [sys.executable, "-m", "solara", "run", "sim.app", "--host", args.host, "--port", str(args.port),
               "--no-open" if args.no_open else "--open"]
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


# --- parser ---------------------------------------------------------------------------


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override any scenario field, e.g. --set actors.Seoul.autonomy=0.8 (repeatable)")


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("vectorized", "mesa"), default="vectorized",
                   help="vectorized: runs at once along an array axis (default); mesa: one AllianceModel per run "
                        "(the reference; same numbers)")


def _add_svg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--svg", action="store_true", help="also write SVG files")


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
    _add_set(run)
    _add_engine(run)
    run.add_argument("--out", help="results folder (default: results/NAME-TIMESTAMP)")
    run.add_argument("--replace", action="store_true", help="replace --out if it exists")
    run.add_argument("--quiet", action="store_true", help="print only the results folder")
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser("batch", help="run a scenario's sweep (design × replicates) in resumable chunks",
                           description="Run the design in the scenario's `sweep:` section, each point with seeded "
                                       "replicates, in chunks written as they finish. The folder (default "
                                       "results/NAME) gains design.parquet and summary.parquet.")
    batch.add_argument("scenario", help="scenario YAML file with a sweep: section")
    batch.add_argument("--workers", type=int, help="local worker processes (default: all cores); any number gives the same tables")
    _add_engine(batch)
    batch.add_argument("--executor", choices=("local", "dask"), default="local",
                       help="local: a pool of processes on this machine (default); dask: a Dask LocalCluster of "
                            "--workers processes (needs the 'distributed' extra)")
    batch.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on the existing Dask cluster at this scheduler address (implies --executor dask)")
    batch.add_argument("--resume", action="store_true", help="finish an interrupted batch of the same scenario and options")
    batch.add_argument("--replicates", type=int, help="override sweep.replicates")
    _add_set(batch)
    batch.add_argument("--out", help="results folder (default: results/NAME)")
    batch.add_argument("--replace", action="store_true", help="replace --out (and any interrupted batch of it)")
    batch.add_argument("--quiet", action="store_true", help="no progress; print only the results folder")
    batch.set_defaults(func=cmd_batch)

    plot = sub.add_parser("plot", help="draw figures from a results folder",
                          usage="alliance-sim plot [KIND] [RESULTS] [options]",
                          description="Draw figures from a results folder as PNG (and SVG) under RESULTS/plots/. "
                                      "KIND: trajectories (the focal actor's stances, median and 10–90%% band), "
                                      "network (all stances at a date), map (partnership probability over two "
                                      "factors of a batch), paths (runs in the plane of two stances). Without "
                                      "KIND: trajectories and network for a run, map, paths and trajectories "
                                      "for a batch.")
    plot.add_argument("items", nargs="*", metavar="[KIND] [RESULTS]",
                      help="plot kind (optional) and results folder (default: the newest under results/)")
    plot.add_argument("--date", help="network: date of the network, YYYYQn (default: the last step)")
    plot.add_argument("--focal", help="trajectories: actor whose stances to plot (default: first of the partnership pair)")
    plot.add_argument("--point", type=int, help="trajectories of a batch: the design point to draw")
    plot.add_argument("--where", action="append", metavar="FACTOR=VALUE",
                      help="trajectories of a batch: the point nearest these factor values (repeatable; "
                           "default: nearest the base scenario)")
    plot.add_argument("--x", help="map: factor on the x axis (default: the first); paths: directed pair A->B "
                                  "(default: focal actor -> its patron)")
    plot.add_argument("--y", help="map: factor on the y axis (default: the second); paths: directed pair A->B "
                                  "(default: the partnership pair)")
    _add_svg(plot)
    plot.add_argument("--out", help="folder for the figures (default: RESULTS/plots)")
    plot.set_defaults(func=cmd_plot)

    sens = sub.add_parser("sensitivity", help="Sobol indices or Morris mu*/sigma of a sobol or morris batch (SALib)",
                          description="Global sensitivity of the partnership probability and of the final stance "
                                      "of the pair to each factor: first-order and total Sobol indices, or Morris "
                                      "mu* and sigma, with 95%% bootstrap intervals. Writes sensitivity.parquet "
                                      "and plots/sensitivity.png in RESULTS.")
    sens.add_argument("results", help="results folder of a sobol or morris batch")
    sens.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    _add_svg(sens)
    sens.set_defaults(func=cmd_sensitivity)

    disc = sub.add_parser("discover", help="scenario discovery: the box of factor values where partnership is likely (PRIM)",
                          description="PRIM (the EMA Workbench's) over the runs of a batch: prints the box with its "
                                      "coverage and density, writes discovery.json and plots/discovery.png "
                                      "(the peeling trajectory). Needs the 'explore' extra.")
    disc.add_argument("results", help="results folder of a batch")
    disc.add_argument("--density", type=float, default=0.8,
                      help="wanted share of partnership runs inside the box; the box keeps the most coverage at it (default 0.8)")
    _add_svg(disc)
    disc.set_defaults(func=cmd_discover)

    rep = sub.add_parser("report", help="one self-contained HTML report of a results folder",
                         description="Write an HTML report (figures embedded, opens offline): the scenario in plain "
                                     "words, the design, the map, trajectories, paths, sensitivity and discovery "
                                     "where available, and provenance.")
    rep.add_argument("results", help="results folder")
    rep.add_argument("--out", help="file to write (default: RESULTS/report.html)")
    rep.set_defaults(func=cmd_report)

    land = sub.add_parser("landscape", help="stable two-camp coalitions by landscape theory (Axelrod & Bennett 1993)",
                          description="Enumerate every two-camp configuration of the scenario's actors, list the "
                                      "stable ones (local minima of the energy) with their energies and basins of "
                                      "attraction, and draw them. Sizes are the actors' power and propensities the "
                                      "mean of the two stances, unless the scenario's `landscape:` section gives them.")
    land.add_argument("scenario", help="scenario YAML file")
    land.add_argument("--stances", choices=("initial", "final"), default="initial",
                      help="propensities from the initial stances (default) or the median final stances of --runs runs")
    land.add_argument("--runs", type=int, default=40, help="seeded runs for final stances (default 40)")
    land.add_argument("--map", type=int, metavar="POINTS", nargs="?", const=11,
                      help="also map, over POINTS x POINTS values of sanctions and the focal actor's autonomy "
                           "(default 11), where a coalition with the partnership pair together is stable")
    _add_set(land)
    land.add_argument("--out", help="folder for the figures (default: results/NAME-landscape)")
    _add_svg(land)
    land.set_defaults(func=cmd_landscape)

    app = sub.add_parser("app", help="open the interactive page (Mesa's SolaraViz) on a scenario",
                         description="Serve the interactive page: sliders for sanctions, autonomy and the main "
                                     "parameters, play/step/reset, the focal actor's stances over time, the "
                                     "alignment network now, the partnership indicator. Needs the 'app' extra.")
    app.add_argument("scenario", nargs="?", help="scenario YAML file (default: the shipped baseline)")
    app.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765; 0: any free port)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    app.add_argument("--no-open", action="store_true", help="do not open a browser")
    app.set_defaults(func=cmd_app)

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
    except (UsageError, FileExistsError, MissingExtra) as exc:
        print(f"alliance-sim {args.command}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"alliance-sim {args.command}: interrupted; no results folder was written", file=sys.stderr)
        return 130
    except Exception as exc:
        from .scenario import ScenarioError

        if not isinstance(exc, ScenarioError):
            raise
        print(exc.report(), file=sys.stderr)
    return EXIT_BAD_INPUT
