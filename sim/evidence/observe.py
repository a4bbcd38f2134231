"""The observation model: how model variables show in the observed series, and how well they match.

- UN General Assembly voting agreement of a pair in a year = α_pair + β · its mean stance
  (both directions, the year's quarters): an offset per pair, since the United States votes
  against most of the Assembly and only changes within a pair carry information, and one
  scale for all pairs.
- Trade of a pair in a year, relative to the region's (`data.world_index`) = c_pair ·
  its mean cooperation: log(trade / world) = log c_pair + log E.

The offsets and the scale are fitted on the fit window only (years up to `data.FIT_END`,
least squares on the mean over runs); the hindcast years are then predicted, never fitted.
Each series is scored by its root-mean-square error in both windows, beside a naive
forecast that holds the series at its last fitted year (persistence), so that a hindcast
score says whether the model beats "nothing changes".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.engine import Trajectory
from ..scenario import Scenario
from ..scenario.calendar import step_dates
from . import data


def annual(traj: Trajectory, scenario: Scenario) -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    """Per run, year and unordered pair: the mean stance of both directions and the mean cooperation.

    Returns the years, the pairs ('A-B', alphabetical) and {"stance": (runs, years, pairs),
    "cooperation": (runs, years, pairs)}.
    """
    year = np.array([int(d[:4]) for d in step_dates(scenario.start, scenario.steps)])
    years = np.unique(year)
    names = scenario.names
    ij = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    pairs = [data.pair(names[i], names[j]) for i, j in ij]
    i, j = np.array(ij).T
    stance = (traj.A[:, :, i, j] + traj.A[:, :, j, i]) / 2
    coop = traj.E[:, :, i, j]
    mean = lambda x: np.stack([x[:, year == y].mean(axis=1) for y in years], axis=1)  # noqa: E731
    return years, pairs, {"stance": mean(stance), "cooperation": mean(coop)}


def observed() -> pd.DataFrame:
    """Every observed point the model is held to: kind ('unga' or 'trade'), pair, year, value."""
    u = data.unga().rename(columns={"agree": "value"}).assign(kind="unga")
    t = data.trade().merge(data.world_index().reset_index(), on="year")
    t = t.assign(kind="trade", value=np.log(t["usd_bn"] / t["world"]))
    return pd.concat([u, t])[["kind", "pair", "year", "value"]].reset_index(drop=True)


def _fit_unga(x: pd.Series, y: pd.Series, pair: pd.Series) -> tuple[float, pd.Series]:
    """Least squares of y = α_pair + β x: one scale, an offset per pair."""
    dx = x - x.groupby(pair).transform("mean")
    dy = y - y.groupby(pair).transform("mean")
    spread = float((dx * dx).sum())
    beta = float((dx * dy).sum() / spread) if spread > 1e-12 else 0.0
    return beta, (y - beta * x).groupby(pair).mean()


def compare(traj: Trajectory, scenario: Scenario, fit_end: int = data.FIT_END) -> tuple[pd.DataFrame, dict]:
    """Model against data: one row per observed point (observed, the model's median and 10-90%
    band through the observation model, the window), and the fitted observation model."""
    years, pairs, model = annual(traj, scenario)
    obs = observed()
    obs = obs[obs["pair"].isin(pairs) & obs["year"].between(years[0], years[-1])]
    at = lambda kind, frame: model[kind][:, np.searchsorted(years, frame["year"]), [pairs.index(p) for p in frame["pair"]]]  # noqa: E731
    rows, fitted = [], {}
    for kind, variable in (("unga", "stance"), ("trade", "cooperation")):
        frame = obs[obs["kind"] == kind].reset_index(drop=True)
        runs = at(variable, frame)  # (runs, points)
        if kind == "trade":
            runs = np.log(np.clip(runs, 1e-6, None))
        inside = (frame["year"] <= fit_end).to_numpy()
        x = pd.Series(runs.mean(axis=0))
        if kind == "unga":
            beta, offset = _fit_unga(x[inside], frame["value"][inside], frame["pair"][inside])
        else:
            beta, offset = 1.0, (frame["value"] - x)[inside].groupby(frame["pair"][inside]).mean()
        fitted[kind] = {"scale": beta, "offset": offset.to_dict()}
        predicted = frame["pair"].map(offset).to_numpy() + beta * runs
        lo, median, hi = np.quantile(predicted, [0.1, 0.5, 0.9], axis=0)
        rows.append(frame.assign(median=median, lo=lo, hi=hi, window=np.where(inside, "fit", "hindcast")))
    return pd.concat(rows, ignore_index=True), fitted


def scores(points: pd.DataFrame, fit_end: int = data.FIT_END) -> pd.DataFrame:
    """Per series: RMSE of the median in the fit and hindcast windows, and the hindcast RMSE of
    persistence (the last fitted year's observed value held on)."""
    found = []
    for (kind, pair), g in points.groupby(["kind", "pair"], sort=True):
        error = g["value"] - g["median"]
        fit, hind = g["window"] == "fit", g["window"] == "hindcast"
        last = g.loc[fit & (g["year"] <= fit_end)].sort_values("year")["value"]
        naive = g.loc[hind, "value"] - (last.iloc[-1] if len(last) else np.nan)
        rmse = lambda e: float(np.sqrt(np.mean(e**2))) if len(e) else np.nan  # noqa: E731
        found.append({"kind": kind, "pair": pair, "fit_points": int(fit.sum()), "fit_rmse": rmse(error[fit]),
                      "hindcast_points": int(hind.sum()), "hindcast_rmse": rmse(error[hind]),
                      "persistence_rmse": rmse(naive)})
    return pd.DataFrame(found)
