"""Flat tables an analyst can open in a spreadsheet or chart, in the manner of NetLogo's
BehaviorSpace: a results folder's summary (batches), one row per run with its parameters and the
partnership pair's outcomes (`runs`), the per-quarter quantiles of every recorded pair ready to
draw (`quantiles`), and the outcomes and trajectories of the recorded pairs, batch parts joined.

Every table says which scenario and which parameters made its runs (the columns `scenario` and
`parameters`), and a number that differs from zero only by rounding (1e-17) is written as 0. The
engine writes the big tables streaming, so a big batch is exported in bounded memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import spread
from .query import Table, connect, literal
from .results import DamagedResults, Refused, Results, check_file, check_files, new_file, staged, tool_file

FORMATS = ("csv", "parquet", "xlsx")
XLSX_ROWS = 1_048_575  # a worksheet's rows, less the header
BLOCK = 100_000  # rows read and written at a time into a workbook
TINY = 1e-12  # a number nearer zero than this is rounding's remainder (a sum of shares, an interval's end): written as 0
QUANTILES = (0.1, 0.5, 0.9)
# trajectory rows whose quantiles are computed at once: exact quantiles hold every value of their groups in memory
# (measured, two columns: 2 million rows within 250 MB of the query engine's 512 MB, 4 million need about 400 MB)
SLAB_ROWS = 2_000_000


def names(res: Results, trajectories: bool) -> list[str]:
    """The tables an export of this folder writes, in order."""
    return [*(["summary"] if res.summary is not None else []), "runs", "quantiles", "outcomes",
            *(["trajectories"] if trajectories else [])]


def parameters_label(manifest: dict) -> str:
    """Which parameters a folder's runs used, as a column's value: the posterior's name and number of
    sets, or 'hand-set' (the scenario file's own values)."""
    source = manifest.get("posterior")
    if source is None:
        return "hand-set"
    sets = manifest.get("posterior_sets")
    return f"posterior {Path(source).name}" + (f" ({sets} sets)" if sets else "")


def tables(res: Results, con, points: Sequence[int] | None = None, pairs: Sequence[str] | None = None,
           trajectories: bool = True, say=lambda message: None) -> dict[str, tuple[str, list]]:
    """Each table of the export (`names`) as a query on the connection `con` and its parameters, with the
    scenario's name and the parameters' source as its first columns and tiny numbers written as 0."""
    points, pairs = list(points or []) or None, list(pairs or []) or None
    found = {"runs": per_run(res, con, points, say), "quantiles": quantiles(res, con, points, pairs, say),
             "outcomes": flat(res, "outcomes", points, pairs)}
    if res.summary is not None:
        found["summary"] = res.table("summary").where(point=points)
    if trajectories:
        found["trajectories"] = flat(res, "trajectories", points, pairs)
    return {name: labelled(res, con, found[name]) for name in names(res, trajectories)}


def flat(res: Results, name: str, points: Sequence[int] | None = None, pairs: Sequence[str] | None = None) -> Table:
    """Outcomes or trajectories of the runs selected, with each run's design point and factor values."""
    if res.design is None:
        return res.table(name).where(pair=pairs or None)
    if not point_major(res):
        table = res.table(name).where(point=points or None, pair=pairs or None)
        return table.join(res.table("runs").select("run_id", *res.design.columns))
    # run ids are point-major (run_id = point x replicates + replicate) and stored in run order: the point and
    # its factor values are looked up from the run id, and the rows kept in the order stored, with no join to
    # undo it and no sort to restore it (a million runs' outcomes: 11 s, against 24 s joined and sorted)
    replicates = int(res.manifest["replicates"])
    factors = [c for c in res.design.columns if c != "point"]
    point = f'("run_id" // {replicates})'
    looked_up = "".join(f', list_extract(?, {point} + 1) AS "{c}"' for c in factors)
    inner = res.table(name).where(pair=pairs or None)
    table = Table(f"(SELECT *, {point} AS point{looked_up} FROM ({inner.sql()}))",
                  (*(res.design[c].tolist() for c in factors), *inner.params), folder=inner.folder, name=name)
    if points:
        table = replace(table, conditions=(f"point IN ({', '.join('?' * len(points))})",),
                        params=(*table.params, *map(int, points)))
    return table


def point_major(res: Results) -> bool:
    """Whether a batch's run ids are laid out point-major, as the batch engine writes them, its design
    points numbered from 0 and its factors numbers."""
    design, replicates = res.design, res.manifest.get("replicates")
    if design is None or not isinstance(replicates, int) or replicates < 1:
        return False
    runs = res.table("runs").select("run_id", "point").to_pandas()
    return (bool((runs["point"].to_numpy() == runs["run_id"].to_numpy() // replicates).all())
            and np.array_equal(design["point"].to_numpy(), np.arange(len(design)))
            and all(pd.api.types.is_numeric_dtype(design[c]) for c in design.columns))


def per_run(res: Results, con, points: Sequence[int] | None = None, say=lambda message: None) -> Table:
    """One row per run: its id, design point, replicate and seed, its factor values, the parameter set
    it drew from the posterior (`posterior_row`) with that set's values, and the partnership pair's
    outcome (reached, when, how long held, the final stances both ways and cooperation)."""
    runs = res.table("runs").where(point=points)
    drawn = drawn_sets(res, [name for name, _ in described(con, runs)], say)
    if drawn is not None:
        con.register("drawn_sets", drawn)
        runs = runs.join(Table("drawn_sets"), on="posterior_row")
    return runs.join(res.focal_outcomes())


def drawn_sets(res: Results, present: list[str], say=lambda message: None) -> pd.DataFrame | None:
    """The values of the posterior's sets, by `posterior_row`, where the runs table holds only the row
    (a batch's; a run's holds the values): read from the posterior the manifest names, if it is still
    the one the runs drew from (its hash). A value named as a factor is called posterior.NAME."""
    source = res.manifest.get("posterior")
    if source is None or "posterior_row" not in present:
        return None
    from .posterior import read_posterior

    try:
        posterior = read_posterior(source)
    except (FileNotFoundError, DamagedResults) as exc:
        reason = str(exc)
    else:
        if posterior.digest() == res.manifest.get("posterior_sha256"):
            if set(posterior.names) <= set(present):
                return None
            values = posterior.table.drop(columns="weight")
            values = values.rename(columns={c: f"posterior.{c}" for c in values.columns if c in present})
            return values.rename_axis("posterior_row").reset_index()
        reason = f"{source} holds another posterior than the one the runs drew from (its hash differs)"
    say(f"runs: the posterior's values are left out, only the row of the set each run drew is given "
        f"(posterior_row): {reason}")
    return None


def quantiles(res: Results, con, points: Sequence[int] | None = None, pairs: Sequence[str] | None = None,
              say=lambda message: None) -> Table:
    """Per design point (a batch's), recorded pair and quarter: the exact 10%, 50% and 90% quantiles of
    the stance and of cooperation across the runs, how many runs they are of, the point's factor values."""
    found = spread.quantiles(res, con, points, pairs, say)
    con.register("quantile_rows", found)
    keys = ("point", "source", "target", "step") if res.design is not None else ("source", "target", "step")
    return Table("quantile_rows", order=keys)


def described(con, table: Table) -> list[tuple[str, str]]:
    """A query's columns: (name, type) each, none of its rows read."""
    result = con.execute(f"SELECT * FROM ({table.sql()}) LIMIT 0", list(table.params))
    found = [(d[0], str(d[1])) for d in result.description]
    result.fetchall()  # a connection takes the next query once this one's result is read out
    return found


def labelled(res: Results, con, table: Table) -> tuple[str, list]:
    """A table's query with the scenario's name and the parameters' source first, in run order, every
    floating-point column's tiny values written as 0."""
    shown = [f'CASE WHEN abs("{name}") < {TINY} THEN 0 ELSE "{name}" END AS "{name}"'
             if kind in ("DOUBLE", "FLOAT") else f'"{name}"' for name, kind in described(con, table)]
    order = f" ORDER BY {', '.join(table.order)}" if table.order else ""
    return (f"SELECT ? AS scenario, ? AS parameters, {', '.join(shown)} FROM ({table.sql()}){order}",
            [res.scenario.name, parameters_label(res.manifest), *table.params])


def export(res: Results, fmt: str = "csv", out: Path | None = None, points: Sequence[int] | None = None,
           pairs: Sequence[str] | None = None, trajectories: bool = True, say=lambda message: None,
           replace: bool = False) -> list[Path]:
    """Write the flat tables of the runs selected (design points, pairs): one file each in a
    folder (default RESULTS/export) as CSV or Parquet, or one workbook with a sheet each
    (default RESULTS/export.xlsx). Files already there are replaced only with `replace` (a
    workbook at a path given: only one the tool wrote). Returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: allowed: {', '.join(FORMATS)}")
    con = connect()
    if fmt == "xlsx":
        return [workbook(res, con, out, points, pairs, trajectories, say, replace)]
    folder = Path(out) if out else res.path / "export"
    written = names(res, trajectories)
    check_files(folder, [f"{name}.{fmt}" for name in written], replace)  # before the work, and again at each move
    queries = tables(res, con, points, pairs, trajectories, say)
    with staged(folder, replace) as partial:  # the files appear together, or not at all
        for name, (sql, params) in queries.items():
            options = "HEADER" if fmt == "csv" else "FORMAT parquet"
            con.execute(f"COPY ({sql}) TO {literal(str(partial / f'{name}.{fmt}'))} ({options})", params)
    return [folder / f"{name}.{fmt}" for name in written]


def workbook(res: Results, con, out: Path | None, points=None, pairs=None, trajectories: bool = True,
             say=lambda message: None, replace: bool = False) -> Path:
    """One workbook, a sheet per table, written row by row in constant memory (xlsxwriter), block by
    block from the query, saying how far it has got: a spreadsheet is slow to write."""
    from ..extras import require

    xlsxwriter = require("xlsxwriter", "export", "writing xlsx files")
    path = Path(out) if out else res.path / "export.xlsx"
    check_file(path, (".xlsx",), replace, own_workbook)
    queries = tables(res, con, points, pairs, trajectories, say)
    counts = {name: int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0])
              for name, (sql, params) in queries.items()}
    too_big = {name: n for name, n in counts.items() if n > XLSX_ROWS}
    if too_big:
        raise ValueError(f"{', '.join(f'{n} has {k:,} rows' for n, k in too_big.items())}; a worksheet holds at most "
                         f"{XLSX_ROWS:,}: select fewer runs (--point, --pair) or use --format csv")
    with new_file(path, replace, own_workbook) as partial:
        book = _book(xlsxwriter, partial)
        try:
            for name, (sql, params) in queries.items():
                blocks = (batch.to_pandas() for batch in con.sql(sql, params=params).to_arrow_reader(BLOCK))
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
