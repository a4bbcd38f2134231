"""`alliance-sim plot`: figures from a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_svg, design_point, load, print_paths, say

KINDS = ("trajectories", "network", "map", "paths")


def add(sub) -> None:
    p = sub.add_parser("plot", help="draw figures from a results folder",
                       usage="alliance-sim plot [KIND] [RESULTS] [options]",
                       description="Draw figures from a results folder as PNG (and SVG) under RESULTS/plots/. "
                                   "KIND: trajectories (the focal actor's stances, median and 10–90% band), "
                                   "network (all stances at a date), map (partnership probability over two "
                                   "factors of a batch), paths (runs in the plane of two stances). Without "
                                   "KIND: trajectories and network for a run, map, paths and trajectories "
                                   "for a batch.")
    p.add_argument("items", nargs="*", metavar="[KIND] [RESULTS]",
                   help="plot kind (optional) and results folder (default: the newest under results/)")
    p.add_argument("--date", help="network: date of the network, YYYYQn (default: the last step)")
    p.add_argument("--focal", help="trajectories: actor whose stances to plot (default: first of the partnership pair)")
    p.add_argument("--point", type=int, help="trajectories of a batch: the design point to draw")
    p.add_argument("--where", action="append", metavar="FACTOR=VALUE",
                   help="trajectories of a batch: the point nearest these factor values (repeatable; "
                        "default: nearest the base scenario)")
    p.add_argument("--x", help="map: factor on the x axis (default: the first); paths: directed pair A->B "
                               "(default: focal actor -> its patron)")
    p.add_argument("--y", help="map: factor on the y axis (default: the second); paths: directed pair A->B "
                               "(default: the partnership pair)")
    add_svg(p)
    p.add_argument("--out", help="folder for the figures (default: RESULTS/plots)")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.results import latest, staged
    from ..outputs.tables import NotRecorded

    items = list(args.items)
    kind = items.pop(0) if items and items[0] in KINDS else None
    if len(items) > 1:
        raise UsageError(f"expected one results folder, got {' '.join(items)}; plot kinds: {', '.join(KINDS)}")
    folder = Path(items[0]) if items else latest()
    if folder is None:
        raise UsageError("no results folder given and none found under results/; run `alliance-sim run FILE` first")
    res = load(folder)
    batch = res.summary is not None
    kinds = [kind] if kind else (["map", "paths", "trajectories"] if batch else ["trajectories", "network"])
    if "map" in kinds and len(res.scenario.sweep.factors if batch else []) < 2:
        if kind:
            raise UsageError("a map needs a batch with two or more factors (alliance-sim batch)")
        kinds.remove("map")
    out = Path(args.out) if args.out else folder / "plots"
    written = []
    with staged(out) as partial:  # the figures appear together once all are drawn, or none do
        for n, k in enumerate(kinds, 1):
            say(args, f"plot: the {k} figure ({n} of {len(kinds)})")
            try:
                written += DRAW[k](res, args, partial)
            except NotRecorded as exc:
                if kind:  # asked for by name: an error
                    raise UsageError(str(exc)) from None
                say(args, f"skipped the {k} figure: it needs the trajectories of {exc.pair}, which this batch did not "
                          f"record; to draw it, add the pair to `sweep.record.pairs` (e.g. [{exc.pair}, ...]) and rerun")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    return print_paths([out / path.name for path in written])


def chosen_point(res, args: argparse.Namespace) -> int:
    """--point, or the point nearest the --where values (default: nearest the base scenario's values)."""
    from ..analysis.points import nearest_point

    if args.point is not None:
        return design_point(res, args.point)
    values = {}
    for item in args.where or []:
        path, _, value = item.partition("=")
        if path not in res.design.columns.drop("point"):
            raise UsageError(f"--where {item!r}: allowed factors: {', '.join(res.design.columns.drop('point'))}")
        values[path] = float(value)
    return nearest_point(res.design, res.scenario, values)


def trajectories(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import save, trajectories_figure

    if args.focal and args.focal not in res.scenario.names:
        raise UsageError(f"--focal {args.focal!r}: unknown actor; allowed: {', '.join(res.scenario.names)}")
    focal = args.focal or res.scenario.focal
    drawn, note, suffix = _one_point(res, args)
    return save(trajectories_figure(drawn, res.scenario, focal, note), out / f"trajectories_{focal}{suffix}", args.svg)


def network(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import network_figure, save

    drawn, note, suffix = _one_point(res, args)
    dates = drawn["date"].astype(str)
    if args.date and args.date not in set(dates):
        raise UsageError(f"--date {args.date!r}: not a recorded step; allowed: {dates.iloc[0]} to {dates.iloc[-1]} (YYYYQn)")
    date = args.date or dates.iloc[-1]
    return save(network_figure(drawn, res.scenario, date, note), out / f"network_{date}{suffix}", args.svg)


def _one_point(res, args):
    """The trajectories to draw, a note naming the design point and a file suffix: a batch's point
    (--point, --where, or the one nearest the base scenario); a plain run's all."""
    from ..analysis.points import point_label
    from ..outputs.results import parameters_note

    used = parameters_note(res.manifest)
    if res.summary is None:
        return res.trajectories, used, ""
    point = chosen_point(res, args)
    return res.trajectories_at(point), f"{point_label(res.design, point)} · {used}", f"_point{point}"


def map_(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import map_figure, save
    from ..outputs.results import parameters_note

    factors = list(res.design.columns.drop("point"))
    x, y = args.x or factors[0], args.y or factors[1]
    return save(map_figure(res.summary, res.scenario, x, y, parameters=parameters_note(res.manifest)), out / "map", args.svg)


def paths(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import paths_figure, save
    from ..outputs.figures.paths import read_paths
    from ..outputs.results import parameters_note

    return save(paths_figure(read_paths(res, args.x, args.y), res.scenario, parameters_note(res.manifest)), out / "paths",
                args.svg)


DRAW = {"trajectories": trajectories, "network": network, "map": map_, "paths": paths}
