"""Choosing between models on in-sample evidence, then scoring every model out of sample.

Each model is a history scenario with a `calibration:` section, calibrated twice the same way:

- on the years before `validate_from` (2015), then run from its posterior to predict
  `validate_from` to `data.FIT_END` (2015-2018): the validation misfit, inside the fit window.
  The model with the lower validation misfit is chosen;
- on the whole fit window (to 2018), then run from its posterior to predict 2019-2024: the
  hindcast score, reported for every model after the choice, informing nothing.

Misfit: as the calibration's distance, on the model's median: each kind's RMSE (mean over its
series) divided by its typical change from one year to the next in the data, then the root of
the mean square over kinds. Persistence (the last fitted year's value held on) is scored
beside it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs.posterior import read_posterior
from ..scenario import Scenario
from . import data, observe
from .calibration import Target, calibrate
from .history import run_history


def misfit(scores: pd.DataFrame, scale: dict[str, float], column: str) -> float:
    """The misfit of a scores table's `column` (an RMSE per series), over the kinds in `scale`."""
    rmse = scores.groupby("kind")[column].mean()
    return float(np.sqrt(np.mean([(rmse[kind] / s) ** 2 for kind, s in scale.items()])))


def stage(s: Scenario, folder: Path, fit_end: int, until: int, runs: int, workers: int, say) -> dict:
    """Calibrate `s` up to `fit_end` into `folder` (continuing one already there), predict the years
    after it up to `until`, and score them."""
    fitted = s.model_copy(update={"calibration": s.calibration.model_copy(update={"fit_end": fit_end})})
    calibrate(fitted, folder, resume=(folder / "scenario.yaml").is_file(), workers=workers, say=say)
    found = run_history(s, runs, read_posterior(folder), fit_end)
    points = found.points[found.points["year"] <= until]
    scores = observe.scores(points, fit_end)
    scale = {kind: p.scale for kind, p in Target(s).points.items()}
    by_kind = scores.groupby("kind")[["hindcast_rmse", "persistence_rmse"]].mean()
    return {"misfit": misfit(scores, scale, "hindcast_rmse"), "persistence_misfit": misfit(scores, scale, "persistence_rmse"),
            **{f"{kind}_rmse": by_kind.loc[kind, "hindcast_rmse"] for kind in scale},
            **{f"{kind}_persistence_rmse": by_kind.loc[kind, "persistence_rmse"] for kind in scale}}


def select(models: list[Scenario], folder: Path, validate_from: int = 2015, runs: int = 200, workers: int = 1,
           say=print) -> pd.DataFrame:
    """Validation and hindcast scores of each model, and which one the validation chooses."""
    rows = []
    for s in models:
        say(f"'{s.name}': calibrating up to {validate_from - 1}, validating on {validate_from}-{data.FIT_END}")
        rows.append({"model": s.name, "window": f"validation {validate_from}-{data.FIT_END}",
                     **stage(s, folder / s.name / "validation", validate_from - 1, data.FIT_END, runs, workers, say)})
    table = pd.DataFrame(rows)
    chosen = table.loc[table["misfit"].idxmin(), "model"]
    say(f"chosen on the validation window: '{chosen}'")
    for s in models:
        say(f"'{s.name}': calibrating up to {data.FIT_END}, scoring the hindcast (after the choice)")
        rows.append({"model": s.name, "window": f"hindcast {data.FIT_END + 1}-2024",
                     **stage(s, folder / s.name / "fit", data.FIT_END, 9999, runs, workers, say)})
    return pd.DataFrame(rows).assign(chosen=lambda t: t["model"] == chosen)


def verdict(table: pd.DataFrame) -> list[str]:
    """Which model the validation chose, and how each then did out of sample against 'nothing changes'."""
    chosen = table.loc[table["chosen"], "model"].iloc[0]
    lines = []
    for window, g in table.groupby("window", sort=False):
        said = [f"'{r.model}' {r.misfit:.3g} ({'better' if r.misfit < r.persistence_misfit else 'worse'} than "
                f"'nothing changes', {r.persistence_misfit:.3g})" for r in g.itertuples()]
        lines.append(f"{window[0].upper() + window[1:]}, misfit (lower is closer): {'; '.join(said)}.")
    lines.insert(1, f"The validation chose '{chosen}'; the hindcast below informed no choice.")
    return lines
