"""`alliance-sim new`: a copy of a shipped scenario to edit, whose references still resolve."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from .common import UsageError, print_paths

# the lines of a scenario file that name other files, relative to the file: a base, a posterior, the schema
REFERENCES = re.compile(r"^(?P<key>base|posterior):(?P<gap>\s*)(?P<value>[^\s#]+)(?P<rest>.*)$", re.MULTILINE)
SCHEMA = re.compile(r"(?P<key>\$schema=)(?P<value>\S+)")
NAME = re.compile(r"^name:(?P<gap>\s*)(?P<value>[^\s#]+)(?P<rest>.*)$", re.MULTILINE)


def add(sub) -> None:
    p = sub.add_parser("new", help="write a copy of a shipped scenario to edit",
                       description="Write NAME.yaml (or NAME, if it ends in .yaml), a copy of the shipped scenario "
                                   "SHIPPED with its comments, named NAME, whose `base:` and `posterior:` lines are "
                                   "rewritten to reach the shipped files from the new place. An existing file is "
                                   "never overwritten.")
    p.add_argument("name", metavar="NAME", help="the new scenario's name, or the path of its file (e.g. mywork/calm.yaml)")
    p.add_argument("--from", dest="shipped", metavar="SHIPPED", required=True,
                   help=f"the shipped scenario to start from: {', '.join(shipped_names())}")
    p.set_defaults(func=main)


def shipped_folder() -> Path:
    from ..scenario.loading import shipped

    return shipped().parent


def shipped_names() -> list[str]:
    return sorted(p.stem for p in shipped_folder().glob("*.yaml"))


def main(args: argparse.Namespace) -> int:
    from ..outputs.results import Refused, new_file
    from ..scenario import load_scenario
    from ..scenario.paths import did_you_mean, file_name_problem

    names = shipped_names()
    source = args.shipped.removesuffix(".yaml")
    if source not in names:
        raise UsageError(f"--from {args.shipped!r}: no shipped scenario of that name{did_you_mean(source, names)}; "
                         f"allowed: {', '.join(names)}")
    target = Path(args.name if args.name.endswith((".yaml", ".yml")) else f"{args.name}.yaml")
    name = target.stem
    if problem := file_name_problem(name):
        raise UsageError(f"{args.name!r}: the name {name!r} cannot name a scenario; allowed: {problem}")
    if os.path.lexists(target):
        raise UsageError(f"{target} exists; choose another NAME (an existing file is never overwritten)")
    if not target.parent.is_dir():
        raise UsageError(f"{target.parent} is not a folder; allowed: NAME in an existing folder")
    text = copied((shipped_folder() / f"{source}.yaml").read_text(encoding="utf-8"), shipped_folder(),
                  target.resolve().parent, name)
    try:
        with new_file(target, recorded=False) as partial:  # onto a name still free at the moment of the move
            partial.write_text(text, encoding="utf-8")
            load_scenario(partial)  # the copy must load from its new place before it takes its name
    except Refused:
        raise UsageError(f"{target} appeared while the copy was written; it is left as it is: choose another NAME") from None
    return print_paths([target])


def copied(text: str, home: Path, folder: Path, name: str) -> str:
    """A shipped scenario's text, from `home`, as a file in `folder` named `name`: every reference to
    another file made to reach the same file from the new place (relative to it where the two share a
    root, else absolute), the comments kept."""

    def moved(value: str) -> str:
        found = (home / value).resolve()
        try:
            return Path(os.path.relpath(found, folder)).as_posix()
        except ValueError:  # another drive (Windows): no relative path
            return found.as_posix()

    text = REFERENCES.sub(lambda m: f"{m['key']}:{m['gap']}{moved(m['value'])}{m['rest']}", text)
    text = SCHEMA.sub(lambda m: f"{m['key']}{moved(m['value'])}", text)
    return NAME.sub(lambda m: f"name:{m['gap']}{name}{m['rest']}", text, count=1)
