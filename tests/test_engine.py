"""The compiled engine: the same numbers uncompiled, and for a run in any block of runs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sim.core import compiled, engine
from sim.core.schedule import at_rest, schedule
from sim.scenario import load_scenario

from conftest import SCENARIOS

SCRIPT = """
import json, sys
from sim.core import engine
from sim.core.schedule import at_rest, schedule
from sim.scenario import load_scenario
s = at_rest(load_scenario(sys.argv[1]))
t = engine.replicates(s, 3, 5, 12)
print(json.dumps([x.tolist() for x in t]))
"""


def history(runs: int, steps: int, seed: int = 5):
    s = at_rest(load_scenario(SCENARIOS / "history_2005_2024.yaml"))
    return engine.replicates(s, runs, seed, steps)


def test_uncompiled_theory_gives_the_compiled_numbers_and_says_so():
    """The same functions run as plain Python where numba is missing (here: asked for)."""
    env = {**os.environ, compiled.UNCOMPILED_VARIABLE: "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(SCENARIOS / "history_2005_2024.yaml")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "uncompiled" in done.stderr and "pip install numba" in done.stderr
    plain = [np.array(x) for x in json.loads(done.stdout)]
    for a, b in zip(plain, history(3, 12)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


def test_a_run_is_the_same_in_any_block_of_runs():
    whole = history(40, 30)
    alone = history(1, 30, seed=5)
    for a, b in zip(whole, alone):
        np.testing.assert_array_equal(a[:1], b)


def test_seeds_must_match_the_runs():
    s = at_rest(load_scenario(SCENARIOS / "baseline_2018.yaml"))
    with pytest.raises(ValueError, match="3 seeds for 4 runs"):
        engine.simulate(engine.broadcast(schedule(s), 4), engine.run_seeds(1, 3), 5)


@pytest.mark.parametrize("name", ["baseline_2018", "history_2005_2024", "sanctions_escalation", "with_pyongyang"])
def test_the_benchmarks_numpy_engine_is_still_the_same_theory(name):
    """bench/numpy_engine.py, the benchmark's baseline, is a second copy of the theory: it must compute
    the compiled engine's numbers, or the benchmark compares unlike work."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("numpy_engine", SCENARIOS.parent / "bench" / "numpy_engine.py")
    numpy_engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(numpy_engine)
    s = at_rest(load_scenario(SCENARIOS / f"{name}.yaml"))
    sc, seeds = engine.broadcast(schedule(s), 16), engine.run_seeds(7, 16)
    for ours, theirs in zip(engine.simulate(sc, seeds, s.steps), numpy_engine.simulate(sc, seeds, s.steps)):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
