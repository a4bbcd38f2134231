"""The memory budget: what a job will hold, estimated and checked before anything is allocated.

A command refuses a job whose estimate is over the budget, with the estimate and how to split
the job, instead of exhausting the machine. The budget is half the machine's memory, or what
`--memory` says (`ALLIANCE_SIM_MEMORY` carries it to worker processes).
"""

from __future__ import annotations

import os
import re

VARIABLE = "ALLIANCE_SIM_MEMORY"
SHARE = 0.5  # of the machine's memory, by default
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
ROW = 100  # bytes a long-table row costs while it is built (values, categories, the copies pandas makes)


class BudgetError(Exception):
    """A job over the memory budget (reported in one line, exit status 2)."""


def machine() -> int:
    """The machine's physical memory in bytes (8 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def parse(text: str) -> int:
    """'4G', '500M', '2.5GiB', '1e9' (bytes) or '30%' (of the machine's memory), as bytes."""
    found = re.fullmatch(r"\s*([0-9.]+(?:[eE][0-9]+)?)\s*(%|[KMGT]?)(?:i?B)?\s*", str(text), flags=re.IGNORECASE)
    if not found:
        raise BudgetError(f"memory {text!r}: allowed: a size such as 4G, 500M or 30% (of this machine's "
                          f"{human(machine())})")
    value, unit = float(found[1]), found[2].upper()
    size = value / 100 * machine() if unit == "%" else value * UNITS[unit]
    if size <= 0:
        raise BudgetError(f"memory {text!r}: allowed: more than nothing")
    return int(size)


def set_budget(text: str | None) -> None:
    """Set the budget (`--memory`) for this process and the workers it starts."""
    if text is not None:
        os.environ[VARIABLE] = str(parse(text))


def budget() -> tuple[int, str]:
    """The budget in bytes and where it comes from."""
    given = os.environ.get(VARIABLE)
    if given:
        return parse(given), "--memory"
    return int(SHARE * machine()), f"half of this machine's {human(machine())}; --memory raises it"


def human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PiB"


def check(nbytes: float, what: str, advice: str) -> None:
    """Refuse a job that would hold `nbytes` over the budget: say what, how much, and how to split it."""
    limit, source = budget()
    if nbytes > limit:
        raise BudgetError(f"{what} would hold about {human(nbytes)}, over the memory budget of {human(limit)} "
                          f"({source}); {advice}")


def trajectories(runs: int, steps: int, n: int) -> int:
    """Bytes of a simulation's arrays: stances, cooperation and ties at every step, and the noise."""
    return 8 * runs * n * n * (3 * (steps + 1) + steps)


def table(rows: float) -> float:
    """Bytes of a long table of `rows` rows while it is built."""
    return ROW * rows
