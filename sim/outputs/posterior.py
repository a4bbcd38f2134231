"""A calibration folder's posterior, read and written; its summaries.

A calibration folder holds `posterior.parquet` (one column per calibrated value, named as
in the scenario's `calibration.priors`, and `weight`, summing to 1) beside the scenario that
declares what each value sets. The `Posterior` read from it, and the runs that draw from it,
are `core.posterior`'s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core.posterior import Posterior
from ..scenario import Scenario
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
    """The posterior of a calibration folder (FileNotFoundError, naming what is missing, if it has none)."""
    folder = Path(folder)
    table_path, scenario_path = folder / "posterior.parquet", folder / "scenario.yaml"
    for path in (table_path, scenario_path):
        if not path.is_file():
            raise FileNotFoundError(f"{folder} is not a calibration folder: {path.name} is missing "
                                    "(`alliance-sim calibrate FILE` writes one)")
    again = "calibrate again into a new folder"
    s = folder_scenario(folder, again)
    try:
        table = pd.read_parquet(table_path)
    except (OSError, pa.ArrowException) as exc:
        raise DamagedResults(f"{table_path} cannot be read ({str(exc).splitlines()[0]}); {again}") from None
    if s.calibration is None:
        raise FileNotFoundError(f"{scenario_path} has no `calibration:` section")
    sets = posterior_sets(s)
    missing = [name for name in [*sets, "weight"] if name not in table.columns]
    if missing:
        raise FileNotFoundError(f"{table_path} lacks the columns {', '.join(missing)}")
    priors = {name: list(prior.uniform) for name, prior in s.calibration.priors.items()}
    return Posterior(table[[*sets, "weight"]], sets, folder, priors)
