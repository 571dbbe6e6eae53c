"""The exact-match response cache, in the same database as the history."""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import Executor
from typing import Any

from .worker import worker_for


class SQLiteCache:
    """The engine's `Cache` port on SQLite. Called by the engine on the store's writer thread
    (`executor`), on its connection."""

    def __init__(self, db: sqlite3.Connection, ttl: float) -> None:
        worker = worker_for(db)
        self.db = worker.db
        self.executor: Executor | None = worker.executor  # the engine's port says so
        self.ttl = ttl

    def get(self, key: str) -> tuple[str, dict[str, Any]] | None:
        row = self.db.execute(
            "SELECT text, usage, created FROM cache WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        if row["created"] < time.time() - self.ttl:
            self.db.execute("DELETE FROM cache WHERE key = ?", (key,))
            return None
        self.db.execute("UPDATE cache SET hits = hits + 1 WHERE key = ?", (key,))
        return row["text"], json.loads(row["usage"] or "{}")

    def put(self, key: str, model: str, provider: str, text: str, usage: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cache VALUES (?, ?, ?, ?, ?, ?, 0)",
            (key, model, provider, text, json.dumps(usage), time.time()),
        )


def cache_stats(db: sqlite3.Connection, ttl: float) -> dict[str, Any]:
    row = db.execute(
        "SELECT COUNT(*) AS entries, COALESCE(SUM(hits), 0) AS hits, "
        "COALESCE(SUM(LENGTH(text)), 0) AS bytes, MIN(created) AS oldest, "
        "SUM(created >= ?) AS fresh FROM cache",
        (time.time() - ttl,),
    ).fetchone()
    hits = db.execute("SELECT COUNT(*) FROM attempts WHERE cached = 1").fetchone()[0]
    return {
        "entries": row["entries"],
        "fresh_entries": row["fresh"] or 0,
        "hits": row["hits"],
        "answers_from_cache_in_history": hits,
        "text_bytes": row["bytes"],
        "oldest": row["oldest"],
        "ttl_seconds": ttl,
    }


def clear_cache(db: sqlite3.Connection) -> int:
    return db.execute("DELETE FROM cache").rowcount
