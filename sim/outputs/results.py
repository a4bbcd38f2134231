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
from functools import cached_property
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from ..core.outcomes import focal_pair
from ..scenario import Scenario, validate
from .query import Table

LIBRARIES = ("alliance-sim", "mesa", "numpy", "pandas", "pyarrow", "duckdb", "matplotlib", "pydantic", "pyyaml")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def write_atomically(path: Path, write) -> None:
    """`write(temporary_path)`, then rename the file into place: a reader never finds it half-written."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def default_folder(scenario: Scenario, root: Path = Path("results")) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{scenario.name}-{stamp}"


def manifest(scenario: Scenario, engine: str, seeds, seconds: float, **details) -> dict:
    """What a results folder records of how it was made: one definition for runs and batches."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario": scenario.name,
        "scenario_sha256": scenario.digest(),
        "versions": versions(),
        "platform": platform.platform(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "engine": engine,
        **details,
        "seed": scenario.seed,
        "seeds": [int(s) for s in seeds],
        "wall_time_s": round(seconds, 3),
    }


def write_manifest(folder: Path, found: dict) -> None:
    (Path(folder) / "manifest.json").write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], scenario: Scenario, provenance: dict,
                 replace: bool = False) -> Path:
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
        write_manifest(staging, provenance)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


@dataclass
class Results:
    """A results folder opened: the resolved scenario, its manifest, and its tables.

    The small tables (design, summary) are read at once. Runs, trajectories and outcomes,
    which grow with the number of runs, are read whole the first time they are asked for;
    `table(name)` gives any of them as a query that reads only the rows and columns selected,
    which is how the commands read big folders.
    """

    path: Path
    scenario: Scenario
    manifest: dict
    design: pd.DataFrame | None = None  # batches: one row per design point
    summary: pd.DataFrame | None = None  # batches: outcomes per design point

    @cached_property
    def runs(self) -> pd.DataFrame:
        return read_table(self.path, "runs")

    @cached_property
    def trajectories(self) -> pd.DataFrame:
        return read_table(self.path, "trajectories")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        return read_table(self.path, "outcomes")

    def table(self, name: str) -> Table:
        """A table (runs, trajectories, outcomes, design, summary) as a query, read by the engine
        only when asked: `res.table("trajectories").where(point=17, pair="Seoul->Moscow").to_pandas()`."""
        return Table.of(self.path, name)

    def focal_outcomes(self) -> Table:
        """The outcomes of the partnership pair alone (one row per run), as a query."""
        a, b = focal_pair(self.scenario)
        return self.table("outcomes").where(pair=f"{a}->{b}")

    def trajectories_at(self, point: int) -> pd.DataFrame:
        """The trajectories of one design point's runs."""
        return self.table("trajectories").where(point=point).to_pandas()


def is_results(folder: Path) -> bool:
    return (Path(folder) / "manifest.json").is_file() and (Path(folder) / "scenario.yaml").is_file()


def load_results(path: str | Path) -> Results:
    """Open a results folder; its big tables are read when first used (`Results`)."""
    folder = Path(path)
    if not is_results(folder):
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json and scenario.yaml)")
    scenario = validate(yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")), str(folder / "scenario.yaml"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Results(folder, scenario, manifest, design=read_table(folder, "design"), summary=read_table(folder, "summary"))


def read_table(folder: Path, name: str, **options) -> pd.DataFrame | None:
    """A table of a results folder whole: one Parquet file, or a folder of parts (batches); None if absent."""
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        return None
    parts = sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]
    return pd.concat([pd.read_parquet(part, **options) for part in parts], ignore_index=True)


def latest(root: Path = Path("results")) -> Path | None:
    """The most recently written results folder under root, if any."""
    found = [p for p in Path(root).glob("*") if p.is_dir() and is_results(p)]
    return max(found, key=lambda p: (p / "manifest.json").stat().st_mtime, default=None)
