"""`alliance-sim sensitivity`: Sobol indices or Morris effects of a sobol or morris batch."""

from __future__ import annotations

import argparse

from .common import UsageError, add_svg, load, print_paths, say


def add(sub) -> None:
    p = sub.add_parser("sensitivity", help="Sobol indices or Morris mu*/sigma of a sobol or morris batch (SALib)",
                       description="Global sensitivity of the partnership probability and of the final stance "
                                   "of the pair to each factor: first-order and total Sobol indices, or Morris "
                                   "mu* and sigma, with 95% bootstrap intervals. Writes sensitivity.parquet "
                                   "and plots/sensitivity.png in RESULTS.")
    p.add_argument("results", help="results folder of a sobol or morris batch")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    add_svg(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..analysis import sensitivity
    from ..outputs.figures import save, sensitivity_figure
    from ..outputs.results import parameters_note, write_table

    res = load(args.results)
    say(args, "sensitivity: the indices of the batch's outcomes")
    try:
        table = sensitivity.analyse(res, seed=args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    write_table(table, res.path / "sensitivity.parquet")
    print(sensitivity.wide(table).round(3).to_string())
    title = f"Sensitivity of '{res.scenario.name}' ({res.scenario.sweep.design}, 95% intervals)\n{parameters_note(res.manifest)}"
    return print_paths(save(sensitivity_figure(table, title, res.scenario), res.path / "plots" / "sensitivity", args.svg))
