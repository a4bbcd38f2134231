"""The bar a calibrated model must clear: mechanism-free references on the calibration's own distance.

A model that relaxes from a given start toward a given end can fit a window without any of its
mechanisms doing work. Each reference below predicts every observed series from its own
observations of the fit window alone, with no model:

- **offsets only**: each series held at its mean over the fit window;
- **a line per series**: each series' least-squares line over the fit window, carried on;
- **a line between end points**: the straight line through each series' first and last values of
  the fit window, carried on;
- **relaxation between end points**: from each series' first value toward its last, exponentially
  at a given rate a quarter (the calibrated model's `rate`), carried on.

The model and the references are scored alike (`distance`): the observation model (an offset per
pair, one scale per stance kind) is fitted on the fit window, and each kind's root-mean-square
residual is divided by that kind's typical year-to-year change in the data (the calibration's
units); in sample over the fit window, out of sample over the years after it, with the fit
window's offsets and scales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import observe

REFERENCES = ("offsets only", "a line per series", "a line between end points", "relaxation between end points")


def typical_change(frame: pd.DataFrame) -> float:
    """The median absolute change of a kind's series from one year to the next (kind, pair, year, value)."""
    frame = frame.sort_values(["pair", "year"])
    g = frame.groupby("pair")
    step = g["value"].diff()[g["year"].diff() == 1]
    return float(np.median(np.abs(step)))


def distance(frame: pd.DataFrame, x: np.ndarray, fit_end: int) -> tuple[float, float]:
    """The distance of predictions `x` (one per row of `frame`: kind, pair, year, value) to the data,
    in sample (years up to `fit_end`) and out of sample (after it), in typical year-to-year changes."""
    inside_total, outside_total, kinds = 0.0, 0.0, 0
    for kind, g in frame.assign(x=x).groupby("kind", sort=False):
        inside = (g["year"] <= fit_end).to_numpy()
        fit = g[inside]
        codes = pd.factorize(fit["pair"])[0]
        beta, residual = observe.fit(kind, fit["x"].to_numpy(float), fit["value"].to_numpy(float), codes)
        offset = (fit["value"] - beta * fit["x"]).groupby(fit["pair"]).mean()
        scale = typical_change(fit)
        inside_total += float(np.mean(residual**2)) / scale**2
        out = g[~inside & g["pair"].isin(offset.index)]
        if len(out):
            miss = out["value"] - out["pair"].map(offset) - beta * out["x"]
            outside_total += float(np.mean(miss**2)) / scale**2
        kinds += 1
    return float(np.sqrt(inside_total / kinds)), float(np.sqrt(outside_total / kinds))


def predictions(frame: pd.DataFrame, fit_end: int, rate: float) -> dict[str, np.ndarray]:
    """Each reference's prediction of every row of `frame` (kind, pair, year, value) from the
    series' own observations up to `fit_end`."""
    found = {name: np.empty(len(frame)) for name in REFERENCES}
    per_year = 1 - (1 - rate) ** 4  # the share of the gap closed in a year of four quarters
    for _, g in frame.groupby(["kind", "pair"], sort=False):
        fit = g[g["year"] <= fit_end].sort_values("year")
        at, t = g.index.to_numpy(), g["year"].to_numpy(float)
        if len(fit) < 2:
            for name in REFERENCES:
                found[name][frame.index.get_indexer(at)] = np.nan
            continue
        t0, t1 = float(fit["year"].iloc[0]), float(fit["year"].iloc[-1])
        y0, y1 = float(fit["value"].iloc[0]), float(fit["value"].iloc[-1])
        slope, intercept = np.polyfit(fit["year"].to_numpy(float), fit["value"].to_numpy(float), 1)
        rows = frame.index.get_indexer(at)
        found["offsets only"][rows] = 0.0
        found["a line per series"][rows] = intercept + slope * t
        found["a line between end points"][rows] = y0 + (y1 - y0) * (t - t0) / (t1 - t0)
        found["relaxation between end points"][rows] = y1 + (y0 - y1) * (1 - per_year) ** (t - t0)
    return found


def table(frame: pd.DataFrame, models: dict[str, np.ndarray], fit_end: int, rate: float) -> pd.DataFrame:
    """The distance of each model (name -> its prediction of every row) and of each reference, in and
    out of sample: one row each, best first out of sample."""
    rows = {name: distance(frame, x, fit_end) for name, x in {**models, **predictions(frame, fit_end, rate)}.items()}
    found = pd.DataFrame.from_dict(rows, orient="index", columns=["in_sample", "out_of_sample"])
    return found.rename_axis("predictor").sort_values("out_of_sample")


def model_prediction(h, kinds=tuple(observe.KINDS)) -> tuple[pd.DataFrame, np.ndarray]:
    """A history run's points (kind, pair, year, value) and its prediction of each: the model's value
    behind the point, averaged over the runs (`observe.through`), to be scored by `distance`."""
    frames, xs = [], []
    years, pairs, model = observe.annual(h.trajectory, h.scenario)
    obs = observe.observed(kinds, observe.data_root(h.scenario))
    obs = obs[obs["pair"].isin(pairs) & obs["year"].isin(years)].reset_index(drop=True)
    for kind, g in obs.groupby("kind", sort=False):
        column = [pairs.index(p) for p in g["pair"]]
        runs = observe.model_values(kind, model[observe.KINDS[kind]][:, np.searchsorted(years, g["year"]), column])
        frames.append(g)
        xs.append(runs.mean(axis=0))
    return pd.concat(frames, ignore_index=True), np.concatenate(xs)
