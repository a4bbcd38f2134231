"""Forecasts scored as forecasters score them: the benchmarks, the scores and the skill; the
register of forecasts issued before their data; simulation-based calibration of the inference."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.evidence import forecast, register, sbc
from sim.scenario import load_scenario

from conftest import SCENARIOS, cli


def series(values, start=2005) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


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


def test_a_sharp_right_forecast_scores_best_and_persistence_forecasts_no_direction(monkeypatch):
    points = pd.DataFrame({"kind": "trade", "pair": "Moscow-Seoul", "year": [2017, 2018], "value": [1.0, 2.0],
                           "origin": 2016})
    history = series([0.0, 0.5, 0.2, 0.8], 2013)
    monkeypatch.setattr(forecast, "data_series", lambda p: {("trade", "Moscow-Seoul"): history})
    right = np.repeat(points["value"].to_numpy()[:, None], 50, axis=1)
    scores = forecast.score(points, right, "model", {"trade": 1.0}).set_index("forecaster")
    assert np.allclose(scores.loc["model", "crps"], 0.0)
    assert (scores.loc["model", "crps"].max() < scores.drop("model")["crps"].min())
    assert scores.loc["model", "hit"].all() and scores.loc["persistence", "hit"].isna().all()
    assert scores.loc["model", "in_50"].all()


def test_skill_is_one_minus_the_ratio_with_an_interval_around_it():
    rng = np.random.default_rng(1)
    rows = []
    for k in range(30):
        crps = rng.uniform(0.5, 2.0, 4)
        for forecaster, factor in (("model", 0.8), ("persistence", 1.0)):
            rows.append(pd.DataFrame({"kind": "trade", "pair": f"P{k}", "origin": 2016, "year": range(2017, 2021),
                                      "forecaster": forecaster, "crps": crps * factor}))
    found = forecast.skill(pd.concat(rows), "model", "persistence")
    assert found["skill"] == pytest.approx(0.2) and found["low"] <= 0.2 <= found["high"]
    assert found["series"] == 30 and found["forecasts"] == 120


def test_forecast_origins_must_leave_years_to_forecast(tmp_path):
    result = cli("forecast", SCENARIOS / "history_2005_2024.yaml", "--origins", "2020", "--out", tmp_path / "f")
    assert result.returncode == 2 and "allowed: 2007 to 2018" in result.stderr


@pytest.fixture(scope="module")
def small():
    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    return s.model_copy(update={"calibration": s.calibration.model_copy(update={"population": 30, "generations": 1})})


def test_an_issued_forecast_records_what_and_when_and_is_never_replaced(tmp_path, small, monkeypatch):
    folder = register.issue(small, tmp_path, [2025, 2026], runs=20, say=lambda m: None)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["fit_end"] == 2024 and manifest["years"] == [2025, 2026]
    assert len(manifest["commit"]) >= 7 and len(manifest["posterior_sha256"]) == 64
    table = pd.read_parquet(folder / "forecast.parquet")
    assert set(table["kind"]) == {"ideal_points", "trade"}  # voting agreement is no longer published
    assert (table["q05"] <= table["q50"]).all() and (table["q50"] <= table["q95"]).all()
    assert not list(tmp_path.glob(".*"))  # the working calibration is gone once issued
    with pytest.raises(FileExistsError, match="already issued"):
        register.issue(small, tmp_path, [2025, 2026], runs=20, say=lambda m: None)
    before = register.score(folder)  # what the shipped data hold of 2025 already
    # a figure arrives: the forecast of it is scored
    from sim.evidence import observe

    real = observe.observed
    scored = set(zip(before["kind"], before["pair"], before["year"]))
    row = next(r for _, r in table.iterrows() if (r["kind"], r["pair"], r["year"]) not in scored)
    arrived = pd.DataFrame({"kind": [row["kind"]], "pair": [row["pair"]], "year": [row["year"]], "value": [row["q50"]]})
    monkeypatch.setattr(observe, "observed", lambda kinds=None, root=None: pd.concat([real(kinds, root), arrived]))
    found = register.score(folder)
    assert len(found) == len(before) + 1
    assert found.set_index(["kind", "pair", "year"]).loc[(row["kind"], row["pair"], row["year"]), "in_50"]


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
