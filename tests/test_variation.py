"""Parameter sets written into a compiled schedule give exactly the schedule of the scenario written with them."""

import numpy as np
import pytest

from sim.core.schedule import Variation, at_rest, schedule
from sim.scenario import expand_path, load_scenario, set_path, validate, with_overrides

from conftest import SCENARIOS

SETTINGS = ["mechanisms.hedging", "rate", "actors.Seoul.autonomy", "actors.Seoul.autonomy@2008Q1",
            "actors.Tokyo.sanction_sensitivity", "trade_response"]


def written(s, values: dict[str, float]):
    """The scenario path: the values written into the file's data, validated, at rest, compiled."""
    data = s.to_dict()
    for setting, value in values.items():
        path, _, at = setting.partition("@")
        if at:
            event = next(e for e in data["events"] if e["at"] == at and path in e["set"])
            event["set"][path] = value
        else:
            set_path(data, expand_path(path), value)
    return schedule(at_rest(validate(data)))


def assert_same(stacked, m: int, reference) -> None:
    assert stacked.starts == reference.starts and stacked.shift_steps == reference.shift_steps
    for a, b in zip(stacked.initial, reference.initial):
        np.testing.assert_array_equal(np.asarray(a)[m], b)
    for pa, pb in zip(stacked.phases, reference.phases):
        for name, a, b in zip(pa._fields, pa, pb):
            np.testing.assert_array_equal(np.asarray(a)[m], b, err_msg=name)
    for (dA, dE), (rA, rE) in zip(stacked.shifts, reference.shifts):
        np.testing.assert_array_equal(dA[m], rA)
        np.testing.assert_array_equal(dE[m], rE)


def test_the_history_under_many_parameter_sets_is_the_history_written_with_them():
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    rng = np.random.default_rng(5)
    values = np.column_stack([rng.uniform(0, 3, 6), rng.uniform(0.02, 0.4, 6), rng.uniform(0, 0.8, 6),
                              rng.uniform(0, 0.8, 6), rng.uniform(0, 1, 6), rng.uniform(0, 0.9, 6)])
    stacked = Variation(s, SETTINGS).schedules(values)
    for m, row in enumerate(values):
        assert_same(stacked, m, written(s, dict(zip(SETTINGS, row))))


def test_departures_are_set_over_the_rest_state_as_a_batch_sets_its_factors():
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    values, departures = np.array([[1.1, 0.2]]), np.array([[0.9, 0.3]])
    stacked = Variation(s, ["mechanisms.hedging", "rate"], ["actors.Seoul.autonomy", "sanctions"]).schedules(values, departures)
    rested = at_rest(with_overrides(s, {"mechanisms.hedging": 1.1, "rate": 0.2}))
    assert_same(stacked, 0, schedule(with_overrides(rested, {"actors.Seoul.autonomy": 0.9, "sanctions": 0.3})))


@pytest.mark.parametrize("setting, message", [
    ("alignment.Seoul-Moscow", "not a numeric condition"),
    ("actors.Seoul.autonomy@2009Q1", "no event at 2009Q1"),
])
def test_a_setting_that_cannot_be_written_is_refused(setting, message):
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    with pytest.raises(KeyError, match=message):
        Variation(s, [setting])


def test_a_dated_departure_is_the_event_value_changed_over_the_rest_state():
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    stacked = Variation(s, [], ["sanctions@2022Q1"]).schedules(np.zeros((1, 0)), np.array([[0.4]]))
    assert_same(stacked, 0, schedule(with_overrides(at_rest(s), {"sanctions@2022Q1": 0.4})))
    assert stacked.phases[-2].sanctions[0] == 0.4  # 2022Q1 holds the new value until the next setting


def test_the_size_of_a_dated_shock_written_in_is_the_scenario_written_with_it():
    """A shock as a factor ('shift.alignment.A-B@QUARTER', 'shift.cooperation.A-B@QUARTER': a summit, a
    rift) gives, run by run, the shifts of the scenario with that size written into its event."""
    from sim.scenario.paths import set_setting

    s = at_rest(load_scenario(SCENARIOS / "history_2005_2024.yaml"))
    paths = ["shift.alignment.Seoul-Moscow@2024Q2", "shift.cooperation.Seoul-Tokyo@2019Q3"]
    rng = np.random.default_rng(5)
    values = np.column_stack([rng.uniform(-1, 1, 4), rng.uniform(-0.5, 0.5, 4)])
    stacked = Variation(s, [], paths).schedules(np.zeros((4, 0)), values)
    for m in range(4):
        data = s.to_dict()
        for path, value in zip(paths, values[m]):
            set_setting(data, path, float(value))
        assert_same(stacked, m, schedule(validate(data)))
