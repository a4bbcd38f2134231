"""Robust decisions: toys with known answers for the search, regret and value of information, the
errors of a bad `decision:` section, and a stopped search that resumes to the same answer."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.decision import evaluate, problem_of
from sim.analysis.robustness import efficient, regret
from sim.analysis.search import search
from sim.analysis.voi import evppi, value_of_information
from sim.scenario import with_overrides

from conftest import SCENARIOS, cli, shown

MAX = np.array([1.0, 1.0])

# the 2018 baseline over 16 quarters, Seoul choosing from 2019 the US sanctions' level (a stand-in lever
# whose effect on trade is known in sign) and the growth of tourism, which moves nothing the objectives
# read once the people-to-people mechanism is switched off
TOY = {
    "steps": 16, "mechanisms.people": 0.0, "sweep": None,
    "decision": {
        "levers": {"sanctions": {"path": "parameters.sanctions", "range": [0.0, 1.0], "at": ["2019Q1"]},
                   "tourism": {"path": "parameters.tourism_growth", "range": [0.0, 0.5], "at": ["2019Q1"]}},
        "objectives": {"trade": {"measure": "cooperation", "pair": "Seoul-Moscow", "direction": "max"},
                       "alliance": {"measure": "stance", "pair": "Seoul->Washington", "direction": "max", "at_least": 0.0}},
        "ensemble": 12, "replicates": 2, "population": 8, "generations": 10},
}


@pytest.fixture(scope="module")
def toy(baseline):
    return problem_of(with_overrides(baseline, TOY))


def test_a_policy_that_dominates_in_every_state_is_the_efficient_set_with_no_regret():
    rng = np.random.default_rng(1)
    outcomes = rng.random((6, 40, 2))
    outcomes[3] = outcomes.max(axis=0) + 0.1  # better on both objectives in every state
    assert list(efficient(rng.random((6, 3)), outcomes, MAX)) == [3]
    lost = regret(outcomes, MAX)
    assert np.all(lost[3] == 0) and np.all(np.delete(lost, 3, axis=0) > 0)


def test_a_value_that_decides_the_best_policy_is_worth_knowing_and_one_that_cannot_is_not():
    found = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        theta, idle = rng.random(200), rng.random(200)
        utility = np.stack([theta > 0.5, theta <= 0.5]).astype(float) + 0.3 * rng.random((2, 200))
        voi = value_of_information({"u": utility}, pd.DataFrame({"theta": theta, "idle": idle}), seed=seed).set_index("value")
        found.append((voi.at["theta", "informative"], voi.at["idle", "informative"]))
    decides, idle = np.mean(found, axis=0)
    assert decides == 1.0 and idle <= 0.15  # the shuffled estimate is a 95th percentile: about 5% by chance
    dominant = np.stack([np.ones(200), np.zeros(200)])
    assert evppi(dominant, np.random.default_rng(0).random(200)) == 0.0


def test_the_search_finds_the_policy_that_is_best_in_every_state(toy, tmp_path):
    grid = np.array([[x, 0.1] for x in np.linspace(0, 1, 5)])
    outcomes = evaluate(toy, grid)
    trade = outcomes[..., 0]
    assert np.all(trade[0] >= trade[1:]), "the toy's premise: no sanctions is best for trade in every state"
    policies, found = search(toy, tmp_path, say=lambda _: None)
    best = found[..., 0].mean(axis=1).argmax()
    assert policies[best, 0] < 0.05  # at the bound where the dominant policy is
    assert found[best, :, 0].mean() > trade[1].mean()  # better than any other policy of the grid


def test_a_lever_with_no_effect_changes_nothing_and_is_worth_nothing(toy):
    outcomes = evaluate(toy, np.array([[0.6, 0.0], [0.6, 0.5]]))
    assert np.array_equal(outcomes[0], outcomes[1])
    states = pd.DataFrame({"idle": np.random.default_rng(2).random(outcomes.shape[1])})
    assert value_of_information({"trade": outcomes[..., 0]}, states)["evppi"].tolist() == [0.0]


def test_a_stopped_search_resumes_to_the_same_policies(toy, tmp_path):
    whole = search(toy, tmp_path / "whole", say=lambda _: None)

    def stop(message):
        if message.startswith("generation 2/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search(toy, tmp_path / "stopped", say=stop)
    resumed = search(toy, tmp_path / "stopped", say=lambda _: None)
    for a, b in zip(whole, resumed):
        np.testing.assert_array_equal(a, b)


BAD = {
    "lever_not_a_condition": ({"levers": {"x": {"path": "alignment.Seoul-Moscow", "range": [0, 1], "at": ["2019Q1"]}}},
                              "decision.levers.x.path", "not a condition a lever can set"),
    "lever_outside_run": ({"levers": {"x": {"path": "parameters.sanctions", "range": [0, 1], "at": ["2050Q1"]}}},
                          "decision.levers.x.at item 1", "outside the run"),
    "empty_range": ({"levers": {"x": {"path": "parameters.sanctions", "range": [1, 0], "at": ["2019Q1"]}}},
                    "decision.levers.x.range", "is empty"),
    "stance_both_ways": ({"objectives": {"o": {"measure": "stance", "pair": "Seoul-Moscow", "direction": "max"}}},
                         "decision.objectives.o.pair", "a stance is one way"),
    "no_pair": ({"objectives": {"o": {"measure": "cooperation", "direction": "max"}}},
                "decision.objectives.o.pair", "needs a pair"),
    "two_thresholds": ({"objectives": {"o": {"measure": "partnership", "direction": "max", "at_least": 0.1, "at_most": 0.5}}},
                       "decision.objectives.o", "one threshold"),
    "uncertain_not_a_condition": ({"uncertain": {"steps": [1, 2]}}, "decision.uncertain.steps", "not a condition"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_decision_section_names_the_field_and_what_is_allowed(tmp_path, name):
    import yaml

    change, field, words = BAD[name]
    decision = {**TOY["decision"], **change}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"base": str(SCENARIOS / "baseline_2018.yaml"), "sweep": None, "decision": decision}))
    result = cli("decide", path, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and field in result.stderr and words in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_decide_needs_a_decision_section(tmp_path):
    result = cli("decide", SCENARIOS / "baseline_2018.yaml", "--out", tmp_path / "out")
    assert result.returncode == 2 and "no `decision:` section" in result.stderr


def test_decide_writes_its_tables_figures_and_report(tmp_path, baseline):
    import yaml

    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump({"base": str(SCENARIOS / "baseline_2018.yaml"), "steps": 16, "sweep": None,
                                    "decision": {**TOY["decision"], "generations": 2}}))
    result = cli("decide", path, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert {"policies.parquet", "outcomes.parquet", "states.parquet", "voi.parquet", "boxes.json", "manifest.json",
            "report.html"} <= {p.name for p in out.iterdir()}
    assert shown(out / "plots") == ["boxes.png", "policies.png", "regret.png", "tradeoff.png",
                                                               "voi.png"]
    policies = pd.read_parquet(out / "policies.parquet")
    assert policies["policy"].iloc[0] == "status quo"
    assert "Most robust efficient policy" in result.stdout or "No efficient policy is good enough more often" in result.stdout
    again = cli("decide", path, "--out", out)
    assert again.returncode == 2 and "--resume" in again.stderr


def test_a_search_resumes_only_with_its_own_posterior(tmp_path):
    import yaml

    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump({"base": str(SCENARIOS / "decide_2025.yaml"),
                                    "decision": {"ensemble": 4, "replicates": 1, "population": 4, "generations": 1}}))
    posterior = SCENARIOS / "posteriors" / "history_2005_2024"
    assert cli("decide", path, "--out", tmp_path / "out", "--posterior", posterior, "--quiet").returncode == 0
    without = cli("decide", path, "--out", tmp_path / "out", "--resume", "--file-values")
    assert without.returncode == 2 and "another posterior" in without.stderr
    named = cli("decide", path, "--out", tmp_path / "out", "--resume", "--quiet")  # the scenario names that posterior
    assert named.returncode == 0, named.stderr
    assert cli("decide", path, "--out", tmp_path / "out", "--posterior", posterior, "--resume", "--quiet").returncode == 0


def test_the_status_quo_holds_each_lever_at_the_value_in_force_then():
    from sim.analysis.decision import status_quo
    from sim.scenario import load_scenario

    s = load_scenario(SCENARIOS / "decide_2025.yaml")  # Seoul joined fully in 2022; its autonomy is set in 2025Q2
    quo = dict(zip(problem_of(s).variables["setting"], status_quo(problem_of(s))))
    assert quo["actors.Seoul.joining@2025Q2"] == quo["actors.Seoul.joining@2030Q1"] == 1.0
    assert quo["actors.Seoul.autonomy@2025Q2"] == pytest.approx(0.25)  # the 2025Q2 event's own value, as written


def test_the_trade_off_s_value_of_information_is_zero_where_one_policy_wins_everywhere_and_not_where_a_value_decides():
    from sim.analysis.voi import tradeoff

    rng = np.random.default_rng(4)
    theta = rng.random(400)
    # policy 0 is better on the first criterion where theta > 0.5, policy 1 where it is below
    first = np.stack([np.where(theta > 0.5, 1.0, 0.0), np.where(theta > 0.5, 0.0, 1.0)]) + 0.01 * rng.random((2, 400))
    second = np.stack([np.full(400, 0.2), np.full(400, 0.8)])  # policy 1 always better on the second
    found = tradeoff(first, second, pd.DataFrame({"theta": theta, "idle": rng.random(400)}), weights=(0.0, 1.0))
    at = found.set_index(["weight", "value"])
    assert at.loc[(0.0, "theta"), "best_everywhere"] and at.loc[(0.0, "theta"), "evppi"] == 0.0  # the second alone: policy 1
    assert at.loc[(1.0, "theta"), "informative"] and at.loc[(1.0, "theta"), "evppi"] > 0.2  # theta decides
    assert not at.loc[(1.0, "idle"), "informative"]


def same_in_chunks_elsewhere(problem, monkeypatch, **where) -> None:
    """Seven policies evaluated here in one chunk, then in four chunks (the last short) on the
    executor `where` describes: the same numbers, in the same order."""
    import sim.analysis.decision
    from sim.batch.cluster import executor

    policies = np.random.default_rng(3).random((7, 2)) * [1.0, 0.5]
    one = evaluate(problem, policies)
    assert len(np.unique(one[..., 0], axis=0)) == len(policies)  # seven policies told apart: their order would show
    monkeypatch.setattr(sim.analysis.decision, "CHUNK_RUNS", 48)  # two policies a chunk
    with executor(**where) as on:
        np.testing.assert_array_equal(evaluate(problem, policies, on=on), one)


def test_a_decision_s_numbers_are_the_same_on_any_number_of_workers(toy, monkeypatch):
    same_in_chunks_elsewhere(toy, monkeypatch, workers=2)


@pytest.mark.slow  # a Dask cluster started and stopped: about 15 s; CI runs it
def test_a_decision_s_numbers_are_the_same_on_a_dask_cluster(toy, monkeypatch):
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        same_in_chunks_elsewhere(toy, monkeypatch, scheduler=cluster.scheduler_address)


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_decide_refuses_a_count_of_workers_below_one(tmp_path, workers):
    result = cli("decide", SCENARIOS / "decide_2025.yaml", "--out", tmp_path / "out", "--workers", workers)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"--workers {workers}" in result.stderr and "allowed: 1 or more" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_decision_with_nothing_uncertain_has_no_value_of_information_and_still_finishes(tmp_path):
    import yaml

    decision = yaml.safe_load((SCENARIOS / "decide_2025.yaml").read_text())["decision"]
    decision = {k: v for k, v in decision.items() if k != "uncertain"} | {"ensemble": 2, "replicates": 1,
                                                                           "population": 4, "generations": 1}
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump({"base": str(SCENARIOS / "baseline_2025.yaml"), "sweep": None, "decision": decision}))
    result = cli("decide", path, "--file-values", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out" / "voi_tradeoff.parquet").exists() and "Traceback" not in result.stderr


@pytest.mark.parametrize("quo, other, said", [(0.95, 0.75, "No efficient policy is good enough more often than the status quo"),
                                              (0.40, 0.75, "Most robust efficient policy (P1)")])
def test_a_policy_is_called_most_robust_only_when_more_often_good_enough_than_the_status_quo(toy, quo, other, said):
    from sim.analysis.robust_decision import verdict

    found = pd.DataFrame({"policy": ["status quo", "P1"], "role": ["status quo", "most often good enough"],
                          "satisficing": [quo, other], "trade": [0.2, 0.3], "alliance": [0.8, 0.7],
                          **{setting: [0.5, 0.5] for setting in toy.variables["setting"]}})
    outcomes = np.random.default_rng(0).uniform(size=(2, 12, 2))
    voi = pd.DataFrame({"criterion": ["trade"], "value": ["noise"], "evppi": [0.0], "informative": [False]})
    lines = verdict(toy.scenario, found, outcomes, voi, pd.DataFrame())
    assert lines[0].startswith(said), lines[0]
