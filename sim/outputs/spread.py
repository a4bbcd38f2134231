"""How runs spread, per design point, recorded pair and quarter: the exact 10%, 50% and 90%
quantiles of the stance and of cooperation across the runs (interpolated between the two
nearest runs, as numpy's, pandas' and DuckDB's `quantile_cont` default), ready to chart.

A batch computes them when it finishes and keeps them (`quantiles.parquet`). It lays its runs
out point-major and writes them in run order, each run's rows in the same order of quarters and
pairs. Read that way, a design point's rows are one block of runs x (quarter, pair) and its
quantiles are a sort along the runs: on a million-run batch (356 million rows) 25 s, against 87 s
grouped by the query engine, which is still used for rows not laid out so (none this tool writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .query import Table, connect, fetch
from .results import Results

QUANTILES = (0.1, 0.5, 0.9)
COLUMNS = ("alignment", "cooperation")
KEYS = ("source", "target", "step", "date")
# trajectory rows read at once (32 bytes each in memory: some 200 MB)
SLAB_ROWS = 6_000_000
# rows the engine groups at once when it summarises: exact quantiles hold every value of their groups
# (measured, two columns: 2 million rows within 250 MB of the engine's 512 MB, 4 million need about 400 MB)
ENGINE_ROWS = 2_000_000


def quantiles(res: Results, con, points: Sequence[int] | None = None, pairs: Sequence[str] | None = None,
              say=lambda message: None) -> pd.DataFrame:
    """One row per design point (a batch's), recorded pair and quarter: the quantiles of each column
    (named like `alignment_q10`), how many runs they are of, and the point's factor values. A batch
    holds them (`quantiles.parquet`, written when it finished); others are computed here."""
    if res.design is None:
        return _engine(con, res.table("trajectories").where(pair=pairs), None)
    if "quantiles" in (res.manifest.get("rows") or {}):
        found = res.table("quantiles").where(point=points or None, pair=pairs).to_pandas()
    else:
        chosen = list(points or res.design["point"])
        say(f"quantiles: {len(chosen):,} design point(s)")
        found = of_runs(res.path, res.table("runs").select("run_id", "point").where(point=chosen).to_pandas(), pairs, con)
    return res.design.merge(found, on="point")


def of_runs(folder: Path, runs: pd.DataFrame, pairs: Sequence[str] | None = None, con=None) -> pd.DataFrame:
    """The quantiles of some runs of a batch folder (`runs`: run_id and point, in run order), one row per
    design point, recorded pair and quarter, in that order."""
    con = con or connect()
    found = _streamed(folder, con, runs, pairs)
    if found is None:
        joined = Table.of(folder, "trajectories").where(pair=pairs).join(Table.of(folder, "runs").select("run_id", "point"))
        found = _engine(con, joined, list(runs["point"].unique()))
    return found


def _streamed(folder: Path, con, runs: pd.DataFrame, pairs: Sequence[str] | None) -> pd.DataFrame | None:
    """The quantiles of some runs (`runs`: run_id and point, in run order) read in one pass, each
    design point's block of runs x rows sorted along the runs as soon as it is complete. None when
    the rows are not laid out point by point and run by run, every run's rows in the same order."""
    ids, point = runs["run_id"].to_numpy(), runs["point"].to_numpy()
    starts = np.flatnonzero(np.r_[True, point[1:] != point[:-1]])
    if len(np.unique(point)) != len(starts):  # a point's runs apart from each other
        return None
    table = Table.of(folder, "trajectories").where(pair=pairs)
    layout = "hash(step, source, target) AS layout"  # a date is its step's
    one = table.where(run_id=int(ids[0]))
    first = fetch(one.sql(f"{', '.join(KEYS)}, {layout}"), one.params)
    if first.empty:
        return None
    rows = con.sql(f"SELECT run_id, {layout}, {', '.join(COLUMNS)} FROM ({table.sql()}) WHERE run_id BETWEEN ? AND ?",
                   params=[*table.params, int(ids[0]), int(ids[-1])]).to_arrow_reader(SLAB_ROWS)
    counts = np.diff(np.r_[starts, len(ids)])
    found = [_block(block, ids[starts[done]:starts[done] + counts[done:complete].sum()], counts[done:complete],
                    point[starts[done:complete]], first)
             for block, done, complete in _whole_points(rows, ids, starts, len(first))]
    if not found or any(f is None for f in found) or sum(len(f) for f in found) != len(starts) * len(first):
        return None
    return pd.concat(found, ignore_index=True)


def _whole_points(rows, ids: np.ndarray, starts: np.ndarray, width: int):
    """The rows read, cut into blocks of whole design points (`starts`: where each point's runs begin
    in `ids`; `width`: rows per run): (the block's columns, its first point, the point after its last)."""
    ends = np.r_[starts[1:], len(ids)]
    every = ids[-1] - ids[0] + 1 == len(ids)  # else other points' runs lie between the chosen ones
    if not every:
        chosen = np.zeros(ids[-1] - ids[0] + 1, dtype=bool)
        chosen[ids - ids[0]] = True
    held, done = None, 0  # held: rows read, not yet in a block; done: points handed out
    for batch in rows:
        arrays = {name: batch[name].to_numpy() for name in ("run_id", "layout", *COLUMNS)}
        if not every:
            keep = chosen[arrays["run_id"] - ids[0]]
            arrays = {name: values[keep] for name, values in arrays.items()}
        held = {name: np.concatenate([held[name], values]) if held else values for name, values in arrays.items()}
        consumed = starts[done] if done < len(starts) else len(ids)  # runs handed out
        complete = np.searchsorted(ends, consumed + len(held["run_id"]) // width, side="right")
        if complete > done:
            cut = (ends[complete - 1] - consumed) * width
            yield {name: values[:cut] for name, values in held.items()}, done, complete
            held = {name: values[cut:] for name, values in held.items()}
            done = complete


def _block(rows: dict, ids: np.ndarray, counts: np.ndarray, points: np.ndarray, first: pd.DataFrame) -> pd.DataFrame | None:
    """The quantiles of whole design points' rows (`counts` runs each), or None if they are not laid out
    run by run (`ids` in order), each run's rows in the order of the first run's (`first`)."""
    width = len(first)
    if len(rows["run_id"]) != len(ids) * width or (rows["run_id"].reshape(-1, width) != ids[:, None]).any() \
            or (rows["layout"].reshape(-1, width) != first["layout"].to_numpy()).any():
        return None
    ends = np.cumsum(counts)
    columns = {}
    for column in COLUMNS:
        values = rows[column].reshape(-1, width)
        found = [_exact(np.sort(values[a:b].T, axis=1)) for a, b in zip(ends - counts, ends)]
        for k, q in enumerate(QUANTILES):
            columns[_name(column, q)] = np.concatenate([f[k] for f in found])
    return pd.DataFrame({"point": np.repeat(points, width), **{key: np.tile(first[key].to_numpy(), len(points)) for key in KEYS},
                         "runs": np.repeat(counts, width), **columns})


def _name(column: str, q: float) -> str:
    return f"{column}_q{round(100 * q)}"


def _exact(ordered: np.ndarray) -> list[np.ndarray]:
    """Each quantile of every row of values sorted along the row, linearly interpolated (np.quantile
    would partition the sorted rows once more: measured, 2.8 times the time of the sort)."""
    n = ordered.shape[1]
    found = []
    for q in QUANTILES:
        h = (n - 1) * q
        low = int(np.floor(h))
        high = min(low + 1, n - 1)
        found.append(ordered[:, low] + (h - low) * (ordered[:, high] - ordered[:, low]))
    return found


def _engine(con, table: Table, points: list[int] | None) -> pd.DataFrame:
    """The quantiles of the rows of some design points (None: of every run) grouped by the query
    engine, a slab of points at a time."""
    if points is None:
        return _grouped(con, table, None)
    per_point = table.where(point=points[:1]).count()  # every point has as many runs, pairs and steps
    size = max(1, ENGINE_ROWS // max(per_point, 1))
    return pd.concat([_grouped(con, table, points[k:k + size]) for k in range(0, len(points), size)], ignore_index=True)


def _grouped(con, table: Table, points: list[int] | None) -> pd.DataFrame:
    rows = table if points is None else table.where(point=points)
    keys = ", ".join([*(["point"] if points is not None else []), *KEYS])
    at = ", ".join(f"{q:g}" for q in QUANTILES)
    grouped = (f"SELECT {keys}, count(*) AS runs, quantile_cont(alignment, [{at}]) AS a, "
               f"quantile_cont(cooperation, [{at}]) AS c FROM ({rows.sql()}) GROUP BY {keys}")
    split = ", ".join(f'{short}[{k + 1}] AS "{_name(column, q)}"' for short, column in (("a", "alignment"), ("c", "cooperation"))
                      for k, q in enumerate(QUANTILES))
    return con.sql(f"SELECT {keys}, runs, {split} FROM ({grouped}) ORDER BY {keys}",
                   params=list(rows.params)).to_arrow_table().to_pandas()
