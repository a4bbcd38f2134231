"""The observed series under data/, read as tidy tables keyed by the model's actor names.

Nothing is filled in here: a year without a figure has no row. Each row keeps its source.
Every reader takes the folder to read (`root`; default: the shipped data), so that a
calibration can fit a user's own series in the same format (data/README.md).
"""

from __future__ import annotations

import csv
import io
import math
from functools import cache
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import ScenarioError
from ..scenario.errors import Problem

FIT_END = 2018  # the fit window ends here; 2019 on is the hindcast (scored, never fitted)
ISO = {"KOR": "Seoul", "USA": "Washington", "CHN": "Beijing", "RUS": "Moscow", "JPN": "Tokyo"}
# per pair-year, the first kind of bilateral figure that exists is used (data/README.md)
PRIORITY = ("PRIMARY", "KOR-reported", "US-reported", "PAGE", "DERIVED")
# per state-year, the first kind of total that exists (OVERLAP rows measure a break, unused)
TOTAL_PRIORITY = ("PRIMARY", "AGENCY", "DERIVED", "WDI")
MAX_BYTES = 50_000_000  # a data file is some kilobytes (the shipped ones are under 100 KB)
FORMAT = "in the format of data/README.md"


class DataError(ScenarioError):
    """An observed series that is missing or not in the documented format, reported as a scenario's
    problems are: the file, the line of the row, the column and what is allowed."""

    def __init__(self, source: str | Path, message: str, line: int | None = None, column: str = ""):
        super().__init__(str(source), [Problem(column, message, line)])


def folder() -> Path:
    """The shipped data folder: installed with the package, or in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "trade.csv").is_file():
            return candidate
    raise DataError(package, "the observed data (data/trade.csv) are missing from this installation")


# What a cell of each kind of column may hold, and how it is read (blank: a gap, read as missing).
KINDS = {
    "year": "a year (a whole number from 1900 to 2100)",
    "number": "a finite number, or blank (a gap)",
    "amount": "a positive finite number, or blank (a gap)",
    "share": "a number from 0 to 1",
    "iso": f"one of the codes {', '.join(sorted(ISO))}",
    "actor": f"one of the states {', '.join(ISO.values())}",
    "code": "a code (not blank)",
    "text": "any text, or blank",
}


def read(name: str, columns: dict[str, str], root: Path | None = None) -> pd.DataFrame:
    """One data file, checked to hold the documented columns, each cell of the kind `columns` gives
    it (KINDS; other columns are text): a DataError names the file, the line and the column of the
    first cell that is not. The same reader for the shipped data and for a user's folder."""
    where = Path(root or folder())
    if not where.is_dir():
        reason = "is not a folder" if where.exists() else "does not exist"
        raise DataError(where, f"{reason}; allowed: a folder of observed series {FORMAT}")
    path = where / name
    header, rows, lines = _records(path, where, name)
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(path, f"lacks the columns {', '.join(missing)}; allowed: the columns {', '.join(columns)} "
                              f"{FORMAT}", 1)
    table = {}
    for k, column in enumerate(header):
        kind = columns.get(column, "text")
        cells = [row[k] for row in rows]
        table[column] = _text(cells) if kind == "text" else _typed(cells, kind, path, column, lines)
    return pd.DataFrame(table)


def _records(path: Path, where: Path, name: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the rows and each row's line of a CSV file in UTF-8, read whole and checked to be
    one (a regular file of bounded size, every row as wide as the header)."""
    if not path.exists():
        raise DataError(where, f"{name} is missing; allowed: a folder holding {name} {FORMAT}")
    if not path.is_file():  # a folder, a pipe, a device: nothing to read, or no end to it
        raise DataError(path, f"is not a regular file; allowed: a CSV file {FORMAT}")
    with path.open("rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise DataError(path, f"is over {MAX_BYTES:,} bytes; allowed: a data file of at most that size")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"is not UTF-8 text (byte {raw[exc.start]:#x}); allowed: a CSV file in UTF-8",
                        raw[:exc.start].count(b"\n") + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, lines, line = [], [], 1
    try:
        for record in reader:
            if record:  # a blank line holds no row
                records.append(record)
                lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(path, f"is not valid CSV ({exc}); allowed: a CSV file {FORMAT}", reader.line_num) from None
    if len(records) < 2:
        raise DataError(path, f"{'holds no rows' if records else 'is empty'}; allowed: a header row and rows {FORMAT}")
    header, rows = records[0], records[1:]
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise DataError(path, f"names the column {twice[0]!r} twice; allowed: each column once", lines[0])
    for row, at in zip(rows, lines[1:]):
        if len(row) != len(header):
            raise DataError(path, f"has {len(row)} cells where the header has {len(header)} columns; allowed: "
                                  "one cell per column (blank for a gap)", at)
    return header, rows, lines[1:]


def _text(cells: list[str]) -> pd.Series:
    return pd.Series([cell if cell.strip() else np.nan for cell in cells], dtype="str")


def _typed(cells: list[str], kind: str, path: Path, column: str, lines: list[int]) -> pd.Series:
    """A column's cells read as their kind, or a DataError naming the first that is not one."""
    values = []
    for cell, line in zip(cells, lines):
        value = _cell(cell.strip(), kind)
        if value is None:
            raise DataError(path, f"value {cell[:40]!r} is not allowed; allowed: {KINDS[kind]}", line, column)
        values.append(value)
    return pd.Series(values, dtype={"year": "int64", "number": float, "amount": float, "share": float}.get(kind, "str"))


def _cell(cell: str, kind: str):
    """A cell as its kind: a number (NaN for a gap) or a code; None if it is not one of the kind."""
    if kind in ("iso", "actor", "code"):
        allowed = {"iso": ISO, "actor": ISO.values()}.get(kind)
        return cell if cell and (allowed is None or cell in allowed) else None
    if not cell and kind in ("number", "amount"):
        return math.nan
    try:
        value = int(cell) if kind == "year" else float(cell)
    except ValueError:
        return None
    if kind == "year":
        return value if 1900 <= value <= 2100 else None  # and within the table's integers
    ok = math.isfinite(value) and (kind != "amount" or value > 0) and (kind != "share" or 0 <= value <= 1)
    return value if ok else None


def pair(a: str, b: str) -> str:
    """The model's name of an unordered pair: the two actors in alphabetical order, 'A-B'."""
    return "-".join(sorted((a, b)))


@cache
def unga(root: Path | None = None) -> pd.DataFrame:
    """UN General Assembly voting agreement: year, pair, agree (0-1), votes, source."""
    t = read("unga_agreement.csv", {"year": "year", "a": "actor", "b": "actor", "agree": "share", "votes": "number",
                                      "source": "text"}, root)
    return t.assign(pair=[pair(a, b) for a, b in zip(t["a"], t["b"])])[["year", "pair", "agree", "votes", "source"]]


@cache
def ideal_points(root: Path | None = None) -> pd.DataFrame:
    """UN General Assembly ideal points of the model's states: year, actor, all (on all votes),
    second (the release's second estimate), source. Other states are left out."""
    t = read("unga_ideal_points.csv", {"year": "year", "country": "code", "ideal_point": "number", "ideal_point_fp": "number",
                                     "source": "text"}, root)
    t = t[t["country"].isin(list(ISO))]
    return pd.DataFrame({"year": t["year"], "actor": t["country"].map(ISO), "all": t["ideal_point"],
                         "second": t["ideal_point_fp"], "source": t["source"]}).reset_index(drop=True)


@cache
def ideal_distance(root: Path | None = None) -> pd.DataFrame:
    """The distance between two states' ideal points per year: year, pair, distance, estimate.

    On all votes where the release gives it (to 2023); a later year given only on the second
    estimate (2024) is chain-linked to it: the last distance on all votes plus the change of
    the second estimate's distance since that year, so that a change of estimate is not read
    as a change of policy.
    """
    p = ideal_points(root)
    rows = []
    for a, b in combinations(sorted(p["actor"].unique()), 2):
        both = p[p["actor"] == a][["year", "all", "second"]].merge(
            p[p["actor"] == b][["year", "all", "second"]], on="year", suffixes=("", "_b")).set_index("year")
        d_all = (both["all"] - both["all_b"]).abs().dropna()
        d_second = (both["second"] - both["second_b"]).abs().dropna()
        rows += [(year, pair(a, b), value, "all votes") for year, value in d_all.items()]
        if len(d_all):
            last = d_all.index.max()
            if last in d_second.index:
                rows += [(year, pair(a, b), d_all[last] + d_second[year] - d_second[last], "second, chain-linked")
                         for year in d_second.index if year > last]
    return pd.DataFrame(rows, columns=["year", "pair", "distance", "estimate"]).sort_values(["pair", "year"], ignore_index=True)


@cache
def trade_figures(root: Path | None = None) -> pd.DataFrame:
    """Every bilateral trade figure of a kind in PRIORITY: year, pair, usd_bn, kind, rank, source."""
    columns = {"year": "year", "a": "iso", "b": "iso", "total_usd_bn": "amount", "source": "text", "note": "text"}
    t = read("trade.csv", columns, root).dropna(subset=["total_usd_bn"])
    t["kind"] = t["note"].str.extract(f"^({'|'.join(PRIORITY)})", expand=False)
    t = t.dropna(subset=["kind"])
    t["rank"] = t["kind"].map({k: i for i, k in enumerate(PRIORITY)})
    t["pair"] = [pair(ISO[a], ISO[b]) for a, b in zip(t["a"], t["b"])]
    return t.rename(columns={"total_usd_bn": "usd_bn"})[["year", "pair", "usd_bn", "kind", "rank", "source"]]


@cache
def trade(root: Path | None = None) -> pd.DataFrame:
    """Bilateral goods trade, one figure per pair-year (the first kind in PRIORITY that has one):
    year, pair, usd_bn, kind, source."""
    best = trade_figures(root).sort_values("rank").drop_duplicates(["year", "pair"]).sort_values(["pair", "year"])
    return best.drop(columns="rank").reset_index(drop=True)


@cache
def total_trade(root: Path | None = None) -> pd.DataFrame:
    """Each state's total goods trade with the world, one figure per state-year (the first kind
    in TOTAL_PRIORITY that has one): year, actor, usd_bn, kind, source."""
    t = read("total_trade.csv", {"year": "year", "country": "code", "total_usd_bn": "amount", "source": "text", "note": "text"},
             root).dropna(subset=["total_usd_bn"])
    t["kind"] = t["note"].str.extract(f"^({'|'.join(TOTAL_PRIORITY)})", expand=False)
    t = t.dropna(subset=["kind"]).assign(rank=lambda x: x["kind"].map({k: i for i, k in enumerate(TOTAL_PRIORITY)}))
    t = t[t["country"].isin(list(ISO))].sort_values("rank").drop_duplicates(["year", "country"])
    return pd.DataFrame({"year": t["year"], "actor": t["country"].map(ISO), "usd_bn": t["total_usd_bn"],
                         "kind": t["kind"], "source": t["source"]}).sort_values(["actor", "year"], ignore_index=True)


@cache
def world_trade(root: Path | None = None) -> pd.Series:
    """World merchandise exports per year (US$ bn): the scale of all trade, by year."""
    t = read("world_trade.csv", {"year": "year", "exports_usd_bn": "amount", "source": "text"}, root)
    t = t.dropna(subset=["exports_usd_bn"])
    return t.set_index("year")["exports_usd_bn"].rename("world").sort_index()


@cache
def intensity(root: Path | None = None) -> pd.DataFrame:
    """Trade intensity per pair and year: year, pair, value = log(T_ab * W / (T_a * T_b)), kind.

    The pair's trade relative to both partners' total trade and to the world's (W), the
    trade intensity index (Brown 1949, Kojima 1964): what moves one partner's whole trade
    (oil prices and the rouble for Russia) or all trade (growth, prices, the dollar) cancels,
    and what is left is how much the two trade with each other given their sizes. A year
    lacking any of the three figures has no row.
    """
    t = trade(root)
    total = total_trade(root).set_index(["actor", "year"])["usd_bn"]
    world = world_trade(root)
    a, b = [p.partition("-")[0] for p in t["pair"]], [p.partition("-")[2] for p in t["pair"]]
    size_a = total.reindex(list(zip(a, t["year"]))).to_numpy()
    size_b = total.reindex(list(zip(b, t["year"]))).to_numpy()
    value = np.log(t["usd_bn"].to_numpy() * t["year"].map(world).to_numpy() / (size_a * size_b))
    return t.assign(value=value)[["year", "pair", "value", "kind"]].dropna(subset=["value"]).reset_index(drop=True)


@cache
def military_expenditure(root: Path | None = None) -> pd.DataFrame:
    """Military expenditure (SIPRI, current US$ bn) of the model's states: year, actor, usd_bn, source."""
    t = read("military_expenditure.csv", {"year": "year", "country": "code", "milex_usd_bn": "amount", "source": "text"}, root)
    t = t[t["country"].isin(list(ISO))]
    return pd.DataFrame({"year": t["year"], "actor": t["country"].map(ISO), "usd_bn": t["milex_usd_bn"],
                         "source": t["source"]}).reset_index(drop=True)


def power_shares(actors: list[str], root: Path | None = None) -> pd.DataFrame:
    """Each actor's share of the actors' combined military expenditure, per year (years x actors);
    a year lacking any of them is left out."""
    wide = military_expenditure(root).pivot(index="year", columns="actor", values="usd_bn").reindex(columns=actors)
    wide = wide.dropna()
    return wide.div(wide.sum(axis=1), axis=0)


@cache
def joining(root: Path | None = None) -> pd.DataFrame:
    """The record of joining the sanctions on Russia: date, state, measure, scope, items, source."""
    return read("sanctions_joining.csv", dict.fromkeys(["date", "state", "measure", "scope", "items", "source"], "text"), root)


# The record of declared relationships (data/relationships.csv), its tiers lowest first. When the
# rows in force in a year disagree, the standing they give is the highest in this order: an alliance treaty binds until it
# is terminated; a declared rupture outranks a declared partnership, which is seldom revoked in
# words (Korea-Russia 2008 never was) but is void while a sanctions list or an "unfriendly"
# designation stands; diplomatic relations alone come last.
TIERS = ("ordinary", "partnership", "strategic_partnership", "adversarial", "alliance")
RELATIONSHIP_COLUMNS = dict.fromkeys(["start", "end", "a", "b", "tier", "label", "by", "substance", "source", "quote",
                                      "end_source", "end_quote"], "text")
ACTORS = tuple(ISO.values())


def record_date(value: str) -> pd.Timestamp:
    """A date of the record, written YYYY-MM-DD, YYYY-MM or YYYY: the first day it can mean."""
    text = str(value).strip()
    padded = {4: text + "-01-01", 7: text + "-01", 10: text}.get(len(text))
    try:
        stamp = pd.Timestamp(padded)  # NaT for None: a text of another length
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ValueError(f"'{text}' is not a date; allowed: YYYY-MM-DD, YYYY-MM or YYYY")
    return stamp


def relationship_dates(row) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A row's start and end (NaT while in force), once its pair and tier are checked; a ValueError
    (field, message) names the field, the value and what is allowed."""
    if row.a not in ACTORS or row.b not in ACTORS or row.a >= row.b:
        raise ValueError("a", f"pair '{row.a}-{row.b}' is not allowed; allowed: two of {', '.join(ACTORS)}, "
                              "in alphabetical order")
    if row.tier not in TIERS:
        raise ValueError("tier", f"tier '{row.tier}' is not allowed; allowed: {', '.join(TIERS)}")
    dates = []
    for field in ("start", "end"):
        value = getattr(row, field)
        try:
            dates.append(pd.NaT if field == "end" and pd.isna(value) else record_date(value))
        except ValueError as exc:
            raise ValueError(field, str(exc)) from None
    since, until = dates
    if pd.notna(until) and until <= since:
        raise ValueError("end", f"end '{row.end}' is not allowed; allowed: a date after the start {row.start}")
    return since, until


@cache
def relationships(root: Path | None = None) -> pd.DataFrame:
    """The declared relationships of the five states, one row per declaration or change: the
    file's columns, the pair ('A-B') and the parsed dates `since` and `until` (NaT while in force).
    A row that breaks the format of data/README.md is a DataError naming its line, field and value."""
    t = read("relationships.csv", RELATIONSHIP_COLUMNS, root)
    dates = []
    for line, row in enumerate(t.itertuples(), start=2):
        try:
            dates.append(relationship_dates(row))
        except ValueError as exc:
            field, message = exc.args
            raise DataError(Path(root or folder()) / "relationships.csv", message, line, field) from None
    dates = pd.DataFrame(dates, columns=["since", "until"], index=t.index)
    return t.assign(pair=[pair(a, b) for a, b in zip(t["a"], t["b"])], since=dates["since"], until=dates["until"])


def tier_in(pair_name: str, year: int, root: Path | None = None) -> str | None:
    """The standing of a pair ('A-B') at the end of a year by the record: the first of alliance,
    adversarial, strategic_partnership, partnership and ordinary among the rows in force on
    31 December (a change counts from the year it was made); None where no row is (a gap)."""
    t = relationships(root)
    close = pd.Timestamp(year=year, month=12, day=31)
    rows = t[(t["pair"] == pair_name) & (t["since"] <= close) & (t["until"].isna() | (t["until"] > close))]
    return max(rows["tier"], key=TIERS.index, default=None)
