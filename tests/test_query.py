"""Results tables as queries: each query gives exactly the rows pandas selects from the whole
table, and the engine's aggregates agree with pandas on the same rows."""

import numpy as np
import pandas as pd
import pytest
from test_batch import small

from sim.analysis.sensitivity import point_outcomes
from sim.batch.plan import Plan
from sim.batch.run import run_batch
from sim.core.outcomes import focal_outcomes
from sim.outputs.figures.paths import read_paths
from sim.outputs.results import load_results


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    folder = tmp_path_factory.mktemp("query") / "b"
    run_batch(Plan.of(small(replicates=40, chunk=37, steps=40)), folder)  # parts that cut design points
    return load_results(folder)


def same_rows(query: pd.DataFrame, whole: pd.DataFrame, keys=("run_id", "step", "source", "target")):
    keys = [k for k in keys if k in whole]
    a = query.astype({k: str for k in ("source", "target", "date") if k in query}).sort_values(keys).reset_index(drop=True)
    b = whole.astype({k: str for k in ("source", "target", "date") if k in whole}).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False)


@pytest.mark.parametrize("point", [0, 3, 5])
def test_a_point_query_is_the_points_rows(res, point):
    ids = res.runs.loc[res.runs["point"] == point, "run_id"]
    found = res.trajectories_at(point)
    same_rows(found, res.trajectories[res.trajectories["run_id"].isin(ids)])
    assert found["run_id"].is_monotonic_increasing and found["date"].iloc[-1] == res.trajectories["date"].iloc[-1]  # in run order
    same_rows(res.table("outcomes").where(point=[point, 1]).to_pandas(),
              res.outcomes[res.outcomes["run_id"].isin(res.runs.loc[res.runs["point"].isin([point, 1]), "run_id"])],
              keys=("run_id", "source", "target"))


@pytest.mark.parametrize("pair, directions", [("Seoul->Moscow", {("Seoul", "Moscow")}),
                                              ("Seoul-Moscow", {("Seoul", "Moscow"), ("Moscow", "Seoul")})])
def test_a_pair_query_is_the_pairs_rows_in_one_or_both_directions(res, pair, directions):
    t = res.trajectories
    chosen = t[[(a, b) in directions for a, b in zip(t["source"], t["target"])]]
    found = res.table("trajectories").where(pair=pair, step=[0, 10]).to_pandas()
    same_rows(found, chosen[chosen["step"].isin([0, 10])])
    assert res.table("trajectories").where(pair=pair).count() == len(chosen)


def test_a_point_of_the_small_tables_is_its_row(res):
    assert res.table("summary").where(point=[2, 4]).to_pandas()["point"].tolist() == [2, 4]
    assert set(res.table("runs").where(point=3).to_pandas()["run_id"]) == set(res.runs.loc[res.runs["point"] == 3, "run_id"])


def test_a_join_carries_the_other_tables_columns(res):
    joined = res.focal_outcomes().select("run_id", "partnership").join(res.table("runs")).to_pandas()
    expected = focal_outcomes(res.outcomes, res.scenario)[["run_id", "partnership"]].merge(res.runs, on="run_id")
    same_rows(joined, expected, keys=("run_id",))


def test_engine_quantiles_agree_with_exact_quantiles(res):
    found = res.table("trajectories").where(pair="Seoul->Moscow").quantiles("alignment").set_index("step")
    rows = res.trajectories[(res.trajectories["source"] == "Seoul") & (res.trajectories["target"] == "Moscow")]
    exact = rows.groupby("step")["alignment"].quantile([0.1, 0.5, 0.9]).unstack()
    # streaming estimates: within a few hundredths of a rank of 240 runs, which is well under 0.02 in stance
    assert np.abs(found.to_numpy() - exact.to_numpy()).max() < 0.02


def test_point_outcomes_are_the_means_over_each_points_runs(res):
    whole = focal_outcomes(res.outcomes, res.scenario).merge(res.runs, on="run_id")
    expected = whole.groupby("point")[["partnership", "final_alignment"]].mean().astype(float)
    found = point_outcomes(res)
    pd.testing.assert_frame_equal(found, expected.reindex(found.index), check_exact=False, rtol=1e-12)


def test_the_paths_figure_reads_every_runs_counts_and_a_fixed_sample(res):
    paths = read_paths(res, max_runs=30)
    reached = focal_outcomes(res.outcomes, res.scenario)["partnership"]
    assert paths.counts == {False: int((~reached).sum()), True: int(reached.sum())}
    assert read_paths(res, max_runs=30).reached.equals(paths.reached)  # the same runs every time
    assert set(paths.runs["x"].columns) == set(paths.reached.index) and len(paths.reached) <= 30 + 20
    first = paths.runs["y"].iloc[0]  # the course's first step is the stance itself
    t = res.trajectories
    exact = t[(t["source"] == "Seoul") & (t["target"] == "Moscow") & (t["step"] == 0)].set_index("run_id")["alignment"]
    np.testing.assert_allclose(first.to_numpy(), exact.loc[first.index].to_numpy())
