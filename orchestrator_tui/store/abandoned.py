"""Requests left `running` by a process that was killed (SIGKILL, a power cut) are closed as
`interrupted` the next time the database opens, with what their recorded attempts cost.

A request is left alone while its process is alive or a budget reservation of its run has
not expired: the cost of the call a killed process was making is unknown, and the
reservation keeps holding its worst case until then.
"""

from __future__ import annotations

import os
import sqlite3
import time

from . import rollups
from .transactions import transaction

STALE_AFTER = 86_400.0  # seconds: past this, a live pid is taken for a reused one


def close_abandoned_requests(db: sqlite3.Connection, now: float | None = None) -> list[int]:
    """Close the abandoned requests; return their ids."""
    now = time.time() if now is None else now
    rows = db.execute(
        "SELECT id, timestamp, pid, run_id, demo, strategy, category FROM "
        "requests WHERE status = 'running'"
    ).fetchall()
    abandoned = [row for row in rows if is_abandoned(db, row, now)]
    if abandoned:
        with transaction(db, immediate=True):
            for row in abandoned:
                close(db, row)
    return [row["id"] for row in abandoned]


def is_abandoned(db: sqlite3.Connection, row: sqlite3.Row, now: float) -> bool:
    if (
        row["run_id"] is not None
        and db.execute(
            "SELECT 1 FROM reservations WHERE owner LIKE ? AND expires > ?",
            (row["run_id"] + ":%", now),
        ).fetchone()
    ):
        return False
    if row["pid"] is None or now - row["timestamp"] > STALE_AFTER:
        return bool(now - row["timestamp"] > STALE_AFTER)
    return not process_alive(row["pid"])


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def close(db: sqlite3.Connection, row: sqlite3.Row) -> None:
    still_running = (
        db.execute("SELECT status FROM requests WHERE id = ?", (row["id"],)).fetchone()[0]
        == "running"
    )
    if not still_running:  # another process closed it first
        return
    cost = db.execute(
        "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE request_id = ?", (row["id"],)
    ).fetchone()[0]
    db.execute(
        "UPDATE requests SET status = 'interrupted', cost = ?, error = ? WHERE id = ?",
        (cost, "the process running it ended before it did", row["id"]),
    )
    rollups.add_request(
        db,
        row["timestamp"],
        bool(row["demo"]),
        row["strategy"],
        row["category"],
        cost,
        None,
        0,
        0,
        False,
        0.0,
    )
