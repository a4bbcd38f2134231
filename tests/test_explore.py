"""Exploration: sensitivity on a known answer, discovery of a known box, the report, the EMA model."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from sim import extras
from sim.analysis.discovery import prim_box, prim_boxes
from sim.analysis.sensitivity import indices
from sim.batch.designs import design_points
from sim.batch.plan import Plan
from sim.batch.run import run_batch
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS, cli

FACTORS = {"parameters.sanctions": {"range": [0, 1]}, "actors.Seoul.autonomy": {"range": [0, 1]},
           "mechanisms.hedging": {"range": [0, 2]}}


def sweep_scenario(design, samples, replicates=2, steps=24):
    base = load_scenario(SCENARIOS / "baseline_2018.yaml")
    return with_overrides(base, {"steps": steps, "sweep": {"design": design, "samples": samples, "replicates": replicates,
                                                          "factors": FACTORS, "record": {"pairs": ["Seoul-Moscow", "Seoul->Washington"]}}})


@pytest.mark.parametrize("design, index", [("sobol", "ST"), ("morris", "mu_star")])
def test_a_toy_outcome_of_one_factor_puts_all_sensitivity_on_it(design, index):
    scenario = sweep_scenario(design, 512 if design == "sobol" else 64)
    points = design_points(scenario)
    toy = pd.DataFrame({"toy": np.sin(3 * points["actors.Seoul.autonomy"]) + points["actors.Seoul.autonomy"] ** 2})
    table = indices(scenario.sweep, points, toy).query("index == @index").set_index("factor")["value"]
    if design == "sobol":
        assert table["actors.Seoul.autonomy"] > 0.95
        assert table.drop("actors.Seoul.autonomy").abs().max() < 0.05
    else:
        assert table["actors.Seoul.autonomy"] > 0.5
        assert table.drop("actors.Seoul.autonomy").max() < 1e-9


def test_prim_recovers_a_known_box():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.uniform(size=(3000, 3)), columns=["sanctions", "autonomy", "noise"])
    inside = (x["autonomy"] > 0.7) & (x["sanctions"] < 0.4)
    y = np.where(inside, rng.uniform(size=3000) < 0.95, rng.uniform(size=3000) < 0.03)
    box = prim_box(x, y, density=0.8)
    assert set(box.limits.index) == {"sanctions", "autonomy"}
    assert box.limits.loc["autonomy", "low"] == pytest.approx(0.7, abs=0.05)
    assert box.limits.loc["sanctions", "high"] == pytest.approx(0.4, abs=0.05)
    assert box.density >= 0.8 and box.coverage > 0.8


def test_prim_finds_two_known_boxes_one_after_the_other_and_stops_where_every_run_is_taken():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(size=(4000, 3)), columns=["sanctions", "autonomy", "noise"])
    first, second = x["autonomy"] > 0.75, (x["sanctions"] < 0.2) & (x["autonomy"] < 0.5)
    y = np.where(first | second, rng.uniform(size=4000) < 0.95, rng.uniform(size=4000) < 0.02)
    boxes = prim_boxes(x, y, density=0.8, most=3)
    assert [set(b.limits.index) for b in boxes[:2]] == [{"autonomy"}, {"sanctions", "autonomy"}]
    assert boxes[1].limits.loc["sanctions", "high"] == pytest.approx(0.2, abs=0.05)
    assert all(b.density >= 0.8 for b in boxes[:2])
    everywhere = prim_boxes(x, rng.uniform(size=4000) < 0.3, density=0.1, most=3)
    assert len(everywhere) == 1 and everywhere[0].limits.empty and everywhere[0].coverage == 1.0


@pytest.fixture(scope="module")
def sobol_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("sobol") / "batch"
    run_batch(Plan.of(sweep_scenario("sobol", 16, steps=88)), out)
    return out


def test_sensitivity_command_writes_table_and_chart(sobol_batch):
    result = cli("sensitivity", sobol_batch)
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(sobol_batch / "sensitivity.parquet")
    assert set(table["index"]) == {"S1", "ST"} and set(table["outcome"]) == {"partnership", "final_alignment"}
    assert (sobol_batch / "plots" / "sensitivity.png").exists()


def test_sensitivity_refuses_a_grid_batch(tmp_path):
    run_batch(Plan.of(with_overrides(sweep_scenario("lhs", 4), {"sweep.design": "lhs"})), tmp_path / "lhs")
    result = cli("sensitivity", tmp_path / "lhs")
    assert result.returncode == 2 and "sobol or morris" in result.stderr and "Traceback" not in result.stderr


def test_report_has_every_section_and_embeds_its_images(sobol_batch):
    result = cli("report", sobol_batch)
    assert result.returncode == 0, result.stderr
    page = (sobol_batch / "report.html").read_text()
    for section in ("scenario", "design", "map", "trajectories", "paths", "sensitivity", "discovery", "provenance"):
        assert f'<section id="{section}">' in page
    images = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(images) >= 5 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', page), "the report must open with no network"
    assert load_scenario(SCENARIOS / "baseline_2018.yaml").digest() != "" and "SHA-256" in page
    # factors and points are named, never shown by path or number alone
    assert "Swept in this batch: US sanctions on Russia" in page
    assert re.search(r"at sanctions [\d.]+, .* \(design point \d+\), the one nearest the scenario", page)
    assert re.search(r"runs, [\d.]+% \(95% interval", page)
    discovery = page[page.index('<section id="discovery">'):]
    assert "<th>factor</th>" in discovery or "no run reached" in discovery


def test_report_of_plain_replicates(tmp_path):
    out = tmp_path / "run"
    assert cli("run", SCENARIOS / "sovereign_seoul.yaml", "--replicates", "5", "--out", out).returncode == 0
    assert cli("report", out).returncode == 0
    page = (out / "report.html").read_text()
    assert '<section id="trajectories">' in page and '<section id="map">' not in page


def test_the_ema_workbench_drives_the_model():
    from ema_workbench import SequentialEvaluator, perform_experiments

    from sim.analysis.ema import OUTCOMES, workbench_model

    model = workbench_model(sweep_scenario("lhs", 4), replications=3)
    assert {u.name for u in model.uncertainties} == {k.replace(".", "__") for k in FACTORS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = perform_experiments(model, scenarios=5, evaluator=evaluator)
    assert len(experiments) == 5
    assert set(outcomes) == set(OUTCOMES) and outcomes["partnership"].shape == (5, 3)
    assert set(np.unique(outcomes["partnership"])) <= {0.0, 1.0}
    assert np.all(np.abs(outcomes["final_stance"]) <= 1)


def test_a_missing_extra_names_the_extra_to_install(monkeypatch):
    def fail(name):
        raise ImportError(name)

    monkeypatch.setattr(extras.importlib, "import_module", fail)
    with pytest.raises(extras.MissingExtra, match=r"pip install 'alliance-sim\[explore\]'"):
        extras.require("ema_workbench", "explore", "scenario discovery")


def test_the_ema_model_of_a_scenario_without_a_sweep_uses_the_two_levers():
    from sim.analysis.ema import workbench_model

    with pytest.warns(UserWarning, match="no `sweep:` section.*parameters.sanctions and actors.Seoul.autonomy"):
        model = workbench_model(SCENARIOS / "baseline_2018.yaml", replications=2)
    assert {u.name: (u.lower_bound, u.upper_bound) for u in model.uncertainties} == {
        "parameters__sanctions": (0.0, 1.0), "actors__Seoul__autonomy": (0.0, 1.0)}


def test_discover_writes_each_box_beside_the_scenario_s_own_values(sobol_batch):
    import json

    result = cli("discover", sobol_batch, "--density", "0.5", "--boxes", "2", "--replace")
    assert result.returncode == 0, result.stderr
    found = json.loads((sobol_batch / "discovery.json").read_text())
    assert found["boxes"] and found["boxes"][0]["limits"]  # the hand-set map is far from flat: a box restricts
    for box in found["boxes"]:
        for limits in box["limits"].values():
            assert set(limits) == {"low", "high", "own", "gap", "gap_share"}
            assert limits["gap"] == max(limits["low"] - limits["own"], limits["own"] - limits["high"], 0.0)
    assert (sobol_batch / "plots" / "discovery.png").exists()


@pytest.mark.parametrize("density, says", [(0.6, "where a partnership reaches 50% of runs"),
                                           (0.41, "no box reaches 50% of runs: the nearest, where 41% reach")])
def test_the_discovery_figure_says_when_its_box_falls_short_of_the_share_wanted(density, says):
    from types import SimpleNamespace

    from sim.cli.discover import box_title

    assert box_title(SimpleNamespace(density=density), 0.5).startswith(says)
