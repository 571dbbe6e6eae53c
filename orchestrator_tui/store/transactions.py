"""One transaction on a connection opened in autocommit mode (`isolation_level=None`), as
`db.open_db` opens every connection: the modules of the store that write (and the migrations,
which `db` runs) share this, so none of them imports `db` for it."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

_savepoints = itertools.count(1)


@contextmanager
def transaction(
    db: sqlite3.Connection, immediate: bool = False, exclusive: bool = False
) -> Iterator[sqlite3.Connection]:
    """BEGIN (IMMEDIATE: take the write lock now; EXCLUSIVE: the same in WAL mode, and
    readers kept out too in a rollback journal) … COMMIT, or ROLLBACK on error.

    Inside a transaction already open on `db`, it is a SAVEPOINT of that one instead: its
    work commits with the outer transaction (or not at all), and an error rolls back only
    its own part before it propagates. The outer transaction decides the locking, so it
    must be IMMEDIATE when an inner one asks to be. A COMMIT that fails (a deferred
    constraint, a full disk) rolls the transaction back, so a later one is not silently
    nested inside it."""
    if db.in_transaction:
        with savepoint(db):
            yield db
        return
    db.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except BaseException:  # a COMMIT that failed leaves the transaction open: end it
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


@contextmanager
def savepoint(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    name = f"nested_{next(_savepoints)}"
    db.execute(f"SAVEPOINT {name}")
    try:
        yield db
    except BaseException:
        db.execute(f"ROLLBACK TO {name}")
        db.execute(f"RELEASE {name}")
        raise
    db.execute(f"RELEASE {name}")
