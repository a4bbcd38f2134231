"""The observed data: every row names its source, gaps stay gaps, and the series the model reads keep them."""

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from sim.evidence import data

FILES = ["unga_agreement.csv", "trade.csv", "exports_to_russia_2021_2022.csv", "timeline.csv"]


@pytest.mark.parametrize("name", FILES)
def test_every_row_names_its_source(name):
    table = pd.read_csv(ROOT / "data" / name)
    assert len(table) > 0
    assert table["source"].notna().all() and (table["source"].str.strip().str.len() > 5).all()


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_described_in_the_readme(name):
    assert f"## {name}" in (ROOT / "data" / "README.md").read_text()


def test_a_gap_stays_a_gap():
    """A pair-year without a figure has no row in the series the model reads, and no figure is
    produced that the file does not hold (nothing is interpolated)."""
    raw = pd.read_csv(ROOT / "data" / "trade.csv")
    series = data.trade()
    assert not ((series["pair"] == "Moscow-Seoul") & (series["year"] == 2024)).any()  # a known gap
    assert series["usd_bn"].notna().all()
    assert set(series["usd_bn"].round(6)) <= set(raw["total_usd_bn"].dropna().round(6))


def test_the_series_prefers_the_primary_source():
    series = data.trade().set_index(["pair", "year"])
    assert series.loc[("Moscow-Seoul", 2018), "kind"] == "PRIMARY"
    assert series.loc[("Moscow-Seoul", 2022), "kind"] == "PAGE"


def test_unga_covers_the_ten_pairs_1991_to_2019():
    u = data.unga()
    assert u["pair"].nunique() == 10
    assert u["year"].min() == 1991 and u["year"].max() == 2019
    assert u["agree"].between(0, 1).all()


def test_the_world_index_is_chain_linked_within_a_source():
    index = data.world_index()
    assert index[2005] == 1.0
    steps = np.log(index).diff().dropna()
    assert steps.abs().max() < 0.35  # no jump from a change of source (2009's fall is about 0.2)
