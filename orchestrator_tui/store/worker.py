"""The one thread that writes the engine's history, budgets and cache, on a connection of its
own, so that a database held busy by another process (the busy timeout is 10 s) never blocks
the event loop. Work runs in the order it is submitted; a reservation stays one IMMEDIATE
transaction, so budgets stay atomic across processes.

The thread is not a daemon: at exit, Python waits for the writes already submitted, so a
call's cost is kept even when the command is cancelled.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_workers: dict[str, StoreWorker] = {}
_lock = threading.Lock()


def _forget_after_fork() -> None:
    """A forked child has none of its parent's threads: it starts its own workers."""
    global _lock
    _workers.clear()
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


class StoreWorker:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orch-store")
        path = database_file(db)
        # A file gets a connection of its own (the caller's may be used on its own thread
        # meanwhile); an in-memory database can only be shared.
        self.owns_db = bool(path)
        self.db = self.executor.submit(reopen, path).result() if path else db

    def close(self) -> None:
        """After the work already submitted: close the thread's own connection (on it), so
        SQLite folds and removes its write-ahead log, and end the thread."""
        if self.owns_db:
            self.executor.submit(self.db.close).result()
        self.executor.shutdown(wait=True)


def close_all() -> None:
    """Close every worker of this process (a command ends); a later write starts anew."""
    with _lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.close()


def database_file(db: sqlite3.Connection) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row is not None else ""


def reopen(path: str) -> sqlite3.Connection:
    from .db import open_db

    return open_db(Path(path), migrate_schema=False)


def worker_for(db: sqlite3.Connection) -> StoreWorker:
    """The process's worker for the database `db` is connected to."""
    key = database_file(db) or f"memory:{id(db)}"
    with _lock:
        if key not in _workers:
            _workers[key] = StoreWorker(db)
        return _workers[key]
