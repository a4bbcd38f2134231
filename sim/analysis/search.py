"""The search for efficient policies: NSGA-II (pymoo) over the levers, ask and tell.

Each policy is scored by its objectives' means over the states of the world; the search keeps
every generation's policies and their objectives, state by state, on disk, so that a stopped
search resumes: the seeded algorithm is replayed on the kept generations (it asks for the very
same policies) and goes on from the first missing one. pymoo was chosen over the EMA
Workbench's optimiser by measurement (bench/decide_search.py, docs/performance.md): asked for
a whole generation at once, it lets the batch engine evaluate it in one call.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd

from ..extras import require
from ..outputs.results import write_table
from .decision import Problem, evaluate, status_quo

GENERATIONS = "generations"


class SearchError(Exception):
    """A search that cannot resume as asked."""


def search(problem: Problem, folder: Path, say=print, on: Executor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every policy evaluated, (policies, variables), and its objectives state by state,
    (policies, states, objectives); the status quo first, then the search's generations (each
    evaluated here, or `on` an executor of `batch.cluster.executor`)."""
    nsga2 = require("pymoo.algorithms.moo.nsga2", "decide", "the policy search")
    core = require("pymoo.core.problem", "decide", "the policy search")
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.termination import NoTermination
    from pymoo.problems.static import StaticProblem

    d, v = problem.scenario.decision, problem.variables
    space = core.Problem(n_var=len(v), n_obj=len(d.objectives), xl=v["low"].to_numpy(), xu=v["high"].to_numpy())
    algorithm = nsga2.NSGA2(pop_size=d.population)
    algorithm.setup(space, termination=NoTermination(), seed=problem.scenario.seed, verbose=False)
    (Path(folder) / GENERATIONS).mkdir(parents=True, exist_ok=True)
    policies, outcomes = [], []
    for g in range(d.generations + 1):
        started = time.perf_counter()
        if g == 0:  # the status quo: the policy every regret is also read against
            X = status_quo(problem)[None]
        else:
            population = algorithm.ask()
            X = population.get("X")
        found = _kept(folder, g, X, problem)
        if found is None:
            found = evaluate(problem, X, on=on)
            _keep(folder, g, X, found, problem)
            say(f"generation {g}/{d.generations}: {len(X)} policies × {found.shape[1]} states of the world, "
                f"{time.perf_counter() - started:.1f} s" if g else f"the status quo: {time.perf_counter() - started:.1f} s")
        if g > 0:
            # one memory layout however `found` was made (computed, or read back), so that the means agree to
            # the last bit and a resumed search breaks ties between equal policies as the whole one did
            means = np.ascontiguousarray(found).mean(axis=1) * -problem.signs()  # pymoo minimises
            Evaluator().eval(StaticProblem(space, F=means), population)
            algorithm.tell(infills=population)
        policies.append(X)
        outcomes.append(found)
    return np.concatenate(policies), np.concatenate(outcomes)


def _path(folder: Path, g: int) -> Path:
    return Path(folder) / GENERATIONS / f"generation-{g:03d}.parquet"


def _keep(folder: Path, g: int, X: np.ndarray, found: np.ndarray, problem: Problem) -> None:
    """A generation's policies and their objectives in every state, one row per policy and state."""
    policies, states, _ = found.shape
    table = pd.DataFrame(np.repeat(X, states, axis=0), columns=list(problem.variables["setting"]))
    table.insert(0, "state", np.tile(np.arange(states), policies))
    table.insert(0, "policy", np.repeat(np.arange(policies), states))
    for k, name in enumerate(problem.objectives):
        table[name] = found[..., k].ravel()
    write_table(table, _path(folder, g))


def _kept(folder: Path, g: int, X: np.ndarray, problem: Problem) -> np.ndarray | None:
    """A kept generation's objectives, if it holds these very policies (else a SearchError: another search)."""
    path = _path(folder, g)
    if not path.is_file():
        return None
    table = pd.read_parquet(path)
    states = len(problem.states)
    kept = table[list(problem.variables["setting"])].to_numpy()[::states] if len(table) else np.empty((0, 0))
    if kept.shape != X.shape or not np.allclose(kept, X):
        raise SearchError(f"{path} holds other policies than this search asks for: it was made by another version of "
                          "the scenario; allowed: --resume with the scenario that started it, or a new --out")
    return table[list(problem.objectives)].to_numpy().reshape(len(X), states, -1)
