"""Batches: designs, exactness across engines and workers, resuming, progress, bad sweeps."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.batch.designs import design_points
from sim.batch.plan import Plan, compute_chunk
from sim.batch.run import run_batch
from sim.batch.store import staging_folder
from sim.core.outcomes import percent
from sim.outputs.results import load_results
from sim.scenario import ScenarioError, load_scenario, with_overrides

from conftest import ROOT, SCENARIOS, cli, interruptible

TABLES = ("runs", "design", "trajectories", "outcomes", "summary")


def small(design="grid", steps=24, replicates=3, chunk=5, **sweep):
    base = load_scenario(SCENARIOS / "sanctions_autonomy_sweep.yaml")
    factors = {"parameters.sanctions": [0.0, 0.9], "actors.Seoul.autonomy": {"range": [0.5, 1.0], "points": 3}}
    if design != "grid":
        factors = {"parameters.sanctions": {"range": [0, 1]}, "actors.Seoul.autonomy": {"range": [0.5, 1]},
                   "mechanisms.hedging": {"range": [0, 2]}}
    spec = {"design": design, "replicates": replicates, "chunk": chunk, "factors": factors,
            "record": {"pairs": ["Seoul-Moscow", "Seoul->Washington"], "every": 2}, **sweep}
    return with_overrides(base, {"steps": steps, "sweep": spec})


def tables(folder):
    res = load_results(folder)
    return {name: getattr(res, name) for name in TABLES}


def assert_same(a, b, exact=True):
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=exact, atol=0 if exact else 1e-9, rtol=0)


def test_grid_design_is_every_combination():
    design = design_points(small())
    assert len(design) == 6
    assert sorted(map(tuple, design.to_numpy())) == sorted((s, a) for s in (0.0, 0.9) for a in (0.5, 0.75, 1.0))


@pytest.mark.parametrize("design, size", [("lhs", 16), ("sobol", 16 * (3 + 2)), ("morris", 16 * (3 + 1))])
def test_sampled_designs_have_the_documented_size_and_stay_in_range(design, size):
    design_frame = design_points(small(design, samples=16))
    assert len(design_frame) == size
    assert design_frame["parameters.sanctions"].between(0, 1).all()
    assert design_frame["mechanisms.hedging"].between(0, 2).all()


def test_latin_hypercube_puts_one_point_in_each_stratum():
    design = design_points(small("lhs", samples=20))
    for column, (low, high) in [("parameters.sanctions", (0, 1)), ("mechanisms.hedging", (0, 2))]:
        strata = np.floor((design[column] - low) / (high - low) * 20).astype(int)
        assert sorted(strata) == list(range(20))


def test_engines_agree_run_for_run(tmp_path):
    scenario = small(replicates=2, chunk=4)
    run_batch(Plan.of(scenario, "vectorized"), tmp_path / "v")
    run_batch(Plan.of(scenario, "mesa"), tmp_path / "m")
    assert_same(tables(tmp_path / "v"), tables(tmp_path / "m"), exact=False)


def test_batch_runs_equal_single_runs_of_the_design_point(tmp_path):
    """A batch run is the run of its point's scenario with its seed: check one by hand."""
    scenario = small()
    run_batch(Plan.of(scenario), tmp_path / "b")
    res = load_results(tmp_path / "b")
    row = res.runs.iloc[10]
    from sim import AllianceModel

    model = AllianceModel(scenario.model_copy(update={"sweep": None}), rng=int(row["seed"]), file_values=True,
                          parameters__sanctions=row["parameters.sanctions"], actors__Seoul__autonomy=row["actors.Seoul.autonomy"])
    while model.running:
        model.step()
    mine = res.trajectories[res.trajectories["run_id"] == 10]
    assert set(mine["step"]) == set(range(0, scenario.steps + 1, 2))  # record every 2 steps
    assert set(zip(mine["source"], mine["target"])) == {("Seoul", "Moscow"), ("Moscow", "Seoul"), ("Seoul", "Washington")}
    src, dst = (mine[c].astype(str).map(scenario.index).to_numpy() for c in ("source", "target"))
    truth = model.trajectory()
    for column, part in (("alignment", truth.A), ("cooperation", truth.E), ("ties", truth.T)):
        np.testing.assert_allclose(mine[column], part[0, mine["step"].to_numpy(), src, dst], atol=1e-9, err_msg=column)


def test_the_written_tables_are_the_computed_ones_value_for_value(tmp_path):
    """What a batch writes, read back, is what its chunks computed: every value and type (the parts
    are encoded column by column, `store.encoding`)."""
    plan = Plan.of(small())
    run_batch(plan, tmp_path / "b")
    res = load_results(tmp_path / "b")
    computed = [compute_chunk(plan, runs) for runs in plan.chunks()]
    for name in ("trajectories", "outcomes"):
        expected = pd.concat([chunk[name] for chunk in computed], ignore_index=True)
        pd.testing.assert_frame_equal(getattr(res, name), expected, check_exact=True)


def test_workers_do_not_change_the_tables(tmp_path):
    scenario = small("lhs", samples=8, chunk=4)
    run_batch(Plan.of(scenario), tmp_path / "one", workers=1)
    run_batch(Plan.of(scenario), tmp_path / "two", workers=2)
    assert_same(tables(tmp_path / "one"), tables(tmp_path / "two"))


def test_summary_holds_share_interval_and_medians(tmp_path):
    run_batch(Plan.of(small(replicates=8)), tmp_path / "b")
    res = load_results(tmp_path / "b")
    s = res.summary
    assert len(s) == 6 and (s["runs"] == 8).all()
    assert ((s["share_low"] <= s["partnership_share"]) & (s["partnership_share"] <= s["share_high"])).all()
    focal = res.outcomes.query("source == 'Seoul' and target == 'Moscow'").merge(res.runs, on="run_id")
    np.testing.assert_allclose(focal.groupby("point")["partnership"].mean(), s["partnership_share"])


def _batch_command(folder, *extra):
    file = folder / "slow_batch.yaml"
    if not file.exists():
        file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: slow_batch\nsteps: 40\n"
                        "sweep:\n  design: grid\n  replicates: 10\n  chunk: 10\n"
                        "  factors: {parameters.sanctions: {range: [0, 1], points: 12}}\n")
    return [sys.executable, "-m", "sim", "batch", str(file), "--engine", "mesa", "--file-values", "--workers", "1",
            "--out", str(folder / "out"), *extra]


def _wait_for_chunks(folder, at_least, proc):
    parts = staging_folder(folder / "out") / "outcomes.parquet"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= at_least:
            return
        time.sleep(0.05)
    pytest.fail("the batch did not get far enough to be interrupted")


@pytest.mark.slow  # three batch processes per signal: about 30 s in all; CI runs it
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_batch_resumes_to_identical_tables(tmp_path, how):
    reference = tmp_path / "ref"
    reference.mkdir()
    assert subprocess.run(_batch_command(reference, "--quiet"), cwd=ROOT).returncode == 0

    proc = interruptible(_batch_command(tmp_path, "--quiet"), cwd=ROOT, stderr=subprocess.PIPE, text=True)
    _wait_for_chunks(tmp_path, 2, proc)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    staging = staging_folder(tmp_path / "out")
    kept = len(list((staging / "outcomes.parquet").glob("part-*.parquet")))
    assert 2 <= kept < 12 and not (tmp_path / "out").exists()
    if how == signal.SIGINT:
        assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err

    refused = subprocess.run(_batch_command(tmp_path), cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = subprocess.run(_batch_command(tmp_path, "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept * 10:,} of 120 runs already done" in resumed.stderr
    assert_same(tables(reference / "out"), tables(tmp_path / "out"))


@pytest.mark.slow  # two batch processes at once: about 11 s
def test_a_second_batch_on_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    proc = subprocess.Popen(_batch_command(tmp_path, "--quiet"), cwd=ROOT)
    try:
        _wait_for_chunks(tmp_path, 1, proc)
        proc.send_signal(signal.SIGSTOP)  # paused, not finished: still the running batch that owns the folder
        for extra in ([], ["--resume"], ["--replace"]):
            second = subprocess.run(_batch_command(tmp_path, *extra), cwd=ROOT, capture_output=True, text=True)
            assert second.returncode == 2 and "Traceback" not in second.stderr and "Errno" not in second.stderr
            assert f"another batch (process {proc.pid}" in second.stderr and "wait for it to finish" in second.stderr
    finally:
        proc.kill()
        proc.wait()
    assert staging_folder(tmp_path / "out").exists()  # the first batch's chunks were not touched


def test_resume_refuses_a_changed_scenario(tmp_path):
    proc = subprocess.Popen(_batch_command(tmp_path, "--quiet"), cwd=ROOT)
    _wait_for_chunks(tmp_path, 1, proc)
    proc.kill()
    proc.wait()
    result = subprocess.run(_batch_command(tmp_path, "--resume", "--set", "parameters.noise=0.05"), cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "changed" in result.stderr and "scenario_sha256" in result.stderr


def test_progress_lines_when_not_a_terminal_and_silence_when_quiet(tmp_path):
    file = SCENARIOS / "sanctions_autonomy_sweep.yaml"
    loud = cli("batch", file, "--replicates", "2", "--out", tmp_path / "a")
    assert loud.returncode == 0 and "runs/s" in loud.stderr and "s left" in loud.stderr
    assert loud.stderr.find("assembling the results") > loud.stderr.rfind("runs/s")  # said after the runs, before the end
    quiet = cli("batch", file, "--replicates", "2", "--out", tmp_path / "b", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout.strip() == str(tmp_path / "b")


def test_the_batch_ends_with_where_partnership_is_likeliest(tmp_path):
    loud = cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--replicates", "4", "--out", tmp_path / "a")
    summary = pd.read_parquet(tmp_path / "a" / "summary.parquet")
    share = summary["partnership_share"]
    best = summary[share == share.max()].iloc[0]
    last = loud.stderr.strip().splitlines()[-1]
    assert f"reached in {percent(share.min())} to {percent(share.max())} of a design point's runs" in last, last
    assert f"parameters.sanctions={best['parameters.sanctions']:.3g}, actors.Seoul.autonomy={best['actors.Seoul.autonomy']:.3g}" in last
    reached = round(best["partnership_share"] * best["runs"])
    assert f"{reached} of {int(best['runs'])} runs" in last
    assert f"95% interval {percent(best['share_low'])}–{percent(best['share_high'])}" in last


@pytest.mark.parametrize("sweep, words", [
    ({"design": "lhs", "factors": {"parameters.sanctions": [0, 1]}}, ["sweep.factors.parameters.sanctions", "allowed: {range"]),
    ({"factors": {"parameters.sanctionz": [0, 1]}}, ["sweep.factors.parameters.sanctionz", "unknown field"]),
    ({"factors": {"parameters.sanctions": {"range": [0, 1]}}}, ["needs `points`"]),
    ({"factors": {"parameters.sanctions": [0, 2]}}, ["value 2", "less than or equal to 1"]),
    ({"factors": {"parameters.sanctioner": [0, 1]}}, ["sweep.factors.parameters.sanctioner"]),
    ({"design": "latin", "factors": {"parameters.sanctions": [0, 1]}}, ["sweep.design", "'latin'"]),
])
def test_bad_sweeps_are_refused_clearly(tmp_path, sweep, words):
    import yaml

    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump({"base": str(SCENARIOS / "baseline_2018.yaml"), "sweep": sweep}))
    result = cli("batch", file, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert all(w in result.stderr for w in words), result.stderr
    assert not (tmp_path / "out").exists() and not staging_folder(tmp_path / "out").exists()


def test_batch_without_a_sweep_is_refused(tmp_path):
    result = cli("batch", SCENARIOS / "baseline_2018.yaml", "--out", tmp_path / "out")
    assert result.returncode == 2 and "sweep" in result.stderr


def test_plots_of_a_batch(tmp_path):
    run_batch(Plan.of(small()), tmp_path / "b")
    result = cli("plot", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "b" / "plots").iterdir()}
    assert {"map.png", "paths.png"} <= names and any(n.startswith("trajectories_Seoul_point") for n in names)
    picked = cli("plot", "trajectories", tmp_path / "b", "--where", "parameters.sanctions=0.9", "--where",
                 "actors.Seoul.autonomy=1")
    assert picked.returncode == 0 and "point5" in picked.stdout
    bad = cli("plot", "map", tmp_path / "b", "--x", "parameters.noise")
    assert bad.returncode == 2 and "allowed:" in bad.stderr
    network = cli("plot", "network", tmp_path / "b", "--point", "5")
    assert network.returncode == 0 and network.stdout.strip().endswith("_point5.png")


def test_factor_labels_name_the_map_axes_and_listed_values_make_a_grid(tmp_path):
    from sim.outputs.figures import map_figure

    s = with_overrides(small(), {"sweep.factors": {
        "parameters.sanctions": {"values": [0.0, 0.5, 0.9], "label": "sanctions, as the analyst says it"},
        "actors.Seoul.autonomy": {"range": [0.5, 1.0], "points": 3, "label": "Seoul's room"}}})
    plan = Plan.of(s)
    assert sorted(set(plan.design["parameters.sanctions"])) == [0.0, 0.5, 0.9]
    run_batch(plan, tmp_path / "b")
    res = load_results(tmp_path / "b")
    ax = map_figure(res.summary, res.scenario, "parameters.sanctions", "actors.Seoul.autonomy").axes[0]
    assert ax.get_xlabel() == "sanctions, as the analyst says it" and ax.get_ylabel() == "Seoul's room"


@pytest.mark.parametrize("spec, words", [
    ({"range": [0, 1], "values": [0, 1]}, ["give `range: [low, high]` or `values: [...]`"]),
    ({"label": "x"}, ["give `range: [low, high]` or `values: [...]`"]),
])
def test_a_factor_needs_a_range_or_values(spec, words):
    with pytest.raises(ScenarioError) as err:
        with_overrides(small(), {"sweep.factors": {"parameters.sanctions": spec}})
    assert all(w in str(err.value) for w in words), str(err.value)


def test_the_network_of_a_batch_draws_one_point_and_only_recorded_pairs(tmp_path):
    from matplotlib.patches import FancyArrowPatch

    from sim.outputs.figures import network_figure

    run_batch(Plan.of(small()), tmp_path / "b")
    res = load_results(tmp_path / "b")
    runs = res.runs.loc[res.runs["point"] == 5, "run_id"]
    fig = network_figure(res.trajectories[res.trajectories["run_id"].isin(runs)], res.scenario, note="design point 5: x")
    recorded = res.trajectories.groupby(["source", "target"], observed=True).ngroups
    assert sum(isinstance(p, FancyArrowPatch) for p in fig.axes[0].patches) == recorded < 20
    assert "design point 5: x" in fig.axes[0].get_title()
    assert "median of 3 runs" in fig.axes[0].get_title()  # one point's replicates, not every point's
    footnote = " ".join(t.get_text() for t in fig.texts)
    assert "Not recorded" in footnote and "Seoul→Tokyo" in footnote


@pytest.mark.slow
def test_a_hundred_thousand_runs_stay_under_two_gigabytes(tmp_path):
    file = tmp_path / "big.yaml"
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: big\n"
                    "sweep:\n  design: lhs\n  samples: 2000\n  replicates: 50\n"
                    "  factors: {parameters.sanctions: {range: [0, 1]}, actors.Seoul.autonomy: {range: [0, 1]}}\n"
                    "  record: {pairs: [Seoul-Moscow, Seoul-Washington, Moscow-Beijing], every: 1}\n")
    code = ("import resource, subprocess, sys; "
            f"r = subprocess.run([sys.executable, '-m', 'sim', 'batch', {str(file)!r}, '--quiet', '--workers', '1', "
            f"'--out', {str(tmp_path / 'out')!r}]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert result.returncode == 0, result.stderr
    peak_mb = int(result.stdout.split()[-1]) / 1024  # the batch process (Linux reports KiB); one worker: all of it
    assert peak_mb < 2048, f"peak resident memory {peak_mb:.0f} MB"
    res_runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(res_runs) == 100_000
    assert os.path.isdir(tmp_path / "out" / "outcomes.parquet")


@pytest.mark.parametrize("record, skipped", [([], False), (["Moscow-Beijing"], True)])
def test_the_default_plot_draws_what_was_recorded_and_names_what_it_skipped(tmp_path, capsys, record, skipped):
    from sim.cli import main

    s = small(record={"pairs": record, "every": 1})
    run_batch(Plan.of(s), tmp_path / "b")
    assert main(["plot", str(tmp_path / "b")]) == 0
    drawn = {p.name for p in (tmp_path / "b" / "plots").iterdir()}
    err = capsys.readouterr().err
    assert ("paths.png" not in drawn) == skipped and "map.png" in drawn
    if skipped:
        assert "skipped the paths figure" in err and "Seoul->Washington" in err and "sweep.record.pairs" in err
        assert main(["plot", "paths", str(tmp_path / "b")]) == 2  # asked for by name: an error
