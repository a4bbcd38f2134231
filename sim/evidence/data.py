"""The observed series under data/, read as tidy tables keyed by the model's actor names.

Nothing is filled in here: a year without a figure has no row. Each row keeps its source.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

FIT_END = 2018  # the fit window ends here; 2019 on is the hindcast (scored, never fitted)
ISO = {"KOR": "Seoul", "USA": "Washington", "CHN": "Beijing", "RUS": "Moscow", "JPN": "Tokyo"}
# per pair-year, the first kind of figure that exists is used (data/README.md)
PRIORITY = ("PRIMARY", "KOR-reported", "US-reported", "PAGE", "DERIVED")


def folder() -> Path:
    """The data folder: installed with the package, or in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "trade.csv").is_file():
            return candidate
    raise FileNotFoundError("the observed data (data/trade.csv) are missing from this installation")


def pair(a: str, b: str) -> str:
    """The model's name of an unordered pair: the two actors in alphabetical order, 'A-B'."""
    return "-".join(sorted((a, b)))


@cache
def unga() -> pd.DataFrame:
    """UN General Assembly voting agreement: year, pair, agree (0-1), votes, source."""
    t = pd.read_csv(folder() / "unga_agreement.csv")
    return t.assign(pair=[pair(a, b) for a, b in zip(t["a"], t["b"])])[["year", "pair", "agree", "votes", "source"]]


@cache
def trade_figures() -> pd.DataFrame:
    """Every bilateral trade figure of a kind in PRIORITY: year, pair, usd_bn, kind, rank, source."""
    t = pd.read_csv(folder() / "trade.csv").dropna(subset=["total_usd_bn"])
    t["kind"] = t["note"].str.extract(f"^({'|'.join(PRIORITY)})", expand=False)
    t = t.dropna(subset=["kind"])
    t["rank"] = t["kind"].map({k: i for i, k in enumerate(PRIORITY)})
    t["pair"] = [pair(ISO[a], ISO[b]) for a, b in zip(t["a"], t["b"])]
    return t.rename(columns={"total_usd_bn": "usd_bn"})[["year", "pair", "usd_bn", "kind", "rank", "source"]]


@cache
def trade() -> pd.DataFrame:
    """Bilateral goods trade, one figure per pair-year (the first kind in PRIORITY that has one):
    year, pair, usd_bn, kind, source."""
    best = trade_figures().sort_values("rank").drop_duplicates(["year", "pair"]).sort_values(["pair", "year"])
    return best.drop(columns="rank").reset_index(drop=True)


def world_index(base: int = 2005) -> pd.Series:
    """Trade of the pairs outside the sanctions' direct reach (those without Moscow), relative to
    `base`, chain-linked: each year's change is the mean change of log trade over the pairs whose
    figures for that year and the one before are of the same kind, of any kind (so that a
    change of source is not read as a change of trade).

    It carries what moves all trade (prices, growth, the dollar), which the model does not
    represent; dividing by it leaves each pair's trade relative to the region's.
    """
    t = trade_figures()
    t = t[~t["pair"].str.contains("Moscow")].sort_values(["pair", "kind", "year"])
    g = t.groupby(["pair", "kind"])
    same = g["year"].shift() == t["year"] - 1  # the year before, from the same kind of figure
    change = np.log(t["usd_bn"] / g["usd_bn"].shift())[same]
    # per pair and year, the mean over kinds; then per year, the mean over pairs
    steps = change.groupby([t.loc[same, "pair"], t.loc[same, "year"]]).mean().groupby(level="year").mean()
    years = range(base, int(t["year"].max()) + 1)
    level, found = 0.0, {base: 1.0}
    for year in years[1:]:
        if year not in steps.index:
            break  # a year no pair links to the one before ends the index: a gap stays a gap
        level += steps[year]
        found[year] = float(np.exp(level))
    return pd.Series(found, name="world").rename_axis("year")
