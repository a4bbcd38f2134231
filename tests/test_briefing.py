"""What a briefing needs: figures that cannot be misread, intervals that respect the parameter sets,
the parameters a run used and the model's standing said in plain words, comparisons and exports."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.core.outcomes import effective_runs, summarise, wilson_interval
from sim.outputs.figures.map import map_figure
from sim.outputs.figures.network import draw_network
from sim.scenario import load_scenario

from conftest import SCENARIOS, cli


def test_a_network_label_sits_by_the_stance_s_source():
    fig, ax = plt.subplots()
    A = np.full((3, 3), np.nan)
    A[0, 1] = 0.9  # A -> B only
    draw_network(ax, ["A", "B", "C"], np.full(3, 0.3), A)
    label = next(t for t in ax.texts if t.get_text() == "+0.90")
    x, y = label.get_position()
    a, b = (0.0, 1.0), (np.cos(np.pi / 2 - 2 * np.pi / 3), np.sin(np.pi / 2 - 2 * np.pi / 3))
    assert np.hypot(x - a[0], y - a[1]) < np.hypot(x - b[0], y - b[1])
    plt.close(fig)


def clustered(rng, sets: int, per_set: int, alike: bool) -> pd.DataFrame:
    """Runs sharing parameter sets: each set all-or-nothing (alike) or each run on its own."""
    reached = (np.repeat(rng.random(sets) < 0.3, per_set) if alike else rng.random(sets * per_set) < 0.3)
    return pd.DataFrame({"point": 0, "parameter_set": np.repeat(np.arange(sets), per_set), "partnership": reached,
                         "first_step": 1.0, "final_alignment": 0.0, "final_alignment_back": 0.0, "final_cooperation": 0.0})


@pytest.mark.parametrize("seed", range(5))
def test_a_share_s_interval_counts_the_parameter_sets(seed):
    rng = np.random.default_rng(seed)
    runs = 200
    alike = summarise(clustered(rng, 20, 10, alike=True)).iloc[0]
    low, high = wilson_interval(np.array(alike["partnership_share"] * runs), np.array(runs))
    assert alike["share_high"] - alike["share_low"] > 2 * (high - low)  # 20 sets, not 200 runs
    apart = summarise(clustered(rng, 20, 10, alike=False)).iloc[0]
    low, high = wilson_interval(np.array(apart["partnership_share"] * runs), np.array(runs))
    assert apart["share_high"] - apart["share_low"] < 1.6 * (high - low)  # about as many as there are runs


def test_effective_runs_lie_between_the_sets_and_the_runs():
    found = effective_runs(pd.Series([0.0, 0.3, 0.3]), pd.Series([200, 200, 200]), pd.Series([0.0, 0.21, 0.0]),
                           pd.Series([20, 20, 20]))
    assert list(found) == [20.0, 20.0, 200.0]


def summary_of(shares, p10, p90):
    grid = [(x, y) for x in (0.0, 0.5, 1.0) for y in (0.0, 0.5, 1.0)]
    return pd.DataFrame({"point": range(9), "parameters.sanctions": [g[0] for g in grid],
                         "actors.Seoul.autonomy": [g[1] for g in grid], "runs": 200, "partnership_share": shares,
                         "share_p10": p10, "share_p90": p90})


def test_the_map_stars_the_scenario_s_values_and_leaves_out_what_says_nothing():
    s = load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml")
    fig = map_figure(summary_of(np.linspace(0, 0.8, 9), np.zeros(9), np.linspace(0, 1, 9)), s,
                     "parameters.sanctions", "actors.Seoul.autonomy")
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(axes) == 2  # the 10th percentile, 0% everywhere, is not drawn
    star = next(line for line in axes[0].lines if line.get_marker() == "*")
    assert tuple(star.get_xydata()[0]) == (0.6, 0.35)  # the file's own sanctions and autonomy
    title = fig._suptitle.get_text()
    assert "10th percentile" in title and "not drawn" in title and ".yaml" not in title
    assert "not a forecast" in fig.axes[-1].get_ylabel()
    plt.close(fig)
    fig = map_figure(summary_of(np.zeros(9), np.zeros(9), np.zeros(9)), s, "parameters.sanctions", "actors.Seoul.autonomy")
    assert "no combination reaches partnership" in fig._suptitle.get_text()
    plt.close(fig)


def test_a_run_says_which_parameters_it_used(tmp_path):
    plain = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "p")
    assert "hand-set values (not calibrated" in plain.stderr
    assert "hand-set" in json.loads((tmp_path / "p" / "manifest.json").read_text())["parameters"]
    drawn = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "d",
                "--posterior", SCENARIOS / "posteriors" / "history_2005_2024")
    assert "drawn from the posterior" in drawn.stderr
    report = cli("report", tmp_path / "d")
    page = (tmp_path / "d" / "report.html").read_text()
    assert report.returncode == 0 and "How far to trust this" in page
    for word in ("calibrated", "'nothing changes'", "not a forecast", "drawn from the posterior"):
        assert word.replace("'", "&#x27;") in page or word in page, word


def test_history_says_how_far_the_model_can_be_trusted(tmp_path):
    result = cli("history", "--runs", "10", "--out", tmp_path / "h")
    assert result.returncode == 0, result.stderr
    assert "better than 'nothing changes'" in result.stdout and "not as forecasts" in result.stdout


def test_compare_labels_its_rows_and_a_comparison_can_be_exported(tmp_path):
    base = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "4", "--steps", "8"]
    assert cli(*base, "--out", tmp_path / "a").returncode == 0
    assert cli(*base, "--out", tmp_path / "b", "--posterior", SCENARIOS / "posteriors" / "history_2005_2024").returncode == 0
    unlabelled = cli("compare", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "c0")
    assert "baseline_2018 (hand-set)" in unlabelled.stdout and "baseline_2018 (posterior)" in unlabelled.stdout
    result = cli("compare", tmp_path / "a", tmp_path / "b", "--label", "hand-set", "--label", "calibrated",
                 "--out", tmp_path / "c")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert list(table["item"]) == ["hand-set", "calibrated"]
    assert all(len(str(v).split(".")[-1]) <= 4 for v in table.select_dtypes("number").to_numpy().ravel())
    assert cli("compare", tmp_path / "a", tmp_path / "b", "--label", "one").returncode == 2
    book = cli("export", tmp_path / "c", "--format", "xlsx")
    assert book.returncode == 0, book.stderr
    assert list(pd.read_excel(tmp_path / "c" / "compare.xlsx")["item"]) == ["hand-set", "calibrated"]


def test_a_workbook_written_in_blocks_says_how_far_it_has_got(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.outputs.export.BLOCK", 50)  # blocks of 50 rows: the sheet is written in eleven
    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "3", "--steps", "8", "--out", tmp_path / "r").returncode == 0
    result = cli("export", tmp_path / "r", "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    assert "trajectories: 540 of 540 rows written" in result.stderr
    sheets = pd.read_excel(tmp_path / "r" / "export.xlsx", sheet_name=None)
    csv = cli("export", tmp_path / "r", "--format", "csv")
    assert csv.returncode == 0
    flat = pd.read_csv(tmp_path / "r" / "export" / "trajectories.csv")
    pd.testing.assert_frame_equal(sheets["trajectories"], flat, check_dtype=False)


def test_a_scenario_that_names_its_posterior_draws_from_it_unless_told_otherwise(tmp_path):
    base = ["run", SCENARIOS / "baseline_2025.yaml", "--replicates", "3", "--steps", "90", "--quiet"]
    named = cli(*base, "--out", tmp_path / "named")
    assert named.returncode == 0, named.stderr
    manifest = json.loads((tmp_path / "named" / "manifest.json").read_text())
    assert manifest["posterior"].endswith("history_2005_2024") and "posterior" in manifest["parameters"]
    own = cli(*base, "--file-values", "--out", tmp_path / "own")
    assert own.returncode == 0 and "posterior_sha256" not in json.loads((tmp_path / "own" / "manifest.json").read_text())
    both = cli(*base, "--file-values", "--posterior", SCENARIOS / "posteriors" / "history_2005_2024", "--out", tmp_path / "x")
    assert both.returncode == 2 and "one of the two" in both.stderr


def test_the_date_column_orders_quarters_in_time(tmp_path):
    import sim

    assert cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "10", "--out", tmp_path / "r",
               "--quiet").returncode == 0
    dates = sim.load_results(tmp_path / "r").trajectories["date"]
    assert dates.max() == "2021Q1" and dates.min() == "2018Q3" and dates.cat.ordered
