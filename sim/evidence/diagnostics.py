"""What a calibration's posterior can be trusted with: how well its moves mixed, what the data
identify, whether the model could have made the data, and synthetic data as noisy as the real.

- `moves_ess`: the effective sample size of the MCMC moves of a generation, from the
  autocorrelation of each particle's chain (ArviZ's bulk ESS; Vehtari et al. 2021).
- `identification`: per value, the posterior's s.d. over the prior's; and the same along the
  principal directions of the posterior in prior units, where combinations of values that the
  data pin down show even when no single value is.
- `ObservationNoise`: how the real data depart from the fitted model, series by series (the
  observation model's offsets and scale, and an AR(1) of the residuals of the fit window), to
  make synthetic data like the real from one history run.
- `predictive_check`: the real data's distance to the posterior's predictions against the
  distances of the same predictions to data the posterior itself makes (Gelman, Meng & Stern
  1996), and the series that make the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import observe

IDENTIFIED = 0.5  # a value (or direction) is identified when its posterior s.d. is below half its prior's
PPC_STREAM = 0x99C  # the predictive check draws from its own generator
SHORTEST = 10  # states of a particle's chain of moves below which their ESS is not estimated
CENTRAL = (0.05, 0.95)  # the real distance is in line with the model when its quantile lies in this central 90%


def moves_ess(chains: np.ndarray) -> np.ndarray:
    """The bulk effective sample size of each value over a generation's moves: `chains` (particles,
    states, values), the particles as chains and their successive states (the start after resampling,
    then one per step) as draws. NaN for chains shorter than `SHORTEST`: ArviZ splits each chain in
    two, and the autocorrelation of a few states, each chain's mean taken out, is biased low enough
    to pin the estimate at its ceiling (N log10 N)."""
    from arviz_stats.base import array_stats

    if chains.shape[1] < SHORTEST:
        return np.full(chains.shape[2], np.nan)
    return np.asarray(array_stats.ess(np.moveaxis(chains, -1, 0), chain_axis=-2, draw_axis=-1, method="bulk"), dtype=float)


def identification(table: pd.DataFrame, low: np.ndarray, high: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the data identify, from a weighted posterior `table` and its flat priors' bounds (in the
    order of the table's value columns).

    Per value: the prior's and the posterior's s.d., and their ratio: 1, the data told nothing
    about it; 0.1, they narrowed it to a tenth. Along the principal directions (the eigenvectors
    of the posterior's covariance with each value in units of its prior's s.d., where the prior
    has s.d. 1 in every direction), the s.d. over the prior's and the loadings on each value,
    narrowest first: a narrow direction is a combination of values the data pin down even where
    none of them is pinned down alone."""
    names = [c for c in table.columns if c != "weight"]
    w = table["weight"].to_numpy(dtype=float)
    prior = (np.asarray(high, dtype=float) - np.asarray(low, dtype=float)) / np.sqrt(12)
    z = table[names].to_numpy(dtype=float) / prior
    cov = np.atleast_2d(np.cov(z, rowvar=False, aweights=w / w.sum()))
    ratio = np.sqrt(np.diag(cov))
    values = pd.DataFrame({"prior_sd": prior, "posterior_sd": ratio * prior, "ratio": ratio}, index=pd.Index(names, name="value"))
    spread, vectors = np.linalg.eigh(cov)
    vectors = vectors * np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(len(names))])  # largest loading positive
    directions = pd.DataFrame(vectors.T, columns=names).assign(ratio=np.sqrt(np.clip(spread, 0.0, None)))
    return values, directions[["ratio", *names]].rename_axis("direction")


def identification_lines(values: pd.DataFrame, directions: pd.DataFrame, below: float = IDENTIFIED) -> list[str]:
    """What the data identify, in plain words (the claims a reader may rest on a posterior)."""
    named = values[values["ratio"] < below].sort_values("ratio")
    lines = [f"identified (posterior s.d. below {below:.0%} of the prior's): "
             + (", ".join(f"{v} ({r:.2f})" for v, r in named["ratio"].items()) or "no value alone")
             + f"; {len(values) - len(named)} of {len(values)} values keep more than {below:.0%} of their prior's spread"]
    narrow = directions[directions["ratio"] < below]
    lines.append(f"{len(narrow)} of {len(directions)} principal directions (in prior units) narrower than {below:.0%} "
                 "of the prior's" + (":" if len(narrow) else ""))
    for k, row in narrow.iterrows():
        loads = row.drop("ratio")
        top = loads.reindex(loads.abs().sort_values(ascending=False).index)[:3]
        lines.append(f"  {row['ratio']:.2f}: " + " ".join(f"{x:+.2f} {name}" for name, x in top.items()))
    return lines


@dataclass
class ObservationNoise:
    """How the real data depart from a fit, series by series: one row per (kind, pair) with the
    observation model's scale and the pair's offset (data = offset + scale * the model's value),
    and the residuals' s.d. and lag-1 autocorrelation over the fit window (an AR(1)), so that
    synthetic data from one history run are as noisy as the real, and as persistent."""

    table: pd.DataFrame  # kind, pair, scale, offset, sd, phi, points

    @classmethod
    def fit(cls, target, mean: dict[str, np.ndarray], observed: dict[str, np.ndarray]) -> ObservationNoise:
        """From the fitted model's statistics `mean` (e.g. the posterior predictive mean) and the data."""
        rows = []
        for kind, p in target.points.items():
            x, y = np.asarray(mean[kind], dtype=float), np.asarray(observed[kind], dtype=float)
            scale, residual = observe.fit(kind, x, y, p.pair)
            for k in np.unique(p.pair):
                at = p.pair == k
                r, consecutive = residual[at], np.diff(p.year[at]) == 1
                square = float(r @ r)
                phi = float(r[1:][consecutive] @ r[:-1][consecutive]) / square if square > 0 else 0.0
                rows.append({"kind": kind, "pair": target.pairs[k], "scale": scale,
                             "offset": float(np.mean(y[at] - scale * x[at])), "sd": float(np.sqrt(square / max(at.sum() - 1, 1))),
                             "phi": float(np.clip(phi, -0.95, 0.95)), "points": int(at.sum())})
        return cls(pd.DataFrame(rows))

    def data(self, target, x: dict[str, np.ndarray], rng: np.random.Generator, noisy: bool = True) -> dict[str, np.ndarray]:
        """Observations of the model's statistics `x` ({kind: (m, points)}, e.g. of single runs): through
        the observation model, with each series' AR(1) noise unless not `noisy`, kept in the series' range."""
        found = {}
        for kind, p in target.points.items():
            rows = self.table[self.table["kind"] == kind].set_index("pair")
            xs = np.atleast_2d(np.asarray(x[kind], dtype=float))
            y = np.empty_like(xs)
            for k in np.unique(p.pair):
                at = np.flatnonzero(p.pair == k)
                row = rows.loc[target.pairs[k]]
                noise = ar1(rng, len(xs), p.year[at], row["sd"], row["phi"]) if noisy else 0.0
                y[:, at] = row["offset"] + row["scale"] * xs[:, at] + noise
            found[kind] = np.clip(y, *observe.RANGE[kind])
        return found


def ar1(rng: np.random.Generator, m: int, years: np.ndarray, sd: float, phi: float) -> np.ndarray:
    """m stationary AR(1) series (m, len(years)) of s.d. `sd` and lag-1 autocorrelation `phi` per year,
    observed in `years` (a gap of g years: autocorrelation phi^g)."""
    e = np.empty((m, len(years)))
    e[:, 0] = sd * rng.standard_normal(m)
    for t in range(1, len(years)):
        rho = phi ** (years[t] - years[t - 1])
        e[:, t] = rho * e[:, t - 1] + sd * np.sqrt(1 - rho**2) * rng.standard_normal(m)
    return e


def posterior_draws(table: pd.DataFrame, names: list[str], m: int, rng: np.random.Generator) -> np.ndarray:
    """m parameter sets drawn from a weighted posterior (m, names)."""
    w = table["weight"].to_numpy(dtype=float)
    return table[names].to_numpy(dtype=float)[rng.choice(len(table), size=m, p=w / w.sum())]


def observation_noise(model, table: pd.DataFrame, observed: dict, seed: int, sets: int = 200) -> ObservationNoise:
    """The real data's departures from the calibrated model: the data against the mean statistics of
    `sets` parameter sets drawn from the posterior (each over its replicates)."""
    rng = np.random.default_rng([seed, PPC_STREAM, 1])
    values = posterior_draws(table, model.names, sets, rng)
    x = model.statistics(values, rng.integers(0, 2**62, size=sets))
    return ObservationNoise.fit(model.target, {kind: v.mean(axis=0) for kind, v in x.items()}, observed)


def predictive_check(model, table: pd.DataFrame, observed: dict, seed: int, noise: ObservationNoise,
                     tolerance: float, sets: int = 200) -> dict:
    """The posterior predictive check of the fit.

    `sets` parameter sets drawn from the posterior are simulated afresh (each over its replicates,
    as a particle is) and held to the real data; each also makes a dataset as the real one is
    made in the model: one history run through the observation model. The statistic is the
    median distance of the sets' predictions to a dataset; the real data's is read against the
    same statistic of each set's own dataset, held to the other sets' predictions (like with like:
    a prediction from one draw, the data from another). Its quantile says where the real data lie
    among the data the posterior itself makes; outside the central 90% the model does not make
    data like the real, and the series whose share of the distance exceeds what the posterior
    makes most are named. The same with each dataset given the real data's residual noise (`noise`)
    says whether synthetic data so made are as far from the model as the real ones (the SBC's data).
    Also: the share of fresh simulations of posterior particles within the final `tolerance`."""
    rng = np.random.default_rng([seed, PPC_STREAM])
    values = posterior_draws(table, model.names, sets, rng)
    predicted = model.statistics(values, rng.integers(0, 2**62, size=sets))
    runs = model.statistics(values, rng.integers(0, 2**62, size=sets), replicates=1)
    real, names = model.target.misfit(predicted, observed)
    real_distance = np.sqrt(real.sum(axis=1))
    found = {"sets": sets, "distance": float(np.median(real_distance)),
             "within_tolerance": float(np.mean(real_distance <= tolerance))}
    for label, noisy in (("model", False), ("with_residual_noise", True)):
        own = noise.data(model.target, runs, rng, noisy=noisy)
        shares = np.empty((sets, len(names)))
        statistic = np.empty(sets)
        for k in range(sets):
            others = np.arange(sets) != k
            part = model.target.misfit({kind: v[others] for kind, v in predicted.items()},
                                       {kind: v[k] for kind, v in own.items()})[0]
            statistic[k], shares[k] = np.median(np.sqrt(part.sum(axis=1))), np.median(part, axis=0)
        quantile = float(np.mean(statistic < found["distance"]))
        found[label] = {"quantile": quantile, **{f"{q:.0%}": float(np.quantile(statistic, q)) for q in (0.05, 0.5, 0.95)}}
        if label == "model":
            found["drivers"] = _drivers(np.median(real, axis=0), shares, names) if not _central(quantile) else []
    return found


def _central(quantile: float) -> bool:
    return CENTRAL[0] <= quantile <= CENTRAL[1]


def _drivers(real: np.ndarray, own: np.ndarray, names: list[tuple[str, str]], most: int = 5) -> list[dict]:
    """The series whose share of the squared distance exceeds the posterior's own data most: per
    series the real share, the median share over the posterior's datasets and the real share's
    quantile among them."""
    excess = real - np.median(own, axis=0)
    return [{"kind": names[s][0], "pair": names[s][1], "real": float(real[s]), "expected": float(np.median(own[:, s])),
             "quantile": float(np.mean(own[:, s] < real[s]))} for s in np.argsort(-excess)[:most]]


def predictive_lines(check: dict) -> list[str]:
    """The predictive check in plain words."""
    model, noisy = check["model"], check["with_residual_noise"]
    lines = [f"posterior predictive check ({check['sets']} parameter sets): the real data are {check['distance']:.3g} "
             f"from the posterior's predictions; data the model makes are {model['50%']:.3g} "
             f"(90%: {model['5%']:.3g}-{model['95%']:.3g}); the real data at quantile {model['quantile']:.2f}"
             + (": in line with the model" if _central(model["quantile"]) else ": the model does not make data like these")]
    for d in check["drivers"]:
        lines.append(f"  {d['kind']} {d['pair']}: {d['real']:.3g} of the squared distance, {d['expected']:.3g} expected "
                     f"(quantile {d['quantile']:.2f})")
    lines.append(f"with the real residuals' noise added (AR(1) per series), the model's data are {noisy['50%']:.3g} "
                 f"(90%: {noisy['5%']:.3g}-{noisy['95%']:.3g}) from its predictions; the real data at quantile "
                 f"{noisy['quantile']:.2f}")
    lines.append(f"a fresh simulation of a posterior particle falls within the final tolerance {check['within_tolerance']:.0%} "
                 "of the time")
    return lines
