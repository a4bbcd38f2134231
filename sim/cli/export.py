"""`alliance-sim export`: a results folder as flat tables for a spreadsheet (CSV, Parquet or xlsx)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import UsageError, design_point, load, print_paths, say


def add(sub) -> None:
    p = sub.add_parser("export", help="write a results folder's tables as CSV or Parquet files, or an xlsx workbook",
                       description="Flat tables an analyst can open in a spreadsheet or chart: summary (batches: "
                                   "one row per design point); runs (one row per run: design point, replicate, seed, "
                                   "factor values, the parameter set it drew from the posterior with its values, and "
                                   "the partnership pair's outcome); quantiles (per design point, recorded pair and "
                                   "quarter: the 10%, 50% and 90% quantiles of stance and cooperation); outcomes "
                                   "and trajectories of the recorded pairs. Every table names the scenario and which "
                                   "parameters made its runs (a posterior, or hand-set). A batch's trajectories (often "
                                   "hundreds of millions of rows) are written when asked for: --trajectories, or "
                                   "--point. xlsx needs the 'export' extra.")
    p.add_argument("results", help="results folder")
    p.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv",
                   help="csv: a folder of CSV files (default); parquet: a folder of Parquet files; "
                        "xlsx: one workbook, a sheet per table")
    p.add_argument("--point", type=int, action="append", help="only the runs of this design point (repeatable)")
    p.add_argument("--pair", action="append", help="only this pair, 'A->B' or 'A-B' (both directions; repeatable)")
    p.add_argument("--trajectories", action="store_true", help="a batch: also the trajectories of the runs selected")
    p.add_argument("--out", help="folder (csv, parquet) or file (xlsx) to write (default: RESULTS/export or RESULTS/export.xlsx)")
    p.add_argument("--replace", action="store_true",
                   help="replace the files of an earlier export there (a workbook at --out: only one alliance-sim wrote)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.export import export
    from ..outputs.results import claim
    from ..scenario import parse_pair

    comparison = Path(args.results) / "compare.csv"
    if comparison.is_file() and not (Path(args.results) / "manifest.json").is_file():
        return print_paths([export_comparison(comparison, args.format, args.out, args.replace)])
    if args.out:
        claim(args.out, reads=[args.results], holder=args.format != "xlsx")
    res = load(args.results)
    batch = res.design is not None
    for point in args.point or []:
        design_point(res, point)
    for pair in args.pair or []:
        try:
            names = parse_pair(pair)[:2]
        except ValueError as exc:
            raise UsageError(f"--pair {exc}") from None
        if not set(names) <= set(res.scenario.names):
            raise UsageError(f"--pair {pair!r}: unknown actor; allowed: {', '.join(res.scenario.names)}")
    trajectories = not batch or args.trajectories or bool(args.point)
    if not trajectories:
        say(args, "trajectories not exported: a batch's are written with --trajectories (all runs) or --point N")
    try:
        return print_paths(export(res, args.format, args.out, args.point, args.pair, trajectories,
                                  say=lambda m: say(args, m), replace=args.replace))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def export_comparison(table: Path, fmt: str, out: str | None, replace: bool = False) -> Path:
    """A comparison's table (alliance-sim compare) in the format asked for, beside it or at `out`."""
    import pandas as pd

    from ..outputs.export import frame_workbook
    from ..outputs.results import check_file, claim, new_file

    path = Path(out) if out else table.with_suffix(f".{fmt}")
    claim(path, reads=[table])
    rows = pd.read_csv(table)
    if fmt == "xlsx":
        return frame_workbook({"comparison": rows}, path, replace)
    own = _own_comparison(list(rows.columns), fmt)
    check_file(path, (f".{fmt}",), replace, own)
    with new_file(path, replace, own) as partial:
        rows.to_csv(partial, index=False) if fmt == "csv" else rows.to_parquet(partial, index=False)
    return path


def _own_comparison(columns: list[str], fmt: str):
    """What --replace replaces at a file the user named: a comparison's table as the tool writes it
    (the same columns), or Refused."""
    import pandas as pd
    import pyarrow.parquet as pq

    from ..outputs.results import Refused, tool_file

    def own(path: Path) -> str:
        tool_file(path)
        try:
            found = list(pd.read_csv(path, nrows=0).columns) if fmt == "csv" else pq.read_schema(path).names
        except Exception:  # noqa: BLE001 - any file that does not read as the table is not one
            found = None
        if found != columns:
            raise Refused(f"{path} exists and is not a comparison table alliance-sim wrote; --replace replaces only "
                          "those: choose another --out, or move it away yourself")
        return str(path)

    return own
