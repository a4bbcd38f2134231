"""Dotted paths into a scenario (`actors.Seoul.autonomy`) and pair keys (`Seoul-Moscow`, `Seoul->Moscow`).

Sweeps, events, `--set` and model keywords all name scenario fields this way.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .calendar import parse_quarter

# Short names accepted for the most used paths (keyword arguments, event `set:` keys).
PARAMETER_NAMES = ("sanctions", "noise", "rate", "trade_rate", "trade_response", "tourism_growth")

def expand_path(key: str) -> str:
    """`sanctions` -> `parameters.sanctions`; dotted paths are kept as they are, and a date after '@'
    (`sanctions@2025Q2`: the value the event of that quarter sets) with them."""
    path, dated, at = key.partition("@")
    path = f"parameters.{path}" if path in PARAMETER_NAMES else path
    return f"{path}@{at}" if dated else path


def set_setting(data: dict, key: str, value: Any) -> None:
    """Set a field (`path`), the value an event sets (`path@QUARTER`) or the size of an event's shock
    (`shift.alignment.A-B@QUARTER`, `shift.cooperation.A-B@QUARTER`) in scenario data."""
    path, _, at = expand_path(key).partition("@")
    if not at:
        return set_path(data, path, value)
    table, name = _dated_entry(data, path, at)
    table[name] = value


def _dated_entry(data: dict, path: str, at: str) -> tuple[dict, str]:
    """The table of the event at quarter `at` that holds `path`, and the entry's key in it: a `set:`
    entry, or (for 'shift.SECTION.PAIR') the pair's shock in the event's `shift:`."""
    when = parse_quarter(at)
    section, pair = (path.split(".", 2)[1:] + [""])[:2] if path.startswith("shift.") else (None, None)
    for event in data.get("events", []):
        if parse_quarter(event["at"]) != when:
            continue
        if section is not None:
            table = (event.get("shift") or {}).get(section) or {}
            if pair in table:
                return table, pair
            continue
        for name in event.get("set") or {}:
            if expand_path(name) == path:
                return event["set"], name
    if section is not None:
        raise KeyError(f"no event at {at} shifts {section} {pair}; allowed: 'shift.alignment.A-B@QUARTER' or "
                       "'shift.cooperation.A-B@QUARTER' of an event's `shift:` entry")
    raise KeyError(f"no event at {at} sets {path}; allowed: 'path@QUARTER' of an event's `set:` entry")


def parse_pair(key: str) -> tuple[str, str, bool]:
    """'A-B' -> (A, B, True: both directions); 'A->B' -> (A, B, False)."""
    if "->" in key:
        a, b = key.split("->", 1)
        return a.strip(), b.strip(), False
    if key.count("-") == 1:
        a, b = key.split("-")
        return a.strip(), b.strip(), True
    raise ValueError(f"malformed pair {key!r}; allowed: 'A-B' (both directions) or 'A->B' (one)")


UNSAFE = set('/\\:*?"<>|')
NAME_BYTES = 100  # a name's most bytes (UTF-8): with the tool's suffixes (a date, `.partial`), within a file name's 255
# characters that reorder or hide the text around them (bidirectional controls): a name holding one
# can show as another name in a listing or an error
BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")


def file_name_problem(name: str) -> str | None:
    """Why `name` cannot become part of a file or folder name (None: it can).

    A scenario's name and its actors' names name results folders and figures: no path
    separators, no control characters, nothing a shell or another system reads specially,
    no leading dot (a hidden file, or '..': the folder above), and few enough bytes that the
    suffixes the tool adds (`-20250101-120000`, `.as-XXXXXXXX.partial`) keep it within a file
    system's 255."""
    size = len(name.encode("utf-8", "surrogatepass"))
    if not name or size > NAME_BYTES:
        return f"a name of 1 to {NAME_BYTES} bytes in UTF-8 (this one has {size}; a letter outside ASCII takes 2 to 4)"
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in name):
        return "a name without control characters"
    if set(name) & BIDI:
        return "a name without bidirectional control characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)"
    if set(name) & UNSAFE:
        return f"a name without {' '.join(sorted(set(name) & UNSAFE))} (no path separators or reserved characters)"
    if name[0] in ". -" or name[-1] in ". ":
        return "a name that does not start with a dot, a space or a dash, nor end with a dot or a space"
    return None


# the pair tables: a path may name a pair they do not list yet
FREE_KEYS = ("alignment", "interests", "cooperation", "potential", "ties")


def set_path(data: dict, path: str, value: Any) -> None:
    """Set data[a][b][c] = value for path 'a.b.c'; only pair tables may gain new keys."""
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            key = int(key) if key.isdigit() else key
            if not isinstance(key, int) or key >= len(node):
                raise KeyError(f"unknown field {'.'.join(keys[: depth + 1])!r}")
        elif not isinstance(node, dict) or (key not in node and not (last and keys[0] in FREE_KEYS)):
            allowed = (f"{did_you_mean(key, node)}; allowed: {', '.join(map(str, node))}"
                       if isinstance(node, dict) and node else "")
            raise KeyError(f"unknown field {'.'.join(keys[: depth + 1])!r}{allowed}")
        if last:
            node[key] = value
        else:
            node = node[key]


def get_setting(data: dict, key: str) -> Any:
    """The value of a field (`path`), of an event's setting (`path@QUARTER`) or of an event's shock
    (`shift.alignment.A-B@QUARTER`) in scenario data."""
    path, _, at = expand_path(key).partition("@")
    if not at:
        return get_path(data, path)
    table, name = _dated_entry(data, path, at)
    return table[name]


def get_path(data: dict, path: str) -> Any:
    node = data
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def did_you_mean(word: str, options) -> str:
    """' (did you mean X?)' for the closest of `options` to a misspelt `word`, or '' if none is close."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
