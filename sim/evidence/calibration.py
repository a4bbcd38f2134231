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
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import budget
from ..batch.cluster import executor
from ..core.engine import Trajectory, run_seeds, simulate, take
from ..core.schedule import Variation
from ..outputs.posterior import posterior_sets, write_posterior
from ..outputs.results import DamagedResults, folder_scenario, new_folder, provenance, whole, write_manifest, write_table
from ..scenario import Scenario
from ..scenario.calendar import parse_quarter, step_years
from . import data, diagnostics, observe, references, smc

POPULATIONS = "populations"  # one Parquet file per finished generation: its particles and their distances
CHUNK = 100  # particles simulated together (10 replicates each: about 30 MB of trajectories)
SAMPLER = ("ABC-SMC with MCMC moves (Drovandi & Pettitt 2011; Del Moral, Doucet & Jasra 2012): "
           "half the particles kept each generation, resampled, moved by Metropolis-Hastings steps")


class CalibrationError(Exception):
    """A calibration that cannot start or resume as asked (reported in one line, exit 2)."""


def same_settings(where: Path, these: dict, what: str) -> None:
    """Record in `where` the settings its `what` (forecasts, trials) are made with, or refuse to add
    to them with any others: a folder that is continued must hold work made one way."""
    import json

    path = Path(where) / "settings.json"
    if path.is_file():
        before = json.loads(path.read_text(encoding="utf-8"))
        changed = [f"{k} {before.get(k)} -> {v}" for k, v in these.items() if before.get(k) != v]
        if changed:
            raise CalibrationError(f"{where} holds {what} made otherwise ({'; '.join(changed)}); allowed: the same "
                                   "scenario and settings to continue them, or a new --out")
        return
    Path(where).mkdir(parents=True, exist_ok=True)
    with whole(path) as partial:
        partial.write_text(json.dumps(these, indent=2) + "\n", encoding="utf-8")


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
        return Point(np.searchsorted(self.years, frame["year"]), np.array([self.pairs.index(p) for p in frame["pair"]]),
                     frame["value"].to_numpy(dtype=float), references.typical_change(frame))

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
        return float(self.distances({kind: np.asarray(v)[None] for kind, v in x.items()}, observed)[0])

    def distances(self, x: dict[str, np.ndarray], observed: dict) -> np.ndarray:
        """The distance of each of m sets of summary statistics `x` ({kind: (m, points)})."""
        return np.sqrt(self.misfit(x, observed)[0].sum(axis=1))

    def misfit(self, x: dict[str, np.ndarray], observed: dict) -> tuple[np.ndarray, list[tuple[str, str]]]:
        """The squared distance of each of m sets of summary statistics `x` ({kind: (m, points)}),
        split by series (kind, pair): (m, series), and the series' names. The observation model is
        fitted to each set as `observe.fit` fits it (an offset per pair; a scale per stance kind), all
        sets at once."""
        parts, names = [], []
        for kind, p in self.points.items():
            group = np.eye(len(self.pairs))[p.pair]  # (points, pairs)
            count = group.sum(axis=0)
            present = count > 0
            within = lambda v: v - (v @ group / np.where(present, count, 1)) @ group.T  # noqa: E731
            dx, dy = within(np.atleast_2d(np.asarray(x[kind], dtype=float))), within(np.asarray(observed[kind], dtype=float))
            beta = np.ones(len(dx))
            if observe.KINDS[kind] == "stance":
                spread = np.einsum("mp,mp->m", dx, dx)
                beta = np.where(spread > 1e-12, dx @ dy / np.where(spread > 1e-12, spread, 1.0), 0.0)
            residual = dy - beta[:, None] * dx
            parts.append((residual**2 @ group)[:, present] / (len(p.value) * p.scale**2 * len(self.points)))
            names += [(kind, self.pairs[k]) for k in np.flatnonzero(present)]
        return np.concatenate(parts, axis=1), names

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

    def run(self, values: np.ndarray, seeds: np.ndarray, replicates: int | None = None) -> Trajectory:
        """The trajectories of m particles (`values` (m, names)), each over its replicates (seeded
        from its own seed; `replicates` of them, default the calibration's), runs in particle order:
        (m * replicates, steps + 1, n, n)."""
        values, r = np.atleast_2d(values), replicates or self.replicates
        # a particle's replicates share its schedule: built once a particle (its rest state is the costly
        # part), then repeated
        sched = take(self.variation.schedules(values[:, self.columns]), np.repeat(np.arange(len(values)), r))
        runs = np.concatenate([run_seeds(int(seed), r) for seed in np.atleast_1d(seeds)])
        return simulate(sched, runs, self.target.steps)

    def statistics(self, values: np.ndarray, seeds: np.ndarray, replicates: int | None = None) -> dict[str, np.ndarray]:
        """The summary statistics of m particles, CHUNK at a time: {kind: (m, points)} (`replicates`
        runs each, default the calibration's; 1: one history, as the real data are)."""
        parts = []
        for at in range(0, len(values), CHUNK):
            traj = self.run(values[at:at + CHUNK], seeds[at:at + CHUNK], replicates)
            shape = (-1, replicates or self.replicates, *traj.A.shape[1:])
            parts.append(self.target.statistics(traj.A.reshape(shape), traj.E.reshape(shape)))
        return {kind: np.concatenate([x[kind] for x in parts]) for kind in parts[0]}

    def distances(self, values: np.ndarray, seeds: np.ndarray, observed: dict[str, np.ndarray]) -> np.ndarray:
        """The distance of each of m particles to `observed` (simulated CHUNK particles at a time)."""
        return self.target.distances(self.statistics(values, seeds), observed)


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

    with executor(workers, scheduler) as on:
        if on is None:
            yield lambda values, seeds: _distances(s, values, seeds, observed)
        else:
            yield lambda values, seeds: np.concatenate(
                [f.result() for f in [on.submit(_distances, s, v, z, observed) for v, z in zip(*shares(values, seeds))]])


def calibrate(s: Scenario, folder: Path, resume: bool = False, workers: int = 1, scheduler: str | None = None,
              say=print, observed: dict[str, np.ndarray] | None = None, warm: np.ndarray | None = None) -> pd.DataFrame:
    """Run (or, with `resume`, continue) the ABC-SMC of `s` into `folder`; returns the posterior.

    Every finished generation is kept under `folder/populations/`, so an interrupted
    calibration loses at most the generation under way, and a resumed one continues with the
    very numbers it would have drawn. `observed` replaces the data's summary statistics (a
    synthetic truth). `warm` (particles, values in the order of the priors) is a warm start:
    generation 0 is these particles simulated afresh instead of a sample of the prior (e.g. the
    posterior of a fit on fewer years); the generations after it move them as usual.
    """
    folder = Path(folder)
    s = s.model_copy(update={"posterior": None})  # what a calibration fits draws from its priors, not a posterior
    check_memory(s, workers if scheduler is None else 1)
    model = Model(s)  # the data read and checked first: a calibration refused leaves no folder behind
    _check_folder(s, folder, resume)
    c = s.calibration
    low, high = bounds(s, model.names)
    observed = model.target.observed() if observed is None else observed
    done = generations(folder) if resume else pd.DataFrame()
    say(f"calibrating '{s.name}': {len(model.names)} values, {c.population} particles a generation, "
        f"{c.replicates} runs a particle, fitted on {model.target.years[0]}-{c.fit_end}"
        + (f"; resuming after generation {int(done['generation'].iloc[-1])}" if len(done) else "")
        + ("; generation 0 warm-started from given particles" if warm is not None and not len(done) else ""))
    pop = _population(folder, done, model.names) if len(done) else None
    start = (pop, len(done), float(done["tolerance"].iloc[-1]), _settled(done)) if pop is not None else None
    if start is None:
        done = pd.DataFrame()

    def kept(population: smc.Population, found: smc.Generation, seconds: float) -> None:
        nonlocal done
        done = _step(folder, done, model.names, say, population, found, seconds, c.generations)

    with evaluator(s, observed, workers, scheduler) as evaluate:
        pop = smc.run(low, high, c.population, s.seed, evaluate, c.generations, c.tolerance, start, kept, say,
                      None if warm is None else np.asarray(warm, dtype=float))
    table = pd.DataFrame(pop.values, columns=model.names).assign(weight=1.0 / len(pop.values))
    write_posterior(folder, table)
    fit = {"calibrated model (posterior predictive)": predictive_distance(model, table, observed, s.seed),
           "a particle (its own runs; median of the last generation)": float(done["median_distance"].iloc[-1]),
           **model.target.references()}
    say("checking the posterior: what the data identify, and whether the model makes data like these")
    found = checks(model, table, observed, s.seed, low, high, float(done["tolerance"].iloc[-1]))
    _write_manifest(s, folder, workers, scheduler, done, fit, found, pop, warm is not None)
    return table


def checks(model: Model, table: pd.DataFrame, observed: dict, seed: int, low: np.ndarray, high: np.ndarray,
           tolerance: float) -> dict:
    """What the manifest says of a posterior beyond its fit: identification (`diagnostics.identification`),
    the posterior predictive check and the real data's residual noise, series by series."""
    values, directions = diagnostics.identification(table, low, high)
    noise = diagnostics.observation_noise(model, table, observed, seed)
    return {"identification": {"values": values.round(4).to_dict(orient="index"),
                               "directions": directions.round(4).to_dict(orient="records")},
            "predictive_check": diagnostics.predictive_check(model, table, observed, seed, noise, tolerance),
            "observation_noise": noise.table.round(5).to_dict(orient="records")}


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
    values = diagnostics.posterior_draws(table, model.names, sets, rng)
    parts = [model.statistics(values[at:at + CHUNK], smc.seeds(rng, len(values[at:at + CHUNK])))
             for at in range(0, sets, CHUNK)]
    mean = {kind: np.concatenate([x[kind] for x in parts]).mean(axis=0) for kind in model.target.points}
    return model.target.distance(mean, observed)


def _step(folder: Path, done: pd.DataFrame, names: list[str], say, pop: smc.Population, found: smc.Generation,
          seconds: float, last: int) -> pd.DataFrame:
    """Keep a finished generation (its population, then its row), and report it."""
    k = len(done)
    (folder / POPULATIONS).mkdir(exist_ok=True)
    frame = pd.DataFrame(pop.values, columns=names).assign(distance=pop.distances, ancestor=pop.ancestors)
    path = folder / POPULATIONS / f"generation-{k:03d}.parquet"
    write_table(frame, path)
    row = {"generation": k, "tolerance": found.tolerance, "median_distance": float(np.median(pop.distances)),
           "steps": found.steps, "acceptance": found.acceptance, "simulations": found.simulations,
           "distinct": found.distinct, "lineages": found.lineages, "distance_sd": found.noise,
           **{f"ess {name}": ess for name, ess in zip(names, found.ess)}, "population_sha256": _digest(path)}
    done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
    write_table(done, folder / "generations.parquet")
    if k == 0:
        say(f"generation 0: {len(pop.values)} particles, median distance {row['median_distance']:.3g}, "
            f"the distance's own s.d. {found.noise:.2g}")
    else:
        fall = float(done["tolerance"].iloc[-2]) - found.tolerance
        say(f"generation {k}/{last}: tolerance {found.tolerance:.3g} (down {fall:.2g}; the distance's own s.d. "
            f"{found.noise:.2g}), median distance {row['median_distance']:.3g}, {found.steps} moves a particle, "
            f"{found.acceptance:.1%} accepted, ESS of the moves {_least(found.ess)}, {found.distinct} distinct "
            f"particles of {found.lineages} lineages, {seconds:.1f} s")
    return done


def _least(ess: np.ndarray) -> str:
    """The smallest ESS over the values, or a dash where there were too few moves to tell."""
    return "-" if np.all(np.isnan(ess)) else f"{np.nanmin(ess):,.0f} (least over the values)"


def _settled(done: pd.DataFrame) -> bool:
    """Whether the last finished generation's tolerance fell by less than the distance's own noise."""
    if len(done) < 2 or "distance_sd" not in done:
        return False
    return smc.settled(float(done["tolerance"].iloc[-2]), float(done["tolerance"].iloc[-1]),
                       float(done["distance_sd"].iloc[-1]))


def generations(folder: Path) -> pd.DataFrame:
    """One row per finished generation (0: the prior sample): its tolerance, the median distance of
    its particles, the moves a particle made, their acceptance, the simulations, the distinct particles
    and lineages, the distance's own s.d., the moves' ESS of each value (`smc.Generation`) and the hash
    of its population's file as written."""
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
    if list(frame.columns) not in ([*names, "distance"], [*names, "distance", "ancestor"]):
        raise CalibrationError(f"{path} holds the values {', '.join(frame.columns[:len(names)])}; allowed: --resume with "
                               "the scenario that started it, or a new --out")
    ancestors = frame["ancestor"].to_numpy() if "ancestor" in frame else np.arange(len(frame))  # kept before lineages were
    return smc.Population(frame[names].to_numpy(dtype=float), frame["distance"].to_numpy(dtype=float), ancestors)


def _check_folder(s: Scenario, folder: Path, resume: bool) -> None:
    if resume:
        written = folder / "scenario.yaml"
        if not written.is_file():
            raise CalibrationError(f"{folder} has no calibration to resume (scenario.yaml is missing)")
        if _identity(_read(folder)) != _identity(s):
            raise CalibrationError(f"{folder} holds a calibration of another version of the scenario; allowed: "
                                   "--resume with the same scenario (generations and tolerance may change), or a new --out")
        # with no generation finished (stopped in the first), it starts again from the prior
    elif (folder / "generations.parquet").exists():
        raise CalibrationError(f"{folder} already holds a calibration; pass --resume to continue it, or choose another --out")
    else:
        new_folder(folder)  # refused if anything is there: a calibration starts only in a folder of its own
    # a resumed calibration may stop elsewhere: the folder's scenario says when this one stopped, as its manifest will
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
                    fit: dict[str, float], checked: dict, pop: smc.Population, warm: bool = False) -> None:
    last = done.iloc[-1]
    found = provenance(s) | {
        "sampler": SAMPLER, "seed": s.seed, "workers": workers, "scheduler": scheduler,
        "generation_0": "given particles (a warm start)" if warm else "the prior",
        "reproducible": True, "fit_end": s.calibration.fit_end, "series": s.calibration.series,
        "data": s.calibration.data or "shipped", "generations": int(last["generation"]),
        "tolerance": float(last["tolerance"]), "median_distance": float(last["median_distance"]),
        "fit": fit, "particles": s.calibration.population,
        "mixing": mixing(done, pop), **checked}
    write_manifest(folder, found)


def mixing(done: pd.DataFrame, pop: smc.Population) -> dict:
    """How independent the posterior's particles are, and whether the tolerance ended above the
    distance's own noise (from the generations' rows and the last population)."""
    last = done.iloc[-1]
    known = lambda x: None if x is None or np.isnan(x) else round(float(x), 6)  # noqa: E731  (JSON has no NaN)
    fall = float(done["tolerance"].iloc[-2] - last["tolerance"]) if len(done) > 1 else None
    ess = {c.removeprefix("ess "): known(last[c]) for c in done.columns if c.startswith("ess ")}
    copies = np.unique(pop.values, axis=0, return_counts=True)[1]
    return {"distinct_particles": int(len(copies)),
            "lineages": int(len(np.unique(pop.ancestors))),  # particles of generation 0 the posterior descends from
            "largest_copies": int(copies.max()),
            "moves_ess": ess,  # the last generation's moves, per value (ArviZ bulk ESS, particles as chains)
            "last_tolerance_fall": known(fall), "distance_sd": known(last.get("distance_sd")), "settled": _settled(done)}
