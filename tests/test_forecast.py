"""Forecasts scored as forecasters score them: only what was known at the origin, the state filtered
from the observations, the benchmarks, the scores and their block-bootstrap intervals; the register of
forecasts issued before their data; simulation-based calibration of the inference."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.core.posterior import Posterior
from sim.evidence import assimilate, forecast, register, sbc
from sim.evidence.calibration import CalibrationError
from sim.outputs.posterior import posterior_sets
from sim.scenario import load_scenario
from sim.scenario.schema import Event

from conftest import ROOT, SCENARIOS, cli


def series(values, start=2005) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


@pytest.fixture(scope="module")
def small():
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    return s.model_copy(update={"calibration": s.calibration.model_copy(update={"population": 30, "generations": 1,
                                                                               "replicates": 2})})


TINY = forecast.Settings(population=30, generations=1, warm=1, sets=8, particles=6)


def prior_sample(s, sets=8, seed=0) -> Posterior:
    """A stand-in posterior: sets drawn from the priors (the filter and forecasts take any)."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({name: rng.uniform(*p.uniform, sets) for name, p in s.calibration.priors.items()})
    return Posterior(table.assign(weight=1.0 / sets), posterior_sets(s), SCENARIOS, {})


def test_the_benchmarks_forecast_what_they_say():
    y = series([1.0, 2.0, 3.0, 4.0, 5.0])
    ahead = np.array([2010, 2012])
    mean, sd = forecast.benchmark(y, 2009, ahead, "persistence")
    assert np.allclose(mean, 5.0) and sd[1] == pytest.approx(sd[0] * np.sqrt(3))
    mean, _ = forecast.benchmark(y, 2009, ahead, "random walk with drift")
    assert np.allclose(mean, [6.0, 8.0])
    rng = np.random.default_rng(0)
    ar = [0.0]
    for _ in range(400):
        ar.append(0.6 * ar[-1] + rng.normal(0, 0.1))
    mean, sd = forecast.benchmark(series(ar), 2005 + 400, np.array([2406, 2500]), "AR(1)")
    assert mean[0] == pytest.approx(0.6 * ar[-1], abs=0.05)
    assert abs(mean[1]) < 0.05 and sd[1] == pytest.approx(0.1 / np.sqrt(1 - 0.36), rel=0.15)  # back to its mean


def test_a_scenario_cut_at_an_origin_keeps_only_what_was_known_then(small):
    cut = forecast.cut(small, 2010, horizon=6)
    assert cut.steps == 4 * (2017 - 2005) and cut.rest is None  # the 2018 balance is not known in 2010
    assert max(e.at for e in cut.events) <= "2010Q4" and cut.calibration.fit_end == 2010
    assert [x for x in cut.calibration.priors["autonomy_conservative"].sets] == ["actors.Seoul.autonomy@2008Q1"]
    later = forecast.cut(small, 2010, horizon=6, conditional=True)
    assert len(later.events) == len(small.events) and later.rest is None  # the drivers as they happened, the same balance
    assert forecast.cut(small, 2018, horizon=1).rest == small.rest  # dated 2018Q3: known by the end of 2018


def test_a_forecast_is_a_function_of_the_scenario_and_the_data_up_to_its_origin(small, tmp_path):
    """Events after the origin and changed observations after it leave every forecast as known at
    the origin unchanged, bit for bit, calibration included; the conditional forecaster, given the
    drivers as they happened, does see the events."""
    origin = 2008
    shipped = ROOT / "data"
    changed = tmp_path / "data"
    shutil.copytree(shipped, changed)
    for name, column, change in (("trade.csv", "total_usd_bn", lambda v: v * 3), ("unga_agreement.csv", "agree", lambda v: v / 2),
                                 ("unga_ideal_points.csv", "ideal_point", lambda v: v + 1.0)):
        table = pd.read_csv(changed / name)
        later = table["year"] > origin
        table.loc[later, column] = change(table.loc[later, column])
        table.to_csv(changed / name, index=False)
    events = [*small.events, Event(at="2009Q2", set={"sanctions": 0.9}),
              Event(at="2010Q1", shift={"alignment": {"Seoul-Moscow": 0.5}})]

    def made(s, data_folder, where):
        s = s.model_copy(update={"calibration": s.calibration.model_copy(update={"data": str(data_folder)})})
        posterior = forecast.fit(s, origin, where, TINY, say=lambda m: None)
        return forecast.forecast(s, posterior, origin, TINY, horizon=3), posterior

    one, p1 = made(small, shipped, tmp_path / "one")
    two, p2 = made(small.model_copy(update={"events": events}), changed, tmp_path / "two")
    pd.testing.assert_frame_equal(p1.table, p2.table)
    pd.testing.assert_frame_equal(one.points, two.points)
    pd.testing.assert_frame_equal(one.normal, two.normal)
    pd.testing.assert_frame_equal(one.start, two.start)
    known = (one.points["forecaster"] == small.name).to_numpy()
    assert np.array_equal(one.members[known], two.members[known])
    assert not np.array_equal(one.members[~known], two.members[~known])  # the conditional sees the 2009 sanctions


def test_an_origin_s_fit_starts_from_the_previous_origin_s_posterior(small, tmp_path):
    first = forecast.fit(small, 2008, tmp_path / "2008", TINY, say=lambda m: None)
    later = forecast.fit(small, 2009, tmp_path / "2009", TINY, previous=first, say=lambda m: None)
    start = pd.read_parquet(tmp_path / "2009" / "populations" / "generation-000.parquet")
    rows = {tuple(r) for r in first.table[first.names].to_numpy()}
    assert all(tuple(r) in rows for r in start[later.names].to_numpy())  # generation 0: the earlier posterior
    assert json.loads((tmp_path / "2009" / "manifest.json").read_text())["generation_0"].endswith("(a warm start)")
    assert json.loads((tmp_path / "2008" / "manifest.json").read_text())["generation_0"] == "the prior"


def test_a_history_run_a_year_at_a_time_is_the_history_run_whole(small):
    """The filter's windows (phases, shifts and the state carried across) add up to the run itself:
    without noise, bit for bit."""
    from sim.core.dynamics import State
    from sim.core.engine import stack
    from sim.core.schedule import schedule

    s = small.model_copy(update={"parameters": small.parameters.model_copy(update={"noise": 0.0})})
    sched, group = stack([schedule(s)]), np.zeros(2, dtype=int)
    whole = assimilate.advance(sched, group, None, 0, s.steps, np.arange(2))
    state, parts = None, []
    cuts = [*range(0, s.steps, 4), s.steps]
    for a, b in zip(cuts[:-1], cuts[1:]):
        traj = assimilate.advance(sched, group, state, a, b - a, np.arange(2) + a)
        state = State(*(x[:, -1] for x in traj))
        parts.append(traj.E[:, :-1])
    assert np.array_equal(np.concatenate([*parts, state.E[:, None]], axis=1), whole.E)


def test_resampling_keeps_every_set_s_particles_and_follows_the_weights():
    rng = np.random.default_rng(0)
    loglik = np.full(12, -50.0)
    loglik[[1, 5, 6]] = 0.0  # set 0: particle 1 alone; set 1: particles 5 and 6 alike; set 2: all alike
    loglik[8:] = 0.0
    index, share = assimilate.resample(loglik, 3, rng)
    assert list(index[:4]) == [1, 1, 1, 1] and sorted(index[4:8]) == [5, 5, 6, 6] and list(index[8:]) == [8, 9, 10, 11]
    assert share == pytest.approx((1 / 4 + 2 / 4 + 1) / 3)


def test_the_residuals_ar1_is_recovered_from_a_long_series():
    rng = np.random.default_rng(2)
    e = [0.0]
    for _ in range(3000):
        e.append(0.6 * e[-1] + rng.normal(0, 0.2))
    points = pd.DataFrame({"year": np.arange(len(e))})
    sigma, phi = assimilate._residual_process(points, np.array(e), np.zeros(len(e), dtype=int), 1)
    assert phi[0] == pytest.approx(0.6, abs=0.05) and sigma[0] == pytest.approx(0.2 / np.sqrt(1 - 0.36), rel=0.05)


def test_filtered_runs_start_where_the_world_was(small):
    """Through the filter, the runs' residual at the origin (observed minus the observation model's
    value) is smaller than that of the same runs left to run freely, in every kind of series."""
    s, origin = small, 2012
    cut = forecast.cut(s, origin, horizon=1)
    sched = prior_sample(s, sets=6).schedules(cut, np.arange(6))
    frame = forecast.known(s, origin)
    filtered, observation = assimilate.assimilate(sched, cut, frame, origin, 20, s.seed)
    end = 4 * (origin + 1 - 2005)
    free = assimilate.advance(sched, filtered.group, None, 0, end, assimilate.seeds_of(9, runs=len(filtered.group)))
    years, _, model = assimilate.yearly(free, cut, 0)
    x = observation.values({v: m[:, -1] for v, m in model.items()})
    last = frame[frame["year"] == origin].set_index(["kind", "pair"])["value"]
    at = observation.series.set_index(["kind", "pair"]).index.get_indexer(last.index)
    free_residual = np.abs(last.to_numpy() - observation.predict(x, filtered.group)[:, at]).mean(axis=0)
    filtered_residual = np.abs(filtered.residual[:, at]).mean(axis=0)
    for kind in ("ideal_points", "trade", "unga"):
        mine = (last.index.get_level_values("kind") == kind)
        assert filtered_residual[mine].mean() < free_residual[mine].mean(), kind


def test_a_sharp_right_forecast_scores_best_and_persistence_forecasts_no_direction():
    points = pd.DataFrame({"forecaster": "model", "kind": "trade", "pair": "Moscow-Seoul", "year": [2017, 2018],
                           "origin": 2016, "ahead": [1, 2]})
    outcomes = pd.DataFrame({"kind": "trade", "pair": "Moscow-Seoul", "year": [2017, 2018], "value": [1.0, 2.0]})
    frame = pd.DataFrame({"kind": "trade", "pair": "Moscow-Seoul", "year": range(2013, 2017), "value": [0.0, 0.5, 0.2, 0.8]})
    right = np.repeat(outcomes["value"].to_numpy()[:, None], 50, axis=1)
    f = forecast.Forecast(points, right, forecast.benchmarks(frame, points), frame.tail(1)[["kind", "pair", "year", "value"]])
    scores = forecast.score(f, outcomes, {"trade": 1.0}).set_index("forecaster")
    assert np.allclose(scores.loc["model", "crps"], 0.0)
    assert scores.loc["model", "crps"].max() < scores.drop("model")["crps"].min()
    assert scores.loc["model", "hit"].all() and scores.loc["persistence", "hit"].isna().all()
    assert scores.loc["model", "in_50"].all()


def crps_table(shocks: bool, seed: int = 1) -> pd.DataFrame:
    """30 series x 8 target years x 4 origins; the model 20% better than persistence throughout, with
    (or without) a shock per target year that hits every series alike."""
    rng = np.random.default_rng(seed)
    rows = []
    year_shock = rng.lognormal(0, 0.8, 20) if shocks else np.ones(20)
    for k in range(30):
        for origin in (2008, 2009, 2010, 2011):
            years = np.arange(origin + 1, origin + 5)
            crps = rng.uniform(0.5, 2.0, 4) * year_shock[years - 2009]
            for forecaster, factor in (("model", 0.8), ("persistence", 1.0)):
                rows.append(pd.DataFrame({"kind": "trade", "pair": f"P{k}", "origin": origin, "year": years,
                                          "forecaster": forecaster, "crps": crps * factor}))
    return pd.concat(rows, ignore_index=True)


def test_skill_is_one_minus_the_ratio_with_an_interval_by_each_block():
    found = forecast.skills(crps_table(False), ["model"])
    pooled = found[(found["subset"] == "all") & (found["against"] == "persistence")].iloc[0]
    assert pooled["skill"] == pytest.approx(0.2) and pooled["forecasts"] == 480
    assert pooled["low"] <= 0.2 <= pooled["high"] and pooled["low_origin"] <= 0.2 <= pooled["high_origin"]
    one = found[(found["subset"] == "origin 2009") & (found["against"] == "persistence")].iloc[0]
    assert np.isnan(one["low_origin"])  # one origin: nothing to resample


def test_shocks_shared_by_a_target_year_widen_the_series_by_year_interval():
    """Where a target year's shock hits every series, resampling target years with the series widens
    the interval of a mean CRPS far beyond a bootstrap over series alone; without such shocks, by
    the little that the pigeonhole bootstrap's known caution adds (Owen 2007)."""
    ratio = {}
    for shocks in (False, True):
        rows = crps_table(shocks)
        rows = rows[rows["forecaster"] == "model"]
        crps = rows["crps"].to_numpy()
        both = forecast.resampled(rows, "series x year")
        alone = np.random.default_rng(0).multinomial(30, np.full(30, 1 / 30), size=1000)[:, pd.factorize(rows["pair"])[0]]
        width = lambda w: np.subtract(*np.quantile((w @ crps) / w.sum(axis=1), [0.975, 0.025]))  # noqa: E731
        ratio[shocks] = width(both) / width(alone)
    assert ratio[False] < 2.5 and ratio[True] > 2 * ratio[False]


def test_forecast_origins_must_leave_years_to_forecast(tmp_path):
    result = cli("forecast", SCENARIOS / "history_2005_2024.yaml", "--origins", "2024", "--out", tmp_path / "f")
    assert result.returncode == 2 and "allowed: 2007 to 2023" in result.stderr


def test_the_forecast_command_writes_its_tables_and_continues_what_is_there(tmp_path, small):
    file = tmp_path / "history.yaml"
    file.write_text(small.to_yaml())
    args = ["forecast", file, "--origins", "2011", "--population", "30", "--generations", "1", "--sets", "4",
            "--particles", "4", "--workers", "1", "--out", tmp_path / "f"]
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    table = pd.read_csv(tmp_path / "f" / "summary.csv")
    assert {"history_2005_2024", "history_2005_2024 (conditional)", "persistence"} <= set(table["forecaster"])
    assert {"all", "1-3 years ahead", "kind trade", "origin 2011", "2 years ahead"} <= set(table["subset"])
    assert "| history_2005_2024 (conditional) | persistence | all |" in (tmp_path / "f" / "report.md").read_text()
    scores = pd.read_parquet(tmp_path / "f" / "scores.parquet")
    assert cli(*args).returncode == 2  # its tables are not replaced unless asked
    again = cli(*args, "--replace")
    assert again.returncode == 0 and "fitting" not in again.stderr  # the origin read back
    pd.testing.assert_frame_equal(scores, pd.read_parquet(tmp_path / "f" / "scores.parquet"))
    other = cli(*[a if a != "4" else "5" for a in args], "--replace")  # other filter settings: not mixed with these
    assert other.returncode == 2 and "particles 4 -> 5" in other.stderr and "a new --out" in other.stderr


def test_an_issued_forecast_holds_the_benchmarks_records_what_and_when_and_is_never_replaced(tmp_path, small, monkeypatch):
    named = small.model_copy(update={"posterior": str(SCENARIOS / "posteriors" / "history_2005_2024")})
    folder = register.issue(named, tmp_path, [2026, 2027], forecast.Settings(sets=6, particles=4), say=lambda m: None)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["origin"] == 2025 and manifest["fit_end"] == 2024 and manifest["years"] == [2026, 2027]
    assert len(manifest["commit"]) >= 7 and len(manifest["posterior_sha256"]) == 64
    table = pd.read_parquet(folder / "forecast.parquet")
    assert set(table["forecaster"]) == {small.name, *forecast.BENCHMARKS}
    assert set(table["kind"]) == {"ideal_points", "trade"}  # voting agreement is no longer published
    assert (table["q05"] <= table["q50"]).all() and (table["q50"] <= table["q95"]).all()
    assert not list(tmp_path.glob(".*"))  # the working calibration is gone once issued
    assert yaml.safe_load((folder / "scenario.yaml").read_text())["posterior"] is None  # no other posterior, no machine path
    assert register.digest(folder) == register.digest(folder) and len(register.digest(folder)) == 64
    with pytest.raises(FileExistsError, match="already issued"):
        register.issue(small, tmp_path, [2026, 2027], forecast.Settings(sets=6, particles=4), say=lambda m: None)
    assert register.score(folder).empty  # nothing of 2026 is published yet
    # a user adds a 2026 figure in the data's format: every forecaster is scored on it
    added = tmp_path / "added.csv"
    pd.DataFrame({"year": [2026], "country": ["USA"], "ideal_point": [3.0], "ideal_point_fp": [3.0],
                  "source": ["a test figure, not a real one"]}).to_csv(added, index=False)
    second = pd.DataFrame({"year": [2026], "country": ["RUS"], "ideal_point": [-1.0], "ideal_point_fp": [-1.0],
                           "source": ["a test figure, not a real one"]})
    second.to_csv(tmp_path / "added2.csv", index=False)
    root = register.with_added([added, tmp_path / "added2.csv"])
    try:
        found = register.score(folder, root)
    finally:
        shutil.rmtree(root)
    assert set(found["forecaster"]) == {small.name, *forecast.BENCHMARKS} and set(found["pair"]) == {"Moscow-Washington"}
    assert (found["benchmarks"] == "issued").all()


def test_the_earlier_register_is_scored_with_benchmarks_on_the_2025_figures():
    found = register.score(ROOT / "forecasts" / "history_2005_2024-2026-12-01")
    assert set(found["year"]) == {2025} and set(found["forecaster"]) == {"history_2005_2024", *forecast.BENCHMARKS}
    assert (found["benchmarks"] == "fitted at scoring").all()


@pytest.mark.parametrize("row, says", [
    ("2026,KOR,RUS,19.5,,PAGE: x", "line 2: source"),
    ("2026,KOR,XXX,19.5,a source page,PAGE: x", "line 2: b 'XXX': allowed: CHN, JPN, KOR, RUS, USA"),
    ("2026,KOR,RUS,-3,a source page,PAGE: x", "line 2: total_usd_bn -3: allowed: a number above 0"),
    ("2026,KOR,RUS,19.5,a source page,guessed", "line 2: note 'guessed': allowed: a note starting with"),
])
def test_added_figures_are_checked_as_the_shipped_data_are(tmp_path, row, says):
    path = tmp_path / "new.csv"
    path.write_text("year,a,b,total_usd_bn,source,note\n" + row + "\n")
    result = cli("register", "score", "--data", path)
    assert result.returncode == 2 and says in result.stderr and str(path) in result.stderr, result.stderr


def test_sbc_ranks_of_a_calibrated_inference_look_uniform():
    rng = np.random.default_rng(3)
    rows = pd.DataFrame({"trial": np.repeat(range(300), 2), "value": ["a", "b"] * 300,
                         "rank": rng.integers(0, 101, 600), "draws": 100,
                         "in_50": rng.random(600) < 0.5, "in_90": rng.random(600) < 0.9})
    rows.loc[rows["value"] == "b", "rank"] = np.where(rng.random(300) < 0.5, 0, 100)  # a U: too narrow a posterior
    found = sbc.summary(rows)
    assert found.loc["a", "p"] > 0.01 > found.loc["b", "p"]
    assert found.loc["a", "coverage_90"] == pytest.approx(0.9, abs=0.06)


def test_a_check_keeps_its_trials_and_gives_the_same_numbers_on_any_workers(tmp_path, small):
    one = sbc.check(small, tmp_path / "one", 2, say=lambda m: None)
    two = sbc.check(small, tmp_path / "two", 2, workers=2, say=lambda m: None)
    pd.testing.assert_frame_equal(one, two)
    (tmp_path / "one" / "trials" / "trial-0001.parquet").unlink()
    said = []
    again = sbc.check(small, tmp_path / "one", 2, say=said.append)
    assert "(1 kept)" in said[0]
    pd.testing.assert_frame_equal(one, again)


def test_a_check_is_continued_only_with_the_settings_its_trials_were_made_with(tmp_path, small):
    sbc.check(small, tmp_path, 2, say=lambda m: None)
    larger = small.model_copy(update={"calibration": small.calibration.model_copy(update={"population": 40})})
    with pytest.raises(CalibrationError, match="holds trials made otherwise .*scenario_sha256"):
        sbc.check(larger, tmp_path, 3, say=lambda m: None)
    assert len(list((tmp_path / "trials").iterdir())) == 2
    (tmp_path / "settings.json").unlink()  # a check begun before settings were recorded
    said = []
    sbc.check(small, tmp_path, 2, say=said.append)
    assert said[0].startswith("2 trials were kept before their settings were recorded")
