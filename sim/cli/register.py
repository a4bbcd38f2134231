"""`alliance-sim register`: forecasts issued before their data exist, and their scores as the data arrive."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from .common import UsageError, add_memory, calibrated, counts, say

ROOT = Path("forecasts")


def add(sub) -> None:
    p = sub.add_parser("register", help="issue a forecast of the years to come, or score the issued ones",
                       description="`issue SCENARIO`: calibrate a history scenario on every year it may fit (to 2024), "
                                   "filter its state through the observations to the latest year with data, forecast "
                                   "every series still published for --years beside persistence, a random walk with "
                                   "drift and AR(1) fitted on the same years, and write forecasts/NAME-DATE/ "
                                   "(quantiles, the ensemble, the date, the git commit, the scenario's and posterior's "
                                   "hashes); prints the folder and its SHA-256. An issued folder is never replaced. "
                                   "`score [FOLDER ...]`: score every forecaster of every issued forecast that now has "
                                   "data (default: all under forecasts/), with --data adding figures in the data's "
                                   "format.")
    p.add_argument("action", choices=("issue", "score"))
    p.add_argument("targets", nargs="*", metavar="SCENARIO|FOLDER")
    p.add_argument("--years", type=int, nargs="+", help="years to forecast (issue; default: the three after the latest "
                                                        "year with data)")
    p.add_argument("--sets", type=int, default=200, help="posterior parameter sets in the filter (issue; default 200)")
    p.add_argument("--particles", type=int, default=20, help="filter particles per set (issue; default 20)")
    p.add_argument("--workers", type=int, default=1, help="local processes evaluating particles (issue)")
    p.add_argument("--data", nargs="+", metavar="CSV", default=[],
                   help="score: observations to add to the shipped data, each a CSV in the format of one of the data "
                        "files (trade.csv, total_trade.csv, world_trade.csv, unga_ideal_points.csv, unga_agreement.csv; "
                        "data/README.md), told apart by its columns and checked as the shipped data are")
    p.add_argument("--root", default=str(ROOT), help="the register's folder (default: forecasts)")
    p.add_argument("--quiet", action="store_true", help="print only what is written or scored")
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..evidence import register

    if args.action == "issue":
        return issue(args, register)
    folders = [Path(t) for t in args.targets] or sorted(p for p in Path(args.root).glob("*") if (p / "manifest.json").is_file())
    if not folders:
        raise UsageError(f"no issued forecast under {args.root}; `alliance-sim register issue SCENARIO` issues one")
    for folder in folders:
        missing = [name for name in ("manifest.json", "ensemble.parquet") if not (folder / name).is_file()]
        if missing:
            raise UsageError(f"{folder} is not an issued forecast (no {' and no '.join(missing)}); allowed: a folder "
                             f"`alliance-sim register issue` wrote under {args.root}")
    try:
        root = register.with_added([Path(p) for p in args.data]) if args.data else None
    except register.AddedDataError as exc:
        raise UsageError(str(exc)) from None
    try:
        for folder in folders:
            show(folder, register.score(folder, root), register.digest(folder))
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


def issue(args: argparse.Namespace, register) -> int:
    from ..evidence.forecast import Settings

    counts(args, "sets", "particles", "workers")
    if len(args.targets) != 1:
        raise UsageError("register issue: give one history scenario, e.g. scenarios/history_2005_2024.yaml")
    s = calibrated(args.targets)[0]
    origin = register.latest(s)
    years = sorted(set(args.years or [origin + 1, origin + 2, origin + 3]))
    if min(years) <= origin:
        raise UsageError(f"--years: allowed: years after {origin}, the latest year with data")
    folder = register.issue(s, Path(args.root), years, Settings(sets=args.sets, particles=args.particles), args.workers,
                            say=lambda m: say(args, m))
    print(folder)
    print(f"SHA-256 of the folder: {register.digest(folder)}")
    return 0


def show(folder: Path, found, digest: str) -> None:
    """An issued folder's scores: each forecast, and per forecaster the mean CRPS and coverage."""
    import pandas as pd

    print(f"{folder} (SHA-256 {digest}): {found[['kind', 'pair', 'year']].drop_duplicates().shape[0]} forecasts have data now")
    if not len(found):
        return
    with pd.option_context("display.width", 160):
        print(found.round(3).to_string(index=False))
        g = found.groupby("forecaster", sort=False)
        table = g[["crps", "in_50", "in_80", "in_90"]].mean().assign(forecasts=g.size())
        print(f"\nper forecaster (benchmarks {found['benchmarks'].iloc[0]}):")
        print(table.round(3).to_string())
