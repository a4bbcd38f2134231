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
    p.add_argument("--boxes", type=int, default=1, help="boxes to find one after another, while they reach --density (default 1)")
    add_svg(p)
    add_replace(p, "discovery.json and plots/discovery.png of an earlier discovery")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import json

    from ..analysis import discovery
    from ..outputs.figures import discovery_figure
    from ..outputs.figures.style import factor_label
    from ..outputs.results import check_files, new_file, parameters_note

    res = load(args.results)
    if not 0 < args.density <= 1 or args.boxes < 1:
        raise UsageError(f"--density {args.density} --boxes {args.boxes}: allowed: a density in (0, 1] and 1 box or more")
    check_files(res.path, ["discovery.json"], args.replace)
    check_files(res.path / "plots", figure_files("discovery", args), args.replace)
    say(args, "discover: PRIM over the batch's runs")
    try:
        found = discovery.discover(res, args.density, args.boxes)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    boxes, gaps = [], []
    for k, box in enumerate(found, 1):
        far = discovery.distance_from(box, res.scenario, res.design)
        gaps.append(far)
        shown = far.drop(columns=["start", "end"])  # the design's range, for the figure
        reached = "reaches" if box.density >= args.density else f"is the nearest to {args.density:.0%} there is:"
        print(f"box {k} {reached} coverage {box.coverage:.1%}, density {box.density:.1%} (peeling step {box.chosen}); "
              f"its limits beside the scenario's own values ('gap': how far they lie outside the box):")
        print(shown.round(3).to_string(index=False) if len(far) else "  (no factor restricted)")
        boxes.append({"coverage": box.coverage, "density": box.density, "step": box.chosen,
                      "limits": shown.set_index("factor").to_dict(orient="index")})
    with new_file(res.path / "discovery.json", args.replace) as partial:
        partial.write_text(json.dumps({"density_wanted": args.density, "boxes": boxes}, indent=2) + "\n")
    title = (f"'{res.scenario.name}': {box_title(found[0], args.density)} (PRIM; coverage {found[0].coverage:.0%}, "
             f"density {found[0].density:.0%})\n{parameters_note(res.manifest)}")
    figure = discovery_figure(found[0], title, gaps[0], lambda f: factor_label(f, res.scenario))
    return print_paths([res.path / "discovery.json", *save_figure(figure, res.path / "plots", "discovery", args)])


def box_title(box, wanted: float) -> str:
    """What the first box is: one where the wanted share is reached, or only the nearest to it."""
    if box.density >= wanted:
        return f"where a partnership reaches {wanted:.0%} of runs"
    return f"no box reaches {wanted:.0%} of runs: the nearest, where {box.density:.0%} reach a partnership"
