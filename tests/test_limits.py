"""Limits checked before anything is spent, and inputs checked before they are trusted.

Sizes (design points, runs, chunks, populations, states of the world, actors, workers) are
counted, never built, before the memory budget is checked; validation costs the same for each
event, sweep value and prior; a posterior and a folder of observed data are checked on reading;
a scenario that says two things at once is refused. Each refusal is exit 2 with one message
naming the file, the field or column, the value and what is allowed, and leaves nothing behind."""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim.batch.plan  # noqa: F401  imported before a test replaces what it imports
from sim.scenario import ScenarioError, load_scenario, with_overrides

from conftest import ROOT, SCENARIOS, cli

BASELINE = (SCENARIOS / "baseline_2018.yaml").read_text()
POSTERIOR = SCENARIOS / "posteriors" / "history_2005_2024"


def shipped(name: str) -> dict:
    """A shipped scenario's data, its `base:` made absolute (so that a copy elsewhere loads)."""
    data = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
    if "base" in data:
        data["base"] = str(SCENARIOS / data["base"])
    return data


def scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(result, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


def never(what: str):
    """A stand-in for a function that must not be called: it fails the test if it is."""
    def called(*args, **kwargs):
        raise AssertionError(f"{what} was called")
    return called


def grid(tmp_path: Path, factors: dict[str, int], replicates: int = 20) -> Path:
    """The baseline with a grid sweep: each factor (a parameter) with this many evenly spaced points."""
    spec = {name: {"range": [0.1, 0.5], "points": points} for name, points in factors.items()}
    data = yaml.safe_load(BASELINE) | {"sweep": {"design": "grid", "replicates": replicates, "factors": spec},
                                        "posterior": None}  # a copy elsewhere: the file's own values
    return scenario(tmp_path, yaml.safe_dump(data), "grid.yaml")


# --- sizes are counted, never built, before the budget is checked --------------------------


def test_validate_counts_a_design_of_a_million_million_points_without_building_it(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.batch.designs.design_points", never("building the design"))
    path = grid(tmp_path, {"sanctions": 10_000, "noise": 10_000, "rate": 10_000})
    result = cli("validate", path)
    assert result.returncode == 0, result.stderr
    assert "20,000,000,000,000 runs" in result.stdout
    assert "alliance-sim batch` would refuse it here" in result.stderr and "memory budget" in result.stderr


@pytest.mark.parametrize("factors, replicates", [({"sanctions": 10_000, "noise": 10_000, "rate": 10_000}, 20),
                                                 ({"sanctions": 1_000, "noise": 100}, 1_000_000)])
def test_batch_refuses_a_design_too_big_for_the_budget_before_building_it(tmp_path, monkeypatch, factors, replicates):
    monkeypatch.setattr("sim.batch.plan.design_points", never("building the design"))
    path = grid(tmp_path, factors, replicates)
    result = cli("batch", path, "--workers", "1", "--out", tmp_path / "out")
    refused(result, "runs", "design points", "memory budget", "sweep.replicates")
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.partial").exists()


def test_a_design_is_counted_as_it_is_built():
    """Every design's count is the number of points it builds, and the grid's points are every
    combination, the first factor varying slowest."""
    import itertools

    from sim.batch.designs import design_points, design_size

    for name, changes in [("sanctions_autonomy_sweep", {}), ("drivers_lhs", {}), ("sobol_drivers", {"sweep.samples": 8}),
                          ("drivers_lhs", {"sweep.design": "morris", "sweep.samples": 3})]:
        s = with_overrides(load_scenario(SCENARIOS / f"{name}.yaml"), changes)
        assert design_size(s.sweep) == len(design_points(s)), name
    s = with_overrides(load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml"),
                       {"sweep.factors": {"sanctions": [0.1, 0.2, 0.3], "noise": {"range": [0.0, 0.1], "points": 4},
                                          "rate": [0.05, 0.1]}})
    levels = [[0.1, 0.2, 0.3], list(np.linspace(0.0, 0.1, 4)), [0.05, 0.1]]
    assert np.array_equal(design_points(s).to_numpy(), np.array(list(itertools.product(*levels))))


def test_chunks_are_made_as_they_are_asked_for():
    """However many runs, the chunks cost nothing until asked for; taken together they are every run
    once, in order, each at most `size` long."""
    from sim.batch.plan import Chunks

    huge = Chunks(10**11, 2_000)
    assert len(huge) == 5 * 10**7 and huge[-1] == range(10**11 - 2_000, 10**11) and huge[3] == range(6_000, 8_000)
    rng = np.random.default_rng(5)
    for runs, size in zip(rng.integers(1, 5_000, 50), rng.integers(1, 700, 50)):
        chunks = Chunks(int(runs), int(size))
        assert [r for c in chunks for r in c] == list(range(runs))
        assert len(chunks) == len(list(chunks)) and max(len(c) for c in chunks) <= size
    with pytest.raises(IndexError):
        huge[len(huge)]


def test_workers_are_capped_at_what_the_budget_holds(monkeypatch):
    """Each worker's own memory is counted with its chunk's: the workers allowed fit the budget, one
    more would not, and a batch gets no more workers than it has chunks."""
    from sim import budget
    from sim.batch.plan import Plan

    sweep = load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml")
    plan = Plan.of(with_overrides(sweep, {"sweep.chunk": 10}))  # 605 chunks
    said = []
    for memory in ("1G", "3G", "8G"):
        monkeypatch.setenv(budget.VARIABLE, str(budget.parse(memory)))
        allowed = plan.workers(500, say=said.append)
        assert 1 < allowed < 500
        assert plan.memory(allowed) <= budget.budget()[0] < plan.memory(allowed + 1)
    assert len(said) == 3 and all("--workers 500: using" in line for line in said)
    few = Plan.of(with_overrides(sweep, {"sweep.replicates": 1}))
    assert few.workers(64, say=said.append) == len(few.chunks()) == 1


def test_a_batch_asked_for_500_workers_runs_on_what_the_budget_holds(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.batch.local.pool", never("a pool of 500 workers"))
    result = cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=2", "--set", "steps=4",
                 "--workers", "500", "--memory", "2G", "--out", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "--workers 500: using" in result.stderr and "1 local worker(s)" in result.stderr


def test_a_calibration_asked_for_500_workers_gets_what_the_budget_holds(tmp_path, monkeypatch):
    asked = []

    def calibrate(s, out, resume, workers, *args, **kwargs):
        asked.append(workers)
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.evidence.calibration.calibrate", calibrate)
    result = cli("calibrate", SCENARIOS / "history_2005_2024.yaml", "--workers", "500", "--memory", "2G",
                 "--out", tmp_path / "c")
    assert result.returncode == 130 and "--workers 500: using" in result.stderr
    assert 1 <= asked[0] < 500


def test_decide_checks_the_budget_before_drawing_the_states(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.analysis.decision.run_seeds", never("drawing the states of the world"))
    result = cli("decide", SCENARIOS / "decide_2025.yaml", "--file-values", "--set", "decision.ensemble=100000",
                 "--set", "decision.replicates=1000", "--set", "decision.population=10000", "--memory", "1G",
                 "--out", tmp_path / "d")
    refused(result, "100,000 states of the world", "memory budget of 1.0 GiB", "decision.ensemble")
    assert not (tmp_path / "d").exists()


def test_calibrate_checks_the_budget_before_the_first_generation(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.evidence.smc.run", never("the calibration"))
    result = cli("calibrate", SCENARIOS / "history_2005_2024.yaml", "--set", "calibration.population=100000",
                 "--memory", "50M", "--out", tmp_path / "c")
    refused(result, "100,000 particles", "memory budget of 50.0 MiB", "calibration.population")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("n", [101, 10_000])
def test_too_many_actors_are_refused_with_the_cap_and_why(tmp_path, n):
    actors = "\n".join(f"  A{k}: {{power: 0.0001}}" for k in range(n))
    path = scenario(tmp_path, f"name: many\nactors:\n{actors}\npartnership: {{pair: [A0, A1]}}\n")
    result = cli("validate", path)
    refused(result, str(path), "actors", f"{n:,} actors; allowed: at most 100", "cube of their number")
    assert len(result.stderr) < 500  # the actors themselves are not repeated back


@pytest.mark.parametrize("given", ["1e999", "1.2.3", "...", "2e60"])
def test_a_memory_budget_that_is_not_a_size_is_refused(tmp_path, monkeypatch, given):
    run = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "r"]
    refused(cli(*run, "--memory", given), f"--memory {given!r}", "allowed: a size such as 4G")
    monkeypatch.setenv("ALLIANCE_SIM_MEMORY", given)
    refused(cli(*run), f"ALLIANCE_SIM_MEMORY {given!r}", "allowed: a size such as 4G")
    assert not (tmp_path / "r").exists()


# --- validation costs the same for each sweep value and prior --------------------------------


def validations(monkeypatch, path: Path) -> int:
    """How many times loading `path` validates, or dumps, a whole scenario."""
    from sim.scenario import schema

    calls = []
    for name in ("model_validate", "model_dump"):
        real = getattr(schema.Scenario, name)
        monkeypatch.setattr(schema.Scenario, name, lambda *a, real=real, **k: calls.append(1) or real(*a, **k))
    load_scenario(path)
    monkeypatch.undo()
    return len(calls)


def test_validation_does_not_revalidate_the_scenario_for_each_sweep_value(tmp_path, monkeypatch):
    counts = {}
    for n in (10, 2_000):
        data = shipped("sanctions_autonomy_sweep")
        data["sweep"]["factors"] = {"parameters.noise": [k / n * 0.5 for k in range(n)]}
        counts[n] = validations(monkeypatch, scenario(tmp_path, yaml.safe_dump(data), f"v{n}.yaml"))
    assert counts[2_000] == counts[10], counts


def test_validation_does_not_revalidate_the_scenario_for_each_prior(tmp_path, monkeypatch):
    history = shipped("history_2005_2024")
    dated = [f"{key}@{event['at']}" for event in history["events"] for key in event.get("set") or {}]
    counts = {}
    for n in (5, 300):
        priors = {f"p{k}": {"uniform": [0.0, 0.5], "sets": [dated[k % len(dated)]]} for k in range(n)}
        history["calibration"]["priors"] = priors
        counts[n] = validations(monkeypatch, scenario(tmp_path, yaml.safe_dump(history), f"p{n}.yaml"))
    assert counts[300] == counts[5], counts


def test_a_sweep_value_and_a_prior_are_still_checked_against_their_field(tmp_path):
    sweep = shipped("sanctions_autonomy_sweep")
    sweep["sweep"]["factors"] = {"parameters.noise": [0.1, 0.9]}
    with pytest.raises(ScenarioError, match=r"sweep.factors.parameters.noise: value 0.9 is not allowed: input should "
                                            r"be less than or equal to 0.5"):
        load_scenario(scenario(tmp_path, yaml.safe_dump(sweep), "a.yaml"))
    sweep["sweep"]["factors"] = {"actors.Seoul.power": [0.5], "steps": [10.5], "nothing.here": [1]}
    with pytest.raises(ScenarioError) as found:
        load_scenario(scenario(tmp_path, yaml.safe_dump(sweep), "b.yaml"))
    report = found.value.report()
    assert "steps: value 10.5 is not allowed: input should be a valid integer" in report
    assert "unknown field 'nothing.here'" in report and "actors.Seoul.power" not in report
    history = shipped("history_2005_2024")
    history["calibration"]["priors"] = {"x": {"uniform": [0.0, 2.0], "sets": ["sanctions@2014Q1"]},
                                        "y": {"uniform": [0.0, 1.0], "sets": ["sanctions@1999Q1"]}}
    with pytest.raises(ScenarioError) as found:
        load_scenario(scenario(tmp_path, yaml.safe_dump(history), "c.yaml"))
    report = found.value.report()
    assert "calibration.priors.x.uniform: value 2.0 is not allowed" in report
    assert "no event at 1999Q1 sets parameters.sanctions" in report


# --- a posterior is checked on reading ------------------------------------------------------


def edited_posterior(tmp_path: Path, how: str) -> Path:
    folder = tmp_path / "posterior"
    shutil.copytree(POSTERIOR, folder)
    table = pd.read_parquet(folder / "posterior.parquet")
    match how:
        case "rate nan":
            table.loc[3, "rate"] = np.nan
        case "rate 50":
            table.loc[3, "rate"] = 50.0
        case "noise -3":
            table.loc[3, "noise"] = -3.0
        case "weight negative":
            table.loc[3, "weight"] = -0.5
        case "weight nan":
            table.loc[3, "weight"] = np.nan
        case "weights zero":
            table["weight"] = 0.0
        case "empty":
            table = table.iloc[:0]
        case "text column":
            table["rate"] = table["rate"].astype(str)
        case "edited scenario":
            text = (folder / "scenario.yaml").read_text()
            (folder / "scenario.yaml").write_text(text.replace("seed: 2005", "seed: 2006"))
    table.to_parquet(folder / "posterior.parquet", index=False)
    return folder


POSTERIOR_CASES = [
    ("rate nan", ["column 'rate', row 4: value nan", "inside its prior"]),
    ("rate 50", ["column 'rate', row 4: value 50.0", "inside its prior ["]),
    ("noise -3", ["column 'noise', row 4: value -3.0"]),
    ("weight negative", ["column 'weight', row 4: value -0.5", "none negative"]),
    ("weight nan", ["column 'weight', row 4: value nan"]),
    ("weights zero", ["column 'weight' sums to 0"]),
    ("empty", ["holds no parameter sets"]),
    ("text column", ["column 'rate' holds str values", "allowed: numbers"]),
    ("edited scenario", ["scenario.yaml was changed after the calibration"]),
]


@pytest.mark.parametrize("command, how, words", [("run", *case) for case in POSTERIOR_CASES]
                         + [("history", *POSTERIOR_CASES[0])])  # every command reads a posterior the same way
def test_a_posterior_that_cannot_be_trusted_is_refused_on_reading(tmp_path, command, how, words):
    folder = edited_posterior(tmp_path, how)
    target = SCENARIOS / ("baseline_2018.yaml" if command == "run" else "history_2005_2024.yaml")
    counts = ["--replicates", "2", "--steps", "4"] if command == "run" else ["--runs", "2", "--quiet"]
    result = cli(command, target, *counts, "--posterior", folder, "--out", tmp_path / "out")
    named = "posterior.parquet" if how != "edited scenario" else "scenario.yaml"
    refused(result, "--posterior", str(folder / named), *words)
    assert not (tmp_path / "out").exists()


def test_the_shipped_posterior_hashed_before_fields_were_added_still_reads(tmp_path):
    """Its manifest hashed every field its scenario.yaml names, before `decision` and `posterior` existed:
    the scenario as its file writes it still matches."""
    from sim.outputs.posterior import read_posterior

    copy = tmp_path / "copy"
    shutil.copytree(POSTERIOR, copy)
    assert read_posterior(copy).digest() == read_posterior(POSTERIOR).digest()


@pytest.mark.slow
def test_a_resumed_calibration_refuses_a_population_changed_since_it_was_written(tmp_path):
    from sim.evidence.calibration import CalibrationError, calibrate

    from test_calibration import TRUTH_PRIORS, small

    s = load_scenario(small(tmp_path, TRUTH_PRIORS, population=20, generations=1))
    calibrate(s, tmp_path / "c", say=lambda m: None)
    population = tmp_path / "c" / "populations" / "generation-001.parquet"
    frame = pd.read_parquet(population)
    frame.iloc[0, 0] = frame.iloc[1, 0]  # a plausible value, in its prior: only the hash tells
    frame.to_parquet(population, index=False)
    more = s.model_copy(update={"calibration": s.calibration.model_copy(update={"generations": 2})})
    with pytest.raises(CalibrationError, match="generation-001.parquet is not the file written when generation 1 finished"):
        calibrate(more, tmp_path / "c", resume=True, say=lambda m: None)


# --- observed data of calibration.data, read through the checked readers ---------------------


def data_folder(tmp_path: Path, how: str) -> str:
    folder = tmp_path / "mydata"
    shutil.copytree(ROOT / "data", folder)
    trade = folder / "trade.csv"
    lines = trade.read_text().splitlines(keepends=True)
    match how:
        case "no trade.csv":
            trade.unlink()
        case "trade.csv a folder":
            trade.unlink()
            trade.mkdir()
        case "trade.csv a pipe":
            trade.unlink()
            os.mkfifo(trade)
        case "trade.csv /dev/zero":
            trade.unlink()
            trade.symlink_to("/dev/zero")
        case "latin-1":
            trade.write_bytes("".join(lines[:4]).encode() + "2019,KOR,RUS,1.0,Séoul,PRIMARY\n".encode("latin-1"))
        case "empty":
            trade.write_text("")
        case "/etc":
            return "/etc"
        case "text cell":
            trade.write_text("".join(lines[:4]) + "2019,KOR,RUS,lots,x,PRIMARY\n")
        case "unknown code":
            trade.write_text("".join(lines[:4]) + "2019,KOR,XYZ,1.0,x,PRIMARY\n")
        case "inf":
            trade.write_text("".join(lines[:4]) + "2019,KOR,RUS,inf,x,PRIMARY\n")
        case "ragged":
            trade.write_text("".join(lines[:4]) + "2019,KOR,RUS\n")
        case "huge year":
            trade.write_text("".join(lines[:4]) + "9223372036854775808,KOR,RUS,1.0,x,PRIMARY\n")
    return str(folder)


DATA_CASES = [
    ("no trade.csv", ["mydata", "trade.csv is missing"]),
    ("trade.csv a folder", ["trade.csv", "is not a regular file"]),
    ("trade.csv a pipe", ["trade.csv", "is not a regular file"]),
    ("trade.csv /dev/zero", ["trade.csv", "is not a regular file"]),
    ("latin-1", ["trade.csv:5:", "is not UTF-8"]),
    ("empty", ["trade.csv", "is empty"]),
    ("/etc", ["/etc", "is missing"]),
    ("text cell", ["trade.csv:5: total_usd_bn: value 'lots' is not allowed", "a positive finite number"]),
    ("unknown code", ["trade.csv:5: b: value 'XYZ' is not allowed", "CHN, JPN, KOR, RUS, USA"]),
    ("inf", ["trade.csv:5: total_usd_bn: value 'inf' is not allowed"]),
    ("ragged", ["trade.csv:5:", "3 cells where the header has 6 columns"]),
    ("huge year", ["trade.csv:5: year: value '9223372036854775808' is not allowed", "from 1900 to 2100"]),
]


def with_data(tmp_path: Path, where: str) -> Path:
    history = (SCENARIOS / "history_2005_2024.yaml").resolve()
    return scenario(tmp_path, f"base: {history}\nname: mine\ncalibration:\n  data: {where}\n  population: 10\n"
                              "  generations: 1\n  replicates: 1\n", "mine.yaml")


@pytest.mark.parametrize("command, how, words", [("history", *case) for case in DATA_CASES]
                         + [("calibrate", *case) for case in DATA_CASES if case[0] in ("no trade.csv", "trade.csv a pipe",
                                                                                     "unknown code", "inf")])
def test_a_bad_data_folder_is_refused_naming_the_file_row_and_column(tmp_path, command, how, words):
    from sim.evidence import data

    for reader in (data.unga, data.ideal_points, data.ideal_distance, data.trade_figures, data.trade, data.total_trade,
                   data.world_trade, data.intensity):
        reader.cache_clear()
    path = with_data(tmp_path, data_folder(tmp_path, how))
    runs = ["--runs", "2", "--quiet"]
    refused(cli(command, path, *runs, "--out", tmp_path / "out"), *words)
    assert not (tmp_path / "out").exists()


def test_the_shipped_data_read_as_before():
    """The checked reader gives the tables pandas read before: the same values, gaps and types."""
    from sim.evidence import data

    for name, columns in [("trade.csv", ["year", "total_usd_bn"]), ("unga_agreement.csv", ["year", "agree", "votes"]),
                          ("total_trade.csv", ["year", "total_usd_bn"]), ("world_trade.csv", ["exports_usd_bn"])]:
        before = pd.read_csv(ROOT / "data" / name)
        found = data.read(name, {}, ROOT / "data")
        assert list(found.columns) == list(before.columns) and len(found) == len(before)
        typed = data.read(name, {c: "number" if c != "year" else "year" for c in columns}, ROOT / "data")
        for column in columns:
            pd.testing.assert_series_equal(typed[column], before[column], check_dtype=column == "year")


# --- a scenario that says two things at once is refused --------------------------------------


@pytest.mark.parametrize("events, words", [
    ("[{at: 2019Q1, set: {sanctions: 0.0}}, {at: 2019Q1, set: {sanctions: 1.0}}]",
     ["event 2, set.sanctions", "sets parameters.sanctions to 1.0 in 2019Q1, where event 1 sets it to 0.0"]),
    ("[{at: 2019Q1, set: {sanctions: 0.2, parameters.sanctions: 0.9}}]",
     ["event 1, set.parameters.sanctions", "sets parameters.sanctions again (also as 'sanctions')"]),
    ("[{at: 2019Q1, set: {sanctions: 0.2, parameters.sanctions: 0.2}}]", ["sets parameters.sanctions again"]),
    ("[{at: 2020Q1, set: {potential.Seoul-Moscow: 0.5}}, {at: 2020Q1, set: {potential.Moscow-Seoul: 0.1}}]",
     ["event 2, set.potential.Moscow-Seoul", "where event 1 sets it to 0.5"]),  # one pair, two spellings
    ("[{at: 2020Q1, set: {interests.Seoul-Moscow: 0.5}}, {at: 2020Q1, set: {interests.Seoul->Moscow: 0.1}}]",
     ["event 2, set.interests.Seoul->Moscow", "sets interests.Seoul->Moscow to 0.1"]),  # both ways holds one way
    ("[{at: 2020Q1, set: {potential.Seoul-Moscow: 0.5, potential.Moscow-Seoul: 0.1}}]",
     ["sets potential.Moscow->Seoul again (also as 'potential.Seoul-Moscow')"]),
])
def test_events_that_contradict_each_other_are_refused(tmp_path, events, words):
    path = scenario(tmp_path, BASELINE.replace("events: []", f"events: {events}"))
    refused(cli("validate", path), f"{path}:", *words)


def test_events_that_agree_in_one_quarter_are_allowed(tmp_path):
    events = "[{at: 2019Q1, set: {sanctions: 0.5}}, {at: 2019Q1, set: {parameters.sanctions: 0.5, noise: 0.01}}]"
    assert load_scenario(scenario(tmp_path, BASELINE.replace("events: []", f"events: {events}"))).events[1].set


@pytest.mark.parametrize("text, where", [
    ("events: [{at: 2019Q1, set: {sanctions: .inf}}]", "event 1, set.sanctions: value inf"),
    ("sweep: {factors: {parameters.sanctions: [0.1, .nan]}}", "sweep.factors.parameters.sanctions"),
    ("landscape: {sizes: {Seoul: -.inf}}", "landscape.sizes.Seoul: value -inf"),
])
def test_a_number_that_is_not_finite_is_refused(tmp_path, text, where):
    path = scenario(tmp_path, BASELINE.replace("events: []", text))
    refused(cli("validate", path), where, "finite number")


def test_a_threshold_or_an_option_that_is_not_finite_is_refused(tmp_path):
    text = (SCENARIOS / "decide_2025.yaml").read_text().replace("at_least: 0.66,", "at_least: .nan,")
    path = scenario(tmp_path, text.replace("base: baseline_2025.yaml", f"base: {SCENARIOS / 'baseline_2025.yaml'}"))
    refused(cli("validate", path), "decision.objectives.alliance.at_least", "value nan", "finite number")
    refused(cli("run", SCENARIOS / "baseline_2018.yaml", "--set", "parameters.noise=.nan", "--out", tmp_path / "r"),
            "parameters.noise", "finite number")
    assert not (tmp_path / "r").exists()


def test_a_lever_spelt_otherwise_than_its_event_adds_no_second_event():
    """decide holds a lever's value in the file's own event of that quarter, however the path is spelt, not
    in a second event that would contradict it."""
    from sim.analysis.decision import PLACEHOLDER, problem_of

    s = load_scenario(SCENARIOS / "decide_2025.yaml")  # its event of 2025Q2 sets `sanctions`
    lever = s.decision.levers["joining"].model_copy(update={"path": "parameters.sanctions", "at": ["2025Q2", "2030Q1"]})
    s = s.model_copy(update={"decision": s.decision.model_copy(update={"levers": {"sanctions": lever}})})
    added = [e.at for e in problem_of(s).scenario.events if e.note.startswith(PLACEHOLDER)]
    assert added == ["2030Q1"]


def test_a_calibration_folder_without_a_manifest_reads_when_its_values_are_sound(tmp_path):
    """A folder whose calibration stopped before its manifest was written has no hash to check against."""
    from sim.outputs.posterior import read_posterior

    folder = edited_posterior(tmp_path, "as shipped")
    (folder / "manifest.json").unlink()
    assert read_posterior(folder).digest() == read_posterior(POSTERIOR).digest()
