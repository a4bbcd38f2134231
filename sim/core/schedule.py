"""A scenario as arrays: the initial state and the parameter schedule the dynamics run on.

Both the Mesa model and the batch engine start here, so that they step the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario import PARAMETER_NAMES, Scenario, expand_path, parse_pair, validate, with_overrides
from .dynamics import MECHANISMS, Params, State, rest, shifted


@dataclass
class Schedule:
    """Initial state, the parameters in force from each phase's first step on, and the shocks.

    Phases begin at step 0 and at each `set:` event's step; shocks (`shift:` events) move
    the state at their step. Arrays may carry leading run axes.
    """

    initial: State
    starts: list[int]
    phases: list[Params]
    shift_steps: list[int] = field(default_factory=list)
    shifts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (dA, dE) per shock step

    def params_at(self, t: int) -> Params:
        """The parameters in force during the quarter that starts at step t."""
        k = int(np.searchsorted(self.starts, t, side="right")) - 1
        return self.phases[k]

    def shock(self, state: State, t: int) -> State:
        """The state recorded at step t: `state` moved by that step's shock, if there is one."""
        if t not in self.shift_steps:
            return state
        return shifted(state, *self.shifts[self.shift_steps.index(t)])


def pair_matrix(s: Scenario, table: dict[str, float], default: float = 0.0) -> np.ndarray:
    """An (n, n) matrix from 'A-B' (both directions) and 'A->B' (one direction) entries."""
    n = len(s.names)
    return overlay(s, np.full((n, n), default), table)


def overlay(s: Scenario, base: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """`base` with the entries of a pair table written over it (zero diagonal)."""
    M = np.array(base, dtype=float)
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


def conditions(s: Scenario, interests: np.ndarray, potential: np.ndarray) -> Params:
    """The scenario's conditions as arrays, with the given interests and potential under the
    scenario's own explicit `interests:` and `potential:` entries."""
    actors = list(s.actors.values())
    patron = np.stack([_one_hot(s, a.patron) for a in actors])
    p = s.parameters
    return Params(
        anchor=overlay(s, interests, s.interests),
        potential=overlay(s, potential, s.potential),
        power=np.array([a.power for a in actors]),
        autonomy=np.array([a.autonomy for a in actors]),
        sensitivity=np.array([a.sanction_sensitivity for a in actors]),
        joining=np.array([np.nan if a.joining is None else a.joining for a in actors]),
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


def rest_picture(s: Scenario) -> State:
    """The stances and cooperation at rest (`rest:`; by default the initial ones)."""
    state = initial_state(s)
    if s.rest is None:
        return state
    return State(overlay(s, state.A, s.rest.alignment), overlay(s, state.E, s.rest.cooperation), state.T)


def settings_before(s: Scenario, step: int) -> dict[str, float]:
    """What the events before `step` have set, the latest value of each path."""
    applied = {}
    for at, settings in s.event_steps():
        if at < step:
            applied.update(settings)
    return applied


def params_of(s: Scenario) -> Params:
    """The scenario's initial conditions, with the enduring interests and potential at which its
    rest picture is at rest (`rest`) under the conditions in force before the events of `rest.at`
    (by default: the initial state under the initial conditions).

    Interests and potential that the scenario gives are kept.
    """
    picture = rest_picture(s)
    then = with_overrides(s, settings_before(s, s.rest_step), source=f"events before {s.rest.at}" if s.rest else "")
    return conditions(s, *rest(picture, conditions(then, picture.A, picture.E)))


def at_rest(s: Scenario) -> Scenario:
    """The scenario with its enduring interests and potential written out in full: those it
    gives, and for every other pair those at which its initial state is at rest.

    Conditions changed afterwards (`--set`, a sweep's factors, model keywords, events) are
    then departures from this rest state, and the resolved scenario records it, so that a
    results folder's scenario.yaml reproduces its runs.
    """
    p = params_of(s)
    names = s.names
    interests = {f"{a}->{b}": float(p.anchor[i, j]) for i, a in enumerate(names) for j, b in enumerate(names) if i != j}
    potential = {f"{a}-{b}": float(p.potential[i, j]) for i, a in enumerate(names) for j, b in enumerate(names) if i < j}
    return validate({**s.to_dict(), "interests": interests, "potential": potential}, source=f"{s.name} (at rest)")


def schedule(s: Scenario) -> Schedule:
    """Compile one scenario; each `set:` event opens a phase holding everything set so far.

    The interests and potential found at rest in the initial conditions endure through
    every phase, unless an event sets them (`interests.A->B`, `potential.A-B`).
    """
    first = params_of(s)
    starts, phases = phases_of(s, first.anchor, first.potential)
    steps, shifts = shocks_of(s)
    return Schedule(initial_state(s), starts, phases, steps, shifts)


def phases_of(s: Scenario, interests: np.ndarray, potential: np.ndarray) -> tuple[list[int], list[Params]]:
    """The first step of each phase and the conditions in force in it (events at one step make one phase)."""
    starts, phases = [0], [conditions(s, interests, potential)]
    for at, settings in s.event_steps():
        current = apply(s, phases[-1], settings)
        if at == starts[-1]:
            phases[-1] = current
        else:
            starts.append(at)
            phases.append(current)
    return starts, phases


ACTOR_FIELDS = {"power": "power", "autonomy": "autonomy", "sanction_sensitivity": "sensitivity", "joining": "joining"}


def place(s: Scenario, path: str) -> tuple[str, int | None]:
    """The parameter array and index that a dotted path sets (KeyError if it sets none)."""
    match expand_path(path).split("."):
        case ["parameters", name] if name in PARAMETER_NAMES:
            return name, None
        case ["mechanisms", name] if name in MECHANISMS:
            return "weights", MECHANISMS.index(name)
        case ["actors", actor, attribute] if actor in s.actors and attribute in ACTOR_FIELDS:
            return ACTOR_FIELDS[attribute], s.index(actor)
    raise KeyError(f"{path!r} is not a numeric condition; allowed: parameters.({'|'.join(PARAMETER_NAMES)}), "
                   f"mechanisms.NAME or actors.NAME.({'|'.join(ACTOR_FIELDS)})")


def apply(s: Scenario, p: Params, settings: dict[str, float]) -> Params:
    """The conditions `p` with an event's settings written in (validated with the scenario): numbers
    of the parameters, weights and actors, and entries of the interests and the potential."""
    fields = {name: np.array(x, dtype=float) for name, x in p._asdict().items()}
    # as in `overlay`: one-directional entries win over symmetric ones
    for path, value in sorted(settings.items(), key=lambda kv: "->" in kv[0]):
        table, _, key = path.partition(".")
        if table in ("interests", "potential"):
            a, b, both = parse_pair(key)
            i, j = s.index(a), s.index(b)
            matrix = fields["anchor" if table == "interests" else "potential"]
            matrix[i, j] = value
            if both:
                matrix[j, i] = value
            continue
        name, index = place(s, path)
        if index is None:
            fields[name] = np.array(float(value))
        else:
            fields[name][index] = value
    return Params(**fields)


def shocks_of(s: Scenario) -> tuple[list[int], list[tuple[np.ndarray, np.ndarray]]]:
    """The steps of the `shift:` events and their (dA, dE); shifts at one step add up."""
    steps, shifts = [], []
    for at, shift in s.shift_steps():
        dA, dE = pair_matrix(s, shift.alignment), pair_matrix(s, shift.cooperation)
        if steps and steps[-1] == at:
            dA, dE = shifts[-1][0] + dA, shifts[-1][1] + dE
            steps.pop(), shifts.pop()
        steps.append(at)
        shifts.append((dA, dE))
    return steps, shifts


def stack(schedules: list[Schedule]) -> Schedule:
    """Stack schedules of one scenario family (same events) along a new leading run axis."""
    first = schedules[0]
    if any(sc.starts != first.starts or sc.shift_steps != first.shift_steps for sc in schedules):
        raise ValueError("schedules with different event steps cannot be stacked")
    initial = State(*(np.stack(parts) for parts in zip(*(sc.initial for sc in schedules))))
    phases = [Params(*(np.stack(field) for field in zip(*(sc.phases[k] for sc in schedules))))
              for k in range(len(first.starts))]
    shifts = [tuple(np.stack([sc.shifts[k][m] for sc in schedules]) for m in range(2)) for k in range(len(first.shift_steps))]
    return Schedule(initial, first.starts, phases, first.shift_steps, shifts)
