"""Ratings of answers in the history, and the rated answers as router training examples."""

from __future__ import annotations

import sqlite3

from ..errors import UsageError
from .db import transaction

VERDICTS = {"good": 1, "bad": 0}


def rate(db: sqlite3.Connection, request_id: int, verdict: str) -> None:
    if verdict not in VERDICTS:
        raise UsageError(f"rate an answer good or bad, not {verdict!r}")
    with transaction(db):
        row = db.execute("SELECT model_used FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            raise UsageError(f"no request {request_id} in the history (see `orch history`)")
        if row["model_used"] is None:
            raise UsageError(f"request {request_id} has no answer to rate")
        db.execute("UPDATE requests SET rating = ? WHERE id = ?", (VERDICTS[verdict], request_id))


def rated_examples(db: sqlite3.Connection) -> list[tuple[str, str, float, float | None]]:
    """(prompt, model, score, cost) of every rated answer whose prompt was kept, demo answers
    excepted. The cost is that of the accepted call (None when unknown or cached)."""
    rows = db.execute(
        """SELECT r.prompt, r.model_used, r.rating, a.cost, a.input_tokens, a.output_tokens
           FROM requests r LEFT JOIN attempts a ON a.request_id = r.id AND a.accepted = 1
           WHERE r.rating IS NOT NULL AND r.prompt IS NOT NULL AND r.demo = 0
           ORDER BY r.id""").fetchall()
    return [(row["prompt"], row["model_used"], float(row["rating"]),
             row["cost"] if row["cost"] else None) for row in rows]
