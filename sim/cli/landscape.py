"""`alliance-sim landscape`: stable two-camp coalitions by landscape theory (Axelrod & Bennett 1993)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_memory, add_replace, add_set, add_svg, figure_files, print_paths, resolved, save_figure


def add(sub) -> None:
    p = sub.add_parser("landscape", help="stable two-camp coalitions by landscape theory (Axelrod & Bennett 1993)",
                       description="Enumerate every two-camp configuration of the scenario's actors, list the "
                                   "stable ones (local minima of the energy) with their energies and basins of "
                                   "attraction, and draw them. Sizes are the actors' power and propensities the "
                                   "mean of the two stances, unless the scenario's `landscape:` section gives them.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--stances", choices=("initial", "final"), default="initial",
                   help="propensities from the initial stances (default) or the median final stances of --runs runs")
    p.add_argument("--runs", type=int, default=40, help="seeded runs for final stances (default 40)")
    p.add_argument("--map", type=int, metavar="POINTS", nargs="?", const=11,
                   help="also map, over POINTS x POINTS values of sanctions and the focal actor's autonomy "
                        "(default 11), where a coalition with the partnership pair together is stable")
    add_set(p)
    p.add_argument("--out", help="folder for the figures (default: results/NAME-landscape)")
    add_svg(p)
    add_replace(p, "the figures of an earlier landscape there")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import numpy as np

    from .. import budget
    from ..analysis import landscape
    from ..outputs.figures import landscape_figure, landscape_map_figure
    from ..outputs.results import check_files, claim, default_folder

    if args.runs < 1:
        raise UsageError(f"--runs {args.runs}: allowed: 1 or more")
    if args.map is not None and not 2 <= args.map <= 101:
        raise UsageError(f"--map {args.map}: allowed: 2 to 101 points a side")
    s = resolved(args).scenario
    if len(s.actors) > 22:
        raise UsageError(f"{len(s.actors)} actors: exact enumeration is for up to about 22 actors")
    if args.out:
        claim(args.out, reads=[args.scenario], holder=True)
    out = Path(args.out) if args.out else default_folder(s, suffix="landscape")
    names = ["landscape", *(["landscape_map"] if args.map is not None else [])]
    check_files(out, [f for name in names for f in figure_files(name, args)], args.replace)
    stances = landscape.final_stances(s, args.runs) if args.stances == "final" else None
    size, propensity = landscape.inputs(s, stances)
    land = landscape.stable(s.names, size, propensity)
    source = "given propensities" if s.landscape and s.landscape.propensity else f"{args.stances} stances"
    print("\n".join(landscape.describe(land, s.names, size, source, s.name)))
    written = save_figure(landscape_figure(land, f"Landscape of '{s.name}' ({source})", landscape.SHOWN), out, "landscape", args)
    if args.map is not None:
        budget.check(budget.trajectories(args.runs, s.steps, len(s.names)), f"{args.runs:,} runs of each map point",
                     "ask for fewer --runs")
        pair = s.partnership.pair
        levels = np.linspace(0, 1, args.map)
        found = landscape.stability_map(s, levels, levels, args.runs)
        print("\n".join(landscape.describe_map(found, levels, pair)))
        title = f"When do {pair[0]} and {pair[1]} share a camp? Final stances of '{s.name}'"
        written += save_figure(landscape_map_figure(found, levels, levels, pair, title), out, "landscape_map", args)
    return print_paths(written)
