"""Building an engine that records like `orch ask`: the one place where the CLI, the TUI and
the Python API attach the history ledger (SQLiteLedger: history and persistent budgets) and
the response cache (SQLiteCache) to an Engine.

The store modules are imported only when recording, so `import orchestrator_tui` stays light.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .config import Settings
from .engine.core import Engine


def build_engine(settings: Settings, *, db: sqlite3.Connection | None = None,
                 record: bool = True, use_cache: bool = True, **engine_options) -> Engine:
    """An Engine on `settings`.

    record: keep every run in the history database and enforce the persistent budgets (as
        `orch ask` does); False gives an engine that keeps nothing and caches nothing.
    db: the history database to record to; opened from the orch home when None.
    use_cache: answer from (and fill) the response cache when `settings.cache` is on.
    engine_options: passed to Engine (demo, clock, registry, limiter, …).
    Raises StoreError when the database cannot be opened, or is read-only.
    """
    if not record:
        return Engine(settings, **engine_options)
    from .store.cache import SQLiteCache
    from .store.db import open_db, require_writable
    from .store.ledger import SQLiteLedger

    db = db if db is not None else open_db()
    require_writable(db)  # before any call: a call nobody can record is not made
    cache = SQLiteCache(db, settings.cache_ttl) if settings.cache and use_cache else None
    return Engine(settings, ledger=SQLiteLedger(db, settings), cache=cache, **engine_options)


@contextmanager
def history_db(record: bool = True) -> Iterator[sqlite3.Connection | None]:
    """The history database, opened for one job and closed after it; None when not recording."""
    if not record:
        yield None
        return
    from .store.db import open_db

    db = open_db()
    try:
        yield db
    finally:
        db.close()
