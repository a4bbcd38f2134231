"""A scenario as arrays: the initial state and the parameter schedule the dynamics run on.

Both the Mesa model and the batch engine start here, so that they step the same numbers.
There is one route from a scenario's values to its arrays, `Variation`: a scenario under
other values of its numeric conditions, the schedules of many parameter sets at once.
Calibration evaluates thousands of parameter sets (particles), a posterior batch gives each
run its own, a batch's design points set its factors; validating a scenario for each would
cost more than running it, so a `Variation` compiles the scenario once and writes each set's
values into the parameter arrays, deriving the rest state (enduring interests and potential)
under each set. `schedule(s)` is the scenario under its own values (tests/test_variation.py
checks that a variation equals the scenario with those values written in).

A setting names a dotted path and, for a value that an event sets, that event's date:
`actors.Seoul.autonomy` is the scenario's own value (in force until an event sets it),
`actors.Seoul.autonomy@2008Q1` the value set by the event of 2008Q1 (in force until the next).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario import Scenario, expand_path, parse_pair, validate, with_overrides
from ..scenario.calendar import parse_quarter
from ..scenario.checks import CONDITIONS, is_condition
from .dynamics import MECHANISMS, Params, State
from .rest import rest
from .stepping import shifted


@dataclass
class Schedule:
    """Initial state, the parameters in force from each phase's first step on, and the shifts.

    Phases begin at step 0 and at each `set:` event's step; shifts (`shift:` events: a
    summit, an incident) move the state once, at their step. Arrays may carry leading run axes.
    """

    initial: State
    starts: list[int]
    phases: list[Params]
    shift_steps: list[int] = field(default_factory=list)
    shifts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (dA, dE) per shift step

    def params_at(self, t: int) -> Params:
        """The parameters in force during the quarter that starts at step t."""
        k = int(np.searchsorted(self.starts, t, side="right")) - 1
        return self.phases[k]

    def run(self, k: int) -> "Schedule":
        """The schedule of run k alone, of a schedule stacked over runs."""
        return Schedule(State(*(x[k] for x in self.initial)), list(self.starts), [p.map(lambda x: x[k]) for p in self.phases],
                        list(self.shift_steps), [(dA[k], dE[k]) for dA, dE in self.shifts])

    def shift(self, state: State, t: int) -> State:
        """The state recorded at step t: `state` moved by that step's shift, if there is one."""
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


def params_with(s: Scenario, interests: np.ndarray, potential: np.ndarray) -> Params:
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
        trade_rate=np.array(p.trade_rate),
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
    (by default: the initial state under the initial conditions). Interests and potential that
    the scenario gives are kept."""
    return schedule(s).phases[0]


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
    """Compile one scenario under its own values; each `set:` event opens a phase holding everything
    set so far. The interests and potential found at rest endure through every phase, unless an
    event sets them (`interests.A->B`, `potential.A-B`)."""
    return Variation(s, []).schedules(np.zeros((1, 0))).run(0)


def phases_of(s: Scenario, interests: np.ndarray, potential: np.ndarray) -> tuple[list[int], list[Params]]:
    """The first step of each phase and the conditions in force in it (events at one step make one phase)."""
    starts, phases = [0], [params_with(s, interests, potential)]
    for at, settings in s.event_steps():
        current = apply(s, phases[-1], settings)
        if at == starts[-1]:
            phases[-1] = current
        else:
            starts.append(at)
            phases.append(current)
    return starts, phases


ARRAY_OF = {"sanction_sensitivity": "sensitivity"}  # actor fields whose parameter array is named otherwise


def place(s: Scenario, path: str) -> tuple[str, int | None]:
    """The parameter array and index that a condition's path sets (KeyError if it names no condition)."""
    path = expand_path(path)
    if is_condition(path):
        match path.split("."):
            case ["parameters", name]:
                return name, None
            case ["mechanisms", name]:
                return "weights", MECHANISMS.index(name)
            case ["actors", actor, field] if actor in s.actors:
                return ARRAY_OF.get(field, field), s.index(actor)
    raise KeyError(f"{path!r} is not a numeric condition; allowed: {CONDITIONS}")


def apply(s: Scenario, p: Params, settings: dict[str, float]) -> Params:
    """The conditions `p` with an event's settings written in (validated with the scenario): numbers
    of the parameters, weights and actors, and entries of the interests and the potential."""
    fields = {name: np.array(x, dtype=float) for name, x in p._asdict().items()}
    tables = {"interests": "anchor", "potential": "potential"}
    for table, name in tables.items():
        entries = {path.partition(".")[2]: v for path, v in settings.items() if path.partition(".")[0] == table}
        if entries:
            fields[name] = overlay(s, fields[name], entries)
    for path, value in settings.items():
        if path.partition(".")[0] in tables:
            continue
        name, index = place(s, path)
        if index is None:
            fields[name] = np.array(float(value))
        else:
            fields[name][index] = value
    return Params(**fields)


def shifts_of(s: Scenario) -> tuple[list[int], list[tuple[np.ndarray, np.ndarray]]]:
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


def split_setting(setting: str) -> tuple[str, str | None]:
    """'path@2008Q1' -> ('path', '2008Q1'); 'path' -> ('path', None)."""
    path, _, at = setting.partition("@")
    return expand_path(path.strip()), (at.strip() or None)


def shock_place(s: Scenario, shift_steps: list[int], path: str, at: str) -> tuple[int, int, int, int, bool, float]:
    """Where the size of a dated shock ('shift.alignment.A-B', at quarter `at`) is written: the index of
    its step among the shift steps, the part it moves (0: stances, 1: cooperation), the pair's indices,
    whether both directions, and the size the scenario gives it (KeyError if no event has it)."""
    from ..scenario import get_setting

    own_value = float(get_setting(s.to_dict(), f"{path}@{at}"))
    _, section, key = path.split(".", 2)
    a, b, both = parse_pair(key)
    step = parse_quarter(at) - parse_quarter(s.start)
    return shift_steps.index(step), 0 if section == "alignment" else 1, s.index(a), s.index(b), both, own_value


def event_step(s: Scenario, path: str, at: str) -> int:
    """The step of the event at date `at` that sets `path` (KeyError if there is none)."""
    step = parse_quarter(at) - parse_quarter(s.start)
    if not any(when == step and path in settings for when, settings in s.event_steps()):
        raise KeyError(f"no event at {at} sets {path}")
    return step


@dataclass
class Variation:
    """The scenario `s` with the values of `settings` (one column each) written in.

    `settings` enter before the rest state is derived (the scenario as it would have been
    written with those values); `departures` after it (a design point's factors: changes
    from the rest state, as in a batch).
    """

    s: Scenario
    settings: list[str]
    departures: list[str] = field(default_factory=list)

    def __post_init__(self):
        s, n = self.s, len(self.s.names)
        unknown = np.full((n, n), np.nan)  # interests and potential the scenario does not give
        self.starts, phases = phases_of(s, unknown, unknown)
        # stacked over phases (phases, ...): the scenario's conditions in each phase, and its own
        self.phases = Params(*(np.stack(x) for x in zip(*phases)))
        # the conditions under which the rest state is derived: before the events of `rest.at`
        then = with_overrides(s, settings_before(s, s.rest_step))
        self.own = Params(*(np.asarray(x, dtype=float)[None] for x in params_with(then, unknown, unknown)))
        self.initial, self.picture = initial_state(s), rest_picture(s)
        self.shift_steps, self.shifts = shifts_of(s)
        columns = [split_setting(x) for x in [*self.settings, *self.departures]]
        # a dated shock's size is written into its shift, every other column into the parameters' arrays
        self.shocks = {c: shock_place(s, self.shift_steps, path, at) for c, (path, at) in enumerate(columns)
                       if path.startswith("shift.")}
        self.places = [None if c in self.shocks else place(s, path) for c, (path, _) in enumerate(columns)]
        steps = [None if at is None or c in self.shocks else event_step(s, path, at) for c, (path, at) in enumerate(columns)]
        # phase k takes column c if the latest event setting c's path by phase k's start is c's own
        # whether each column is in force once the events up to each of `lasts` (ascending) are: one pass
        def applies(lasts: list[int]) -> np.ndarray:
            latest, events, k, found = {path: None for path, _ in columns}, s.event_steps(), 0, []
            for last in lasts:
                while k < len(events) and events[k][0] <= last:
                    latest.update({p: events[k][0] for p in events[k][1] if p in latest})
                    k += 1
                found.append([latest[path] == at for (path, _), at in zip(columns, steps)])
            return np.array(found, dtype=bool).reshape(len(lasts), len(columns))

        self.applies = applies(self.starts)
        # the rest state is derived under the settings (not the departures) in force before `rest.at`
        self.at_rest = (np.arange(len(columns)) < len(self.settings)) & applies([s.rest_step - 1])[0]

    def schedules(self, values: np.ndarray, departures: np.ndarray | None = None) -> Schedule:
        """The stacked schedule of m parameter sets: `values` (m, settings), `departures` (m, departures)."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        m = len(values)
        if departures is not None:
            values = np.concatenate([values, np.atleast_2d(np.asarray(departures, dtype=float))], axis=1)
        initial = State(*(np.broadcast_to(x, (m, *x.shape)) for x in self.initial))
        own = Params(*(x[0] for x in self._write(self.own, values, self.at_rest[None])))
        picture = State(*(np.broadcast_to(x, (m, *x.shape)) for x in self.picture))
        trial = own._replace(anchor=_given(own.anchor, picture.A), potential=_given(own.potential, picture.E))
        phases = self._write(self.phases, values, self.applies)
        interests, potential = rest(picture, trial)
        phases = phases._replace(anchor=_given(phases.anchor, interests), potential=_given(phases.potential, potential))
        shifts = [tuple(np.broadcast_to(x, (m, *x.shape)) for x in shift) for shift in self.shifts]
        for c, (k, part, i, j, both, own_value) in self.shocks.items():
            moved = [np.array(x) for x in shifts[k]]  # each run its own shock
            moved[part][:, i, j] += values[:, c] - own_value
            if both:
                moved[part][:, j, i] += values[:, c] - own_value
            shifts[k] = tuple(moved)
        return Schedule(initial, list(self.starts), [Params(*(x[k] for x in phases)) for k in range(len(self.starts))],
                        list(self.shift_steps), shifts)

    def _write(self, base: Params, values: np.ndarray, applies: np.ndarray) -> Params:
        """`base` (phases, ...) repeated for m sets (phases, m, ...), with each column's value written
        into the phases it applies to."""
        m = len(values)
        fields = {name: np.repeat(x[:, None], m, axis=1) for name, x in base._asdict().items()}
        for c, found in enumerate(self.places):
            rows = applies[:, c]
            if found is None or not rows.any():  # a shock, or a setting of no phase
                continue
            name, index = found
            if index is None:
                fields[name][rows] = values[:, c]
            else:
                fields[name][rows, :, index] = values[:, c]
        return Params(**fields)


def departed(s: Scenario, changes: dict[str, np.ndarray]) -> Schedule:
    """The stacked schedule of runs of `s` (at rest) with conditions {path: a value per run} written
    over its own: every run at once, without a scenario per run."""
    values = np.column_stack(list(changes.values()))
    return Variation(s, [], list(changes)).schedules(np.zeros((len(values), 0)), values)


def _given(explicit: np.ndarray, derived: np.ndarray) -> np.ndarray:
    """The scenario's explicit entries where it gives them (not NaN), the derived ones elsewhere."""
    return np.where(np.isnan(explicit), derived, explicit)
