"""Checks that span fields: actor references, patron cycles, pair keys, events and sweeps."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Annotated, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from .calendar import format_quarter, parse_quarter
from .errors import Problem
from .paths import FREE_KEYS, PARAMETER_NAMES, did_you_mean, expand_path, file_name_problem, parse_pair
from .schema import Actor, FactorRange, Mechanisms, Parameters, Scenario, Shift


def check_references(s: Scenario) -> list[Problem]:
    names = s.names
    known = f"one of the actors ({', '.join(names)})"
    problems = []

    def need_actor(path: str, value: str | None) -> None:
        if value is not None and value not in names:
            problems.append(Problem(path, f"unknown actor {value!r}{did_you_mean(value, names)}; allowed: {known}"))

    unsafe = file_name_problem(s.name)
    if unsafe:
        problems.append(Problem("name", f"{s.name!r} cannot name a results folder; allowed: {unsafe}"))
    for name, actor in s.actors.items():
        unsafe = file_name_problem(name)
        if not name or any(ch in name for ch in "-.>") or "__" in name or unsafe:
            problems.append(Problem(f"actors.{name}", f"actor name {name!r} is not allowed; allowed: a name without "
                                                      f"'-', '.', '>' or '__'{'; ' + unsafe if unsafe else ''}"))
        need_actor(f"actors.{name}.patron", actor.patron)
        if actor.patron == name:
            problems.append(Problem(f"actors.{name}.patron", f"{name!r} cannot be its own patron"))
    problems += _patron_cycles(s)

    p = s.parameters
    need_actor("parameters.sanctioner", p.sanctioner)
    need_actor("parameters.sanctioned", p.sanctioned)
    if (p.sanctioner is None) != (p.sanctioned is None):
        problems.append(Problem("parameters", "sanctioner and sanctioned go together; allowed: both or neither"))
    elif p.sanctioner is not None and p.sanctioner == p.sanctioned:
        problems.append(Problem("parameters.sanctioned", "the sanctioned actor must differ from the sanctioner"))

    if p.sanctioner is not None:
        joins = f"actors.{p.sanctioner}.joining"
        said = [joins] * (s.actors[p.sanctioner].joining is not None if p.sanctioner in s.actors else 0)
        said += [f"events.{i}.set.{key}" for i, e in enumerate(s.events) for key in e.set if expand_path(key) == joins]
        problems += [Problem(where, f"{p.sanctioner} is the sanctioner and joins its own sanctions fully; allowed: "
                                    "`joining` for the other actors") for where in said]

    for table in ("alignment", "interests", "cooperation", "potential", "ties"):
        problems += _check_pair_table(table, getattr(s, table), names, directed_ok=(table in ("alignment", "interests")))
    if s.rest is not None:
        for table in ("alignment", "cooperation"):
            problems += _check_pair_table(f"rest.{table}", getattr(s.rest, table), names, directed_ok=(table == "alignment"))
        if not 0 <= s.rest_step <= s.steps:
            last = format_quarter(parse_quarter(s.start) + s.steps)
            problems.append(Problem("rest.at", f"{s.rest.at} is outside the run; allowed: {s.start} to {last}"))

    for i, who in enumerate(s.partnership.pair):
        need_actor(f"partnership.pair.{i}", who)
    if len(set(s.partnership.pair)) == 1:
        problems.append(Problem("partnership.pair", "a partnership needs two different actors"))
    at = s.partnership.counted_from
    if at is not None and not parse_quarter(s.start) <= parse_quarter(at) <= parse_quarter(s.start) + s.steps:
        last = format_quarter(parse_quarter(s.start) + s.steps)
        problems.append(Problem("partnership.counted_from", f"{at} is outside the run; allowed: {s.start} to {last}"))

    problems += _check_events(s)
    fields = Fields(s)
    if s.sweep is not None:
        problems += _check_sweep(s, fields)
    if s.calibration is not None:
        problems += _check_calibration(s, fields)
    if s.decision is not None:
        problems += _check_decision(s, fields)
    if s.landscape is not None:
        for name in s.landscape.sizes:
            need_actor(f"landscape.sizes.{name}", name)
        for key in s.landscape.propensity:
            problems += _check_pair_key(f"landscape.propensity.{key}", key, names, directed_ok=False)
    return problems


def _check_sweep(s: Scenario, fields: Fields) -> list[Problem]:
    problems = []
    sampled = s.sweep.design != "grid"
    for path, spec in s.sweep.factors.items():
        where = f"sweep.factors.{path}"
        if isinstance(spec, FactorRange) and (spec.values is None) == (spec.range is None):
            problems.append(Problem(where, "give `range: [low, high]` or `values: [...]`; allowed: one of the two"))
            continue
        if isinstance(spec, FactorRange) and spec.values is not None:
            spec = spec.values
        if isinstance(spec, list):
            if sampled:
                problems.append(Problem(where, f"a {s.sweep.design} design samples a range; allowed: {{range: [low, high]}}"))
                continue
            values = spec
            if not values:
                problems.append(Problem(where, "needs at least one value"))
                continue
        else:
            low, high = spec.range
            if not low < high:
                problems.append(Problem(where, f"range [{low}, {high}] is empty; allowed: [low, high] with low < high"))
                continue
            if not sampled and spec.points is None:
                problems.append(Problem(where, "a grid needs `points` with a range; allowed: {range: [low, high], points: N}"))
                continue
            values = [low, high]
        problems += fields.check(path, values, where)
    for i, key in enumerate(s.sweep.record.pairs):
        problems += _check_pair_key(f"sweep.record.pairs.{i}", key, s.names, directed_ok=True)
    return problems


class Fields:
    """The fields of a scenario that a dotted path may name, each checked against its own type and
    range (the scenario is not validated again for each value), so that checking a sweep, the
    priors or the levers costs the same for each of their values."""

    def __init__(self, s: Scenario):
        self.s = s
        self.dated = {(parse_quarter(e.at), expand_path(key)) for e in s.events for key in e.set}  # (quarter, path)
        self.shocks = {(parse_quarter(e.at), f"shift.{section}.{pair}")  # the shocks of `shift:` events
                       for e in s.events if e.shift for section in ("alignment", "cooperation")
                       for pair in getattr(e.shift, section)}

    @cached_property
    def numeric(self) -> list[str]:
        """The short names and dotted paths of the scenario's numeric fields: what a misspelt one is matched against."""
        return [*PARAMETER_NAMES, *numeric_paths(self.s.to_dict())]

    def _named(self, at: str, path: str, found: set) -> str:
        """' (did you mean ...?)' for 'path@QUARTER' among the settings or shocks of the events `found`."""
        return did_you_mean(f"{path}@{at}", [f"{p}@{format_quarter(q)}" for q, p in found])

    def check(self, path: str, values: list, where: str) -> list[Problem]:
        """Whether `path` names a numeric field of the scenario that accepts each of the values."""
        full = expand_path(path)
        try:
            adapter, current = self._dated(full) if "@" in full else self._field(full)
        except (KeyError, ValueError) as exc:  # an unknown field, a malformed date, no such event
            if "@" in full:
                return [Problem(where, str(exc.args[0]))]
            return [Problem(where, f"unknown field {path!r}{did_you_mean(path, self.numeric)}; allowed: "
                                   f"{', '.join(PARAMETER_NAMES)} or a dotted path to a numeric field, such as "
                                   "actors.Seoul.autonomy")]
        for value in values:
            try:
                adapter.validate_python(value)
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"]
                return [Problem(where, f"value {value!r} is not allowed: {reason[0].lower() + reason[1:]}")]
        if current is not None and (isinstance(current, bool) or not isinstance(current, (int, float))):
            return [Problem(where, "only numeric fields can vary")]
        return []  # None: an optional number left to its default rule (actors.NAME.joining), or a new pair

    def _dated(self, full: str) -> tuple[TypeAdapter, None]:
        """The validator of the value an event sets ('path@QUARTER': that of the condition it sets) or
        of the size of an event's shock ('shift.alignment.A-B@QUARTER': that of the shift's entries)."""
        path, _, at = full.partition("@")
        if path.startswith("shift."):
            if (parse_quarter(at), path) not in self.shocks:
                raise KeyError(f"no event at {at} shifts {path.removeprefix('shift.')}{self._named(at, path, self.shocks)}; "
                               "allowed: 'shift.alignment.A-B@QUARTER' or 'shift.cooperation.A-B@QUARTER' of an event's "
                               "`shift:`")
            return _adapter(Shift, path.split(".")[1], entry=True), None
        if (parse_quarter(at), path) not in self.dated:
            raise KeyError(f"no event at {at} sets {path}{self._named(at, path, self.dated)}; allowed: 'path@QUARTER' "
                           "of an event's `set:` entry")
        return self._field(path)[0], None

    def _field(self, path: str) -> tuple[TypeAdapter, object]:
        """The validator of the field at a dotted path, and its value (KeyError: there is no such field)."""
        keys = path.split(".")
        node, owner = self.s, None
        for depth, key in enumerate(keys):
            last = depth == len(keys) - 1
            if isinstance(node, BaseModel):
                if key not in type(node).model_fields:
                    raise KeyError(path)
                owner, node = (type(node), key), getattr(node, key)
                adapter = _adapter(*owner) if last else None
            elif isinstance(node, dict) and (key in node or (last and keys[0] in FREE_KEYS)):
                node, adapter = node.get(key), _adapter(*owner, entry=True) if last else None
            else:  # a list, a number, or a section left out (None): nothing a path may name
                raise KeyError(path)
        return adapter, node


def numeric_paths(data: dict, prefix: str = "") -> list[str]:
    """The dotted paths of the numbers in scenario data (lists, such as the events, are not entered)."""
    found = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            found += numeric_paths(value, path + ".")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append(path)
    return found


def condition_names(s: Scenario) -> list[str]:
    """The conditions of `s` by name, short names first: what a misspelt one is matched against."""
    return [*PARAMETER_NAMES, *(f"parameters.{name}" for name in PARAMETER_NAMES),
            *(f"mechanisms.{name}" for name in Mechanisms.model_fields),
            *(f"actors.{actor}.{name}" for actor in s.names for name in ACTOR_CONDITIONS)]


# the conditions a calibration may set (the initial state is data, not a parameter)
ACTOR_CONDITIONS = ("power", "autonomy", "sanction_sensitivity", "joining")
CONDITIONS = (f"parameters.NAME, mechanisms.NAME, actors.NAME.({'|'.join(ACTOR_CONDITIONS)}) or a dated shock, "
              "shift.alignment.A-B@QUARTER")


def is_condition(key: str) -> bool:
    """Whether a key (a dotted path, or 'path@QUARTER') names a condition: a parameter, a weight, an
    actor's number, or the size of a dated shock ('shift.alignment.A-B@QUARTER': a summit, a rift)."""
    path, _, at = expand_path(key).partition("@")
    match path.split(".", 2):
        case ["parameters", name]:
            return name in PARAMETER_NAMES
        case ["mechanisms", name]:
            return name in Mechanisms.model_fields
        case ["actors", _, name]:
            return name in ACTOR_CONDITIONS
        case ["shift", section, _]:
            return bool(at) and section in ("alignment", "cooperation")
    return False


def _check_decision(s: Scenario, fields: Fields) -> list[Problem]:
    problems, d = [], s.decision
    first, last = parse_quarter(s.start), parse_quarter(s.start) + s.steps
    for name, lever in d.levers.items():
        where = f"decision.levers.{name}"
        problems += _check_range(f"{where}.range", lever.range)
        if not is_condition(lever.path) or "@" in lever.path:
            problems.append(Problem(f"{where}.path", f"{lever.path!r} is not a condition a lever can set"
                                                     f"{did_you_mean(lever.path, condition_names(s))}; allowed: "
                                                     f"{CONDITIONS} (the quarters go in `at`)"))
        else:
            problems += fields.check(lever.path, lever.range, f"{where}.path")
        for k, at in enumerate(lever.at):
            if not first < parse_quarter(at) <= last:
                problems.append(Problem(f"{where}.at.{k}", f"{at} is outside the run; allowed: after {s.start}, "
                                                           f"up to {format_quarter(last)}"))
        if len(set(lever.at)) < len(lever.at):
            problems.append(Problem(f"{where}.at", "a quarter appears twice; allowed: each quarter once"))
    for name, o in d.objectives.items():
        where = f"decision.objectives.{name}"
        if o.at_least is not None and o.at_most is not None:
            problems.append(Problem(where, "at_least and at_most both given; allowed: one threshold"))
        if o.measure in ("cooperation", "stance"):
            if o.pair is None:
                problems.append(Problem(f"{where}.pair", f"{o.measure} needs a pair; allowed: "
                                                         f"{'A-B' if o.measure == 'cooperation' else 'A->B'}"))
            else:
                problems += _check_pair_key(f"{where}.pair", o.pair, s.names, directed_ok=o.measure == "stance")
                if o.measure == "stance" and "->" not in o.pair:
                    problems.append(Problem(f"{where}.pair", f"{o.pair!r}: a stance is one way; allowed: 'A->B'"))
        elif o.pair is not None:
            problems.append(Problem(f"{where}.pair", f"{o.measure} is of the partnership pair; allowed: no pair"))
    for key, bounds in d.uncertain.items():
        where = f"decision.uncertain.{key}"
        if len(bounds) != 2:
            problems.append(Problem(where, f"{bounds}; allowed: [low, high]"))
            continue
        problems += _check_range(where, bounds)
        if not is_condition(key):
            problems.append(Problem(where, f"{key!r} is not a condition{did_you_mean(key, condition_names(s))}; "
                                           f"allowed: {CONDITIONS}, with '@QUARTER' for the value an event sets"))
        else:
            problems += fields.check(key, bounds, where)
    return problems


def _check_range(where: str, bounds: list[float]) -> list[Problem]:
    low, high = bounds
    return [] if low < high else [Problem(where, f"[{low}, {high}] is empty; allowed: [low, high] with low < high")]


def _check_calibration(s: Scenario, fields: Fields) -> list[Problem]:
    problems = []
    for name, prior in s.calibration.priors.items():
        where = f"calibration.priors.{name}"
        low, high = prior.uniform
        if not low < high:
            problems.append(Problem(f"{where}.uniform", f"[{low}, {high}] is empty; allowed: [low, high] with low < high"))
            continue
        for k, setting in enumerate(prior.sets or [name]):
            at_field = f"{where}.sets.{k}" if prior.sets else where
            if not is_condition(setting):
                problems.append(Problem(at_field, f"{setting!r} is not a condition the calibration can set"
                                                  f"{did_you_mean(setting, condition_names(s))}; allowed: "
                                                  f"{CONDITIONS}, with '@QUARTER' for the value an event sets"))
                continue
            for problem in fields.check(setting, [low, high], at_field):
                if problem.message.startswith("value"):  # the path is fine, the prior's range is not
                    problem.path = f"{where}.uniform"
                problems.append(problem)
    return problems


def _check_pair_table(where: str, table: dict, names: list[str], directed_ok: bool) -> list[Problem]:
    """Each key of a pair table, and no pair given twice ('A-B' and 'B-A' would contend)."""
    problems, seen = [], {}
    for key in table:
        found = _check_pair_key(f"{where}.{key}", key, names, directed_ok)
        problems += found
        if found:
            continue
        a, b, both = parse_pair(key)
        ident = (frozenset((a, b)), None) if both else ((a, b), "->")
        if ident in seen:
            problems.append(Problem(f"{where}.{key}", f"gives the pair again (also as {seen[ident]!r}); allowed: each pair once"))
        seen[ident] = key
    return problems


def _check_pair_key(path: str, key: str, names: list[str], directed_ok: bool) -> list[Problem]:
    try:
        a, b, both = parse_pair(key)
    except ValueError as exc:
        return [Problem(path, str(exc))]
    if not both and not directed_ok:
        return [Problem(path, f"{key!r} is directed; allowed here: 'A-B' (ties are symmetric)")]
    bad = [x for x in (a, b) if x not in names]
    if bad:
        return [Problem(path, f"unknown actor {bad[0]!r}{did_you_mean(bad[0], names)}; allowed: one of the actors "
                              f"({', '.join(names)})")]
    if a == b:
        return [Problem(path, "a pair needs two different actors")]
    return []


def _patron_cycles(s: Scenario) -> list[Problem]:
    for start in s.names:
        chain, current = [start], s.actors[start].patron
        while current in s.actors and current not in chain:
            chain.append(current)
            current = s.actors[current].patron
        if current == start and len(chain) > 1:
            loop = " -> ".join(chain + [start])
            return [Problem(f"actors.{start}.patron",
                            f"patrons form a cycle ({loop}); allowed: chains that end in an actor without a patron")]
    return []


def _check_events(s: Scenario) -> list[Problem]:
    problems = _check_contradictions(s)
    first, last = parse_quarter(s.start), parse_quarter(s.start) + s.steps
    for i, event in enumerate(s.events):
        when = parse_quarter(event.at)
        if not first <= when <= last:
            problems.append(Problem(f"events.{i}.at",
                                    f"{event.at} is outside the run; allowed: {s.start} to {format_quarter(last)}"))
        if not event.set and event.shift is None:
            problems.append(Problem(f"events.{i}", "an event needs `set` (conditions from then on) or `shift` "
                                                   "(a shift of the current state), or both"))
        for key, value in event.set.items():
            problems += _check_event_setting(s, key, value, f"events.{i}.set.{key}")
        if event.shift is not None:
            for table in ("alignment", "cooperation"):
                for key in getattr(event.shift, table):
                    problems += _check_pair_key(f"events.{i}.shift.{table}.{key}", key, s.names,
                                                directed_ok=(table == "alignment"))
    return problems


def _check_contradictions(s: Scenario) -> list[Problem]:
    """No path set twice in one event (by two spellings: `sanctions` and `parameters.sanctions`), nor
    to two values in one quarter: which value held would depend on the order of the file."""
    problems, said = [], {}  # (quarter, path) -> (event, value) of the first event setting it
    for i, event in enumerate(s.events):
        spelt = {}
        for key, value in event.set.items():
            where = f"events.{i}.set.{key}"
            for path in _cells(key):
                if path in spelt:
                    problems.append(Problem(where, f"sets {path} again (also as {spelt[path]!r}); allowed: each path "
                                                   "once in an event"))
                    break
                spelt[path] = key
                j, before = said.setdefault((parse_quarter(event.at), path), (i, value))
                if j != i and before != value:
                    problems.append(Problem(where, f"sets {path} to {value!r} in {event.at}, where event {j + 1} sets "
                                                   f"it to {before!r}; allowed: one value for a path in a quarter "
                                                   "(change one of the two, or date them apart)"))
                    break
    return problems


PAIR_TABLES = ("interests", "potential")  # the pair tables an event may set


def _cells(key: str) -> list[str]:
    """What an event's setting sets, each thing by one name: `sanctions` is `parameters.sanctions`, a
    pair table's 'A-B' is both 'A->B' and 'B->A' (so 'Moscow-Seoul' and 'Seoul->Moscow' overlap)."""
    path = expand_path(key)
    table, _, pair = path.partition(".")
    if table not in PAIR_TABLES or not pair:
        return [path]
    try:
        a, b, both = parse_pair(pair)
    except ValueError:
        return [path]  # named as malformed by its own check
    return [f"{table}.{a}->{b}", f"{table}.{b}->{a}"][:1 + both]


EVENT_SETTINGS = (f"a condition ({CONDITIONS}), interests.A->B or potential.A-B; the event's own `at` "
                  "is its date")


def _check_event_setting(s: Scenario, key: str, value, where: str) -> list[Problem]:
    """Whether an event may set `key` to `value`: the field's own type and range, checked alone, so
    that validating a scenario costs the same for each of its events."""
    full = expand_path(key)
    if "@" in full:
        return [Problem(where, f"{key!r} names a date; allowed: {EVENT_SETTINGS}")]
    parts = full.split(".")
    match parts:
        case ["interests" | "potential" as table, pair_key]:
            found = _check_pair_key(where, pair_key, s.names, directed_ok=(table == "interests"))
            if found:
                return found
            adapter = _adapter(Scenario, table)
        case ["actors", actor, name] if is_condition(full):
            if actor not in s.actors:
                return [Problem(where, f"unknown actor {actor!r}{did_you_mean(actor, s.names)}; allowed: one of the "
                                       f"actors ({', '.join(s.names)})")]
            adapter = _adapter(Actor, name)
        case ["parameters" | "mechanisms" as section, name] if is_condition(full):
            adapter = _adapter(Parameters if section == "parameters" else Mechanisms, name)
        case _:
            unknown = "unknown field" if parts[0] not in Scenario.model_fields else "not a condition"
            return [Problem(where, f"{unknown} {key!r}{did_you_mean(key, condition_names(s))}; allowed: "
                                   f"{', '.join(PARAMETER_NAMES)} or {EVENT_SETTINGS}")]
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        return [Problem(where, f"value {value!r} is not allowed: {reason[0].lower() + reason[1:]}")]
    return []


@cache
def _adapter(model: type, name: str, entry: bool = False) -> TypeAdapter:
    """A validator of one field's values (`entry`: of the entries of a table such as `alignment`), as
    strict as the schema."""
    info = model.model_fields[name]
    annotation = info.annotation
    if entry or get_origin(annotation) is dict:  # a pair table: its values
        annotation = get_args(annotation)[1]
        return TypeAdapter(annotation, config=STRICT)
    typed = Annotated[annotation, *info.metadata] if info.metadata else annotation
    return TypeAdapter(typed, config=STRICT)


STRICT = ConfigDict(strict=True, allow_inf_nan=False)
