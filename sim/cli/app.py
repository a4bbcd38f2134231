"""`alliance-sim app`: the interactive page (Mesa's SolaraViz) on a scenario."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .common import UsageError


def add(sub) -> None:
    p = sub.add_parser("app", help="open the interactive page (Mesa's SolaraViz) on a scenario",
                       description="Serve the interactive page: sliders for sanctions, autonomy and the main "
                                   "parameters, play/step/reset, the focal actor's stances over time, the "
                                   "alignment network now, the partnership indicator. Needs the 'app' extra.")
    p.add_argument("scenario", nargs="?", help="scenario YAML file (default: the shipped baseline)")
    p.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..extras import require
    from ..scenario import load_scenario

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: allowed: 0 to 65535 (0: any free port)")
    if problem := unusable_host(args.host):
        raise UsageError(f"--host {args.host!r}: {problem}; allowed: an address of this machine (default 127.0.0.1)")
    require("mesa.visualization", "app", "the interactive page")
    env = dict(os.environ)
    if args.scenario:
        load_scenario(args.scenario)  # report a bad scenario here, not in the browser
        env["ALLIANCE_SIM_SCENARIO"] = str(Path(args.scenario).resolve())
    command = [sys.executable, "-m", "solara", "run", "sim.abm.app", "--host", args.host, "--port", str(args.port),
               "--no-open" if args.no_open else "--open"]
    from ..batch.local import die_with_parent

    try:  # the page server ends with this command, however it ends
        return subprocess.call(command, env=env, preexec_fn=die_with_parent)
    except KeyboardInterrupt:
        return 0


def unusable_host(host: str) -> str | None:
    """Why the server could not listen at `host` (None: it can), found before it starts, not after its
    half-minute of start-up."""
    import socket

    try:
        found = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return f"no such address ({exc})"
    family, kind, _, _, address = found[0]
    with socket.socket(family, kind) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            return f"this machine cannot listen there ({exc.strerror})"
    return None
