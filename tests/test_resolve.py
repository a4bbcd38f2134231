"""What a run runs is decided in one place: conditions depart from the rest state, edits of the
scenario as written enter before it, and a posterior's runs keep their departures apart."""

import numpy as np
import pytest

from sim import AllianceModel
from sim.core.resolve import resolve
from sim.core.schedule import at_rest, params_of
from sim.outputs.posterior import read_posterior
from sim.scenario import ScenarioError, with_overrides

from conftest import SCENARIOS

POSTERIOR = SCENARIOS / "posteriors" / "history_2005_2024"


@pytest.mark.parametrize("change", [{"sanctions": 0.9}, {"actors.Seoul.autonomy": 0.1}, {"mechanisms.hedging": 2.0}])
def test_a_condition_departs_from_the_rest_state(baseline, change):
    moved, still = resolve(baseline, change).scenario, resolve(baseline).scenario
    assert moved.interests == still.interests and moved.potential == still.potential
    assert moved == with_overrides(at_rest(baseline), change)


def test_an_edit_of_the_picture_enters_before_the_rest_state(baseline):
    edit = {"alignment.Seoul-Moscow": 0.5}
    s = resolve(baseline, edit).scenario
    assert s == at_rest(with_overrides(baseline, edit))
    assert s.interests != resolve(baseline).scenario.interests  # the picture at rest is the edited one
    np.testing.assert_allclose(params_of(s).anchor, params_of(at_rest(with_overrides(baseline, edit))).anchor)


def test_with_a_posterior_the_scenario_stays_as_written_and_the_conditions_wait_apart(baseline):
    posterior = read_posterior(POSTERIOR)
    runs = resolve(baseline, {"sanctions": 0.2, "replicates": 7}, posterior)
    assert runs.scenario == with_overrides(baseline, {"replicates": 7}) and runs.departures == {"sanctions": 0.2}
    seeds = np.arange(5)
    schedule = runs.schedule(seeds)
    assert np.all(schedule.phases[0].sanctions == 0.2)  # written over every run's own set
    assert len({float(x) for x in schedule.phases[0].trade_response}) > 1  # each run its own draw


def test_a_bad_change_is_a_scenario_error_naming_it(baseline):
    with pytest.raises(ScenarioError, match="actors.Seoul.autonomy"):
        resolve(baseline, {"actors.Seoul.autonomy": 3.0}, read_posterior(POSTERIOR))


def test_the_mesa_models_keywords_are_changes_like_any_other(baseline):
    changes = {"sanctions": 0.9, "alignment.Seoul-Moscow": 0.5}
    model = AllianceModel(baseline, rng=1, file_values=True, sanctions=0.9, **{"alignment__Seoul-Moscow": 0.5})
    assert model.spec == resolve(baseline, changes).scenario
    drawn = AllianceModel(baseline, rng=1, sanctions=0.9, **{"alignment__Seoul-Moscow": 0.5})  # the scenario's posterior
    runs = resolve(baseline, changes, read_posterior(POSTERIOR))
    assert drawn.spec == with_overrides(runs.scenario, runs.departures)
    assert drawn.spec.parameters.sanctions == 0.9 and drawn.parameter_set is not None
