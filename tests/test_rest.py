"""A scenario starts at rest: with its conditions held and no noise, the model stays within the
observed year-to-year variability of the data."""

import numpy as np
import pytest

from conftest import SCENARIOS
from sim.core.engine import broadcast, run_seeds, simulate
from sim.core.schedule import at_rest, schedule
from sim.evidence import data
from sim.scenario import load_scenario, with_overrides


def variability() -> tuple[float, float]:
    """Median year-to-year change, within pairs, of UN voting agreement and of log relative trade,
    over the fit window."""
    u = data.unga()
    u = u[u["year"] <= data.FIT_END].sort_values("year")
    votes = u.groupby("pair")["agree"].diff().abs().median()
    t = data.trade().merge(data.world_index().reset_index(), on="year")
    t = t[t["year"] <= data.FIT_END].sort_values("year")
    trade = np.log(t["usd_bn"] / t["world"]).groupby(t["pair"]).diff().abs().median()
    return float(votes), float(trade)


@pytest.mark.parametrize("name", ["baseline_2018", "history_2005_2024", "with_pyongyang"])
def test_shipped_scenarios_start_at_rest(name):
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    s = with_overrides(at_rest(s), {"events": [], "calibration": None, "parameters.noise": 0.0})  # its priors name its events
    traj = simulate(broadcast(schedule(s), 1), run_seeds(0, 1), s.steps)
    votes, trade = variability()
    A, E = traj.A[0], traj.E[0]
    stance_per_year = np.abs(A[4:] - A[:-4]).max()
    off = ~np.eye(len(s.names), dtype=bool)
    coop_per_year = np.abs(np.log(np.clip(E[4:][:, off], 1e-9, None) / np.clip(E[:-4][:, off], 1e-9, None))).max()
    # a stance spans [-1, 1], twice the span of the agreement index: compare like with like
    assert stance_per_year < 2 * votes, (stance_per_year, votes)
    assert coop_per_year < trade, (coop_per_year, trade)


def test_a_change_of_conditions_moves_the_state():
    """The rest state is not a freeze: the same scenario with sanctions lifted moves."""
    s = with_overrides(at_rest(load_scenario(SCENARIOS / "baseline_2018.yaml")), {"parameters.noise": 0.0, "sanctions": 0.0})
    traj = simulate(broadcast(schedule(s), 1), run_seeds(0, 1), 40)
    assert np.abs(traj.A[0, -1] - traj.A[0, 0]).max() > 0.1
