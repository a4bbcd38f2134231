"""Calibration by approximate Bayesian computation: ABC-SMC (`smc`) of a scenario's
`calibration:` priors against the observed series of the fit window.

Summary statistics: at every observed point of the fit window (a pair's UN voting agreement,
the distance of its UN ideal points, or its trade intensity in a year) the model variable
behind it, averaged over the particle's seeded replicates: the pair's mean stance over the
year (both directions), or the log of its mean cooperation.

Distance: the observation model is fitted to those values as `observe.compare` fits it (an
offset per pair, and one scale for each stance series). Each kind's root-mean-square residual
is divided by that kind's typical change from one year to the next in the data (the median
absolute change of its observed series in the fit window), and the distance is the root of
the mean square of these over the kinds fitted: a distance of 1 is a misfit the size of a
typical year's change. Two models without dynamics give the references it is read against
(`Target.references`): an offset per pair, and a straight line per pair.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import budget
from ..core.engine import Trajectory, run_seeds, simulate
from ..core.schedule import Variation
from ..outputs.posterior import posterior_sets, write_posterior
from ..outputs.results import DamagedResults, folder_scenario, provenance, whole, write_manifest, write_table
from ..scenario import Scenario
from ..scenario.calendar import parse_quarter, step_years
from . import data, observe, smc

POPULATIONS = "populations"  # one Parquet file per finished generation: its particles and their distances
CHUNK = 100  # particles simulated together (10 replicates each: about 30 MB of trajectories)
SAMPLER = ("ABC-SMC with MCMC moves (Drovandi & Pettitt 2011; Del Moral, Doucet & Jasra 2012): "
           "half the particles kept each generation, resampled, moved by Metropolis-Hastings steps")


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
        year = np.array(step_years(s.start, self.steps))
        self.years = np.unique(year)
        self.average = (year[None, :] == self.years[:, None]) / np.bincount(year - year[0])[self.years - year[0], None]
        self.i, self.j, self.pairs = observe.unordered_pairs(s.names)
        try:
            obs = observe.observed(c.series, observe.data_root(s))
        except data.DataError as exc:
            raise CalibrationError(str(exc)) from None
        obs = obs[obs["pair"].isin(self.pairs) & obs["year"].between(self.years[0], c.fit_end)]
        self.points = {kind: self._points(obs[obs["kind"] == kind]) for kind in c.series}
        empty = [kind for kind, p in self.points.items() if len(p.value) < 3]
        if empty:
            raise CalibrationError(f"too few observed {', '.join(empty)} data in {self.years[0]}-{c.fit_end} for the pairs "
                                   f"of '{s.name}'; allowed: series with at least 3 points in the fit window")

    def _points(self, frame: pd.DataFrame) -> Point:
        frame = frame.sort_values(["pair", "year"])
        step = frame.groupby("pair")["value"].diff()[frame.groupby("pair")["year"].diff() == 1]
        return Point(np.searchsorted(self.years, frame["year"]), np.array([self.pairs.index(p) for p in frame["pair"]]),
                     frame["value"].to_numpy(dtype=float), float(np.median(np.abs(step))))

    def observed(self) -> dict[str, np.ndarray]:
        return {kind: p.value for kind, p in self.points.items()}

    def statistics(self, A: np.ndarray, E: np.ndarray) -> dict[str, np.ndarray]:
        """The summary statistics of replicates A and E (..., replicates, steps + 1, n, n): per
        observed point, the model variable behind it, averaged over the replicates (..., points)."""
        pairs = {"stance": lambda: (A[..., self.i, self.j] + A[..., self.j, self.i]) / 2,
                 "cooperation": lambda: E[..., self.i, self.j]}
        yearly, found = {}, {}
        for kind, p in self.points.items():
            variable = observe.KINDS[kind]
            if variable not in yearly:
                # (..., replicates, years, pairs)
                yearly[variable] = np.einsum("yt,...tp->...yp", self.average, pairs[variable]())
            found[kind] = observe.model_values(kind, yearly[variable]).mean(axis=-3)[..., p.year, p.pair]
        return found

    def distance(self, x: dict, observed: dict) -> float:
        """The misfit of summary statistics `x` to the observed values (module docstring)."""
        total = 0.0
        for kind, p in self.points.items():
            _, residual = observe.fit(kind, np.asarray(x[kind], dtype=float), np.asarray(observed[kind], dtype=float), p.pair)
            total += float(np.mean(residual**2)) / p.scale**2
        return float(np.sqrt(total / len(self.points)))

    def references(self) -> dict[str, float]:
        """The distance of two models without dynamics, on the same statistics: an offset per pair
        (the series held flat) and a straight line per pair (each series' own linear trend)."""
        observed = self.observed()
        flat, trend = {}, {}
        for kind, p in self.points.items():
            y = observed[kind]
            flat[kind], trend[kind] = np.zeros_like(y), np.empty_like(y)
            for k in np.unique(p.pair):
                at = p.pair == k
                trend[kind][at] = np.polyval(np.polyfit(p.year[at], y[at], 1), p.year[at])
        return {"offsets only": self.distance(flat, observed), "linear trend per pair": self.distance(trend, observed)}


class Model:
    """A calibration's model: parameter sets (particles) run over their replicates on the batch engine,
    summarised and held to the data."""

    def __init__(self, s: Scenario):
        self.target = Target(s)
        self.replicates = s.calibration.replicates
        self.names = list(posterior_sets(s))
        columns = [(name, setting) for name, sets in posterior_sets(s).items() for setting in sets]
        self.columns = [self.names.index(name) for name, _ in columns]
        self.variation = Variation(s, [setting for _, setting in columns])

    def run(self, values: np.ndarray, seeds: np.ndarray) -> Trajectory:
        """The trajectories of m particles (`values` (m, names)), each over its replicates (seeded
        from its own seed), runs in particle order: (m * replicates, steps + 1, n, n)."""
        values = np.atleast_2d(values)
        sched = self.variation.schedules(np.repeat(values[:, self.columns], self.replicates, axis=0))
        runs = np.concatenate([run_seeds(int(seed), self.replicates) for seed in np.atleast_1d(seeds)])
        return simulate(sched, runs, self.target.steps)

    def statistics(self, values: np.ndarray, seeds: np.ndarray) -> dict[str, np.ndarray]:
        """The summary statistics of m particles: {kind: (m, points)}."""
        traj = self.run(values, seeds)
        shape = (-1, self.replicates, *traj.A.shape[1:])
        return self.target.statistics(traj.A.reshape(shape), traj.E.reshape(shape))

    def distances(self, values: np.ndarray, seeds: np.ndarray, observed: dict[str, np.ndarray]) -> np.ndarray:
        """The distance of each of m particles to `observed`, simulated CHUNK particles at a time."""
        found = []
        for at in range(0, len(values), CHUNK):
            x = self.statistics(values[at:at + CHUNK], seeds[at:at + CHUNK])
            found += [self.target.distance({k: v[r] for k, v in x.items()}, observed) for r in range(len(x[next(iter(x))]))]
        return np.array(found)


_models: dict[str, Model] = {}


def model_of(s: Scenario) -> Model:
    """The model of `s`, built once per process (a worker computes many shares of one calibration)."""
    key = s.digest()
    if key not in _models:
        _models.clear()
        _models[key] = Model(s)
    return _models[key]


def _distances(s: Scenario, values: np.ndarray, seeds: np.ndarray, observed: dict) -> np.ndarray:
    """Distances of a share of a population: a task for a worker process or a Dask worker."""
    return model_of(s).distances(values, seeds, observed)


@contextmanager
def evaluator(s: Scenario, observed: dict, workers: int = 1, scheduler: str | None = None):
    """`evaluate(values, seeds) -> distances`: here, in local worker processes, or on a Dask cluster.

    A population is cut into shares of CHUNK particles; each share's distances depend on its
    values and seeds alone, so the numbers are the same however many workers compute them.
    """
    def shares(values, seeds):
        cuts = range(0, len(values), CHUNK)
        return [values[at:at + CHUNK] for at in cuts], [seeds[at:at + CHUNK] for at in cuts]

    if scheduler is None and workers <= 1:
        yield lambda values, seeds: _distances(s, values, seeds, observed)
    elif scheduler is None:
        from ..batch.local import pool

        with pool(workers) as executor:
            yield lambda values, seeds: np.concatenate(list(executor.map(_distances, repeat(s), *shares(values, seeds),
                                                                          repeat(observed))))
    else:
        from ..batch.cluster import connect

        client, cluster = connect(workers, scheduler, say=lambda _: None)
        try:
            def on_dask(values, seeds):
                futures = [client.submit(_distances, s, v, z, observed, pure=False) for v, z in zip(*shares(values, seeds))]
                return np.concatenate(client.gather(futures))
            yield on_dask
        finally:
            client.close()  # so that it does not linger reconnecting to a cluster its owner shuts down
            if cluster is not None:
                cluster.close()


def calibrate(s: Scenario, folder: Path, resume: bool = False, workers: int = 1, scheduler: str | None = None,
              say=print, observed: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Run (or, with `resume`, continue) the ABC-SMC of `s` into `folder`; returns the posterior.

    Every finished generation is kept under `folder/populations/`, so an interrupted
    calibration loses at most the generation under way, and a resumed one continues with the
    very numbers it would have drawn. `observed` replaces the data's summary statistics (a
    synthetic truth).
    """
    folder = Path(folder)
    check_memory(s, workers if scheduler is None else 1)
    model = Model(s)  # the data read and checked first: a calibration refused leaves no folder behind
    _check_folder(s, folder, resume)
    c = s.calibration
    low, high = bounds(s, model.names)
    observed = model.target.observed() if observed is None else observed
    done = generations(folder) if resume else pd.DataFrame()
    say(f"calibrating '{s.name}': {len(model.names)} values, {c.population} particles a generation, "
        f"{c.replicates} runs a particle, fitted on {model.target.years[0]}-{c.fit_end}"
        + (f"; resuming after generation {int(done['generation'].iloc[-1])}" if len(done) else ""))
    pop = _population(folder, done, model.names) if len(done) else None
    start = (pop, len(done), float(done["tolerance"].iloc[-1])) if pop is not None else None
    if start is None:
        done = pd.DataFrame()

    def kept(population: smc.Population, found: smc.Generation, seconds: float) -> None:
        nonlocal done
        done = _step(folder, done, model.names, say, population, found, seconds, c.generations)

    with evaluator(s, observed, workers, scheduler) as evaluate:
        pop = smc.run(low, high, c.population, s.seed, evaluate, c.generations, c.tolerance, start, kept, say)
    table = pd.DataFrame(pop.values, columns=model.names).assign(weight=1.0 / len(pop.values))
    write_posterior(folder, table)
    fit = {"calibrated model (posterior predictive)": predictive_distance(model, table, observed, s.seed),
           "a particle (its own runs; median of the last generation)": float(done["median_distance"].iloc[-1]),
           **model.target.references()}
    _write_manifest(s, folder, workers, scheduler, done, fit, effective_size(table["weight"]))
    return table


PARTICLE = 10 * 8  # bytes per particle and value: its values, proposals and resampled copies in a generation


def share_memory(s: Scenario) -> float:
    """Bytes a process holds while it simulates a share of CHUNK particles over their replicates."""
    return budget.trajectories(CHUNK * s.calibration.replicates, s.steps, len(s.names))


def check_memory(s: Scenario, workers: int = 1) -> None:
    """Refuse, before anything is drawn or written, a calibration whose population, and the shares its
    workers simulate (each worker's own memory counted), would pass the memory budget."""
    c = s.calibration
    processes = workers if workers > 1 else 0
    nbytes = PARTICLE * c.population * (len(c.priors) + 2) + max(workers, 1) * share_memory(s) + processes * budget.WORKER
    budget.check(nbytes, f"a calibration of {c.population:,} particles, each over {c.replicates:,} runs of "
                         f"{s.steps:,} quarters, on {workers} worker(s)",
                 "ask for fewer particles (calibration.population) or runs a particle (calibration.replicates), "
                 "or use fewer --workers")


def bounds(s: Scenario, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The flat priors' lower and upper bounds, in the order of `names`."""
    low, high = zip(*(s.calibration.priors[name].uniform for name in names))
    return np.array(low, dtype=float), np.array(high, dtype=float)


def predictive_distance(model: Model, table: pd.DataFrame, observed: dict, seed: int, sets: int = 200) -> float:
    """The distance of the calibrated model: the summary statistics averaged over `sets` parameter
    sets drawn from the posterior (each over its replicates), held to the data as a particle is."""
    rng = np.random.default_rng([seed, 0x5E7])
    w = table["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(table), size=sets, p=w / w.sum())
    values = table[model.names].to_numpy(dtype=float)[rows]
    parts = [model.statistics(values[at:at + CHUNK], smc.seeds(rng, len(values[at:at + CHUNK])))
             for at in range(0, sets, CHUNK)]
    mean = {kind: np.concatenate([x[kind] for x in parts]).mean(axis=0) for kind in model.target.points}
    return model.target.distance(mean, observed)


def _step(folder: Path, done: pd.DataFrame, names: list[str], say, pop: smc.Population, found: smc.Generation,
          seconds: float, last: int) -> pd.DataFrame:
    """Keep a finished generation (its population, then its row), and report it."""
    k = len(done)
    (folder / POPULATIONS).mkdir(exist_ok=True)
    frame = pd.DataFrame(pop.values, columns=names).assign(distance=pop.distances)
    path = folder / POPULATIONS / f"generation-{k:03d}.parquet"
    write_table(frame, path)
    row = {"generation": k, "tolerance": found.tolerance, "median_distance": float(np.median(pop.distances)),
           "steps": found.steps, "acceptance": found.acceptance, "simulations": found.simulations,
           "distinct": found.distinct, "population_sha256": _digest(path)}
    done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
    write_table(done, folder / "generations.parquet")
    if k == 0:
        say(f"generation 0 (the prior): {len(pop.values)} particles, median distance {row['median_distance']:.3g}")
    else:
        say(f"generation {k}/{last}: tolerance {found.tolerance:.3g}, median distance {row['median_distance']:.3g}, "
            f"{found.steps} moves a particle, {found.acceptance:.1%} accepted, {found.distinct} distinct particles, "
            f"{seconds:.1f} s")
    return done


def generations(folder: Path) -> pd.DataFrame:
    """One row per finished generation (0: the prior sample): its tolerance, the median distance of
    its particles, the moves a particle made, their acceptance, the simulations, the distinct particles,
    and the hash of its population's file as written."""
    path = Path(folder) / "generations.parquet"
    if not path.exists():
        return pd.DataFrame()
    try:
        if not path.is_file():
            raise OSError("not a regular file")
        return pd.read_parquet(path)
    except (OSError, pa.ArrowException) as exc:
        raise CalibrationError(f"{path} cannot be read ({str(exc).splitlines()[0]}); allowed: a calibration "
                               "folder as calibrate wrote it; calibrate again into a new --out") from None


def _digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _population(folder: Path, done: pd.DataFrame, names: list[str]) -> smc.Population | None:
    """The population of the last finished generation, checked against the hash recorded when it was
    written (a folder from before hashes were recorded has none to check)."""
    k = int(done["generation"].iloc[-1])
    path = folder / POPULATIONS / f"generation-{k:03d}.parquet"
    if not path.exists():
        return None
    again = "allowed: the population as calibrate wrote it; calibrate again into a new --out"
    recorded = done["population_sha256"].iloc[-1] if "population_sha256" in done else None
    if not path.is_file() or (isinstance(recorded, str) and _digest(path) != recorded):
        raise CalibrationError(f"{path} is not the file written when generation {k} finished (its hash differs from "
                               f"the one in generations.parquet); {again}")
    try:
        frame = pd.read_parquet(path)
    except (OSError, pa.ArrowException) as exc:
        raise CalibrationError(f"{path} cannot be read ({str(exc).splitlines()[0]}); {again}") from None
    if list(frame.columns) != [*names, "distance"]:
        raise CalibrationError(f"{path} holds the values {', '.join(frame.columns[:-1])}; allowed: --resume with "
                               "the scenario that started it, or a new --out")
    return smc.Population(frame[names].to_numpy(dtype=float), frame["distance"].to_numpy(dtype=float))


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles: (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def _check_folder(s: Scenario, folder: Path, resume: bool) -> None:
    if resume:
        written = folder / "scenario.yaml"
        if not written.is_file():
            raise CalibrationError(f"{folder} has no calibration to resume (scenario.yaml is missing)")
        if _identity(_read(folder)) != _identity(s):
            raise CalibrationError(f"{folder} holds a calibration of another version of the scenario; allowed: "
                                   "--resume with the same scenario (generations and tolerance may change), or a new --out")
        return  # with no generation finished (stopped in the first), it starts again from the prior
    if (folder / "generations.parquet").exists():
        raise CalibrationError(f"{folder} already holds a calibration; pass --resume to continue it, or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    with whole(folder / "scenario.yaml") as path:
        path.write_text(s.to_yaml(), encoding="utf-8")


def _read(folder: Path) -> Scenario:
    try:
        return folder_scenario(folder, "choose a new --out")
    except DamagedResults as exc:
        raise CalibrationError(str(exc)) from None


def _identity(s: Scenario) -> str:
    """What a resumed calibration must share with the one it continues: all but when to stop."""
    return s.model_copy(update={"calibration": s.calibration.model_copy(update={"generations": 1, "tolerance": 0.0})}).digest()


def _write_manifest(s: Scenario, folder: Path, workers: int, scheduler: str | None, done: pd.DataFrame,
                    fit: dict[str, float], size: float) -> None:
    last = done.iloc[-1]
    found = provenance(s) | {
        "sampler": SAMPLER, "seed": s.seed, "workers": workers, "scheduler": scheduler,
        "reproducible": True, "fit_end": s.calibration.fit_end, "series": s.calibration.series,
        "data": s.calibration.data or "shipped", "generations": int(last["generation"]),
        "tolerance": float(last["tolerance"]), "median_distance": float(last["median_distance"]),
        "fit": fit, "particles": s.calibration.population,
        "effective_sample_size": round(size, 1),  # Kish's, of the posterior's weights (equal: the population)
        "distinct_particles": int(last["distinct"])}
    write_manifest(folder, found)
