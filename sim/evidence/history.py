"""The history run: a scenario of what happened, held to the observed series.

Fitted (the observation model's offsets and scale) on the years up to `data.FIT_END`;
scored on those and, out of sample, on the years after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import budget
from ..core.engine import Trajectory, run_seeds, simulate
from ..core.posterior import Posterior
from ..core.resolve import Resolved, resolve
from ..scenario import Scenario, shipped
from ..scenario.calendar import step_years
from . import data, observe

DEFAULT = "history_2005_2024"


@dataclass
class History:
    scenario: Scenario
    trajectory: Trajectory
    points: pd.DataFrame  # one row per observed point: observed, model median and band, window
    fitted: dict  # the observation model's scale and offsets
    scores: pd.DataFrame  # per series: fit and hindcast RMSE, persistence RMSE


def run_history(scenario: Resolved | Scenario | None = None, runs: int | None = None, posterior: Posterior | None = None,
                fit_end: int = data.FIT_END, say=lambda message: None) -> History:
    """Run the history scenario (default: the shipped one; or one `resolve`d with its posterior) and
    compare it with the data.

    With a posterior, each run draws its parameter set from it (the posterior predictive).
    """
    from ..scenario import load_scenario

    if not isinstance(scenario, Resolved):
        scenario = resolve(scenario if scenario is not None else load_scenario(shipped(DEFAULT)), posterior=posterior)
    s = scenario.scenario
    n = runs or s.replicates
    budget.check(budget.trajectories(n, s.steps, len(s.names)), f"{n:,} runs of {s.steps:,} quarters",
                 "ask for fewer --runs")
    seeds = run_seeds(s.seed, n)
    say(f"simulating {n:,} runs of {s.steps} quarters")
    traj = simulate(scenario.schedule(seeds), seeds, s.steps)
    say("holding them to the observed series")
    points, fitted = observe.compare(traj, s, fit_end, observe.kinds_of(s), observe.data_root(s))
    return History(s, traj, points, fitted, observe.scores(points, fit_end))


def summary(h: History) -> pd.DataFrame:
    """Per kind of series and window: the mean RMSE over pairs, and persistence's in the hindcast."""
    g = h.scores.groupby("kind")
    return pd.DataFrame({"series": g.size(), "fit_rmse": g["fit_rmse"].mean(), "hindcast_rmse": g["hindcast_rmse"].mean(),
                         "persistence_rmse": g["persistence_rmse"].mean()})


NAMES = {"unga": "UN voting agreement", "ideal_points": "UN ideal-point distance", "trade": "trade intensity"}


def verdict(scores: pd.DataFrame) -> list[str]:
    """How far the model can be trusted, in plain words: against 'nothing changes' (persistence) out
    of sample, per kind of series, and how many series it forecasts better."""
    hind = scores[scores["hindcast_points"] > 0]
    better = int((hind["hindcast_rmse"] < hind["persistence_rmse"]).sum())
    lines = [f"Out of sample (the years after the fit), the model forecasts {better} of {len(hind)} series better than "
             "'nothing changes' (the last fitted value held on):"]
    for kind, g in hind.groupby("kind", sort=False):
        model, naive = g["hindcast_rmse"].mean(), g["persistence_rmse"].mean()
        word = "better than" if model < naive else "worse than"
        lines.append(f"  {NAMES.get(kind, kind)}: {word} 'nothing changes' (mean RMSE {model:.3g} against {naive:.3g}; "
                     f"{int((g['hindcast_rmse'] < g['persistence_rmse']).sum())} of {len(g)} series)")
    lines.append("Read its runs as the model's logic under the conditions given, not as forecasts.")
    return lines


def standing() -> list[str]:
    """The shipped calibration's standing in plain words: its fit beside two models without dynamics,
    and its hindcast against 'nothing changes' (from its folder's manifest and scores)."""
    import json

    folder = shipped(DEFAULT).parent / "posteriors" / DEFAULT
    fit = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["fit"]
    model, trend, flat = (fit[k] for k in ("calibrated model (posterior predictive)", "linear trend per pair", "offsets only"))
    return [f"The model's weights and key parameters are calibrated on 2005-{data.FIT_END} (ABC-SMC; {folder.name}): "
            f"it is {model:.3f} typical year-to-year changes from the data, against {flat:.3f} for each series held "
            f"flat and {trend:.3f} for a straight line per series.",
            *verdict(pd.read_parquet(folder / "scores.parquet"))]


def picture_of(s: Scenario, year: int, at: int = data.FIT_END) -> tuple[dict[str, float], dict[str, float], float]:
    """The stances and cooperation of `year` read from the data.

    Cooperation is the pair's trade intensity of that year on the model's scale
    (`observe.cooperation_of`): one scale for every pair, so that levels compare. Stances keep the
    levels of scenario `s`'s picture (that of the year `at`: an analyst's reading of each pair,
    since UN votes do not compare across pairs, the United States voting against most of the
    Assembly) and move, pair by pair, with the change in the distance between the two states'
    UN ideal points from `at` to `year`, at the slope that relates the picture's mean stances to
    the distances of `at` across its pairs (least squares). Returns the alignment and cooperation
    tables ('A-B': both directions alike) and the slope.
    """
    from ..core.schedule import initial_state

    state = initial_state(s)
    pairs = {data.pair(a, b): (s.index(a), s.index(b)) for k, a in enumerate(s.names) for b in s.names[k + 1:]}
    mean = pd.Series({p: (state.A[i, j] + state.A[j, i]) / 2 for p, (i, j) in pairs.items()})
    distance = data.ideal_distance().pivot(index="year", columns="pair", values="distance")
    intensity = data.intensity().pivot(index="year", columns="pair", values="value")
    slope = float(np.polyfit(distance.loc[at, mean.index], mean, 1)[0])
    moved = slope * (distance.loc[year, mean.index] - distance.loc[at, mean.index])
    alignment = {p: float(np.clip(mean[p] + moved[p], -1, 1)) for p in pairs}
    cooperation = {p: float(observe.cooperation_of(np.exp(intensity.loc[year, p]))) for p in pairs}
    return alignment, cooperation, slope


def sanction_response(first: int = 2013, last: int = 2016, control: str = "Beijing-Moscow") -> pd.Series:
    """In-sample evidence on firms' exposure: the change of log trade with Moscow from `first` to
    `last` for each partner, minus the control's (China did not join the 2014 sanctions).

    The oil-price and rouble collapse of 2014-2015 hit all of Russia's trade; the difference
    from China-Russia leaves what the partner's joining and its firms' exposure added.
    """
    t = data.trade().pivot(index="year", columns="pair", values="usd_bn")
    change = np.log(t.loc[last] / t.loc[first])
    russia = [p for p in change.index if "Moscow" in p]
    return (change[russia] - change[control]).drop(control).rename("log change relative to China-Russia")


def focal_runs(h: History, years: tuple[int, int] = (2021, 2023)) -> dict[str, np.ndarray]:
    """What the hindcast checks, per run, in each of `years` (columns): Korea-Russia cooperation, and
    the yearly mean stances of Seoul toward Moscow, Moscow toward Seoul and Seoul toward Washington."""
    found, pairs, model = observe.annual(h.trajectory, h.scenario)
    k = pairs.index(data.pair("Seoul", "Moscow"))
    s = h.scenario
    seoul, moscow, washington = s.index("Seoul"), s.index("Moscow"), s.index("Washington")
    year = np.array(step_years(s.start, s.steps))
    A = h.trajectory.A

    def stance(i, j):
        return np.stack([A[:, year == y, i, j].mean(axis=1) for y in years], axis=1)

    return {"cooperation": model["cooperation"][:, np.searchsorted(found, years), k],
            "seoul_to_moscow": stance(seoul, moscow), "moscow_to_seoul": stance(moscow, seoul),
            "seoul_to_washington": stance(seoul, washington)}


def focal_changes(h: History) -> dict[str, float]:
    """What the hindcast checks, from the model's runs (medians of the yearly means): the change from
    2021 to 2023 of Korea-Russia cooperation (relative), of the pair's ideal-point distance through the
    observation model, of both stances and of Seoul's toward Washington."""
    median = {name: np.median(values, axis=0) for name, values in focal_runs(h).items()}
    ideal = h.points[(h.points["kind"] == "ideal_points") & (h.points["pair"] == data.pair("Seoul", "Moscow"))]
    ideal = ideal.set_index("year")["median"]
    stances = ("seoul_to_moscow", "moscow_to_seoul", "seoul_to_washington")
    return {"trade_change": float(median["cooperation"][1] / median["cooperation"][0] - 1),
            "ideal_distance_change": float(ideal.get(2023, np.nan) - ideal.get(2021, np.nan)),
            **{name: float(median[name][1] - median[name][0]) for name in stances}}


def pair_years(h: History) -> pd.DataFrame:
    """Every run's classification of every pair-year: one row per run, unordered pair and whole year,
    with the year's mean stances (both directions), mean cooperation and whether they meet the
    scenario's partnership line (both stances at or above `partnership.threshold`, cooperation at or
    above `partnership.cooperation`): the model's answer to 'were they strategic partners that year?'"""
    s = h.scenario
    year = np.array(step_years(s.start, s.steps))
    years, quarters = np.unique(year, return_counts=True)
    years = years[quarters == 4]  # whole years, as the observation model reads them
    i, j, names = observe.unordered_pairs(s.names)
    mean = lambda x: np.stack([x[:, year == y].mean(axis=1) for y in years], axis=1)  # noqa: E731
    A, E = h.trajectory.A, h.trajectory.E
    ab, ba, coop = mean(A[:, :, i, j]), mean(A[:, :, j, i]), mean(E[:, :, i, j])
    p = s.partnership
    runs = ab.shape[0]
    frame = pd.DataFrame({"run": np.repeat(np.arange(runs), len(years) * len(names)),
                          "year": np.tile(np.repeat(years, len(names)), runs),
                          "pair": np.tile(names, runs * len(years)),
                          "stance": ab.ravel(), "stance_back": ba.ravel(), "cooperation": coop.ravel()})
    return frame.assign(partner=(frame["stance"] >= p.threshold) & (frame["stance_back"] >= p.threshold)
                        & (frame["cooperation"] >= p.cooperation))


def against_record(h: History) -> pd.DataFrame:
    """The model's pair-years beside the record of declared relationships (data/relationships.csv):
    per pair and year, the tier in force (None: nothing declared) and the share of runs that classify
    the pair-year as a partnership."""
    found = pair_years(h).groupby(["pair", "year"], as_index=False)["partner"].mean()
    tiers = [data.tier_in(pair, int(year)) for pair, year in zip(found["pair"], found["year"])]
    return found.rename(columns={"partner": "share_of_runs"}).assign(record=[t or "none" for t in tiers])


def confusion(h: History) -> pd.DataFrame:
    """The pair-year confusion table: per tier of the record (rows), the pair-years and the share of
    them that the model's runs classify as partnerships (mean over runs), and the same per pair."""
    found = against_record(h)
    per_pair = found.groupby(["record", "pair"]).agg(pair_years=("year", "size"),
                                                     classified_partner=("share_of_runs", "mean"))
    return per_pair.reset_index()


def partner_years(h: History, first: int | None = None, last: int | None = None) -> pd.DataFrame:
    """Per pair: the share of its pair-years (between `first` and `last`) that each run classifies as
    a partnership, summarised over runs (median, and the share of runs at >= 80% and <= 10%)."""
    rows = pair_years(h)
    rows = rows[rows["year"].between(first or rows["year"].min(), last or rows["year"].max())]
    per_run = rows.groupby(["pair", "run"])["partner"].mean()
    g = per_run.groupby(level="pair")
    return pd.DataFrame({"median_share": g.median(), "runs_at_least_80": g.apply(lambda x: (x >= 0.8).mean()),
                         "runs_at_most_10": g.apply(lambda x: (x <= 0.1).mean())})


def bar(h: History, posterior: Posterior | None = None) -> pd.DataFrame:
    """The history's model beside the same model with every mechanism switched off and beside the
    predictors without a model (`references`), on the calibration's distance, in and out of sample.

    The model without mechanisms keeps its start, its balance and its drivers' direct effects on
    cooperation, and its stances move only by noise and shifts: what the mechanisms add is the
    difference between the two rows."""
    from ..core.dynamics import MECHANISMS
    from . import references

    s = h.scenario
    off = resolve(s, {f"mechanisms.{m}": 0.0 for m in MECHANISMS}, posterior)
    seeds = run_seeds(s.seed, h.trajectory.A.shape[0])
    still = History(s, simulate(off.schedule(seeds), seeds, s.steps), h.points, h.fitted, h.scores)
    frame, model = references.model_prediction(h, observe.kinds_of(s))
    _, without = references.model_prediction(still, observe.kinds_of(s))
    rate = float(posterior.table["rate"].median()) if posterior is not None and "rate" in posterior.table else s.parameters.rate
    return references.table(frame, {"the model": model, "the model without mechanisms": without}, data.FIT_END, rate)
