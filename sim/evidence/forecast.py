"""Forecasts that could have been made, scored as forecasters score them.

A forecast from an origin year is what could have been said at the end of that year: a
function of the scenario and the data up to it, bit for bit.

- **The scenario cut at the origin** (`cut`): events after the origin dropped, every condition
  held at its value in force at the origin (the rule: what was last set stays set), a balance
  (`rest:`) dated after the origin dropped, so that the balance is the start's.
- **The data up to the origin** (`known`, the one place the forecasts read the data): the
  calibration is fitted on them (its fit window ends at the origin; each origin's fit starts
  from the previous origin's posterior, `fit`), the observation model's offsets, scales and
  residual AR(1) are fitted on them, and the state at the origin is filtered from them
  (`assimilate`): the forecasts start where the world was.
- **Two forecasters, never pooled**: the model with the drivers as known at the origin (the
  forecast proper), and the model given the drivers as they happened (events after the origin
  kept: a conditional forecast, "what the model says if you tell it the sanctions of 2022"),
  labelled `NAME (conditional)`. Both start from the same filtered runs with the same noise.
- **Three benchmarks fitted on the same years** (the scenario's first year to the origin), per
  series: persistence (the origin's value, spreading as the series' year-to-year changes did),
  a random walk with drift, and AR(1) (y_t = c + φ y_{t-1} + e, by least squares).

Every forecast that has data is scored: CRPS (in units of each kind's typical year-to-year
change, `calibration.Target`, so that kinds add up), the log score, the PIT, the coverage of the
central 50/80/90% intervals, the direction of change. Skill is 1 - CRPS / the benchmark's CRPS,
with two block-bootstrap intervals, as the forecasts are dependent: series and target years
resampled together (a target year's shock hits every series; the pigeonhole bootstrap, Owen
2007), and origins resampled (each origin's forecasts one block). Reported per origin, per kind,
per horizon and pooled (`tables`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scoringrules as sr
from scipy import stats

from ..core.posterior import Posterior
from ..core.schedule import event_step, split_setting
from ..outputs.posterior import posterior_sets
from ..scenario import Scenario
from ..scenario.calendar import parse_quarter
from . import assimilate, diagnostics, observe

ORIGINS = tuple(range(2008, 2021))
HORIZON = 6  # years ahead
LEVELS = (0.5, 0.8, 0.9)
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
BENCHMARKS = ("persistence", "random walk with drift", "AR(1)")
CONDITIONAL = " (conditional)"  # the label of the forecaster given the drivers as they happened
DRAWS = 1000  # bootstrap draws of an interval
AR_PAIRS = 5  # consecutive years an AR(1) benchmark needs (fewer: persistence), so that its spread has 3 degrees of freedom


@dataclass
class Settings:
    """How each origin is fitted and filtered: particles of its calibration, generations of the first
    origin's fit (from the prior; None: the scenario's) and of each later one (from the previous
    origin's posterior), parameter sets drawn into the filter and particles per set."""

    population: int | None = 500
    generations: int | None = None
    warm: int = 2
    sets: int = 200
    particles: int = 20


def cut(s: Scenario, origin: int, horizon: int = HORIZON, conditional: bool = False) -> Scenario:
    """`s` as it could have been written at the end of `origin`, run to the end of `origin + horizon`
    and fitted up to `origin`: events after the origin dropped (kept if `conditional`: the drivers as
    they happened), so that every condition holds its value in force at the origin; a `rest:` dated
    after the origin dropped (the balance is then the start's, `rest:`'s default)."""
    after = parse_quarter(f"{origin + 1}Q1")
    events = list(s.events) if conditional else [e for e in s.events if parse_quarter(e.at) < after]
    rest = s.rest if s.rest is None or s.rest.at is None or parse_quarter(s.rest.at) < after else None
    steps = after + 4 * horizon - parse_quarter(s.start)
    found = s.model_copy(update={"events": events, "rest": rest, "steps": steps})
    if s.calibration is None:
        return found
    return found.model_copy(update={"calibration": s.calibration.model_copy(update={
        "fit_end": origin, "priors": priors_in(found, s.calibration.priors)})})


def priors_in(s: Scenario, priors: dict) -> dict:
    """The priors with only the settings `s` has: a value an event sets, where `s` has that event
    (a government's autonomy after the origin is not fitted before it); a prior left setting
    nothing is dropped."""
    found = {}
    for name, prior in priors.items():
        kept = [x for x in (prior.sets or [name]) if split_setting(x)[1] is None or _has_event(s, x)]
        if kept:
            found[name] = prior.model_copy(update={"sets": kept if prior.sets else []})
    return found


def _has_event(s: Scenario, setting: str) -> bool:
    try:
        event_step(s, *split_setting(setting))
    except KeyError:
        return False
    return True


def known(s: Scenario, origin: int) -> pd.DataFrame:
    """Every observed point a forecaster at the end of `origin` had: the series `s` is held to, for
    its pairs, from its first year to the origin (kind, pair, year, value). The forecasts read the
    data here and nowhere else (the calibration reads its fit window, which ends at the origin)."""
    obs = observe.observed(observe.kinds_of(s), observe.data_root(s))
    _, _, pairs = observe.unordered_pairs(s.names)
    first = parse_quarter(s.start) // 4
    return obs[obs["pair"].isin(pairs) & obs["year"].between(first, origin)].reset_index(drop=True)


def benchmark(series: pd.Series, origin: int, years: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A benchmark's normal forecast (mean, s.d.) of one series (values by year, up to `origin`) at `years`."""
    y = series[series.index <= origin].sort_index()
    t, v = y.index.to_numpy(), y.to_numpy(dtype=float)
    follows = np.diff(t) == 1
    step = np.diff(v)[follows]
    h = np.asarray(years) - origin
    last = float(v[-1])
    if name == "AR(1)":
        if follows.sum() >= AR_PAIRS:
            before, now = v[:-1][follows], v[1:][follows]
            phi, c = np.polyfit(before, now, 1)
            phi = float(np.clip(phi, -0.99, 0.99))
            sigma = float(np.std(now - c - phi * before, ddof=2))
            mean = c / (1 - phi) + phi**h * (last - c / (1 - phi))
            sd = sigma * np.sqrt((1 - phi ** (2 * h)) / (1 - phi**2))
            return mean, np.maximum(sd, 1e-9)
        name = "persistence"  # too short a series to fit two values and a spread: hold it
    drift = float(step.mean()) if name == "random walk with drift" and len(step) else 0.0
    sd = float(np.sqrt(np.mean((step - drift) ** 2))) if len(step) else 0.0
    return last + drift * h, np.maximum(sd * np.sqrt(h), 1e-9)


@dataclass
class Forecast:
    """The forecasts from one origin: the model's ensembles (`points`: forecaster, kind, pair,
    origin, year, ahead; `members`: (points, runs)), the benchmarks' normal forecasts (`normal`: the
    same columns, mean and sd), each series' last known value (`start`: kind, pair, year, value) and
    the filter's effective share of particles per year."""

    points: pd.DataFrame
    members: np.ndarray
    normal: pd.DataFrame
    start: pd.DataFrame
    ess: pd.Series = field(default_factory=pd.Series)


def forecast(s: Scenario, posterior: Posterior, origin: int, settings: Settings = Settings(), horizon: int = HORIZON,
             say=lambda message: None) -> Forecast:
    """Both forecasters' ensembles and the benchmarks' forecasts of every series known at `origin`,
    1 to `horizon` years ahead, from `s` and the data up to `origin` alone (`posterior`: fitted on them)."""
    frame = known(s, origin)
    sets = posterior_sets(s)  # a value fitted before the origin sets its later events too (the conditional's)
    posterior = Posterior(posterior.table, {name: sets[name] for name in posterior.names}, posterior.source, posterior.priors)
    scenarios = {name: cut(s, origin, horizon, conditional).model_copy(update={"calibration": None}) for name, conditional in
                 ((s.name, False), (s.name + CONDITIONAL, True))}
    rows = posterior.draw(assimilate.seeds_of(s.seed, origin, 3, runs=settings.sets))
    schedules = {name: posterior.schedules(c, rows) for name, c in scenarios.items()}
    filtered, observation = assimilate.assimilate(schedules[s.name], scenarios[s.name], frame, origin,
                                                  settings.particles, s.seed, say)
    points, members = [], []
    for name, sched in schedules.items():
        years, found = assimilate.project(filtered, observation, sched, scenarios[name], origin, horizon, s.seed)
        series = observation.series
        points.append(pd.DataFrame({"forecaster": name, "kind": np.repeat(series["kind"].to_numpy(), len(years)),
                                    "pair": np.repeat(series["pair"].to_numpy(), len(years)),
                                    "year": np.tile(years, len(series))}))
        members.append(found.transpose(2, 1, 0).reshape(len(series) * len(years), -1))
    points = pd.concat(points, ignore_index=True).assign(origin=origin)
    points = points.assign(ahead=points["year"] - origin)
    start = frame.sort_values("year").groupby(["kind", "pair"], as_index=False).last()[["kind", "pair", "year", "value"]]
    return Forecast(points, np.concatenate(members), benchmarks(frame, points[points["forecaster"] == s.name]),
                    start, filtered.ess)


def benchmarks(frame: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """The benchmarks' normal forecasts (mean, sd) of `points`, each fitted on its series in `frame`."""
    series = {key: g.set_index("year")["value"] for key, g in frame.groupby(["kind", "pair"])}
    found = []
    for name in BENCHMARKS:
        mean, sd = np.empty(len(points)), np.empty(len(points))
        for (kind, pair, origin), at in points.groupby(["kind", "pair", "origin"]).indices.items():
            mean[at], sd[at] = benchmark(series[(kind, pair)], origin, points["year"].to_numpy()[at], name)
        found.append(points.assign(forecaster=name, mean=mean, sd=sd))
    return pd.concat(found, ignore_index=True)


def quantiles(f: Forecast) -> pd.DataFrame:
    """Every forecast's quantiles (q05 ... q95) and mean, beside its series' last known value."""
    q = {f"q{round(100 * p):02d}": np.quantile(f.members, p, axis=1) for p in QUANTILES}
    model = f.points.assign(**q, mean=f.members.mean(axis=1))
    normal = f.normal.assign(**{f"q{round(100 * p):02d}": stats.norm.ppf(p, f.normal["mean"], f.normal["sd"])
                                for p in QUANTILES}).drop(columns="sd")
    start = f.start.rename(columns={"year": "start_year", "value": "start"})
    return pd.concat([model, normal], ignore_index=True).merge(start, on=["kind", "pair"], how="left")


def score(f: Forecast, outcomes: pd.DataFrame, scale: dict[str, float]) -> pd.DataFrame:
    """Scores of every forecast of `f` that has an outcome (`outcomes`: kind, pair, year, value), one
    row per forecast and forecaster: crps (in typical changes), logs, pit, hit (direction), in_50, in_80, in_90."""
    keys = ["kind", "pair", "year"]
    start = f.start.set_index(["kind", "pair"])["value"]
    rows = []
    points = f.points.merge(outcomes[[*keys, "value"]], on=keys, how="left")
    at = points["value"].notna().to_numpy()
    if at.any():
        points = points[at].reset_index(drop=True)
        m, y = f.members[at], points["value"].to_numpy(dtype=float)
        q = {level: np.quantile(m, [(1 - level) / 2, (1 + level) / 2], axis=1) for level in LEVELS}
        with np.errstate(divide="ignore", invalid="ignore"):  # an ensemble without spread: an infinite log score
            logs = np.where(np.ptp(m, axis=1) > 0, sr.logs_ensemble(y, m), np.inf)
        rows.append(points.assign(crps=sr.crps_ensemble(y, m), logs=logs, pit=(m < y[:, None]).mean(axis=1),
                                  median=np.median(m, axis=1),
                                  **{f"in_{round(100 * level)}": (lo <= y) & (y <= hi) for level, (lo, hi) in q.items()}))
    normal = f.normal.merge(outcomes[[*keys, "value"]], on=keys, how="inner")
    if len(normal):
        y, mean, sd = normal["value"].to_numpy(dtype=float), normal["mean"].to_numpy(), normal["sd"].to_numpy()
        z = {level: stats.norm.ppf((1 + level) / 2) for level in LEVELS}
        rows.append(normal.assign(crps=sr.crps_normal(y, mean, sd), logs=sr.logs_normal(y, mean, sd),
                                  pit=stats.norm.cdf(y, mean, sd), median=mean,
                                  **{f"in_{round(100 * level)}": np.abs(y - mean) <= z[level] * sd for level in LEVELS})
                    .drop(columns=["mean", "sd"]))
    if not rows:
        return pd.DataFrame()
    found = pd.concat(rows, ignore_index=True)
    last = start.reindex(pd.MultiIndex.from_frame(found[["kind", "pair"]])).to_numpy()
    return found.assign(crps=found["crps"] / found["kind"].map(scale),
                        hit=direction(found["median"].to_numpy() - last, found["value"].to_numpy() - last))


def direction(forecast: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """1 where the forecast change has the outcome's sign, 0 where not, NaN where it forecasts none."""
    return np.where(forecast == 0, np.nan, (np.sign(forecast) == np.sign(outcome)).astype(float))


# --- from origin to origin ------------------------------------------------------------------


def fit(s: Scenario, origin: int, folder: Path, settings: Settings, previous: Posterior | None = None, workers: int = 1,
        say=print) -> Posterior:
    """`s` calibrated on the years up to `origin` into `folder` (continued if it is there): from the
    prior, or with `previous` (the posterior of an earlier origin) as generation 0 and
    `settings.warm` generations after it."""
    from ..outputs.posterior import read_posterior
    from .calibration import calibrate

    folder = Path(folder)
    if (folder / "posterior.parquet").is_file():
        return read_posterior(folder)
    fitted = cut(s, origin, 0)
    c = fitted.calibration
    population = settings.population or c.population
    generations = (settings.generations or c.generations) if previous is None else settings.warm
    fitted = fitted.model_copy(update={"calibration": c.model_copy(update={"population": population,
                                                                          "generations": generations})})
    warm = None
    if previous is not None:
        warm = diagnostics.posterior_draws(previous.table, previous.names, population,
                                           np.random.default_rng([s.seed, origin, 0x3A]))
    calibrate(fitted, folder, resume=(folder / "scenario.yaml").is_file(), workers=workers, say=say, warm=warm)
    return read_posterior(folder)


def outcome_scale(s: Scenario) -> dict[str, float]:
    """Each kind's typical year-to-year change in the data of the scenario's fit window: CRPS's unit."""
    from .calibration import Target

    return {kind: p.scale for kind, p in Target(s).points.items()}


def chain(s: Scenario, folder: Path, origins: list[int], settings: Settings, workers: int = 1,
          say=print) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each origin in turn: fit (from the previous origin's posterior), filter, forecast, score;
    each origin's files (FOLDER/NAME/...-ORIGIN.parquet) written as it finishes, and an origin
    already written is read back. Returns the scores and the forecasts' quantiles."""
    from ..outputs.results import write_table
    from .calibration import same_settings

    where = Path(folder) / s.name
    same_settings(where, {"scenario_sha256": s.digest(), **asdict(settings)}, "forecasts")
    outcomes = observe.observed(observe.kinds_of(s), observe.data_root(s))
    scale = outcome_scale(s)
    previous, scores, tables = None, [], []
    for origin in origins:
        files = where / f"scores-{origin}.parquet", where / f"forecasts-{origin}.parquet"
        if not all(path.is_file() for path in files):
            say(f"'{s.name}' from {origin}: fitting on the years to {origin}, forecasting {origin + 1}-{origin + HORIZON}")
            previous = fit(s, origin, where / f"fit-{origin}", settings, previous, workers, say)
            found = forecast(s, previous, origin, settings, say=say)
            say(f"'{s.name}' from {origin}: the filter kept {found.ess.mean():.0%} of a set's particles a year, on average")
            write_table(score(found, outcomes, scale), files[0])
            write_table(quantiles(found).assign(ess=found.ess.mean()), files[1])
        else:
            from ..outputs.posterior import read_posterior

            previous = read_posterior(where / f"fit-{origin}")
        scores.append(pd.read_parquet(files[0]))
        tables.append(pd.read_parquet(files[1]))
    return pd.concat(scores, ignore_index=True), pd.concat(tables, ignore_index=True)


def _chain_job(s: Scenario, folder: Path, origins: list[int], settings: Settings, quiet: bool):
    """A chain in a worker process, saying its progress on the command's standard error."""
    import sys

    return chain(s, folder, origins, settings, 1, say=lambda m: None if quiet else print(m, file=sys.stderr, flush=True))


def run(models: list[Scenario], folder: Path, origins=ORIGINS, settings: Settings = Settings(), workers: int = 1,
        say=print, quiet: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every model from every origin (`chain`): the models' chains side by side on the local pool when
    `workers` allows, else one after another, each calibration on `workers` processes. Returns the
    scores (model and benchmark rows; a benchmark's once) and the forecasts' quantiles."""
    origins = sorted(set(origins))
    if workers >= 2 and len(models) >= 2:
        from itertools import repeat

        from ..batch.local import pool

        with pool(min(workers, len(models))) as executor:
            found = list(executor.map(_chain_job, models, repeat(Path(folder)), repeat(origins), repeat(settings),
                                      repeat(quiet)))
    else:
        found = [chain(s, Path(folder), origins, settings, workers, say) for s in models]
    keys = ["forecaster", "kind", "pair", "origin", "year"]
    scores = pd.concat([f[0] for f in found], ignore_index=True).drop_duplicates(keys, ignore_index=True)
    tables = pd.concat([f[1] for f in found], ignore_index=True).drop_duplicates(keys, ignore_index=True)
    return scores, tables


# --- what the scores say ------------------------------------------------------------------------

BLOCKS = ("series x year", "origin")
KEYS = ["kind", "pair", "origin", "year"]  # one forecast


def resampled(rows: pd.DataFrame, by: str, draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    """Block-bootstrap weights of `rows` (draws, rows): by series and target year together (each
    series and each target year drawn with replacement; a forecast weighs the product of its
    series' and its year's draws), or by origin."""
    rng = np.random.default_rng([seed, BLOCKS.index(by)])

    def counts(values) -> np.ndarray:
        codes = np.unique(np.asarray(values), return_inverse=True)[1]
        n = codes.max() + 1
        return rng.multinomial(n, np.full(n, 1.0 / n), size=draws)[:, codes].astype(float)

    if by == "origin":
        return counts(rows["origin"])
    return counts(rows["kind"] + "/" + rows["pair"]) * counts(rows["year"])


def interval(rows: pd.DataFrame, statistic, by: str) -> tuple[float, float]:
    """The 95% block-bootstrap interval of `statistic(weights)` (weights: (draws, rows))."""
    if by == "origin" and rows["origin"].nunique() < 2:
        return np.nan, np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        found = statistic(resampled(rows, by))
    return tuple(float(x) for x in np.nanquantile(found, [0.025, 0.975]))


def skill(wide: pd.DataFrame, forecaster: str, against: str) -> dict:
    """1 - mean CRPS of `forecaster` / that of `against` over the forecasts both made (`wide`: one
    row per forecast, a column of CRPS per forecaster), with its 95% interval by each block bootstrap."""
    both = {forecaster, against} <= set(wide.columns)
    rows = wide[wide[forecaster].notna() & wide[against].notna()] if both else wide.iloc[:0]
    found = {"model": forecaster, "against": against, "forecasts": len(rows)}
    if rows.empty:
        return found | {"skill": np.nan}
    a, b = rows[forecaster].to_numpy(), rows[against].to_numpy()
    found["skill"] = float(1 - a.mean() / b.mean())
    for by, name in zip(BLOCKS, ("", "_origin")):
        found[f"low{name}"], found[f"high{name}"] = interval(rows, lambda w: 1 - (w @ a) / (w @ b), by)
    return found


def subsets(scores: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """The subsets each number is reported on: all forecasts, 1-3 years ahead, each horizon, each
    kind of series, each origin."""
    ahead = (scores["year"] - scores["origin"]).to_numpy()
    kind, origin = scores["kind"].to_numpy(), scores["origin"].to_numpy()
    found = [("all", ahead > 0), ("1-3 years ahead", ahead <= 3)]
    found += [(f"{h} years ahead", ahead == h) for h in sorted(set(ahead))]
    found += [(f"kind {k}", kind == k) for k in sorted(set(kind))]
    return found + [(f"origin {o}", origin == o) for o in sorted(set(origin))]


def skills(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """CRPS skill of each model forecaster against each benchmark, on every subset."""
    wide = scores.pivot_table(index=KEYS, columns="forecaster", values="crps").reset_index()
    return pd.DataFrame([skill(wide[where], model, bench) | {"subset": label}
                         for label, where in subsets(wide) for model in models for bench in BENCHMARKS])


def summary(scores: pd.DataFrame, tables: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster and subset: mean CRPS and log score (over the finite ones, beside the count of
    infinite ones: an ensemble all at a bound of its series' range where the outcome is not), coverage
    of the 50/80/90% intervals (each with both block intervals), the PIT's χ² against uniform
    (10 bins) and its p-value, and the share of series whose last known value lies inside the
    one-year-ahead 50% interval."""
    starts = start_inside(tables)
    found = []
    for label, where in subsets(scores):
        for name, rows in scores[where].groupby("forecaster", sort=False):
            logs = rows["logs"].to_numpy()
            row = {"forecaster": name, "subset": label, "forecasts": len(rows), "crps": rows["crps"].mean(),
                   "logs": logs[np.isfinite(logs)].mean(), "logs_infinite": int((~np.isfinite(logs)).sum()),
                   **{f"in_{round(100 * v)}": rows[f"in_{round(100 * v)}"].mean() for v in LEVELS}}
            for level in LEVELS:
                column = f"in_{round(100 * level)}"
                held = rows[column].to_numpy(dtype=float)
                for by, suffix in zip(BLOCKS, ("", "_origin")):
                    row[f"{column}_low{suffix}"], row[f"{column}_high{suffix}"] = interval(
                        rows, lambda w: (w @ held) / w.sum(axis=1), by)
            counts = np.histogram(rows["pit"], bins=10, range=(0, 1))[0]
            row["pit_chi2"], row["pit_p"] = stats.chisquare(counts) if len(rows) else (np.nan, np.nan)
            inside = starts[(starts["forecaster"] == name) & starts["origin"].isin(rows["origin"])]
            if label.startswith("kind "):
                inside = inside[inside["kind"] == label[5:]]
            row["start_in_50"] = inside["inside"].mean()
            found.append(row)
    return pd.DataFrame(found)


def start_inside(tables: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster, series and origin: whether the series' last known value lies inside the
    central 50% interval of its forecast one year ahead (the forecast starts where the world was)."""
    one = tables[(tables["year"] == tables["origin"] + 1) & tables["start"].notna()]
    return one.assign(inside=(one["q25"] <= one["start"]) & (one["start"] <= one["q75"]))[
        ["forecaster", "kind", "pair", "origin", "inside"]]


def verdict(table: pd.DataFrame, skills: pd.DataFrame) -> list[str]:
    """How far each model forecaster can be trusted, in plain words: its skill against each
    benchmark over all forecasts (better or worse only where every interval excludes 0) and
    whether its 80% intervals hold."""
    lines = []
    for model, g in skills[skills["subset"] == "all"].groupby("model", sort=False):
        said = []
        for row in g.to_dict("records"):
            lows = [row[c] for c in ("low", "low_origin") if c in row and not pd.isna(row[c])]
            highs = [row[c] for c in ("high", "high_origin") if c in row and not pd.isna(row[c])]
            word = "better than" if min(lows) > 0 else "worse than" if max(highs) < 0 else "no better than"
            said.append(f"{word} {row['against']} ({row['skill']:+.1%}, 95% interval {row['low']:+.1%} to {row['high']:+.1%}"
                        + (f"; by origin {row['low_origin']:+.1%} to {row['high_origin']:+.1%}"
                           if not pd.isna(row.get("low_origin", np.nan)) else "") + ")")
        held = table.loc[model, "in_80"]
        fit = "about right" if abs(held - 0.8) <= 0.05 else "narrower than they should be" if held < 0.8 else "wider"
        lines.append(f"{model}: in CRPS over {int(g['forecasts'].iloc[0])} forecasts, {'; '.join(said)}. Its 80% "
                     f"intervals held {held:.0%} of the outcomes ({fit}).")
    return lines


def report(table: pd.DataFrame, skills: pd.DataFrame, settings: str, tables: pd.DataFrame | None = None) -> str:
    """The tables of the docs and the README in Markdown: every forecaster over all forecasts, the
    skill of each model forecaster on every subset, with both intervals; with the forecasts'
    `tables`, the filter's mean effective share of a set's particles a year, per model."""
    pct = lambda x: "–" if pd.isna(x) else f"{x:+.1%}"  # noqa: E731
    share = lambda x: "–" if pd.isna(x) else f"{x:.0%}"  # noqa: E731
    def held(row, level: int) -> str:
        get = lambda suffix: share(getattr(row, f"in_{level}{suffix}"))  # noqa: E731
        return f"{get('')} ({get('_low')}–{get('_high')}; {get('_low_origin')}–{get('_high_origin')})"

    kept = ""
    if tables is not None and "ess" in tables:
        ess = tables.dropna(subset=["ess"]).groupby("forecaster", sort=False)["ess"].mean()
        kept = (" The particle filter kept on average " + ", ".join(
            f"{share(v)} ({name})" for name, v in ess.items() if name not in BENCHMARKS and not name.endswith(CONDITIONAL))
            + " of a parameter set's particles a year (its effective sample size).")
    lines = [f"Measured with {settings}. Coverage: the share of outcomes inside each central interval, with its 95% "
             f"intervals by series × target year and by origin.{kept}", "",
             "| forecaster | forecasts | CRPS | log score | in 50% | in 80% | in 90% | PIT χ² p | origin's value in the "
             "1-year 50% interval |", "|" + " --- |" * 9]
    for row in table[table["subset"] == "all"].itertuples():
        lines.append(f"| {row.forecaster} | {row.forecasts} | {row.crps:.3f} | {row.logs:.3f} | {held(row, 50)} | "
                     f"{held(row, 80)} | {held(row, 90)} | {row.pit_p:.3g} | {share(row.start_in_50)} |")
    lines += ["", "| forecaster | against | subset | forecasts | skill | 95% by series × year | 95% by origin |",
              "|" + " --- |" * 7]
    for row in skills.itertuples():
        lines.append(f"| {row.model} | {row.against} | {row.subset} | {row.forecasts} | {pct(row.skill)} | "
                     f"{pct(row.low)} to {pct(row.high)} | {pct(row.low_origin)} to {pct(row.high_origin)} |")
    return "\n".join(lines) + "\n"
