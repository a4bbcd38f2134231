"""Design points that answer a question: where partnership is likeliest, which point lies nearest given values."""

from __future__ import annotations

import pandas as pd

from ..core.outcomes import percent, share_text
from ..scenario import Scenario, expand_path, get_setting
from ..scenario.paths import FREE_KEYS


def best_point(summary: pd.DataFrame, scenario: Scenario) -> str:
    """One line on where in the design the partnership is likeliest."""
    share = summary.set_index("point")
    best = share.loc[share["partnership_share"].idxmax()]
    ties = int((share["partnership_share"] == best["partnership_share"]).sum())
    where = ", ".join(f"{f}={best[f]:.3g}" for f in map(expand_path, scenario.sweep.factors))
    a, b = scenario.partnership.pair
    reached = round(best["partnership_share"] * best["runs"])
    return (f"{a}–{b} partnership reached in {percent(share['partnership_share'].min())} to "
            f"{percent(best['partnership_share'])} of a design point's runs; highest at "
            f"{f'{ties} points, among them ' if ties > 1 else ''}{where}: {share_text(reached, int(best['runs']))}")


def nearest_point(design: pd.DataFrame, scenario: Scenario, values: dict[str, float] | None = None) -> int:
    """The point nearest `values` (by default the base scenario's own values), each factor scaled by its span.

    `design` has one row per point and a `point` column; a factor in `values` that is not
    in the design raises ValueError naming the allowed ones.
    """
    design = design.set_index("point")
    # pair tables may name a pair the base scenario does not list: it has no base value
    target = {f: get_setting(scenario.to_dict(), f) for f in design.columns if not f.startswith(FREE_KEYS)}
    for path, value in (values or {}).items():
        if path not in design.columns:
            raise ValueError(f"--where {path}={value}: allowed factors: {', '.join(design.columns)}")
        target[path] = float(value)
    span = (design.max() - design.min()).replace(0, 1)
    distance = sum(((design[f] - v) / span[f]) ** 2 for f, v in target.items())
    return int(distance.idxmin())


def point_label(design: pd.DataFrame, point: int) -> str:
    """'design point 17: parameters.sanctions = 0.3, ...'"""
    values = design.set_index("point").loc[point]
    return f"design point {point}: " + ", ".join(f"{k} = {v:.3g}" for k, v in values.items())
