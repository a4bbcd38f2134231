"""The Mesa model: five capitals (or any set of states) adjusting their alignment each quarter."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from .agents import StateAgent
from .arrays import schedule
from .calendar import step_dates
from .dynamics import State
from .engine import Trajectory
from .metrics import conditions
from .scenario import Scenario, load_scenario, shipped, with_overrides


def keyword_path(key: str, scenario: Scenario) -> str:
    """A model keyword as a scenario path: `autonomy` is the focal actor's, `a__b__c` is a.b.c."""
    if key == "autonomy":
        return f"actors.{scenario.focal}.autonomy"
    return key.replace("__", ".")


def resolve(scenario: Scenario | str | Path | None, overrides: dict[str, Any]) -> Scenario:
    """The scenario a model runs: given, loaded from a path, or the shipped baseline; then overridden."""
    if scenario is None:
        scenario = shipped("baseline_2018")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    paths = {keyword_path(k, scenario): v for k, v in overrides.items()}
    return with_overrides(scenario, paths, source="model keywords")


def _stance(model: "AllianceModel", i: int, j: int) -> float:
    return float(model.state.A[i, j])


class AllianceModel(mesa.Model):
    """States adjusting their stances toward each other under sanctions and autonomy.

    Keywords: `scenario` (a Scenario, a path, or None for the shipped baseline), `rng`
    (the run's seed), and any scenario field by its path with `__` for dots
    (`actors__Tokyo__autonomy=0.5`); `sanctions` and `autonomy` (the focal actor's) are
    short forms. Each step is a quarter; the run stops after the scenario's steps.
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, rng=None, **params: Any):
        super().__init__(rng=rng)
        self.spec = resolve(scenario, params)
        self.plan = schedule(self.spec)
        self.names = self.spec.names
        self.index = {name: i for i, name in enumerate(self.names)}
        self.state = State(*(part.copy() for part in self.plan.initial))
        self.params = self.plan.params_at(0)
        self.shocks = np.zeros_like(self.state.A)
        self.dates = step_dates(self.spec.start, self.spec.steps)
        self.states = [StateAgent(self, name, i) for i, name in enumerate(self.names)]
        self.focal_pair = tuple(self.index[a] for a in self.spec.partnership.pair)
        self.streak = 0
        self.partnership_step: int | None = None
        self.history = [State(*(part.copy() for part in self.state))]
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    def _reporters(self) -> dict:
        reporters = {
            f"{a}->{b}": partial(_stance, i=i, j=j)
            for i, a in enumerate(self.names)
            for j, b in enumerate(self.names)
            if i != j
        }
        reporters["date"] = lambda m: m.date
        reporters["cooperation"] = lambda m: float(m.state.E[m.focal_pair])
        reporters["partnership"] = lambda m: m.partnership
        return reporters

    @property
    def date(self) -> str:
        return self.dates[self.steps]

    @property
    def partnership(self) -> bool:
        """Whether the focal pair has been strategic partners (held for `hold` quarters) by now."""
        return self.partnership_step is not None

    def step(self) -> None:
        t = self.steps - 1  # Mesa counts this step already
        self.params = self.plan.params_at(t)
        self.shocks = self.rng.standard_normal(self.state.A.shape)
        self.agents.do("step")
        self.agents.do("advance")
        self._track_partnership()
        self.history.append(State(*(part.copy() for part in self.state)))
        self.datacollector.collect(self)
        if self.steps >= self.spec.steps:
            self.running = False

    def _track_partnership(self) -> None:
        p = self.spec.partnership
        met = conditions(self.state.A, self.state.E, p.threshold, p.cooperation)[self.focal_pair]
        self.streak = self.streak + 1 if met else 0
        if self.streak >= p.hold and self.partnership_step is None:
            self.partnership_step = self.steps - p.hold + 1

    def trajectory(self) -> Trajectory:
        """The states recorded so far, shaped like the batch engine's (one run)."""
        return Trajectory(*(np.stack(parts)[None] for parts in zip(*self.history)))
