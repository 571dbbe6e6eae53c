"""Evaluation jobs in worker processes, with progress sent back through a managed queue.

The caller passes the job function (`runner.run_job`), so this module imports nothing of the
evaluation: a worker process finds the function again by its module and name."""

from __future__ import annotations

import multiprocessing
import queue as queues
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from typing import Any, TypeVar

Result = TypeVar("Result")
Progress = Callable[[int], None]


def job_in_worker(job: Callable[..., Result], args: tuple[Any, ...], ticks: Any) -> Result:
    """`job(*args, progress)` in a worker, each progress tick put on the managed queue."""
    return job(*args, ticks.put)


def run_in_processes(
    job: Callable[..., Result], jobs: Sequence[tuple[Any, ...]], workers: int, progress: Progress
) -> list[Result]:
    """`job(*args, progress)` for each `args` of `jobs`, in up to `workers` processes; the
    results in the order of `jobs`."""
    with multiprocessing.Manager() as manager, ProcessPoolExecutor(workers) as pool:
        ticks = manager.Queue()
        futures = [pool.submit(job_in_worker, job, args, ticks) for args in jobs]
        pending = set(futures)
        while pending:
            drain(ticks, progress)
            _, pending = wait(pending, timeout=0.1)
        drain(ticks, progress)
        return [f.result() for f in futures]


def drain(ticks: Any, progress: Progress) -> None:
    while True:
        try:
            progress(ticks.get_nowait())
        except queues.Empty:
            return
