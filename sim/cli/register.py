"""`alliance-sim register`: forecasts issued before their data exist, and their scores as the data arrive."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, add_memory, calibrated, counts, say

ROOT = Path("forecasts")


def add(sub) -> None:
    p = sub.add_parser("register", help="issue a forecast of the years to come, or score the issued ones",
                       description="`issue SCENARIO`: calibrate a history scenario on every year with data (to "
                                   "2024), forecast every observed series for --years, and write "
                                   "forecasts/NAME-DATE/ (quantiles, the ensemble, the date, the git commit, the "
                                   "scenario's and posterior's hashes); an issued folder is never replaced. "
                                   "`score [FOLDER ...]`: score every issued forecast that now has data (default: "
                                   "all under forecasts/).")
    p.add_argument("action", choices=("issue", "score"))
    p.add_argument("targets", nargs="*", metavar="SCENARIO|FOLDER")
    p.add_argument("--years", type=int, nargs="+", default=[2025, 2026, 2027], help="years to forecast (issue)")
    p.add_argument("--runs", type=int, default=200, help="runs of the posterior predictive (issue; default 200)")
    p.add_argument("--workers", type=int, default=1, help="local processes evaluating particles (issue)")
    p.add_argument("--root", default=str(ROOT), help="the register's folder (default: forecasts)")
    p.add_argument("--quiet", action="store_true", help="print only what is written or scored")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..evidence import register

    if args.action == "issue":
        counts(args, "runs", "workers")
        if len(args.targets) != 1:
            raise UsageError("register issue: give one history scenario, e.g. scenarios/history_2005_2024.yaml")
        s = calibrated(args.targets)[0]
        if min(args.years) <= register.LAST_YEAR:
            raise UsageError(f"--years: allowed: years after {register.LAST_YEAR}, which have no data yet")
        folder = register.issue(s, Path(args.root), sorted(set(args.years)), args.runs, args.workers,
                                say=lambda m: say(args, m))
        print(folder)
        return 0
    folders = [Path(t) for t in args.targets] or sorted(p for p in Path(args.root).glob("*") if (p / "manifest.json").is_file())
    if not folders:
        raise UsageError(f"no issued forecast under {args.root}; `alliance-sim register issue SCENARIO` issues one")
    for folder in folders:
        missing = [name for name in ("manifest.json", "ensemble.parquet") if not (folder / name).is_file()]
        if missing:
            raise UsageError(f"{folder} is not an issued forecast (no {' and no '.join(missing)}); allowed: a folder "
                             f"`alliance-sim register issue` wrote under {args.root}")
        found = register.score(folder)
        print(f"{folder}: {len(found)} forecasts have data now")
        if len(found):
            with pd.option_context("display.width", 160):
                print(found.round(3).to_string(index=False))
                print(f"mean CRPS {found['crps'].mean():.3f}; inside the 50/80/90% intervals: "
                      + ", ".join(f"{found[c].mean():.0%}" for c in ("in_50", "in_80", "in_90")))
    return 0
