"""Exports an analyst can chart: one row per run with its parameters and outcome, per-quarter
quantiles, which parameters made the runs in every table, and no rounding debris."""

import shutil

import numpy as np
import pandas as pd
import pytest

from sim.outputs.posterior import read_posterior
from sim.outputs.results import load_results

from conftest import SCENARIOS, cli

POSTERIOR = SCENARIOS / "posteriors" / "history_2005_2024"
SWEEP = SCENARIOS / "sanctions_autonomy_sweep.yaml"
# two points of a factor the posterior also sets (its value and the factor's are both kept, apart)
SMALL_BATCH = ["--set", "steps=8", "--set", "sweep.replicates=3", "--set",
               "sweep.factors={actors.Seoul.sanction_sensitivity: [0.2, 0.8]}", "--workers", "1", "--quiet"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "batch"
    result = cli("batch", SWEEP, *SMALL_BATCH, "--posterior", POSTERIOR, "--out", folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def exported(batch):
    result = cli("export", batch, "--trajectories")
    assert result.returncode == 0, result.stderr
    return {name: pd.read_csv(batch / "export" / f"{name}.csv")
            for name in ("summary", "runs", "quantiles", "outcomes", "trajectories")}


def test_every_table_names_its_scenario_and_the_posterior_that_made_its_runs(exported):
    for name, table in exported.items():
        assert list(table.columns[:2]) == ["scenario", "parameters"], name
        assert set(table["parameters"]) == {"posterior history_2005_2024 (1000 sets)"}, name


def test_a_run_s_row_holds_its_design_the_set_it_drew_and_its_partnership_outcome(batch, exported):
    res = load_results(batch)
    runs = exported["runs"].set_index("run_id")
    assert len(runs) == len(res.runs) == 6
    assert (runs[["point", "replicate", "seed"]] == res.runs.set_index("run_id")[["point", "replicate", "seed"]]).all().all()
    assert sorted(set(runs["actors.Seoul.sanction_sensitivity"])) == [0.2, 0.8]  # the factor, as designed
    posterior = read_posterior(POSTERIOR).table.drop(columns="weight")
    drawn = posterior.iloc[runs["posterior_row"]].set_axis(runs.index)
    for name in posterior.columns:  # each set's values, as the posterior holds them (a factor's namesake apart)
        column = f"posterior.{name}" if name == "actors.Seoul.sanction_sensitivity" else name
        np.testing.assert_array_equal(runs[column].to_numpy(), drawn[name].to_numpy())
    focal = exported["outcomes"].query("source == 'Seoul' and target == 'Moscow'").set_index("run_id")
    outcome = ["partnership", "first_step", "steps_held", "final_alignment", "final_alignment_back", "final_cooperation"]
    pd.testing.assert_frame_equal(runs[outcome], focal[outcome])


@pytest.mark.parametrize("slab", [1, 10**9])  # each design point alone, or all at once: the same quantiles
def test_the_quantiles_are_those_of_the_runs_quarter_by_quarter(batch, exported, monkeypatch, tmp_path, slab):
    monkeypatch.setattr("sim.outputs.export.SLAB_ROWS", slab)
    assert cli("export", batch, "--format", "parquet", "--out", tmp_path / "q").returncode == 0
    found = pd.read_parquet(tmp_path / "q" / "quantiles.parquet")
    rows = exported["trajectories"]
    keys = ["point", "source", "target", "step"]
    expected = rows.groupby(keys)[["alignment", "cooperation"]].quantile([0.1, 0.5, 0.9]).unstack()
    expected.columns = [f"{c}_q{round(100 * q)}" for c, q in expected.columns]
    found = found.set_index(keys).sort_index()
    assert (found["runs"] == 3).all() and len(found) == len(expected)
    np.testing.assert_allclose(found[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-15)
    assert (found["actors.Seoul.sanction_sensitivity"].groupby("point").first() == [0.2, 0.8]).all()


def test_csv_parquet_and_a_workbook_hold_the_same_tables(batch, exported, tmp_path):
    assert cli("export", batch, "--trajectories", "--format", "parquet", "--out", tmp_path / "p").returncode == 0
    assert cli("export", batch, "--trajectories", "--format", "xlsx", "--out", tmp_path / "b.xlsx").returncode == 0
    sheets = pd.read_excel(tmp_path / "b.xlsx", sheet_name=None)
    assert list(sheets) == list(exported)
    for name, table in exported.items():
        parquet = pd.read_parquet(tmp_path / "p" / f"{name}.parquet")
        pd.testing.assert_frame_equal(parquet, table, check_dtype=False)
        pd.testing.assert_frame_equal(sheets[name], table, check_dtype=False)


def test_a_plain_run_exports_its_runs_and_says_its_values_are_hand_set(tmp_path):
    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "4", "--steps", "6", "--file-values",
               "--out", tmp_path / "r").returncode == 0
    assert cli("export", tmp_path / "r").returncode == 0
    folder = tmp_path / "r" / "export"
    assert sorted(p.name for p in folder.iterdir()) == ["outcomes.csv", "quantiles.csv", "runs.csv", "trajectories.csv"]
    runs = pd.read_csv(folder / "runs.csv")
    assert list(runs["seed"]) == load_results(tmp_path / "r").manifest["seeds"]
    assert "posterior_row" not in runs and set(runs[["source", "target"]].itertuples(index=False)) == {("Seoul", "Moscow")}
    for path in folder.iterdir():
        assert set(pd.read_csv(path)["parameters"]) == {"hand-set"}, path.name


def test_rounding_debris_is_written_as_zero(tmp_path):
    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--file-values",
               "--out", tmp_path / "r").returncode == 0
    path = tmp_path / "r" / "outcomes.parquet"
    outcomes = pd.read_parquet(path)
    outcomes.loc[:2, "final_cooperation"] = [1.3877787807814457e-17, -2e-13, 1e-6]  # debris, debris, a value
    outcomes.to_parquet(path, index=False)
    keys = ["run_id", "source", "target"]
    expected = outcomes.astype({"source": str, "target": str}).set_index(keys)["final_cooperation"]
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        assert cli("export", tmp_path / "r", "--format", fmt, "--out", tmp_path / fmt).returncode == 0
        found = read(tmp_path / fmt / f"outcomes.{fmt}").set_index(keys)["final_cooperation"]
        assert list(found.loc[expected.index[:3]]) == [0.0, 0.0, 1e-6]
        pd.testing.assert_series_equal(found.sort_index(), expected.where(expected.abs() >= 1e-12, 0.0).sort_index())
    assert "e-1" not in "".join(p.read_text() for p in (tmp_path / "csv").iterdir())


def test_a_posterior_no_longer_there_leaves_its_values_out_and_says_so(tmp_path):
    shutil.copytree(POSTERIOR, tmp_path / "posterior")
    assert cli("batch", SWEEP, *SMALL_BATCH, "--posterior", tmp_path / "posterior", "--out", tmp_path / "b").returncode == 0
    shutil.rmtree(tmp_path / "posterior")
    result = cli("export", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "the posterior's values are left out" in result.stderr and "posterior_row" in result.stderr
    runs = pd.read_csv(tmp_path / "b" / "export" / "runs.csv")
    assert "posterior_row" in runs and "mechanisms.balance" not in runs
