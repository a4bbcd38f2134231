"""The Mesa model, the dynamics stepped by hand and the vectorised engine give the same numbers."""

import pickle

import mesa
import numpy as np
import pytest

from sim import AllianceModel, ScenarioError
from sim.abm.model import run_mesa
from sim.core.dynamics import State
from sim.core.engine import broadcast, run_seeds, simulate
from sim.core.outcomes import partnership
from sim.core.schedule import schedule
from sim.core.stepping import step
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS

SHIPPED = ["baseline_2018", "sanctions_escalation", "sovereign_seoul", "with_pyongyang"]


def by_hand(plan, steps, seed):
    """Step the dynamics functions directly over a schedule, drawing the noise as the model does."""
    rng = np.random.default_rng(seed)
    state = State(*(x.copy() for x in plan.initial))
    history = [state]
    for t in range(steps):
        state = step(state, plan.params_at(t), rng.standard_normal(state.A.shape))
        history.append(state)
    return [np.stack(part) for part in zip(*history)]


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("seed", [0, 7, 2018])
def test_mesa_model_equals_dynamics_stepped_by_hand(name, seed):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    model = AllianceModel(scenario, rng=seed, file_values=True)
    while model.running:
        model.step()
    assert model.steps == scenario.steps and model.parameter_set is None
    for ours, theirs in zip(model.trajectory(), by_hand(schedule(scenario), scenario.steps, seed)):
        np.testing.assert_array_equal(ours[0], theirs)


def test_a_model_drawn_from_the_posterior_is_the_engines_run_with_that_set():
    """Where the scenario names a posterior, a model takes the set its seed draws, and its run equals
    the vectorised engine's run of that set and seed (and a given row is the row taken)."""
    from sim.core.resolve import resolve
    from sim.outputs.posterior import read_posterior

    scenario = load_scenario(SCENARIOS / "sovereign_seoul.yaml")
    runs = resolve(scenario, {}, read_posterior(scenario.posterior))
    seeds = run_seeds(scenario.seed, 3)
    rows = np.array([runs.posterior.draw(np.array([seed]))[0] for seed in seeds])
    engine = simulate(runs.schedule(seeds, rows), seeds, scenario.steps)
    for k, seed in enumerate(seeds):
        model = AllianceModel(scenario, rng=int(seed))
        while model.running:
            model.step()
        assert model.parameter_set == rows[k]
        np.testing.assert_allclose(model.trajectory().A[0], engine.A[k], rtol=0, atol=1e-9)
    assert AllianceModel(scenario, rng=1, posterior_row=7).parameter_set == 7


@pytest.mark.parametrize("name", SHIPPED)
def test_vectorised_engine_equals_mesa_run_for_run(name):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    seeds = run_seeds(scenario.seed, 6)
    vectorised = simulate(broadcast(schedule(scenario), len(seeds)), seeds, scenario.steps)
    reference = run_mesa(scenario, seeds)
    for ours, theirs in zip(vectorised, reference):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_noise_drawn_at_once_equals_noise_drawn_per_step():
    """The engine draws a run's noise in one call, the model one step at a time."""
    at_once = np.random.default_rng(5).standard_normal((10, 5, 5))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(at_once, np.stack([rng.standard_normal((5, 5)) for _ in range(10)]))


def test_datacollector_reports_every_stance_and_the_focal_pair():
    model = AllianceModel(rng=3)
    for _ in range(12):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 13  # the initial state and 12 quarters
    n = len(model.names)
    assert {f"{a}->{b}" for a in model.names for b in model.names if a != b} <= set(frame.columns)
    assert len([c for c in frame.columns if "->" in c]) == n * (n - 1)
    assert frame["date"].iloc[-1] == "2021Q3"
    A = model.trajectory().A[0]
    np.testing.assert_array_equal(frame["Seoul->Moscow"].to_numpy(), A[:, 0, 3])
    assert frame["cooperation"].iloc[-1] == model.state.E[0, 3]


def test_mesa_batch_run_with_plain_keywords():
    kwargs = dict(parameters={"sanctions": [0.2, 0.8], "autonomy": [0.2, 0.9]}, rng=[1, 2, 3], max_steps=40,
                  number_processes=1, display_progress=False)
    rows = mesa.batch_run(AllianceModel, **kwargs)
    assert len(rows) == 12
    assert all(row["Step"] == 40 for row in rows)
    assert {"Seoul->Moscow", "Moscow->Seoul", "cooperation", "partnership", "sanctions", "autonomy"} <= set(rows[0])
    # the keywords reach the model: at the same seed, the four parameter sets give four different runs
    by_seed = [r for r in rows if r["iteration"] == 0]
    assert len({round(r["Seoul->Moscow"], 12) for r in by_seed}) == 4
    # and a seed fixes a run: the same call again gives the same numbers
    again = mesa.batch_run(AllianceModel, **kwargs)
    assert [r["Seoul->Moscow"] for r in rows] == [r["Seoul->Moscow"] for r in again]


def test_keywords_set_any_scenario_field():
    model = AllianceModel(actors__Tokyo__autonomy=0.5, autonomy=0.9, sanctions=0.1, rng=1)
    assert model.spec.actors["Tokyo"].autonomy == 0.5
    assert model.spec.actors["Seoul"].autonomy == 0.9
    assert model.spec.parameters.sanctions == 0.1
    model = AllianceModel(scenario=str(SCENARIOS / "with_pyongyang.yaml"), rng=1)
    assert len(model.agents) == 6


@pytest.mark.parametrize("kwargs, words", [
    ({"actors__Nowhere__autonomy": 0.5}, ["actors.Nowhere", "unknown field"]),
    ({"sanctions": 1.7}, ["parameters.sanctions", "1.7"]),
])
def test_bad_keywords_are_refused_clearly(kwargs, words):
    with pytest.raises(ScenarioError) as err:
        AllianceModel(rng=1, **kwargs)
    assert all(w in str(err.value) for w in words)


def test_model_pickles_mid_run_and_goes_on_identically():
    """Reporters are named attributes and module functions, not lambdas: a model can be saved and resumed."""
    model = AllianceModel(rng=3)
    for _ in range(3):
        model.step()
    copy = pickle.loads(pickle.dumps(model))
    for _ in range(5):
        model.step()
        copy.step()
    np.testing.assert_array_equal(model.state.A, copy.state.A)
    assert model.datacollector.get_model_vars_dataframe().equals(copy.datacollector.get_model_vars_dataframe())


@pytest.mark.parametrize("overrides", [{}, {"alignment": {"Seoul-Moscow": 0.9}, "cooperation": {"Seoul-Moscow": 0.6}}])
def test_model_dates_partnership_as_the_outcome_tables_do(overrides):
    """One partnership rule: the model's flag and the tables' first step agree, run for run, even
    when the conditions hold from the very first quarter (the second case)."""
    s = load_scenario(SCENARIOS / "sovereign_seoul.yaml")
    s = with_overrides(s, {f"{table}.{k}": v for table, pairs in overrides.items() for k, v in pairs.items()})
    i, j = (s.index(a) for a in s.partnership.pair)
    p = s.partnership
    for seed in range(12):
        model = AllianceModel(s, rng=seed)
        while model.running:
            model.step()
        traj = model.trajectory()
        sub = np.ix_([0], range(traj.A.shape[1]), [i, j], [i, j])
        first = int(partnership(traj.A[sub], traj.E[sub], p.threshold, p.cooperation, p.hold).first_step[0, 0])
        assert (model.partnership_step if model.partnership else -1) == first
