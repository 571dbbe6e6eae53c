"""Evaluation jobs in worker processes, with progress sent back through a managed queue."""

from __future__ import annotations

import multiprocessing
import queue as queues
from concurrent.futures import ProcessPoolExecutor, wait

from .runner import run_job


def job_in_worker(reference, held_out, learned, ticks):
    return run_job(reference, held_out, learned, ticks.put)


def run_in_processes(jobs, learned: bool, workers: int, progress) -> list:
    with multiprocessing.Manager() as manager, ProcessPoolExecutor(workers) as pool:
        ticks = manager.Queue()
        futures = [pool.submit(job_in_worker, ref, held, learned, ticks) for ref, held in jobs]
        pending = set(futures)
        while pending:
            drain(ticks, progress)
            _, pending = wait(pending, timeout=0.1)
        drain(ticks, progress)
        return [f.result() for f in futures]


def drain(ticks, progress) -> None:
    while True:
        try:
            progress(ticks.get_nowait())
        except queues.Empty:
            return
