"""Outcomes of a run: whether, when and how long a pair was in strategic partnership.

A pair (i, j) is in partnership at a step when both directed stances are at or above the
threshold and their cooperation at or above its own; the partnership is *reached* once
that has held for `hold` consecutive steps, and dates from the first of those steps.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd


class Outcomes(NamedTuple):
    """Per run and unordered pair: arrays of shape (runs, pairs)."""

    reached: np.ndarray  # bool
    first_step: np.ndarray  # int, -1 where never reached
    steps_held: np.ndarray  # int, steps at which the conditions held


def focal_pair(scenario) -> tuple[str, str]:
    """The partnership pair as outcome tables hold it: source before target in actor order."""
    a, b = sorted(scenario.partnership.pair, key=scenario.index)
    return a, b


def focal_outcomes(outcomes: pd.DataFrame, scenario) -> pd.DataFrame:
    """The partnership pair's rows of an outcomes table."""
    a, b = focal_pair(scenario)
    return outcomes[(outcomes["source"] == a) & (outcomes["target"] == b)]


def partnership_met(A: np.ndarray, E: np.ndarray, threshold: float, cooperation: float) -> np.ndarray:
    """Where the partnership conditions hold: bool, same shape as A (..., n, n)."""
    return (A >= threshold) & (np.swapaxes(A, -1, -2) >= threshold) & (E >= cooperation)


def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The unordered pairs (i < j), as index arrays."""
    return np.triu_indices(n, k=1)


def track(streak: np.ndarray, first: np.ndarray, met: np.ndarray, t: int, hold: int) -> tuple[np.ndarray, np.ndarray]:
    """The partnership rule, one step: extend or reset each streak, date a partnership once it holds.

    `streak` counts consecutive steps up to t at which the conditions were met; `first` is
    the step a partnership dates from (-1: not reached yet). Both the batch tables and the
    Mesa model apply this rule, so they agree on every run.
    """
    streak = np.where(met, streak + 1, 0)
    first = np.where((streak == hold) & (first < 0), t - hold + 1, first)
    return streak, first


def focal_partnership(A: np.ndarray, E: np.ndarray, s) -> Outcomes:
    """The partnership outcome of the scenario's own pair in every run (its pair axis holds that one pair)."""
    i, j = (s.index(a) for a in s.partnership.pair)
    sub = (slice(None), slice(None), [[i], [j]], [i, j])
    p = s.partnership
    return partnership(A[sub], E[sub], p.threshold, p.cooperation, p.hold, s.partnership_start)


def partnership(A: np.ndarray, E: np.ndarray, threshold: float, cooperation: float, hold: int, start: int = 0) -> Outcomes:
    """Outcomes for trajectories A, E of shape (runs, steps + 1, n, n), the conditions tracked from `start` on."""
    i, j = pairs(A.shape[-1])
    met = partnership_met(A, E, threshold, cooperation)[..., i, j]  # (runs, time, pairs)
    met[:, :start] = False
    streak = np.zeros(met.shape[::2], dtype=np.int64)
    first = np.full(met.shape[::2], -1, dtype=np.int64)
    for t in range(met.shape[1]):
        streak, first = track(streak, first, met[:, t], t, hold)
    return Outcomes(first >= 0, first, met.sum(axis=1))


def known_by(first_step: np.ndarray, hold: int, steps: int) -> np.ndarray:
    """(runs, steps): whether a run's partnership is known at each step, i.e. has held `hold` quarters."""
    first = np.asarray(first_step)[:, None]
    return (first >= 0) & (np.arange(steps)[None, :] >= first + hold - 1)


def wilson_interval(successes: np.ndarray, trials: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (vectorised; checked against scipy's binomtest)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = np.asarray(trials, dtype=float)
    k = np.asarray(successes, dtype=float)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # exactly 0 (1) where none (all) succeeded: the formula's ends differ from them only by rounding (1e-17)
    return np.where(k <= 0, 0.0, np.clip(centre - half, 0, 1)), np.where(k >= n, 1.0, np.clip(centre + half, 0, 1))


def effective_runs(share: pd.Series, runs: pd.Series, between: pd.Series, sets: pd.Series) -> pd.Series:
    """How many independent runs a share over runs that share parameter sets is worth (Kish's design
    effect): the runs of one set agree more than runs of different sets do, so the share's interval
    counts the sets, not only the runs. Between the number of sets (the runs of a set all alike)
    and the number of runs (sets alike); the number of sets where no run, or every run, reached it."""
    per_set = runs / sets
    spread = share * (1 - share)
    effect = (per_set * between / spread.where(spread > 0)).clip(lower=1.0)  # 1 + (m - 1) * intra-set correlation
    return (runs / effect).fillna(sets.astype(float)).clip(lower=sets, upper=runs)


def percent(x: float) -> str:
    """A share as a percentage that does not round a rare event away: 0.5%, 2.8%, 45%."""
    return "0%" if x == 0 else f"{100 * x:.1f}%" if x < 0.1 else f"{100 * x:.0f}%"


def share_interval(share, runs, between=None, sets=None) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval of a share of runs: the one rule for every share the project prints, tables or
    draws. Wilson's score interval over the runs, or, where runs share parameter sets (`between`: the
    variance of the sets' own shares; `sets`: how many), over the independent runs they are worth
    (`effective_runs`)."""
    share, runs = pd.Series(share, dtype=float), pd.Series(runs, dtype=float)
    independent = runs if sets is None else effective_runs(share, runs, pd.Series(between, dtype=float),
                                                           pd.Series(sets, dtype=float))
    return wilson_interval(share * independent, independent)


def share_text(reached: int, runs: int, low: float | None = None, high: float | None = None) -> str:
    """'1 of 200 runs, 0.5% (95% interval 0.1%–2.8%)': the count with the share and its interval, as every
    command prints it: the interval given (a summary's), else `share_interval`'s for independent runs."""
    if low is None or high is None:
        low, high = (float(v[0]) for v in share_interval(reached / runs, runs))
    return f"{reached:,} of {runs:,} runs, {percent(reached / runs)} (95% interval {percent(low)}–{percent(high)})"


def summary_text(row) -> str:
    """`share_text` of a summary row (`summarise`, `share_of`): its count, share and the interval it holds."""
    runs = int(row["runs"])
    return share_text(round(row["partnership_share"] * runs), runs, row["share_low"], row["share_high"])


def share_of(focal: pd.DataFrame) -> pd.Series:
    """The summary row (`summarise`) of a set of runs taken as one: their share, interval and medians."""
    return summarise(focal.assign(point=0)).iloc[0]


FINAL = ("final_alignment", "final_alignment_back", "final_cooperation")
SUMMARISED = ("partnership", "first_step", *FINAL)  # the columns of the outcomes that `summarise` reads


def summarise(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per design point: partnership share with its 95% (Wilson) interval, median time to
    partnership among the runs that reached it, and the median final state of the pair.

    `outcomes` holds the focal pair's rows with a `point` column. Runs drawn from a posterior
    also have a `parameter_set` column (the runs that share one): the share is then over
    parameter sets and seeds together, and `share_p10`, `share_p90` give the 10-90% range of
    the share over the parameter sets (each set's share over its runs).
    """
    g = outcomes.groupby("point", sort=True)
    summary = pd.DataFrame({"runs": g.size(), "partnership_share": g["partnership"].mean()})
    between = sets = None
    if "parameter_set" in outcomes:
        per_set = outcomes.groupby(["point", "parameter_set"])["partnership"].mean().groupby(level="point")
        if (per_set.size() < summary["runs"]).all():  # a set's own share needs two runs of it or more
            summary["share_p10"], summary["share_p90"] = per_set.quantile(0.1), per_set.quantile(0.9)
        between, sets = per_set.var(ddof=0), per_set.size()
    summary["share_low"], summary["share_high"] = share_interval(summary["partnership_share"], summary["runs"], between, sets)
    reached = outcomes[outcomes["partnership"]]
    summary["median_first_step"] = reached.groupby("point")["first_step"].median().astype(float)
    for column in FINAL:
        summary[f"median_{column}"] = g[column].median()
    return summary
