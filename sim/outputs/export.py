"""Flat tables an analyst can open in a spreadsheet: a results folder's summary, outcomes and
trajectories, batch parts joined, each row carrying the scenario's name and its design point's
factor values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from .results import Results, table_parts

FORMATS = ("csv", "xlsx")
XLSX_ROWS = 1_048_575  # a worksheet's rows, less the header


def flat_parts(res: Results) -> Iterator[tuple[str, pd.DataFrame]]:
    """(name, rows) of summary (batches), outcomes and trajectories, one Parquet part at a time,
    with `scenario` and the factor values as columns: a batch is exported in bounded memory."""
    runs = res.runs.drop(columns=[c for c in ("replicate", "seed") if c in res.runs])
    if res.summary is not None:
        yield "summary", _named(res.summary, res)
    for name in ("outcomes", "trajectories"):
        for part in table_parts(res.path, name):
            yield name, _named(part.merge(runs, on="run_id", how="left"), res)


def _named(table: pd.DataFrame, res: Results) -> pd.DataFrame:
    return table.assign(scenario=res.scenario.name)[["scenario", *table.columns]]


def flat_tables(res: Results) -> dict[str, pd.DataFrame]:
    """The flat tables whole (for a workbook)."""
    found: dict[str, list[pd.DataFrame]] = {}
    for name, rows in flat_parts(res):
        found.setdefault(name, []).append(rows)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in found.items()}


def export(res: Results, fmt: str = "csv", out: Path | None = None) -> list[Path]:
    """Write the flat tables: one CSV file each in a folder (default RESULTS/export), written part
    by part, or one workbook with a sheet each (default RESULTS/export.xlsx). Returns the files written."""
    if fmt == "csv":
        folder = Path(out) if out else res.path / "export"
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, rows in flat_parts(res):
            path = folder / f"{name}.csv"
            first = path not in written
            rows.to_csv(path, index=False, mode="w" if first else "a", header=first)
            written += [path] if first else []
        return written
    if fmt != "xlsx":
        raise ValueError(f"format {fmt!r}: allowed: {', '.join(FORMATS)}")
    tables = flat_tables(res)
    too_big = {name: len(t) for name, t in tables.items() if len(t) > XLSX_ROWS}
    if too_big:
        raise ValueError(f"{', '.join(f'{n} has {k:,} rows' for n, k in too_big.items())}; a worksheet holds at most "
                         f"{XLSX_ROWS:,}: use --format csv")
    from ..extras import require

    require("openpyxl", "export", "writing xlsx files")
    path = Path(out) if out else res.path / "export.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name, table in tables.items():
            table.to_excel(book, sheet_name=name, index=False)
    return [path]
