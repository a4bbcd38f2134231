"""Results folders: the resolved scenario, a manifest and tidy Parquet tables; and where every
command may write.

A folder holds `scenario.yaml`, `manifest.json`, `runs.parquet`, `trajectories.parquet`
and `outcomes.parquet`. It is written under a temporary name and renamed into place
when complete, so a folder that exists is never half-written.

One rule holds for every command that writes: it writes only to a path that does not exist, or,
with `--replace`, to one the tool itself wrote (a folder holding its manifest and nothing else, or
a file under a name the tool gives its own). The final move checks again at the moment it happens,
so a file or folder that appears meanwhile is refused, never lost (`publish`).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import re
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..core.outcomes import focal_pair
from ..scenario import Scenario, validate
from ..scenario.loading import LOADER
from ..scenario.paths import file_name_problem
from .query import Table

LIBRARIES = ("alliance-sim", "mesa", "numpy", "pandas", "pyarrow", "duckdb", "matplotlib", "pydantic", "pyyaml")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@contextmanager
def folder_lock(folder: Path, shared: bool = False):
    """Hold a results folder against replacement: readers that write into it (plots, exports, the
    report) share the lock; a writer that replaces the folder waits for them, and they for it. The
    lock is the folder's manifest (a folder with none has no readers), so it leaves no file behind."""
    try:
        handle = open(Path(folder) / "manifest.json", "rb")
    except OSError:  # nothing there yet: nothing to hold
        yield
        return
    with handle:
        _lock(handle, shared)
        yield


def write_table(table: pd.DataFrame, path: Path) -> None:
    """A parquet table written `whole`."""
    with whole(path) as partial:
        table.to_parquet(partial, index=False)


# --- Writing: temporary names, the final move, and the rule for every command ----------------

NAME_MAX = 255  # bytes in one file name on the file systems in use (ext4, XFS, Btrfs, APFS, NTFS)
ROOM = 40  # bytes the tool adds to a name for its temporary names: `.NAME.as-XXXXXXXX.partial`
RESULTS_FILES = ("scenario.yaml", "manifest.json", "runs.parquet", "trajectories.parquet", "outcomes.parquet",
                 "design.parquet", "summary.parquet", "quantiles.parquet")
STALE_AFTER = 10  # seconds: a temporary name no process holds and this old was left by a command killed outright
# what a command killed outright leaves beside its target: the tool's own debris, never a user's file
TEMPORARY = "as-"  # begins the random part of the tool's temporary names, so that a user's look-alike is not one
LEFT_BEHIND = r"\.{name}\.as-[a-z0-9_]{{8}}\.(partial|replaced)"


class Refused(Exception):
    """A path a command will not write, with what to do instead: reported in one line, exit status 2."""


def umask() -> int:
    """The process's umask: from /proc on Linux, else by setting it and back (a moment in which another
    thread's new file would get the default)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _shared(path: Path, folder: bool) -> None:
    """Give a temporary file or folder the permissions the user's umask gives a new one (mkstemp and
    mkdtemp make them private: 0600 and 0700), so that a colleague on a shared drive can read it."""
    os.chmod(path, (0o777 if folder else 0o666) & ~umask())


def _hold(fd: int) -> None:
    """Mark a temporary file or folder as in use for as long as this process lives (`_abandoned`)."""
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):  # not POSIX, or a file system without locks: it is then never swept
        pass


def _abandoned(path: Path) -> bool:
    """Whether a temporary name was left by a command that has ended: no process holds it (its lock
    ends with its process, however it ends) and it is not brand new. A batch's staging folder is
    never one: it is kept for --resume."""
    try:
        import fcntl

        if time.time() - os.lstat(path).st_mtime < STALE_AFTER or (path / "batch.json").exists():
            return False
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except (ImportError, OSError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by a live process, or no locks on this file system: it may be in use
        return False
    finally:
        os.close(fd)
    return True


def sweep(target: Path) -> list[Path]:
    """Remove what earlier commands killed outright left beside `target`: its temporary names
    (`.NAME.as-XXXXXXXX.partial`, `.NAME.as-XXXXXXXX.replaced`) that no process holds. A `.replaced`
    one (a folder being replaced) is removed only once its replacement is in place."""
    target = Path(target)
    pattern = re.compile(LEFT_BEHIND.format(name=re.escape(target.name)))
    removed = []
    try:
        entries = [Path(e.path) for e in os.scandir(target.parent) if pattern.fullmatch(e.name)]
    except OSError:
        return removed
    for path in entries:
        if (path.name.endswith(".partial") or os.path.lexists(target)) and _abandoned(path):
            _remove(path)
            removed.append(path)
    return removed


def _remove(path: Path) -> None:
    if Path(path).is_dir() and not Path(path).is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)


@contextmanager
def _partial_file(path: Path):
    """A new temporary file beside `path` (`.NAME.as-XXXXXXXX.partial`), held by this process and removed
    after the block unless the block has moved it away."""
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.{TEMPORARY}", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        _shared(partial, folder=False)
        _hold(handle)
        yield partial
    finally:
        os.close(handle)
        partial.unlink(missing_ok=True)


@contextmanager
def whole(path: Path):
    """A temporary file beside `path`, renamed to it once the block has written it: a reader never
    finds the file half-written, a failure leaves nothing behind, and two writers never share a
    temporary name. For the tool's own files inside folders it writes (a manifest, a batch's parts);
    a command's outputs go through `new_file`, which follows the rule."""
    with _partial_file(path) as partial:
        yield partial
        partial.replace(path)


@contextmanager
def new_file(path: Path, replace: bool = False, own: Callable[[Path], object] | None = None, recorded: bool = True):
    """A temporary file beside `path`, moved to it once the block has written it, under the rule
    (`publish`): onto a name that does not exist, or, with `replace`, in place of a file `own`
    accepts as the tool's (default: a file this tool wrote there, unchanged since: `written_file`,
    as the folder's ledger records it, unless not `recorded`: a file that is never replaced)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep(path)
    with _partial_file(path) as partial:
        yield partial
        if recorded:
            record_written(path.parent, [partial])
        publish(partial, path, replace, own or written_file)


@contextmanager
def beside(folder: Path):
    """A new temporary folder beside `folder` (the same file system, so that a rename moves it in
    one step), held by this process, removed after the block unless the block has moved it away.
    Those an earlier command killed outright left behind are removed first."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    sweep(folder)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{TEMPORARY}", suffix=".partial", dir=folder.parent))
    handle = None
    try:
        _shared(partial, folder=True)
        handle = os.open(partial, os.O_RDONLY)
        _hold(handle)
        yield partial
    finally:
        if handle is not None:
            os.close(handle)
        shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def staged(folder: Path, replace: bool = False):
    """A temporary folder to write a set of files into; once the block ends, each is moved into
    `folder` (made if missing) under the rule: a file of the same name is replaced only with
    `replace` (all are checked before any is moved), or, after a failure, the lot removed: a
    reader never finds the set half-written."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise Refused(f"{folder} exists and is not a folder; allowed: a folder for the files, or a new name")
    with beside(folder) as partial:
        yield partial
        written = sorted(partial.iterdir())
        check_files(folder, [path.name for path in written], replace)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise Refused(f"{folder} appeared as a file while the command ran; it is left as it is: choose another "
                          "--out") from None
        record_written(folder, written)
        for path in written:
            publish(path, folder / path.name, replace, written_file)


def check_files(folder: Path, names: Iterable[str], replace: bool) -> None:
    """Refused unless each of `names` in `folder` is new, or, with `replace`, a file this tool wrote
    there: a command that writes files under names it gives them checks before it starts, and again
    at each move."""
    for name in names:
        path = Path(folder) / name
        if os.path.lexists(path):
            if not replace:
                raise Refused(f"{path} exists; pass --replace to replace it, or choose another --out")
            written_file(path)


def check_file(path: Path, suffixes: tuple[str, ...], replace: bool, own: Callable[[Path], object] | None = None) -> None:
    """Refused, before the work, unless a file may be written at `path`: a name ending in one of
    `suffixes`, and new, or with `replace` one `own` accepts (default: a file this tool wrote there)."""
    if Path(path).suffix.lower() not in suffixes:
        raise Refused(f"--out {path}: allowed: a file name ending in {' or '.join(suffixes)}")
    if os.path.lexists(path):
        if not replace:
            raise Refused(f"{path} exists; pass --replace to replace it, or choose another --out")
        (own or written_file)(path)


def tool_file(path: Path) -> str:
    """What --replace replaces at `path`, a name the tool gives its own outputs: a regular file (not
    a folder, a link or a device, which the tool never writes there), or Refused."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a link" if stat.S_ISLNK(mode) else "not a regular file"
        raise Refused(f"{path} exists and is {kind}, which this command never writes there; --replace replaces only "
                      "files it wrote: move it away, or choose another --out")
    return str(path)


def written_file(path: Path) -> str:
    """What --replace replaces at `path`, a name the tool gives its own outputs: a regular file this
    tool wrote in that folder and nobody changed since (its folder's ledger holds the file's
    fingerprint), or Refused: a file of the same name that a user made is never replaced."""
    tool_file(path)
    if _fingerprint(path) not in _ledger(Path(path).parent):
        raise Refused(f"{path} exists, and alliance-sim did not write it or it has changed since; --replace replaces only "
                      f"files the tool recorded writing in {LEDGER} (a version before 2026-12 kept no record): move it "
                      "away, or choose another --out")
    return str(path)


LEDGER = ".alliance-sim-written.json"  # in a folder the tool writes files into: the fingerprints of those it wrote


def _fingerprint(path: Path) -> list[int]:
    """What changes when a file is rewritten or replaced: its device, inode, size and modification time."""
    found = os.lstat(path)
    return [found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns]


def _ledger(folder: Path) -> list[list[int]]:
    path = Path(folder) / LEDGER
    if path.is_symlink() or not path.is_file():
        return []
    with open(path, "rb") as handle:
        _lock(handle, shared=True)
        return _entries(handle.read())


def _entries(text: bytes) -> list[list[int]]:
    try:
        found = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []
    return [entry for entry in found if isinstance(entry, list)] if isinstance(found, list) else []


def record_written(folder: Path, files: Iterable[Path]) -> None:
    """Add to `folder`'s ledger the files the tool is about to move into it (a rename keeps what a
    fingerprint holds), before the move, so that a second command never finds a file of the first's
    unrecorded; the entries of files no longer there as written are dropped. The ledger is locked while
    it changes, so that two commands writing into one folder both keep theirs."""
    path = Path(folder) / LEDGER
    if path.is_symlink():
        raise Refused(f"{path} is a link; the tool keeps its own file there: move the link away")
    with open(path, "a+b") as handle:
        _lock(handle, shared=False)
        handle.seek(0)
        present = [_fingerprint(p) for p in Path(folder).iterdir()
                   if p.name != LEDGER and p.is_file() and not p.is_symlink()]
        kept = [entry for entry in _entries(handle.read()) if entry in present]
        handle.seek(0)
        handle.truncate()
        handle.write((json.dumps(kept + [_fingerprint(p) for p in files]) + "\n").encode())


def _lock(handle, shared: bool) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no other command to wait for
        return
    fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)


@cache
def _renameat2():
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return None


AT_FDCWD, RENAME_NOREPLACE = -100, 1


def rename_new(source: Path, target: Path) -> None:
    """Rename `source` to `target`, refusing (FileExistsError) if `target` exists, even if it appeared an
    instant before: the kernel checks at the moment of the rename (renameat2, RENAME_NOREPLACE)."""
    call = _renameat2()
    if call is not None:
        if call(AT_FDCWD, os.fsencode(source), AT_FDCWD, os.fsencode(target), RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # else: a file system without it
            raise OSError(code, os.strerror(code), str(target))
    if Path(source).is_dir() and not Path(source).is_symlink():
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
        os.rename(source, target)  # onto a folder that appeared since only if it is empty: nothing is lost
        return
    try:
        os.link(source, target)  # fails if `target` exists, at the moment of the link
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
        if os.path.lexists(target):  # a file system without links
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.rename(source, target)
    else:
        os.unlink(source)


@contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait until the block has ended: a replacement is never left half-done."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def publish(partial: Path, target: Path, replace: bool = False, own: Callable[[Path], object] = None) -> None:
    """Move a finished file or folder `partial` to `target` under the rule, checked at the moment of
    the move: onto a name that does not exist; or, with `replace`, in place of what `own` accepts as
    the tool's (it raises Refused otherwise), which is first moved aside under a hidden name and
    checked again there, so that nothing that appeared or changed meanwhile is ever deleted."""
    own = own or replacing
    target = Path(target)
    try:
        with _signals_held():
            rename_new(partial, target)
        return
    except FileExistsError:
        if not replace:
            raise Refused(f"{target} exists (it appeared while the command ran); it is left as it is: choose another "
                          "--out, or pass --replace to replace what alliance-sim wrote") from None
    own(target)
    aside = target.parent / f".{target.name}.{TEMPORARY}{secrets.token_hex(4)}.replaced"
    with folder_lock(target), _signals_held():
        rename_new(target, aside)
        try:
            own(aside)
        except Refused:
            rename_new(aside, target)
            raise Refused(f"{target} changed while it was being replaced; it is left as it is: rerun") from None
        try:
            rename_new(partial, target)
        except FileExistsError:
            raise Refused(f"{target} appeared again while it was being replaced; it is left as it is, and what it "
                          f"replaced is kept in {aside}") from None
    _remove(aside)


def claim(out: str | Path, reads: Iterable[str | Path] = (), option: str = "--out", holder: bool = False) -> Path:
    """`out` made absolute, once checked to be a place a command may write: a name the file system
    takes with the tool's temporary suffixes, not a file or folder the command reads, nor one of the
    own files of a results folder it reads (its plots/ or report.html may be written there; its
    manifest or tables not), and, unless `out` is a `holder` (a folder the command writes files into
    under names it gives them), not a folder holding what the command reads (it would be replaced)."""
    text = os.fspath(out)
    if "\0" in text:
        raise Refused(f"{option} {text!r}: allowed: a path without a NUL character")
    path = Path(os.path.abspath(text))
    if not path.name:
        raise Refused(f"{option} {text}: allowed: a path naming a file or folder, not the root of the file system")
    if (size := len(os.fsencode(path.name))) > NAME_MAX - ROOM:
        raise Refused(f"{option} {text}: its last part is {size} bytes long; allowed: at most {NAME_MAX - ROOM} (a "
                      f"name holds {NAME_MAX} bytes, and the tool adds up to {ROOM} for its temporary names)")
    real = Path(os.path.realpath(path))
    for read in reads:
        source = Path(os.path.realpath(read))
        if source == real or (source.is_relative_to(real) and not holder):
            holds = "that is" if source == real else "that holds"
            raise Refused(f"{option} {text}: {holds} {read}, which this command reads; allowed: a path outside it")
        if real.is_relative_to(source) and source.is_dir():
            first = real.relative_to(source).parts[0]
            if first in own_files(source):
                raise Refused(f"{option} {text}: {first} is one of the files of {read}, which this command reads; "
                              "allowed: a new name, outside its own files")
            if not holder and first not in INSIDE:
                raise Refused(f"{option} {text}: that is inside {read}, which this command reads; allowed: a path "
                              "outside it")
    return path


INSIDE = {"plots", "export", "report.html", "export.xlsx"}  # what commands write inside a results folder they read


def own_files(folder: Path) -> set[str]:
    """The names a folder the tool wrote holds of its own: those its manifest lists (folders written
    since it lists them), or those of a results folder."""
    found = _manifest(folder)
    listed = found.get("files") if found else None
    return set(listed) if isinstance(listed, list) else {*RESULTS_FILES, "batch.json"}


def _manifest(folder: Path) -> dict | None:
    """The manifest of a folder the tool wrote (a plain folder holding a readable manifest.json naming
    its scenario), or None."""
    path = Path(folder) / "manifest.json"
    if Path(folder).is_symlink() or not Path(folder).is_dir() or not path.is_file():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return found if isinstance(found, dict) and "scenario" in found else None


def replacing(folder: Path) -> str | None:
    """What `--replace` would replace at `folder`, in words (None: nothing there), or Refused: only a
    folder the tool wrote (it holds its manifest) is replaced, and only when it holds nothing else
    (a report, an export, a user's notes added later are kept: the user moves them away first),
    and not from inside it."""
    folder = Path(folder)
    if not os.path.lexists(folder):
        return None
    found = _manifest(folder)
    if found is None:
        raise Refused(f"{folder} exists and is not a results folder of alliance-sim (no readable manifest.json); "
                      "--replace only replaces those: choose another --out, or move it away yourself")
    if Path(os.path.realpath(Path.cwd())).is_relative_to(os.path.realpath(folder)):
        raise Refused(f"{folder} is the current folder or holds it; allowed: replacing it from outside (cd out of it "
                      "first)")
    own = own_files(folder)
    debris = re.compile(LEFT_BEHIND.format(name=".+"))  # a plot or export killed outright: the tool's, swept later
    extra = sorted(name for name in os.listdir(folder)
                   if name not in own and name != LEDGER and not debris.fullmatch(name))
    if extra:
        shown = ", ".join(name + ("/" if (folder / name).is_dir() else "") for name in extra[:8])
        more = f" and {len(extra) - 8} more" if len(extra) > 8 else ""
        raise Refused(f"{folder} holds what its runs did not write: {shown}{more}; --replace keeps them: move them out "
                      f"of {folder} (or delete them), then rerun")
    return f"{folder} (results of '{found['scenario']}', written {found.get('created', 'at an unknown time')})"


def new_folder(folder: Path) -> Path:
    """Make `folder` for a command that fills it over time and continues it with --resume (a
    calibration, a decision's search), refusing whatever is there, at the moment it is made: such
    a command starts only in a folder of its own."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()
    except FileExistsError:
        raise Refused(f"{folder} exists; choose another --out (or, to continue what alliance-sim started there, "
                      "pass --resume)") from None
    return folder


def default_folder(scenario: Scenario, suffix: str | None = None, root: Path = Path("results")) -> Path:
    """results/NAME-SUFFIX (default suffix: the time): a folder named after a scenario, whose name the
    scenario's validation has checked to be a plain file name with room for the suffixes (`file_name_problem`)."""
    if file_name_problem(scenario.name):  # a scenario not validated by the loader
        raise ValueError(f"{scenario.name!r} cannot name a results folder: allowed: {file_name_problem(scenario.name)}")
    suffix = datetime.now().strftime("%Y%m%d-%H%M%S") if suffix is None else suffix
    return root / (f"{scenario.name}-{suffix}" if suffix else scenario.name)


def provenance(scenario: Scenario) -> dict:
    """What every folder the tool writes records of how it was made: when, by which command and
    versions, from which scenario."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scenario": scenario.name,
        "scenario_sha256": scenario.digest(),
        "versions": versions(),
        "platform": platform.platform(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
    }


def manifest(scenario: Scenario, engine: str, seeds, seconds: float, **details) -> dict:
    """What a results folder records of how it was made: one definition for runs and batches."""
    return {
        **provenance(scenario),
        "engine": engine,
        "parameters": parameters_used(details.get("posterior"), details.get("posterior_sets")),
        **details,
        "seed": scenario.seed,
        "seeds": [int(s) for s in seeds],
        "wall_time_s": round(seconds, 3),
    }


HAND_SET = "the scenario file's hand-set values (not calibrated; --posterior draws them from a calibration)"


def parameters_used(posterior: str | Path | None, sets: int | None = None) -> str:
    """Which parameters runs used, in words: a calibration's posterior (of `sets` sets), or the file's own values."""
    if posterior is None:
        return HAND_SET
    return f"each run's own set, drawn from the posterior in {posterior}" + (f" ({sets:,} sets)" if sets else "")


def parameters_note(manifest: dict) -> str:
    """Which parameters a folder's runs used, short enough for a figure's subtitle."""
    source = manifest.get("posterior")
    if source is None:
        return "parameters: the file's hand-set values (not calibrated)"
    sets = manifest.get("posterior_sets")
    return f"parameters: posterior '{Path(source).name}'" + (f" ({sets:,} sets, one drawn for each run)" if sets else "")


def write_manifest(folder: Path, found: dict) -> None:
    with whole(Path(folder) / "manifest.json") as path:
        path.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


def check_out(folder: Path, replace: bool) -> str | None:
    """Refused unless a folder may be written at `folder`: nothing there, or, with `replace`, a folder
    the tool wrote (`replacing`). Returns what would be replaced, in words (None: nothing)."""
    if os.path.lexists(folder) and not replace:
        raise Refused(f"{folder} exists; choose another --out or pass --replace")
    return replacing(folder) if replace else None


def contents(tables: dict[str, int]) -> dict:
    """What a manifest records of a folder's contents, to check them against on reading: the files
    written, and the rows of each table."""
    return {"files": ["scenario.yaml", "manifest.json", *[f"{name}.parquet" for name in tables]], "rows": tables}


def write_folder(folder: Path, tables: dict[str, pd.DataFrame], scenario: Scenario, made: dict,
                 replace: bool = False) -> Path:
    """Write everything under a temporary name, then move it into place in one rename (`publish`)."""
    folder = Path(folder)
    check_out(folder, replace)
    with beside(folder) as staging:
        (staging / "scenario.yaml").write_text(scenario.to_yaml(), encoding="utf-8")
        for name, table in tables.items():
            table.to_parquet(staging / f"{name}.parquet", index=False)
        write_manifest(staging, made | contents({name: len(table) for name, table in tables.items()}))
        publish(staging, folder, replace)
    return folder


@dataclass
class Results:
    """A results folder opened: the resolved scenario, its manifest, and its tables.

    The small tables (design, summary) are read at once. Runs, trajectories and outcomes,
    which grow with the number of runs, are read whole the first time they are asked for;
    `table(name)` gives any of them as a query that reads only the rows and columns selected,
    which is how the commands read big folders. A folder replaced since it was opened is not
    read again (DamagedResults): its tables would no longer be those of this manifest.
    """

    path: Path
    scenario: Scenario
    manifest: dict
    design: pd.DataFrame | None = None  # batches: one row per design point
    summary: pd.DataFrame | None = None  # batches: outcomes per design point
    opened: tuple | None = field(default=None, repr=False)  # the folder's identity when it was opened

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run: its id, design point, replicate, seed (and factor values, drawn parameters)."""
        self.check_unchanged()
        return read_table(self.path, "runs")

    @cached_property
    def trajectories(self) -> pd.DataFrame:
        """One row per run, recorded step and directed pair: stance, cooperation, ties (read whole: big)."""
        self.check_unchanged()
        return read_table(self.path, "trajectories")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per run and directed pair: partnership reached, when, and the final values."""
        self.check_unchanged()
        return read_table(self.path, "outcomes")

    def table(self, name: str) -> Table:
        """A table (runs, trajectories, outcomes, design, summary) as a query, read by the engine
        only when asked: `res.table("trajectories").where(point=17, pair="Seoul->Moscow").to_pandas()`."""
        self.check_unchanged()
        return Table.of(self.path, name)

    def focal_outcomes(self) -> Table:
        """The outcomes of the partnership pair alone (one row per run), as a query."""
        a, b = focal_pair(self.scenario)
        return self.table("outcomes").where(pair=f"{a}->{b}")

    def trajectories_at(self, point: int) -> pd.DataFrame:
        """The trajectories of one design point's runs."""
        return self.table("trajectories").where(point=point).to_pandas()

    def check_unchanged(self) -> None:
        """DamagedResults if the folder was replaced (or its manifest rewritten) since it was opened."""
        if self.opened is not None and _identity(self.path) != self.opened:
            raise DamagedResults(f"{self.path} was replaced since it was opened, so its tables are no longer those of "
                                 "the manifest read then; open it again (sim.load_results)")


def _identity(folder: Path) -> tuple | None:
    """What changes when a folder is replaced or its manifest rewritten: their inodes and times."""
    try:
        one, two = os.stat(folder), os.stat(Path(folder) / "manifest.json")
    except OSError:
        return None
    return one.st_dev, one.st_ino, two.st_ino, two.st_mtime_ns, two.st_size


class DamagedResults(Exception):
    """A results folder whose files are unreadable, missing, or changed since they were written."""


def is_results(folder: Path) -> bool:
    return (Path(folder) / "manifest.json").is_file() and (Path(folder) / "scenario.yaml").is_file()


def load_results(path: str | Path) -> Results:
    """Open a results folder, checking what it holds: the manifest, the scenario against the
    manifest's hash, every table it should have, each a regular file (a pipe or a device in its
    place would never end a read) with a Parquet footer (a truncated or emptied file has none),
    and each table's rows against the manifest's count. Its big tables are read when first used
    (`Results`)."""
    folder = Path(path)
    if not is_results(folder):
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json and scenario.yaml)")
    rerun = "rerun the command that wrote it into a new folder"
    opened = _identity(folder)
    manifest = _read_file(folder / "manifest.json", json.loads, rerun)
    scenario = folder_scenario(folder, rerun)
    if manifest.get("scenario_sha256") not in (None, scenario.digest(), scenario.digest(defaults=True)):
        raise DamagedResults(f"{folder / 'scenario.yaml'} was changed after the runs were made (its hash differs from "
                             f"manifest.json's), so it no longer says what the tables hold; restore it, or {rerun}")
    for name, rows in _rows(folder, manifest, rerun).items():
        expected = _expected_rows(manifest, name)
        if expected is not None and rows != expected:
            raise DamagedResults(f"{folder / f'{name}.parquet'} holds {rows:,} rows where manifest.json records "
                                 f"{expected:,}: it was changed after it was written; {rerun}")
    return Results(folder, scenario, manifest, design=read_table(folder, "design"), summary=read_table(folder, "summary"),
                   opened=opened)


def _tables(folder: Path, manifest: dict) -> list[str]:
    """The tables a results folder must hold: a batch's five or six (its manifest names its design), a run's three."""
    batch = "design" in manifest or (Path(folder) / "design.parquet").exists()
    kept = ["quantiles"] if "quantiles" in (manifest.get("rows") or {}) else []  # batches written since they keep them
    return ["runs", "trajectories", "outcomes", *(["design", "summary"] if batch else []), *kept]


def _rows(folder: Path, manifest: dict, rerun: str) -> dict[str, int]:
    """The rows of each table of a folder, from the Parquet footers, or DamagedResults naming a table
    missing, a file that is not a regular one, or a footer that cannot be read."""
    found = {}
    for name in _tables(folder, manifest):
        path = folder / f"{name}.parquet"
        if not os.path.lexists(path):
            raise DamagedResults(f"{path} is missing; {rerun}")
        parts = sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]
        found[name] = 0
        for part in parts:
            if not part.is_file():  # a pipe or a device: reading it would never end, or never be a table
                raise DamagedResults(f"{part} is not a regular file; {rerun}")
            try:
                found[name] += pq.read_metadata(part).num_rows
            except (OSError, pa.ArrowException) as exc:
                raise DamagedResults(f"{part} is damaged ({str(exc).splitlines()[0]}); {rerun}, or into this one "
                                     "with --replace") from None
    return found


def _expected_rows(manifest: dict, name: str) -> int | None:
    """A table's rows as the manifest records them (folders written before it did: the runs alone,
    from the runs or seeds it lists)."""
    rows = manifest.get("rows")
    if isinstance(rows, dict):
        return rows.get(name)
    if name == "runs":
        runs = manifest.get("runs", len(manifest.get("seeds", [])) if "design" not in manifest else None)
        return runs if isinstance(runs, int) else None
    return None


def folder_scenario(folder: Path, rerun: str) -> Scenario:
    """The scenario a folder the tool wrote (results, a calibration) was made from, or DamagedResults
    naming what cannot be read and saying to `rerun`."""
    path = Path(folder) / "scenario.yaml"
    return validate(_read_file(path, lambda text: yaml.load(text, Loader=LOADER), rerun), str(path))


def _read_file(path: Path, parse, rerun: str) -> dict:
    """A results folder's small file parsed into a mapping, or DamagedResults naming it."""
    if not path.is_file():  # missing, or a pipe or a device: reading it would never end, or never be the file
        raise DamagedResults(f"{path} is {'missing' if not os.path.lexists(path) else 'not a regular file'}; {rerun}")
    try:
        found = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DamagedResults(f"{path} cannot be read ({str(exc).splitlines()[0]}); {rerun}") from None
    if not isinstance(found, dict):
        raise DamagedResults(f"{path} does not hold what alliance-sim writes; {rerun}")
    return found


def read_table(folder: Path, name: str, **options) -> pd.DataFrame | None:
    """A table of a results folder whole: one Parquet file, or a folder of parts (batches); None if absent."""
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        return None
    parts = sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]
    return pd.concat([pd.read_parquet(part, **options) for part in parts], ignore_index=True)


def latest(root: Path = Path("results")) -> Path | None:
    """The most recently written results folder under root, if any."""
    found = [p for p in Path(root).glob("*") if p.is_dir() and is_results(p)]
    return max(found, key=lambda p: (p / "manifest.json").stat().st_mtime, default=None)
