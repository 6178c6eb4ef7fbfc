"""Where a tick's batches run: worker processes kept for the life of the calling process.

The day's rules are Python, so threads would share one CPU: each worker process simulates a batch
on its own connection while another batch is being written. The pool starts on first use, through
multiprocessing's forkserver (safe in a threaded service: no fork of other threads' locks), and is
kept, so that only the first tick pays for starting processes. Each worker keeps its connection
between batches (`Database.session`).
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from driftworld.engine.account_day import Outcome, Simulator, Target
from driftworld.model.factory import Account, Id
from driftworld.model.state import WorldSettings
from driftworld.store.database import Database, first_line
from driftworld.store.world_io import adapt_connection

Outcomes = dict[Id, Outcome]

_pool: tuple[int, ProcessPoolExecutor] | None = None
_pool_lock = threading.Lock()


def worker_count(configured: int) -> int:
    """DRIFTWORLD_TICK_WORKERS, or one per CPU when it is 0; 1 (stay in this process) inside a daemonic
    process (a multiprocessing pool's worker, say), which may not start processes of its own."""
    if multiprocessing.current_process().daemon:
        return 1
    return configured or os.cpu_count() or 1


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != workers:
            if _pool is not None:
                _pool[1].shutdown(wait=False)  # another worker count was asked for; running batches finish
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["driftworld.engine.account_day"])
            _pool = (workers, ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started))
        return _pool[1]


def start_workers(workers: int) -> None:
    """Start the pool's processes now (the forkserver, each worker's imports), so that the time a first
    batch takes is the database's and the simulation's alone."""
    pool = _shared_pool(workers)
    list(pool.map(_started, range(workers)))


def _started(_: int) -> int:
    return os.getpid()


def shutdown_workers() -> None:
    """End the worker processes and release what the pool holds (its queues' semaphores): a service
    calls it when it stops, so that nothing is left for multiprocessing's resource tracker to report."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool[1].shutdown(wait=True, cancel_futures=True)


def abandon_workers() -> None:
    """Kill the worker processes, whose calls wait on a database that answers nothing (their sockets
    close with them), and forget the pool: the waiting batches fail, the next tick starts a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        for process in list(pool[1]._processes.values()):  # the executor offers no public handle on them
            process.kill()
        pool[1].shutdown(wait=False, cancel_futures=True)


def pool_running(workers: int) -> bool:
    """Whether this process already has its pool of `workers` workers: their connections are open and
    their statements prepared, so even a single batch runs faster there than on a new connection."""
    with _pool_lock:
        return _pool is not None and _pool[0] == workers


def _discard(broken: ProcessPoolExecutor) -> None:
    """A worker died (killed, out of memory): the next tick starts a new pool."""
    global _pool
    with _pool_lock:
        if _pool is not None and _pool[1] is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def run_in_workers(
    database: Database,
    settings: WorldSettings,
    now: dt.datetime,
    target: Target,
    chunks: list[list[Account]],
    workers: int,
) -> Iterator[Outcomes]:
    """Each chunk's outcomes, in order. A chunk whose batch could not run at all (its worker lost the
    database, or died) comes back as a failure of each of its accounts, so the others' outcomes, and
    what they committed, are still reported. Chunks not yet started are cancelled if the caller stops
    early."""
    pool = _shared_pool(workers)
    run = functools.partial(_run_batch, database, settings, now, target)
    futures = [pool.submit(run, chunk) for chunk in chunks]
    try:
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                yield future.result()
            except BrokenProcessPool as error:
                _discard(pool)
                yield failed(chunk, f"a worker process ended: {first_line(error)}")
            except Exception as error:  # reported per account; never taken for "no data"
                yield failed(chunk, f"{type(error).__name__}: {first_line(error)}")
    finally:
        for future in futures:
            future.cancel()


def failed(chunk: list[Account], error: str) -> Outcomes:
    """The same failure for every account of a batch that could not run."""
    return {account.id: Outcome("failed", error=error) for account in chunk}


# -- inside a worker process -------------------------------------------------------------------------


def _worker_started() -> None:
    """Ctrl-C in a terminal reaches every process of the group: the tick's caller decides what it means
    (the batches under way finish, their days stay), so a worker ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """A worker ends when the process that started it dies (a tick or a service killed): Python's pool
    workers would otherwise wait for work forever, each keeping its connection (and its forkserver)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ended, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ended(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _run_batch(
    database: Database, settings: WorldSettings, now: dt.datetime, target: Target, chunk: list[Account]
) -> Outcomes:
    with database.session() as conn:
        adapt_connection(conn)
        conn.prepare_threshold = 0  # a worker runs the same statements every batch: prepared from the first one
        return Simulator(conn, settings, now).run(chunk, target)
