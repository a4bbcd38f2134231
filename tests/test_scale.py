"""A million runs on a laptop: every analysis command on a 1,000,000-run batch stays under a
minute and 1.5 GB of resident memory (bench/results_scale.py prints the same, and how it grows)."""

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SCENARIOS

LIMIT_S, LIMIT_MB = 60, 1536
COMMANDS = {
    "load_results": ["-c", "import sim, sys; r = sim.load_results(sys.argv[1]); print(len(r.summary))"],
    "plot": ["-m", "sim", "plot"],
    "report": ["-m", "sim", "report"],
    "discover": ["-m", "sim", "discover"],
    "sensitivity": ["-m", "sim", "sensitivity"],
    "export": ["-m", "sim", "export"],
}


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """A Sobol design of 1,000,448 runs (1,024 points x 977 replicates), 88 quarters, default recording."""
    folder = tmp_path_factory.mktemp("scale")
    file = folder / "million.yaml"
    file.write_text(f"base: {SCENARIOS / 'baseline_2018.yaml'}\nname: million\n"
                    "sweep:\n  design: sobol\n  samples: 256\n  replicates: 977\n"
                    "  factors: {parameters.sanctions: {range: [0, 1]}, actors.Seoul.autonomy: {range: [0, 1]}}\n")
    subprocess.run([sys.executable, "-m", "sim", "batch", str(file), "--quiet", "--out", str(folder / "out")],
                   cwd=ROOT, check=True, timeout=1800)
    return folder / "out"


@pytest.mark.slow  # writes 5 GB of Parquet in about 3 minutes on 2 cores, then about 2 minutes of commands
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_reads_a_million_runs_within_a_minute_and_a_gigabyte_and_a_half(million, command):
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, *COMMANDS[command], str(million)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds, peak_mb = time.perf_counter() - t0, usage.ru_maxrss / 1024  # Linux reports KiB
    assert os.waitstatus_to_exitcode(status) == 0, child.stderr.read().decode()
    assert peak_mb < LIMIT_MB and seconds < LIMIT_S, f"{command}: {seconds:.1f} s, {peak_mb:.0f} MB"
