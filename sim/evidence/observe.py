"""The observation model: how model variables show in the observed series, and how well they match.

Three kinds of series, each observing one model variable of a pair in a year:

- `unga`: UN General Assembly voting agreement (to 2019) = α_pair + β · the pair's mean
  stance (both directions, the year's quarters);
- `ideal_points`: the distance between the two states' UN ideal points (to 2024) =
  α_pair + β · the same mean stance (β < 0: warmer stances, closer votes);
- `trade`: the log of the pair's trade intensity, its trade relative to both partners' total
  trade and to the world's (`data.intensity`) = c_pair + logit of its mean cooperation
  (cooperation is trade intensity on a [0, 1] scale, `cooperation_of`, so c_pair is 0 where the
  model's level is the data's).

An offset per pair, since levels are not comparable across pairs (the United States votes
against most of the Assembly; trade intensity depends on distance and economic structure):
only changes within a pair carry information. One scale per stance kind. The offsets and
scales are fitted on the fit window only (years up to `data.FIT_END`, least squares on the
mean over runs); the hindcast years are then predicted, never fitted. Each series is scored
by its root-mean-square error in both windows, beside a naive forecast that holds the series
at its last fitted year (persistence), so that a hindcast score says whether the model beats
"nothing changes".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.engine import Trajectory
from ..core.outcomes import pairs as index_pairs
from ..scenario import Scenario
from ..scenario.calendar import step_years
from . import data

# kind -> the model variable it observes, and whether it has a scale of its own (else: log, offset only)
KINDS = {"unga": "stance", "ideal_points": "stance", "trade": "cooperation"}
RANGE = {"unga": (0.0, 1.0), "ideal_points": (0.0, np.inf), "trade": (-np.inf, np.inf)}  # what a series can take


def data_root(s: Scenario) -> Path | None:
    """The folder of the observed series a scenario is held to (`calibration.data`; None: the shipped data)."""
    return Path(s.calibration.data) if s.calibration is not None and s.calibration.data else None


def kinds_of(s: Scenario) -> tuple[str, ...]:
    """The kinds of series a scenario is held to: all, or those its own data folder is declared to hold."""
    return tuple(s.calibration.series) if data_root(s) is not None else tuple(KINDS)


def annual(traj: Trajectory, scenario: Scenario) -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    """Per run, whole year and unordered pair: the mean stance of both directions and the mean cooperation.

    Returns the years, the pairs ('A-B', alphabetical) and {"stance": (runs, years, pairs),
    "cooperation": (runs, years, pairs)}.
    """
    year = np.array(step_years(scenario.start, scenario.steps))
    years, quarters = np.unique(year, return_counts=True)
    years = years[quarters == 4]  # a year the run covers whole: its mean is the year's, not a season's
    i, j, pairs = unordered_pairs(scenario.names)
    stance = (traj.A[:, :, i, j] + traj.A[:, :, j, i]) / 2
    coop = traj.E[:, :, i, j]
    mean = lambda x: np.stack([x[:, year == y].mean(axis=1) for y in years], axis=1)  # noqa: E731
    return years, pairs, {"stance": mean(stance), "cooperation": mean(coop)}


def unordered_pairs(names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The unordered pairs of actors as index arrays (i < j) and by the data's names ('A-B', alphabetical)."""
    i, j = index_pairs(len(names))
    return i, j, [data.pair(names[a], names[b]) for a, b in zip(i, j)]


def observed(kinds=tuple(KINDS), root: Path | None = None) -> pd.DataFrame:
    """Every observed point of the given kinds: kind, pair, year, value (`root`: the data folder)."""
    read = {"unga": lambda: data.unga(root).rename(columns={"agree": "value"}),
            "ideal_points": lambda: data.ideal_distance(root).rename(columns={"distance": "value"}),
            "trade": lambda: data.intensity(root)}
    frames = [read[kind]().assign(kind=kind)[["kind", "pair", "year", "value"]] for kind in kinds]
    return pd.concat(frames, ignore_index=True)


def model_values(kind: str, x: np.ndarray) -> np.ndarray:
    """The model variable behind a kind of series as the observation model takes it: stances as
    they are, cooperation as the log trade intensity it stands for (`intensity_of`)."""
    if KINDS[kind] != "cooperation":
        return x
    e = np.clip(x, 1e-6, 1 - 1e-6)
    return np.log(e / (1 - e))


def cooperation_of(intensity: np.ndarray) -> np.ndarray:
    """Cooperation on the model's [0, 1] scale from trade intensity I (a pair's trade relative to
    what both partners' and the world's trade would predict): I / (1 + I). Intensity 1, trade
    as large as the partners' sizes predict, is cooperation 0.5; every pair shares the scale, so
    levels compare across pairs."""
    intensity = np.asarray(intensity, dtype=float)
    return intensity / (1 + intensity)


def fit(kind: str, x: np.ndarray, y: np.ndarray, group: np.ndarray) -> tuple[float, np.ndarray]:
    """Least squares of y = α_group + β x (β = 1 for trade, which has offsets only): β and the
    residuals. Groups are integer codes; β is 0 where the model's x does not move."""
    dx, dy = within(x, group), within(y, group)
    beta = 1.0
    if KINDS[kind] == "stance":
        spread = float(dx @ dx)
        beta = float(dx @ dy) / spread if spread > 1e-12 else 0.0
    return beta, dy - beta * dx


def within(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """x minus its mean within each group (the offsets the observation model fits per pair)."""
    return x - (np.bincount(group, weights=x) / np.bincount(group))[group]


@dataclass
class Through:
    """One kind of series through the observation model: its observed points, the model's value
    behind each per run (runs, points), the fitted scale and offsets, and each pair's residual s.d.
    over the fit window."""

    kind: str
    frame: pd.DataFrame  # kind, pair, year, value, and `inside` (in the fit window)
    predicted: np.ndarray  # offset + scale * the model's value, per run, kept in the series' range
    scale: float
    offset: pd.Series  # per pair
    spread: pd.Series  # per pair: the root-mean-square residual of the fit window (n - 1)


def through(traj: Trajectory, scenario: Scenario, fit_end: int = data.FIT_END, kinds=tuple(KINDS),
            root: Path | None = None) -> list[Through]:
    """Each kind of series with the model's runs mapped onto it, fitted on the years up to `fit_end`."""
    years, pairs, model = annual(traj, scenario)
    obs = observed(kinds, root)
    obs = obs[obs["pair"].isin(pairs) & obs["year"].between(years[0], years[-1])]
    found = []
    for kind in kinds:
        frame = obs[obs["kind"] == kind].reset_index(drop=True)
        if frame.empty:
            continue
        column = [pairs.index(p) for p in frame["pair"]]
        runs = model_values(kind, model[KINDS[kind]][:, np.searchsorted(years, frame["year"]), column])  # (runs, points)
        inside = (frame["year"] <= fit_end).to_numpy()
        x, y = runs.mean(axis=0), frame["value"].to_numpy(dtype=float)
        codes = pd.factorize(frame["pair"])[0]
        beta, _ = fit(kind, x[inside], y[inside], codes[inside])
        offset = pd.Series(y - beta * x)[inside].groupby(frame["pair"][inside]).mean()
        residual = pd.Series(y - frame["pair"].map(offset).to_numpy() - beta * x)[inside]
        spread = residual.groupby(frame["pair"][inside]).apply(lambda r: float(np.sqrt((r**2).sum() / max(len(r) - 1, 1))))
        predicted = np.clip(frame["pair"].map(offset).to_numpy() + beta * runs, *RANGE[kind])
        found.append(Through(kind, frame.assign(inside=inside), predicted, beta, offset, spread))
    return found


def compare(traj: Trajectory, scenario: Scenario, fit_end: int = data.FIT_END, kinds=tuple(KINDS),
            root: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Model against data: one row per observed point (observed, the model's median and 10-90%
    band through the observation model, the window), and the fitted observation model."""
    rows, fitted = [], {}
    for k in through(traj, scenario, fit_end, kinds, root):
        fitted[k.kind] = {"scale": k.scale, "offset": k.offset.to_dict()}
        lo, median, hi = np.quantile(k.predicted, [0.1, 0.5, 0.9], axis=0)
        window = np.where(k.frame.pop("inside"), "fit", "hindcast")
        rows.append(k.frame.assign(median=median, lo=lo, hi=hi, window=window))
    return pd.concat(rows, ignore_index=True), fitted


def scores(points: pd.DataFrame, fit_end: int = data.FIT_END) -> pd.DataFrame:
    """Per series: RMSE of the median in the fit and hindcast windows, and the hindcast RMSE of
    persistence (the last fitted year's observed value held on)."""
    found = []
    for (kind, pair), g in points.groupby(["kind", "pair"], sort=True):
        error = g["value"] - g["median"]
        fit_, hind = g["window"] == "fit", g["window"] == "hindcast"
        last = g.loc[fit_ & (g["year"] <= fit_end)].sort_values("year")["value"]
        naive = g.loc[hind, "value"] - (last.iloc[-1] if len(last) else np.nan)
        rmse = lambda e: float(np.sqrt(np.mean(e**2))) if len(e) else np.nan  # noqa: E731
        found.append({"kind": kind, "pair": pair, "fit_points": int(fit_.sum()), "fit_rmse": rmse(error[fit_]),
                      "hindcast_points": int(hind.sum()), "hindcast_rmse": rmse(error[hind]),
                      "persistence_rmse": rmse(naive)})
    return pd.DataFrame(found)


def write_series(points: pd.DataFrame, folder: Path, source: str) -> list[Path]:
    """The model's median series (`compare`'s points) written as observed data in the documented
    format (data/README.md), so that a calibration can be held to them (`calibration.data`): a
    synthetic truth. Voting agreement as `unga_agreement.csv`; trade intensity as bilateral trade
    with every total and the world set to 1 (`trade.csv`, `total_trade.csv`, `world_trade.csv`).
    Ideal points belong to states, not pairs, and are not written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    iso = {name: code for code, name in data.ISO.items()}
    written = []

    def pairs(frame):
        a, b = zip(*(p.split("-") for p in frame["pair"]))
        codes = [sorted((iso.get(x, x), iso.get(y, y))) for x, y in zip(a, b)]
        return frame.assign(a=[c[0] for c in codes], b=[c[1] for c in codes], names_a=a, names_b=b)

    votes = points[points["kind"] == "unga"]
    if len(votes):
        frame = pairs(votes)
        table = pd.DataFrame({"year": frame["year"], "a": frame["names_a"], "b": frame["names_b"],
                              "agree": frame["median"], "votes": 100, "source": source})
        written.append(folder / "unga_agreement.csv")
        table.to_csv(written[-1], index=False)
    trade = points[points["kind"] == "trade"]
    if len(trade):
        frame = pairs(trade)
        pd.DataFrame({"year": frame["year"], "a": frame["a"], "b": frame["b"], "total_usd_bn": np.exp(frame["median"]),
                      "source": source, "note": "PRIMARY: synthetic, the model's median trade intensity"}
                     ).to_csv(folder / "trade.csv", index=False)
        years = sorted(frame["year"].unique())
        pd.DataFrame([{"year": y, "country": c, "total_usd_bn": 1.0, "source": source, "note": "PRIMARY: synthetic, 1"}
                      for y in years for c in data.ISO]).to_csv(folder / "total_trade.csv", index=False)
        pd.DataFrame({"year": years, "exports_usd_bn": 1.0, "source": source}).to_csv(folder / "world_trade.csv", index=False)
        written += [folder / "trade.csv", folder / "total_trade.csv", folder / "world_trade.csv"]
    return written
