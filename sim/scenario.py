"""Scenarios: the YAML files analysts write, validated into a `Scenario`.

A scenario names the actors and their attributes, the initial stances and ties, the
exogenous parameters (sanctions, noise, rate), the weight of each mechanism, the
partnership under study, and events that change parameters at a date. Every problem is
reported with the file, the field path, the line and what is allowed (`ScenarioError`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .calendar import format_quarter, parse_quarter

Unit = Annotated[float, Field(ge=0, le=1)]
Stance = Annotated[float, Field(ge=-1, le=1)]
Weight = Annotated[float, Field(ge=0, le=10)]

# Short names accepted for the most used paths (keyword arguments, event `set:` keys).
PARAMETER_NAMES = ("sanctions", "noise", "rate", "trade_response", "tourism_growth")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Actor(_Strict):
    """A state: its weight in the region and its room for manoeuvre."""

    power: Unit = Field(description="share of the region's capabilities (CINC-like)")
    autonomy: Unit = Field(1.0, description="freedom from the patron's lead: 0 follows, 1 sovereign")
    patron: str | None = Field(None, description="the power whose lead this actor follows")
    sanction_sensitivity: Unit = Field(0.0, description="exposure of its firms to secondary sanctions")


class Parameters(_Strict):
    """Exogenous conditions of the region."""

    sanctions: Unit = Field(0.0, description="intensity of the sanctioner's sanctions on the sanctioned")
    sanctioner: str | None = None
    sanctioned: str | None = None
    noise: Annotated[float, Field(ge=0, le=0.5)] = Field(0.02, description="s.d. of stance shocks per step")
    rate: Annotated[float, Field(gt=0, le=1)] = Field(0.1, description="share of the pull realised per step")
    trade_response: Unit = Field(0.5, description="how far political warmth lifts cooperation above its potential")
    tourism_growth: Unit = Field(0.05, description="logistic growth rate of people-to-people ties")


class Mechanisms(_Strict):
    """The weight of each mechanism (0 switches it off)."""

    interests: Weight = 1.0
    patron_pull: Weight = 1.0
    balance: Weight = 0.5
    interdependence: Weight = 0.5
    sanctions: Weight = 1.0
    hedging: Weight = 0.5
    rivalry: Weight = 1.0
    people: Weight = 0.1


class Partnership(_Strict):
    """When a pair counts as strategic partners."""

    pair: list[str] = Field(min_length=2, max_length=2)
    threshold: Annotated[float, Field(gt=0, le=1)] = 0.6
    cooperation: Unit = 0.4
    hold: Annotated[int, Field(ge=1, le=1000)] = 4


class Event(_Strict):
    """From date `at` on, the values in `set` hold (keys: a parameter name or a dotted path)."""

    at: str
    set: dict[str, float] = Field(min_length=1)

    @field_validator("at", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return format_quarter(parse_quarter(str(value)))


class FactorRange(_Strict):
    """A factor's range: sampled for lhs/sobol/morris, or `points` evenly spaced values for grid."""

    range: list[float] = Field(min_length=2, max_length=2)
    points: Annotated[int, Field(ge=2, le=10_000)] | None = None


class Record(_Strict):
    """Which trajectories a batch keeps (outcomes are kept for every run and pair)."""

    pairs: list[str] = Field(default_factory=list, description="'A-B' (both directions) or 'A->B'; default: the partnership pair")
    every: Annotated[int, Field(ge=1)] = 1


class Sweep(_Strict):
    """An experimental design: factors (dotted scenario paths) varied over design points."""

    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, Field(ge=1, le=10_000_000)] = 64
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = 20
    factors: dict[str, list[float] | FactorRange] = Field(min_length=1)
    record: Record = Record()
    chunk: Annotated[int, Field(ge=1, le=1_000_000)] = 2000


class LandscapeInput(_Strict):
    """Landscape-theory inputs given directly (default: sizes = power, propensities = stances)."""

    sizes: dict[str, Annotated[float, Field(ge=0)]] = {}
    propensity: dict[str, Stance] = {}


class Scenario(_Strict):
    """A validated scenario; see the shipped files under scenarios/ for every field explained."""

    name: str = Field(min_length=1)
    description: str = ""
    start: str = "2018Q3"
    steps: Annotated[int, Field(ge=1, le=10_000)] = 88
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = 20
    actors: dict[str, Actor] = Field(min_length=2)
    alignment: dict[str, Stance] = {}
    cooperation: dict[str, Unit] = {}
    potential: dict[str, Unit] = {}
    ties: dict[str, Unit] = {}
    parameters: Parameters = Parameters()
    mechanisms: Mechanisms = Mechanisms()
    partnership: Partnership
    events: list[Event] = []
    sweep: Sweep | None = None
    landscape: LandscapeInput | None = None

    @field_validator("start", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> str:
        return format_quarter(parse_quarter(str(value)))

    @property
    def names(self) -> list[str]:
        return list(self.actors)

    @property
    def focal(self) -> str:
        """The actor whose stances the plots follow: the first of the partnership pair."""
        return self.partnership.pair[0]

    def index(self, actor: str) -> int:
        return self.names.index(actor)

    def event_steps(self) -> list[tuple[int, dict[str, float]]]:
        """Events as (step, {path: value}), in time order."""
        first = parse_quarter(self.start)
        timed = [(parse_quarter(e.at) - first, {expand_path(k): v for k, v in e.set.items()}) for e in self.events]
        return sorted(timed, key=lambda item: item[0])

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def digest(self) -> str:
        """A hash of the resolved scenario: equal hashes, equal inputs."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Problem:
    path: str
    message: str
    line: int | None = None


class ScenarioError(Exception):
    """One or more problems in a scenario, each naming its field path and line."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        lines = []
        for p in self.problems:
            where = f"{self.source}:{p.line}" if p.line else self.source
            field = f" {p.path}:" if p.path else ""
            lines.append(f"{where}:{field} {p.message}")
        return "\n".join(lines)


def expand_path(key: str) -> str:
    """`sanctions` -> `parameters.sanctions`; dotted paths are kept as they are."""
    return f"parameters.{key}" if key in PARAMETER_NAMES else key


def parse_pair(key: str) -> tuple[str, str, bool]:
    """'A-B' -> (A, B, True: both directions); 'A->B' -> (A, B, False)."""
    if "->" in key:
        a, b = key.split("->", 1)
        return a.strip(), b.strip(), False
    if key.count("-") == 1:
        a, b = key.split("-")
        return a.strip(), b.strip(), True
    raise ValueError(f"malformed pair {key!r}; allowed: 'A-B' (both directions) or 'A->B' (one)")


def shipped(name: str = "baseline_2018") -> Path:
    """The path of a scenario shipped with the package (installed, or in a source checkout)."""
    package = Path(__file__).resolve().parent
    for folder in (package / "scenarios", package.parent / "scenarios"):
        if (folder / f"{name}.yaml").is_file():
            return folder / f"{name}.yaml"
    raise FileNotFoundError(f"no shipped scenario named {name!r}")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError on any problem.

    A file may start from another with `base: other.yaml` (relative to the file): its
    fields then override the base's, mappings merged key by key, lists replaced.
    """
    data, lines = _read(Path(path), seen=())
    return validate(data, str(path), lines)


def _read(path: Path, seen: tuple) -> tuple[dict, dict]:
    """The data of a scenario file with its bases merged in, and the file's own line index."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, [Problem("", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc}")]) from None
    data, lines = _parse(text, source)
    base = data.pop("base", None)
    if base is None:
        return data, lines
    if not isinstance(base, str):
        raise ScenarioError(source, [Problem("base", f"value {base!r} is not allowed; allowed: the path of another scenario file", lines.get(("base",)))])
    base_path = (path.parent / base).resolve()
    if base_path in seen:
        raise ScenarioError(source, [Problem("base", f"{base} is already a base of this file (a cycle)", lines.get(("base",)))])
    base_data, _ = _read(base_path, seen + (path.resolve(),))
    validate(copy.deepcopy(base_data), str(base_path))  # the base must be valid on its own
    return _merge(base_data, data), lines


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def _parse(text: str, source: str) -> tuple[dict, dict]:
    try:
        lines = _line_index(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [Problem("", f"is not valid YAML: {reason}", line)]) from None
    except _DuplicateKey as dup:
        raise ScenarioError(source, [Problem(dup.path, "appears twice; each key may appear once", dup.line)]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(source, [Problem("", f"the document is {kind}; allowed: a mapping of scenario fields (name, actors, ...)", 1)])
    return data, lines


def validate(data: dict, source: str = "<scenario>", lines: dict | None = None) -> Scenario:
    """Validate a scenario given as plain data (as loaded from YAML)."""
    lines = lines or {}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, lines) for err in exc.errors()]
        raise ScenarioError(source, problems) from None
    problems = _check_references(scenario)
    for p in problems:
        p.line = p.line or _line_of(p.path, lines)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def with_overrides(scenario: Scenario, overrides: dict[str, Any], source: str = "<overrides>") -> Scenario:
    """A copy of `scenario` with dotted paths set to new values, validated again."""
    if not overrides:
        return scenario
    data = scenario.to_dict()
    problems = []
    for path, value in overrides.items():
        try:
            set_path(data, expand_path(path), value)
        except KeyError as exc:
            problems.append(Problem(path, str(exc.args[0])))
    if problems:
        raise ScenarioError(source, problems)
    return validate(data, source)


_FREE_KEYS = ("alignment", "cooperation", "potential", "ties")


def set_path(data: dict, path: str, value: Any) -> None:
    """Set data[a][b][c] = value for path 'a.b.c'; only pair tables may gain new keys."""
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            key = int(key) if key.isdigit() else key
            if not isinstance(key, int) or key >= len(node):
                raise KeyError(f"unknown field {'.'.join(keys[: depth + 1])!r}")
        elif not isinstance(node, dict) or (key not in node and not (last and keys[0] in _FREE_KEYS)):
            raise KeyError(f"unknown field {'.'.join(keys[: depth + 1])!r}")
        if last:
            node[key] = value
        else:
            node = node[key]


def get_path(data: dict, path: str) -> Any:
    node = data
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


# --- cross-field checks ---------------------------------------------------------------


def _check_references(s: Scenario) -> list[Problem]:
    names = s.names
    known = f"one of the actors ({', '.join(names)})"
    problems = []

    def need_actor(path: str, value: str | None) -> None:
        if value is not None and value not in names:
            problems.append(Problem(path, f"unknown actor {value!r}; allowed: {known}"))

    for name, actor in s.actors.items():
        if not name or any(ch in name for ch in "-.>") or "__" in name:
            problems.append(Problem(f"actors.{name}", f"actor name {name!r} is not allowed; allowed: a name without '-', '.', '>' or '__'"))
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

    for table in ("alignment", "cooperation", "potential", "ties"):
        for key in getattr(s, table):
            problems += _check_pair_key(f"{table}.{key}", key, names, directed_ok=(table == "alignment"))

    for i, who in enumerate(s.partnership.pair):
        need_actor(f"partnership.pair.{i}", who)
    if len(set(s.partnership.pair)) == 1:
        problems.append(Problem("partnership.pair", "a partnership needs two different actors"))

    problems += _check_events(s)
    if s.sweep is not None:
        problems += _check_sweep(s)
    if s.landscape is not None:
        for name in s.landscape.sizes:
            need_actor(f"landscape.sizes.{name}", name)
        for key in s.landscape.propensity:
            problems += _check_pair_key(f"landscape.propensity.{key}", key, names, directed_ok=False)
    return problems


def _check_sweep(s: Scenario) -> list[Problem]:
    problems = []
    sampled = s.sweep.design != "grid"
    for path, spec in s.sweep.factors.items():
        where = f"sweep.factors.{path}"
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
        problems += _check_numeric_path(s, path, values, where)
    for i, key in enumerate(s.sweep.record.pairs):
        problems += _check_pair_key(f"sweep.record.pairs.{i}", key, s.names, directed_ok=True)
    return problems


def _check_numeric_path(s: Scenario, path: str, values: list, where: str) -> list[Problem]:
    """Whether a dotted path names a numeric field of `s` that accepts each of the values."""
    full = expand_path(path)
    for value in values:
        trial = s.to_dict()
        try:
            set_path(trial, full, value)
            Scenario.model_validate(trial)
        except KeyError:
            return [Problem(where, f"unknown field {path!r}; allowed: {', '.join(PARAMETER_NAMES)} "
                                   "or a dotted path to a numeric field, such as actors.Seoul.autonomy")]
        except (ValidationError, TypeError) as exc:
            reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            return [Problem(where, f"value {value!r}: {reason}")]
    current = get_path(s.to_dict(), full) if full.split(".")[0] not in _FREE_KEYS else 0.0
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return [Problem(where, "only numeric fields can vary")]
    return []


def _check_pair_key(path: str, key: str, names: list[str], directed_ok: bool) -> list[Problem]:
    try:
        a, b, both = parse_pair(key)
    except ValueError as exc:
        return [Problem(path, str(exc))]
    if not both and not directed_ok:
        return [Problem(path, f"{key!r} is directed; allowed here: 'A-B' (ties are symmetric)")]
    bad = [x for x in (a, b) if x not in names]
    if bad:
        return [Problem(path, f"unknown actor {bad[0]!r}; allowed: one of the actors ({', '.join(names)})")]
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
            return [Problem(f"actors.{start}.patron", f"patrons form a cycle ({loop}); allowed: chains that end in an actor without a patron")]
    return []


def _check_events(s: Scenario) -> list[Problem]:
    problems = []
    first, last = parse_quarter(s.start), parse_quarter(s.start) + s.steps
    for i, event in enumerate(s.events):
        when = parse_quarter(event.at)
        if not first <= when <= last:
            problems.append(Problem(f"events.{i}.at", f"{event.at} is outside the run; allowed: {s.start} to {format_quarter(last)}"))
        for key, value in event.set.items():
            problems += _check_numeric_path(s, key, [value], f"events.{i}.set.{key}")
    return problems


# --- error locations ------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, path: str, line: int):
        self.path, self.line = path, line


def _line_index(node, path=()) -> dict[tuple, int]:
    """Map every field path of a composed YAML document to its line (1-based)."""
    index = {}
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                raise _DuplicateKey(".".join(map(str, path + (name,))), key.start_mark.line + 1)
            seen.add(name)
            index[path + (name,)] = key.start_mark.line + 1
            index.update(_line_index(value, path + (name,)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index[path + (i,)] = item.start_mark.line + 1
            index.update(_line_index(item, path + (i,)))
    return index


def _line_of(path: str, lines: dict) -> int | None:
    parts = tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None


def _problem(err: dict, lines: dict) -> Problem:
    loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
    path = ".".join(loc)
    kind, value, msg = err["type"], err.get("input"), err["msg"]
    if kind == "extra_forbidden":
        parent = ".".join(loc[:-1]) or "the top level"
        message = f"unknown field {loc[-1]!r} in {parent}; allowed: {', '.join(_allowed_fields(loc[:-1]))}"
    elif kind == "missing":
        message = "is required but missing"
    elif kind == "value_error":
        message = msg.removeprefix("Value error, ")
    else:
        message = f"value {value!r} is not allowed: {msg[0].lower() + msg[1:]}"
    return Problem(path, message, _line_of(path, lines))


def _allowed_fields(loc: list[str]) -> list[str]:
    """The field names a model at `loc` accepts, to list them in 'unknown field' errors."""
    model: type[BaseModel] = Scenario
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:  # a dict key (actor name) or list index: keep the value model
            continue
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), model)
    return list(model.model_fields)
