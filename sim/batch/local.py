"""Running a batch's chunks on this machine: in this process, or in a pool of worker processes.

Workers come from a forkserver that has imported the package once: each starts in
milliseconds, clean (not a fork of a process that may hold threads). Starting the server
early lets its imports overlap with the parent's own start-up work. A process that
computes chunks keeps the memory it frees, for the next chunk (`reuse_memory`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from pathlib import Path

from .plan import BatchError, Plan, chunk_runs, chunk_tables
from .progress import Progress
from .store import write_chunk


class WorkerLost(BatchError):
    """A worker process ended before its chunk was written (killed: by a signal, or by the system when
    memory ran out); the chunks written are kept for --resume."""


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
KEEP_BELOW = 1 << 30  # blocks under 1 GiB come from (and return to) the process's own heap


def context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.batch.orphan", "sim.batch.local", "pyarrow.parquet"])
    return ctx


def warm_up() -> None:
    """Start the forkserver now, in the background (it imports the package meanwhile)."""
    context()
    forkserver.ensure_running()


PR_SET_PDEATHSIG = 1  # Linux prctl: a signal for this process when its parent ends


def die_with_parent() -> None:
    """A worker ends with the process that started it, even one killed outright (SIGKILL): its parent
    (the forkserver) ends when the command does, and the kernel then stops the worker."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() == 1:  # the parent ended before the request was made
        os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes from the forkserver, each ending with this command."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=context(), initializer=die_with_parent)


def reuse_memory() -> None:
    """Have this process reuse the memory it frees, in ordinary pages.

    A chunk allocates and frees arrays of tens of megabytes. By default glibc hands each
    back to the system when it is freed, and numpy asks for huge pages, so every chunk pays
    again for fresh zeroed memory; on virtual machines that is dear (measured: 10-20% of a
    chunk's time, and about 0.3 s more for a new worker's first chunk). With this the
    process keeps its peak, one chunk's worth, and reuses it. A setting the C library or
    numpy lacks is skipped.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc
    except (OSError, AttributeError):
        pass
    else:
        mallopt(M_MMAP_THRESHOLD, KEEP_BELOW)
        mallopt(M_TRIM_THRESHOLD, KEEP_BELOW)
    import numpy as np

    set_huge_pages = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if set_huge_pages is not None:
        set_huge_pages(False)


def run_here(plan: Plan, staging: Path, todo: list, progress: Progress) -> None:
    """The chunks in this process: each is simulated here while a second thread makes and writes
    the tables of the one before. The compiled engine and Parquet's writer release the
    interpreter, so recording costs little beside simulating. At most one chunk waits to be
    recorded (`Plan.check_memory` counts it)."""
    reuse_memory()
    with ThreadPoolExecutor(max_workers=1) as recorder:
        pending = None
        for k, runs in todo:
            traj = chunk_runs(plan, runs)
            if pending is not None:
                progress.advance(pending.result())
            pending = recorder.submit(_record, plan, staging, k, runs, traj)
        if pending is not None:
            progress.advance(pending.result())


def _record(plan: Plan, folder: Path, k: int, runs: range, traj) -> int:
    """Make and write the tables of a chunk's runs; returns its number of runs."""
    write_chunk(folder, k, chunk_tables(plan, runs, traj))
    return len(runs)


def _job(plan: Plan, folder: Path, k: int, runs: range) -> int:
    """Simulate and record one chunk (in a local worker); returns its number of runs."""
    reuse_memory()
    return _record(plan, folder, k, runs, chunk_runs(plan, runs))


def run_local(plan: Plan, staging: Path, todo: list, workers: int, progress: Progress) -> None:
    """Compute and write the chunks `todo` ((number, runs) pairs): here if workers <= 1, else in a pool."""
    if workers <= 1:
        return run_here(plan, staging, todo, progress)
    executor = pool(workers)
    pending = {executor.submit(_job, plan, staging, k, runs) for k, runs in todo}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                progress.advance(future.result())
    except BrokenProcessPool:
        raise WorkerLost("a worker process ended abruptly (killed by a signal, or by the system when memory ran out)") \
            from None
    finally:
        # all chunks are on disk once their futures are done: let idle workers exit on their own
        executor.shutdown(wait=False, cancel_futures=True)
