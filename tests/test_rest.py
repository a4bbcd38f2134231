"""A scenario starts at rest: with its conditions held and no noise, the model stays within the
observed year-to-year variability of the data (the history: in its rest picture, not at its start)."""

import numpy as np
import pytest

from sim.core.engine import replicates
from sim.core.schedule import at_rest, settings_before
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


@pytest.mark.parametrize("name", ["baseline_2018", "with_pyongyang"])
def test_shipped_scenarios_start_at_rest(name):
    still(load_scenario(SCENARIOS / f"{name}.yaml"))


def test_the_history_is_at_rest_in_its_rest_picture_under_the_conditions_of_then():
    """The history starts out of balance (its 2005 picture) on purpose; its balance is the 2018 picture
    under the conditions in force before 2018Q3: started there, with those conditions held, it stays."""
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    settled = at_rest(s)
    then = with_overrides(s, settings_before(s, s.rest_step))
    still(with_overrides(then, {"alignment": s.rest.alignment, "cooperation": s.rest.cooperation, "rest": None,
                                "interests": settled.interests, "potential": settled.potential}))


def test_the_history_moves_from_its_start_toward_its_balance():
    """Out of balance in 2005, the history moves with no event and no noise: change comes from the start too."""
    s = with_overrides(at_rest(load_scenario(SCENARIOS / "history_2005_2024.yaml")),
                       {"events": [], "calibration": None, "parameters.noise": 0.0})
    traj = replicates(s, 1, 0, 40)
    assert np.abs(traj.A[0, -1] - traj.A[0, 0]).max() > 0.1


def test_a_change_of_conditions_moves_the_state():
    """The rest state is not a freeze: the same scenario with sanctions lifted moves."""
    s = with_overrides(at_rest(load_scenario(SCENARIOS / "baseline_2018.yaml")), {"parameters.noise": 0.0, "sanctions": 0.0})
    traj = replicates(s, 1, 0, 40)
    assert np.abs(traj.A[0, -1] - traj.A[0, 0]).max() > 0.1
