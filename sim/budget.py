"""The memory budget: what a job will hold, estimated and checked before anything is allocated.

A command refuses a job whose estimate is over the budget, with the estimate and how to split
the job, instead of exhausting the machine. The budget is half the machine's memory, or what
`--memory` says (`ALLIANCE_SIM_MEMORY` carries it to worker processes).
"""

from __future__ import annotations

import math
import os
import re

VARIABLE = "ALLIANCE_SIM_MEMORY"
SHARE = 0.5  # of the machine's memory, by default
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
LARGEST = 2**60  # bytes: a budget beyond any machine's memory (1 EiB), the largest accepted
ROW = 100  # bytes a long-table row costs while it is built (values, categories, the copies pandas makes)
# bytes a local worker process holds besides its work: the interpreter with numpy, pandas, pyarrow and the
# compiled engine loaded. Measured as the resident size (VmHWM) of the workers of a batch of chunks of
# 100 runs of 8 quarters (whose own arrays take under 1 MiB), two workers: 252 MiB each (Python 3.13,
# numpy 2.5, pandas 3.1, pyarrow 26); the pages they share with the process they were forked from are
# counted in each, so the estimate errs high.
WORKER = 256 * 2**20


class BudgetError(Exception):
    """A job over the memory budget (reported in one line, exit status 2)."""


def machine() -> int:
    """The machine's physical memory in bytes (8 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def parse(text: str, given: str = "--memory") -> int:
    """'4G', '500M', '2.5GiB', '1e9' (bytes) or '30%' (of the machine's memory), as bytes; `given`
    names where the text comes from (the option, or the environment variable) in an error."""
    found = re.fullmatch(r"\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][0-9]+)?)\s*(%|[KMGT]?)(?:i?B)?\s*", str(text),
                         flags=re.IGNORECASE)
    allowed = f"allowed: a size such as 4G, 500M or 30% (of this machine's {human(machine())})"
    if not found:
        raise BudgetError(f"{given} {str(text)[:40]!r}: {allowed}")
    value, unit = float(found[1]), found[2].upper()
    size = value / 100 * machine() if unit == "%" else value * UNITS[unit]
    if not math.isfinite(size) or size > LARGEST:
        raise BudgetError(f"{given} {text!r}: {allowed}, at most {human(LARGEST)}")
    if size < 1:
        raise BudgetError(f"{given} {text!r}: allowed: more than nothing")
    return int(size)


def set_budget(text: str | None) -> None:
    """Set the budget (`--memory`) for this process and the workers it starts; without it, check the
    one the environment gives (before the command starts, not when it first allocates)."""
    if text is not None:
        os.environ[VARIABLE] = str(parse(text))
    elif os.environ.get(VARIABLE):
        parse(os.environ[VARIABLE], VARIABLE)


def budget() -> tuple[int, str]:
    """The budget in bytes and where it comes from."""
    given = os.environ.get(VARIABLE)
    if given:
        return parse(given, VARIABLE), "--memory"
    return int(SHARE * machine()), f"half of this machine's {human(machine())}; --memory raises it"


def human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} EiB"


def check(nbytes: float, what: str, advice: str) -> None:
    """Refuse a job that would hold `nbytes` over the budget: say what, how much, and how to split it."""
    limit, source = budget()
    if nbytes > limit:
        raise BudgetError(f"{what} would hold about {human(nbytes)}, over the memory budget of {human(limit)} "
                          f"({source}); {advice}")


def workers(asked: int, each: float, held: float = 0.0, say=print) -> int:
    """How many of `asked` worker processes the budget holds beside `held` bytes, each worker holding
    its own memory (WORKER) and `each` bytes of work; at least one (a single worker is this process).
    Fewer than asked are said."""
    limit, source = budget()
    allowed = max(1, min(asked, int((limit - held) // (WORKER + each))))
    if allowed < asked:
        say(f"--workers {asked:,}: using {allowed:,}, as the memory budget of {human(limit)} ({source}) holds "
            f"{allowed:,} worker(s) of about {human(WORKER + each)} each")
    return allowed


def trajectories(runs: int, steps: int, n: int) -> int:
    """Bytes of a simulation's arrays: stances, cooperation and ties at every step, and the noise."""
    return 8 * runs * n * n * (3 * (steps + 1) + steps)


def table(rows: float) -> float:
    """Bytes of a long table of `rows` rows while it is built."""
    return ROW * rows
