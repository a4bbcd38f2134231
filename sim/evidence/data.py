"""The observed series under data/, read as tidy tables keyed by the model's actor names.

Nothing is filled in here: a year without a figure has no row. Each row keeps its source.
Every reader takes the folder to read (`root`; default: the shipped data), so that a
calibration can fit a user's own series in the same format (data/README.md).
"""

from __future__ import annotations

from functools import cache
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

FIT_END = 2018  # the fit window ends here; 2019 on is the hindcast (scored, never fitted)
ISO = {"KOR": "Seoul", "USA": "Washington", "CHN": "Beijing", "RUS": "Moscow", "JPN": "Tokyo"}
# per pair-year, the first kind of bilateral figure that exists is used (data/README.md)
PRIORITY = ("PRIMARY", "KOR-reported", "US-reported", "PAGE", "DERIVED")
# per state-year, the first kind of total that exists (OVERLAP rows measure a break, unused)
TOTAL_PRIORITY = ("PRIMARY", "AGENCY", "DERIVED", "WDI")


class DataError(FileNotFoundError):
    """An observed series that is missing or not in the documented format."""


def folder() -> Path:
    """The shipped data folder: installed with the package, or in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "trade.csv").is_file():
            return candidate
    raise DataError("the observed data (data/trade.csv) are missing from this installation")


def read(name: str, columns: list[str], root: Path | None = None) -> pd.DataFrame:
    """One data file, checked to hold the documented columns (DataError naming what is missing)."""
    path = Path(root or folder()) / name
    if not path.is_file():
        raise DataError(f"{path} is missing; allowed: a folder holding {name} in the format of data/README.md")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{path} lacks the columns {', '.join(missing)}; allowed: the format of data/README.md")
    return table


def pair(a: str, b: str) -> str:
    """The model's name of an unordered pair: the two actors in alphabetical order, 'A-B'."""
    return "-".join(sorted((a, b)))


@cache
def unga(root: Path | None = None) -> pd.DataFrame:
    """UN General Assembly voting agreement: year, pair, agree (0-1), votes, source."""
    t = read("unga_agreement.csv", ["year", "a", "b", "agree", "votes", "source"], root)
    return t.assign(pair=[pair(a, b) for a, b in zip(t["a"], t["b"])])[["year", "pair", "agree", "votes", "source"]]


@cache
def ideal_points(root: Path | None = None) -> pd.DataFrame:
    """UN General Assembly ideal points of the model's states: year, actor, all (on all votes),
    second (the release's second estimate), source. Other states are left out."""
    t = read("unga_ideal_points.csv", ["year", "country", "ideal_point", "ideal_point_fp", "source"], root)
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
    t = read("trade.csv", ["year", "a", "b", "total_usd_bn", "source", "note"], root).dropna(subset=["total_usd_bn"])
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
    t = read("total_trade.csv", ["year", "country", "total_usd_bn", "source", "note"], root).dropna(subset=["total_usd_bn"])
    t["kind"] = t["note"].str.extract(f"^({'|'.join(TOTAL_PRIORITY)})", expand=False)
    t = t.dropna(subset=["kind"]).assign(rank=lambda x: x["kind"].map({k: i for i, k in enumerate(TOTAL_PRIORITY)}))
    t = t[t["country"].isin(list(ISO))].sort_values("rank").drop_duplicates(["year", "country"])
    return pd.DataFrame({"year": t["year"], "actor": t["country"].map(ISO), "usd_bn": t["total_usd_bn"],
                         "kind": t["kind"], "source": t["source"]}).sort_values(["actor", "year"], ignore_index=True)


@cache
def world_trade(root: Path | None = None) -> pd.Series:
    """World merchandise exports per year (US$ bn): the scale of all trade, by year."""
    t = read("world_trade.csv", ["year", "exports_usd_bn", "source"], root).dropna(subset=["exports_usd_bn"])
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
    a, b = zip(*(p.split("-") for p in t["pair"]))
    size_a = total.reindex(list(zip(a, t["year"]))).to_numpy()
    size_b = total.reindex(list(zip(b, t["year"]))).to_numpy()
    value = np.log(t["usd_bn"].to_numpy() * t["year"].map(world).to_numpy() / (size_a * size_b))
    return t.assign(value=value)[["year", "pair", "value", "kind"]].dropna(subset=["value"]).reset_index(drop=True)


@cache
def military_expenditure(root: Path | None = None) -> pd.DataFrame:
    """Military expenditure (SIPRI, current US$ bn) of the model's states: year, actor, usd_bn, source."""
    t = read("military_expenditure.csv", ["year", "country", "milex_usd_bn", "source"], root)
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
    return read("sanctions_joining.csv", ["date", "state", "measure", "scope", "items", "source"], root)


# The record of declared relationships (data/relationships.csv), its tiers lowest first. When the
# rows in force in a year disagree, the standing they give is the highest in this order: an alliance treaty binds until it
# is terminated; a declared rupture outranks a declared partnership, which is seldom revoked in
# words (Korea-Russia 2008 never was) but is void while a sanctions list or an "unfriendly"
# designation stands; diplomatic relations alone come last.
TIERS = ("ordinary", "partnership", "strategic_partnership", "adversarial", "alliance")
RELATIONSHIP_COLUMNS = ["start", "end", "a", "b", "tier", "label", "by", "substance", "source", "quote",
                        "end_source", "end_quote"]
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
    names the field, the value and what is allowed."""
    if row.a not in ACTORS or row.b not in ACTORS or row.a >= row.b:
        raise ValueError(f"pair '{row.a}-{row.b}' is not allowed; allowed: two of {', '.join(ACTORS)}, "
                         "in alphabetical order")
    if row.tier not in TIERS:
        raise ValueError(f"tier '{row.tier}' is not allowed; allowed: {', '.join(TIERS)}")
    since = record_date(row.start)
    until = pd.NaT if pd.isna(row.end) else record_date(row.end)
    if pd.notna(until) and until <= since:
        raise ValueError(f"end '{row.end}' is not allowed; allowed: a date after the start {row.start}")
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
            raise DataError(f"{Path(root or folder()) / 'relationships.csv'}, line {line}: {exc}") from None
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
