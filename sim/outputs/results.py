"""Results folders: the resolved scenario, a manifest and tidy Parquet tables.

A folder holds `scenario.yaml`, `manifest.json`, `runs.parquet`, `trajectories.parquet`
and `outcomes.parquet`. It is written under a temporary name and renamed into place
when complete, so a folder that exists is never half-written.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..core.outcomes import focal_pair
from ..scenario import Scenario, validate
from ..scenario.loading import LOADER
from ..scenario.paths import file_name_problem
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


@contextmanager
def whole(path: Path):
    """A temporary file beside `path`, renamed to it once the block has written it: a reader never
    finds the file half-written, a failure leaves nothing behind, and two writers never share a
    temporary name."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def folder_lock(folder: Path, shared: bool = False):
    """Hold a results folder against replacement: readers that write into it (plots, exports, the
    report) share the lock; a writer that replaces the folder waits for them, and they for it. The
    lock is the folder's manifest (a folder with none has no readers), so it leaves no file behind."""
    manifest_path = Path(folder) / "manifest.json"
    try:
        import fcntl
        handle = open(manifest_path, "rb")
    except (ImportError, OSError):  # not POSIX, or nothing there yet: nothing to hold
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield


def write_table(table: pd.DataFrame, path: Path) -> None:
    """A parquet table written `whole`."""
    with whole(path) as partial:
        table.to_parquet(partial, index=False)


@contextmanager
def beside(folder: Path):
    """A new temporary folder beside `folder` (the same file system, so that a rename moves it in
    one step), removed after the block unless the block has moved it away."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        yield partial
    finally:
        shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def staged(folder: Path):
    """A temporary folder to write a set of files into; once the block ends, each is moved into
    `folder` (made if missing), or, after a failure, the lot removed: a reader never finds the set
    half-written."""
    with beside(folder) as partial:
        yield partial
        Path(folder).mkdir(exist_ok=True)
        for path in sorted(partial.iterdir()):
            os.replace(path, Path(folder) / path.name)


def default_folder(scenario: Scenario, suffix: str | None = None, root: Path = Path("results")) -> Path:
    """results/NAME-SUFFIX (default suffix: the time): a folder named after a scenario, whose name the
    scenario's validation has checked to be a plain file name (`file_name_problem`)."""
    suffix = datetime.now().strftime("%Y%m%d-%H%M%S") if suffix is None else suffix
    name = f"{scenario.name}-{suffix}" if suffix else scenario.name
    if file_name_problem(name):  # a scenario not validated by the loader
        raise ValueError(f"{name!r} cannot name a results folder: allowed: {file_name_problem(name)}")
    return root / name


def replacing(folder: Path) -> str | None:
    """What `--replace` would replace at `folder` (None: nothing there), or FileExistsError if the
    project did not write it: only a folder holding its manifest is replaced."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return None
    found = None
    if folder.is_dir() and not folder.is_symlink() and (folder / "manifest.json").is_file():
        try:
            found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            found = None
    if not isinstance(found, dict) or "scenario" not in found:
        raise FileExistsError(f"{folder} exists and is not a results folder of alliance-sim (no readable manifest.json); "
                              "--replace only replaces those: choose another --out, or move it away yourself")
    return f"{folder} (results of '{found['scenario']}', written {found.get('created', 'at an unknown time')})"


def provenance(scenario: Scenario) -> dict:
    """What every folder the tool writes records of how it was made: when, by which command and
    versions, from which scenario."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario": scenario.name,
        "scenario_sha256": scenario.digest(),
        "versions": versions(),
        "platform": platform.platform(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }


def manifest(scenario: Scenario, engine: str, seeds, seconds: float, **details) -> dict:
    """What a results folder records of how it was made: one definition for runs and batches."""
    return {
        **provenance(scenario),
        "engine": engine,
        "parameters": parameters_used(details.get("posterior"), details.get("posterior_sets")),
        **details,
        "seed": scenario.seed,
        "seeds": [int(s) for s in seeds],
        "wall_time_s": round(seconds, 3),
    }


HAND_SET = "the scenario file's hand-set values (not calibrated; --posterior draws them from a calibration)"


def parameters_used(posterior: str | Path | None, sets: int | None = None) -> str:
    """Which parameters runs used, in words: a calibration's posterior (of `sets` sets), or the file's own values."""
    if posterior is None:
        return HAND_SET
    return f"each run's own set, drawn from the posterior in {posterior}" + (f" ({sets:,} sets)" if sets else "")


def parameters_note(manifest: dict) -> str:
    """Which parameters a folder's runs used, short enough for a figure's subtitle."""
    source = manifest.get("posterior")
    if source is None:
        return "parameters: the file's hand-set values (not calibrated)"
    sets = manifest.get("posterior_sets")
    return f"parameters: posterior '{Path(source).name}'" + (f" ({sets:,} sets, one drawn for each run)" if sets else "")


def write_manifest(folder: Path, found: dict) -> None:
    with whole(Path(folder) / "manifest.json") as path:
        path.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], scenario: Scenario, made: dict,
                 replace: bool = False) -> Path:
    """Write everything under a temporary name, then move it into place in one rename."""
    folder = Path(folder)
    if folder.exists() and not replace:
        raise FileExistsError(f"{folder} exists; choose another --out or pass --replace")
    if replace:
        replacing(folder)
    with beside(folder) as staging:
        (staging / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
        for name, table in tables.items():
            table.to_parquet(staging / f"{name}.parquet", index=False)
        write_manifest(staging, made)
        with folder_lock(folder):
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)
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
        """One row per run: its id, design point, replicate, seed (and factor values, drawn parameters)."""
        return read_table(self.path, "runs")

    @cached_property
    def trajectories(self) -> pd.DataFrame:
        """One row per run, recorded step and directed pair: stance, cooperation, ties (read whole: big)."""
        return read_table(self.path, "trajectories")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per run and directed pair: partnership reached, when, and the final values."""
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


class DamagedResults(Exception):
    """A results folder whose files are unreadable, or changed since they were written."""


def is_results(folder: Path) -> bool:
    return (Path(folder) / "manifest.json").is_file() and (Path(folder) / "scenario.yaml").is_file()


def load_results(path: str | Path) -> Results:
    """Open a results folder, checking what it holds: the manifest, the scenario against the
    manifest's hash, and every Parquet file's footer (a truncated or emptied file has none). Its
    big tables are read when first used (`Results`)."""
    folder = Path(path)
    if not is_results(folder):
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json and scenario.yaml)")
    rerun = "rerun the command that wrote it into a new folder"
    manifest = _read_file(folder / "manifest.json", json.loads, rerun)
    scenario = folder_scenario(folder, rerun)
    if manifest.get("scenario_sha256") not in (None, scenario.digest(), scenario.digest(defaults=True)):
        raise DamagedResults(f"{folder / 'scenario.yaml'} was changed after the runs were made (its hash differs from "
                             f"manifest.json's), so it no longer says what the tables hold; restore it, or {rerun}")
    for part in parquet_files(folder):
        try:
            pq.read_metadata(part)
        except (OSError, pa.ArrowException) as exc:
            raise DamagedResults(f"{part} is damaged ({str(exc).splitlines()[0]}); {rerun}, or into this one "
                                 "with --replace") from None
    return Results(folder, scenario, manifest, design=read_table(folder, "design"), summary=read_table(folder, "summary"))


def folder_scenario(folder: Path, rerun: str) -> Scenario:
    """The scenario a folder the tool wrote (results, a calibration) was made from, or DamagedResults
    naming what cannot be read and saying to `rerun`."""
    path = Path(folder) / "scenario.yaml"
    return validate(_read_file(path, lambda text: yaml.load(text, Loader=LOADER), rerun), str(path))


def _read_file(path: Path, parse, rerun: str) -> dict:
    """A results folder's small file parsed into a mapping, or DamagedResults naming it."""
    try:
        found = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DamagedResults(f"{path} cannot be read ({str(exc).splitlines()[0]}); {rerun}") from None
    if not isinstance(found, dict):
        raise DamagedResults(f"{path} does not hold what alliance-sim writes; {rerun}")
    return found


def parquet_files(folder: Path) -> list[Path]:
    """Every Parquet file of a results folder: its tables' files and parts."""
    found = []
    for path in sorted(Path(folder).glob("*.parquet")):
        found += sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]
    return found


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
