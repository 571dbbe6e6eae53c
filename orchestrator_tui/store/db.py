"""Open the orch database: WAL, a busy timeout, migrations, and one clear line on failure."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from ..errors import OrchError
from ..locations import data_dir
from .migrations import migrate

BUSY_TIMEOUT_MS = 10_000


class StoreError(OrchError):
    """The database cannot be opened or read."""


def default_db_path() -> Path:
    return data_dir() / "orch.db"


def open_db(path: Path | None = None, migrate_schema: bool = True) -> sqlite3.Connection:
    path = Path(path or default_db_path())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                             check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.row_factory = sqlite3.Row
        if migrate_schema:
            migrate(db)
            close_abandoned(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a readable orch database ({exc}); move it aside or "
                         "delete it to start a new history") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot be opened ({exc})") from exc


def close_abandoned(db: sqlite3.Connection) -> None:
    """Close requests left `running` by killed processes (see `abandoned`), unless the
    database cannot be written now: the next command will."""
    from .abandoned import close_abandoned_requests

    try:
        close_abandoned_requests(db)
    except sqlite3.OperationalError:
        pass


@contextmanager
def transaction(db: sqlite3.Connection, immediate: bool = False, exclusive: bool = False):
    """BEGIN (IMMEDIATE: take the write lock now; EXCLUSIVE: the same in WAL mode, and
    readers kept out too in a rollback journal) … COMMIT, or ROLLBACK on error."""
    db.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
