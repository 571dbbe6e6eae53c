"""Open the orch database: WAL, a busy timeout, a check of its pages (`integrity`),
migrations, and one clear line on failure (see `faults` for what each failure says).

A database this process cannot write (`faults.read_only_reason`) is opened read-only: the
commands that only read it work; `require_writable` stops the ones that must record.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from pathlib import Path
from typing import cast
from urllib.parse import quote

from ..locations import data_dir
from .abandoned import close_abandoned_requests
from .faults import (
    BUSY_TIMEOUT_MS,
    StoreError,
    read_only_error,
    read_only_reason,
    store_error,
)
from .integrity import check_sound
from .migrations import migrate, pending_migrations
from .transactions import transaction

__all__ = ["StoreError", "default_db_path", "open_db", "require_writable", "transaction"]


class StoreConnection(sqlite3.Connection):
    """A connection that knows its file and whether this process may write to it."""

    path: Path | None = None
    read_only: str | None = None  # why it cannot be written, or None


def default_db_path() -> Path:
    return data_dir() / "orch.db"


def open_db(path: Path | None = None, migrate_schema: bool = True) -> StoreConnection:
    """The database at `path` (default: the orch home's), created if need be. The first
    open of a process (`migrate_schema`) checks its pages and brings its schema up to date."""
    path = Path(path or default_db_path())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        reason = read_only_reason(path)
        db = connect_read_only(path) if reason else connect(str(path), uri=False)
        db.path, db.read_only = path, reason
        if migrate_schema:
            check_sound(db, path)
            bring_up_to_date(db, path, reason)
        return db
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot be opened ({exc.strerror or exc})") from exc


def connect(target: str, uri: bool) -> StoreConnection:
    db = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        uri=uri,
        factory=StoreConnection,
    )
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not uri:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    db.row_factory = sqlite3.Row
    return db


def connect_read_only(path: Path) -> StoreConnection:
    """`mode=ro`; when the WAL index cannot be created beside the file (a read-only
    directory, and no writer left one), `immutable=1`: SQLite then reads the file as it is,
    which is all of it, since a clean close leaves no write-ahead log behind."""
    target = f"file:{quote(str(path.resolve()))}?mode=ro"
    db = connect(target, uri=True)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN":
            raise
        db.close()
        return connect(target + "&immutable=1", uri=True)


def bring_up_to_date(db: StoreConnection, path: Path, read_only: str | None) -> None:
    """Migrate, and close what killed processes left running; a read-only database must
    already be in this version's format."""
    if read_only is None:
        migrate(db)
        close_abandoned(db)
    elif pending_migrations(db):
        raise read_only_error(
            path, f"{read_only}, and it needs an update to this version's format first"
        )


def require_writable(db: sqlite3.Connection) -> None:
    """Raise the one-line read-only error when `db` cannot be written by this process."""
    reason = getattr(db, "read_only", None)
    if reason:  # then `open_db` made it, and set its path too
        raise read_only_error(cast(Path, getattr(db, "path", None)), reason)


def close_abandoned(db: sqlite3.Connection) -> None:
    """Close requests left `running` by killed processes (see `abandoned`), unless the
    database cannot be written now: the next command will."""
    with suppress(sqlite3.OperationalError):
        close_abandoned_requests(db)
