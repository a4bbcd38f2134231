"""Comparing scenarios: what changed between runs, batch design points, or both.

Each item is a results folder, or one design point of a batch; the comparison holds, for each,
the partnership share with its 95% interval, the median quarter of first partnership and the
median final stances of the focal pair and toward the focal actor's patron, with each one's
difference to the first item; and which settings differ between the items (`differences`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.outcomes import focal_outcomes, share_of, summary_text
from ..outputs.results import Results
from ..scenario import Scenario
from ..scenario.calendar import format_quarter, parse_quarter
from .points import point_label

# not what a run's numbers come from (how many runs: in the table)
LEFT_OUT = ("name", "description", "sweep", "calibration", "decision", "replicates")


@dataclass
class Item:
    """One thing compared: a name, its scenario, the trajectories and outcomes of its runs, and the
    settings that made them (`settings_of`)."""

    name: str
    scenario: Scenario
    trajectories: pd.DataFrame
    outcomes: pd.DataFrame
    settings: dict[str, str] = field(default_factory=dict)


def item(res: Results, point: int | None = None, label: str | None = None) -> Item:
    """A results folder, or the design point `point` of a batch, as an item to compare, named by
    `label` or by its scenario, its parameters (hand-set or a posterior) and its point."""
    name = label or res.scenario.name + (" (posterior)" if res.manifest.get("posterior") else " (hand-set)")
    settings = settings_of(res, point)
    if point is None:
        return Item(name, res.scenario, res.trajectories, res.outcomes, settings)
    outcomes = res.table("outcomes").where(point=point).to_pandas()
    if "parameter_set" in res.runs:  # the runs that share a parameter set: the interval counts the sets
        outcomes = outcomes.merge(res.runs[["run_id", "parameter_set"]], on="run_id")
    return Item(name if label else f"{name}, {point_label(res.design, point)}", res.scenario,
                res.trajectories_at(point), outcomes, settings)


def settings_of(res: Results, point: int | None = None) -> dict[str, str]:
    """What made a folder's runs (or a design point's), as {dotted path: value in words}: the parameters
    (manifest.json: hand-set or a posterior, and the changes drawn runs took over their set), the design
    point's factor values, the scenario as run (scenario.yaml) and its events by quarter."""
    m = res.manifest
    found = {"parameters": f"posterior {Path(m['posterior']).name}" if m.get("posterior") else "hand-set (the file's values)"}
    if point is not None:
        found |= {path: _word(v) for path, v in res.design.set_index("point").loc[point].items()}
    found |= {f"{path} (over each run's set)": _word(v) for path, v in (m.get("departures") or {}).items()}
    written = _flat({k: v for k, v in res.scenario.to_dict().items() if k not in (*LEFT_OUT, "events")})
    found |= {k: v for k, v in written.items() if k not in found}  # a point's own value, not the base's
    for e in sorted(res.scenario.events, key=lambda e: parse_quarter(e.at)):
        said = [f"{k} = {v:g}" for k, v in e.set.items()]
        if e.shift is not None:
            said += [f"shift {k} by {v:+g}" for k, v in e.shift.alignment.items()]
            said += [f"shift cooperation {k} by {v:+g}" for k, v in e.shift.cooperation.items()]
        key = f"event at {e.at}"
        found[key] = "; ".join(filter(None, [found.get(key), ", ".join(said)]))
    return found


def _flat(data, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in _flat(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): _word(data)}


def _word(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def differences(items: list[Item]) -> pd.DataFrame:
    """The settings that differ between the items: one row per setting, one column per item ('–': not set)."""
    keys = list(dict.fromkeys(k for it in items for k in it.settings))
    rows = {k: [it.settings.get(k, "–") for it in items] for k in keys}
    found = pd.DataFrame.from_dict({k: v for k, v in rows.items() if len(set(v)) > 1}, orient="index",
                                   columns=[it.name for it in items])
    return found.rename_axis("setting")


def _final(it: Item, source: str, target: str, column: str = "alignment") -> float:
    t = it.trajectories
    rows = t[(t["source"] == source) & (t["target"] == target)]
    return float(rows.loc[rows["step"] == rows["step"].max(), column].median()) if len(rows) else np.nan


def table(items: list[Item]) -> pd.DataFrame:
    """One row per item (the first is the reference): partnership share, interval, median first
    quarter, median final stances and cooperation, and the difference of each number to the first item's."""
    rows = []
    for it in items:
        s = it.scenario
        a, b = s.partnership.pair
        focal = focal_outcomes(it.outcomes, s)
        share = share_of(focal)
        first = focal.loc[focal["partnership"], "first_step"]
        row = {"item": it.name, "runs": len(focal), "partnership": summary_text(share),
               "share": share["partnership_share"], "share_low": share["share_low"], "share_high": share["share_high"],
               "median_first_quarter": format_quarter(parse_quarter(s.start) + int(first.median())) if len(first) else "never",
               f"{a}->{b}": _final(it, a, b), f"{b}->{a}": _final(it, b, a),
               f"{a}-{b} cooperation": _final(it, a, b, "cooperation")}
        patron = s.actors[a].patron
        if patron:
            row[f"{a}->{patron}"] = _final(it, a, patron)
        rows.append(row)
    found = pd.DataFrame(rows)
    numbers = [c for c in found.columns if c == "share" or "->" in c or c.endswith(" cooperation")]
    for column in numbers:
        found[f"{column} vs first"] = found[column] - found[column].iloc[0]
    return found
