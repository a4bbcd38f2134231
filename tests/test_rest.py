"""A scenario starts at rest: with its conditions held and no noise, the model stays within the
observed year-to-year variability of the data."""

import numpy as np
import pytest

from sim.core.engine import replicates
from sim.core.schedule import at_rest
from sim.evidence import data, observe
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS


def variability() -> tuple[float, float]:
    """Median year-to-year change, within pairs, of UN voting agreement and of log trade intensity,
    over the fit window."""
    obs = observe.observed(("unga", "trade"))
    obs = obs[obs["year"] <= data.FIT_END].sort_values("year")
    change = obs.groupby(["kind", "pair"])["value"].diff().abs().groupby(obs["kind"]).median()
    return float(change["unga"]), float(change["trade"])


def still(s) -> None:
    """With its conditions held and no noise, `s` moves less in a year than the data typically do."""
    s = with_overrides(at_rest(s), {"events": [], "calibration": None, "parameters.noise": 0.0})  # its priors name its events
    traj = replicates(s, 1, 0)
    votes, trade = variability()
    A, E = traj.A[0], traj.E[0]
    stance_per_year = np.abs(A[4:] - A[:-4]).max()
    off = ~np.eye(len(s.names), dtype=bool)
    coop_per_year = np.abs(np.log(np.clip(E[4:][:, off], 1e-9, None) / np.clip(E[:-4][:, off], 1e-9, None))).max()
    # a stance spans [-1, 1], twice the span of the agreement index: compare like with like
    assert stance_per_year < 2 * votes, (stance_per_year, votes)
    assert coop_per_year < trade, (coop_per_year, trade)


@pytest.mark.parametrize("name", ["baseline_2018", "with_pyongyang", "history_2005_2024"])
def test_shipped_scenarios_start_at_rest(name):
    still(load_scenario(SCENARIOS / f"{name}.yaml"))


def test_the_history_is_at_rest_in_its_2005_picture():
    """The history's balance is its own start: with the conditions of 2005 held, it stays where it was,
    so every change after 2005 comes from the drivers (its events) through the mechanisms."""
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    assert s.rest is None
    still(s)


def test_the_drivers_move_the_history():
    """With its events (the powers, the governments, the sanctions, the shocks) and no noise, it moves."""
    s = with_overrides(at_rest(load_scenario(SCENARIOS / "history_2005_2024.yaml")),
                       {"calibration": None, "parameters.noise": 0.0})
    traj = replicates(s, 1, 0)
    assert np.abs(traj.A[0, -1] - traj.A[0, 0]).max() > 0.1


def test_a_change_of_conditions_moves_the_state():
    """The rest state is not a freeze: the same scenario with sanctions lifted moves."""
    s = with_overrides(at_rest(load_scenario(SCENARIOS / "baseline_2018.yaml")), {"parameters.noise": 0.0, "sanctions": 0.0})
    traj = replicates(s, 1, 0, 40)
    assert np.abs(traj.A[0, -1] - traj.A[0, 0]).max() > 0.1
