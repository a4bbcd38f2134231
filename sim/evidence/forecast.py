"""Forecasts from several origins, scored as forecasters score them.

From each origin year the model is calibrated on the years up to it, and its posterior
predictive (each run its own parameter set, through the observation model with each series'
own residual noise) forecasts every observed series one to `HORIZON` years ahead. Every
forecast that has data is scored with proper scores (CRPS and the log score, scoringrules),
the coverage of its central 50, 80 and 90% intervals, its probability integral transform
(PIT) and whether it gets the direction of the change from the origin right, beside three
benchmarks fitted on the same years, per series:

- persistence: the origin's value, spreading as the series' year-to-year changes did;
- a random walk with drift: the same, drifting by the mean change;
- AR(1): y_t = c + φ y_{t-1} + e, by least squares, forecast h steps ahead.

Skill is 1 - CRPS / the benchmark's CRPS, with a bootstrap interval over series (each series
a block: its forecasts from every origin and horizon). CRPS is read in units of each kind's
typical year-to-year change (`calibration.Target`), so that series of different kinds add up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules as sr
from scipy import stats

from ..scenario import Scenario
from . import observe

ORIGINS = (2010, 2013, 2016, 2018)
HORIZON = 6  # years ahead
LEVELS = (0.5, 0.8, 0.9)
BENCHMARKS = ("persistence", "random walk with drift", "AR(1)")


def fitted(s: Scenario, fit_end: int) -> Scenario:
    """`s` calibrated up to `fit_end` (not checked against the hindcast's bound: the forecast from
    today fits every year that has data)."""
    return s.model_copy(update={"calibration": s.calibration.model_copy(update={"fit_end": fit_end})})


def model_forecasts(s: Scenario, posterior, origin: int, runs: int, horizon: int = HORIZON) -> tuple[pd.DataFrame, np.ndarray]:
    """The model's predictive ensembles of the observed points 1 to `horizon` years after `origin`."""
    from .history import run_history

    h = run_history(s, runs, posterior, origin)
    points, members = observe.ensemble(h.trajectory, s, origin, observe.kinds_of(s), observe.data_root(s), s.seed)
    keep = (points["year"] <= origin + horizon).to_numpy()
    return points[keep].reset_index(drop=True).assign(origin=origin), members[keep]


def benchmark(series: pd.Series, origin: int, years: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A benchmark's normal forecast (mean, s.d.) of one series (values by year, up to `origin`) at `years`."""
    y = series[series.index <= origin].sort_index()
    step = y.diff()[y.index.to_series().diff() == 1].dropna()
    h = years - origin
    last = float(y.iloc[-1])
    if name == "AR(1)":
        pairs = pd.DataFrame({"now": y, "before": y.shift()})[y.index.to_series().diff() == 1].dropna()
        if len(pairs) >= 3:
            phi, c = np.polyfit(pairs["before"], pairs["now"], 1)
            phi = float(np.clip(phi, -0.99, 0.99))
            sigma = float(np.std(pairs["now"] - c - phi * pairs["before"], ddof=2))
            mean = c / (1 - phi) + phi**h * (last - c / (1 - phi))
            sd = sigma * np.sqrt((1 - phi ** (2 * h)) / (1 - phi**2))
            return mean, np.maximum(sd, 1e-9)
        name = "persistence"  # too short a series to fit: hold it
    drift = float(step.mean()) if name == "random walk with drift" and len(step) else 0.0
    sd = float(np.sqrt(np.mean((step - drift) ** 2))) if len(step) else 0.0
    return last + drift * h, np.maximum(sd * np.sqrt(h), 1e-9)


def score(points: pd.DataFrame, members: np.ndarray, model: str, scale: dict[str, float]) -> pd.DataFrame:
    """Scores of the model's ensembles and of the benchmarks' forecasts of the same points, one row
    per point and forecaster: crps (in typical changes), logs, pit, hit (direction), in_50, in_80, in_90."""
    obs = data_series(points)
    rows = []
    y = points["value"].to_numpy(dtype=float)
    units = points["kind"].map(scale).to_numpy()
    last = np.array([float(obs[(k, p)][obs[(k, p)].index <= o].sort_index().iloc[-1])
                     for k, p, o in zip(points["kind"], points["pair"], points["origin"])])
    quantile = {level: np.quantile(members, [(1 - level) / 2, (1 + level) / 2], axis=1) for level in LEVELS}
    rows.append(points.assign(forecaster=model, crps=sr.crps_ensemble(y, members) / units,
                              logs=sr.logs_ensemble(y, members), pit=(members < y[:, None]).mean(axis=1),
                              hit=direction(np.median(members, axis=1) - last, y - last),
                              **{f"in_{int(100 * level)}": (q[0] <= y) & (y <= q[1]) for level, q in quantile.items()}))
    groups, years = points.groupby(["kind", "pair", "origin"]).indices, points["year"].to_numpy()
    z = {level: stats.norm.ppf((1 + level) / 2) for level in LEVELS}
    for name in BENCHMARKS:
        mean, sd = np.empty(len(points)), np.empty(len(points))
        for (k, p, o), at in groups.items():
            mean[at], sd[at] = benchmark(obs[(k, p)], o, years[at], name)
        rows.append(points.assign(forecaster=name, crps=sr.crps_normal(y, mean, sd) / units, logs=sr.logs_normal(y, mean, sd),
                                  pit=stats.norm.cdf(y, mean, sd), hit=direction(mean - last, y - last),
                                  **{f"in_{int(100 * level)}": np.abs(y - mean) <= z[level] * sd for level in LEVELS}))
    return pd.concat(rows, ignore_index=True)


def direction(forecast: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """1 where the forecast change has the outcome's sign, 0 where not, NaN where it forecasts none."""
    return np.where(forecast == 0, np.nan, (np.sign(forecast) == np.sign(outcome)).astype(float))


def run(models: list[Scenario], folder, origins=ORIGINS, runs: int = 200, workers: int = 1, say=print) -> pd.DataFrame:
    """Calibrate each model from each origin (into FOLDER/MODEL/fit-ORIGIN, continuing what is there),
    forecast, and score every forecast that has data; returns the scores (model and benchmark rows)."""
    from pathlib import Path

    from ..outputs.posterior import read_posterior
    from .calibration import Target, calibrate

    scale = {kind: p.scale for kind, p in Target(models[0]).points.items()}
    found = []
    for s in models:
        for origin in origins:
            where = Path(folder) / s.name / f"fit-{origin}"
            say(f"'{s.name}': calibrating up to {origin}, forecasting {origin + 1}-{origin + HORIZON}")
            calibrate(fitted(s, origin), where, resume=(where / "scenario.yaml").is_file(), workers=workers, say=say)
            points, members = model_forecasts(s, read_posterior(where), origin, runs)
            found.append(score(points, members, s.name, scale))
    scores = pd.concat(found, ignore_index=True)
    return scores.drop_duplicates(["forecaster", "kind", "pair", "origin", "year"], ignore_index=True)


def data_series(points: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """Every observed series of the kinds in `points`, by (kind, pair): values by year."""
    obs = observe.observed(tuple(points["kind"].unique()))
    return {key: g.set_index("year")["value"] for key, g in obs.groupby(["kind", "pair"])}


def skill(scores: pd.DataFrame, model: str, against: str, where=None, draws: int = 1000, seed: int = 0) -> dict:
    """1 - mean CRPS of `model` / that of `against`, with a 95% bootstrap interval over series."""
    rows = scores if where is None else scores[where(scores)]
    a = rows[rows["forecaster"] == model].set_index(["kind", "pair", "origin", "year"])["crps"]
    b = rows[rows["forecaster"] == against].set_index(["kind", "pair", "origin", "year"])["crps"].reindex(a.index)
    series = a.index.droplevel(["origin", "year"])
    keys = series.unique()
    groups = {key: np.nonzero(series == key)[0] for key in keys}
    rng = np.random.default_rng(seed)
    value = 1 - a.mean() / b.mean()
    boot = []
    for _ in range(draws):
        at = np.concatenate([groups[keys[k]] for k in rng.integers(0, len(keys), len(keys))])
        boot.append(1 - a.iloc[at].mean() / b.iloc[at].mean())
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return {"model": model, "against": against, "skill": float(value), "low": float(lo), "high": float(hi),
            "forecasts": int(len(a)), "series": int(len(keys))}


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster: mean CRPS (typical changes), log score, coverage of each interval, direction hits."""
    g = scores.groupby("forecaster", sort=False)
    table = g[["crps", "logs", "in_50", "in_80", "in_90", "hit"]].mean()
    return table.assign(forecasts=g.size())


def verdict(table: pd.DataFrame, skills: pd.DataFrame) -> list[str]:
    """How far each model's forecasts can be trusted, in plain words: skill against each benchmark
    (better or worse only where the 95% interval excludes 0) and whether its 80% intervals hold."""
    lines = []
    for model, g in skills[skills["subset"] == "all"].groupby("model", sort=False):
        said = []
        for row in g.itertuples():
            word = "better than" if row.low > 0 else "worse than" if row.high < 0 else "no better than"
            said.append(f"{word} {row.against} ({row.skill:+.1%}, 95% interval {row.low:+.1%} to {row.high:+.1%})")
        held = table.loc[model, "in_80"]
        fit = "about right" if abs(held - 0.8) <= 0.03 else "narrower than they should be" if held < 0.8 else "wider"
        lines.append(f"{model}: in CRPS over {int(g['forecasts'].iloc[0])} forecasts, {'; '.join(said)}. Its 80% "
                     f"intervals held {held:.0%} of the outcomes ({fit}).")
    return lines


def with_moscow(scores: pd.DataFrame) -> pd.Series:
    return scores["pair"].str.contains("Moscow")

