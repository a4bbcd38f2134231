"""`alliance-sim completion`: a shell completion script for the command, its options and files."""

from __future__ import annotations

import argparse

FILES = {"scenario", "scenarios", "files", "targets"}  # what a user types as a path names one of these
FOLDERS = {"results", "out", "posterior", "write_data"}


def add(sub) -> None:
    p = sub.add_parser("completion", help="print a shell completion script (bash, zsh or tcsh)",
                       description="Print a completion script for the shell: commands, options and, where a file "
                                   "or folder is asked for, paths. For bash: eval \"$(alliance-sim completion bash)\" "
                                   "in ~/.bashrc; for zsh: alliance-sim completion zsh > a folder on $fpath, "
                                   "as _alliance-sim.")
    p.add_argument("shell", choices=["bash", "zsh", "tcsh"])
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import shtab

    top = args.top  # the whole command's parser (set by `sim.cli.parser`)
    for command in _subparsers(top):
        for action in command._actions:
            if action.dest in FILES:
                action.complete = shtab.FILE
            elif action.dest in FOLDERS:
                action.complete = shtab.DIRECTORY
    print(shtab.complete(top, shell=args.shell))
    return 0


def _subparsers(top: argparse.ArgumentParser):
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.values()
