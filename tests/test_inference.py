"""The inference checked as shipped: lineages and the moves' ESS, the stop at the distance's noise,
identification, the posterior predictive check, synthetic data as noisy as the real, and the
calibration's manifest and printout (a toy model, or 20 particles over 2 generations)."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.evidence import diagnostics, observe, sbc, smc
from sim.evidence.calibration import Target
from sim.scenario import load_scenario

from conftest import SCENARIOS
from test_calibration import small

LOW, HIGH = np.zeros(2), np.ones(2)
TRUTH = np.array([0.3, 0.7])


def toy(spread: float):
    """A toy model: a particle's distance is how far its values are from TRUTH, plus noise of s.d.
    `spread` seeded by the simulation's own seed (values and seeds in, distances out)."""
    def evaluate(values, seeds):
        noise = np.array([np.random.default_rng(int(z)).standard_normal() for z in seeds])
        return np.linalg.norm(values - TRUTH, axis=1) + spread * np.abs(noise)
    return evaluate


def generations_of(spread: float, seed: int, generations: int = 12, n: int = 60, start=None):
    rows, pops = [], []
    pop = smc.run(LOW, HIGH, n, seed, toy(spread), generations, start=start,
                  kept=lambda p, found, _: (rows.append(found), pops.append(p)))
    return pop, rows, pops


@pytest.mark.parametrize("seed", range(5))
def test_lineages_only_fall_and_never_exceed_the_distinct_particles(seed):
    _, rows, pops = generations_of(0.01, seed, generations=6)
    lineages = [found.lineages for found in rows]
    assert lineages[0] == 60 and all(a >= b for a, b in zip(lineages, lineages[1:]))
    for found, pop in zip(rows, pops):
        assert found.lineages <= found.distinct <= 60
        assert found.lineages == len(np.unique(pop.ancestors)) and pop.ancestors.max() < 60


@pytest.mark.parametrize("seed", range(5))
def test_the_generations_stop_once_the_tolerance_falls_by_less_than_the_distance_noise(seed):
    """A noisy distance: the run stops well before its twelve generations, at the first generation whose
    fall is below the noise measured at it; a nearly exact one runs on."""
    _, rows, _ = generations_of(0.2, seed)
    falls = [a.tolerance - b.tolerance for a, b in zip(rows, rows[1:])]
    assert len(rows) < 13
    assert falls[-1] < rows[-1].noise and all(f >= found.noise for f, found in zip(falls[:-1], rows[1:-1]))
    _, exact, _ = generations_of(1e-6, seed)
    assert len(exact) == 13


def test_a_run_continued_from_its_last_generation_is_the_run_that_would_have_gone_on():
    whole, rows, _ = generations_of(0.05, 7, generations=4)
    part, first, _ = generations_of(0.05, 7, generations=2)
    settled = smc.settled(first[-2].tolerance, first[-1].tolerance, first[-1].noise)
    resumed, rest, _ = generations_of(0.05, 7, generations=4, start=(part, len(first), first[-1].tolerance, settled))
    np.testing.assert_array_equal(whole.values, resumed.values)
    np.testing.assert_array_equal(whole.ancestors, resumed.ancestors)
    assert [r.tolerance for r in rows] == [r.tolerance for r in first + rest]


@pytest.mark.parametrize("seed", range(3))
def test_the_moves_ess_is_near_the_draws_for_independent_chains_and_far_below_for_sticky_ones(seed):
    rng = np.random.default_rng(seed)
    independent = rng.standard_normal((500, 20, 2))
    sticky = np.repeat(rng.standard_normal((500, 2, 2)), 10, axis=1)  # each state held for 10 steps
    free, stuck = diagnostics.moves_ess(independent), diagnostics.moves_ess(sticky)
    assert np.all(free > 0.7 * 500 * 20) and np.all(stuck < 0.25 * 500 * 20)
    assert np.isnan(diagnostics.moves_ess(independent[:, :4])).all()  # too few moves to tell


def posterior(sd: np.ndarray, correlation: float, seed: int, m: int = 4000) -> pd.DataFrame:
    """Draws of three values on the priors [0, 12]: each with s.d. `sd` (prior units: the prior's
    s.d. is 12 / sqrt(12)), the first two correlated."""
    rng = np.random.default_rng(seed)
    cov = np.diag(sd**2)
    cov[0, 1] = cov[1, 0] = correlation * sd[0] * sd[1]
    z = rng.multivariate_normal(np.zeros(3), cov, size=m) * 12 / np.sqrt(12) + 6
    return pd.DataFrame(z, columns=["a", "b", "c"]).assign(weight=1.0 / m)


@pytest.mark.parametrize("seed", range(5))
def test_identification_finds_a_combination_the_data_pin_down_when_no_value_alone_is(seed):
    table = posterior(np.array([0.9, 0.9, 0.2]), 0.98, seed)
    values, directions = diagnostics.identification(table, np.zeros(3), np.full(3, 12.0))
    assert values.loc[["a", "b"], "ratio"].between(0.85, 0.95).all() and values.loc["c", "ratio"] == pytest.approx(0.2, abs=0.02)
    narrowest = directions.iloc[0]
    assert narrowest["ratio"] == pytest.approx(0.9 * np.sqrt(0.02), abs=0.03)  # the difference of a and b
    assert abs(narrowest["a"] + narrowest["b"]) < 0.05 and abs(narrowest["a"]) > 0.65
    lines = diagnostics.identification_lines(values, directions)
    assert "c (0.20)" in lines[0] and "2 of 3 values" in lines[0] and lines[1].startswith("2 of 3 principal")


@pytest.fixture(scope="module")
def target():
    return Target(load_scenario(SCENARIOS / "history_2005_2024.yaml"))


def statistics(target, rng, m: int, sd: float = 0.05) -> dict:
    return {kind: rng.normal(0.0, sd, (m, len(p.value))) + 0.01 * p.year for kind, p in target.points.items()}


def test_the_distance_of_many_sets_at_once_is_each_one_fitted_alone(target):
    """The distance computed for all particles at once (matrix products), split by series, against the
    observation model fitted to each set alone (`observe.fit`, one pair's offset at a time)."""
    rng = np.random.default_rng(0)
    x, observed = statistics(target, rng, 30), {kind: v[0] for kind, v in statistics(target, rng, 1).items()}
    found, names = target.misfit(x, observed)
    assert found.shape == (30, 30) and len(set(names)) == 30
    alone = []
    for r in range(30):
        total = 0.0
        for kind, p in target.points.items():
            _, residual = observe.fit(kind, x[kind][r], observed[kind], p.pair)
            total += np.mean(residual**2) / p.scale**2
        alone.append(np.sqrt(total / len(target.points)))
    np.testing.assert_allclose(np.sqrt(found.sum(axis=1)), alone, rtol=1e-10)
    np.testing.assert_allclose(target.distances(x, observed), alone, rtol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_observation_noise_fitted_on_ar1_residuals_gives_them_back(target, seed):
    """Data made by the noise model itself (every series with s.d. 0.1 and autocorrelation 0.6): the fit
    finds them (on average over the series), and data without noise are the observation model exactly."""
    rng = np.random.default_rng(seed)
    mean = statistics(target, rng, 1)
    true = pd.DataFrame([{"kind": kind, "pair": target.pairs[k], "scale": 1.0 if kind == "trade" else 0.5,
                          "offset": 0.3, "sd": 0.1, "phi": 0.6, "points": 0}
                         for kind, p in target.points.items() for k in np.unique(p.pair)])
    made = diagnostics.ObservationNoise(true)
    plain = made.data(target, mean, rng, noisy=False)
    for kind in target.points:
        expected = 0.3 + (1.0 if kind == "trade" else 0.5) * mean[kind][0]
        np.testing.assert_allclose(plain[kind][0], np.clip(expected, *observe.RANGE[kind]))
    fitted = pd.concat([diagnostics.ObservationNoise.fit(target, {k: v[0] for k, v in mean.items()},
                                                         {k: v[0] for k, v in made.data(target, mean, rng).items()}).table
                        for _ in range(40)])
    by_kind = fitted.groupby("kind")[["sd", "phi", "scale"]].mean()
    assert by_kind["sd"].between(0.08, 0.105).all()  # an offset per series fitted: a little below 0.1
    assert by_kind["phi"].between(0.3, 0.6).all()  # 14 points: the lag-1 estimate is biased low
    assert by_kind.loc["unga", "scale"] == pytest.approx(0.5, abs=0.1)


class FakeModel:
    """A model whose statistics are a pattern per series plus noise (inside every series' range): a
    particle's `replicates` runs average away some of it, as the calibration's do."""

    names = ["a"]

    def __init__(self, target, seed):
        self.target, self.rng = target, np.random.default_rng(seed)

    def statistics(self, values, seeds, replicates=None):
        sd = 0.05 / np.sqrt(replicates or 10)
        return {kind: 0.5 + 0.01 * p.year + self.rng.normal(0.0, sd, (len(values), len(p.value)))
                for kind, p in self.target.points.items()}


def check(target, seed: int, misfit: float = 0.0) -> dict:
    model = FakeModel(target, seed)
    truth = model.statistics(np.zeros((1, 1)), None, replicates=1)
    noise = diagnostics.ObservationNoise.fit(target, {k: 0.5 + 0.01 * p.year for k, p in target.points.items()},
                                             {k: v[0] for k, v in truth.items()})
    noise.table[["scale", "offset"]] = [1.0, 0.0]  # the data in the model's own units
    observed = {k: v[0] for k, v in truth.items()}
    bad = target.pairs.index("Moscow-Seoul")
    observed["trade"] = observed["trade"] + misfit * (target.points["trade"].pair == bad) * np.sin(target.points["trade"].year)
    table = pd.DataFrame({"a": np.zeros(50), "weight": 1 / 50})
    return diagnostics.predictive_check(model, table, observed, seed, noise, tolerance=1.0, sets=60)


def test_data_the_model_makes_sit_inside_the_predictive_distribution_and_a_misfit_outside_it(target):
    quantiles = [check(target, seed)["model"]["quantile"] for seed in range(10)]
    assert sum(diagnostics.CENTRAL[0] <= q <= diagnostics.CENTRAL[1] for q in quantiles) >= 8, quantiles
    found = check(target, 0, misfit=0.2)
    assert found["model"]["quantile"] > diagnostics.CENTRAL[1]
    assert (found["drivers"][0]["kind"], found["drivers"][0]["pair"]) == ("trade", "Moscow-Seoul")
    assert "does not make data like these" in diagnostics.predictive_lines(found)[0]


def test_a_calibration_reports_what_its_posterior_can_be_trusted_with(tmp_path, capsys):
    path = small(tmp_path, {"rate": {"uniform": [0.03, 0.3]}, "trade_response": {"uniform": [0.0, 0.9]}},
                 population=20, generations=2)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "c"), "--runs", "20"]) == 0
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert "effective_sample_size" not in manifest
    mixing = manifest["mixing"]
    assert 1 <= mixing["lineages"] <= mixing["distinct_particles"] <= 20 and mixing["distance_sd"] > 0
    assert set(manifest["identification"]["values"]) == {"rate", "trade_response"}
    check = manifest["predictive_check"]
    assert 0 <= check["model"]["quantile"] <= 1 and 0 <= check["within_tolerance"] <= 1
    generations = pd.read_parquet(tmp_path / "c" / "generations.parquet")
    assert {"lineages", "distance_sd", "ess rate"} <= set(generations.columns)
    out = capsys.readouterr().out
    assert "descended from" in out and "identified (posterior s.d." in out and "posterior predictive check" in out


def test_synthetic_data_are_one_history_with_the_real_residual_noise(tmp_path):
    s = load_scenario(small(tmp_path, {"rate": {"uniform": [0.03, 0.3]}}))
    rows = []
    for kind, p in Target(s).points.items():
        rows += [{"kind": kind, "pair": pair, "scale": 1.0, "offset": 0.0, "sd": 0.0, "phi": 0.0, "points": 0}
                 for pair in Target(s).pairs]
    quiet = diagnostics.ObservationNoise(pd.DataFrame(rows))
    loud = diagnostics.ObservationNoise(pd.DataFrame(rows).assign(sd=0.5))
    truth = np.array([0.1])
    a, b = (sbc.synthetic(s, truth, quiet, np.random.default_rng(k)) for k in (1, 2))
    assert not np.allclose(a["unga"], b["unga"])  # one history each, not a mean of many: seeds show
    noisy = sbc.synthetic(s, truth, loud, np.random.default_rng(1))
    assert np.std(noisy["trade"] - a["trade"]) > 0.3


def test_a_particles_replicates_share_one_schedule_built_once():
    """The schedule of m particles repeated for their replicates is the schedule of the repeated particles."""
    from sim.core.engine import take
    from sim.evidence.calibration import Model

    model = Model(load_scenario(SCENARIOS / "history_2005_2024.yaml"))
    values = np.random.default_rng(0).random((3, len(model.columns))) * 0.5
    once = take(model.variation.schedules(values), np.repeat(np.arange(3), 4))
    each = model.variation.schedules(np.repeat(values, 4, axis=0))
    for a, b in zip([*once.initial, *[x for p in once.phases for x in p]], [*each.initial, *[x for p in each.phases for x in p]]):
        np.testing.assert_array_equal(np.broadcast_to(a, np.shape(b)), b)
    for a, b in zip(once.shifts, each.shifts):
        np.testing.assert_array_equal(a[0], b[0])
