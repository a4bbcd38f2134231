"""A register of forecasts issued before their data exist, scored as the data arrive.

An issued forecast is a folder under `forecasts/`: the model calibrated on every year it may be
fitted on (to `LAST_FIT`), its state filtered from the observations to the latest year that has
any (the origin), its ensemble of every series still published for the years ahead, and beside
it the three benchmarks fitted on the same years (persistence, a random walk with drift, AR(1)),
with a manifest that fixes what was forecast when: the date of issue, the git commit, the
scenario's and the posterior's hashes. Nothing in a folder changes after it is issued; its
SHA-256 (`digest`) lets anyone check that. Scoring reads it beside the data of the day, and
beside figures a user adds in the data's own format (`with_added`), checked as the shipped data are.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import scoringrules as sr
import yaml
from scipy import stats

from ..outputs.posterior import read_posterior
from ..outputs.results import beside, publish, versions
from ..scenario import Scenario
from . import data, forecast, observe
from .calibration import calibrate

LAST_FIT = 2024  # the last year a calibration may fit (the scenario schema's bound)
LEVELS = forecast.LEVELS


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


def digest(folder: Path) -> str:
    """The SHA-256 of an issued folder: of each file's name and SHA-256, in name order."""
    lines = [f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in sorted(Path(folder).iterdir()) if p.is_file()]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def latest(s: Scenario) -> int:
    """The latest year with any observed figure of the series `s` is held to: the register's origin."""
    return int(forecast.known(s, 9999)["year"].max())


def issue(s: Scenario, root: Path, years: list[int], settings: forecast.Settings = forecast.Settings(), workers: int = 1,
          say=print) -> Path:
    """Calibrate `s` on every year to LAST_FIT, filter its state to the latest year with data, forecast
    `years` beside the benchmarks, and write the folder ROOT/NAME-DATE."""
    today, code = date.today().isoformat(), commit()  # the code as it is when the forecast starts
    s = s.model_copy(update={"posterior": None})  # it calibrates its own; the folder names no other, nor where it lay
    folder = Path(root) / f"{s.name}-{today}"
    if folder.exists():
        raise FileExistsError(f"{folder} is already issued; a forecast in the register is not replaced")
    origin = latest(s)
    if min(years) <= origin:
        raise ValueError(f"years {', '.join(map(str, years))}: allowed: years after {origin}, the latest with data")
    working = Path(root) / f".{s.name}-{today}.calibration"  # kept until issued: a stopped issue continues
    fitted = forecast.cut(s, min(origin, LAST_FIT), 0)
    calibrate(fitted, working, resume=(working / "scenario.yaml").is_file(), workers=workers, say=say)
    posterior = read_posterior(working)
    found = forecast.forecast(s, posterior, origin, settings, horizon=max(years) - origin, say=say)
    obs = forecast.known(s, origin)
    published = [k for k in obs["kind"].unique() if obs.loc[obs["kind"] == k, "year"].max() >= origin - 1]
    keep = found.points["forecaster"].eq(s.name) & found.points["kind"].isin(published) & found.points["year"].isin(years)
    points, members = found.points[keep].reset_index(drop=True), found.members[keep.to_numpy()]
    f = forecast.Forecast(points, members, forecast.benchmarks(obs, points), found.start, found.ess)
    table = forecast.quantiles(f).merge(f.normal[["forecaster", "kind", "pair", "year", "sd"]], how="left",
                                        on=["forecaster", "kind", "pair", "year"])
    long = points.loc[points.index.repeat(members.shape[1])].assign(
        member=np.tile(np.arange(members.shape[1]), len(points)), value=members.ravel())
    manifest = {"issued": today, "commit": code, "scenario": s.name, "scenario_sha256": s.digest(),
                "posterior_sha256": posterior.digest(), "origin": origin, "fit_end": min(origin, LAST_FIT),
                "years": years, "members": int(members.shape[1]), "sets": settings.sets, "particles": settings.particles,
                "forecasters": [s.name, *forecast.BENCHMARKS], "quantiles": list(forecast.QUANTILES),
                "filter_effective_share": round(float(found.ess.mean()), 3), "versions": versions()}
    with beside(folder) as partial:  # moved into place whole, onto a name that must still be free
        table.to_parquet(partial / "forecast.parquet", index=False)
        long.to_parquet(partial / "ensemble.parquet", index=False)
        (partial / "scenario.yaml").write_text(s.to_yaml(), encoding="utf-8")
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for name in ("posterior.parquet", "generations.parquet", "scenario.yaml", "manifest.json"):
            (partial / f"calibration-{name}").write_bytes((working / name).read_bytes())
        publish(partial, folder)
    shutil.rmtree(working)
    return folder


def score(folder: Path, root: Path | None = None) -> pd.DataFrame:
    """Every forecast of an issued folder that now has data (`root`: the data folder; default the
    shipped data), by every forecaster: the outcome, CRPS, the PIT and whether the central 50/80/90%
    intervals held it. A folder issued before the register held benchmarks has them fitted now, on
    the years up to its own (`benchmarks`: 'fitted at scoring')."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    origin = manifest.get("origin", manifest["fit_end"])
    ensemble = pd.read_parquet(folder / "ensemble.parquet")
    table = pd.read_parquet(folder / "forecast.parquet")
    keys = ["kind", "pair", "year"]
    obs = observe.observed(tuple(ensemble["kind"].unique()), root)
    outcomes = obs[obs["year"] > origin].set_index(keys)["value"]
    members = ensemble.pivot_table(index=keys, columns="member", values="value")
    found = members.join(outcomes, how="inner")
    rows = []
    if len(found):
        m, y = found.drop(columns="value").to_numpy(), found["value"].to_numpy()
        q = {level: np.quantile(m, [(1 - level) / 2, (1 + level) / 2], axis=1) for level in LEVELS}
        rows.append(found[["value"]].reset_index().assign(
            forecaster=manifest["scenario"], crps=sr.crps_ensemble(y, m), pit=(m < y[:, None]).mean(axis=1),
            **{f"in_{round(100 * level)}": (lo <= y) & (y <= hi) for level, (lo, hi) in q.items()}))
    first = int(str(yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))["start"])[:4])
    normal, when = _benchmarks(table, obs[obs["year"] >= first], origin)
    normal = normal.join(outcomes, on=keys, how="inner")
    if len(normal):
        y, mean, sd = normal["value"].to_numpy(), normal["mean"].to_numpy(), normal["sd"].to_numpy()
        rows.append(normal[["forecaster", *keys, "value"]].assign(
            crps=sr.crps_normal(y, mean, sd), pit=stats.norm.cdf(y, mean, sd),
            **{f"in_{round(100 * v)}": np.abs(y - mean) <= stats.norm.ppf((1 + v) / 2) * sd for v in LEVELS}))
    columns = ["forecaster", *keys, "value", "crps", "pit", *[f"in_{round(100 * v)}" for v in LEVELS], "benchmarks"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True).assign(benchmarks=when)[columns]


def _benchmarks(table: pd.DataFrame, obs: pd.DataFrame, origin: int) -> tuple[pd.DataFrame, str]:
    """The benchmarks' normal forecasts of an issued folder: its own, or, for a folder issued before
    the register held them, fitted now on the data up to its origin."""
    if "forecaster" in table.columns:
        return table[table["forecaster"].isin(forecast.BENCHMARKS)], "issued"
    points = table[["kind", "pair", "year"]].assign(origin=origin)
    return forecast.benchmarks(obs[obs["year"] <= origin], points), "fitted at scoring"


# --- figures a user adds ---------------------------------------------------------------------

FORMATS = {  # a data file, by the columns that tell it apart and those it must have (data/README.md)
    "trade.csv": ({"a", "b", "total_usd_bn"}, ["year", "a", "b", "total_usd_bn", "source", "note"]),
    "total_trade.csv": ({"country", "total_usd_bn"}, ["year", "country", "total_usd_bn", "source", "note"]),
    "world_trade.csv": ({"exports_usd_bn"}, ["year", "exports_usd_bn", "source"]),
    "unga_ideal_points.csv": ({"ideal_point"}, ["year", "country", "ideal_point", "ideal_point_fp", "source"]),
    "unga_agreement.csv": ({"agree"}, ["year", "a", "b", "agree", "votes", "source"]),
}
POSITIVE = {"total_usd_bn", "exports_usd_bn", "votes"}


class AddedDataError(ValueError):
    """Figures a user adds that are not in the data's format (one line naming file, line, field, value)."""


def check_added(path: Path) -> tuple[str, pd.DataFrame]:
    """Which data file `path` adds rows to (told by its columns), and its rows, checked as the shipped
    data are: the file's columns, a year, a source on every row, numbers where numbers belong,
    states the data know, a trade figure's kind of source."""
    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise AddedDataError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from None
    names = [name for name, (marks, _) in FORMATS.items() if marks <= set(table.columns)]
    if len(names) != 1:
        raise AddedDataError(f"{path}: columns {', '.join(map(str, table.columns))}; allowed: those of one of "
                             f"{', '.join(FORMATS)} (data/README.md)")
    name = names[0]
    missing = [c for c in FORMATS[name][1] if c not in table.columns]
    if missing:
        raise AddedDataError(f"{path}: adds to {name} but lacks the columns {', '.join(missing)}; allowed: the "
                             "format of data/README.md")

    def bad(k: int, field: str, allowed: str):
        value = table[field].iloc[k]
        value = value.item() if hasattr(value, "item") else value
        raise AddedDataError(f"{path} line {k + 2}: {field} {value!r}: allowed: {allowed}")

    codes = {"unga_ideal_points.csv": {*data.ISO, "PRK"}, "unga_agreement.csv": set(data.ISO.values())}.get(name, set(data.ISO))
    for k in range(len(table)):
        row = table.iloc[k]
        if not (isinstance(row["year"], (int, np.integer)) or float(row["year"]).is_integer()):
            bad(k, "year", "a whole year, e.g. 2026")
        if not isinstance(row["source"], str) or len(row["source"].strip()) <= 5:
            bad(k, "source", "where the figure comes from (an address or a publication), on every row")
        for field in ("a", "b", "country"):
            if field in FORMATS[name][1] and row[field] not in codes:
                bad(k, field, ", ".join(sorted(codes)))
        for field in FORMATS[name][1]:
            if field in ("year", "a", "b", "country", "source", "note", "ideal_point_fp"):
                continue
            value = pd.to_numeric(row[field], errors="coerce")
            if not np.isfinite(value) or (field in POSITIVE and value <= 0) or (field == "agree" and not 0 <= value <= 1):
                bad(k, field, "a number" + (" above 0" if field in POSITIVE else " from 0 to 1" if field == "agree" else ""))
        if "note" in FORMATS[name][1] and not str(row["note"]).startswith(data.PRIORITY if name == "trade.csv"
                                                                          else data.TOTAL_PRIORITY):
            bad(k, "note", "a note starting with the figure's kind: "
                + ", ".join(data.PRIORITY if name == "trade.csv" else data.TOTAL_PRIORITY))
    return name, table


def with_added(paths: list[Path]) -> Path:
    """A temporary data folder: the shipped data with the rows of `paths` added (each checked by
    `check_added`); the caller removes it."""
    added = [check_added(p) for p in paths]
    folder = Path(tempfile.mkdtemp(prefix="alliance-sim-data-"))
    for source in data.folder().glob("*.csv"):
        shutil.copy(source, folder / source.name)
    for name, rows in added:
        shipped = pd.read_csv(folder / name)
        pd.concat([shipped, rows], ignore_index=True).to_csv(folder / name, index=False)
    return folder
