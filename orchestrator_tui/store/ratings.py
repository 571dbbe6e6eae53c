"""Ratings of answers in the history, and the rated answers as router training examples.

A rating comes from the user (`orch rate`, F8/F9 in the TUI) or from a judge model
(`orch router judge`); a judge never overwrites the user's. The judge's own requests are
recorded (they cost money) under the category "judge" and are never rated or learned from.
"""

from __future__ import annotations

import sqlite3

from ..errors import UsageError
from .transactions import transaction

VERDICTS = {"good": 1, "bad": 0}
JUDGE_CATEGORY = "judge"
LEARNABLE = f"r.prompt IS NOT NULL AND r.demo = 0 AND r.category IS NOT '{JUDGE_CATEGORY}'"


def rate(db: sqlite3.Connection, request_id: int, verdict: str, by: str = "user") -> None:
    if verdict not in VERDICTS:
        raise UsageError(f"rate an answer good or bad, not {verdict!r}")
    with transaction(db):
        row = db.execute("SELECT model_used FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            raise UsageError(f"no request {request_id} in the history (see `orch history`)")
        if row["model_used"] is None:
            raise UsageError(f"request {request_id} has no answer to rate")
        db.execute(
            "UPDATE requests SET rating = ?, rated_by = ? WHERE id = ?",
            (VERDICTS[verdict], by, request_id),
        )


def rated_examples(db: sqlite3.Connection) -> list[tuple[str, str, float, float | None]]:
    """(prompt, model, score, cost) of every rated answer whose prompt was kept, demo answers
    excepted. The cost is that of the accepted call (None when unknown or cached)."""
    rows = db.execute(
        f"""SELECT r.prompt, r.model_used, r.rating, a.cost
           FROM requests r LEFT JOIN attempts a ON a.request_id = r.id AND a.accepted = 1
           WHERE r.rating IS NOT NULL AND {LEARNABLE}
           ORDER BY r.id"""
    ).fetchall()
    return [
        (
            row["prompt"],
            row["model_used"],
            float(row["rating"]),
            row["cost"] if row["cost"] else None,
        )
        for row in rows
    ]


def unrated_answers(db: sqlite3.Connection, limit: int) -> list[tuple[int, str, str]]:
    """(id, prompt, response) of the newest answers nobody rated yet that a router could
    learn from."""
    rows = db.execute(
        f"""SELECT r.id, r.prompt, r.response FROM requests r
            WHERE r.rating IS NULL AND r.model_used IS NOT NULL AND r.response IS NOT NULL
            AND {LEARNABLE} ORDER BY r.id DESC LIMIT ?""",
        (limit,),
    ).fetchall()
    return [(row["id"], row["prompt"], row["response"]) for row in rows]


def rate_if_unrated(db: sqlite3.Connection, request_id: int, verdict: str, by: str) -> None:
    """A judge's verdict, kept only if nobody rated the answer meanwhile."""
    with transaction(db):
        db.execute(
            "UPDATE requests SET rating = ?, rated_by = ? WHERE id = ? AND rating IS NULL",
            (VERDICTS[verdict], by, request_id),
        )


def rating_label(rating: int | None, rated_by: str | None = None) -> str:
    """ "good", "bad (judge:model)", or "" when unrated."""
    if rating is None:
        return ""
    verdict = "good" if rating else "bad"
    return verdict if rated_by in (None, "user") else f"{verdict} ({rated_by})"
