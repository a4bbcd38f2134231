"""The observed data: every row names its source, gaps stay gaps, and the series the model reads keep them."""

import numpy as np
import pandas as pd
import pytest

from sim.evidence import data

from conftest import ROOT

FILES = ["unga_agreement.csv", "unga_ideal_points.csv", "trade.csv", "total_trade.csv", "world_trade.csv",
         "exports_to_russia_2021_2022.csv", "timeline.csv", "sanctions_joining.csv", "military_expenditure.csv",
         "relationships.csv"]


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


def test_every_relationship_shows_its_source_and_its_words():
    """Each row has an address and a phrase of it; a row that ended says where its end is recorded."""
    t = data.relationships()
    for column in ("source", "quote", "label"):
        assert t[column].notna().all() and (t[column].str.strip().str.len() > 3).all(), column
    assert t["source"].str.startswith("http").all()
    ended = t["until"].notna()
    assert t.loc[ended, "end_source"].str.startswith("http").all()
    assert t.loc[ended, "end_quote"].str.strip().str.len().gt(3).all()
    assert t.loc[~ended, ["end_source", "end_quote"]].isna().all().all()


def test_relationships_are_dated_paired_and_tiered_as_documented():
    t = data.relationships()
    assert t["since"].notna().all() and (t["until"].isna() | (t["until"] > t["since"])).all()
    assert set(t["tier"]) <= set(data.TIERS)
    assert (t["a"] < t["b"]).all() and set(t["a"]) | set(t["b"]) <= set(data.ACTORS)
    assert ((t["by"] == "both") | (t["by"] == t["a"]) | (t["by"] == t["b"])).all()
    assert t["pair"].nunique() == 10  # every pair of the five has a record


def test_a_year_s_standing_is_never_below_a_row_made_in_it():
    """A declaration counts from the year it was made: in that year the pair stands at its tier or at
    one that outranks it, for every row still in force on that year's 31 December."""
    for row in data.relationships().itertuples():
        year = row.since.year
        if pd.isna(row.until) or row.until.year > year:
            assert data.TIERS.index(data.tier_in(row.pair, year)) >= data.TIERS.index(row.tier), row


def test_the_record_s_clearest_cases():
    """China and Russia are strategic partners from 1996; the US treaties make alliances; a year before
    any row is a gap, not a guess."""
    assert all(data.tier_in("Beijing-Moscow", y) == "strategic_partnership" for y in range(1996, 2025))
    for pair_name in ("Seoul-Washington", "Tokyo-Washington"):
        assert all(data.tier_in(pair_name, y) == "alliance" for y in range(1990, 2025))
    assert data.tier_in("Moscow-Washington", 1991) is None


def test_a_declared_rupture_outranks_a_partnership_never_revoked():
    """Korea-Russia: the 2008 partnership stays on the record, but from 2022 the sanctions and Russia's
    unfriendly-countries list decide the standing."""
    assert data.tier_in("Moscow-Seoul", 2021) == "strategic_partnership"
    assert data.tier_in("Moscow-Seoul", 2022) == "adversarial"


@pytest.mark.parametrize("field, value, message", [
    ("start", "2008-13-40", ":2: start: '2008-13-40' is not a date"),
    ("start", "08-05", ":2: start: '08-05' is not a date"),
    ("end", "1990", ":2: end: end '1990' is not allowed; allowed: a date after the start"),
    ("tier", "friends", ":2: tier: tier 'friends' is not allowed"),
    ("a", "Pyongyang", ":2: a: pair 'Pyongyang-Moscow' is not allowed"),
])
def test_a_bad_relationship_row_is_named(tmp_path, field, value, message):
    t = pd.read_csv(ROOT / "data" / "relationships.csv", dtype=str)
    t.loc[0, field] = value
    t.to_csv(tmp_path / "relationships.csv", index=False)
    with pytest.raises(data.DataError, match=message):
        data.relationships(tmp_path)
