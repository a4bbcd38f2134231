"""`alliance-sim schema`: the scenario fields as a JSON Schema, for an editor's completion and checks."""

from __future__ import annotations

import argparse
import sys


def add(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)",
                       description="Print the JSON Schema of scenario files: an editor with a YAML language server "
                                   "completes field names, shows what each means and marks wrong values as you type. "
                                   "The shipped scenarios/scenario.schema.json is this output; each shipped scenario "
                                   "names it on its last line.")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..scenario.json_schema import dumps

    sys.stdout.write(dumps())
    return 0
