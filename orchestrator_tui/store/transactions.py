"""One transaction on a connection opened in autocommit mode (`isolation_level=None`), as
`db.open_db` opens every connection: the modules of the store that write (and the migrations,
which `db` runs) share this, so none of them imports `db` for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(
    db: sqlite3.Connection, immediate: bool = False, exclusive: bool = False
) -> Iterator[sqlite3.Connection]:
    """BEGIN (IMMEDIATE: take the write lock now; EXCLUSIVE: the same in WAL mode, and
    readers kept out too in a rollback journal) … COMMIT, or ROLLBACK on error."""
    db.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
