"""SQLite's quick check of every page, run when the database file changed since orch last
checked it, so that a command meets a damaged page at once, with the way out
(`faults.damaged_error`), rather than half way through or not at all.

The check reads every page (1.5 to 5 ms per MB), so its result is remembered beside the file,
in `orch.db-checked`: the size and modification time of the database and its write-ahead
log when the check passed. A process that found the file sound stamps it again as it exits,
so orch's own writes do not make the next command check again; a change made by anything
else while no orch process has the file open does.
"""

from __future__ import annotations

import atexit
import sqlite3
from contextlib import suppress
from pathlib import Path

from .faults import damaged_error


def check_sound(db: sqlite3.Connection, path: Path) -> None:
    """Raise the damaged-database error if the quick check finds a bad page."""
    if not path.is_file():  # in memory: nothing to remember the result by
        return verify(db, path)
    stamp = file_stamp(path)  # before the check: a write during it means checking again
    marker = Path(f"{path}-checked")
    if read_marker(marker) != stamp:
        verify(db, path)
        write_marker(marker, stamp)
    if path not in _sound:  # this process's own writes must not make the next one check
        _sound.add(path)
        atexit.register(stamp_at_exit, path, marker)


def stamp_at_exit(path: Path, marker: Path) -> None:
    """Fold the write-ahead log into the file (as the last connection's close would, after
    this), then stamp the file as it will stay."""
    try:
        db = sqlite3.connect(path, timeout=1.0)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
    except sqlite3.Error:
        return  # busy or read-only: the next command checks again
    write_marker(marker, file_stamp(path))


_sound: set[Path] = set()  # files this process found sound; stamped again at exit


def write_marker(marker: Path, stamp: str) -> None:
    with suppress(OSError):  # a read-only home: check every time
        marker.write_text(stamp)


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
