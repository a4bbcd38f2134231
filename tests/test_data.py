"""The observed data: every row names its source, gaps stay gaps, and the series the model reads keep them."""

import numpy as np
import pandas as pd
import pytest

from sim.evidence import data

from conftest import ROOT

FILES = ["unga_agreement.csv", "unga_ideal_points.csv", "trade.csv", "total_trade.csv", "world_trade.csv",
         "exports_to_russia_2021_2022.csv", "timeline.csv", "sanctions_joining.csv", "military_expenditure.csv"]


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


def test_trade_intensity_divides_by_both_partners_and_the_world():
    """log(T_ab W / (T_a T_b)) from the files' own figures, for a pair-year computed by hand."""
    found = data.intensity().set_index(["pair", "year"])["value"]
    total = data.total_trade().set_index(["actor", "year"])["usd_bn"]
    bilateral = data.trade().set_index(["pair", "year"])["usd_bn"]
    by_hand = np.log(bilateral[("Moscow-Seoul", 2015)] * data.world_trade()[2015]
                     / (total[("Seoul", 2015)] * total[("Moscow", 2015)]))
    assert found[("Moscow-Seoul", 2015)] == pytest.approx(by_hand)
    assert ("Moscow-Seoul", 2024) not in found.index  # no bilateral figure: a gap stays a gap


def test_trade_intensity_is_steadier_than_raw_trade_where_russia_s_whole_trade_swung():
    """What moves one partner's whole trade cancels: over 2013-2016 (oil, the rouble), Korea-Russia trade
    fell 40% while its intensity moved less than a tenth of that (in log units)."""
    raw = data.trade().set_index(["pair", "year"])["usd_bn"]
    found = data.intensity().set_index(["pair", "year"])["value"]
    raw_change = np.log(raw[("Moscow-Seoul", 2016)] / raw[("Moscow-Seoul", 2013)])
    assert raw_change < -0.5
    assert abs(found[("Moscow-Seoul", 2016)] - found[("Moscow-Seoul", 2013)]) < abs(raw_change) / 5


def test_total_trade_prefers_the_imf_series_then_the_agencies():
    kinds = data.total_trade().set_index(["actor", "year"])["kind"]
    assert kinds[("Moscow", 2018)] == "PRIMARY" and kinds[("Seoul", 2022)] == "AGENCY"
    assert kinds[("Moscow", 2021)] == "WDI"  # no agency page states it: the World Bank's figure


def test_ideal_point_distances_are_chain_linked_across_estimates():
    d = data.ideal_distance().set_index(["pair", "year"])
    assert d.loc[("Moscow-Seoul", 2022), "distance"] == pytest.approx(2.39, abs=0.01)  # all votes
    assert d.loc[("Moscow-Seoul", 2024), "estimate"] == "second, chain-linked"
    p = data.ideal_points().set_index(["actor", "year"])["second"]
    step = abs(p[("Seoul", 2024)] - p[("Moscow", 2024)]) - abs(p[("Seoul", 2023)] - p[("Moscow", 2023)])
    assert d.loc[("Moscow-Seoul", 2024), "distance"] == pytest.approx(d.loc[("Moscow-Seoul", 2023), "distance"] + step)


def test_power_shares_come_from_military_expenditure():
    shares = data.power_shares(["Seoul", "Washington", "Beijing", "Moscow", "Tokyo"])
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert list(shares.index) == list(range(2005, 2025))
    assert shares.loc[2005, "Beijing"] < shares.loc[2018, "Beijing"]  # China's rise


def test_a_data_folder_missing_a_file_is_named(tmp_path):
    with pytest.raises(data.DataError, match="unga_agreement.csv is missing"):
        data.unga(tmp_path)
