"""What can be wrong with the database file, and the one line that says so.

read-only   this process cannot write the file (or create files beside it): reading commands
            work, recording ones refuse before any call.
damaged     SQLite finds a bad page: the way out is `sqlite3 PATH .recover`; orch never
            writes to it nor advises deleting it.
not SQLite  the file has no SQLite header at all: proven unreadable, so moving it aside
            (never deleting it) starts a new history.
busy, full  another process held the write lock past the busy timeout; the disk is full.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from pathlib import Path

from ..errors import OrchError

BUSY_TIMEOUT_MS = 10_000
READERS = "orch history, stats, report and export can still read it"


class StoreError(OrchError):
    """The database cannot be opened, read or written."""


def read_only_reason(path: Path) -> str | None:
    """Why this process cannot write `path` (or the WAL files SQLite keeps beside it), or
    None. `os.access` answers for the real user, and says no to an immutable file or a
    read-only mount even for root."""
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    beside = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    if path.exists() and all(p.exists() and os.access(p, os.W_OK) for p in beside):
        return None  # SQLite can write through the files already there
    return f"its directory {folder} is not writable"


def read_only_error(path: Path, reason: str) -> StoreError:
    return StoreError(
        f"cannot record to {path}: the database is read-only ({reason}); make "
        f"it writable or set ORCH_HOME to a writable directory ({READERS})"
    )


def damaged_error(path: Path, detail: str) -> StoreError:
    quoted, recovered = shlex.quote(str(path)), shlex.quote(f"{path}.recovered")
    return StoreError(
        f"{path} is damaged ({one_line(detail)}); orch changed nothing in it. "
        f"Recover its rows with `sqlite3 {quoted} .recover | sqlite3 {recovered}`"
        f", then move the damaged file aside and rename the recovered one "
        f"{path.name}"
    )


def one_line(detail: str) -> str:
    """SQLite's report on one line, without its `*** in database main ***` banner."""
    return " ".join(detail.replace("*** in database main ***", "").split())


def not_a_database_error(path: Path, detail: str) -> StoreError:
    quoted = shlex.quote(str(path))
    return StoreError(
        f"{path} is not an SQLite database ({detail}); orch changed nothing in "
        f"it. If it held your history, try `sqlite3 {quoted} .recover`; "
        f"otherwise move it aside (mv {quoted} {quoted}.bad) and orch starts a "
        "new history"
    )


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The one line for an SQLite error met on the database at `path`."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_CORRUPT") or "malformed" in str(exc):
        return damaged_error(path, str(exc))
    if name == "SQLITE_NOTADB":
        return not_a_database_error(path, str(exc))
    if name.startswith("SQLITE_READONLY"):
        return read_only_error(path, str(exc))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(
            f"{path} is busy: another process held it for more than "
            f"{BUSY_TIMEOUT_MS / 1000:g} s ({exc}); try again"
        )
    if name == "SQLITE_FULL":
        return StoreError(f"{path}: the disk is full ({exc}); free some space and try again")
    if name.startswith("SQLITE_CANTOPEN"):
        return StoreError(
            f"{path}: cannot be opened ({exc}); check that its directory exists and can be written"
        )
    return StoreError(f"{path}: {exc}")
