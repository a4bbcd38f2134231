"""`alliance-sim decide`: search a scenario's levers for policies that hold across the states of the world."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (
    UsageError,
    add_memory,
    add_posterior,
    add_set,
    add_svg,
    checked,
    counts,
    overrides,
    posterior_of,
    posterior_option,
    print_paths,
    say,
)


def add(sub) -> None:
    p = sub.add_parser("decide", help="search the levers of a scenario's `decision:` section for robust policies",
                       description="Robust decision making: search the levers of the scenario's `decision:` section "
                                   "for the policies no other beats on every objective's mean (NSGA-II), each "
                                   "evaluated over the same states of the world (parameter sets drawn from "
                                   "--posterior, with the uncertain values) and seeds; then the efficient policies' "
                                   "regret, how often each is good enough, where each fails (PRIM), which "
                                   "conclusions hang on the priors, and which calibrated value would be worth "
                                   "knowing (value of information). Writes FOLDER/generations/ (--resume continues "
                                   "a stopped search), the tables, plots/ and report.html.")
    p.add_argument("scenario", help="scenario YAML file with a `decision:` section")
    p.add_argument("--out", help="folder (default: results/NAME-decision)")
    p.add_argument("--resume", action="store_true", help="continue the search in --out")
    p.add_argument("--workers", type=int, default=1,
                   help="local processes evaluating policies (default 1; the same numbers on any number)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="evaluate policies on this Dask cluster (tcp://host:8786)")
    add_posterior(p)
    add_set(p)
    p.add_argument("--quiet", action="store_true", help="print only the files written")
    add_svg(p)
    add_memory(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from .. import budget
    from ..analysis.robust_decision import chunk_memory, decide, verdict
    from ..analysis.search import SearchError
    from ..outputs.results import claim, default_folder
    from ..report import decision_report
    from ..scenario import load_scenario, with_overrides

    counts(args, "workers")
    s = with_overrides(load_scenario(args.scenario), overrides(args.set), source=f"{args.scenario} (command-line options)")
    if s.decision is None:
        raise UsageError(f"{args.scenario}: no `decision:` section (levers, objectives); allowed: a scenario with one, "
                         "such as scenarios/decide_2025.yaml")
    if not args.scheduler:  # local processes: as many as the memory budget holds
        args.workers = budget.workers(args.workers, chunk_memory(s), say=lambda m: say(args, m))
    chosen = posterior_of(args, s)
    posterior = posterior_option(chosen) if chosen else None
    if posterior is not None:
        checked(s, {}, posterior, source=args.scenario)  # a posterior that sets what the scenario lacks: a usage error
    if args.out:
        claim(args.out, reads=[args.scenario, *([chosen] if chosen else [])])
    out = Path(args.out) if args.out else default_folder(s, suffix="decision")
    try:
        found = decide(s, out, posterior, args.resume, say=lambda m: say(args, m), workers=args.workers,
                       scheduler=args.scheduler)
    except SearchError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        again = f"alliance-sim decide {args.scenario} --out {out}" + (f" --posterior {args.posterior}" if args.posterior else "")
        again += " --file-values" if args.file_values else ""
        print(f"\nalliance-sim decide: interrupted; the finished generations are kept in {out / 'generations'}. "
              f"`{again} --resume` continues.", file=sys.stderr)
        return 130
    if not args.quiet:
        print("\n".join(verdict(found["problem"].scenario, found["policies"], found["outcomes"], found["voi"], found["priors"],
                                found["trade_off"])))
    written = decision_report(out, svg=args.svg)
    return print_paths(written)
