"""Where trials run: in this process, a local process pool, or a Dask cluster; one interface.

Every executor offers ``submit(job) -> future``, ``wait(futures, timeout) -> done``,
``capacity()`` (how many trials may run at once), ``cancel(futures)`` and ``close()``.
A future's ``result()`` is the outcome dict of :func:`.trial.run_trial`; it raises only when
the infrastructure failed (a worker process died), never for an objective's error.

* ``InlineExecutor``: runs the trial inside ``submit`` (``workers=1``); Ctrl-C reaches it
  through the ``stop`` function, so a recipe stops at the end of its epoch.
* ``PoolExecutor``: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start
  method (no fork of a process holding threads or an open database); each worker ignores
  SIGINT (the driver handles Ctrl-C) and uses one BLAS thread. A worker killed mid-trial
  breaks the pool: the driver makes a new one and submits the trial again.
* ``DaskExecutor``: ``distributed.Client(address)``. A worker that dies mid-trial is
  handled by the scheduler, which runs the task again on another worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from .trial import limit_threads, run_trial

__all__ = ["DaskExecutor", "InlineExecutor", "PoolExecutor", "make_executor"]

# The documented Dask override: do not let the Nanny set MALLOC_TRIM_THRESHOLD_ (glibc then
# keeps its adaptive mmap threshold; with the variable set, NumPy trials ran 2.3x slower).
DASK_MALLOC_OVERRIDE = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
DASK_MALLOC_ENV = "DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_"


class InlineExecutor:
    """Runs each trial in this process, one at a time."""

    name = "in-process"

    def __init__(self, stop: Callable[[], bool] | None = None) -> None:
        self._stop = stop

    def capacity(self) -> int:
        return 1

    def submit(self, job: dict[str, Any]) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(run_trial(job, stop=self._stop))
        except BaseException as exc:  # run_trial catches the objective's errors itself
            fut.set_exception(exc)
        return fut

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        return {f for f in futures if f.done()}

    def cancel(self, futures: Iterable[Any]) -> None:
        pass

    def close(self) -> None:
        pass


def _pool_worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver alone handles Ctrl-C
    limit_threads()


class PoolExecutor:
    """A local pool of ``workers`` processes, one BLAS thread each."""

    name = "local pool"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: cf.ProcessPoolExecutor | None = None
        cores = os.cpu_count() or 1
        if workers > cores:
            warnings.warn(f"sweep: {workers} workers x 1 BLAS thread exceed the {cores} cores of "
                          "this machine; trials will compete for them (use workers <= cores)",
                          RuntimeWarning, stacklevel=3)

    def _ensure(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp

            self._pool = cf.ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=_pool_worker_init)
        return self._pool

    def capacity(self) -> int:
        return self.workers

    def submit(self, job: dict[str, Any]) -> cf.Future:
        try:
            return self._ensure().submit(run_trial, job)
        except cf.process.BrokenProcessPool:
            self.restart()
            return self._ensure().submit(run_trial, job)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        done, _ = cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def restart(self) -> None:
        """Replace a broken pool (a worker died) by a fresh one."""
        self.close()

    def cancel(self, futures: Iterable[Any]) -> None:
        for f in futures:
            f.cancel()
        self._kill_workers()

    def _kill_workers(self) -> None:
        pool = self._pool
        if pool is None:
            return
        for proc in list(getattr(pool, "_processes", {}).values()):  # running trials too
            if proc.is_alive():
                proc.kill()

    def close(self) -> None:
        if self._pool is not None:
            self._kill_workers()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Trials as tasks on a Dask distributed cluster at ``address``."""

    name = "dask"

    def __init__(self, address: str, timeout: float = 30) -> None:
        import dask
        from distributed import Client

        dask.config.set(DASK_MALLOC_OVERRIDE)  # for any Nanny started from this process
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as exc:
            raise OSError(f"sweep: cannot reach the Dask scheduler at {address}: {exc}; start "
                          "it with `dask scheduler` (see the README)") from None

    def capacity(self) -> int:
        n = sum(self.client.nthreads().values())
        return max(n, 1)

    def submit(self, job: dict[str, Any]) -> Any:
        job = dict(job, dask=True)
        return self.client.submit(run_trial, job, pure=False, key=f"trial-{job['number']}-"
                                  f"{os.urandom(4).hex()}")

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        futures = list(futures)
        end = time.monotonic() + timeout
        while True:  # poll: this client is not the process's default one
            done = {f for f in futures if f.done()}
            if done or time.monotonic() >= end:
                return done
            time.sleep(0.02)

    def cancel(self, futures: Iterable[Any]) -> None:
        futures = list(futures)
        if futures:
            self.client.cancel(futures, force=True)

    def close(self) -> None:
        self.client.close()


def make_executor(workers: int | None, address: str | None,
                  stop: Callable[[], bool] | None = None) -> Any:
    """The executor for these options: Dask when ``address`` (or ``$DASK_SCHEDULER_ADDRESS``)
    is set, in-process for ``workers=1``, else a local pool of ``workers`` (default: cores)."""
    address = address or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        return DaskExecutor(address)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError(f"sweep: expected workers >= 1, got {workers}")
    return InlineExecutor(stop) if workers == 1 else PoolExecutor(workers)
