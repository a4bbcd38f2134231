"""A results table as a query: the embedded engine (DuckDB) reads the table's Parquet parts,
filters, joins and aggregates them there, and only the answer reaches memory.

    res.table("trajectories").where(point=17, pair="Seoul->Moscow").to_pandas()
    res.table("trajectories").where(pair="Seoul->Moscow").quantiles("alignment", by="step")

DuckDB was chosen over pyarrow datasets by measurement (docs/performance.md, "Queries"): it
aggregates streaming in bounded memory and spills beyond its budget, where pyarrow's grouped
aggregation holds the whole column.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..scenario import parse_pair

MEMORY_LIMIT = "512MB"  # the engine's own budget: it streams, and spills to disk beyond it
ORDER = {"runs": ("run_id",), "trajectories": ("run_id", "step", "source", "target"),
         "outcomes": ("run_id", "source", "target"), "design": ("point",), "summary": ("point",),
         "quantiles": ("point", "source", "target", "step")}
PER_RUN = ("trajectories", "outcomes")  # the tables that name runs, not design points


def connect(threads: int | None = None):
    """A DuckDB connection within the memory budget, on the machine's cores (or `threads`)."""
    import duckdb

    return duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": threads or os.cpu_count() or 1,
                                  "temp_directory": spill_folder()})


@functools.cache
def spill_folder() -> str:
    # the process's own, in the system's temporary space: not the user's working folder (DuckDB's default)
    folder = tempfile.mkdtemp(prefix="alliance-sim-query-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def fetch(sql: str, params: Sequence = (), threads: int | None = None) -> pd.DataFrame:
    # through Arrow: DuckDB's own conversion of text columns to pandas is three times slower
    return connect(threads).sql(sql, params=list(params)).to_arrow_table().to_pandas()


@dataclass(frozen=True)
class Table:
    """A table of a results folder (runs, trajectories, outcomes, design, summary) as a query: nothing is
    read until `to_pandas`, `group`, `quantiles` or `count`, and then only the rows and columns
    asked for."""

    relation: str  # what the query reads: a table's Parquet parts, or a join of queries
    params: tuple = ()
    conditions: tuple[str, ...] = ()
    columns: tuple[str, ...] = ("*",)
    folder: Path | None = None
    name: str = ""  # the table's name (of the first, in a join)
    order: tuple[str, ...] = ()  # the rows' order when read: by run (and step, pair)

    @classmethod
    def of(cls, folder: Path, name: str) -> Table:
        """One file, or a folder of parts (batches)."""
        path = Path(folder) / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{folder} has no {name} table")
        files = str(path / "part-*.parquet") if path.is_dir() else str(path)
        return cls(f"read_parquet({literal(files)})", folder=Path(folder), name=name, order=ORDER.get(name, ()))

    def where(self, point: int | Sequence[int] | None = None, pair: str | Sequence[str] | None = None, **equal) -> Table:
        """The rows of some design points, of some pairs ('A->B' one direction, 'A-B' both), and
        whose columns equal a value (or one of a list of values)."""
        conditions, params = list(self.conditions), list(self.params)
        if point is not None:
            points = [int(point)] if isinstance(point, (int, float)) else [int(p) for p in point]
            if self.name in PER_RUN:
                runs = Table.of(self.folder, "runs").relation
                conditions.append(f"run_id IN (SELECT run_id FROM {runs} WHERE point IN ({marks(points)}))")
            else:
                conditions.append(f"point IN ({marks(points)})")
            params += points
        if pair is not None:
            directed = [d for p in ([pair] if isinstance(pair, str) else pair) for d in directions(p)]
            conditions.append("(" + " OR ".join(["(source = ? AND target = ?)"] * len(directed)) + ")")
            params += [name for d in directed for name in d]
        for column, value in equal.items():
            values = list(value) if isinstance(value, (list, tuple, set, range)) else [value]
            conditions.append(f'"{column}" IN ({marks(values)})')
            params += values
        return replace(self, conditions=tuple(conditions), params=tuple(params))

    def select(self, *columns: str) -> Table:
        """Only these columns."""
        return replace(self, columns=tuple(f'"{c}"' for c in columns), order=tuple(k for k in self.order if k in columns))

    def join(self, other: Table, on: str = "run_id") -> Table:
        """The rows of both that share `on` (select the other's columns first: names must not clash)."""
        relation = f"({self.sql()}) JOIN ({other.sql()}) USING (\"{on}\")"
        return Table(relation, self.params + other.params, folder=self.folder, name=self.name, order=self.order)

    def __repr__(self) -> str:
        return f"<query, not read yet: {self.sql()} {list(self.params)}>"

    def sql(self, columns: str | None = None, ordered: bool = False) -> str:
        """The query; `columns` replaces the columns selected (parameters in it come first)."""
        where = f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""
        order = f" ORDER BY {', '.join(self.order)}" if ordered and self.order else ""
        return f"SELECT {columns or ', '.join(self.columns)} FROM {self.relation}{where}{order}"

    def to_pandas(self) -> pd.DataFrame:
        """The rows selected, as a frame, in run order (then step, then pair)."""
        return fetch(self.sql(ordered=True), self.params)

    def batches(self, rows: int):
        """The rows selected, as frames of at most `rows` rows each, in run order (bounded memory)."""
        reader = connect().sql(self.sql(ordered=True), params=list(self.params)).to_arrow_reader(rows)
        for batch in reader:
            yield batch.to_pandas()

    def count(self) -> int:
        """How many rows are selected (counted by the engine, none read)."""
        return int(connect().execute(f"SELECT count(*) FROM ({self.sql()})", list(self.params)).fetchone()[0])

    def group(self, by: str | Sequence[str], threads: int | None = None, **aggregates: str) -> pd.DataFrame:
        """One row per group, in group order: `name=SQL aggregate`, e.g. share='avg(partnership::DOUBLE)'."""
        keys = ", ".join(f'"{b}"' for b in ([by] if isinstance(by, str) else by))
        values = ", ".join(f'{sql} AS "{name}"' for name, sql in aggregates.items())
        return fetch(f"SELECT {keys}, {values} FROM ({self.sql()}) GROUP BY {keys} ORDER BY {keys}", self.params, threads)

    def quantiles(self, column: str, by: str | Sequence[str] = "step", q: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Quantiles of a column per group, as the engine's streaming estimates (t-digest): one
        column per quantile, named by it ('0.1', '0.5', '0.9'). On one thread: an estimate merged
        from parallel parts would depend on how the work was split, and a figure drawn twice would differ."""
        return self.group(by, threads=1, **{f"{p:g}": f'approx_quantile("{column}", {float(p)})' for p in q})


def directions(pair: str) -> list[tuple[str, str]]:
    a, b, both = parse_pair(pair)
    return [(a, b), (b, a)] if both else [(a, b)]


def literal(text: str) -> str:
    """Text as an SQL string literal (a file's path)."""
    return "'" + text.replace("'", "''") + "'"


def marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))
