"""Comparing scenarios: a table with each one's difference to the first, a figure, a report section."""

import pandas as pd
import pytest

from sim.analysis import compare
from sim.batch.plan import Plan
from sim.batch.run import run_batch
from sim.outputs.results import load_results
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS, cli


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    for name in ("baseline_2018", "sovereign_seoul"):
        assert cli("run", SCENARIOS / f"{name}.yaml", "--replicates", "20", "--steps", "40", "--file-values",
                   "--out", root / name).returncode == 0
    sweep = with_overrides(load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml"),
                           {"steps": 40, "sweep.replicates": 10,
                            "sweep.factors": {"parameters.sanctions": [0.2, 0.9], "actors.Seoul.autonomy": [0.35, 0.9]}})
    run_batch(Plan.of(sweep), root / "sweep")
    return root


def test_the_table_holds_each_item_and_its_difference_to_the_first(folders):
    items = [compare.item(load_results(folders / n)) for n in ("baseline_2018", "sovereign_seoul")]
    found = compare.table(items)
    assert list(found["item"]) == ["baseline_2018 (hand-set)", "sovereign_seoul (hand-set)"]
    assert found["partnership"].str.match(r"\d+ of 20 runs, .*95% interval").all()
    assert found["Seoul->Moscow vs first"].iloc[0] == 0
    assert found["Seoul->Moscow vs first"].iloc[1] == pytest.approx(found["Seoul->Moscow"].iloc[1] - found["Seoul->Moscow"].iloc[0])
    assert "Seoul->Washington" in found  # the focal actor's stance toward its patron


def test_a_batch_point_is_compared_by_its_own_runs(folders):
    res = load_results(folders / "sweep")
    it = compare.item(res, 3)
    assert set(it.outcomes["run_id"]) == set(res.runs.loc[res.runs["point"] == 3, "run_id"])
    assert "design point 3: parameters.sanctions = 0.9, actors.Seoul.autonomy = 0.9" in it.name


def test_the_command_writes_the_table_and_the_figure(folders, tmp_path):
    result = cli("compare", folders / "baseline_2018", folders / "sweep", "--where", "actors.Seoul.autonomy=0.9",
                 "--where", "parameters.sanctions=0.2", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "compare.csv")
    assert "design point 1: parameters.sanctions = 0.2, actors.Seoul.autonomy = 0.9" in table["item"].iloc[1]
    assert (tmp_path / "compare.png").exists()
    alone = cli("compare", folders / "baseline_2018")
    assert alone.returncode == 2 and "two or more" in alone.stderr


def test_a_report_of_several_folders_has_a_comparison(folders, tmp_path):
    result = cli("report", folders / "baseline_2018", folders / "sovereign_seoul", "--out", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert '<section id="comparison">' in page and "sovereign_seoul" in page
