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
from .paths import set_setting
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
    """The scenario without the fields that failed the schema, so that the checks across fields
    run in the same pass; with the paths left out. None when leaving fields out is not enough
    (a required field, a list item, an actor): those checks then wait for the next pass."""
    data, dropped = copy.deepcopy(data), []
    for _ in range(3):  # leaving a field out can uncover a problem one level up
        for err in errors:
            if not _drop(data, err["loc"]):
                return None, ()
            dropped.append(".".join(map(str, err["loc"])))
        try:
            return Scenario.model_validate(data), tuple(dropped)
        except ValidationError as exc:
            errors = exc.errors()
    return None, ()


def _judges(p: Problem, dropped: str) -> bool:
    """Whether a check's problem could come from the default of a field left out, not from the file."""
    if dropped in ("start", "steps"):  # the run's span dates every event
        return "outside the run" in p.message
    return p.path == dropped or p.path.startswith(dropped + ".") or dropped.startswith(p.path + ".")


def _drop(data: dict, loc: tuple) -> bool:
    node = data
    try:
        for key in loc[:-1]:
            node = node[key]
    except (KeyError, IndexError, TypeError):
        return False
    if not isinstance(node, dict) or loc[-1] not in node or loc[:-1] == ("actors",):
        return False
    del node[loc[-1]]
    return True


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


