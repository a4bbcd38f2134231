"""What a run runs: a scenario with a user's changes, and optionally a posterior, decided once.

Every way of asking for runs (`alliance-sim run`, `batch`, `history`, the Mesa model's
keywords, the EMA Workbench model) comes through `resolve`, which settles in one place:

- **The rest state.** A scenario's enduring interests and economic potential are those at
  which its picture is at rest (docs/model.md, 5). A change to the scenario as written (a
  field that is not a condition, the steps, the replicates) enters before the rest state is
  derived; a change of a condition (a parameter, a mechanism's weight, an actor's number) is
  a departure from it, as a batch's factors are: the region was at rest, then the conditions
  changed.
- **The posterior.** Without one, the rest state is derived once and written into the
  scenario with the departures, so that a results folder's scenario.yaml reproduces its runs.
  With one, each run is at rest under its own parameter set, and the departures are kept
  apart, to be written over each run's set (`Posterior.schedules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scenario import Scenario, with_overrides
from ..scenario.checks import is_condition
from .posterior import Posterior
from .schedule import Schedule, at_rest, schedule


@dataclass(frozen=True)
class Resolved:
    """A scenario ready to run: at rest with its departures written in, or, with a posterior, as
    written, with the departures each run's parameter set takes."""

    scenario: Scenario
    posterior: Posterior | None = None
    departures: dict[str, Any] = field(default_factory=dict)

    def schedule(self, seeds: np.ndarray, rows: np.ndarray | None = None) -> Schedule:
        """The stacked schedule of the runs with these seeds (with a posterior, each run's set drawn
        by its seed, unless the drawn `rows` are given)."""
        from .engine import broadcast

        if self.posterior is None:
            return broadcast(schedule(self.scenario), len(seeds))
        rows = self.posterior.draw(seeds) if rows is None else rows
        return self.posterior.schedules(self.scenario, rows, self.departures)


def resolve(scenario: Scenario, changes: dict[str, Any] | None = None, posterior: Posterior | None = None,
            source: str = "changes") -> Resolved:
    """The scenario with `changes` {dotted path: value} made, ready to run (see the module's text).

    Raises ScenarioError for a change the scenario cannot take, and ValueError for a posterior
    that sets what the scenario does not have.
    """
    changes = dict(changes or {})
    departures = {path: value for path, value in changes.items() if is_condition(path)}
    written = with_overrides(scenario, {p: v for p, v in changes.items() if p not in departures}, source=source)
    if posterior is None:
        return Resolved(with_overrides(at_rest(written), departures, source=source))
    with_overrides(written, departures, source=source)  # the departures are checked as the scenario's own fields
    posterior.columns(written)
    return Resolved(written, posterior, departures)
