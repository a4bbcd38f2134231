"""Results folders: the resolved scenario, a manifest and tidy Parquet tables.

A folder holds `scenario.yaml`, `manifest.json`, `runs.parquet`, `trajectories.parquet`
and `outcomes.parquet`. It is written under a temporary name and renamed into place
when complete, so a folder that exists is never half-written.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .calendar import step_dates
from .engine import Trajectory
from .metrics import Outcomes, pairs
from .scenario import Scenario, validate

LIBRARIES = ("alliance-sim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pydantic", "pyyaml")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def default_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario.name}-{stamp}"


def trajectory_table(traj: Trajectory, scenario: Scenario, run_ids: np.ndarray) -> pd.DataFrame:
    """Long table: one row per run, step and directed pair."""
    runs, steps1, n, _ = traj.A.shape
    src, dst = np.nonzero(~np.eye(n, dtype=bool))
    names = np.array(scenario.names)
    dates = np.array(step_dates(scenario.start, steps1 - 1))
    shape = (runs, steps1, len(src))
    run_col = np.broadcast_to(run_ids[:, None, None], shape).ravel()
    step_col = np.broadcast_to(np.arange(steps1)[None, :, None], shape).ravel()
    pair_col = np.broadcast_to(np.arange(len(src))[None, None, :], shape).ravel()
    return pd.DataFrame(
        {
            "run_id": run_col,
            "step": step_col,
            "date": pd.Categorical(dates[step_col], categories=dates),
            "source": pd.Categorical(names[src][pair_col], categories=names),
            "target": pd.Categorical(names[dst][pair_col], categories=names),
            "alignment": traj.A[:, :, src, dst].ravel(),
            "cooperation": traj.E[:, :, src, dst].ravel(),
            "ties": traj.T[:, :, src, dst].ravel(),
        }
    )


def outcome_table(out: Outcomes, scenario: Scenario, run_ids: np.ndarray) -> pd.DataFrame:
    """One row per run and unordered pair."""
    i, j = pairs(len(scenario.names))
    names = np.array(scenario.names)
    dates = np.array(step_dates(scenario.start, scenario.steps) + [None], dtype=object)
    runs = len(run_ids)
    first = out.first_step.ravel()
    return pd.DataFrame(
        {
            "run_id": np.repeat(run_ids, len(i)),
            "source": pd.Categorical(np.tile(names[i], runs), categories=names),
            "target": pd.Categorical(np.tile(names[j], runs), categories=names),
            "partnership": out.reached.ravel(),
            "first_step": pd.Series(first).where(first >= 0).astype("Int64"),
            "first_date": dates[first],  # index -1 is the None past the last date
            "steps_held": out.steps_held.ravel(),
        }
    )


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], scenario: Scenario, manifest: dict, replace: bool = False) -> Path:
    """Write everything under a temporary name, then move it into place in one rename."""
    folder = Path(folder)
    if folder.exists() and not replace:
        raise FileExistsError(f"{folder} exists; choose another --out or pass --replace")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        (staging / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
        for name, table in tables.items():
            table.to_parquet(staging / f"{name}.parquet", index=False)
        manifest = {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "scenario": scenario.name,
            "scenario_sha256": scenario.digest(),
            "versions": versions(),
            "platform": platform.platform(),
            "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
            **manifest,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


@dataclass
class Results:
    """A results folder loaded: the resolved scenario, its manifest and its tables."""

    path: Path
    scenario: Scenario
    manifest: dict
    runs: pd.DataFrame
    trajectories: pd.DataFrame
    outcomes: pd.DataFrame


def is_results(folder: Path) -> bool:
    return (Path(folder) / "manifest.json").is_file() and (Path(folder) / "scenario.yaml").is_file()


def load_results(path: str | Path) -> Results:
    folder = Path(path)
    if not is_results(folder):
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json and scenario.yaml)")
    scenario = validate(yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")), str(folder / "scenario.yaml"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in ("runs", "trajectories", "outcomes")}
    return Results(folder, scenario, manifest, **tables)


def latest(root: Path = Path("results")) -> Path | None:
    """The most recently written results folder under root, if any."""
    found = [p for p in Path(root).glob("*") if p.is_dir() and is_results(p)]
    return max(found, key=lambda p: (p / "manifest.json").stat().st_mtime, default=None)
