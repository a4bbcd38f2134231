"""Where the world was at an origin: the model's state estimated from the observed series up to it.

Run freely from its first picture, the model reaches an origin wherever its runs drifted to,
while the world was observed every year on the way. Data assimilation brings the two
together: a bootstrap particle filter (Gordon, Salmond & Smith 1993) whose particles are the
model's own runs, over their stances, cooperation and ties.

- Each particle is a run with a parameter set drawn from the posterior fitted up to the
  origin, and an observation model of its own (`Observation`: offsets and scales, a
  bootstrap replicate of their fit), so that the uncertainty of both is carried through.
- Year by year the runs go through the compiled engine under that year's conditions, and
  each is weighted by how likely the year's observations are under it: an observation is the
  offset + the scale x the model's value + a residual that follows its series' own AR(1),
  fitted on the residuals up to the origin, so a residual that has lasted is expected to last.
- The runs are then resampled (systematic resampling) within each parameter set: every set
  keeps its share of the particles, so the filter sharpens the state given each set and
  leaves the posterior over the sets as the calibration made it (p(θ, x | y) = p(θ | y)
  p(x | θ, y): the data are not counted twice).

Why not `particles` or `filterpy`: both step filters whose particles their own code moves and
resamples one filter at a time, from numpy's global random state; here the particles are
thousands of the compiled engine's runs at once, resampled within groups from a seeded
generator, and the filter proper is the few lines of `weigh` and `resample`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..core.dynamics import State
from ..core.engine import Trajectory, simulate, take
from ..core.schedule import Schedule
from ..scenario import Scenario
from ..scenario.calendar import format_quarter, parse_quarter
from . import observe

MIN_POINTS = 4  # a series with fewer observations up to the origin takes its kind's residual s.d. and AR(1)
MOST_PHI = 0.95  # the residuals' AR(1) coefficient is held within ±MOST_PHI (a stationary process)


def window(sched: Schedule, first: int, steps: int, shift_first: bool = False) -> Schedule:
    """The part of a schedule from step `first` for `steps` quarters, as a schedule of its own (its
    step 0 is `first`; conditions after the schedule's last phase hold on). The shift at `first`
    is kept only with `shift_first`: a state recorded there has been moved by it already."""
    k = int(np.searchsorted(sched.starts, first, side="right")) - 1
    later = [m for m in range(k + 1, len(sched.starts)) if sched.starts[m] < first + steps]
    keep = [m for m, t in enumerate(sched.shift_steps) if first < t <= first + steps or (shift_first and t == first)]
    return Schedule(sched.initial, [0, *(sched.starts[m] - first for m in later)],
                    [sched.phases[k], *(sched.phases[m] for m in later)],
                    [sched.shift_steps[m] - first for m in keep], [sched.shifts[m] for m in keep])


def advance(sched: Schedule, group: np.ndarray, state: State | None, first: int, steps: int,
            seeds: np.ndarray) -> Trajectory:
    """The runs of `group` (each a row of the stacked `sched`) from `state` at step `first` (None: the
    schedule's own initial state at step 0) for `steps` quarters."""
    part = take(window(sched, first, steps, shift_first=state is None), group)
    return simulate(part if state is None else replace(part, initial=state), seeds, steps)


def seeds_of(seed: int, *key: int, runs: int) -> np.ndarray:
    """Seeds of `runs` runs for one stage of a filter, from the scenario's seed and the stage alone."""
    return np.random.SeedSequence([seed, *key]).generate_state(runs, dtype=np.uint32).astype(np.int64)


def yearly(traj: Trajectory, s: Scenario, first: int) -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    """`observe.annual` of a trajectory whose step 0 is step `first` of scenario `s`."""
    start = format_quarter(parse_quarter(s.start) + first)
    return observe.annual(traj, s.model_copy(update={"start": start, "steps": traj.A.shape[1] - 1}))


@dataclass
class Observation:
    """The observation model fitted up to the origin, series by series (`series`: kind, pair, column
    of the pair, the residuals' s.d. and AR(1) coefficient), with one bootstrap replicate of the
    offsets and scales per parameter set: `alpha`, `beta` (replicates, series)."""

    series: pd.DataFrame
    alpha: np.ndarray
    beta: np.ndarray

    def values(self, model: dict[str, np.ndarray]) -> np.ndarray:
        """The model's value behind every series (runs, ..., series) from yearly means `model`
        (variable -> (runs, ..., pairs)), as the observation model takes it."""
        out = np.empty((*model["stance"].shape[:-1], len(self.series)))
        for kind, rows in self.series.groupby("kind").indices.items():
            x = model[observe.KINDS[kind]][..., self.series["column"].to_numpy()[rows]]
            out[..., rows] = observe.model_values(kind, x)
        return out

    def predict(self, x: np.ndarray, group: np.ndarray) -> np.ndarray:
        """offset + scale x the model's value, each run with its own replicate (x: (runs, ..., series))."""
        shape = (len(group),) + (1,) * (x.ndim - 2) + (len(self.series),)
        return self.alpha[group].reshape(shape) + self.beta[group].reshape(shape) * x

    def evolve(self, residual: np.ndarray, gap: np.ndarray, z: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The residuals `gap` years after `residual` (NaN: none seen yet) under each series' AR(1):
        their mean and s.d., or with draws `z` a draw."""
        phi, sigma = self.series["phi"].to_numpy(), self.series["sigma"].to_numpy()
        f = np.where(np.isnan(residual), 0.0, phi ** np.maximum(gap, 1))
        mean, sd = f * np.nan_to_num(residual), sigma * np.sqrt(1 - f**2)
        return (mean, sd) if z is None else (mean + sd * z, sd)


def observation(years: np.ndarray, pairs: list[str], model: dict[str, np.ndarray], frame: pd.DataFrame,
                replicates: int, rng: np.random.Generator) -> Observation:
    """The observation model of `observe` fitted to the known points `frame` on the runs' mean `model`
    (yearly means over `years` and `pairs`), each series' residual s.d. and AR(1), and `replicates`
    residual-bootstrap replicates of the offsets and scales: the residuals drawn anew from each
    series' AR(1), the fit made again."""
    rows, alphas, betas = [], [], []
    for kind, points in frame.groupby("kind", sort=True):
        points = points.sort_values(["pair", "year"]).reset_index(drop=True)
        column = np.array([pairs.index(p) for p in points["pair"]])
        x = observe.model_values(kind, model[observe.KINDS[kind]][:, np.searchsorted(years, points["year"]), column])
        x = x.mean(axis=0)
        y = points["value"].to_numpy(dtype=float)
        code, names = pd.factorize(points["pair"])
        _, residual = observe.fit(kind, x, y, code)
        sigma, phi = _residual_process(points, residual, code, len(names))
        e = _ar1_draws(points["year"].to_numpy(), code, sigma[code], phi[code], replicates, rng)
        beta, alpha = _refit(kind, x, (y - residual)[None] + e, code, len(names))
        rows.append(pd.DataFrame({"kind": kind, "pair": names, "column": column[np.searchsorted(code, range(len(names)))],
                                  "sigma": sigma, "phi": phi, "points": np.bincount(code)}))
        alphas.append(alpha)
        betas.append(np.repeat(beta[:, None], len(names), axis=1))
    return Observation(pd.concat(rows, ignore_index=True), np.concatenate(alphas, axis=1), np.concatenate(betas, axis=1))


def _residual_process(points: pd.DataFrame, residual: np.ndarray, code: np.ndarray, groups: int):
    """Per series, the residuals' s.d. (n - 1) and AR(1) coefficient (least squares on consecutive
    years, held within ±MOST_PHI); a series with fewer than MIN_POINTS points takes its kind's."""
    n = np.bincount(code, minlength=groups)
    squares = np.bincount(code, weights=residual**2, minlength=groups)
    follows = np.r_[False, (code[1:] == code[:-1]) & (np.diff(points["year"].to_numpy()) == 1)]
    lagged = np.r_[0.0, residual[:-1]]
    cross = np.bincount(code[follows], weights=(residual * lagged)[follows], minlength=groups)
    before = np.bincount(code[follows], weights=lagged[follows] ** 2, minlength=groups)
    pooled_sigma = np.sqrt(squares.sum() / max((n - 1).clip(0).sum(), 1))
    pooled_phi = cross.sum() / before.sum() if before.sum() > 0 else 0.0
    own = n >= MIN_POINTS
    sigma = np.where(own, np.sqrt(squares / np.maximum(n - 1, 1)), pooled_sigma)
    phi = np.where(own & (before > 0), cross / np.where(before > 0, before, 1.0), pooled_phi)
    return np.maximum(sigma, 1e-9), np.clip(phi, -MOST_PHI, MOST_PHI)


def _ar1_draws(year: np.ndarray, code: np.ndarray, sigma: np.ndarray, phi: np.ndarray, replicates: int,
               rng: np.random.Generator) -> np.ndarray:
    """Residuals drawn from each point's series' stationary AR(1), (replicates, points): points in
    order of series and year."""
    z = rng.standard_normal((replicates, len(year)))
    e = np.empty_like(z)
    for k in range(len(year)):
        if k and code[k] == code[k - 1]:
            f = phi[k] ** (year[k] - year[k - 1])
            e[:, k] = f * e[:, k - 1] + sigma[k] * np.sqrt(1 - f**2) * z[:, k]
        else:
            e[:, k] = sigma[k] * z[:, k]
    return e


def _refit(kind: str, x: np.ndarray, y: np.ndarray, code: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """`observe.fit` of each row of `y` (replicates, points) on the same x: scales (replicates,) and
    offsets (replicates, pairs)."""
    one_hot = np.eye(groups)[code]
    mean = lambda v: (v @ one_hot) / one_hot.sum(axis=0)  # noqa: E731  (per pair)
    dx = x - mean(x)[code]
    beta = np.ones(len(y))
    if observe.KINDS[kind] == "stance":
        spread = float(dx @ dx)
        beta = (y @ dx) / spread if spread > 1e-12 else np.zeros(len(y))
    return beta, mean(y - beta[:, None] * x[None])


@dataclass
class Filtered:
    """The runs at the origin: their state at the start of the next year, the parameter set (and
    observation replicate) of each, each series' last residual and its year, and the filter's
    effective sample size per year (the mean over sets of the share of a set's particles)."""

    state: State
    group: np.ndarray
    residual: np.ndarray  # (runs, series)
    last: np.ndarray  # (series,): the year of the last residual (-1: none)
    ess: pd.Series


def weigh(observation: Observation, x: np.ndarray, y: np.ndarray, seen: np.ndarray, group: np.ndarray,
          residual: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each run's log likelihood of one year's observations `y` of the series `seen`, from its
    model values `x` (runs, series), and its residuals of them."""
    e = y - observation.predict(x, group)[:, seen]
    mean, sd = observation.evolve(residual, gap)
    mean, sd = mean[:, seen], np.broadcast_to(sd, residual.shape)[:, seen]
    return (-0.5 * ((e - mean) / sd) ** 2 - np.log(sd)).sum(axis=1), e


def resample(loglik: np.ndarray, sets: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Systematic resampling within each set (runs in sets of equal size, one after another): the
    runs' new indices and the mean effective sample size, as a share of a set's particles."""
    w = np.exp(loglik.reshape(sets, -1) - loglik.reshape(sets, -1).max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    k = w.shape[1]
    ess = float(np.mean(1.0 / (w**2).sum(axis=1)) / k)
    cumulative = np.cumsum(w, axis=1)
    cumulative[:, -1] = 1.0
    at = (rng.random((sets, 1)) + np.arange(k)) / k
    offset = np.arange(sets)[:, None]
    return np.searchsorted((cumulative + offset).ravel(), (at + offset).ravel(), side="right"), ess


def assimilate(sched: Schedule, s: Scenario, frame: pd.DataFrame, origin: int, particles: int, seed: int,
               say=lambda message: None) -> tuple[Filtered, Observation]:
    """Filter the runs of the stacked schedule `sched` (one row per parameter set, `particles` runs
    each) through the observed points `frame` up to `origin`; returns the runs at the start of the
    year after it and the observation model fitted on their free runs."""
    sets = sched.initial.A.shape[0]
    group = np.repeat(np.arange(sets), particles)
    first = parse_quarter(s.start)
    end = parse_quarter(f"{origin + 1}Q1") - first
    free = advance(sched, group, None, 0, end, seeds_of(seed, origin, 0, runs=len(group)))
    years, pairs, model = yearly(free, s, 0)
    rng = np.random.default_rng([seed, origin, 0xA55])
    observed = frame[frame["year"].isin(years)]
    found = observation(years, pairs, model, observed, sets, rng)
    key = found.series.set_index(["kind", "pair"]).index
    by_year = {y: g for y, g in observed.groupby("year")}
    residual = np.full((len(group), len(key)), np.nan)
    last = np.full(len(key), -1)
    cuts = [0, *(t for t in range(1, end) if (first + t) % 4 == 0), end]
    state, ess = None, {}
    say(f"filtering {len(group):,} runs ({sets} parameter sets x {particles}) through {years[0]}-{origin}")
    for a, b in zip(cuts[:-1], cuts[1:]):
        traj = advance(sched, group, state, a, b - a, seeds_of(seed, origin, 1, a, runs=len(group)))
        state = State(*(x[:, -1] for x in traj))
        here, _, means = yearly(traj, s, a)
        if not len(here) or here[0] not in by_year:
            continue
        year, points = int(here[0]), by_year[here[0]]
        seen = key.get_indexer(pd.MultiIndex.from_frame(points[["kind", "pair"]]))
        x = found.values({v: m[:, 0] for v, m in means.items()})
        loglik, e = weigh(found, x, points["value"].to_numpy(dtype=float), seen, group, residual, year - last)
        residual[:, seen] = e
        last[seen] = year
        index, ess[year] = resample(loglik, sets, rng)
        state = State(*(v[index] for v in state))
        residual = residual[index]
    return Filtered(state, group, residual, last, pd.Series(ess, name="effective share")), found


def project(filtered: Filtered, observation: Observation, sched: Schedule, s: Scenario, origin: int, horizon: int,
            seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The runs carried on from the origin under `sched` for `horizon` years, through the observation
    model with each series' residual carried on by its AR(1): the years and the members (runs,
    years, series), kept in each series' range. The same seed gives the same noise under any
    schedule, so two forecasters differ by their conditions alone."""
    start = parse_quarter(f"{origin + 1}Q1") - parse_quarter(s.start)
    traj = advance(sched, filtered.group, filtered.state, start, 4 * horizon,
                   seeds_of(seed, origin, 2, runs=len(filtered.group)))
    years, _, model = yearly(traj, s, start)
    x = observation.values(model)
    rng = np.random.default_rng([seed, origin, 0xF0C])
    residual, last = filtered.residual, filtered.last.copy()
    members = np.empty_like(x)
    for k, year in enumerate(years):
        residual, _ = observation.evolve(residual, year - last, rng.standard_normal(residual.shape))
        last[:] = year
        members[:, k] = observation.predict(x[:, k], filtered.group) + residual
    low, high = zip(*(observe.RANGE[kind] for kind in observation.series["kind"]))
    return years, np.clip(members, np.array(low), np.array(high))
