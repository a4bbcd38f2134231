"""Safe with any file and any fault: names cannot reach outside the chosen folder, memory is budgeted
before it is spent, damaged folders get clear errors, and faults leave no debris.

Each case ends in exit 2 (or runs correctly) with one message naming the file or option and what
to do, no traceback, and nothing touched outside the chosen folder."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.scenario import ScenarioError, load_scenario

from conftest import SCENARIOS, cli, shown

BASELINE = (SCENARIOS / "baseline_2018.yaml").read_text()


def scenario(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(result, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


# --- names become file names only when checked -------------------------------------------


@pytest.mark.parametrize("name, reason", [
    ("../../victim", "path separators"), ("/tmp/anywhere", "path separators"), ("bad\x00name", "control characters"),
    (".hidden", "does not start with a dot"), ("a:b", "reserved characters"),
])
def test_a_scenario_name_that_is_not_a_plain_file_name_is_refused(tmp_path, name, reason):
    path = scenario(tmp_path, BASELINE.replace("name: baseline_2018", f"name: {json.dumps(name)}"))
    for command in (["validate", path], ["run", path], ["batch", path]):
        refused(cli(*command, cwd=tmp_path), str(path), "name:", reason)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_an_actor_name_with_a_separator_is_refused(tmp_path):
    path = scenario(tmp_path, BASELINE.replace("Seoul", "Se/oul"))
    refused(cli("validate", path), "actors.Se/oul", "path separators")


def test_replace_replaces_only_a_folder_alliance_sim_wrote(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    result = cli("run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", victim,
                 "--replace")
    refused(result, str(victim), "not a results folder of alliance-sim")
    assert (victim / "precious.txt").read_text() == "keep me"
    sweep = SCENARIOS / "sanctions_autonomy_sweep.yaml"
    refused(cli("batch", sweep, "--set", "sweep.replicates=1", "--set", "steps=4", "--out", victim, "--replace"),
            "not a results folder of alliance-sim")
    assert (victim / "precious.txt").exists()


def test_replace_says_what_it_replaces(tmp_path):
    args = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "r"]
    assert cli(*args).returncode == 0
    again = cli(*args, "--replace")
    assert again.returncode == 0 and "replacing" in again.stderr and "baseline_2018" in again.stderr


# --- memory and size, budgeted before anything is allocated ------------------------------


@pytest.mark.parametrize("args, words", [
    (["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "1000000"], ["1,000,000 runs", "memory budget", "batch"]),
    (["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "1000", "--steps", "10000"], ["10,000 quarters"]),
    (["batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "steps=10000"], ["sweep.chunk", "memory budget"]),
    (["landscape", SCENARIOS / "baseline_2018.yaml", "--stances", "final", "--runs", "100000000"], ["100,000,000 runs"]),
    (["history", "--runs", "10000000"], ["10,000,000 runs"]),
    (["run", SCENARIOS / "baseline_2018.yaml", "--memory", "1M"], ["over the memory budget of 1.0 MiB (--memory)"]),
])
def test_a_job_over_the_memory_budget_is_refused_at_once(tmp_path, args, words):
    started = time.perf_counter()
    result = cli(*args, "--out", tmp_path / "out")
    refused(result, *words, "would hold about")
    assert time.perf_counter() - started < 30  # refused from its estimate, not after trying
    assert not (tmp_path / "out").exists()


def test_a_bad_memory_option_is_refused(tmp_path):
    refused(cli("run", SCENARIOS / "baseline_2018.yaml", "--memory", "lots", "--out", tmp_path / "o"),
            "memory 'lots'", "allowed: a size such as 4G")


def test_landscape_of_many_actors_without_stances_shows_the_most_stable_only(tmp_path):
    actors = "\n".join(f"  A{k}: {{power: 0.05}}" for k in range(16))
    path = scenario(tmp_path, f"name: many\nactors:\n{actors}\npartnership: {{pair: [A0, A1]}}\n")
    result = cli("landscape", path, "--out", tmp_path / "l")
    assert result.returncode == 0, result.stderr
    assert "32,768 stable configuration(s)" in result.stdout and "the 20 of lowest energy" in result.stdout
    assert len(result.stdout.splitlines()) < 30
    refused(cli("landscape", path, "--memory", "1M", "--out", tmp_path / "m"), "two-camp configurations", "fewer actors")


@pytest.mark.parametrize("option, words", [(["--runs", "0"], ["--runs 0", "1 or more"]),
                                           (["--map", "100000"], ["--map 100000", "2 to 101"]),
                                           (["--map", "0"], ["--map 0", "2 to 101"])])
def test_landscape_options_out_of_range_are_refused(tmp_path, option, words):
    refused(cli("landscape", SCENARIOS / "baseline_2018.yaml", *option, "--out", tmp_path / "l"), *words)


def test_only_regular_files_are_read_as_scenarios(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", fifo):
        refused(cli("validate", path), str(path), "not a regular file")
    based = scenario(tmp_path, "base: /dev/zero\nname: x\n")
    refused(cli("validate", based), "/dev/zero", "not a regular file")


# --- validation costs the same for each event ---------------------------------------------


def test_validation_does_not_revalidate_the_scenario_for_each_event(tmp_path, monkeypatch):
    """The number of whole-scenario validations does not grow with the number of events."""
    from sim.scenario import schema

    counts = {}
    real = schema.Scenario.model_validate.__func__
    for n in (10, 400):
        events = "\n".join(f"  - {{at: 2020Q{1 + k % 4}, set: {{sanctions: 0.{1 + k % 4}}}}}" for k in range(n))
        path = scenario(tmp_path, BASELINE.replace("events: []", "events:\n" + events), f"e{n}.yaml")
        calls = []
        monkeypatch.setattr(schema.Scenario, "model_validate",
                            classmethod(lambda cls, *a, **k: calls.append(1) or real(cls, *a, **k)))
        load_scenario(path)
        counts[n] = len(calls)
    assert counts[400] == counts[10], counts


def test_an_event_may_set_only_conditions(tmp_path):
    path = scenario(tmp_path, BASELINE.replace("events: []", "events: [{at: 2020Q1, set: {partnership.threshold: 0.5}}]"))
    with pytest.raises(ScenarioError, match="not a condition 'partnership.threshold'"):
        load_scenario(path)


def test_numbers_in_exponent_form_read_as_numbers(tmp_path):
    path = scenario(tmp_path, BASELINE.replace("noise: 0.03 ", "noise: 3e-2 "))
    assert load_scenario(path).parameters.noise == 0.03
    result = cli("run", SCENARIOS / "baseline_2018.yaml", "--set", "parameters.noise=1e-3", "--replicates", "2",
                 "--steps", "4", "--file-values", "--out", tmp_path / "r")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((tmp_path / "r" / "scenario.yaml").read_text())["parameters"]["noise"] == 0.001


# --- every reader checks what it reads ----------------------------------------------------


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("b") / "batch"
    result = cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=2",
                 "--set", "sweep.chunk=100", "--set", "steps=8", "--workers", "1", "--quiet", "--file-values", "--out", folder)
    assert result.returncode == 0, result.stderr
    return folder


def damaged(batch_folder: Path, tmp_path: Path, how: str) -> Path:
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(batch_folder, folder)
    match how:
        case "truncated part":
            part = sorted((folder / "outcomes.parquet").glob("part-*.parquet"))[0]
            part.write_bytes(part.read_bytes()[:100])
        case "empty summary":
            (folder / "summary.parquet").write_bytes(b"")
        case "malformed scenario":
            (folder / "scenario.yaml").write_text("name: [unclosed\n")
        case "edited scenario":
            text = (folder / "scenario.yaml").read_text()
            (folder / "scenario.yaml").write_text(text.replace("steps: 8", "steps: 40"))
    return folder


READERS = [["plot"], ["report"], ["export"], ["compare"], ["plot", "map"]]


@pytest.mark.parametrize("how, words", [("truncated part", ["part-", "is damaged"]),
                                        ("empty summary", ["summary.parquet", "is damaged"]),
                                        ("malformed scenario", ["scenario.yaml cannot be read"]),
                                        ("edited scenario", ["scenario.yaml was changed after the runs were made"])])
@pytest.mark.parametrize("reader", READERS)
def test_a_damaged_or_edited_folder_gets_a_message_and_nothing_half_written(batch_folder, tmp_path, how, words, reader):
    folder = damaged(batch_folder, tmp_path, how)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    command, *kind = reader
    extra = [folder, folder] if command == "compare" else [folder]
    refused(cli(command, *kind, *extra, *(["--out", tmp_path / "c"] if command == "compare" else [])), *words)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_folder_written_before_a_field_was_added_still_reads(batch_folder, tmp_path):
    """A field at its default changes no run: a scenario.yaml without it (an older version wrote none) passes
    the check, as does one written with every field and hashed so; an edited value does not."""
    import json
    import shutil

    import yaml

    from sim import load_results
    from sim.outputs.results import DamagedResults

    folder = tmp_path / "older"
    shutil.copytree(batch_folder, folder)
    data = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert data.pop("posterior") is None and data.pop("decision") is None  # fields added late, at their defaults
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data))
    assert load_results(folder).scenario.digest() == json.loads((folder / "manifest.json").read_text())["scenario_sha256"]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario_sha256"] = load_results(folder).scenario.digest(defaults=True)  # as folders were hashed before
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert load_results(folder).scenario.steps == 8
    with pytest.raises(DamagedResults, match="was changed after the runs"):
        load_results(damaged(folder, tmp_path / "x", "edited scenario"))


def test_load_results_names_the_damaged_file(batch_folder, tmp_path):
    from sim import load_results
    from sim.outputs.results import DamagedResults

    with pytest.raises(DamagedResults, match="part-.*is damaged"):
        load_results(damaged(batch_folder, tmp_path, "truncated part"))


def test_a_damaged_posterior_and_one_of_other_actors_are_refused(tmp_path):
    import shutil

    shipped = SCENARIOS / "posteriors" / "history_2005_2024"
    broken = tmp_path / "broken"
    shutil.copytree(shipped, broken)
    (broken / "posterior.parquet").write_bytes((broken / "posterior.parquet").read_bytes()[:200])
    run = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "r"]
    refused(cli(*run, "--posterior", broken), "--posterior", "cannot be read")
    other = SCENARIOS / "with_pyongyang.yaml"
    renamed = scenario(tmp_path, BASELINE.replace("Tokyo", "Nagoya"))
    refused(cli("run", renamed, "--replicates", "2", "--steps", "4", "--out", tmp_path / "o", "--posterior", shipped),
            "--posterior", "actors.Tokyo.sanction_sensitivity", "which 'baseline_2018' does not have")
    assert cli("run", other, "--replicates", "2", "--steps", "4", "--out", tmp_path / "p", "--posterior",
               shipped).returncode == 0  # more actors: the posterior's values all have a place
    assert not (tmp_path / "r").exists() and not (tmp_path / "o").exists()


def test_drawings_of_one_folder_are_the_same(tmp_path):
    """The paths figure's quantiles are streaming estimates: computed on one thread, they do not
    depend on how the work was split among threads (with 25 parts, they did), and the figure drawn
    again is the same to the byte."""
    folder = tmp_path / "b"
    assert cli("batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=20", "--set",
               "sweep.chunk=100", "--set", "steps=20", "--workers", "1", "--quiet", "--out", folder).returncode == 0
    drawn = set()
    for k in range(3):
        assert cli("plot", "paths", folder, "--out", tmp_path / f"p{k}").returncode == 0
        drawn.add((tmp_path / f"p{k}" / "paths.png").read_bytes())
    assert len(drawn) == 1


# --- faults ------------------------------------------------------------------------------


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "part.parquet")


@pytest.mark.parametrize("command", ["run", "batch", "export"])
def test_a_full_disk_gets_a_message_and_leaves_no_debris(batch_folder, tmp_path, monkeypatch, command):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    if command == "export":
        monkeypatch.setattr("sim.outputs.export.connect", lambda: (_ for _ in ()).throw(full_disk()))
        args = ["export", batch_folder, "--format", "csv", "--out", tmp_path / "out"]
    elif command == "run":
        args = ["run", SCENARIOS / "baseline_2018.yaml", "--replicates", "2", "--steps", "4", "--out", tmp_path / "out"]
    else:
        args = ["batch", SCENARIOS / "sanctions_autonomy_sweep.yaml", "--set", "sweep.replicates=1", "--set", "steps=4",
                "--workers", "1", "--out", tmp_path / "out"]
    refused(cli(*args), "the disk is full", "nothing half-written")
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial") and command != "batch"]


def test_two_exports_to_one_folder_both_complete(batch_folder, tmp_path):
    out = tmp_path / "export"
    command = [sys.executable, "-m", "sim", "export", str(batch_folder), "--trajectories", "--out", str(out), "--replace"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    assert shown(out) == ["outcomes.csv", "quantiles.csv", "runs.csv", "summary.csv", "trajectories.csv"]
    assert not list(tmp_path.glob(".*partial*"))
    assert len(pd.read_csv(out / "outcomes.csv")) == len(pd.read_parquet(batch_folder / "outcomes.parquet"))


def test_a_batch_replacing_a_folder_waits_for_a_reader_of_it(batch_folder, tmp_path):
    """A report reading the folder holds it: the replacing batch renames its new folder in only after."""
    import shutil

    from sim.outputs.results import folder_lock

    folder = tmp_path / "batch"
    shutil.copytree(batch_folder, folder)
    command = [sys.executable, "-m", "sim", "batch", str(SCENARIOS / "sanctions_autonomy_sweep.yaml"), "--set",
               "sweep.replicates=1", "--set", "steps=6", "--workers", "1", "--quiet", "--out", str(folder), "--replace"]
    with folder_lock(folder, shared=True):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(8)
        assert proc.poll() is None  # done computing, waiting for the reader
        assert yaml.safe_load((folder / "scenario.yaml").read_text())["steps"] == 8  # still the old folder
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert yaml.safe_load((folder / "scenario.yaml").read_text())["steps"] == 6


def descendants(pid: int) -> set[int]:
    """The processes started by `pid`, and theirs (from /proc)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_workers_end_with_a_batch_killed_outright(tmp_path):
    command = [sys.executable, "-m", "sim", "batch", str(SCENARIOS / "sanctions_autonomy_sweep.yaml"), "--set",
               "sweep.replicates=200", "--set", "sweep.chunk=500", "--workers", "2", "--out", str(tmp_path / "b")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers = set()
    deadline = time.time() + 120
    while len(workers) < 4 and time.time() < deadline:  # the forkserver, its two workers, the resource tracker
        workers = descendants(proc.pid)
        time.sleep(0.5)
    assert len(workers) >= 4, f"the workers did not start: {workers}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{p}").exists() and "zombie" not in
                                         Path(f"/proc/{p}/status").read_text(errors="ignore") for p in workers):
        time.sleep(0.5)
    alive = [p for p in workers if Path(f"/proc/{p}").exists() and "(zombie)" not in
             Path(f"/proc/{p}/status").read_text(errors="ignore")]
    assert alive == [], f"left behind: {alive}"


@pytest.mark.slow
def test_a_calibration_killed_outright_resumes_to_the_same_posterior(tmp_path):
    from sim.evidence.calibration import calibrate, generations

    from test_calibration import TRUTH_PRIORS, small

    path = small(tmp_path, TRUTH_PRIORS, population=40, generations=4)
    whole = calibrate(load_scenario(path), tmp_path / "whole", say=lambda m: None)
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "calibrate", str(path), "--out", str(out)],
                            stderr=subprocess.PIPE, text=True)
    while not (line := proc.stderr.readline()).startswith("generation 2/"):
        assert line or proc.poll() is None, "the calibration ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 2 <= int(generations(out)["generation"].iloc[-1]) < 4
    resumed = calibrate(load_scenario(path), out, resume=True, say=lambda m: None)
    pd.testing.assert_frame_equal(resumed, whole)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the page server")
def test_the_page_server_ends_with_the_command():
    pytest.importorskip("solara")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", "0", "--no-open"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server, deadline = set(), time.time() + 60
    while not server and time.time() < deadline:
        server = {p for p in descendants(proc.pid) if b"solara" in Path(f"/proc/{p}/cmdline").read_bytes()}
        time.sleep(0.5)
    assert server, "the page server did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{p}").exists() for p in server):
        time.sleep(0.5)
    assert not [p for p in server if Path(f"/proc/{p}").exists() and "(zombie)" not in
                Path(f"/proc/{p}/status").read_text(errors="ignore")]
