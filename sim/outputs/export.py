"""Flat tables an analyst can open in a spreadsheet: a results folder's summary, outcomes and
trajectories, batch parts joined, each row carrying the scenario's name and its design point's
factor values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .results import Results

FORMATS = ("csv", "xlsx")
XLSX_ROWS = 1_048_575  # a worksheet's rows, less the header


def flat_tables(res: Results) -> dict[str, pd.DataFrame]:
    """summary (batches), outcomes and trajectories, with `scenario` and the factor values as columns."""
    runs = res.runs.drop(columns=[c for c in ("replicate", "seed") if c in res.runs])
    found = {}
    if res.summary is not None:
        found["summary"] = res.summary
    found["outcomes"] = res.outcomes.merge(runs, on="run_id", how="left")
    found["trajectories"] = res.trajectories.merge(runs, on="run_id", how="left")
    return {name: table.assign(scenario=res.scenario.name)[["scenario", *table.columns]]
            for name, table in found.items()}


def export(res: Results, fmt: str = "csv", out: Path | None = None) -> list[Path]:
    """Write the flat tables: one CSV file each in a folder (default RESULTS/export), or one
    workbook with a sheet each (default RESULTS/export.xlsx). Returns the files written."""
    tables = flat_tables(res)
    if fmt == "csv":
        folder = Path(out) if out else res.path / "export"
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in tables.items():
            path = folder / f"{name}.csv"
            table.to_csv(path, index=False)
            written.append(path)
        return written
    if fmt != "xlsx":
        raise ValueError(f"format {fmt!r}: allowed: {', '.join(FORMATS)}")
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
