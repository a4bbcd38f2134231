"""`alliance-sim plot`: figures from a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_replace, add_svg, design_point, load, print_paths, say

KINDS = ("trajectories", "network", "map", "paths")
EVENTS = ("drivers", "all", "none")


def add_events(p: argparse.ArgumentParser) -> None:
    p.add_argument("--events", choices=EVENTS, default="drivers",
                   help="which events the figures mark: drivers (default: every event but the yearly power "
                        "updates), all, or none")


def add(sub) -> None:
    p = sub.add_parser("plot", help="draw figures from a results folder",
                       usage="alliance-sim plot [KIND] [RESULTS] [options]",
                       description="Draw figures from a results folder as PNG (and SVG) under RESULTS/plots/. "
                                   "KIND: trajectories (the focal actor's stances, median and 10–90% band), "
                                   "network (all stances at a date), map (partnership probability over two "
                                   "factors of a batch), paths (runs in the plane of two stances). Without "
                                   "KIND: trajectories and network for a run, map, paths and trajectories "
                                   "for a batch. A batch's trajectories and paths are those of one design point: "
                                   "the one nearest the scenario's own values, unless --point or --where.")
    p.add_argument("items", nargs="*", metavar="[KIND] [RESULTS]",
                   help="plot kind (optional) and results folder (default: the newest under results/)")
    p.add_argument("--date", help="network: date of the network, YYYYQn (default: the last step)")
    p.add_argument("--focal", help="trajectories: actor whose stances to plot (default: first of the partnership pair)")
    p.add_argument("--point", type=int, help="trajectories and paths of a batch: the design point to draw")
    p.add_argument("--where", action="append", metavar="FACTOR=VALUE",
                   help="trajectories and paths of a batch: the point nearest these factor values (repeatable; "
                        "default: nearest the scenario's own values)")
    p.add_argument("--from", dest="first", metavar="YYYYQn", help="trajectories: the first quarter shown (default: the start)")
    p.add_argument("--to", dest="last", metavar="YYYYQn", help="trajectories: the last quarter shown (default: the end)")
    add_events(p)
    p.add_argument("--x", help="map: factor on the x axis (default: the first); paths: directed pair A->B "
                               "(default: focal actor -> its patron)")
    p.add_argument("--y", help="map: factor on the y axis (default: the second); paths: directed pair A->B "
                               "(default: the partnership pair)")
    add_svg(p)
    p.add_argument("--out", help="folder for the figures (default: RESULTS/plots)")
    add_replace(p, "the figures of an earlier plot there")
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.results import claim, latest, staged
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
    span(res, args)  # a bad --from or --to is said before anything is drawn
    if args.out:
        claim(args.out, reads=[folder], holder=True)
    out = Path(args.out) if args.out else folder / "plots"
    written = []
    with staged(out, args.replace) as partial:  # the figures appear together once all are drawn, or none do
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


def span(res, args: argparse.Namespace) -> tuple[str | None, str | None]:
    """--from and --to: quarters within the run, the first not after the second."""
    from ..scenario.calendar import parse_quarter, step_dates

    dates = step_dates(res.scenario.start, res.scenario.steps)
    allowed = f"allowed: a quarter YYYYQn from {dates[0]} to {dates[-1]}"
    for option, value in (("--from", args.first), ("--to", args.last)):
        try:
            if value is not None and not parse_quarter(dates[0]) <= parse_quarter(value) <= parse_quarter(dates[-1]):
                raise ValueError
        except ValueError:
            raise UsageError(f"{option} {value!r}: {allowed}") from None
    if args.first and args.last and parse_quarter(args.first) >= parse_quarter(args.last):
        raise UsageError(f"--from {args.first} --to {args.last}: allowed: --from before --to")
    return args.first, args.last


def chosen_point(res, args: argparse.Namespace) -> int:
    """--point, or the point nearest the --where values (default: nearest the scenario's own values): the
    one rule by which `plot`, `compare` and `report` choose the design point they draw."""
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
    point, note, suffix = one_point(res, args)
    drawn = res.trajectories if point is None else res.trajectories_at(point)
    fig = trajectories_figure(drawn, res.scenario, focal, note, args.events, span(res, args))
    return save(fig, out / f"trajectories_{focal}{suffix}", args.svg)


def network(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import network_figure, save

    point, note, suffix = one_point(res, args)
    drawn = res.trajectories if point is None else res.trajectories_at(point)
    dates = drawn["date"].astype(str)
    if args.date and args.date not in set(dates):
        raise UsageError(f"--date {args.date!r}: not a recorded step; allowed: {dates.iloc[0]} to {dates.iloc[-1]} (YYYYQn)")
    date = args.date or dates.iloc[-1]
    return save(network_figure(drawn, res.scenario, date, note), out / f"network_{date}{suffix}", args.svg)


def one_point(res, args) -> tuple[int | None, str, str]:
    """The design point to draw (None: a plain run's runs, all of them), a note naming it by its factor
    values and the parameters, and a file-name suffix ('_point69')."""
    from ..analysis.points import point_label
    from ..outputs.results import parameters_note

    used = parameters_note(res.manifest)
    if res.summary is None:
        return None, used, ""
    point = chosen_point(res, args)
    chosen = "" if args.point is not None or args.where else ", the one nearest the scenario's own values"
    return point, f"at {point_label(res.design, point)}{chosen} · {used}", f"_point{point}"


def map_(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import map_figure, save
    from ..outputs.results import parameters_note

    factors = list(res.design.columns.drop("point"))
    x, y = args.x or factors[0], args.y or factors[1]
    return save(map_figure(res.summary, res.scenario, x, y, parameters=parameters_note(res.manifest)), out / "map", args.svg)


def paths(res, args, out: Path) -> list[Path]:
    from ..outputs.figures import paths_figure, save
    from ..outputs.figures.paths import read_paths

    point, note, _ = one_point(res, args)
    return save(paths_figure(read_paths(res, args.x, args.y, point=point), res.scenario, note), out / "paths", args.svg)


DRAW = {"trajectories": trajectories, "network": network, "map": map_, "paths": paths}
