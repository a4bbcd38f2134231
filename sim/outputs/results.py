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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from ..core.outcomes import focal_pair
from ..scenario import Scenario, validate

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

    The small tables (design, summary) are read at once; runs, trajectories and outcomes,
    which grow with the number of runs, are read from disk the first time they are asked
    for, so a command that needs only the summary (a map) never reads them.
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

    def at_point(self, table: pd.DataFrame, point: int) -> pd.DataFrame:
        """The rows of `table` (trajectories, outcomes) that belong to the runs of one design point."""
        return table[table["run_id"].isin(self.runs.loc[self.runs["point"] == point, "run_id"])]

    def focal_outcomes(self) -> pd.DataFrame:
        """The outcomes of the partnership pair alone (one row per run), read alone."""
        a, b = focal_pair(self.scenario)
        return read_table(self.path, "outcomes", filters=[("source", "==", a), ("target", "==", b)])

    def trajectories_of(self, pairs: list[tuple[str, str]]) -> pd.DataFrame:
        """The trajectories of some directed pairs (source, target), read alone."""
        return read_table(self.path, "trajectories", filters=[[("source", "==", a), ("target", "==", b)] for a, b in pairs])

    def trajectories_at(self, point: int) -> pd.DataFrame:
        """The trajectories of one design point's runs, read alone (run ids are point-major)."""
        replicates = int(self.manifest["replicates"])
        first = point * replicates
        return read_table(self.path, "trajectories", filters=[("run_id", ">=", first), ("run_id", "<", first + replicates)])


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
    """A table of a results folder: one Parquet file, or a folder of parts (batches); None if absent."""
    if not (Path(folder) / f"{name}.parquet").exists():
        return None
    return pd.concat(list(table_parts(folder, name, **options)), ignore_index=True)


def table_parts(folder: Path, name: str, **options) -> Iterator[pd.DataFrame]:
    """A table's parts, one at a time, in run order (a plain run's table is one part)."""
    path = Path(folder) / f"{name}.parquet"
    for part in sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]:
        yield pd.read_parquet(part, **options)


def latest(root: Path = Path("results")) -> Path | None:
    """The most recently written results folder under root, if any."""
    found = [p for p in Path(root).glob("*") if p.is_dir() and is_results(p)]
    return max(found, key=lambda p: (p / "manifest.json").stat().st_mtime, default=None)
