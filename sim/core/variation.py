"""A scenario under other values of its numeric conditions: the schedules of many parameter sets at once.

Calibration evaluates thousands of parameter sets (particles), and a posterior batch gives
each run its own. Validating a scenario for each would cost more than running it, so a
`Variation` compiles the scenario once and writes each set's values into the parameter
arrays, deriving the rest state (enduring interests and potential) under each set as
`at_rest` does. It gives exactly the schedule of the scenario with those values written in
(tests/test_variation.py).

A setting names a dotted path and, for a value that an event sets, that event's date:
`actors.Seoul.autonomy` is the scenario's own value (in force until an event sets it),
`actors.Seoul.autonomy@2008Q1` the value set by the event of 2008Q1 (in force until the next).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario import Scenario, expand_path, with_overrides
from ..scenario.calendar import parse_quarter
from .dynamics import Params, State, rest
from .schedule import Schedule, conditions, initial_state, phases_of, place, rest_picture, settings_before, shocks_of


def split_setting(setting: str) -> tuple[str, str | None]:
    """'path@2008Q1' -> ('path', '2008Q1'); 'path' -> ('path', None)."""
    path, _, at = setting.partition("@")
    return expand_path(path.strip()), (at.strip() or None)


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
        self.own = Params(*(np.asarray(x, dtype=float)[None] for x in conditions(then, unknown, unknown)))
        self.initial, self.picture = initial_state(s), rest_picture(s)
        self.shift_steps, self.shifts = shocks_of(s)
        columns = [split_setting(x) for x in [*self.settings, *self.departures]]
        self.places = [place(s, path) for path, _ in columns]
        steps = [None if at is None else event_step(s, path, at) for path, at in columns]
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
        return Schedule(initial, list(self.starts), [Params(*(x[k] for x in phases)) for k in range(len(self.starts))],
                        list(self.shift_steps), shifts)

    def _write(self, base: Params, values: np.ndarray, applies: np.ndarray) -> Params:
        """`base` (phases, ...) repeated for m sets (phases, m, ...), with each column's value written
        into the phases it applies to."""
        m = len(values)
        fields = {name: np.repeat(x[:, None], m, axis=1) for name, x in base._asdict().items()}
        for c, (name, index) in enumerate(self.places):
            rows = applies[:, c]
            if not rows.any():
                continue
            if index is None:
                fields[name][rows] = values[:, c]
            else:
                fields[name][rows, :, index] = values[:, c]
        return Params(**fields)


def _given(explicit: np.ndarray, derived: np.ndarray) -> np.ndarray:
    """The scenario's explicit entries where it gives them (not NaN), the derived ones elsewhere."""
    return np.where(np.isnan(explicit), derived, explicit)
