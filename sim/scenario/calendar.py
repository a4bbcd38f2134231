"""Quarters: the model's clock. Step 0 is the scenario's start; each step is a quarter."""

import re

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
QUARTER_FORMAT = "a quarter written YYYYQn with n from 1 to 4, e.g. 2018Q3"


def parse_quarter(text: str) -> int:
    """Return a quarter as a count of quarters since year 0 (2018Q3 -> 2018*4 + 2)."""
    match = _QUARTER.match(str(text).strip())
    if not match:
        raise ValueError(f"malformed date {text!r}; allowed: {QUARTER_FORMAT}")
    return int(match.group(1)) * 4 + int(match.group(2)) - 1


def format_quarter(index: int) -> str:
    year, quarter = divmod(int(index), 4)
    return f"{year}Q{quarter + 1}"


def step_dates(start: str, steps: int) -> list[str]:
    """The date of every recorded step 0..steps."""
    first = parse_quarter(start)
    return [format_quarter(first + t) for t in range(steps + 1)]


def step_years(start: str, steps: int) -> list[int]:
    """The year of every recorded step 0..steps."""
    first = parse_quarter(start)
    return [(first + t) // 4 for t in range(steps + 1)]
