"""The Mesa model: five capitals (or any set of states) adjusting their alignment each quarter."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from ..core import dynamics, stepping
from ..core.engine import Trajectory, concat
from ..core.outcomes import partnership_met, track
from ..core.resolve import Resolved, resolve
from ..core.schedule import Schedule, schedule
from ..scenario import Scenario, load_scenario, shipped, with_overrides
from ..scenario.calendar import step_dates
from .agents import StateAgent


def keyword_path(key: str, scenario: Scenario) -> str:
    """A model keyword as a scenario path: `autonomy` is the focal actor's, `a__b__c` is a.b.c."""
    if key == "autonomy":
        return f"actors.{scenario.focal}.autonomy"
    return key.replace("__", ".")


def model_scenario(scenario: Resolved | Scenario | str | Path | None, keywords: dict[str, Any],
                   file_values: bool = False) -> Resolved:
    """What a model runs: the scenario given, loaded from a path, or the shipped baseline, with the
    keywords as changes (`resolve`: conditions depart from its rest state), drawing its parameters
    from the posterior it names unless `file_values`; or runs already `resolve`d."""
    if isinstance(scenario, Resolved):
        if keywords:
            raise ValueError("keywords change a scenario; these runs are already resolved")
        return scenario if not file_values else resolve(scenario.scenario, scenario.departures)
    if scenario is None:
        scenario = shipped("baseline_2018")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    paths = {keyword_path(k, scenario): v for k, v in keywords.items()}
    posterior = None
    if scenario.posterior and not file_values:
        from ..outputs.posterior import read_posterior

        posterior = read_posterior(scenario.posterior)
    return resolve(scenario, paths, posterior, source="model keywords")


def compiled_run(runs: Resolved, seed: int, row: int | None = None) -> tuple[Schedule, int | None]:
    """The schedule of one run: the scenario's own, or, with a posterior, that of the parameter set
    `row` (default: the one the run's seed draws, as a run of its own would)."""
    if runs.posterior is None:
        return schedule(runs.scenario), None
    row = int(runs.posterior.draw(np.array([seed]))[0]) if row is None else int(row)
    return runs.schedule(np.array([seed]), np.array([row])).run(0), row


def _stance(model: "AllianceModel", i: int, j: int) -> float:
    return float(model.state.A[i, j])


class AllianceModel(mesa.Model):
    """States adjusting their stances toward each other under sanctions and autonomy.

    Keywords: `scenario` (a Scenario, a path, None for the shipped baseline, or runs `resolve`d), `rng`
    (the run's seed), and any scenario field by its path with `__` for dots
    (`actors__Tokyo__autonomy=0.5`); `sanctions` and `autonomy` (the focal actor's) are
    short forms. Each step is a quarter; the run stops after the scenario's steps. Where the
    scenario names a posterior (`posterior:`), the run takes the calibrated values of the
    parameter set its seed draws (or of `posterior_row`); `file_values=True` runs the file's
    hand-set values instead.

    `spec` is the scenario as run, `compiled` its arrays (initial state and the parameters
    in force over time), `parameter_set` the posterior row it took (None: the file's values),
    `state` the region's stances, cooperation and ties now.
    """

    def __init__(self, scenario: Resolved | Scenario | str | Path | None = None, *, rng=None, file_values: bool = False,
                 posterior_row: int | None = None, **params: Any):
        super().__init__(rng=rng)
        runs = model_scenario(scenario, params, file_values)
        if runs.posterior is not None and not isinstance(rng, (int, np.integer)):
            raise ValueError("a run drawn from a posterior needs its seed as an integer (rng=SEED), or file_values=True")
        # with a posterior, the keywords' changes are kept apart to be written over the drawn set
        self.spec = with_overrides(runs.scenario, runs.departures) if runs.departures else runs.scenario
        self.compiled, self.parameter_set = compiled_run(runs, rng, posterior_row)
        self.names = self.spec.names
        self.index = {name: i for i, name in enumerate(self.names)}
        self.state = self.compiled.shift(dynamics.State(*(part.copy() for part in self.compiled.initial)), 0)
        self.next_state: dynamics.State | None = None
        self.dates = step_dates(self.spec.start, self.spec.steps)
        StateAgent.create_agents(self, len(self.names), name=self.names, index=list(range(len(self.names))))
        self.focal_pair = tuple(self.index[a] for a in self.spec.partnership.pair)
        self.streak, self.partnership_step = 0, None
        self.history = [dynamics.State(*(part.copy() for part in self.state))]
        self._track_partnership()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    def _reporters(self) -> dict:
        reporters = {
            f"{a}->{b}": partial(_stance, i=i, j=j)
            for i, a in enumerate(self.names)
            for j, b in enumerate(self.names)
            if i != j
        }
        return {**reporters, "date": "date", "cooperation": "cooperation", "partnership": "partnership"}

    @property
    def date(self) -> str:
        return self.dates[len(self.history) - 1]

    @property
    def cooperation(self) -> float:
        """The focal pair's realised economic cooperation now."""
        return float(self.state.E[self.focal_pair])

    @property
    def partnership(self) -> bool:
        """Whether the focal pair has been strategic partners (held for `hold` quarters) by now."""
        return self.partnership_step is not None

    def step(self) -> None:
        """One quarter: the region's pulls are computed once from the same state, then every
        state adopts its own row (synchronous updating, as in the batch engine)."""
        t = len(self.history) - 1
        noise = self.rng.standard_normal(self.state.A.shape)
        self.next_state = stepping.step(self.state, self.compiled.params_at(t), noise)
        self.next_state = self.compiled.shift(self.next_state, t + 1)  # a summit or an incident in this quarter
        self.agents.do("adopt")
        self.history.append(dynamics.State(*(part.copy() for part in self.state)))
        self._track_partnership()
        self.datacollector.collect(self)
        if t + 1 >= self.spec.steps:
            self.running = False

    def _track_partnership(self) -> None:
        p = self.spec.partnership
        t = len(self.history) - 1
        met = partnership_met(self.state.A, self.state.E, p.threshold, p.cooperation)[self.focal_pair]
        met = met and t >= self.spec.partnership_start
        first = -1 if self.partnership_step is None else self.partnership_step
        self.streak, first = track(self.streak, first, met, t, p.hold)
        self.streak, first = int(self.streak), int(first)
        self.partnership_step = None if first < 0 else first

    def trajectory(self) -> Trajectory:
        """The states recorded so far, shaped like the batch engine's (one run)."""
        return Trajectory(*(np.stack(parts)[None] for parts in zip(*self.history)))


def run_mesa(scenario: Resolved | Scenario, seeds: np.ndarray, rows: np.ndarray | None = None) -> Trajectory:
    """The reference engine: one AllianceModel per seed, stepped to the end: a scenario ready to run
    with the file's values, or runs `resolve`d with a posterior, each taking its drawn set (`rows`)."""
    parts = []
    for k, seed in enumerate(seeds):
        if isinstance(scenario, Resolved):
            model = AllianceModel(scenario, rng=int(seed), posterior_row=None if rows is None else int(rows[k]))
        else:
            model = AllianceModel(scenario, rng=int(seed), file_values=True)
        while model.running:
            model.step()
        parts.append(model.trajectory())
    return concat(parts)
