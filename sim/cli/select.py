"""`alliance-sim select`: choose between calibrated models on the fit window, then score all on the hindcast."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_memory, add_replace, calibrated, counts, say


def add(sub) -> None:
    p = sub.add_parser("select", help="choose between models on in-sample evidence, then score them on the hindcast",
                       description="Calibrate each history scenario (with a `calibration:` section) on the years "
                                   "before --validate-from and score its posterior predictive on --validate-from to "
                                   "2018: the lowest misfit is chosen. Then calibrate each on the whole fit window "
                                   "(to 2018) and score the 2019-2024 hindcast, which informs no choice. Calibrations "
                                   "already in --out are continued, not repeated. Writes selection.csv.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="history scenario YAML files to compare")
    p.add_argument("--validate-from", type=int, default=2015, help="first validation year (default 2015)")
    p.add_argument("--runs", type=int, default=200, help="runs of each posterior predictive (default 200)")
    p.add_argument("--workers", type=int, default=1, help="local processes evaluating particles (default 1)")
    p.add_argument("--out", help="folder for the calibrations and selection.csv (default: results/selection)")
    p.add_argument("--quiet", action="store_true", help="print only the table's file")
    add_replace(p, "the selection.csv of an earlier selection there (its calibrations are continued either way)")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..outputs.results import check_files, claim, new_file

    counts(args, "runs", "workers")
    models = calibrated(args.scenarios)
    if not 2006 <= args.validate_from <= 2018:
        raise UsageError(f"--validate-from {args.validate_from}: allowed: 2006 to 2018 (inside the fit window)")
    if args.out:
        claim(args.out, reads=args.scenarios, holder=True)
    out = Path(args.out) if args.out else Path("results") / "selection"
    check_files(out, ["selection.csv"], args.replace)
    from ..evidence.calibration import CalibrationError  # the calibration's libraries: after the checks
    from ..evidence.selection import select, verdict

    try:
        table = select(models, out, args.validate_from, args.runs, args.workers, say=lambda m: say(args, m))
    except CalibrationError as exc:
        raise UsageError(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    with new_file(out / "selection.csv", args.replace) as partial:
        table.to_csv(partial, index=False)
    if not args.quiet:
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(table.round(3).to_string(index=False))
        print("\n" + "\n".join(verdict(table)))
    print(out / "selection.csv")
    return 0
