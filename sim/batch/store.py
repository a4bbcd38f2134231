"""A batch on disk: chunks written as Parquet parts into a hidden staging folder, renamed into place when complete.

Each chunk's rows are written as one Parquet part, atomically (outcomes last: their
presence marks the chunk done), so an interrupted batch keeps its finished chunks for
`--resume`, and a folder that exists under its own name is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..core.outcomes import SUMMARISED, focal_pair, summarise
from ..outputs import spread
from ..outputs.results import Refused, contents, manifest, publish, read_table, replacing, whole, write_manifest
from .plan import BatchError, Plan

PARTS = ("trajectories", "outcomes")


def _part(folder: Path, name: str, k: int) -> Path:
    return folder / f"{name}.parquet" / f"part-{k:05d}.parquet"


def chunk_done(folder: Path, k: int) -> bool:
    return all(_part(folder, name, k).exists() for name in PARTS)


def write_chunk(folder: Path, k: int, tables: dict[str, pd.DataFrame]) -> None:
    """Write a chunk's parts, each atomically (outcomes last: its presence marks the chunk done)."""
    for name in PARTS:
        with whole(_part(folder, name, k)) as partial:
            tables[name].to_parquet(partial, index=False, **encoding(tables[name]))


def encoding(table: pd.DataFrame) -> dict:
    """How a part's columns are encoded: the measured values (floats) plainly and without their
    range, the labels and counts with a dictionary and their range. Nearly every measured value
    is distinct, so a dictionary of them is built only to be dropped, and their ranges would let
    no query skip a row group; leaving both out writes a chunk's trajectories in 40% less time
    at the same size (docs/performance.md)."""
    keyed = [name for name, dtype in table.dtypes.items() if not pd.api.types.is_float_dtype(dtype)]
    return {"use_dictionary": keyed, "write_statistics": keyed}


def staging_folder(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


OWNER = "owner.json"  # in the staging folder: which process is writing it
# what a staging folder holds: its parts, the tables and files it starts with, and those it ends with
STAGED = {*(f"{name}.parquet" for name in PARTS), "scenario.yaml", "design.parquet", "runs.parquet", "batch.json",
          OWNER, "summary.parquet", "quantiles.parquet", "manifest.json"}


def started_at(pid: int) -> int | None:
    """When a process started, in clock ticks since the machine booted (Linux: field 22 of
    /proc/PID/stat): with its PID, which the system reuses, it names one process. None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19])  # fields from the 3rd on follow the command's name


def _running(staging: Path) -> dict | None:
    """The batch process writing `staging` now, if it may be alive: on this machine, a process of that
    PID that started when the owner did (a PID reused since by another process is not it); on another
    machine sharing the folder, there is no telling, so it counts as alive."""
    try:
        owner = json.loads((staging / OWNER).read_text())
        pid = int(owner["pid"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if owner.get("host") != socket.gethostname():
        return owner
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    if owner.get("start") is not None and started_at(pid) not in (None, owner["start"]):
        return None  # the PID now names another process: the batch has ended
    return owner


def _busy(out: Path, staging: Path, owner: dict | None) -> BatchError:
    if owner is None:
        return BatchError(f"another batch is writing {out} right now, in {staging}; wait for it to finish, then rerun")
    who = f"process {owner.get('pid')} on {owner.get('host')}, started {owner.get('started')}"
    return BatchError(f"another batch ({who}) is writing {out} right now, in {staging}; wait for it to finish (or stop "
                      f"it), then rerun with --resume; if no batch is running (the process may be another program now, "
                      f"or have run on another machine), remove {staging / OWNER} and rerun with --resume")


def _claim(staging: Path) -> None:
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
             "start": started_at(os.getpid())}
    (staging / OWNER).write_text(json.dumps(owner) + "\n")


def _started_with(staging: Path) -> dict:
    """What an interrupted batch was started with (batch.json), or BatchError saying how to go on."""
    try:
        found = json.loads((staging / "batch.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        found = None
    if not isinstance(found, dict):
        raise BatchError(f"the interrupted batch in {staging} cannot be resumed: its batch.json (what it was started "
                         "with) is missing or damaged; --replace starts it over, or choose another --out")
    return found


def prepare(plan: Plan, out: Path, resume: bool, replace: bool) -> Path:
    """Create (or check, when resuming) the staging folder and claim it for this process; returns it."""
    staging = staging_folder(out)
    if os.path.lexists(out) and not replace:
        raise BatchError(f"{out} exists and is complete; choose another --out or pass --replace")
    if os.path.lexists(staging):
        _our_staging(staging)
    if replace:
        replacing(out)
    if staging.exists() and (owner := _running(staging)) is not None and owner.get("pid") != os.getpid():
        raise _busy(out, staging, owner)
    if staging.exists():
        if replace and not resume:
            shutil.rmtree(staging)
        elif not resume:
            raise BatchError(f"an interrupted batch for {out} is kept in {staging}; rerun with --resume to finish it, "
                             "or --replace to start over")
        else:
            found, wanted = _started_with(staging), plan.identity()
            if found != wanted:
                changed = ", ".join(k for k in wanted if found.get(k) != wanted[k])
                raise BatchError(f"cannot resume {out}: the scenario or options changed since it started ({changed}); "
                                 "use --replace to start over, or another --out")
            for stale in staging.glob("*.parquet/.*.partial"):
                stale.unlink()
            _claim(staging)
            return staging
    try:
        staging.mkdir(parents=True)
    except FileExistsError:  # another batch created it a moment ago
        raise _busy(out, staging, _running(staging)) from None
    _claim(staging)
    for name in PARTS:
        (staging / f"{name}.parquet").mkdir()
    (staging / "scenario.yaml").write_text(plan.scenario.to_yaml(), encoding="utf-8")
    plan.design.reset_index().to_parquet(staging / "design.parquet", index=False)
    plan.runs_table().to_parquet(staging / "runs.parquet", index=False)
    (staging / "batch.json").write_text(json.dumps(plan.identity(), indent=2) + "\n")
    return staging


def _our_staging(staging: Path) -> None:
    """Refused unless `staging` is a batch's own staging folder (a plain folder, empty or holding its
    batch.json or owner, and nothing a batch does not write there), which --replace may clear and
    --resume continue."""
    if staging.is_symlink() or not staging.is_dir():
        raise BatchError(f"{staging} exists and is not a batch's staging folder; it is left as it is: move it away, or "
                         "choose another --out")
    held = {name for name in os.listdir(staging) if not (name.startswith(".") and name.endswith(".partial"))}
    foreign = sorted(held - STAGED)  # a temporary file a killed batch left is its own
    if foreign or (held and not held & {"batch.json", OWNER}):
        listed = f" (it holds {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''})" if foreign else ""
        raise BatchError(f"{staging} is not a batch's staging folder{listed}; it is left as it is: move it away, or "
                         "choose another --out")


def _posterior_details(plan: Plan) -> dict:
    if plan.posterior is None:
        return {}
    return plan.posterior.provenance() | {"parameter_sets_per_point": int(plan.parameter_sets()[-1]) + 1,
                                         "departures": plan.departures}


def finish(plan: Plan, staging: Path, out: Path, workers: int, seconds: float, executor: str = "local",
           replace: bool = False) -> None:
    """Summarise per design point, write the manifest (with each table's rows), and move the folder
    into place under the rule (`publish`); if that is refused, the finished batch stays in staging."""
    a, b = focal_pair(plan.scenario)
    focal = [("source", "==", a), ("target", "==", b)]
    outcomes = read_table(staging, "outcomes", columns=["run_id", *SUMMARISED], filters=focal)
    point, replicate = np.divmod(outcomes["run_id"].to_numpy(), plan.replicates)
    outcomes = outcomes.assign(point=point)
    if plan.posterior is not None:
        outcomes = outcomes.assign(parameter_set=plan.parameter_sets()[replicate])
    summary = summarise(outcomes)
    plan.design.join(summary).reset_index().to_parquet(staging / "summary.parquet", index=False)
    fans = spread.of_runs(staging, plan.runs_table()[["run_id", "point"]])  # kept: exact, and slow to compute on reading
    fans.to_parquet(staging / "quantiles.parquet", index=False)
    rows = {"design": len(plan.design), "runs": plan.runs, "summary": len(plan.design), "quantiles": len(fans)}
    rows |= {name: sum(pq.read_metadata(part).num_rows for part in (staging / f"{name}.parquet").glob("part-*.parquet"))
             for name in PARTS}
    write_manifest(staging, manifest(plan.scenario, plan.engine, plan.seeds, seconds, design=plan.scenario.sweep.design,
                                     points=len(plan.design), replicates=plan.replicates, runs=plan.runs,
                                     chunks=len(plan.chunks()), workers=workers, executor=executor,
                                     **_posterior_details(plan)) | contents(rows))
    (staging / "batch.json").unlink()
    (staging / OWNER).unlink(missing_ok=True)
    try:
        publish(staging, out, replace)  # a report or plot reading the old folder finishes first
    except Refused as exc:
        (staging / "batch.json").write_text(json.dumps(plan.identity(), indent=2) + "\n")
        raise Refused(f"{exc}. The finished batch is kept in {staging}: once {out} is out of the way, the same command "
                      "with --resume moves it into place") from None
