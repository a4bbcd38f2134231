"""`alliance-sim reach`: how far a batch's headline holds, along the partnership's line and over the posterior."""

from __future__ import annotations

import argparse

from .common import UsageError, add_memory, add_replace, add_svg, design_point, figure_files, load, print_paths, save_figure, say


def add(sub) -> None:
    p = sub.add_parser("reach", help="the share along the partnership's line, and the parameter sets that can reach it",
                       description="For a batch drawn from a posterior: at the scenario's own design point and the "
                                   "most favourable one (or --point), the share of runs reaching a partnership at "
                                   "every line (both stances 0.5-0.7, cooperation 0.25-0.45), from the recorded "
                                   "trajectories; and the share of the posterior's parameter sets under which a "
                                   "partnership is reachable at all at the most favourable point (each set run "
                                   "--per-set times). Writes thresholds.csv, reachable.csv and plots/reach.png.")
    p.add_argument("results", help="results folder of a batch (alliance-sim batch) that records the partnership pair")
    p.add_argument("--point", type=int, action="append", help="design points to read (default: the scenario's own "
                                                              "and the most favourable)")
    p.add_argument("--per-set", type=int, default=10, help="runs of each parameter set at the favourable point (default 10)")
    add_svg(p)
    add_replace(p, "thresholds.csv, reachable.parquet and plots/reach.png of an earlier reach")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..analysis.points import nearest_point, point_label
    from ..analysis.reach import reachable, threshold_curve
    from ..core.outcomes import percent
    from ..core.resolve import resolve
    from ..outputs.figures.reach import reach_figure
    from ..outputs.results import check_files, new_file, parameters_note
    from .common import posterior_option

    res = load(args.results)
    if res.design is None or res.summary is None:
        raise UsageError(f"{res.path} holds plain replicates; allowed: a batch's results folder (alliance-sim batch)")
    if args.per_set < 1:
        raise UsageError(f"--per-set {args.per_set}: allowed: 1 or more")
    check_files(res.path, ["thresholds.csv", "reachable.parquet"], args.replace)
    check_files(res.path / "plots", figure_files("reach", args), args.replace)
    own, best = nearest_point(res.design, res.scenario), favourable(res)
    points = [design_point(res, p) for p in args.point] if args.point else list(dict.fromkeys([own, best]))
    say(args, f"reach: the share along the partnership's line at {len(points)} design point(s)")
    try:
        curve = threshold_curve(res, points)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    paths = [res.path / "thresholds.csv"]
    with new_file(paths[0], args.replace) as partial:
        curve.to_csv(partial, index=False)
    p = res.scenario.partnership
    labels = {pt: ("the point nearest the scenario's own values" if pt == own else "the most favourable point" if pt == best else
                   f"design point {pt}") + "\n" + point_label(res.design, pt) for pt in points}
    for pt in points:
        here = curve[curve["point"] == pt]
        print(f"{labels[pt].splitlines()[0]} ({point_label(res.design, pt)}):")
        print(here.pivot(index="stances", columns="cooperation", values="share").map(percent).to_string())
    source = res.manifest.get("posterior")
    if source:
        say(args, f"reach: each of the posterior's sets run {args.per_set} times at the most favourable point")
        values = res.design.set_index("point").loc[best].to_dict()
        runs = resolve(res.scenario, {**res.manifest.get("departures", {}), **values}, posterior_option(source))
        sets = reachable(runs, args.per_set)
        with new_file(res.path / "reachable.parquet", args.replace) as partial:
            sets.to_parquet(partial, index=False)
        paths.append(res.path / "reachable.parquet")
        can = float((sets["share"] > 0).mean())
        print(f"parameter sets under which a partnership (stances >= {p.threshold:g}, cooperation >= {p.cooperation:g}) is "
              f"reachable at all at the most favourable point: {percent(can)} of {len(sets):,} "
              f"(at least one of {args.per_set} runs reaches it)")
    figure = reach_figure(curve, labels, (p.threshold, p.cooperation),
                          f"'{res.scenario.name}': share of runs reaching a partnership at each line\n"
                          f"{parameters_note(res.manifest)}")
    return print_paths(paths + save_figure(figure, res.path / "plots", "reach", args))


def favourable(res) -> int:
    """The design point most favourable to a partnership: the highest share, ties broken by the
    higher median of the weaker of the two final stances."""
    s = res.summary.set_index("point")
    weaker = s[["median_final_alignment", "median_final_alignment_back"]].min(axis=1)
    return int(s.assign(weaker=weaker).sort_values(["partnership_share", "weaker"], ascending=False).index[0])
