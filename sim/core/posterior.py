"""A posterior: the parameter sets a calibration accepted, with their weights, and the runs that draw them.

A run drawn from a posterior takes the set of its own seed's draw, so its parameters do not
depend on the batch, chunk or worker it is computed in; it is at rest under its own set
(`Variation`), and a command's condition changes are written over that (`schedules`).
Reading and writing a calibration folder's posterior is `outputs.posterior`'s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import Scenario
from .schedule import Schedule, Variation, event_step, place, split_setting

STREAM = 0x9057  # a run's draw comes from its seed on this stream, apart from its noise (seeded by the seed alone)


@dataclass
class Posterior:
    """Weighted parameter sets (`table`: one column per value, and `weight`), and the settings each value writes."""

    table: pd.DataFrame
    sets: dict[str, list[str]]
    source: Path
    priors: dict[str, list[float]] = field(default_factory=dict)  # value -> [low, high] of its uniform prior

    def __post_init__(self):
        problem = table_problem(self.table, self.sets, self.priors)
        if problem is not None:
            raise ValueError(problem)

    def digest(self) -> str:
        """A hash of the parameter sets and weights: equal hashes, equal posteriors."""
        return hashlib.sha256(pd.util.hash_pandas_object(self.table, index=False).to_numpy().tobytes()).hexdigest()

    def provenance(self) -> dict:
        """What a results folder's manifest says of the posterior its runs drew from."""
        return {"posterior": str(self.source), "posterior_sha256": self.digest(), "posterior_sets": len(self.table)}

    @property
    def names(self) -> list[str]:
        return list(self.sets)

    def groups(self, runs: int) -> np.ndarray:
        """The parameter-set group of each of `runs` runs in order: as many groups as runs or sets,
        whichever is fewer, each of consecutive runs (the runs of a group share its set)."""
        count = min(runs, len(self.table))
        return np.arange(runs) * count // runs

    def draw(self, seeds: np.ndarray) -> np.ndarray:
        """The row of the set each run takes, for runs with these seeds in order (stratified).

        Group g of G (`groups`) takes the set at u = (g + U) / G of the weights' cumulative
        distribution, U drawn from the seed of the group's first run: the groups cover the
        posterior evenly, and with equal weights and as many runs as sets every set is taken
        exactly once. A run's set depends on its seed and its place among the runs alone.
        """
        seeds = np.asarray(seeds)
        group = self.groups(len(seeds))
        count = int(group[-1]) + 1 if len(seeds) else 0
        first = np.searchsorted(group, np.arange(count))
        u = np.array([np.random.default_rng([STREAM, int(seeds[k])]).random() for k in first])
        cumulative = np.cumsum(self.table["weight"].to_numpy(dtype=float))
        at = (np.arange(count) + u) / max(count, 1) * cumulative[-1]
        rows = np.minimum(np.searchsorted(cumulative, at, side="right"), len(cumulative) - 1)
        return rows[group]

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
        used = set(self.columns(s)[1])
        return [name for name in self.names if name not in used]

    def schedules(self, s: Scenario, rows: np.ndarray, departures: dict[str, np.ndarray] | None = None) -> Schedule:
        """The stacked schedule of runs that take the parameter sets `rows` (each at rest under its
        set), with `departures` {condition path: value, or a value per run} written over them."""
        settings, names = self.columns(s)
        values = self.table[names].to_numpy(dtype=float)[rows]
        paths = list(departures or {})
        changes = np.column_stack([np.broadcast_to(departures[p], len(rows)) for p in paths]) if paths else None
        return Variation(s, settings, paths).schedules(values, changes)


def table_problem(table: pd.DataFrame, sets: dict[str, list[str]], priors: dict[str, list[float]]) -> str | None:
    """What is wrong with a posterior's table, naming the column, row and value (None: nothing): it
    holds parameter sets; each value is a finite number inside its prior (where one is given); the
    weights are finite, not negative, and not all zero."""
    if len(table) == 0:
        return "holds no parameter sets; allowed: at least one row"
    for name in [*sets, "weight"]:
        column = table[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            return f"column {name!r} holds {column.dtype} values (such as {column.iloc[:1].tolist()[0]!r}); allowed: numbers"
        values = column.to_numpy(dtype=float)
        low, high = priors.get(name, (-np.inf, np.inf)) if name != "weight" else (0.0, np.inf)
        bad = np.flatnonzero(~np.isfinite(values) | (values < low) | (values > high))
        if len(bad):
            k = int(bad[0])
            allowed = ("finite weights, none negative" if name == "weight" else
                       f"a finite number inside its prior [{low:g}, {high:g}]" if name in priors else "a finite number")
            return f"column {name!r}, row {k + 1}: value {float(values[k])!r}; allowed: {allowed}"
    if not table["weight"].sum() > 0:
        return "column 'weight' sums to 0; allowed: weights with a positive sum"
    return None
