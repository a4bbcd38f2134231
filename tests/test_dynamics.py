"""Properties of the dynamics functions, over random states and many seeds."""

import numpy as np
import pytest

from sim.core import dynamics as d
from sim.core import stepping
from sim.core.schedule import initial_state, params_of
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS


def random_state(rng, lead=(), n=5):
    A = rng.uniform(-1, 1, (*lead, n, n)) * (1 - np.eye(n))
    E = rng.uniform(0, 1, (*lead, n, n))
    E = np.triu(E, 1) + np.swapaxes(np.triu(E, 1), -1, -2)
    T = rng.uniform(0, 1, (*lead, n, n))
    T = np.triu(T, 1) + np.swapaxes(np.triu(T, 1), -1, -2)
    return d.State(A, E, T)


def bare(n: int, **given) -> d.Params:
    """Parameters for n actors with no patrons, no sanctions and equal power, then `given`."""
    zeros = np.zeros((n, n))
    p = d.Params(anchor=zeros, potential=zeros, power=np.full(n, 1 / n), autonomy=np.ones(n), sensitivity=np.zeros(n),
                 joining=np.full(n, np.nan),
                 patron=zeros, sanctioner=np.zeros(n), sanctioned=np.zeros(n), sanctions=np.array(0.0),
                 noise=np.array(0.0), rate=np.array(0.1), trade_rate=np.array(0.1), trade_response=np.array(0.0), tourism_growth=np.array(0.0),
                 weights=np.ones(len(d.MECHANISMS)))
    return p._replace(**given)


def stances(A: np.ndarray) -> d.State:
    return d.State(A, np.zeros_like(A), np.zeros_like(A))


@pytest.fixture(scope="module")
def params():
    return params_of(load_scenario(SCENARIOS / "with_pyongyang.yaml"))


@pytest.mark.parametrize("seed", range(20))
def test_step_keeps_state_in_bounds_and_cooperation_symmetric(params, seed):
    rng = np.random.default_rng(seed)
    state = random_state(rng, n=6)
    for _ in range(30):
        state = stepping.step(state, params, 3 * rng.standard_normal(state.A.shape))
        assert np.all(np.abs(state.A) <= 1)
        assert np.all((state.E >= 0) & (state.E <= 1)) and np.all((state.T >= 0) & (state.T <= 1))
        np.testing.assert_allclose(state.E, state.E.T, atol=1e-12)
        assert np.all(np.diag(state.A) == 0)


def test_any_leading_axes_give_the_same_numbers_as_one_run_at_a_time(params):
    rng = np.random.default_rng(1)
    state = random_state(rng, lead=(3, 2), n=6)
    noise = rng.standard_normal(state.A.shape)
    stacked = params.map(lambda x: np.broadcast_to(x, (3, 2, *np.shape(x))))
    together = stepping.step(state, stacked, noise)
    for i in range(3):
        for j in range(2):
            alone = stepping.step(d.State(*(x[i, j] for x in state)), params, noise[i, j])
            for a, b in zip(together, alone):
                np.testing.assert_allclose(a[i, j], b, atol=1e-14)


def test_zero_weights_and_zero_noise_leave_stances_unchanged(params):
    rng = np.random.default_rng(2)
    state = random_state(rng, n=6)
    still = params._replace(weights=np.zeros_like(params.weights), noise=np.array(0.0))
    np.testing.assert_array_equal(stepping.step(state, still, rng.standard_normal(state.A.shape)).A, state.A)


def test_a_sovereign_client_feels_no_patron_pull():
    rng = np.random.default_rng(3)
    A = random_state(rng).A
    patron = np.zeros((5, 5))
    patron[0, 1] = 1
    assert np.all(stepping.pull("patron_pull", stances(A), bare(5, patron=patron)) == 0)
    pull = stepping.pull("patron_pull", stances(A), bare(5, patron=patron, autonomy=np.zeros(5)))
    np.testing.assert_allclose(pull[0, 2:], A[1, 2:] - A[0, 2:])  # toward the patron's stances
    assert pull[0, 1] == pytest.approx(1 - A[0, 1])  # toward full loyalty
    assert np.all(pull[1:] == 0)


def test_structural_balance_on_a_three_actor_case():
    # 0 likes 1 (0.8), 1 dislikes 2 (-0.5): balance pulls 0's stance toward 2 to 0.8 * -0.5 = -0.4
    A = np.array([[0, 0.8, 0.0], [0.6, 0, -0.5], [0.0, -0.5, 0]])
    pull = stepping.pull("balance", stances(A), bare(3))
    assert pull[0, 2] == pytest.approx(0.8 * -0.5 - 0.0)
    assert pull[2, 0] == pytest.approx(-0.5 * 0.6 - 0.0)


def test_hedging_warms_those_far_from_the_hegemon_toward_each_other():
    A = np.zeros((3, 3))
    A[1, 0], A[2, 0] = -1.0, 1.0  # actor 0 is the hegemon: 1 opposes it, 2 follows it
    p = bare(3, power=np.array([0.7, 0.2, 0.1]))
    pull = stepping.pull("hedging", stances(A), p)
    assert pull[1, 2] == pytest.approx(1.0 * 0.0)  # 2 stands with the hegemon: no warming
    A[2, 0] = -1.0
    assert stepping.pull("hedging", stances(A), p)[1, 2] == pytest.approx(1.0)
    assert np.all(stepping.pull("hedging", stances(A), p)[0] == 0)


def test_sanctions_cut_cooperation_with_the_sanctioned_only(params):
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    p = params_of(with_overrides(s, {"sanctions": 0.8}))
    exposure = stepping.terms(initial_state(s), p).exposure
    moscow = s.index("Moscow")
    others = [i for i in range(5) if i != moscow]
    assert np.all(exposure[np.ix_(others, others)] == 0)
    # sanctions x Seoul's firms' sensitivity x how far Seoul joins (its dependence on Washington)
    seoul = s.actors["Seoul"]
    assert exposure[s.index("Seoul"), moscow] == pytest.approx(0.8 * seoul.sanction_sensitivity * (1 - seoul.autonomy))
    assert exposure[s.index("Beijing"), moscow] == 0  # Beijing does not join
    np.testing.assert_array_equal(exposure, exposure.T)


def only(mechanism: str, params: d.Params) -> d.Params:
    """Params with one mechanism on (weight 1), no noise."""
    return params._replace(weights=np.array([1.0 if m == mechanism else 0.0 for m in d.MECHANISMS]), noise=np.array(0.0))


def run(state: d.State, p: d.Params, quarters: int) -> d.State:
    zero = np.zeros((*state.A.shape[:-2], quarters, *state.A.shape[-2:]))
    return stepping.steps(state, p, zero)


@pytest.mark.parametrize("level", [0.3, 0.9, 0.99])
def test_balance_keeps_and_deepens_balanced_camps(params, level):
    """Heider's signature: two camps, friendly within and hostile across, are an attractor."""
    n = 6
    camp = np.array([1, 1, 1, -1, -1, -1])
    A = level * np.outer(camp, camp) * (1 - np.eye(n))
    state = d.State(A, np.zeros((n, n)), np.zeros((n, n)))
    p = only("balance", params)
    previous = np.abs(A)
    for _ in range(20):
        state = run(state, p, 10)
        assert np.all(np.sign(state.A) == np.sign(A))  # no stance changes side
        assert np.all(np.abs(state.A) >= previous - 1e-12)  # and none weakens
        previous = np.abs(state.A)
    assert np.all(np.abs(state.A) + np.eye(n) > 0.95)


def test_balance_resolves_imbalance(params):
    """From 200 random symmetric starts, balance alone ends in a balanced configuration: every
    triad's product of stances positive (Marvel et al. 2011: generic starts polarise)."""
    n, runs = 6, 200
    rng = np.random.default_rng(0)
    A = np.triu(rng.uniform(-0.5, 0.5, (runs, n, n)), 1)
    A = A + np.swapaxes(A, -1, -2)
    zeros = np.zeros_like(A)
    p = only("balance", params).map(lambda x: np.broadcast_to(x, (runs, *np.shape(x))))
    state = run(d.State(A, zeros, zeros), p, 2000)
    i, j, k = np.array([(i, j, k) for i in range(n) for j in range(i + 1, n) for k in range(j + 1, n)]).T
    products = state.A[:, i, j] * state.A[:, j, k] * state.A[:, i, k]
    assert products.min() > 0


def test_the_sanctioned_retaliates_against_those_who_join():
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    seoul, moscow = s.index("Seoul"), s.index("Moscow")
    state = initial_state(s)
    pull = {}
    for autonomy in (0.2, 1.0):
        p = params_of(with_overrides(s, {"actors.Seoul.autonomy": autonomy}))
        pull[autonomy] = stepping.pull("sanctions", state, p)[moscow, seoul]
        assert stepping.terms(state, p).join[seoul] == pytest.approx(1 - autonomy)
    assert pull[0.2] < pull[1.0] <= 0  # Moscow turns on a Seoul that joins; not on one that stays out


def test_trade_diverts_to_those_who_do_not_join(params):
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    p = params_of(with_overrides(s, {"sanctions": 0.9}))
    E = initial_state(s).E
    parts = stepping.terms(initial_state(s), p)
    gain = parts.diversion
    moscow, beijing = s.index("Moscow"), s.index("Beijing")
    lost = (parts.exposure * E)[moscow].sum()
    assert gain[moscow, beijing] > 0 and gain[moscow, s.index("Washington")] == 0
    assert gain[moscow].sum() == pytest.approx(lost)  # what is cut with those who join reappears elsewhere
    np.testing.assert_allclose(gain, gain.T)
