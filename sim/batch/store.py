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

from ..core.outcomes import SUMMARISED, focal_pair, summarise
from ..outputs.results import folder_lock, manifest, read_table, replacing, whole, write_manifest
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


def _running(staging: Path) -> dict | None:
    """The batch process writing `staging` now, if one is alive on this machine."""
    try:
        owner = json.loads((staging / OWNER).read_text())
    except (OSError, ValueError):
        return None
    if owner.get("host") != socket.gethostname():
        return None
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return owner


def _busy(out: Path, staging: Path, owner: dict | None) -> BatchError:
    who = f"process {owner['pid']}, started {owner['started']}" if owner else "another process"
    return BatchError(f"another batch ({who}) is writing {out} right now, in {staging}; wait for it to finish "
                      "(or stop it), then rerun; after an interrupted batch, --resume finishes it")


def _claim(staging: Path) -> None:
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    (staging / OWNER).write_text(json.dumps(owner) + "\n")


def prepare(plan: Plan, out: Path, resume: bool, replace: bool) -> Path:
    """Create (or check, when resuming) the staging folder and claim it for this process; returns it."""
    staging = staging_folder(out)
    if out.exists() and not replace:
        raise BatchError(f"{out} exists and is complete; choose another --out or pass --replace")
    if replace:
        try:
            replacing(out)
        except FileExistsError as exc:
            raise BatchError(str(exc)) from None
    if staging.exists() and (owner := _running(staging)) is not None and int(owner["pid"]) != os.getpid():
        raise _busy(out, staging, owner)
    if staging.exists():
        if replace and not resume:
            shutil.rmtree(staging)
        elif not resume:
            raise BatchError(f"an interrupted batch for {out} is kept in {staging}; rerun with --resume to finish it, "
                             "or --replace to start over")
        else:
            found = json.loads((staging / "batch.json").read_text())
            if found != plan.identity():
                changed = ", ".join(k for k in found if found[k] != plan.identity()[k])
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



def _posterior_details(plan: Plan) -> dict:
    if plan.posterior is None:
        return {}
    return plan.posterior.provenance() | {"parameter_sets_per_point": int(plan.parameter_sets()[-1]) + 1,
                                         "departures": plan.departures}


def finish(plan: Plan, staging: Path, out: Path, workers: int, seconds: float, executor: str = "local") -> None:
    """Summarise per design point, write the manifest, and move the folder into place."""
    a, b = focal_pair(plan.scenario)
    focal = [("source", "==", a), ("target", "==", b)]
    outcomes = read_table(staging, "outcomes", columns=["run_id", *SUMMARISED], filters=focal)
    point, replicate = np.divmod(outcomes["run_id"].to_numpy(), plan.replicates)
    outcomes = outcomes.assign(point=point)
    if plan.posterior is not None:
        outcomes = outcomes.assign(parameter_set=plan.parameter_sets()[replicate])
    summary = summarise(outcomes)
    plan.design.join(summary).reset_index().to_parquet(staging / "summary.parquet", index=False)
    write_manifest(staging, manifest(plan.scenario, plan.engine, plan.seeds, seconds, design=plan.scenario.sweep.design,
                                     points=len(plan.design), replicates=plan.replicates, runs=plan.runs,
                                     chunks=len(plan.chunks()), workers=workers, executor=executor,
                                     **_posterior_details(plan)))
    (staging / "batch.json").unlink()
    (staging / OWNER).unlink(missing_ok=True)
    with folder_lock(out):  # a report or plot reading the old folder finishes first
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
