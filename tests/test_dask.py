"""Batches on Dask: same tables as the local executor, through lost workers and a lost client."""

import os
import signal
import subprocess
import sys
import threading
import time

import distributed  # noqa: E402  (the "distributed" extra is part of the dev set-up)
import pandas as pd
import pytest
from test_batch import assert_same, tables

from sim.batch.plan import Plan
from sim.batch.run import run_batch
from sim.batch.store import staging_folder
from sim.outputs.results import load_results

from conftest import ROOT, SCENARIOS

SLOW_FILE = """base: {base}
name: dask_batch
steps: 40
sweep:
  design: grid
  replicates: 10
  chunk: 10
  factors: {{parameters.sanctions: {{range: [0, 1], points: 12}}}}
"""


@pytest.fixture
def scenario_file(tmp_path):
    file = tmp_path / "dask_batch.yaml"
    file.write_text(SLOW_FILE.format(base=SCENARIOS / "baseline_2018.yaml"))
    return file


@pytest.fixture
def reference(tmp_path, scenario_file):
    from sim.scenario import load_scenario

    out = tmp_path / "reference"
    run_batch(Plan.of(load_scenario(scenario_file), "mesa"), out)
    return tables(out)


@pytest.fixture
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as local:
        yield local


def test_a_local_cluster_gives_the_local_executors_tables(tmp_path, scenario_file, reference):
    from sim.scenario import load_scenario

    run_batch(Plan.of(load_scenario(scenario_file), "mesa"), tmp_path / "dask", workers=2, executor="dask",
              say=lambda _: None)
    assert_same(reference, tables(tmp_path / "dask"))
    assert '"executor": "dask"' in (tmp_path / "dask" / "manifest.json").read_text()
    local, dask = (load_results(tmp_path / f).table("trajectories").where(point=5) for f in ("reference", "dask"))
    pd.testing.assert_frame_equal(local.to_pandas(), dask.to_pandas())  # the cluster's folder opens the same way


def test_a_killed_worker_costs_only_its_chunks(tmp_path, scenario_file, reference, cluster):
    from sim.scenario import load_scenario

    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
    out = tmp_path / "dask"
    failure = []
    batch = threading.Thread(target=lambda: _catch(failure, run_batch, Plan.of(load_scenario(scenario_file), "mesa"),
                                                   out, scheduler=cluster.scheduler_address, executor="dask",
                                                   say=lambda _: None))
    batch.start()
    parts = staging_folder(out) / "outcomes.parquet"
    deadline = time.time() + 120
    while time.time() < deadline and not (parts.exists() and len(list(parts.glob("part-*"))) >= 2):
        time.sleep(0.05)
    assert len(list(parts.glob("part-*"))) < 12, "the batch ended before a worker could be killed"
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    batch.join(timeout=300)
    assert not failure, failure
    assert_same(reference, tables(out))


def _catch(failures, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except BaseException as exc:  # reported by the test's thread
        failures.append(exc)


@pytest.mark.slow  # a client process killed and resumed: about 20 s; CI runs it
def test_a_killed_client_is_covered_by_resume(tmp_path, scenario_file, reference):
    out = tmp_path / "dask"
    command = [sys.executable, "-m", "sim", "batch", str(scenario_file), "--file-values", "--engine", "mesa", "--executor", "dask",
               "--workers", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    parts = staging_folder(out) / "outcomes.parquet"
    deadline = time.time() + 120
    while time.time() < deadline and not (parts.exists() and len(list(parts.glob("part-*"))) >= 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the client and the cluster it started
    proc.wait()
    kept = len(list(parts.glob("part-*")))
    assert 2 <= kept < 12 and not out.exists()
    resumed = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_same(reference, tables(out))


def test_a_missing_dask_says_which_extra_to_install(tmp_path, scenario_file, monkeypatch):
    from sim import extras

    real = extras.importlib.import_module
    monkeypatch.setattr(extras.importlib, "import_module",
                        lambda name: (_ for _ in ()).throw(ImportError(name)) if name == "distributed" else real(name))
    from sim.scenario import load_scenario

    with pytest.raises(extras.MissingExtra, match=r"alliance-sim\[distributed\]"):
        run_batch(Plan.of(load_scenario(scenario_file)), tmp_path / "x", executor="dask", say=lambda _: None)


@pytest.mark.slow  # a one-generation calibration on a local cluster: about 10 s; CI runs it
def test_a_calibration_on_a_cluster_gives_its_posterior_and_lets_its_client_go(tmp_path, cluster):
    from sim.evidence.calibration import calibrate
    from sim.scenario import load_scenario

    from test_calibration import TRUTH_PRIORS, small

    s = load_scenario(small(tmp_path, TRUTH_PRIORS, population=30, generations=1))
    table = calibrate(s, tmp_path / "c", scheduler=cluster.scheduler_address, say=lambda _: None)
    here = calibrate(s, tmp_path / "here", say=lambda _: None)
    pd.testing.assert_frame_equal(table, here)  # the same numbers on a cluster as on one process
    with pytest.raises(ValueError, match="No clients found"):
        distributed.default_client()  # closed with the calibration: none left to reconnect once the cluster goes
