"""`alliance-sim discover`: the box of factor values where partnership is likely (PRIM)."""

from __future__ import annotations

import argparse

from .common import UsageError, add_replace, add_svg, figure_files, load, print_paths, save_figure, say


def add(sub) -> None:
    p = sub.add_parser("discover", help="scenario discovery: the box of factor values where partnership is likely (PRIM)",
                       description="PRIM (the EMA Workbench's) over the runs of a batch: prints the box with its "
                                   "coverage and density, writes discovery.json and plots/discovery.png "
                                   "(the peeling trajectory). Needs the 'explore' extra.")
    p.add_argument("results", help="results folder of a batch")
    p.add_argument("--density", type=float, default=0.8,
                   help="wanted share of partnership runs inside the box; the box keeps the most coverage at it (default 0.8)")
    add_svg(p)
    add_replace(p, "discovery.json and plots/discovery.png of an earlier discovery")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..analysis import discovery
    from ..outputs.figures import discovery_figure
    from ..outputs.results import check_files, new_file, parameters_note

    res = load(args.results)
    check_files(res.path, ["discovery.json"], args.replace)
    check_files(res.path / "plots", figure_files("discovery", args), args.replace)
    say(args, "discover: PRIM over the batch's runs")
    try:
        found = discovery.discover(res, args.density)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"box at peeling step {found.chosen}: coverage {found.coverage:.1%}, density {found.density:.1%}")
    print(found.limits.to_string())
    with new_file(res.path / "discovery.json", args.replace) as partial:
        found.write(partial)
    figure = discovery_figure(found, f"PRIM peeling trajectory, '{res.scenario.name}'\n{parameters_note(res.manifest)}")
    return print_paths(save_figure(figure, res.path / "plots", "discovery", args))
