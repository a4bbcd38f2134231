"""A register of forecasts issued before their data exist, scored as the data arrive.

An issued forecast is a folder under `forecasts/`: the model calibrated on every year that
has data (to `LAST_YEAR`), its posterior predictive of every observed series for the years
ahead (quantiles, and the whole ensemble for scoring), and a manifest that fixes what was
forecast when: the date of issue, the git commit, the scenario's and the posterior's hashes.
Nothing in a folder changes after it is issued; scoring reads it beside the data of the day.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import scoringrules as sr

from ..outputs.posterior import read_posterior
from ..outputs.results import beside, publish, versions
from ..scenario import Scenario
from ..scenario.calendar import parse_quarter
from . import observe
from .calibration import calibrate
from .forecast import LEVELS, fitted

LAST_YEAR = 2024  # the last year with data when the register was started
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def commit() -> str:
    """The git commit of the project's checkout ('-modified' if its files differ from it), or 'unknown'."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=here).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        return head + ("-modified" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def issue(s: Scenario, root: Path, years: list[int], runs: int = 200, workers: int = 1, say=print) -> Path:
    """Calibrate `s` on every year to LAST_YEAR, forecast `years`, and write the folder ROOT/NAME-DATE."""
    today, code = date.today().isoformat(), commit()  # the code as it is when the forecast starts
    folder = Path(root) / f"{s.name}-{today}"
    if folder.exists():
        raise FileExistsError(f"{folder} is already issued; a forecast in the register is not replaced")
    horizon = s.model_copy(update={"steps": parse_quarter(f"{max(years) + 1}Q1") - parse_quarter(s.start)})
    working = Path(root) / f".{s.name}-{today}.calibration"  # kept until issued: a stopped issue continues
    calibrate(fitted(horizon, LAST_YEAR), working, resume=(working / "scenario.yaml").is_file(), workers=workers, say=say)
    posterior = read_posterior(working)
    from .history import run_history

    h = run_history(horizon, runs, posterior, LAST_YEAR)
    obs = observe.observed()
    kinds = tuple(k for k in observe.KINDS if obs.loc[obs["kind"] == k, "year"].max() >= LAST_YEAR)  # still published
    points, members = observe.project(h.trajectory, horizon, LAST_YEAR, years, kinds, seed=s.seed)
    table = points.assign(**{f"q{round(100 * q):02d}": np.quantile(members, q, axis=1) for q in QUANTILES},
                          mean=members.mean(axis=1))
    long = points.loc[points.index.repeat(members.shape[1])].assign(
        member=np.tile(np.arange(members.shape[1]), len(points)), value=members.ravel())
    manifest = {"issued": today, "commit": code, "scenario": s.name, "scenario_sha256": horizon.digest(),
                "posterior_sha256": posterior.digest(), "fit_end": LAST_YEAR, "years": years, "runs": runs,
                "quantiles": list(QUANTILES), "versions": versions()}
    with beside(folder) as partial:  # moved into place whole, onto a name that must still be free
        table.to_parquet(partial / "forecast.parquet", index=False)
        long.to_parquet(partial / "ensemble.parquet", index=False)
        (partial / "scenario.yaml").write_text(horizon.to_yaml(), encoding="utf-8")
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for name in ("posterior.parquet", "generations.parquet", "scenario.yaml", "manifest.json"):
            (partial / f"calibration-{name}").write_bytes((working / name).read_bytes())
        publish(partial, folder)
    shutil.rmtree(working)
    return folder


def score(folder: Path) -> pd.DataFrame:
    """Every forecast of an issued folder that now has data: the outcome, CRPS, the PIT and whether
    the central 50/80/90% intervals held it."""
    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    ensemble = pd.read_parquet(Path(folder) / "ensemble.parquet")
    kinds = tuple(ensemble["kind"].unique())
    obs = observe.observed(kinds)
    obs = obs[obs["year"] > manifest["fit_end"]]
    members = ensemble.pivot_table(index=["kind", "pair", "year"], columns="member", values="value")
    found = members.join(obs.set_index(["kind", "pair", "year"])["value"], how="inner")
    if found.empty:
        return pd.DataFrame(columns=["kind", "pair", "year", "value", "crps", "pit",
                                     *[f"in_{round(100 * level)}" for level in LEVELS]])
    m, y = found.drop(columns="value").to_numpy(), found["value"].to_numpy()
    q = {level: np.quantile(m, [(1 - level) / 2, (1 + level) / 2], axis=1) for level in LEVELS}
    return found[["value"]].reset_index().assign(
        crps=sr.crps_ensemble(y, m), pit=(m < y[:, None]).mean(axis=1),
        **{f"in_{round(100 * level)}": (lo <= y) & (y <= hi) for level, (lo, hi) in q.items()})
