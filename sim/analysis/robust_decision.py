"""Robust decision making, end to end, into a folder: the search, then the efficient policies'
regret and satisficing, where each fails, which conclusions hang on the priors, and which
uncertain value would be worth knowing.

The folder holds `scenario.yaml` (with the levers' events), `search.json` (the scenario's and the
posterior's hashes, which a resumed search must share), `generations/` (every evaluated
generation: `--resume` goes on from them), `policies.parquet` (the efficient set, the status quo
first), `outcomes.parquet` (their objectives state by state), `states.parquet`, `voi.parquet`,
`priors.parquet`, `boxes.json`, `plots/` and, last, `manifest.json`.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import budget
from ..batch.cluster import executor
from ..core.engine import run_seeds
from ..core.posterior import Posterior
from ..outputs.results import provenance, whole, write_manifest, write_table
from ..scenario import Scenario
from .decision import CHUNK_RUNS, Problem, evaluate, problem_of, satisficing, signs, variables
from .robustness import efficient, failure_box, prior_dependence, table
from .search import SearchError, search
from .voi import tradeoff, value_of_information

GOOD_ENOUGH = "good enough"  # the criterion of meeting every threshold
SEARCH = "search.json"  # what a resumed search must share with the one it continues


def mean_error(outcomes: np.ndarray) -> np.ndarray:
    """Per objective, the largest standard error of a policy's mean over the states (policies, states, objectives):
    means closer than twice it are not told apart."""
    return outcomes.std(axis=1).max(axis=0) / np.sqrt(outcomes.shape[1])


def decide(s: Scenario, folder: Path, posterior: Posterior | None = None, resume: bool = False, say=print,
           workers: int = 1, scheduler: str | None = None) -> dict:
    """Search the scenario's levers and analyse the efficient policies, the policies evaluated here, in
    `workers` local processes or on the Dask cluster at `scheduler`; returns what was found."""
    check_memory(s, workers if scheduler is None else 1)
    problem = problem_of(s, posterior)
    _check_folder(problem, Path(folder), resume)
    d = s.decision
    say(f"deciding '{s.name}': {len(problem.variables)} choices ({', '.join(d.levers)}), {len(d.objectives)} objectives, "
        f"{d.ensemble} states of the world × {d.replicates} runs, {d.population} policies a generation, "
        f"{d.generations} generations")
    started = time.perf_counter()
    with executor(workers, scheduler) as on:
        policies, outcomes = search(problem, folder, say, on)
        front = efficient(policies, outcomes, problem.signs())
        keep = np.unique(np.concatenate([[0], front]))  # the status quo first, efficient or not
        trade_off = trade_off_voi(problem, policies[keep], say, on)
    found = table(problem, policies[keep], outcomes[keep], seed=s.seed)
    found.insert(0, "policy", ["status quo" if k == 0 else f"P{n}" for n, k in enumerate(keep)])
    found.insert(1, "role", roles(s, found, outcomes[keep]))
    ok = satisficing(problem, outcomes[keep])
    voi = value_of_information(_utilities(problem, outcomes[keep]), problem.parameters(), seed=s.seed)
    priors = prior_dependence(problem, outcomes[keep], found)
    boxes = {found.at[k, "policy"]: failure_box(problem, ok[k]) for k in np.flatnonzero(found["role"] != "")}
    _write(problem, Path(folder), found, outcomes[keep], voi, priors, boxes)
    if trade_off is not None:
        write_table(trade_off, Path(folder) / "voi_tradeoff.parquet")
    write_manifest(folder, provenance(s) | {
        "posterior": None if posterior is None else str(posterior.source),
        "posterior_sha256": None if posterior is None else posterior.digest(),
        "policies_evaluated": len(policies), "efficient": len(front), "status_quo_efficient": bool(0 in front),
        "seconds": round(time.perf_counter() - started, 1),
        "optimiser": "NSGA-II (pymoo)", "seed": s.seed})
    return {"problem": problem, "policies": found, "outcomes": outcomes[keep], "voi": voi, "priors": priors, "boxes": boxes,
            "trade_off": trade_off}


TRADE_OFF_RUNS = 25  # runs per state of the world behind the trade-off's value of information


def trade_off_voi(problem: Problem, policies: np.ndarray, say=print, on: Executor | None = None) -> pd.DataFrame | None:
    """The value of information on the real trade-off, where the objectives hold one: a pair's
    cooperation (trade) against a stance (the alliance), weighted from 0 to 1 (`voi.tradeoff`). The
    kept policies are evaluated again over the same states of the world with TRADE_OFF_RUNS runs each
    (at least the search's), so that a state's means are not mostly the runs' noise."""
    kinds = {o.measure: name for name, o in reversed(problem.objectives.items())}
    if not {"cooperation", "stance"} <= set(kinds) or problem.parameters().empty:  # no trade-off, or nothing to know
        return None
    names = list(problem.objectives)
    first, second = names.index(kinds["cooperation"]), names.index(kinds["stance"])
    states, runs = problem.seeds.shape
    runs = max(runs, TRADE_OFF_RUNS)
    seeds = run_seeds(problem.scenario.seed + 1, states * runs).reshape(states, runs)  # new runs, the same states
    say(f"the trade-off ({names[first]} against {names[second]}): {len(policies)} policies again, "
        f"{states} states of the world × {runs} runs")
    outcomes = evaluate(replace(problem, seeds=seeds), policies, say, on)
    signs = problem.signs()
    return tradeoff(signs[first] * outcomes[..., first], signs[second] * outcomes[..., second], problem.parameters(),
                    seed=problem.scenario.seed).assign(first=names[first], second=names[second], runs=runs)


def check_memory(s: Scenario, workers: int = 1) -> None:
    """Refuse, before anything is drawn, a search whose memory would pass the budget: the runs' seeds,
    a chunk of policies evaluated in each of the `workers` processes (each process's own memory
    counted), every policy's objectives in every state (kept, then joined), and a generation's table."""
    d = s.decision
    policies = 1 + d.population * d.generations
    kept = 8 * policies * d.ensemble * len(d.objectives)
    processes = workers if workers > 1 else 0
    nbytes = (16 * d.ensemble * d.replicates + max(workers, 1) * chunk_memory(s) + processes * budget.WORKER + 2 * kept
              + budget.table(d.population * d.ensemble))
    budget.check(nbytes, f"a search of {policies:,} policies, each over {d.ensemble:,} states of the world × "
                         f"{d.replicates:,} runs of {s.steps:,} quarters, on {workers} worker(s)",
                 "ask for fewer states of the world (decision.ensemble), runs (decision.replicates), policies "
                 "(decision.population) or generations (decision.generations), or use fewer --workers")


def chunk_memory(s: Scenario) -> float:
    """Bytes a process holds while it evaluates a chunk of a search's policies: whole policies, CHUNK_RUNS
    runs or more, their trajectories and their table."""
    d = s.decision
    per_policy = d.ensemble * d.replicates
    at_once = min(max(1, CHUNK_RUNS // per_policy), d.population) * per_policy
    return budget.trajectories(at_once, s.steps, len(s.names)) + budget.table(at_once)


def _utilities(problem: Problem, outcomes: np.ndarray) -> dict[str, np.ndarray]:
    """What the value of information is measured in: each objective, better when larger, and being
    good enough (every threshold met) where the objectives have thresholds."""
    found = {name: sign * outcomes[..., k] for k, (name, sign) in enumerate(zip(problem.objectives, problem.signs()))}
    if any(o.at_least is not None or o.at_most is not None for o in problem.objectives.values()):
        found[GOOD_ENOUGH] = satisficing(problem, outcomes).astype(float)
    return found


def roles(s: Scenario, found: pd.DataFrame, outcomes: np.ndarray) -> list[str]:
    """Why an analyst looks first at some of the efficient policies: the status quo; the one most often good
    enough (then least regret); the best on an objective's mean, where the policies' means differ by more
    than twice their standard error; and the one whose largest 90th-percentile regret, each objective's
    scaled by its largest, is least. Empty for the others."""
    names, said = list(s.decision.objectives), {0: ["status quo"]}
    p90 = found[[f"{n}_regret_p90" for n in names]]
    scaled = (p90 / p90.max().where(p90.max() > 0, 1.0)).iloc[1:]
    if len(found) > 1:
        robust = found.iloc[1:].assign(regret=scaled.sum(axis=1)).sort_values(["satisficing", "regret"],
                                                                                ascending=[False, True]).index[0]
        said.setdefault(int(robust), []).append("most often good enough")
        said.setdefault(int(scaled.max(axis=1).idxmin()), []).append("least largest regret")
    error = mean_error(outcomes)
    for k, (name, sign) in enumerate(zip(names, signs(s))):
        means = sign * found[name].iloc[1:]
        if len(means) and means.max() - means.min() > 2 * error[k]:
            said.setdefault(int(means.idxmax()), []).append(f"best {name}")
    return ["; ".join(said.get(k, [])) for k in range(len(found))]


def _check_folder(problem: Problem, folder: Path, resume: bool) -> None:
    """A new folder, or, with `resume`, one holding the search of this very problem (scenario and posterior)."""
    identity = {"scenario_sha256": problem.scenario.digest(),
                "posterior_sha256": None if problem.posterior is None else problem.posterior.digest()}
    if resume:
        if not (folder / SEARCH).is_file():
            raise SearchError(f"{folder} has no search to resume ({SEARCH} is missing)")
        if json.loads((folder / SEARCH).read_text(encoding="utf-8")) != identity:
            raise SearchError(f"{folder} holds the search of another version of the scenario or another posterior; "
                              "allowed: --resume with the same scenario and --posterior, or a new --out")
        return
    if folder.exists() and any(folder.iterdir()):
        raise SearchError(f"{folder} is not empty; pass --resume to continue its search, or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    with whole(folder / "scenario.yaml") as path:
        path.write_text(problem.scenario.to_yaml(), encoding="utf-8")
    with whole(folder / SEARCH) as path:
        path.write_text(json.dumps(identity, indent=2) + "\n", encoding="utf-8")


def _write(problem: Problem, folder: Path, found: pd.DataFrame, outcomes: np.ndarray, voi: pd.DataFrame,
           priors: pd.DataFrame, boxes: dict) -> None:
    policies, states, _ = outcomes.shape
    long = pd.DataFrame({"policy": np.repeat(found["policy"].to_numpy(), states), "state": np.tile(np.arange(states), policies)})
    for k, name in enumerate(problem.objectives):
        long[name] = outcomes[..., k].ravel()
    write_table(found, folder / "policies.parquet")
    write_table(long, folder / "outcomes.parquet")
    write_table(problem.states.join(problem.parameters().drop(columns=problem.states.columns, errors="ignore"))
                .rename_axis("state").reset_index(), folder / "states.parquet")
    write_table(voi, folder / "voi.parquet")
    write_table(priors, folder / "priors.parquet")
    described = {name: None if box is None else {**box.attrs, "limits": box.to_dict(orient="index")}
                 for name, box in boxes.items()}
    with whole(folder / "boxes.json") as path:
        path.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")


def verdict(s: Scenario, found: pd.DataFrame, outcomes: np.ndarray, voi: pd.DataFrame, priors: pd.DataFrame,
            trade_off: pd.DataFrame | None = None) -> list[str]:
    """What the analysis says, in plain words, or that the evidence leaves it undetermined."""
    robust = found["role"].str.contains("most often good enough")
    best, quo = found[robust].iloc[0] if robust.any() else found.iloc[0], found.iloc[0]
    levers = ", ".join(f"{row.lever} from {row.at}: {best[row.setting]:.2f}" for row in variables(s).itertuples())
    if best["satisficing"] > quo["satisficing"]:
        lines = [f"Most robust efficient policy ({best['policy']}): {levers}. It is good enough in "
                 f"{best['satisficing']:.0%} of the states of the world; the status quo in {quo['satisficing']:.0%}."]
    else:  # a policy less often good enough than today's course is not the robust choice
        lines = [f"No efficient policy is good enough more often than the status quo ({quo['satisficing']:.0%} of the "
                 f"states of the world); the most often good enough of the others, {best['policy']} ({levers}), in "
                 f"{best['satisficing']:.0%}."]
    error = mean_error(outcomes)
    for k, (name, o) in enumerate(s.decision.objectives.items()):
        low, high = found[name].min(), found[name].max()
        said = ("undetermined by the evidence: the efficient policies' means differ by less than twice their standard "
                f"error ({2 * error[k]:.2g})" if high - low <= 2 * error[k] else f"from {low:.3g} to {high:.3g} over the "
                f"efficient policies (status quo {quo[name]:.3g})")
        lines.append(f"{o.label or name}: {said}.")
    depends = priors[priors["depends"].fillna(False).astype(bool)] if len(priors) else priors
    if len(depends):
        lines.append("Conclusions that hang on a prior (halving its range moves them beyond their sampling interval): "
                     + "; ".join(f"{r.value}: {r.moved}" for r in depends.itertuples()) + ".")
    elif len(priors):
        lines.append("Halving any one prior's range moves no regret beyond its sampling interval.")
    worth = voi[voi["informative"]]
    if len(worth):
        lines.append("Worth knowing before choosing: " + "; ".join(f"for {c}: {', '.join(g['value'].head(3))}"
                                                                   for c, g in worth.groupby("criterion", sort=False)) + ".")
    elif len(voi) and not voi["evppi"].any():
        lines.append("Worth knowing before choosing: nothing. On every criterion the same policy is best whatever any "
                     "uncertain value is (the value of information is zero): the choice between the efficient policies "
                     "is one of priorities, not of evidence.")
    else:
        lines.append("Worth knowing before choosing: no value beats what chance gives.")
    return lines + trade_off_lines(trade_off)


def trade_off_lines(found: pd.DataFrame | None) -> list[str]:
    """The trade-off's value of information in words: per weight, the values worth knowing (their
    95% interval above chance's), or why there are none."""
    if found is None or not len(found):
        return []
    first, second = found["first"].iloc[0], found["second"].iloc[0]
    lines = [f"The trade-off, {first} weighed against {second} ({found['runs'].iloc[0]} runs a state of the world):"]
    for w, g in found.groupby("weight"):
        worth = g[g["informative"]].sort_values("evppi", ascending=False)
        if len(worth):
            said = "worth knowing: " + ", ".join(f"{r.value} (EVPPI {r.evppi:.3g}, 95% {r.low:.3g}-{r.high:.3g})"
                                                 for r in worth.head(3).itertuples())
        elif g["best_everywhere"].all():
            said = "nothing is worth knowing: one policy is best whatever each value is (zero by construction)"
        else:
            said = "no value beats what chance gives"
        lines.append(f"  weight {w:.2f} on {first}: {said}")
    return lines
