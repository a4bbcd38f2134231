"""The agents: one state (Seoul, Washington, ...) each, holding its row of the region's stances."""

from __future__ import annotations

import mesa


class StateAgent(mesa.Agent):
    """A state: its stances toward the others, its economic cooperation and its ties are row
    `index` of the region's matrices.

    Updating is synchronous: the model works out the region's next quarter from one shared
    picture, then every state adopts its own row of it.
    """

    def __init__(self, model: mesa.Model, name: str, index: int):
        super().__init__(model)
        self.name = name
        self.index = index

    def stance(self, other: str) -> float:
        """This state's alignment toward `other`, in [-1, 1]."""
        return float(self.model.state.A[self.index, self.model.index[other]])

    def adopt(self) -> None:
        """Take this state's row of the region's next quarter."""
        for part, new in zip(self.model.state, self.model.next_state):
            part[self.index] = new[self.index]
