"""Comparing scenarios: what changed between runs, batch design points, or both.

Each item is a results folder, or one design point of a batch; the comparison holds, for each,
the partnership share with its 95% interval, the median quarter of first partnership and the
median final stances of the focal pair and toward the focal actor's patron, with each one's
difference to the first item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.outcomes import focal_outcomes, share_text, wilson_interval
from ..outputs.results import Results
from ..scenario import Scenario
from ..scenario.calendar import format_quarter, parse_quarter
from .points import point_label


@dataclass
class Item:
    """One thing compared: a name, its scenario, and the trajectories and outcomes of its runs."""

    name: str
    scenario: Scenario
    trajectories: pd.DataFrame
    outcomes: pd.DataFrame


def item(res: Results, point: int | None = None, label: str | None = None) -> Item:
    """A results folder, or the design point `point` of a batch, as an item to compare, named by
    `label` or by its scenario, its parameters (hand-set or a posterior) and its point."""
    name = label or res.scenario.name + (" (posterior)" if res.manifest.get("posterior") else " (hand-set)")
    if point is None:
        return Item(name, res.scenario, res.trajectories, res.outcomes)
    return Item(name if label else f"{name}, {point_label(res.design, point)}", res.scenario,
                res.trajectories_at(point), res.table("outcomes").where(point=point).to_pandas())


def _final(it: Item, source: str, target: str) -> float:
    t = it.trajectories
    rows = t[(t["source"] == source) & (t["target"] == target)]
    return float(rows.loc[rows["step"] == rows["step"].max(), "alignment"].median()) if len(rows) else np.nan


def table(items: list[Item]) -> pd.DataFrame:
    """One row per item (the first is the reference): partnership share, interval, median first
    quarter, median final stances, and the difference of each number to the first item's."""
    rows = []
    for it in items:
        s = it.scenario
        a, b = s.partnership.pair
        focal = focal_outcomes(it.outcomes, s)
        reached, runs = int(focal["partnership"].sum()), len(focal)
        low, high = wilson_interval(np.array(reached), np.array(runs))
        first = focal.loc[focal["partnership"], "first_step"]
        row = {"item": it.name, "runs": runs, "partnership": share_text(reached, runs),
               "share": reached / runs, "share_low": float(low), "share_high": float(high),
               "median_first_quarter": format_quarter(parse_quarter(s.start) + int(first.median())) if len(first) else "never",
               f"{a}->{b}": _final(it, a, b), f"{b}->{a}": _final(it, b, a)}
        patron = s.actors[a].patron
        if patron:
            row[f"{a}->{patron}"] = _final(it, a, patron)
        rows.append(row)
    found = pd.DataFrame(rows)
    numbers = [c for c in found.columns if c == "share" or "->" in c]
    for column in numbers:
        found[f"{column} vs first"] = found[column] - found[column].iloc[0]
    return found
