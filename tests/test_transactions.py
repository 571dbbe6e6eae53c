"""`store.transactions.transaction`: one transaction, or a savepoint of one already open."""

from __future__ import annotations

import sqlite3

import pytest

from orchestrator_tui.store.transactions import transaction


@pytest.fixture
def db(tmp_path):
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.execute("CREATE TABLE t (v INTEGER)")
    yield db
    db.close()


def values(db):
    return [row[0] for row in db.execute("SELECT v FROM t ORDER BY v")]


def test_an_inner_transaction_commits_with_the_outer_one_or_not_at_all(db):
    with pytest.raises(RuntimeError), transaction(db, immediate=True):
        db.execute("INSERT INTO t VALUES (1)")
        with transaction(db):
            db.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("the outer one fails after the inner one ended")
    assert values(db) == [] and not db.in_transaction
    with transaction(db, immediate=True):
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), transaction(db):
            db.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("the inner one fails: only its part is undone")
        db.execute("INSERT INTO t VALUES (3)")
    assert values(db) == [1, 3] and not db.in_transaction


def test_a_commit_that_fails_rolls_back_so_the_next_transaction_is_not_nested(db):
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE child (id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        db.execute("INSERT INTO child VALUES (1)")  # checked only at COMMIT
    assert not db.in_transaction
    with transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    assert values(db) == [1] and db.execute("SELECT id FROM child").fetchall() == []
