"""Exports an analyst can chart: one row per run with its parameters and outcome, per-quarter
quantiles, which parameters made the runs in every table, and no rounding debris."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.outputs import spread
from sim.outputs.posterior import read_posterior
from sim.outputs.results import load_results

from conftest import SCENARIOS, cli, shown

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


def expected_quantiles(rows: pd.DataFrame) -> pd.DataFrame:
    keys = ["point", "source", "target", "step"]
    expected = rows.groupby(keys)[["alignment", "cooperation"]].quantile([0.1, 0.5, 0.9]).unstack()
    expected.columns = [f"{c}_q{round(100 * q)}" for c, q in expected.columns]
    return expected


KEYS = ["point", "source", "target", "step"]


# as a batch computes them when it finishes: read in one pass in big slabs, or a row at a time (points cut
# across reads), or grouped by the query engine
@pytest.mark.parametrize("slab, streamed", [(10**9, True), (1, True), (None, False)])
def test_the_quantiles_are_those_of_the_runs_quarter_by_quarter(batch, exported, monkeypatch, slab, streamed):
    if streamed:
        monkeypatch.setattr("sim.outputs.spread.SLAB_ROWS", slab)
    else:
        monkeypatch.setattr("sim.outputs.spread._streamed", lambda *args: None)
    runs = load_results(batch).table("runs").select("run_id", "point").to_pandas()
    found = spread.of_runs(batch, runs).set_index(KEYS).sort_index()
    expected = expected_quantiles(exported["trajectories"])
    assert (found["runs"] == 3).all() and len(found) == len(expected)
    np.testing.assert_allclose(found[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-15)


def older(batch: Path, folder: Path, shuffled: bool = False) -> Path:
    """A copy of a batch as written before batches kept their quantiles; its trajectories' rows
    shuffled (not run by run) if asked."""
    shutil.copytree(batch, folder, ignore=shutil.ignore_patterns("export*", "quantiles.parquet"))
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["rows"]["quantiles"]
    manifest["files"].remove("quantiles.parquet")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for part in (folder / "trajectories.parquet").iterdir() if shuffled else []:
        pd.read_parquet(part).sample(frac=1, random_state=1).to_parquet(part, index=False)
    return folder


@pytest.mark.parametrize("shuffled", [False, True])
def test_an_export_gives_the_quantiles_a_batch_kept_or_computes_them_for_any_point_and_pair(batch, exported, tmp_path,
                                                                                            shuffled):
    expected = expected_quantiles(exported["trajectories"])
    kept = exported["quantiles"].set_index(KEYS).sort_index()
    np.testing.assert_allclose(kept[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-15)
    assert (kept["actors.Seoul.sanction_sensitivity"].groupby("point").first() == [0.2, 0.8]).all()
    folder = older(batch, tmp_path / "older", shuffled)
    for chosen in ([], ["--point", "1", "--pair", "Moscow->Seoul"]):
        for source in (batch, folder):
            out = tmp_path / f"{source.name}{len(chosen)}"
            assert cli("export", source, "--format", "parquet", *chosen, "--out", out).returncode == 0
        found = pd.read_parquet(tmp_path / f"older{len(chosen)}" / "quantiles.parquet").set_index(KEYS)
        assert found.index.is_monotonic_increasing and (found["runs"] == 3).all()
        rows = exported["trajectories"].query("point == 1 and source == 'Moscow' and target == 'Seoul'" if chosen else "point >= 0")
        np.testing.assert_allclose(found[expected.columns].to_numpy(), expected_quantiles(rows).to_numpy(), rtol=0, atol=1e-15)
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"batch{len(chosen)}" / "quantiles.parquet").set_index(KEYS),
                                      found, rtol=0, atol=1e-15)


@pytest.mark.parametrize("points", [[], ["--point", "1"]])
def test_design_values_looked_up_by_run_id_are_those_joined_and_the_rows_stay_in_run_order(batch, tmp_path, monkeypatch,
                                                                                            points):
    export = ["export", batch, "--trajectories", *points, "--format", "parquet"]
    assert cli(*export, "--out", tmp_path / "looked_up").returncode == 0
    monkeypatch.setattr("sim.outputs.export.point_major", lambda res: False)
    assert cli(*export, "--out", tmp_path / "joined").returncode == 0
    for name, keys in (("outcomes", ["run_id", "source", "target"]), ("trajectories", ["run_id", "step", "source", "target"])):
        looked_up = pd.read_parquet(tmp_path / "looked_up" / f"{name}.parquet")
        joined = pd.read_parquet(tmp_path / "joined" / f"{name}.parquet")
        assert looked_up["run_id"].is_monotonic_increasing and set(looked_up["point"]) == ({1} if points else {0, 1})
        pd.testing.assert_frame_equal(looked_up.sort_values(keys, ignore_index=True), joined.sort_values(keys, ignore_index=True))


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
    assert shown(folder) == ["outcomes.csv", "quantiles.csv", "runs.csv", "trajectories.csv"]
    runs = pd.read_csv(folder / "runs.csv")
    assert list(runs["seed"]) == load_results(tmp_path / "r").manifest["seeds"]
    assert "posterior_row" not in runs and set(runs[["source", "target"]].itertuples(index=False)) == {("Seoul", "Moscow")}
    for name in shown(folder):
        assert set(pd.read_csv(folder / name)["parameters"]) == {"hand-set"}, name


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
    assert "e-1" not in "".join((tmp_path / "csv" / name).read_text() for name in shown(tmp_path / "csv"))


def test_a_posterior_no_longer_there_leaves_its_values_out_and_says_so(tmp_path):
    shutil.copytree(POSTERIOR, tmp_path / "posterior")
    assert cli("batch", SWEEP, *SMALL_BATCH, "--posterior", tmp_path / "posterior", "--out", tmp_path / "b").returncode == 0
    shutil.rmtree(tmp_path / "posterior")
    result = cli("export", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "the posterior's values are left out" in result.stderr and "posterior_row" in result.stderr
    runs = pd.read_csv(tmp_path / "b" / "export" / "runs.csv")
    assert "posterior_row" in runs and "mechanisms.balance" not in runs
