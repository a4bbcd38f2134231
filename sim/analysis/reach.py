"""How far a headline share holds: along the partnership's line, and over the posterior's sets.

A share of runs reaching a partnership answers the question at one line (the scenario's
`partnership:` thresholds) and mixes two kinds of uncertainty. Two readings make it honest:

- **the threshold curve**: the share at every pair of thresholds in a grid (both stances at
  or above one, cooperation at or above the other), recomputed from the focal pair's
  recorded trajectories, so a reader sees whether a zero is a near miss or far off;
- **reachable sets**: the share of the posterior's parameter sets under which a partnership is
  reachable at all, under the most favourable conditions asked for (at least one of a set's
  runs reaches it): a share of runs near zero may be every set rarely, or a few sets often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import budget
from ..core.engine import run_seeds, simulate
from ..core.outcomes import focal_pair, partnership
from ..core.resolve import Resolved

STANCES = (0.5, 0.55, 0.6, 0.65, 0.7)
COOPERATION = (0.25, 0.3, 0.35, 0.4, 0.45)


def threshold_curve(res, points: list[int], stances=STANCES, cooperation=COOPERATION) -> pd.DataFrame:
    """Per design point (a batch) or for all runs (plain replicates): the share of runs reaching a
    partnership at each pair of thresholds, from the focal pair's recorded trajectories (kept every
    quarter: `sweep.record.every: 1`). One row per point, stance line and cooperation line."""
    s = res.scenario
    a, b = focal_pair(s)
    p = s.partnership
    found = []
    for point in points:
        table = res.table("trajectories").where(**({} if point is None else {"point": point}), pair=f"{a}-{b}")
        frame = table.to_pandas()
        if frame.empty:
            raise ValueError(f"{res.path} keeps no trajectories of {a}-{b}; allowed: a folder that records the "
                             "partnership pair (sweep.record.pairs)")
        A, E = _arrays(frame, a, b)
        if not (np.diff(np.sort(frame["step"].unique())) == 1).all():
            raise ValueError(f"{res.path} keeps {a}-{b} only every few quarters; the partnership must hold "
                             f"{p.hold} quarters in a row: allowed: a folder recorded every quarter")
        for stance in stances:
            for coop in cooperation:
                out = partnership(A, E, stance, coop, p.hold, s.partnership_start)
                found.append({"point": point, "stances": stance, "cooperation": coop,
                              "share": float(out.reached[:, 0].mean()), "runs": int(A.shape[0])})
    return pd.DataFrame(found)


def _arrays(frame: pd.DataFrame, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """The focal pair's trajectories as (runs, steps, 2, 2) stance and cooperation arrays."""
    frame = frame.sort_values(["run_id", "step"])
    runs, steps = frame["run_id"].nunique(), frame["step"].nunique()
    ab = frame[(frame["source"] == a) & (frame["target"] == b)]
    ba = frame[(frame["source"] == b) & (frame["target"] == a)]
    A, E = np.zeros((runs, steps, 2, 2)), np.zeros((runs, steps, 2, 2))
    A[:, :, 0, 1] = ab["alignment"].to_numpy().reshape(runs, steps)
    A[:, :, 1, 0] = ba["alignment"].to_numpy().reshape(runs, steps)
    E[:, :, 0, 1] = E[:, :, 1, 0] = ab["cooperation"].to_numpy().reshape(runs, steps)
    return A, E


def reachable(runs: Resolved, per_set: int = 10, chunk: int = 2000) -> pd.DataFrame:
    """Under the conditions `runs` were resolved with (e.g. the most favourable point's), each of the
    posterior's sets run `per_set` times: per set, the share of its runs that reach the scenario's
    partnership. A set can reach it at all where that share is above 0."""
    if runs.posterior is None:
        raise ValueError("reachable sets need runs drawn from a posterior (--posterior, or the scenario's own)")
    s, posterior = runs.scenario, runs.posterior
    sets = len(posterior.table)
    rows = np.repeat(np.arange(sets), per_set)
    seeds = np.tile(run_seeds(s.seed, per_set), sets)
    n = len(s.names)
    budget.check(budget.trajectories(min(chunk, len(rows)), s.steps, n), f"{min(chunk, len(rows)):,} runs at a time",
                 "ask for fewer runs per set")
    i, j = (s.index(x) for x in s.partnership.pair)
    p = s.partnership
    reached = np.empty(len(rows), dtype=bool)
    for start in range(0, len(rows), chunk):
        part = slice(start, start + chunk)
        traj = simulate(runs.schedule(seeds[part], rows[part]), seeds[part], s.steps)
        sub = (slice(None), slice(None), [[i], [j]], [i, j])
        reached[part] = partnership(traj.A[sub], traj.E[sub], p.threshold, p.cooperation, p.hold,
                                    s.partnership_start).reached[:, 0]
    share = pd.Series(reached).groupby(rows).mean()
    return pd.DataFrame({"posterior_row": share.index, "share": share.to_numpy(), "runs": per_set})
