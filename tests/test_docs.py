"""The equations of docs/model.md, written out element by element, against the code."""

import numpy as np
import pytest

from sim.core import dynamics as d
from sim.core import stepping
from sim.core.schedule import params_of
from sim.scenario import load_scenario, with_overrides

from conftest import ROOT, SCENARIOS

DOC = (ROOT / "docs" / "model.md").read_text()


@pytest.fixture(params=range(5))
def world(request):
    rng = np.random.default_rng(request.param)
    s = with_overrides(load_scenario(SCENARIOS / "with_pyongyang.yaml"), {"sanctions": 0.7, "actors.Tokyo.joining": 0.3})
    p = params_of(s)
    n = len(s.names)
    A = rng.uniform(-1, 1, (n, n)) * (1 - np.eye(n))
    E = np.triu(rng.uniform(0, 1, (n, n)), 1)
    E = E + E.T
    T = np.triu(rng.uniform(0, 1, (n, n)), 1)
    return s, p, A, E, T + T.T


def patron_of(s, i):
    patron = s.actors[s.names[i]].patron
    return None if patron is None else s.index(patron)


def test_7_2_patron_pull(world):
    assert "target[i, k] = 1            if k = p" in DOC
    s, p, A, E, T = world
    n = len(s.names)
    D = np.zeros((n, n))
    for i in range(n):
        q = patron_of(s, i)
        for k in range(n):
            if q is not None and k != i:
                target = 1.0 if k == q else A[q, k]
                D[i, k] = (1 - p.autonomy[i]) * (target - A[i, k])
    off = 1 - np.eye(n)
    np.testing.assert_allclose(stepping.pull("patron_pull", d.State(A, E, T), p) * off, D, atol=1e-12)


def test_7_3_balance(world):
    assert "(Σ_{k ≠ i, j} A[i, k] · A[k, j]) / (n − 2) · (1 − A[i, j]²)" in DOC
    s, p, A, E, T = world
    n = len(s.names)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                D[i, j] = sum(A[i, k] * A[k, j] for k in range(n) if k not in (i, j)) / (n - 2) * (1 - A[i, j] ** 2)
    np.testing.assert_allclose(stepping.pull("balance", d.State(A, E, T), p), D, atol=1e-12)


def joining(s, p, u):
    """J_i: the sanctioner 1; a given `joining`; else the default rule."""
    rule = [1 - p.autonomy[i] if patron_of(s, i) == u else 0.0 for i in range(len(s.names))]
    return [1.0 if i == u else (rule[i] if np.isnan(p.joining[i]) else p.joining[i]) for i in range(len(s.names))]


def test_7_5_sanctions(world):
    assert "cost[i, u] = cost[u, i] = E[i, r]" in DOC
    assert "J_i = 1 if i = u;  joining_i where the scenario gives it;  else [p(i) = u] · (1 − a_i)" in DOC
    s, p, A, E, T = world
    n = len(s.names)
    u, r = s.index(s.parameters.sanctioner), s.index(s.parameters.sanctioned)
    J = joining(s, p, u)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            feud = 1.0 if {i, j} == {u, r} else 0.0
            feud += J[j] if i == r and j != u else 0.0  # the sanctioned retaliates against those who join
            cost = 0.0
            if j == u and patron_of(s, i) == u:
                cost = E[i, r]
            if i == u and patron_of(s, j) == u:
                cost = E[j, r]
            D[i, j] = 0.7 * (feud * (-1 - A[i, j]) - cost)
    np.testing.assert_allclose(stepping.pull("sanctions", d.State(A, E, T), p), D, atol=1e-12)


def test_7_6_hedging_and_7_7_rivalry(world):
    assert "δ_i = (1 − A[i, h]) / 2" in DOC and "−4 · s_i · s_j · (1 − led[i, j])" in DOC
    s, p, A, E, T = world
    n = len(s.names)
    h = int(np.argmax(p.power))
    delta = [0.0 if i == h else (1 - A[i, h]) / 2 for i in range(n)]
    hedge, rival = np.zeros((n, n)), np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                hedge[i, j] = delta[i] * delta[j] * (1 - A[i, j])
                led = 1.0 if patron_of(s, i) == j or patron_of(s, j) == i else 0.0
                rival[i, j] = -4 * p.power[i] * p.power[j] * (1 - led) * (1 + A[i, j])
    np.testing.assert_allclose(stepping.pull("hedging", d.State(A, E, T), p), hedge, atol=1e-12)
    np.testing.assert_allclose(stepping.pull("rivalry", d.State(A, E, T), p), rival, atol=1e-12)


def test_7_9_cooperation_and_the_full_step(world):
    assert "target[i, j] = P[i, j] + (1 − P[i, j]) · trade_response · warmth[i, j]" in DOC
    assert "open_j = (1 − J_j) · (1 − σ_j) · E[r, j]" in DOC
    s, p, A, E, T = world
    n = len(s.names)
    z = np.random.default_rng(9).standard_normal((n, n))
    J = joining(s, p, s.index(s.parameters.sanctioner))
    w = dict(zip(d.MECHANISMS, p.weights))
    pulls = dict(zip(d.MECHANISMS, stepping.terms(d.State(A, E, T), p).pulls))
    u, r = s.index(s.parameters.sanctioner), s.index(s.parameters.sanctioned)
    X = np.array([[p.sanctions * (p.sensitivity[i] * J[i] * (j == r) + p.sensitivity[j] * J[j] * (i == r))
                   for j in range(n)] for i in range(n)]) * (1 - np.eye(n))
    lost = sum(X[r, i] * E[r, i] for i in range(n))
    open_ = [0.0 if j == r else (1 - J[j]) * (1 - p.sensitivity[j]) * E[r, j] for j in range(n)]
    divert = np.zeros((n, n))
    for j in range(n):
        divert[r, j] = divert[j, r] = lost * open_[j] / sum(open_)
    A2, E2, T2 = (np.zeros((n, n)) for _ in range(3))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            drift = sum(w[m] * pulls[m][i, j] for m in d.MECHANISMS)
            A2[i, j] = np.clip(A[i, j] + p.rate * drift + p.noise * z[i, j], -1, 1)
            warmth = np.clip((A[i, j] + A[j, i]) / 2, 0, 1)
            target = p.potential[i, j] + (1 - p.potential[i, j]) * p.trade_response * warmth
            dE = p.trade_rate * (target - E[i, j]) - w["sanctions"] * (X[i, j] * E[i, j] - divert[i, j])
            E2[i, j] = np.clip(E[i, j] + dE, 0, 1)
            T2[i, j] = np.clip(T[i, j] + p.rate * p.tourism_growth * T[i, j] * (1 - T[i, j]), 0, 1)
    new = stepping.step(d.State(A, E, T), p, z)
    for ours, doc in zip(new, (A2, E2, T2)):
        np.testing.assert_allclose(ours, doc, atol=1e-12)
    assert u != r


def test_5_initial_state_at_rest(world):
    """With the derived interests and potential, every pull on the initial state cancels."""
    assert "A⁰[i, j] = A[i, j] − Σ_{m ≠ interests} w_m · pull_m[i, j] / w_interests" in DOC
    s, _, _, _, _ = world
    from sim.core.schedule import initial_state

    state, p = initial_state(s), params_of(s)
    w = dict(zip(d.MECHANISMS, p.weights))
    drift = sum(w[m] * pull for m, pull in zip(d.MECHANISMS, stepping.terms(state, p).pulls))
    np.testing.assert_allclose(drift * (1 - np.eye(len(s.names))), 0, atol=1e-12)
    new = stepping.step(state, p, np.zeros_like(state.A))
    np.testing.assert_allclose(new.E, state.E, atol=1e-12)


def test_readme_links_the_model_document():
    readme = (ROOT / "README.md").read_text()
    assert "docs/model.md" in readme and "docs/calibration.md" in readme
