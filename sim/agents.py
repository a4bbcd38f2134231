"""The agents: one state (Seoul, Washington, ...) each, holding its row of the region's stances."""

from __future__ import annotations

import mesa
import numpy as np

from . import dynamics


class StateAgent(mesa.Agent):
    """A state that adjusts its stances toward the others, its economic cooperation and its ties.

    Updating is synchronous: in `step` every state works out its new row from the same
    regional picture; in `advance` all of them adopt it at once.
    """

    def __init__(self, model: mesa.Model, name: str, index: int):
        super().__init__(model)
        self.name = name
        self.index = index
        self._next: tuple[np.ndarray, ...] | None = None

    def stance(self, other: str) -> float:
        """This state's alignment toward `other`, in [-1, 1]."""
        return float(self.model.state.A[self.index, self.model.index[other]])

    def step(self) -> None:
        new = dynamics.step(self.model.state, self.model.params, self.model.shocks)
        self._next = tuple(part[self.index].copy() for part in new)

    def advance(self) -> None:
        for part, row in zip(self.model.state, self._next):
            part[self.index] = row
