"""Landscape theory (Axelrod & Bennett 1993): energies, stable configurations and basins."""

import time

import numpy as np
import pytest

from sim.analysis.landscape import configurations, energy, stable, weights
from sim.scenario import load_scenario, with_overrides

from conftest import SCENARIOS, cli


def test_three_actors_by_hand():
    # sizes 1; A-B +1, A-C -1, B-C -1. Energy = sum of propensities of the pairs split apart:
    #   {A,B,C}      : nothing apart                    E =  0
    #   {A,B} | {C}  : A-C (-1) + B-C (-1)              E = -2
    #   {A,C} | {B}  : A-B (+1) + B-C (-1)              E =  0
    #   {A} | {B,C}  : A-B (+1) + A-C (-1)              E =  0
    # Only {A,B} | {C} has no move that lowers E: the unique minimum, and every descent ends there.
    p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]], float)
    W = weights(np.ones(3), p)
    camps = configurations(3)  # A fixed in camp 0: {}, {B}, {C}, {B,C} in camp 1
    np.testing.assert_allclose(energy(camps, W), [0, 0, -2, 0])
    land = stable(["A", "B", "C"], np.ones(3), p)
    assert land.describe(0) == "{A, B} vs {C}" and len(land.energies) == 1
    assert land.energies[0] == pytest.approx(-2) and land.basins[0] == pytest.approx(1.0)


def test_four_actors_by_hand():
    # sizes 1; A-B +2, C-D +1, A-C -1, B-D -1, A-D 0, B-C 0. Camp 1 members and E:
    #   {}: 0   {B}: 2+0-1 = 1   {C}: -1+0+1 = 0   {D}: 0-1+1 = 0
    #   {B,C}: 2-1-1+1 = 1   {B,D}: 2+0+0+1 = 3   {C,D}: -1+0+0-1 = -2   {B,C,D}: 2-1+0 = 1
    # Minima (no single switch lowers E): {C,D} at -2, and {} at 0 (its neighbours are 0, 0, 1, 1).
    # Steepest descent (ties: the first actor): every configuration but {} ends in {C,D}.
    p = np.zeros((4, 4))
    for (i, j), v in {(0, 1): 2, (2, 3): 1, (0, 2): -1, (1, 3): -1}.items():
        p[i, j] = p[j, i] = v
    W = weights(np.ones(4), p)
    np.testing.assert_allclose(energy(configurations(4), W), [0, 1, 0, 1, 0, 3, -2, 1])
    land = stable(list("ABCD"), np.ones(4), p)
    assert [land.describe(k) for k in range(2)] == ["{A, B} vs {C, D}", "{A, B, C, D} (one camp)"]
    np.testing.assert_allclose(land.energies, [-2, 0])
    np.testing.assert_allclose(land.basins, [7 / 8, 1 / 8])


def test_sizes_weigh_each_pair():
    p = np.array([[0, -1], [-1, 0]], float)
    np.testing.assert_allclose(energy(np.array([[0, 1]]), weights(np.array([2.0, 3.0]), p)), [-6])


@pytest.mark.parametrize("seed", range(5))
def test_swapping_the_camp_labels_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    n = 9
    W = weights(rng.uniform(0.1, 1, n), rng.uniform(-1, 1, (n, n)))
    camps = rng.integers(0, 2, (200, n))
    np.testing.assert_allclose(energy(camps, W), energy(1 - camps, W))


@pytest.mark.parametrize("seed", range(5))
def test_minima_are_exactly_the_configurations_no_switch_improves(seed):
    rng = np.random.default_rng(seed)
    n = 8
    size, p = rng.uniform(0.1, 1, n), rng.uniform(-1, 1, (n, n))
    W = weights(size, p)
    camps = configurations(n)
    E = energy(camps, W)
    land = stable(list("abcdefgh"), size, p)
    found = {tuple(c) for c in land.camps}
    for c, e in zip(camps, E):
        neighbours = np.repeat(c[None], n, axis=0)
        neighbours[np.arange(n), np.arange(n)] ^= 1
        assert (tuple(c) in found) == bool((energy(neighbours, W) >= e - 1e-12).all())
    assert land.basins.sum() == pytest.approx(1.0)


def test_a_polarised_world_has_a_unique_minimum():
    # two blocs, friendly within and hostile across: the bloc split is the only stable configuration
    p = -np.ones((6, 6))
    p[:3, :3] = p[3:, 3:] = 1
    land = stable(list("abcdef"), np.ones(6), p)
    assert len(land.energies) == 1 and land.describe(0) == "{a, b, c} vs {d, e, f}"


def test_eighteen_actors_enumerate_in_seconds():
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    land = stable([f"s{i}" for i in range(18)], rng.uniform(0.1, 1, 18), rng.uniform(-1, 1, (18, 18)))
    assert time.perf_counter() - started < 30  # 2**17 configurations, with descent for every one
    assert land.basins.sum() == pytest.approx(1.0)


def test_landscape_command(tmp_path):
    result = cli("landscape", SCENARIOS / "baseline_2018.yaml", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "{Seoul, Washington, Tokyo} vs {Beijing, Moscow}" in result.stdout
    assert (tmp_path / "landscape.png").exists()


def test_propensities_given_in_the_scenario(tmp_path):
    file = tmp_path / "given.yaml"
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\n"
                    "landscape:\n  sizes: {Seoul: 1, Washington: 1, Beijing: 1, Moscow: 1, Tokyo: 1}\n"
                    "  propensity: {Seoul-Moscow: 1, Seoul-Beijing: 1, Washington-Tokyo: 1, Seoul-Washington: -1}\n")
    result = cli("landscape", file, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "{Seoul, Beijing, Moscow} vs {Washington, Tokyo}" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nlandscape:\n  propensity: {{Seoul->Moscow: 1}}\n")
    refused = cli("landscape", bad)
    assert refused.returncode == 2 and "landscape.propensity.Seoul->Moscow" in refused.stderr


def test_stability_map_over_sanctions_and_autonomy(tmp_path):
    result = cli("landscape", SCENARIOS / "baseline_2018.yaml", "--stances", "final", "--map", "3", "--runs", "5",
                 "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Seoul and Moscow together" in result.stdout
    assert (tmp_path / "landscape_map.png").exists()


def test_stability_map_finds_a_shared_camp_when_propensities_put_one_there():
    from sim.analysis.landscape import stability_map

    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    # equal sizes: Washington's weight no longer decides Seoul's camp
    s = with_overrides(s, {"landscape": {"sizes": {n: 1.0 for n in s.names}}, "steps": 40})
    found = stability_map(s, np.array([0.0, 0.9]), np.array([0.1, 1.0]), runs=4)
    assert found.together.shape == (2, 2) and (found.count >= 1).all()
    assert found.together.max() >= 1 and found.cost.min() <= 0
