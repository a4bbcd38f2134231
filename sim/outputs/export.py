"""Flat tables an analyst can open in a spreadsheet: a results folder's summary, outcomes and
trajectories, batch parts joined, each row carrying the scenario's name and its run's design
point and factor values. The engine writes them streaming, so a big batch is exported in
bounded memory."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .query import Table, connect, literal
from .results import Refused, Results, check_file, check_files, new_file, staged, tool_file

FORMATS = ("csv", "parquet", "xlsx")
XLSX_ROWS = 1_048_575  # a worksheet's rows, less the header
BLOCK = 100_000  # rows read and written at a time into a workbook


def flat(res: Results, name: str, points: Sequence[int] | None = None, pairs: Sequence[str] | None = None) -> Table:
    """Outcomes or trajectories of the runs selected, with each run's design point and factor values."""
    table = res.table(name).where(point=points or None, pair=pairs or None)
    if res.design is None:
        return table
    return table.join(res.table("runs").select("run_id", *res.design.columns))


def summary(res: Results, points: Sequence[int] | None = None) -> pd.DataFrame:
    rows = res.summary if not points else res.summary[res.summary["point"].isin(points)]
    return rows.assign(scenario=res.scenario.name)[["scenario", *rows.columns]]


def export(res: Results, fmt: str = "csv", out: Path | None = None, points: Sequence[int] | None = None,
           pairs: Sequence[str] | None = None, trajectories: bool = True, say=lambda message: None,
           replace: bool = False) -> list[Path]:
    """Write the flat tables of the runs selected (design points, pairs): one file each in a
    folder (default RESULTS/export) as CSV or Parquet, or one workbook with a sheet each
    (default RESULTS/export.xlsx). Files already there are replaced only with `replace` (a
    workbook at a path given: only one the tool wrote). Returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: allowed: {', '.join(FORMATS)}")
    names = ["outcomes", "trajectories"] if trajectories else ["outcomes"]
    tables = {name: flat(res, name, points, pairs) for name in names}
    if fmt == "xlsx":
        return [workbook(res, tables, points, out, say, replace)]
    folder = Path(out) if out else res.path / "export"
    names = (["summary"] if res.summary is not None else []) + list(tables)
    check_files(folder, [f"{name}.{fmt}" for name in names], replace)  # before the work, and again at each move
    with staged(folder, replace) as partial:  # the files appear together, or not at all
        if res.summary is not None:
            rows = summary(res, points)
            target = partial / f"summary.{fmt}"
            rows.to_csv(target, index=False) if fmt == "csv" else rows.to_parquet(target, index=False)
        for name, table in tables.items():
            sql = table.sql("? AS scenario, *", ordered=True)
            options = "HEADER" if fmt == "csv" else "FORMAT parquet"
            target = literal(str(partial / f"{name}.{fmt}"))
            connect().execute(f"COPY ({sql}) TO {target} ({options})", [res.scenario.name, *table.params])
    return [folder / f"{name}.{fmt}" for name in names]


def workbook(res: Results, tables: dict[str, Table], points, out: Path | None, say=lambda message: None,
             replace: bool = False) -> Path:
    """One workbook, a sheet per table, written row by row in constant memory (xlsxwriter), block by
    block from the query, saying how far it has got: a spreadsheet is slow to write."""
    counts = {name: table.count() for name, table in tables.items()}
    too_big = {name: n for name, n in counts.items() if n > XLSX_ROWS}
    if too_big:
        raise ValueError(f"{', '.join(f'{n} has {k:,} rows' for n, k in too_big.items())}; a worksheet holds at most "
                         f"{XLSX_ROWS:,}: select fewer runs (--point, --pair) or use --format csv")
    from ..extras import require

    xlsxwriter = require("xlsxwriter", "export", "writing xlsx files")
    path = Path(out) if out else res.path / "export.xlsx"
    own = tool_file if out is None else own_workbook
    check_file(path, (".xlsx",), replace, own)
    with new_file(path, replace, own) as partial:
        book = _book(xlsxwriter, partial)
        try:
            if res.summary is not None:
                _sheet(book, "summary", [summary(res, points)])
            for name, table in tables.items():
                blocks = (rows.assign(scenario=res.scenario.name)[["scenario", *rows.columns]]
                          for rows in table.batches(BLOCK))
                _sheet(book, name, blocks, lambda n, name=name: say(f"{name}: {n:,} of {counts[name]:,} rows written"))
        finally:
            book.close()
    return path


def _sheet(book, name: str, blocks, said=lambda n: None) -> None:
    """A sheet of frames written in order, a header first (constant memory writes rows in order only)."""
    sheet, written = book.add_worksheet(name), 0
    for rows in blocks:
        if written == 0:
            sheet.write_row(0, 0, list(rows.columns))
        cells = rows.astype(object).where(rows.notna(), None).itertuples(index=False, name=None)
        for k, row in enumerate(cells, start=written + 1):
            sheet.write_row(k, 0, row)
        written += len(rows)
        said(written)


def frame_workbook(frames: dict[str, pd.DataFrame], path: Path, replace: bool = False) -> Path:
    """Tables (a comparison's) as one workbook, a sheet each; a workbook there is replaced only with
    `replace`, and only one the tool wrote."""
    from ..extras import require

    xlsxwriter = require("xlsxwriter", "export", "writing xlsx files")
    check_file(path, (".xlsx",), replace, own_workbook)
    with new_file(path, replace, own_workbook) as partial:
        book = _book(xlsxwriter, partial)
        try:
            for name, frame in frames.items():
                _sheet(book, name, [frame])
        finally:
            book.close()
    return path


MARK = "written by alliance-sim"  # in a workbook's properties: what --replace checks before replacing one


def _book(xlsxwriter, path: Path):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"comments": MARK})
    return book


def own_workbook(path: Path) -> str:
    """What --replace replaces at a file the user named: a workbook the tool wrote (its properties say
    so), or Refused."""
    tool_file(path)
    try:
        with zipfile.ZipFile(path) as book:
            ours = MARK.encode() in book.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        ours = False
    if not ours:
        raise Refused(f"{path} exists and is not a workbook alliance-sim wrote; --replace replaces only those: choose "
                      "another --out, or move it away yourself")
    return str(path)
