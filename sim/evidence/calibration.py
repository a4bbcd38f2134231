"""Calibration by approximate Bayesian computation: ABC-SMC (pyabc) of a scenario's
`calibration:` priors against the observed series of the fit window.

Summary statistics: at every observed point of the fit window (a pair's UN voting agreement
or its trade in a year) the model's variable behind it, averaged over the particle's seeded
replicates: the pair's mean stance over the year (both directions), and the log of its mean
cooperation.

Distance: the observation model is fitted to those values as `observe.compare` fits it
(voting: an offset per pair and one scale; trade: an offset per pair). Each kind's
root-mean-square residual is divided by that kind's typical change from one year to the
next in the data (the median absolute change of its observed series in the fit window), and
the distance is the root of the mean square of these over the kinds fitted: a distance of 1
is a misfit the size of a typical year's change.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.engine import run_seeds, simulate
from ..core.variation import Variation
from ..extras import require
from ..outputs.posterior import posterior_sets, write_posterior
from ..outputs.results import versions
from ..scenario import Scenario
from ..scenario.calendar import parse_quarter, step_dates
from . import data, observe

DATABASE = "abc.db"


class CalibrationError(Exception):
    """A calibration that cannot start or resume as asked (reported in one line, exit 2)."""


@dataclass
class Point:
    """The observed points of one kind of series in the fit window, as index arrays."""

    year: np.ndarray  # index into Target.years
    pair: np.ndarray  # index into Target.pairs
    value: np.ndarray  # observed
    scale: float  # the median absolute change from one year to the next in the data


class Target:
    """What a calibration fits: the observed points of the fit window, laid out for fast comparison."""

    def __init__(self, s: Scenario):
        c = s.calibration
        first = parse_quarter(s.start)
        self.steps = min(s.steps, c.fit_end * 4 + 3 - first)  # to the last quarter of the fit window
        if self.steps < 1:
            raise CalibrationError(f"'{s.name}' starts in {s.start}, after the fit window (to {c.fit_end}); "
                                   "allowed: a scenario that runs through fitted years")
        year = np.array([int(d[:4]) for d in step_dates(s.start, self.steps)])
        self.years = np.unique(year)
        self.average = (year[None, :] == self.years[:, None]) / np.bincount(year - year[0])[self.years - year[0], None]
        n = len(s.names)
        self.i, self.j = np.array([(i, j) for i in range(n) for j in range(i + 1, n)]).T
        self.pairs = [data.pair(s.names[i], s.names[j]) for i, j in zip(self.i, self.j)]
        obs = observe.observed()
        obs = obs[obs["pair"].isin(self.pairs) & obs["year"].between(self.years[0], c.fit_end)]
        self.points = {kind: self._points(obs[obs["kind"] == kind]) for kind in c.series}
        empty = [kind for kind, p in self.points.items() if len(p.value) == 0]
        if empty:
            raise CalibrationError(f"no observed {', '.join(empty)} data in {self.years[0]}-{c.fit_end} for the pairs of '{s.name}'")

    def _points(self, frame: pd.DataFrame) -> Point:
        frame = frame.sort_values(["pair", "year"])
        step = frame.groupby("pair")["value"].diff()[frame.groupby("pair")["year"].diff() == 1]
        return Point(np.searchsorted(self.years, frame["year"]), np.array([self.pairs.index(p) for p in frame["pair"]]),
                     frame["value"].to_numpy(dtype=float), float(np.median(np.abs(step))))

    def observed(self) -> dict[str, np.ndarray]:
        return {kind: p.value for kind, p in self.points.items()}

    def statistics(self, A: np.ndarray, E: np.ndarray) -> dict[str, np.ndarray]:
        """The summary statistics of one particle's replicates, A and E (replicates, steps + 1, n, n)."""
        found = {}
        if "unga" in self.points:
            stance = (A[:, :, self.i, self.j] + A[:, :, self.j, self.i]).mean(axis=0) / 2  # (steps + 1, pairs)
            found["unga"] = (self.average @ stance)[self.points["unga"].year, self.points["unga"].pair]
        if "trade" in self.points:
            yearly = np.einsum("yt,rtp->ryp", self.average, E[:, :, self.i, self.j])
            found["trade"] = np.log(np.clip(yearly, 1e-6, None)).mean(axis=0)[self.points["trade"].year, self.points["trade"].pair]
        return found

    def distance(self, x: dict, observed: dict) -> float:
        """The misfit of summary statistics `x` to the observed values (module docstring)."""
        total = 0.0
        for kind, p in self.points.items():
            dx, dy = _within(np.asarray(x[kind]), p.pair), _within(np.asarray(observed[kind]), p.pair)
            beta = 1.0  # trade: an offset per pair only
            if kind == "unga":  # voting: and one scale, by least squares (0 if the model does not move)
                spread = float(dx @ dx)
                beta = float(dx @ dy) / spread if spread > 1e-12 else 0.0
            total += float(np.mean((dy - beta * dx) ** 2)) / p.scale**2
        return float(np.sqrt(total / len(self.points)))


def _within(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """x minus its mean within each group (the offsets the observation model fits per pair)."""
    return x - (np.bincount(group, weights=x) / np.bincount(group))[group]


class Model:
    """A particle's evaluation: its parameter set run over its replicates at once on the batch engine."""

    def __init__(self, s: Scenario):
        self.target = Target(s)
        self.replicates = s.calibration.replicates
        self.names = list(posterior_sets(s))
        columns = [(name, setting) for name, sets in posterior_sets(s).items() for setting in sets]
        self.column_names = [name for name, _ in columns]
        self.variation = Variation(s, [setting for _, setting in columns])

    def run(self, values: np.ndarray, seed: int):
        """The replicates' trajectories under one parameter set (`values` in the order of `names`)."""
        row = dict(zip(self.names, values))
        sched = self.variation.schedules(np.repeat([[row[name] for name in self.column_names]], self.replicates, axis=0))
        return simulate(sched, run_seeds(seed, self.replicates), self.target.steps)

    def __call__(self, parameters: dict) -> dict:
        # pyabc seeds numpy's global generator; a particle's replicates are seeded from it
        traj = self.run(np.array([parameters[name] for name in self.names]), int(np.random.randint(2**62)))
        return self.target.statistics(traj.A, traj.E)

    def distance(self, x: dict, observed: dict) -> float:
        return self.target.distance(x, observed)


def _pyabc():
    module = require("pyabc", "calibrate", "calibration (alliance-sim calibrate)")
    logging.getLogger("ABC").setLevel(logging.WARNING)  # the command reports each generation itself
    return module


@contextmanager
def sampler(workers: int, scheduler: str | None = None, batch: int = 20):
    """One core (reproducible from the scenario's seed), several local processes, or a Dask cluster.

    A Dask client is closed when the calibration ends, so that it does not linger trying to
    reconnect to a cluster that its owner shuts down afterwards.
    """
    pyabc = _pyabc()
    if scheduler is not None:
        from dask.distributed import Client

        with Client(scheduler) as client:
            yield pyabc.sampler.DaskDistributedSampler(client, batch_size=batch)
    elif workers > 1:
        yield pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    else:
        yield pyabc.sampler.SingleCoreSampler()


def generations(history) -> pd.DataFrame:
    """One row per finished generation: its tolerance, particles, simulations and acceptance rate."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    return pd.DataFrame({"generation": pops["t"] + 1, "tolerance": pops["epsilon"], "particles": pops["particles"],
                         "simulations": pops["samples"], "acceptance": pops["particles"] / pops["samples"]})


def calibrate(s: Scenario, folder: Path, resume: bool = False, workers: int = 1, scheduler: str | None = None,
              say=print, observed: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Run (or, with `resume`, continue) the ABC-SMC of `s` into `folder`; returns the posterior.

    The database `folder/abc.db` keeps every finished generation, so an interrupted
    calibration loses at most the generation under way. `observed` replaces the data's
    summary statistics (a synthetic truth, in tests).
    """
    _pyabc()  # a missing extra is named before anything else is done
    folder = Path(folder)
    database = folder / DATABASE
    _check_folder(s, folder, resume)
    model = Model(s)
    np.random.seed(s.seed % 2**32)  # pyabc draws from numpy's global generator
    with sampler(workers, scheduler) as chosen:
        history = _run_generations(s, model, chosen, f"sqlite:///{database.resolve()}", resume, observed, say)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    table = frame[model.names].reset_index(drop=True).assign(weight=np.asarray(weights) / np.sum(weights))
    write_posterior(folder, table)
    generations(history).to_parquet(folder / "generations.parquet", index=False)
    _write_manifest(s, folder, workers, scheduler)
    return table


def _run_generations(s: Scenario, model: Model, chosen, url: str, resume: bool, observed, say):
    """Run the generations the database at `url` still lacks, one at a time; returns pyabc's history."""
    pyabc = _pyabc()
    from .smc import GaussianPerturbation, UniformPrior

    c = s.calibration

    def smc():
        return pyabc.ABCSMC(model, UniformPrior({name: tuple(p.uniform) for name, p in c.priors.items()}), model.distance,
                            population_size=c.population, sampler=chosen, transitions=GaussianPerturbation())

    if not resume:
        smc().new(url, observed if observed is not None else model.target.observed())
    history = pyabc.History(url)
    done = len(generations(history))
    say(f"calibrating '{s.name}': {len(model.names)} values, {c.population} particles a generation, "
        f"{c.replicates} runs a particle, fitted on {model.target.years[0]}-{c.fit_end}"
        + (f"; resuming after generation {done}" if done else ""))
    while done < c.generations:
        started = time.perf_counter()
        abc = smc()  # a new one each generation, loaded from the database, as a resumed calibration is
        abc.load(url, 1)
        history = abc.run(minimum_epsilon=c.tolerance, max_nr_populations=1)
        found = generations(history)
        if len(found) == done:
            say("stopped: pyabc found no new generation (its acceptance rate fell below its minimum)")
            break
        done, last = len(found), found.iloc[-1]
        say(f"generation {done}/{c.generations}: tolerance {last['tolerance']:.3g}, accepted "
            f"{int(last['particles'])} of {int(last['simulations'])} ({last['acceptance']:.1%}), "
            f"{time.perf_counter() - started:.1f} s")
        if last["tolerance"] <= c.tolerance:
            say(f"reached the tolerance {c.tolerance}")
            break
    return history


def _check_folder(s: Scenario, folder: Path, resume: bool) -> None:
    if resume:
        if not (folder / DATABASE).is_file():
            raise CalibrationError(f"{folder} has no calibration to resume ({DATABASE} is missing)")
        written = folder / "scenario.yaml"
        if written.is_file() and _identity(_read(written)) != _identity(s):
            raise CalibrationError(f"{folder} holds a calibration of another version of the scenario; allowed: "
                                   "--resume with the same scenario (generations and tolerance may change), or a new --out")
        (folder / "scenario.yaml").write_text(s.to_yaml(), encoding="utf-8")
        return
    if (folder / DATABASE).exists():
        raise CalibrationError(f"{folder} already holds a calibration; pass --resume to continue it, or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(s.to_yaml(), encoding="utf-8")


def _read(path: Path) -> Scenario:
    import yaml

    from ..scenario import validate

    return validate(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def _identity(s: Scenario) -> str:
    """What a resumed calibration must share with the one it continues: all but when to stop."""
    return s.model_copy(update={"calibration": s.calibration.model_copy(update={"generations": 1, "tolerance": 0.0})}).digest()


def _write_manifest(s: Scenario, folder: Path, workers: int, scheduler: str | None) -> None:
    found = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
             "scenario": s.name, "scenario_sha256": s.digest(), "versions": {**versions(), "pyabc": _pyabc().__version__},
             "seed": s.seed, "workers": workers, "scheduler": scheduler,
             "reproducible": scheduler is None and workers == 1,
             "database": DATABASE, "fit_end": s.calibration.fit_end, "series": s.calibration.series}
    (folder / "manifest.json").write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
