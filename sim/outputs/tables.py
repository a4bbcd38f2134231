"""Tidy tables: runs turned into long rows, and long rows turned back into what figures draw.

The engine's arrays become `trajectories` (one row per run, recorded step and directed
pair) and `outcomes` (one row per run and unordered pair); figures and reports read them
back as per-step quantile bands and the share of runs in partnership by each date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.engine import Trajectory
from ..core.outcomes import known_by, pairs, partnership
from ..scenario import Scenario, parse_pair
from ..scenario.calendar import step_dates


def trajectory_table(traj: Trajectory, scenario: Scenario, run_ids: np.ndarray,
                     pairs: list[tuple[int, int]] | None = None, every: int = 1) -> pd.DataFrame:
    """Long table: one row per run, recorded step and directed pair (default: all pairs, all steps)."""
    runs, steps1, n, _ = traj.A.shape
    src, dst = (np.array(x) for x in zip(*pairs)) if pairs else np.nonzero(~np.eye(n, dtype=bool))
    steps = np.union1d(np.arange(0, steps1, every), [steps1 - 1])
    names = np.array(scenario.names)
    dates = np.array(step_dates(scenario.start, steps1 - 1))
    shape = (runs, len(steps), len(src))
    run_col = np.broadcast_to(run_ids[:, None, None], shape).ravel()
    step_col = np.broadcast_to(steps[None, :, None], shape).ravel()
    pair_col = np.broadcast_to(np.arange(len(src))[None, None, :], shape).ravel()

    flat = (steps[:, None] * n * n + (src * n + dst)[None, :]).ravel()  # (step, pair) in a run's flat array

    def pick(x: np.ndarray) -> np.ndarray:  # one gather of the recorded values, in (run, step, pair) order
        return np.take(x.reshape(runs, -1), flat, axis=1).ravel()

    return pd.DataFrame(
        {
            "run_id": run_col,
            "step": step_col,
            "date": pd.Categorical.from_codes(step_col, categories=dates, ordered=True),  # quarters in time order
            "source": pd.Categorical.from_codes(src[pair_col], categories=names),
            "target": pd.Categorical.from_codes(dst[pair_col], categories=names),
            "alignment": pick(traj.A),
            "cooperation": pick(traj.E),
            "ties": pick(traj.T),
        },
        copy=False,  # the columns are new arrays: no need to copy them again into one block
    )


def outcome_table(traj: Trajectory, scenario: Scenario, run_ids: np.ndarray) -> pd.DataFrame:
    """One row per run and unordered pair: the partnership outcome and the final state."""
    p = scenario.partnership
    out = partnership(traj.A, traj.E, p.threshold, p.cooperation, p.hold, scenario.partnership_start)
    i, j = pairs(len(scenario.names))
    names = np.array(scenario.names)
    dates = np.array(step_dates(scenario.start, scenario.steps) + [None], dtype=object)
    runs = len(run_ids)
    first = out.first_step.ravel()
    last = traj.A[:, -1]
    return pd.DataFrame(
        {
            "run_id": np.repeat(run_ids, len(i)),
            "source": pd.Categorical.from_codes(np.tile(i, runs), categories=names),
            "target": pd.Categorical.from_codes(np.tile(j, runs), categories=names),
            "partnership": out.reached.ravel(),
            "first_step": pd.Series(first).where(first >= 0).astype("Int64"),
            "first_date": dates[first],  # index -1 is the None past the last date
            "steps_held": out.steps_held.ravel(),
            "final_alignment": last[:, i, j].ravel(),
            "final_alignment_back": last[:, j, i].ravel(),
            "final_cooperation": traj.E[:, -1, i, j].ravel(),
        },
        copy=False,
    )


def band(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and 10-90% quantiles of a column across runs, per step (with its date)."""
    g = frame.groupby("step", observed=True)[column]
    out = pd.DataFrame({"lo": g.quantile(0.1), "median": g.median(), "hi": g.quantile(0.9)})
    out["date"] = frame.groupby("step", observed=True)["date"].first().astype(str)
    return out.reset_index()


class NotRecorded(ValueError):
    """A figure needs the trajectories of a pair that the batch did not record."""

    def __init__(self, pair: str):
        self.pair = pair
        super().__init__(f"no trajectories recorded for {pair}; record it with sweep.record.pairs: [{pair}, ...]")


def stance(trajectories: pd.DataFrame, source: str, target: str, column: str = "alignment") -> pd.DataFrame:
    """One directed pair's values as a (runs x steps) frame."""
    rows = trajectories[(trajectories["source"] == source) & (trajectories["target"] == target)]
    return rows.pivot(index="run_id", columns="step", values=column)


def reached_share(trajectories: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Share of runs whose focal partnership is known by each date (it has held `hold` quarters)."""
    a, b = scenario.partnership.pair
    p = scenario.partnership
    ab, ba = stance(trajectories, a, b).to_numpy(), stance(trajectories, b, a).to_numpy()
    A = np.zeros((*ab.shape, 2, 2))
    A[..., 0, 1], A[..., 1, 0] = ab, ba
    E = np.zeros_like(A)
    E[..., 0, 1] = E[..., 1, 0] = stance(trajectories, a, b, "cooperation").to_numpy()
    steps = np.sort(trajectories["step"].unique())
    start = int(np.searchsorted(steps, scenario.partnership_start))  # the recorded steps before it
    first = partnership(A, E, p.threshold, p.cooperation, p.hold, start).first_step[:, 0]
    dates = trajectories.groupby("step", observed=True)["date"].first().astype(str).to_numpy()
    return pd.Series(known_by(first, p.hold, ab.shape[1]).mean(axis=0), index=dates)


def median_stances(trajectories: pd.DataFrame, scenario: Scenario, date: str) -> np.ndarray:
    """(n, n) median stance of every directed pair at a date, across runs; NaN where not recorded."""
    dates = trajectories["date"].astype(str)
    at = trajectories[dates == date]
    if at.empty:
        raise ValueError(f"no step at {date}; the run covers {dates.iloc[0]} to {dates.iloc[-1]}")
    median = at.groupby(["source", "target"], observed=True)["alignment"].median()
    names = scenario.names
    A = np.full((len(names), len(names)), np.nan)
    for (src, dst), value in median.items():
        A[names.index(src), names.index(dst)] = value
    return A


def share_grid(summary: pd.DataFrame, x: str, y: str, bins: int = 12, column: str = "partnership_share") -> pd.DataFrame:
    """Partnership share (or another per-point `column` of shares) over two factors (rows y,
    columns x), pooling the runs of any others (weighted by their runs).

    Sampled designs (more than 30 distinct values of a factor) are pooled into equal-width bins.
    """
    for name in (x, y):
        if name not in summary.columns:
            factors = [c for c in summary.columns if "." in c]
            raise ValueError(f"{name!r} is not a factor of this batch; allowed: {', '.join(factors)}")
    data = summary[[x, y, column, "runs"]].copy()
    for name in (x, y):
        if data[name].nunique() > 30:
            edges = np.linspace(data[name].min(), data[name].max(), bins + 1)
            data[name] = pd.cut(data[name], edges, include_lowest=True).map(lambda iv: iv.mid).astype(float)
    data["reached"] = data[column] * data["runs"]
    pooled = data.groupby([y, x])[["reached", "runs"]].sum()
    return (pooled["reached"] / pooled["runs"]).unstack(x)


def directed(pair: str) -> tuple[str, str]:
    """'A->B' as (A, B); anything else is an error naming what is allowed."""
    try:
        a, b, both = parse_pair(pair)
    except ValueError:
        both = True
    if both:
        raise ValueError(f"{pair!r}: allowed: a directed pair written A->B")
    return a, b
