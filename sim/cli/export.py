"""`alliance-sim export`: a results folder as flat tables for a spreadsheet (CSV, or xlsx)."""

from __future__ import annotations

import argparse

from .common import UsageError, load, print_paths


def add(sub) -> None:
    p = sub.add_parser("export", help="write a results folder's tables as CSV files or an xlsx workbook",
                       description="Flat tables an analyst can open in a spreadsheet: summary (batches), outcomes "
                                   "and trajectories of the recorded pairs, batch parts joined, with the scenario's "
                                   "name and each run's factor values as columns. xlsx needs the 'export' extra.")
    p.add_argument("results", help="results folder")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="csv: a folder of CSV files (default); "
                                                                           "xlsx: one workbook, a sheet per table")
    p.add_argument("--out", help="folder (csv) or file (xlsx) to write (default: RESULTS/export or RESULTS/export.xlsx)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..outputs.export import export

    res = load(args.results)
    try:
        return print_paths(export(res, args.format, args.out))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
