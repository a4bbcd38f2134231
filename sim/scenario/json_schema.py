"""The scenario fields as a JSON Schema, for editors: completion, hover text and checks while a
scenario file is written (`alliance-sim schema`; shipped as scenarios/scenario.schema.json).

The schema is generated from `Scenario`, so it cannot drift from what `validate` accepts for a
whole file. A file with `base:` fills its missing fields from its base, so for it nothing is
required. Checks across fields (names that refer to actors, events in order, sweep factors)
stay with `alliance-sim validate`.
"""

from __future__ import annotations

import copy
import json

from .schema import Scenario

DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft YAML editors' language servers read
PARTIAL = "Partial"


def json_schema() -> dict:
    """The schema of a scenario file: whole, or partial when it has `base:`."""
    whole = Scenario.model_json_schema()
    defs = whole.pop("$defs")
    partial = _without_required(copy.deepcopy(whole))
    partial["properties"] = {"base": {"type": "string", "description": "another scenario file (relative to this one) "
                                      "whose fields this file overrides"}, **partial["properties"]}
    defs.update({PARTIAL + name: _without_required(copy.deepcopy(d)) for name, d in defs.items()})
    defs.update({"Scenario": whole, PARTIAL + "Scenario": partial})
    return {
        "$schema": DRAFT,
        "title": "alliance-sim scenario",
        "description": whole["description"],
        "$defs": defs,
        "if": {"required": ["base"]},
        "then": {"$ref": f"#/$defs/{PARTIAL}Scenario"},
        "else": {"$ref": "#/$defs/Scenario"},
    }


def _without_required(node):
    """The same schema with nothing required (nor a least number of entries in a mapping, which the
    base's entries join), its references pointing at the partial definitions."""
    if isinstance(node, dict):
        node.pop("required", None)
        node.pop("minProperties", None)
        if isinstance(node.get("$ref"), str):
            node["$ref"] = node["$ref"].replace("#/$defs/", f"#/$defs/{PARTIAL}")
        for value in node.values():
            _without_required(value)
    elif isinstance(node, list):
        for value in node:
            _without_required(value)
    return node


def dumps() -> str:
    return json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n"
