"""Loading scenario files: YAML with `base:` inheritance, validation, and overrides by dotted path."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .checks import check_references
from .errors import DuplicateKey, Problem, ScenarioError, from_pydantic, line_index, line_of
from .paths import file_name_problem, set_setting
from .schema import Scenario


def shipped(name: str = "baseline_2018") -> Path:
    """The path of a scenario shipped with the package (installed, or in a source checkout)."""
    package = Path(__file__).resolve().parents[1]  # sim/
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
        found = path.exists()
    except OSError as exc:  # a name too long, a folder that cannot be searched
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc.strerror}")]) from None
    if not found:
        raise ScenarioError(source, [Problem("", "no such file")])
    if not path.is_file():  # a device (/dev/zero), a pipe, a folder: nothing to read, or no end to it
        raise ScenarioError(source, [Problem("", "is not a regular file; allowed: a YAML file")])
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)  # no more than the size check needs, whatever the file claims
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc}")]) from None
    data, lines = _parse(text, source)
    _resolve_data_folder(data, path, source, lines)
    base = data.pop("base", None)
    if base is None:
        return data, lines
    if not isinstance(base, str) or _path_problem(base):
        shown = f"value {base!r} is not allowed" if not isinstance(base, str) else f"the value {_path_problem(base)}"
        raise ScenarioError(source, [Problem("base", f"{shown}; allowed: the path of another scenario file",
                                             lines.get(("base",)))])
    base_path = (path.parent / base).resolve()
    if not _exists(base_path):
        raise ScenarioError(source, [Problem("base", f"{base}: no such file ({base_path}); allowed: the path of another "
                                                     f"scenario file, relative to this one; {copy_hint(path, data.get('name'))}",
                                             lines.get(("base",)))])
    if base_path in seen:
        raise ScenarioError(source, [Problem("base", f"{base} is already a base of this file (a cycle)", lines.get(("base",)))])
    base_data, _ = _read(base_path, seen + (path.resolve(),))
    validate(copy.deepcopy(base_data), str(base_path))  # the base must be valid on its own
    merged = _merge(base_data, data)
    priors = (data.get("calibration") or {}).get("priors") if isinstance(data.get("calibration"), dict) else None
    if priors is not None:  # a file's priors are one set: they replace its base's, not add to them
        merged["calibration"]["priors"] = priors
    earlier = base_data.get("events") or []
    if earlier and isinstance(data.get("events"), list):
        # a file's events follow its base's (a history carried on); its lines keep pointing at its own
        merged["events"] = earlier + data["events"]
        lines = {(k[0], k[1] + len(earlier), *k[2:]) if k[:1] == ("events",) and len(k) > 1 else k: v
                 for k, v in lines.items()}
    return merged, lines


def _exists(path: Path) -> bool:
    """Whether a path names something (True where the system cannot say: reading it then says why)."""
    try:
        return path.exists()
    except OSError:  # a name too long, a folder that cannot be searched
        return True


def copy_hint(path: Path, name: object = None) -> str:
    """What to do about a reference (`base:`, `posterior:`) that does not resolve, most often in a shipped
    scenario copied elsewhere: the shipped one is found by the scenario's `name` or the file's."""
    for candidate in (name, Path(path).stem):
        if isinstance(candidate, str) and not file_name_problem(candidate):
            try:
                shipped(candidate)
            except FileNotFoundError:
                continue
            return (f"if this file is a copy of the shipped '{candidate}', `alliance-sim new NAME --from {candidate}` "
                    "writes one whose base: and posterior: resolve")
    return "to start from a shipped scenario, `alliance-sim new NAME --from SHIPPED` writes a copy whose references resolve"


def where_set(path: str | Path, key: str) -> tuple[str, int | None]:
    """The file, of a scenario file and its bases, whose own text sets the top-level field `key`, and
    the line (the file itself and None where none does)."""
    first = path = Path(path)
    seen = set()
    while path.resolve() not in seen:  # a chain of bases (loaded before, so it ends)
        seen.add(path.resolve())
        data, lines = _parse(path.read_text(encoding="utf-8"), str(path))
        if key in data:
            return str(path), lines.get((key,))
        if not isinstance(data.get("base"), str):
            break
        path = path.parent / data["base"]
    return str(first), None


def _resolve_data_folder(data: dict, path: Path, source: str, lines: dict) -> None:
    """A `calibration.data` folder and a `posterior` folder are relative to the file that names them:
    made absolute here, as `base:` is, so that they mean the same whichever file is loaded first."""
    c = data.get("calibration")
    for holder, key, field in ((c, "data", "calibration.data"), (data, "posterior", "posterior")):
        if not isinstance(holder, dict) or not isinstance(holder.get(key), str) or not holder[key].strip():
            continue
        if problem := _path_problem(holder[key]):
            raise ScenarioError(source, [Problem(field, f"the value {problem}; allowed: the path of a folder",
                                                 lines.get(tuple(field.split("."))))])
        holder[key] = str((path.parent / holder[key]).resolve())


def _path_problem(value: str) -> str | None:
    """Why a path a scenario names cannot be a path (None: it can): a NUL ends a path where the
    system reads it, so no file has one in its name."""
    return "holds a NUL character (\\0)" if "\0" in value else None


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


class LOADER(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML as the scenarios read it: libyaml's parser where PyYAML has it (its wheels do), and
    numbers in exponent form without a dot (`1e-3`) read as numbers, as YAML 1.2 reads them."""


LOADER.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
                             list("-+0123456789."))

# A scenario is a few kilobytes, a dozen levels deep; a file far beyond these is a mistake or an attack.
MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_DIGITS = 100  # a seed of 128 bits has 39; Python refuses to read integers of more than 4,300
INTEGER = re.compile(r"[-+]?[0-9][0-9_]*")


def _check_shape(text: str, source: str) -> None:
    """Refuse, before anything is built, what could make loading blow up: a file too large, nesting
    too deep, YAML aliases (`*name`), which can expand a 1 KB file to gigabytes ("billion laughs"),
    or an integer too long to read."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ScenarioError(source, [Problem("", f"is {len(text.encode('utf-8')):,} bytes; allowed: at most {MAX_BYTES:,} "
                                                 "(a scenario is a few kilobytes)", None)])
    depth = 0
    for event in yaml.parse(text, Loader=LOADER):  # a stream of events: nothing is expanded or built
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise ScenarioError(source, [Problem("", f"uses the YAML alias *{event.anchor}; allowed: no aliases "
                                                     "(write the values out, or use `base:` to share a scenario)", line)])
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError(source, [Problem("", f"nests deeper than {MAX_DEPTH} levels; allowed: at most {MAX_DEPTH}",
                                                     line)])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif (isinstance(event, yaml.ScalarEvent) and not event.style and len(event.value) > MAX_DIGITS
              and INTEGER.fullmatch(event.value)):
            raise ScenarioError(source, [Problem("", f"holds a number of {len(event.value):,} digits; allowed: at most "
                                                     f"{MAX_DIGITS}", line)])


def _check_keys(node, source: str) -> None:
    """Refuse a mapping key that is itself a list or a mapping (YAML's `? [1, 2]`): a field is named by
    a plain word."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ScenarioError(source, [Problem("", "has a key that is a list or a mapping (YAML's `? ...`); "
                                                         "allowed: plain names as keys", key.start_mark.line + 1)])
            _check_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_keys(item, source)


def _load(text: str, source: str) -> tuple[object, dict]:
    """YAML text as data, checked before it is built (`_check_shape`, `_check_keys`), with its line index."""
    try:
        _check_shape(text, source)
        loader = LOADER(text)
        try:
            node = loader.get_single_node()
            _check_keys(node, source)
            lines = line_index(node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        lines_of_text = text.splitlines()
        offending = lines_of_text[line - 1] if line and line <= len(lines_of_text) else ""
        if "'\\t'" in reason or "\t" in offending:
            reason += "; indent with spaces, not tabs"
        raise ScenarioError(source, [Problem("", f"is not valid YAML: {reason}", line)]) from None
    except DuplicateKey as dup:
        raise ScenarioError(source, [Problem(dup.path, "appears twice; each key may appear once", dup.line)]) from None
    except (ValueError, OverflowError) as exc:  # a scalar YAML types but cannot build, such as the date 2020-13-45
        raise ScenarioError(source, [Problem("", f"is not valid YAML: a value cannot be read ({exc})")]) from None
    return data, lines


def _parse(text: str, source: str) -> tuple[dict, dict]:
    data, lines = _load(text, source)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(source, [Problem("", f"the document is {kind}; allowed: a mapping of scenario fields "
                                                 "(name, actors, ...)", 1)])
    if data and not {*Scenario.model_fields, "base"} & set(map(str, data)):
        # not a scenario at all (a file named by mistake, or on purpose): its keys are its content, and
        # an error that listed them as unknown fields would print the file
        raise ScenarioError(source, [Problem("", f"is not a scenario file: none of its {len(data):,} top-level keys is a "
                                                 "scenario field; allowed: a YAML file with name, actors, ...", 1)])
    return data, lines


def read_value(text: str, source: str = "--set") -> object:
    """A value given on the command line (`--set PATH=VALUE`), read as YAML with a file's checks:
    no aliases, no key that is a list, no integer too long to read; ScenarioError otherwise."""
    return _load(text, source)[0]


def validate(data: dict, source: str = "<scenario>", lines: dict | None = None) -> Scenario:
    """Validate a scenario given as plain data (as loaded from YAML), reporting every problem at once."""
    lines = lines or {}
    try:
        scenario, problems, dropped = Scenario.model_validate(data), [], ()
    except ValidationError as exc:
        problems = [from_pydantic(err, lines) for err in exc.errors()]
        scenario, dropped = _the_rest(data, exc.errors())
    if scenario is not None:
        seen = {p.path for p in problems}
        for p in check_references(scenario):
            if p.path not in seen and not any(_judges(p, d) for d in dropped):
                problems.append(Problem(p.path, p.message, p.line or line_of(p.path, lines)))
    if problems:
        raise ScenarioError(source, sorted(problems, key=lambda p: p.line or 0))
    return scenario


def _the_rest(data: dict, errors: list) -> tuple[Scenario | None, tuple[str, ...]]:
    """The scenario without what failed the schema, so that the checks across fields run in the same
    pass; with the paths left out. A field is left out (it takes its default) or, where leaving it out
    is not enough (a required field), the part that holds it; what other fields refer to is stood in
    for (`_leave_out`). None when the actors themselves fail: every other check names them."""
    data, dropped = copy.deepcopy(data), []
    for _ in range(PASSES):  # leaving a field out can uncover a problem one level up
        for err in errors:
            left = _leave_out(data, tuple(err["loc"]))
            if left is None:
                return None, ()
            dropped.append(left)
        try:
            return Scenario.model_validate(data), tuple(dropped)
        except ValidationError as exc:
            errors = exc.errors()
    return None, ()


PASSES = 8  # a problem is left out within as many levels as a scenario's fields are deep


def _judges(p: Problem, dropped: str) -> bool:
    """Whether a check's problem could come from the default of a field left out, not from the file."""
    if dropped in ("start", "steps"):  # the run's span dates every event
        return "outside the run" in p.message
    return p.path == dropped or p.path.startswith(dropped + ".") or dropped.startswith(p.path + ".")


def _leave_out(data: dict, loc: tuple) -> str | None:
    """Leave out of `data` what the schema error at `loc` is about, and return its path (None: the
    actors, or the document itself). The deepest part of `loc` the data hold goes: a field (its default
    then holds), or, for a required field missing, the part that holds it. An event is stood in for by an
    empty one (the others keep their numbers), an actor by one of no power (other fields name it), the
    name and the partnership by placeholders; the problems of what stands in are never reported
    (`_judges`)."""
    loc = _held(data, tuple(part for part in loc if not str(part).startswith("function-")))
    if not loc or loc == ("actors",):
        return None
    parent, key = data, loc[-1]
    for part in loc[:-1]:
        parent = parent[part]
    if loc[0] == "events" and len(loc) == 2:
        parent[key] = {"at": Scenario.model_fields["start"].default}
    elif loc[0] == "actors" and len(loc) == 2 and isinstance(key, str):
        if isinstance(parent[key], dict):  # its one required field missing: the others are its own, and checked
            parent[key]["power"] = 0.0
            return ".".join(map(str, loc)) + ".power"
        parent[key] = {"power": 0.0}
    elif loc == ("name",):
        data["name"] = "scenario"
    elif loc == ("partnership",):
        actors = data.get("actors")
        if not isinstance(actors, dict) or len(actors) < 2:
            return None
        data["partnership"] = {"pair": [str(name) for name in list(actors)[:2]]}
    elif isinstance(parent, dict):
        del parent[key]
    else:  # an item of a list of values: the list goes
        return _leave_out(data, loc[:-1])
    return ".".join(map(str, loc))


def _held(data, loc: tuple) -> tuple:
    """The longest start of `loc` that names something in `data`."""
    node = data
    for depth, key in enumerate(loc):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return loc[:depth]
    return loc


def with_overrides(scenario: Scenario, overrides: dict[str, Any], source: str = "<overrides>") -> Scenario:
    """A copy of `scenario` with dotted paths set to new values, validated again."""
    if not overrides:
        return scenario
    data = scenario.to_dict()
    problems = []
    for path, value in overrides.items():
        try:
            set_setting(data, path, value)
        except KeyError as exc:
            problems.append(Problem(path, str(exc.args[0])))
    if problems:
        raise ScenarioError(source, problems)
    return validate(data, source)


