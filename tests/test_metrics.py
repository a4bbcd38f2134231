"""Partnership outcomes and summaries."""

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.core.outcomes import partnership, share_text, wilson_interval


def two_actor_series(ab, ba, coop):
    """Trajectories (1 run, T steps, 2 actors) from per-step stances and cooperation."""
    T = len(ab)
    A = np.zeros((1, T, 2, 2))
    A[0, :, 0, 1], A[0, :, 1, 0] = ab, ba
    E = np.zeros_like(A)
    E[0, :, 0, 1] = E[0, :, 1, 0] = coop
    return A, E


@pytest.mark.parametrize("met, hold, first, held", [
    ([0, 1, 1, 1, 1, 0, 0], 4, 1, 4),         # four in a row from step 1
    ([0, 1, 1, 1, 0, 1, 1, 1, 1], 4, 5, 7),   # the first run is too short
    ([1, 1, 1, 0, 1, 1, 1], 4, -1, 6),        # never four in a row
    ([0, 0, 1], 1, 2, 1),
])
def test_partnership_needs_the_conditions_held_for_hold_steps(met, hold, first, held):
    met = np.array(met, dtype=bool)
    A, E = two_actor_series(np.where(met, 0.7, 0.5), np.full(len(met), 0.65), np.full(len(met), 0.5))
    out = partnership(A, E, threshold=0.6, cooperation=0.4, hold=hold)
    assert out.reached[0, 0] == (first >= 0)
    assert out.first_step[0, 0] == first
    assert out.steps_held[0, 0] == held


def test_every_condition_is_needed():
    ok = np.full(6, 0.7)
    for ab, ba, coop in [(ok, ok * 0.8, ok), (ok * 0.8, ok, ok), (ok, ok, ok * 0.5)]:
        assert not partnership(*two_actor_series(ab, ba, coop), 0.6, 0.4, 2).reached.any()
    assert partnership(*two_actor_series(ok, ok, ok), 0.6, 0.4, 2).reached.all()


@pytest.mark.parametrize("n", [1, 7, 50, 200])
def test_wilson_interval_matches_scipy(n):
    k = np.arange(n + 1)
    low, high = wilson_interval(k, np.full(n + 1, n))
    for i in range(n + 1):
        ci = binomtest(int(k[i]), n).proportion_ci(confidence_level=0.95, method="wilson")
        assert low[i] == pytest.approx(ci.low, abs=1e-12) and high[i] == pytest.approx(ci.high, abs=1e-12)


@pytest.mark.parametrize("reached, runs, text", [
    (1, 200, "1 of 200 runs, 0.5% (95% interval 0.1%–2.8%)"),
    (0, 200, "0 of 200 runs, 0% (95% interval 0%–1.9%)"),
    (100, 200, "100 of 200 runs, 50% (95% interval 43%–57%)"),
])
def test_a_share_is_printed_with_its_count_and_interval(reached, runs, text):
    """A rare partnership is never rounded away to '0%'."""
    assert share_text(reached, runs) == text
