"""A scenario as arrays: the initial state and the parameter schedule the dynamics run on.

Both the Mesa model and the batch engine start here, so that they step the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..scenario import Scenario, parse_pair, with_overrides
from .dynamics import MECHANISMS, Params, State


@dataclass
class Schedule:
    """Initial state and the parameters in force from each phase's first step on.

    Phases begin at step 0 and at each event's step; arrays may carry leading run axes.
    """

    initial: State
    starts: list[int]
    phases: list[Params]

    def params_at(self, t: int) -> Params:
        """The parameters in force during the quarter that starts at step t."""
        k = int(np.searchsorted(self.starts, t, side="right")) - 1
        return self.phases[k]


def pair_matrix(s: Scenario, table: dict[str, float], default: float = 0.0) -> np.ndarray:
    """An (n, n) matrix from 'A-B' (both directions) and 'A->B' (one direction) entries."""
    n = len(s.names)
    M = np.full((n, n), default)
    # one-directional entries win over symmetric ones, whatever their order in the file
    for key, value in sorted(table.items(), key=lambda kv: "->" in kv[0]):
        a, b, both = parse_pair(key)
        i, j = s.index(a), s.index(b)
        M[i, j] = value
        if both:
            M[j, i] = value
    np.fill_diagonal(M, 0.0)
    return M


def _one_hot(s: Scenario, actor: str | None) -> np.ndarray:
    v = np.zeros(len(s.names))
    if actor is not None:
        v[s.index(actor)] = 1.0
    return v


def initial_state(s: Scenario) -> State:
    return State(pair_matrix(s, s.alignment), pair_matrix(s, s.cooperation), pair_matrix(s, s.ties))


def params_of(s: Scenario) -> Params:
    actors = list(s.actors.values())
    patron = np.stack([_one_hot(s, a.patron) for a in actors])
    p = s.parameters
    return Params(
        anchor=pair_matrix(s, s.alignment),
        potential=pair_matrix(s, {**s.cooperation, **s.potential}),
        power=np.array([a.power for a in actors]),
        autonomy=np.array([a.autonomy for a in actors]),
        sensitivity=np.array([a.sanction_sensitivity for a in actors]),
        patron=patron,
        sanctioner=_one_hot(s, p.sanctioner),
        sanctioned=_one_hot(s, p.sanctioned),
        sanctions=np.array(p.sanctions),
        noise=np.array(p.noise),
        rate=np.array(p.rate),
        trade_response=np.array(p.trade_response),
        tourism_growth=np.array(p.tourism_growth),
        weights=np.array([getattr(s.mechanisms, m) for m in MECHANISMS]),
    )


def schedule(s: Scenario) -> Schedule:
    """Compile one scenario; each event opens a phase holding everything set so far."""
    starts, phases, applied = [0], [params_of(s)], {}
    for at, settings in s.event_steps():
        applied.update(settings)
        current = params_of(with_overrides(s, applied, source=f"events at step {at}"))
        if at == starts[-1]:
            phases[-1] = current
        else:
            starts.append(at)
            phases.append(current)
    return Schedule(initial_state(s), starts, phases)


def stack(schedules: list[Schedule]) -> Schedule:
    """Stack schedules of one scenario family (same events) along a new leading run axis."""
    starts = schedules[0].starts
    if any(sc.starts != starts for sc in schedules):
        raise ValueError("schedules with different event steps cannot be stacked")
    initial = State(*(np.stack(parts) for parts in zip(*(sc.initial for sc in schedules))))
    phases = [Params(**{f.name: np.stack([getattr(sc.phases[k], f.name) for sc in schedules]) for f in fields(Params)})
              for k in range(len(starts))]
    return Schedule(initial, starts, phases)
