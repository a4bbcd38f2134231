"""A posterior: the parameter sets a calibration accepted, with their weights.

A calibration folder holds `posterior.parquet` (one column per calibrated value, named as
in the scenario's `calibration.priors`, and `weight`, summing to 1) beside the scenario that
declares what each value sets. A run drawn from it takes the set of its own seed's draw, so
its parameters do not depend on the batch, chunk or worker it is computed in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from ..core.schedule import place
from ..core.variation import event_step, split_setting
from ..scenario import Scenario, validate
from ..scenario.loading import LOADER
from .results import DamagedResults

STREAM = 0x9057  # a run's draw comes from its seed on this stream, apart from its shocks (seeded by the seed alone)


@dataclass
class Posterior:
    """Weighted parameter sets (`table`: one column per value, and `weight`), and the settings each value writes."""

    table: pd.DataFrame
    sets: dict[str, list[str]]
    source: Path

    def digest(self) -> str:
        """A hash of the parameter sets and weights: equal hashes, equal posteriors."""
        return hashlib.sha256(pd.util.hash_pandas_object(self.table, index=False).to_numpy().tobytes()).hexdigest()

    @property
    def names(self) -> list[str]:
        return list(self.sets)

    def draw(self, seeds: np.ndarray) -> np.ndarray:
        """For each run seed, the row of the set it takes (weighted, from the seed alone)."""
        cumulative = np.cumsum(self.table["weight"].to_numpy(dtype=float))
        u = np.array([np.random.default_rng([STREAM, int(seed)]).random() for seed in seeds]) * cumulative[-1]
        return np.minimum(np.searchsorted(cumulative, u, side="right"), len(cumulative) - 1)

    def columns(self, s: Scenario) -> tuple[list[str], list[str]]:
        """The settings of `s` this posterior writes, and the value of each: every undated setting,
        and a dated one where `s` has an event at that date setting that path."""
        settings, names = [], []
        for name, found in self.sets.items():
            for setting in found:
                path, at = split_setting(setting)
                if at is None:
                    try:
                        place(s, path)
                    except KeyError:
                        raise ValueError(f"{self.source}: its value {name!r} sets {path}, which '{s.name}' does not "
                                         f"have (its actors: {', '.join(s.names)}); allowed: a posterior calibrated "
                                         "on a scenario with the same actors") from None
                else:
                    try:
                        event_step(s, path, at)
                    except KeyError:  # no event of `s` sets it
                        continue
                settings.append(setting)
                names.append(name)
        return settings, names

    def unused(self, s: Scenario) -> list[str]:
        """The values that set nothing in `s` (e.g. those of events that `s` does not have)."""
        return [name for name in self.names if name not in set(self.columns(s)[1])]


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
    table.to_parquet(Path(folder) / "posterior.parquet", index=False)


def read_posterior(folder: str | Path) -> Posterior:
    """The posterior of a calibration folder (FileNotFoundError, naming what is missing, if it has none)."""
    folder = Path(folder)
    table_path, scenario_path = folder / "posterior.parquet", folder / "scenario.yaml"
    for path in (table_path, scenario_path):
        if not path.is_file():
            raise FileNotFoundError(f"{folder} is not a calibration folder: {path.name} is missing "
                                    "(`alliance-sim calibrate FILE` writes one)")
    try:
        s = validate(yaml.load(scenario_path.read_text(encoding="utf-8"), Loader=LOADER), str(scenario_path))
        table = pd.read_parquet(table_path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, pa.ArrowException) as exc:
        raise DamagedResults(f"{folder}: posterior.parquet or scenario.yaml cannot be read ({str(exc).splitlines()[0]}); "
                             "calibrate again into a new folder") from None
    if s.calibration is None:
        raise FileNotFoundError(f"{scenario_path} has no `calibration:` section")
    sets = posterior_sets(s)
    missing = [name for name in [*sets, "weight"] if name not in table.columns]
    if missing:
        raise FileNotFoundError(f"{table_path} lacks the columns {', '.join(missing)}")
    return Posterior(table[[*sets, "weight"]], sets, folder)
