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
    assert "Seoul-Moscow cooperation" in found and "Seoul-Moscow cooperation vs first" in found
    assert found["Seoul->Moscow vs first"].iloc[0] == 0
    assert found["Seoul->Moscow vs first"].iloc[1] == pytest.approx(found["Seoul->Moscow"].iloc[1] - found["Seoul->Moscow"].iloc[0])
    assert "Seoul->Washington" in found  # the focal actor's stance toward its patron


def test_a_batch_point_is_compared_by_its_own_runs(folders):
    res = load_results(folders / "sweep")
    it = compare.item(res, 3)
    assert set(it.outcomes["run_id"]) == set(res.runs.loc[res.runs["point"] == 3, "run_id"])
    assert "sanctions 0.9, Seoul's autonomy 0.9 (design point 3)" in it.name  # what the point means, by its values


def test_the_command_writes_the_table_and_the_figure(folders, tmp_path):
    result = cli("compare", folders / "baseline_2018", folders / "sweep", "--where", "actors.Seoul.autonomy=0.9",
                 "--where", "parameters.sanctions=0.2", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "compare.csv")
    assert "sanctions 0.2, Seoul's autonomy 0.9 (design point 1)" in table["item"].iloc[1]
    assert (tmp_path / "compare.png").exists()
    settings = pd.read_csv(tmp_path / "settings.csv", index_col="setting", dtype=str)
    assert settings.loc["actors.Seoul.autonomy"].tolist() == ["0.35", "0.9"]  # the file's value, the point's
    assert settings.loc["parameters.sanctions"].tolist() == ["0.6", "0.2"]
    assert "Settings that differ" in result.stdout and "actors.Seoul.autonomy" in result.stdout
    alone = cli("compare", folders / "baseline_2018")
    assert alone.returncode == 2 and "two or more" in alone.stderr


def test_a_report_of_several_folders_has_a_comparison(folders, tmp_path):
    result = cli("report", folders / "baseline_2018", folders / "sovereign_seoul", "--out", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert '<section id="comparison">' in page and "sovereign_seoul" in page


def test_the_settings_that_differ_are_those_of_the_scenario_the_manifest_and_the_point(folders):
    items = [compare.item(load_results(folders / n)) for n in ("baseline_2018", "sovereign_seoul")]
    found = compare.differences(items)
    assert len(found) and "name" not in found.index and "description" not in found.index
    assert all(len(set(row)) > 1 for row in found.to_numpy())  # only what differs
    same = compare.differences([items[0], items[0]])
    assert same.empty


def test_the_figure_draws_cooperation_and_says_whose_events_they_are(folders):
    from matplotlib.text import Text

    from sim.outputs.figures import compare_figure

    base = compare.item(load_results(folders / "baseline_2018"))
    shocked = compare.item(load_results(folders / "baseline_2018"), label="shocked")
    shocked.scenario = with_overrides(base.scenario, {"events": [{"at": "2020Q1", "set": {"sanctions": 0.9},
                                                                  "note": "x: a shock"}]})  # an event of its own
    fig = compare_figure([base, shocked], settings=compare.differences([base, shocked]))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert any("cooperation" in label for label in labels)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "a shock [2]" in texts  # the event of the second scenario alone, named by its number
    assert any("[2] shocked" == t for t in texts)
