"""Shared helpers: shipped scenarios, many-seed runs on the vectorised engine, the CLI."""

from __future__ import annotations

import io
import signal
import subprocess
from contextlib import chdir, redirect_stderr, redirect_stdout
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.core.engine import Trajectory, replicates
from sim.core.outcomes import partnership
from sim.core.schedule import at_rest
from sim.scenario import Scenario, load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline_2018.yaml")


def runs(scenario: Scenario, overrides: dict | None = None, n: int = 200, seed: int = 11) -> tuple[Scenario, Trajectory]:
    """n seeded runs of a scenario with overrides (vectorised engine)."""
    s = with_overrides(at_rest(scenario), overrides or {})  # overrides depart from the rest state
    return s, replicates(s, n, seed)


def partnership_share(scenario: Scenario, overrides: dict | None = None, n: int = 200) -> float:
    s, traj = runs(scenario, overrides, n)
    p = s.partnership
    i, j = sorted(s.index(a) for a in p.pair)
    out = partnership(traj.A[:, :, [i, j]][:, :, :, [i, j]], traj.E[:, :, [i, j]][:, :, :, [i, j]],
                      p.threshold, p.cooperation, p.hold)
    return float(out.reached[:, 0].mean())


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `alliance-sim ARGS` in this process (as `python -m sim` does, without an interpreter's
    start-up each time) and capture its exit status and output."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), chdir(cwd or ROOT):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code
        finally:
            plt.close("all")
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def shown(folder: Path) -> list[str]:
    """The names in a folder as a listing shows them: hidden ones (the tool's ledger of what it wrote) left out."""
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))


def interruptible(command: list[str], **popen) -> subprocess.Popen:
    """Start a command that a test will interrupt with Ctrl-C (SIGINT).

    A shell that runs the suite in the background starts it with SIGINT ignored, and the child
    would inherit that: it gets Ctrl-C back."""
    return subprocess.Popen(command, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **popen)


def final(traj: Trajectory, s: Scenario, src: str, dst: str, part: str = "A") -> np.ndarray:
    """The final value of one directed entry, across runs."""
    return getattr(traj, part)[:, -1, s.index(src), s.index(dst)]
