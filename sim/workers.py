"""Local worker processes for batches.

Workers come from a forkserver that has imported the package once: each starts in
milliseconds, clean (not a fork of a process that may hold threads). Starting the server
early lets its imports overlap with the parent's own start-up work.
"""

import multiprocessing
from multiprocessing import forkserver


def context() -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.batch", "pyarrow.parquet"])
    return ctx


def warm_up() -> None:
    """Start the forkserver now, in the background (it imports the package meanwhile)."""
    context()
    forkserver.ensure_running()
