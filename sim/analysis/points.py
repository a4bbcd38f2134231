"""Design points that answer a question: where partnership is likeliest, which point lies nearest given values."""

from __future__ import annotations

import pandas as pd

from ..core.outcomes import percent, summary_text
from ..scenario import Scenario, expand_path, get_setting
from ..scenario.paths import FREE_KEYS


def best_point(summary: pd.DataFrame, scenario: Scenario) -> str:
    """One line on where in the design the partnership is likeliest, its share with the summary's interval."""
    share = summary.set_index("point")
    a, b = scenario.partnership.pair
    if share["partnership_share"].max() == 0:
        return (f"{a}–{b} partnership reached in none of the {int(share['runs'].sum()):,} runs, at none of the "
                f"{len(share):,} design points (95% interval of a point's share: 0% to at most "
                f"{percent(share['share_high'].max())})")
    best = share.loc[share["partnership_share"].idxmax()]
    ties = int((share["partnership_share"] == best["partnership_share"]).sum())
    where = ", ".join(f"{f}={best[f]:.3g}" for f in map(expand_path, scenario.sweep.factors))
    return (f"{a}–{b} partnership reached in {percent(share['partnership_share'].min())} to "
            f"{percent(best['partnership_share'])} of a design point's runs; highest at "
            f"{f'{ties} points, among them ' if ties > 1 else ''}{where}: {summary_text(best)}")


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


def factor_words(path: str, value: float | None = None) -> str:
    """A factor's short name for a sentence, with its value if given: 'sanctions 0.6 from 2025Q2',
    "Seoul's autonomy 0.35", 'weight of hedging'."""
    path, _, at = expand_path(path).partition("@")
    parts = path.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        name = parts[1]
    elif parts[0] == "actors" and len(parts) == 3:
        name = f"{parts[1]}'s {parts[2]}"
    elif parts[0] == "mechanisms" and len(parts) == 2:
        name = f"weight of {parts[1]}"
    else:
        name = path
    return name.replace("_", " ") + ("" if value is None else f" {value:.3g}") + (f" from {at}" if at else "")


def point_label(design: pd.DataFrame, point: int) -> str:
    """What a design point means, by its factor values: "sanctions 0.6, Seoul's autonomy 0.35 (design point 69)"."""
    values = design.set_index("point").loc[point]
    return ", ".join(factor_words(k, v) for k, v in values.items()) + f" (design point {point})"
