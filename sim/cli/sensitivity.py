"""`alliance-sim sensitivity`: Sobol indices or Morris effects of a sobol or morris batch."""

from __future__ import annotations

import argparse

from .common import UsageError, add_replace, add_svg, figure_files, load, print_paths, save_figure, say


def add(sub) -> None:
    p = sub.add_parser("sensitivity", help="Sobol indices or Morris mu*/sigma of a sobol or morris batch (SALib)",
                       description="Global sensitivity of the partnership probability and of the final stance "
                                   "of the pair to each factor: first-order and total Sobol indices, or Morris "
                                   "mu* and sigma, with 95% bootstrap intervals. Writes sensitivity.parquet "
                                   "and plots/sensitivity.png in RESULTS.")
    p.add_argument("results", help="results folder of a sobol or morris batch")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    add_svg(p)
    add_replace(p, "sensitivity.parquet and plots/sensitivity.png of an earlier analysis")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..analysis import sensitivity
    from ..outputs.figures import sensitivity_figure
    from ..outputs.results import check_files, new_file, parameters_note

    res = load(args.results)
    check_files(res.path, ["sensitivity.parquet"], args.replace)
    check_files(res.path / "plots", figure_files("sensitivity", args), args.replace)
    say(args, "sensitivity: the indices of the batch's outcomes")
    try:
        table = sensitivity.analyse(res, seed=args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with new_file(res.path / "sensitivity.parquet", args.replace) as partial:
        table.to_parquet(partial, index=False)
    print(sensitivity.wide(table).round(3).to_string())
    title = f"Sensitivity of '{res.scenario.name}' ({res.scenario.sweep.design}, 95% intervals)\n{parameters_note(res.manifest)}"
    return print_paths(save_figure(sensitivity_figure(table, title, res.scenario), res.path / "plots", "sensitivity", args))
