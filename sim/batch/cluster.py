"""Batches on a Dask cluster: chunks computed on workers, written by the client.

Each chunk is one Dask task, computed from the plan and its run ids alone, so a task that
is run again (its worker died, was killed, ran out of memory) gives the same rows. The
client writes each chunk's parts atomically as its result arrives, so the staging folder
only ever holds whole chunks, and `--resume` covers the client itself being killed.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..extras import require
from .local import WorkerLost, pool
from .plan import Plan, compute_chunk
from .progress import Progress
from .store import write_chunk


@contextmanager
def executor(workers: int = 1, scheduler: str | None = None):
    """Where independent tasks are computed: in this process (None), in `workers` local processes,
    or on the Dask cluster at `scheduler` (a concurrent.futures Executor either way). A task's result
    depends on its arguments alone, so the numbers are the same wherever they are computed."""
    if scheduler is None and workers <= 1:
        yield None
    elif scheduler is None:
        local = pool(workers)
        try:
            yield local
        finally:  # on an interruption, the tasks not started are dropped, not computed first
            local.shutdown(cancel_futures=True)
    else:
        client, cluster = connect(workers, scheduler, say=lambda _: None)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()  # so that it does not linger reconnecting to a cluster its owner shuts down
            if cluster is not None:
                cluster.close()


def connect(workers: int, scheduler: str | None, say=print, scratch: str | None = None):
    """A Dask client: of the cluster at `scheduler`, or of a LocalCluster started here, its workers'
    scratch space in `scratch`."""
    distributed = require("distributed", "distributed", "the Dask executor")
    if scheduler:
        client = distributed.Client(scheduler, timeout="20s")
        cluster = None
    else:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address="127.0.0.1:0", host="127.0.0.1", local_directory=scratch,
                                           scheduler_kwargs={"local_directory": scratch})
        client = distributed.Client(cluster)
    link = client.dashboard_link if client.scheduler_info().get("services", {}).get("dashboard") else None
    n = len(client.scheduler_info()["workers"])
    say(f"Dask: {n} workers at {client.scheduler.address}" + (f"; dashboard: {link}" if link else ""))
    return client, cluster


def run_on_dask(plan: Plan, staging: Path, todo: list, workers: int, progress: Progress,
                scheduler: str | None = None, say=print) -> None:
    distributed = require("distributed", "distributed", "the Dask executor")
    # the workers' scratch space (Dask's default: dask-scratch-space in the system's temporary folder,
    # left behind by a stopped command) is this command's own, removed however it ends short of SIGKILL
    scratch = tempfile.mkdtemp(prefix="alliance-sim-dask-")
    client, cluster = connect(workers, scheduler, say, scratch)
    try:
        tag = plan.scenario.digest()[:12]
        futures = {client.submit(compute_chunk, plan, runs, key=f"alliance-chunk-{tag}-{k}", pure=False): (k, runs)
                   for k, runs in todo}
        for future, tables in distributed.as_completed(futures, with_results=True):
            k, runs = futures[future]
            write_chunk(staging, k, tables)
            progress.advance(len(runs))
            future.release()
    except distributed.KilledWorker as exc:
        raise WorkerLost(f"Dask gave up on a chunk after its workers died computing it ({exc})") from None
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(scratch, ignore_errors=True)

