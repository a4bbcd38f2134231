"""A decision under deep uncertainty: policies of levers, the states of the world they must hold
in, and each policy's objectives in each state, computed on the batch engine.

A policy is one value per lever and quarter (`decision.levers`: Seoul's joining of the export
controls, its autonomy, ... and when they may change). A state of the world is a parameter
set drawn from the posterior with the values the decision maker does not control
(`decision.uncertain`, e.g. the sanctions' level), lived through by `replicates` seeded runs.
Every policy meets the same states with the same seeds (common random numbers), so that two
policies differ in a state only by what they do.

Running is apart from analysing (as in the EMA Workbench): `evaluate` gives the objectives of
policies, state by state; `search` finds the efficient ones; `robustness` and `voi` analyse them.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from .. import budget
from ..core.engine import run_seeds, simulate
from ..core.outcomes import focal_partnership
from ..core.posterior import Posterior
from ..core.resolve import resolve
from ..core.schedule import departed, settings_before
from ..scenario import Scenario, expand_path, get_setting, parse_pair, validate
from ..scenario.calendar import parse_quarter

PLACEHOLDER = "decision lever"  # the note of an event added to hold a lever's value
CHUNK_RUNS = 2_000  # runs computed at once: their trajectories are held whole while the objectives are read


@dataclass
class Problem:
    """A decision made ready: the scenario with an event at each lever's quarters, the policy's variables,
    and the states of the world."""

    scenario: Scenario
    posterior: Posterior | None
    variables: pd.DataFrame  # one row per policy variable: lever, path, at, low, high, setting ('path@QUARTER')
    states: pd.DataFrame  # one row per state of the world: posterior_row (or -1), the uncertain values
    seeds: np.ndarray  # (states, replicates): the seeds of each state's runs

    @property
    def objectives(self) -> dict:
        return self.scenario.decision.objectives

    def signs(self) -> np.ndarray:
        return signs(self.scenario)

    def parameters(self) -> pd.DataFrame:
        """Per state of the world: its calibrated values (drawn from the posterior) and its uncertain values."""
        uncertain = self.states.drop(columns="posterior_row")
        if self.posterior is None:
            return uncertain
        values = self.posterior.table.drop(columns="weight").iloc[self.states["posterior_row"]].reset_index(drop=True)
        return pd.concat([values, uncertain], axis=1)


def variables(s: Scenario) -> pd.DataFrame:
    """A policy's variables: one per lever and quarter (lever, path, at, low, high, and its setting 'path@QUARTER')."""
    return pd.DataFrame([{"lever": name, "path": lever.path, "at": at, "low": lever.range[0], "high": lever.range[1],
                          "setting": f"{lever.path}@{at}"} for name, lever in s.decision.levers.items() for at in lever.at])


def problem_of(s: Scenario, posterior: Posterior | None = None) -> Problem:
    """The decision of a scenario with a `decision:` section, over states drawn from `posterior`."""
    d = s.decision
    rows = variables(s)
    events = [{"at": row.at, "set": {row.path: row.low}, "note": f"{PLACEHOLDER} {row.lever}: each policy sets its own value"}
              for row in rows.itertuples()
              if not any(e.at == row.at and expand_path(row.path) in map(expand_path, e.set) for e in s.events)]
    written = validate({**s.to_dict(), "events": [*s.to_dict()["events"], *events]}, f"{s.name} (with its levers)")
    seeds = run_seeds(s.seed, d.ensemble * d.replicates).reshape(d.ensemble, d.replicates)
    states = pd.DataFrame({"posterior_row": posterior.draw(seeds[:, 0]) if posterior is not None else np.full(d.ensemble, -1)})
    if d.uncertain:
        unit = qmc.LatinHypercube(d=len(d.uncertain), seed=s.seed).random(d.ensemble)
        low, high = np.array(list(d.uncertain.values()), dtype=float).T
        states = states.join(pd.DataFrame(low + unit * (high - low), columns=list(d.uncertain)))
    return Problem(written, posterior, rows, states, seeds)


def status_quo(problem: Problem) -> np.ndarray:
    """The policy of doing what the scenario does anyway: each variable at the value in force from then on
    (clipped to the lever's range), the levers' own events left out."""
    s = problem.scenario
    s = s.model_copy(update={"events": [e for e in s.events if not e.note.startswith(PLACEHOLDER)]})
    first, data = parse_quarter(s.start), s.to_dict()
    found = []
    for row in problem.variables.itertuples():
        before = settings_before(s, parse_quarter(row.at) - first + 1)  # with what the scenario sets then
        value = before.get(row.path, get_setting(data, row.path))
        found.append(np.clip(row.low if value is None else value, row.low, row.high))
    return np.array(found, dtype=float)


def evaluate(problem: Problem, policies: np.ndarray, say=lambda message: None, on: Executor | None = None) -> np.ndarray:
    """Each policy's objectives in each state of the world: (policies, states, objectives), each the
    mean over the state's seeded runs; computed chunk by chunk here, or `on` an `executor`."""
    policies = np.atleast_2d(np.asarray(policies, dtype=float))
    states, replicates = problem.seeds.shape
    per_policy = states * replicates
    s = problem.scenario
    budget.check(budget.trajectories(min(CHUNK_RUNS, len(policies) * per_policy), s.steps, len(s.names)),
                 f"runs of {s.steps:,} quarters, {CHUNK_RUNS:,} at a time", "ask for fewer quarters")
    step = max(1, CHUNK_RUNS // per_policy)
    resolved = resolve(s, posterior=problem.posterior).scenario
    chunks = [policies[a:a + step] for a in range(0, len(policies), step)]
    if on is None:
        computed = ((k, _evaluate(problem, resolved, chunk)) for k, chunk in enumerate(chunks))
    else:
        futures = {on.submit(_evaluate, problem, resolved, chunk): k for k, chunk in enumerate(chunks)}
        computed = ((futures[future], future.result()) for future in as_completed(futures))
    parts, done, started = [None] * len(chunks), 0, time.perf_counter()
    for k, found in computed:
        parts[k], done = found, done + len(chunks[k])
        if len(chunks) > 1:  # an evaluation of several chunks takes minutes: say how far it has got
            say(f"  {done} of {len(policies)} policies, {time.perf_counter() - started:.0f} s")
    return np.concatenate(parts)


def _evaluate(problem: Problem, resolved: Scenario, policies: np.ndarray) -> np.ndarray:
    states, replicates = problem.seeds.shape
    s = problem.scenario
    p_idx, k_idx, _ = np.meshgrid(np.arange(len(policies)), np.arange(states), np.arange(replicates), indexing="ij")
    p_idx, k_idx = p_idx.ravel(), k_idx.ravel()
    seeds = np.broadcast_to(problem.seeds, (len(policies), states, replicates)).ravel()
    changes = {setting: policies[p_idx, c] for c, setting in enumerate(problem.variables["setting"])}
    changes |= {key: problem.states[key].to_numpy(dtype=float)[k_idx] for key in s.decision.uncertain}
    if problem.posterior is not None:
        sched = problem.posterior.schedules(resolved, problem.states["posterior_row"].to_numpy()[k_idx], changes)
    else:
        sched = departed(resolved, changes)
    traj = simulate(sched, seeds, s.steps)
    objectives = s.decision.objectives.values()
    focal = focal_partnership(traj.A, traj.E, s) if any(o.measure in PARTNERSHIP for o in objectives) else None
    found = np.stack([_measure(traj, s, o, focal) for o in objectives], axis=-1)
    return found.reshape(len(policies), states, replicates, -1).mean(axis=2)


PARTNERSHIP = ("partnership", "years_to_partnership")


def _measure(traj, s: Scenario, objective, out) -> np.ndarray:
    """One objective's value in each run (`out`: the focal pair's partnership outcome)."""
    if objective.measure in PARTNERSHIP:
        if objective.measure == "partnership":
            return out.reached[:, 0].astype(float)
        horizon = (s.steps - s.partnership_start) / 4
        return np.where(out.reached[:, 0], (out.first_step[:, 0] - s.partnership_start) / 4, horizon)
    a, b, _ = parse_pair(objective.pair)
    i, j = s.index(a), s.index(b)
    return (traj.E if objective.measure == "cooperation" else traj.A)[:, -1, i, j]


def signs(s: Scenario) -> np.ndarray:
    """+1 for objectives to maximise, -1 to minimise: sign * value is better when larger."""
    return np.array([1.0 if o.direction == "max" else -1.0 for o in s.decision.objectives.values()])


def satisficing(problem: Problem | Scenario, outcomes: np.ndarray) -> np.ndarray:
    """Whether each policy meets every objective's threshold in each state: (policies, states), bool."""
    s = problem.scenario if isinstance(problem, Problem) else problem
    ok = np.ones(outcomes.shape[:2], dtype=bool)
    for k, o in enumerate(s.decision.objectives.values()):
        if o.at_least is not None:
            ok &= outcomes[..., k] >= o.at_least
        if o.at_most is not None:
            ok &= outcomes[..., k] <= o.at_most
    return ok
