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
from ..core.resolve import resolve
from ..core.schedule import schedule
from ..scenario import Scenario, load_scenario, shipped
from ..scenario.calendar import step_dates
from .agents import StateAgent


def keyword_path(key: str, scenario: Scenario) -> str:
    """A model keyword as a scenario path: `autonomy` is the focal actor's, `a__b__c` is a.b.c."""
    if key == "autonomy":
        return f"actors.{scenario.focal}.autonomy"
    return key.replace("__", ".")


def model_scenario(scenario: Scenario | str | Path | None, keywords: dict[str, Any]) -> Scenario:
    """The scenario a model runs: given, loaded from a path, or the shipped baseline, with the
    keywords as changes (`resolve`: conditions depart from its rest state)."""
    if scenario is None:
        scenario = shipped("baseline_2018")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    paths = {keyword_path(k, scenario): v for k, v in keywords.items()}
    return resolve(scenario, paths, source="model keywords").scenario


def _stance(model: "AllianceModel", i: int, j: int) -> float:
    return float(model.state.A[i, j])


class AllianceModel(mesa.Model):
    """States adjusting their stances toward each other under sanctions and autonomy.

    Keywords: `scenario` (a Scenario, a path, or None for the shipped baseline), `rng`
    (the run's seed), and any scenario field by its path with `__` for dots
    (`actors__Tokyo__autonomy=0.5`); `sanctions` and `autonomy` (the focal actor's) are
    short forms. Each step is a quarter; the run stops after the scenario's steps.

    `spec` is the scenario as run, `compiled` its arrays (initial state and the parameters
    in force over time), `state` the region's stances, cooperation and ties now.
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, rng=None, **params: Any):
        super().__init__(rng=rng)
        self.spec = model_scenario(scenario, params)
        self.compiled = schedule(self.spec)
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


def run_mesa(scenario: Scenario, seeds: np.ndarray) -> Trajectory:
    """The reference engine: one AllianceModel per seed, stepped to the end (`scenario` ready to run)."""
    parts = []
    for seed in seeds:
        model = AllianceModel(scenario, rng=int(seed))
        while model.running:
            model.step()
        parts.append(model.trajectory())
    return concat(parts)
