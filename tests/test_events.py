"""Events: `set:` changes conditions from a date on, `shift:` moves the current state once."""

import numpy as np
import pytest

from sim.abm.model import run_mesa
from sim.core.engine import broadcast, replicates, run_seeds, simulate
from sim.core.schedule import at_rest, schedule
from sim.scenario import ScenarioError, load_scenario, validate, with_overrides

from conftest import SCENARIOS


def still(events):
    """The baseline with every mechanism off and no noise: only events move it."""
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    off = {f"mechanisms.{m}": 0.0 for m in s.mechanisms.model_dump()}
    return with_overrides(s, {**off, "parameters.noise": 0.0, "events": events})


def test_a_shift_moves_the_state_at_its_date_and_only_once():
    s = still([{"at": "2019Q1", "shift": {"alignment": {"Seoul->Moscow": 0.25, "Tokyo-Seoul": -0.1},
                                          "cooperation": {"Seoul-Moscow": -0.05}}}])
    traj = replicates(s, 1, 0, 12)
    seoul, moscow, tokyo = s.index("Seoul"), s.index("Moscow"), s.index("Tokyo")
    A, E = traj.A[0], traj.E[0]
    at = 2  # 2018Q3 + 2 quarters
    assert np.all(A[:at, seoul, moscow] == 0.3) and np.allclose(A[at:, seoul, moscow], 0.55)
    assert np.all(A[:, moscow, seoul] == 0.3)  # one direction only
    assert np.allclose(A[at:, tokyo, seoul], 0.1) and np.allclose(A[at:, seoul, tokyo], 0.1)  # both
    assert E[at - 1, seoul, moscow] == pytest.approx(0.39) and E[at, seoul, moscow] == pytest.approx(0.34)
    assert E[at, moscow, seoul] == pytest.approx(0.34)
    # cooperation is not frozen by the weights: after the shock it moves on by its own pull alone
    assert np.all(np.diff(E[at:, seoul, moscow]) > 0)


def test_a_shift_is_kept_in_range():
    s = still([{"at": "2018Q4", "shift": {"alignment": {"Seoul-Washington": 1.5}, "cooperation": {"Seoul-Moscow": -1.0}}}])
    traj = replicates(s, 1, 0, 4)
    assert traj.A[0, 1, s.index("Seoul"), s.index("Washington")] == 1.0
    assert traj.E[0, 1, s.index("Seoul"), s.index("Moscow")] == 0.0


def test_mesa_and_the_engine_apply_shifts_alike():
    s = at_rest(load_scenario(SCENARIOS / "history_2005_2024.yaml"))
    seeds = run_seeds(s.seed, 3)
    reference = run_mesa(s, seeds)
    traj = simulate(broadcast(schedule(s), 3), seeds, s.steps)
    for ours, theirs in zip(traj, reference):
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("event, words", [
    ({"at": "2019Q1"}, ["event 1", "needs `set`", "`shift`"]),
    ({"at": "2019Q1", "shift": {"alignment": {"Seoul-Nowhere": 0.1}}}, ["event 1, shift.alignment.Seoul-Nowhere", "unknown actor"]),
    ({"at": "2019Q1", "shift": {"cooperation": {"Seoul->Moscow": 0.1}}}, ["event 1, shift.cooperation.Seoul->Moscow", "directed"]),
    ({"at": "2019Q1", "shift": {"alignment": {"Seoul-Moscow": 3}}}, ["event 1, shift.alignment.Seoul-Moscow", "less than or equal to 2"]),
    ({"at": "2019Q1", "shift": {"stance": {"Seoul-Moscow": 0.1}}}, ["event 1, shift", "unknown field 'stance'", "alignment, cooperation"]),
])
def test_bad_events_are_refused_clearly(event, words):
    data = load_scenario(SCENARIOS / "baseline_2018.yaml").to_dict()
    with pytest.raises(ScenarioError) as err:
        validate({**data, "events": [event]}, "test.yaml")
    assert all(w in str(err.value) for w in words), str(err.value)


def test_every_event_is_marked_on_the_trajectory_and_comparison_plots():
    from types import SimpleNamespace

    import pandas as pd

    from sim.core.schedule import at_rest
    from sim.outputs.figures import compare_figure, trajectories_figure
    from sim.outputs.tables import trajectory_table

    s = with_overrides(at_rest(load_scenario(SCENARIOS / "sovereign_seoul.yaml")), {"steps": 28})
    traj = replicates(s, 3, 0)
    table = trajectory_table(traj, s, np.arange(3))
    labels = lambda ax: [t.get_text().strip() for t in ax.texts]  # noqa: E731
    years = lambda ax: sorted({round(line.get_xdata()[0], 2) for line in ax.lines if len(set(line.get_xdata())) == 1})  # noqa: E731
    expected = [2019.0, 2021.0, 2024.0]  # 2019Q1, 2021Q1, 2024Q1
    ax = trajectories_figure(table, s).axes[0]
    assert years(ax) == expected
    assert "actors.Seoul.autonomy 0.9" in labels(ax) and "sanctions 0.3" in labels(ax)
    item = SimpleNamespace(name=s.name, scenario=s, trajectories=table, outcomes=pd.DataFrame())
    assert years(compare_figure([item]).axes[0]) == expected
