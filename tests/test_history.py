"""The history: fitted on the years up to 2018 only, and a hindcast of 2019-2024 that can fail.

The hindcast checks what happened after 2019, in direction and rough size, on the hand-set
weights and on the shipped posterior, whose mechanisms and drivers were set without looking
at 2019-2024 (scenarios/history_2005_2024.yaml says how each driver's level was chosen). If
one fails, the model misses what happened: report it, do not tune to it.
"""

import numpy as np
import pytest

from sim.evidence import history, observe


@pytest.fixture(scope="module")
def run():
    return history.run_history(runs=100)


def test_korea_russia_trade_falls_by_a_third_or_more_from_2021_to_2023(run):
    # observed: 27.3 -> 15.0 $bn (KITA; data/trade.csv), -45%
    assert history.focal_changes(run)["trade_change"] <= -0.30


def test_seoul_and_moscow_cool_toward_each_other_after_2022(run):
    changes = history.focal_changes(run)
    assert changes["seoul_to_moscow"] < -0.02 and changes["moscow_to_seoul"] < -0.02, changes
    assert changes["ideal_distance_change"] > 0, changes


def test_seoul_does_not_turn_from_washington(run):
    assert history.focal_changes(run)["seoul_to_washington"] > -0.02


def test_the_pair_years_of_the_record_s_clearest_cases_are_classified_as_the_record_has_them(calibrated):
    """The partnership line checked against data/relationships.csv under the shipped posterior: China and
    Russia (strategic partners from 1996) are partners in at least 80% of their pair-years 2005-2024 in
    most runs; the rival pairs (Washington-Beijing, Washington-Moscow, Tokyo-Beijing, Tokyo-Moscow) in
    at most 10% in most runs."""
    shares = history.partner_years(calibrated, 2005, 2024)
    assert shares.loc["Beijing-Moscow", "runs_at_least_80"] > 0.5, shares
    for pair in ("Beijing-Washington", "Moscow-Washington", "Beijing-Tokyo", "Moscow-Tokyo"):
        assert shares.loc[pair, "runs_at_most_10"] > 0.5, (pair, shares)


def test_the_confusion_table_counts_every_pair_year_once(calibrated):
    table = history.confusion(calibrated)
    assert table["pair_years"].sum() == 10 * 20  # ten pairs, 2005-2024
    assert set(table["record"]) <= {"alliance", "strategic_partnership", "partnership", "ordinary", "adversarial", "none"}
    assert table["classified_partner"].between(0, 1).all()


@pytest.fixture(scope="module")
def calibrated():
    """The history under the shipped posterior, fitted to 2018: each of 200 runs draws its parameter set."""
    from sim.outputs.posterior import read_posterior

    from conftest import SCENARIOS

    return history.run_history(runs=200, posterior=read_posterior(SCENARIOS / "posteriors" / "history_2005_2024"))


def test_under_the_posterior_2022_reads_as_it_happened(calibrated):
    """From 2021 to 2023 (medians of 200 runs): Korea-Russia trade falls, the pair's ideal points move
    apart, Seoul does not turn from Washington."""
    changes = history.focal_changes(calibrated)
    assert changes["trade_change"] < 0, changes
    assert changes["ideal_distance_change"] > 0, changes
    assert changes["seoul_to_washington"] > -0.02, changes


@pytest.mark.xfail(strict=True, reason="a miss of the hindcast, reported not tuned (docs/calibration.md, 'The break of "
                   "2022'): under the shipped posterior Moscow cools toward Seoul from 2021 to 2023, Seoul does not "
                   "(+0.05): 74% of its sets make the conservative governments (Yoon's from 2022Q2) the more "
                   "autonomous, and no mechanism turns a state that joins sanctions against their target")
def test_under_the_posterior_seoul_and_moscow_cool_after_2022(calibrated):
    changes = history.focal_changes(calibrated)
    assert changes["seoul_to_moscow"] < 0 and changes["moscow_to_seoul"] < 0, changes


@pytest.mark.xfail(strict=True, reason="a miss of the hindcast, reported not tuned (docs/calibration.md, 'The break of "
                   "2022'): under the shipped posterior 14% of the runs have a Seoul-Moscow partnership year in "
                   "2022-2024, when the record has Korea on Russia's 'unfriendly' list")
def test_under_the_posterior_no_seoul_moscow_partnership_after_2022(calibrated):
    """The record has Korea on Russia's 'unfriendly' list from March 2022: in at most a tenth of the runs is
    any of 2022-2024 a partnership year."""
    rows = history.pair_years(calibrated)
    late = rows[(rows["pair"] == "Moscow-Seoul") & (rows["year"] >= 2022)]
    assert late.groupby("run")["partner"].any().mean() <= 0.1


def test_every_series_is_scored_in_both_windows(run):
    scores = run.scores
    assert len(scores) == 30 and (scores["fit_points"] >= 10).all()
    assert scores["fit_rmse"].notna().all()
    hindcast = scores[scores["hindcast_points"] > 0]
    assert len(hindcast) == 30 and hindcast["hindcast_rmse"].notna().all()


def test_the_hindcast_years_steer_nothing(run, monkeypatch):
    """Change every observed value after 2018: the fitted observation model stays the same."""
    _, original = observe.compare(run.trajectory, run.scenario)
    real = observe.observed()
    moved = real.assign(value=np.where(real["year"] > 2018, real["value"] + 1.0, real["value"]))
    monkeypatch.setattr(observe, "observed", lambda kinds=None, root=None: moved)
    points, fitted = observe.compare(run.trajectory, run.scenario)
    assert (points.loc[points["year"] > 2018, "value"] > 0).any()  # the moved data were read
    assert fitted == original


def test_the_2014_evidence_orders_the_sensitivities_of_the_shipped_scenarios():
    """Firms' exposure (sanction_sensitivity) follows the in-sample 2013-2016 evidence: the partner
    whose trade with Moscow fell more, relative to China's, has the more exposed firms."""
    from sim.scenario import load_scenario

    from conftest import SCENARIOS

    response = history.sanction_response()
    s = load_scenario(SCENARIOS / "baseline_2018.yaml")
    sensitivity = {pair: s.actors[pair.replace("Moscow", "").strip("-")].sanction_sensitivity for pair in response.index}
    order = sorted(response.index, key=response.get)
    assert [sensitivity[p] for p in order] == sorted(sensitivity.values(), reverse=True)


def test_the_2005_start_is_read_from_the_data():
    """The history's initial stances and cooperation are what `picture_of` reads from the 2005 data (to the
    two decimals the file keeps): cooperation is each pair's trade intensity on the model's scale, with no
    level handed in; and the history has no `rest:`, so its balance is that start, not a later year."""
    from sim.core.schedule import initial_state
    from sim.evidence import data
    from sim.scenario import load_scenario

    from conftest import SCENARIOS

    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    baseline = load_scenario(SCENARIOS / "baseline_2018.yaml")
    alignment, cooperation, slope = history.picture_of(baseline, 2005)
    assert slope < 0  # further apart in the Assembly, cooler stances
    start = initial_state(s)
    intensity = data.intensity().pivot(index="year", columns="pair", values="value").loc[2005]
    for p, value in alignment.items():
        i, j = (s.index(a) for a in p.split("-"))
        assert start.A[i, j] == pytest.approx(value, abs=0.005) and start.A[j, i] == pytest.approx(value, abs=0.005)
        assert start.E[i, j] == pytest.approx(cooperation[p], abs=0.005)
        assert cooperation[p] == pytest.approx(np.exp(intensity[p]) / (1 + np.exp(intensity[p])))
    assert s.rest is None


def test_the_powers_follow_military_expenditure_year_by_year():
    from sim.evidence import data
    from sim.scenario import load_scenario
    from sim.scenario.calendar import parse_quarter

    from conftest import SCENARIOS

    s = load_scenario(SCENARIOS / "history_2005_2024.yaml")
    shares = data.power_shares(s.names).round(3)
    found = {name: s.actors[name].power for name in s.names}
    assert found == shares.loc[2005].to_dict()
    start = parse_quarter(s.start)
    for step, settings in s.event_steps():
        powers = {k.split(".")[1]: v for k, v in settings.items() if k.endswith(".power")}
        if powers:
            assert powers == shares.loc[(start + step) // 4].to_dict()
    assert sum(1 for _, st in s.event_steps() if any(k.endswith(".power") for k in st)) == 19  # 2006-2024


def test_the_fit_and_the_references_are_on_the_same_statistics():
    """The shipped posterior's manifest records the calibrated model's distance beside the two models
    without dynamics, computed on the same statistics as now."""
    import json

    from sim.evidence.calibration import Target
    from sim.scenario import load_scenario

    from conftest import SCENARIOS

    manifest = json.loads((SCENARIOS / "posteriors" / "history_2005_2024" / "manifest.json").read_text())
    references = Target(load_scenario(SCENARIOS / "history_2005_2024.yaml")).references()
    for name, value in references.items():
        assert manifest["fit"][name] == pytest.approx(value)


def test_the_diagnosis_of_2022_runs_as_the_docs_give_it():
    """docs/calibration.md quotes scripts/break_of_2022.py: it runs, and reports both the posterior and
    the priors with every share a percentage."""
    import re
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "break_of_2022.py"), "--runs", "40"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "under the shipped posterior, 40 runs" in done.stdout and "under the priors, 40 runs" in done.stdout
    shares = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", done.stdout)]
    assert len(shares) == 10 and all(0 <= x <= 100 for x in shares), done.stdout
