"""Scenario errors: each problem names its field path, its line in the YAML file and what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from pydantic import BaseModel

from .paths import did_you_mean
from .schema import Scenario


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
            field = f" {shown(p.path)}:" if p.path else ""
            lines.append(f"{where}:{field} {p.message}")
        return "\n".join(lines)


def shown(path: str) -> str:
    """A field path as a reader counts, list items from 1: 'event 3, set.sanctions' for events.2.set.sanctions."""
    words, head = [], []
    for part in path.split("."):
        if part.isdigit() and head:
            name = ".".join(head)
            words.append(f"event {int(part) + 1}" if name == "events" else f"{name} item {int(part) + 1}")
            head = []
        else:
            head.append(part)
    found = ", ".join(words + ([".".join(head)] if head else []))
    # a character that is not printed as itself (a control, a bidirectional override) is shown escaped:
    # in a terminal it could reorder or hide the rest of the message
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in found)


class DuplicateKey(Exception):
    def __init__(self, path: str, line: int):
        self.path, self.line = path, line


def line_index(node, path=()) -> dict[tuple, int]:
    """Map every field path of a composed YAML document to its line (1-based)."""
    index = {}
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                raise DuplicateKey(".".join(map(str, path + (name,))), key.start_mark.line + 1)
            seen.add(name)
            index[path + (name,)] = key.start_mark.line + 1
            index.update(line_index(value, path + (name,)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index[path + (i,)] = item.start_mark.line + 1
            index.update(line_index(item, path + (i,)))
    return index


def line_of(path: str, lines: dict) -> int | None:
    parts = tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None


def from_pydantic(err: dict, lines: dict) -> Problem:
    loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
    path = ".".join(loc)
    kind, value, msg = err["type"], err.get("input"), err["msg"]
    if kind == "extra_forbidden":
        parent = shown(".".join(loc[:-1])) or "the top level"
        allowed = _allowed_fields(loc[:-1])
        message = f"unknown field {loc[-1]!r} in {parent}{did_you_mean(loc[-1], allowed)}; allowed: {', '.join(allowed)}"
    elif kind == "missing":
        message = "is required but missing"
    elif kind == "value_error":
        message = msg.removeprefix("Value error, ")
    elif kind == "literal_error":  # a word from a list: the list, and the nearest word
        allowed = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
        message = f"value {_shown_value(value)} is not allowed{did_you_mean(value, allowed)}; allowed: {', '.join(allowed)}"
    else:
        message = f"value {_shown_value(value)} is not allowed: {msg[0].lower() + msg[1:]}"
    return Problem(path, message, line_of(path, lines))


def _shown_value(value, most: int = 60) -> str:
    """A value as an error names it: whole if short, else its start and its length (an error names the
    value; it does not copy a file into the terminal)."""
    text = repr(value)
    return text if len(text) <= most else f"{text[:most]}… ({len(text):,} characters)"


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
