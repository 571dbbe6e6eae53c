"""SQLite's quick check of every page, run when the database file changed since orch last
checked it, so that a command meets a damaged page at once, with the way out
(`faults.damaged_error`), rather than half way through or not at all.

The check reads every page (1.5 to 5 ms per MB), so its result is remembered beside the file,
in `orch.db-checked`: the size and modification time of the database and its write-ahead
log when the check passed. Any write, orch's own included, changes them, so the first
command after a change checks again and the commands after it do not.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .faults import damaged_error


def check_sound(db: sqlite3.Connection, path: Path) -> None:
    """Raise the damaged-database error if the quick check finds a bad page."""
    if not path.is_file():  # in memory: nothing to remember the result by
        return verify(db, path)
    stamp = file_stamp(path)  # before the check: a write during it means checking again
    marker = Path(f"{path}-checked")
    if read_marker(marker) == stamp:
        return
    verify(db, path)
    try:
        marker.write_text(stamp)
    except OSError:  # a read-only home: check every time
        pass


def verify(db: sqlite3.Connection, path: Path) -> None:
    first = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    if first != "ok":
        raise damaged_error(path, first)


def file_stamp(path: Path) -> str:
    """Size and modification time (ns) of the database and of its write-ahead log (an
    empty log, which opening the database creates, counts as none)."""
    parts = []
    for file in (path, Path(f"{path}-wal")):
        try:
            info = file.stat()
        except FileNotFoundError:
            info = None
        parts.append(f"{info.st_size}:{info.st_mtime_ns}" if info and info.st_size else "-")
    return " ".join(parts)


def read_marker(marker: Path) -> str | None:
    try:
        return marker.read_text()
    except OSError:
        return None
