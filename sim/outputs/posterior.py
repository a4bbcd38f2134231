"""A calibration folder's posterior, read and written; its summaries.

A calibration folder holds `posterior.parquet` (one column per calibrated value, named as
in the scenario's `calibration.priors`, and `weight`, summing to 1) beside the scenario that
declares what each value sets. The `Posterior` read from it, and the runs that draw from it,
are `core.posterior`'s.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from ..core.posterior import Posterior
from ..scenario import Scenario
from ..scenario.loading import LOADER
from .results import DamagedResults, folder_scenario, write_table


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of weighted samples (the inverse of their weighted empirical distribution)."""
    order = np.argsort(x)
    cumulative = np.cumsum(w[order]) / np.sum(w)
    return x[order][np.minimum(np.searchsorted(cumulative, q), len(x) - 1)]


def describe(table: pd.DataFrame) -> pd.DataFrame:
    """Per calibrated value: the posterior median and 90% interval."""
    w = table["weight"].to_numpy(dtype=float)
    rows = {name: weighted_quantiles(table[name].to_numpy(dtype=float), w, (0.5, 0.05, 0.95))
            for name in table.columns if name != "weight"}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["median", "5%", "95%"]).rename_axis("value")


def posterior_sets(s: Scenario) -> dict[str, list[str]]:
    """What each calibrated value of a scenario sets: its `sets:` list, or the path its name gives."""
    return {name: list(prior.sets) or [name] for name, prior in s.calibration.priors.items()}


def write_posterior(folder: Path, table: pd.DataFrame) -> None:
    write_table(table, Path(folder) / "posterior.parquet")


def read_posterior(folder: str | Path) -> Posterior:
    """The posterior of a calibration folder, checked (FileNotFoundError naming what is missing, if it
    has none; DamagedResults naming the file, column, row and value, if what it holds cannot be
    trusted: a scenario changed since, or values that are not finite or lie outside their priors)."""
    folder = Path(folder)
    table_path, scenario_path = folder / "posterior.parquet", folder / "scenario.yaml"
    for path in (table_path, scenario_path):
        if not path.is_file():
            raise FileNotFoundError(f"{folder} is not a calibration folder: {path.name} is missing "
                                    "(`alliance-sim calibrate FILE` writes one)")
    again = "calibrate again into a new folder"
    s = folder_scenario(folder, again)
    _check_digest(folder, s, again)
    try:
        table = pd.read_parquet(table_path)
    except (OSError, pa.ArrowException) as exc:
        raise DamagedResults(f"{table_path} cannot be read ({str(exc).splitlines()[0]}); {again}") from None
    if s.calibration is None:
        raise FileNotFoundError(f"{scenario_path} has no `calibration:` section")
    sets = posterior_sets(s)
    missing = [name for name in [*sets, "weight"] if name not in table.columns]
    if missing:
        raise FileNotFoundError(f"{table_path} lacks the columns {', '.join(missing)}; allowed: a column for each value "
                                f"of {scenario_path.name}'s calibration.priors, and weight")
    priors = {name: list(prior.uniform) for name, prior in s.calibration.priors.items()}
    try:
        return Posterior(table[[*sets, "weight"]], sets, folder, priors)
    except ValueError as exc:
        raise DamagedResults(f"{table_path}: {exc}; {again}") from None


def _written_digest(path: Path, s: Scenario) -> str:
    """The hash of a folder's scenario as its file writes it: every field the file names, and only
    those, as folders were hashed before fields at their defaults were left out (a field added to the
    schema since is not in their files, and changes nothing)."""
    written = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    found = _named(s.to_dict(), written)
    return hashlib.sha256(json.dumps(found, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _named(full, written):
    """The parts of `full` that `written` names (mappings key by key, lists item by item)."""
    if isinstance(full, dict) and isinstance(written, dict):
        return {key: _named(value, written[key]) for key, value in full.items() if key in written}
    if isinstance(full, list) and isinstance(written, list) and len(full) == len(written):
        return [_named(a, b) for a, b in zip(full, written)]
    return full


def _check_digest(folder: Path, s: Scenario, again: str) -> None:
    """A calibration folder's scenario.yaml is the one its manifest hashed (a folder whose calibration
    has not finished has no manifest yet)."""
    path = folder / "manifest.json"
    if not path.exists():
        return
    try:
        found = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedResults(f"{path} cannot be read ({str(exc).splitlines()[0]}); {again}") from None
    if not isinstance(found, dict):
        raise DamagedResults(f"{path} does not hold what alliance-sim writes; {again}")
    if found.get("scenario_sha256") not in (None, s.digest(), _written_digest(folder / "scenario.yaml", s)):
        raise DamagedResults(f"{folder / 'scenario.yaml'} was changed after the calibration was made (its hash differs "
                             f"from manifest.json's), so it no longer says what posterior.parquet holds; restore it, "
                             f"or {again}")
