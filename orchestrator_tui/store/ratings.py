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
# The user rated one answer of an ensemble that was not the accepted one: "user@<attempt_no>".
# The rating stays on the request (one per request) until attempts have a rating of their own.
MEMBER_RATER = "user@"
MEMBER_RATED = f"r.rated_by LIKE '{MEMBER_RATER}%'"
RATED_ATTEMPT = f"CAST(substr(r.rated_by, {len(MEMBER_RATER) + 1}) AS INTEGER)"
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


def rate_answer(
    db: sqlite3.Connection, request_id: int, attempt_no: int | None, verdict: str
) -> None:
    """The user's verdict on one answer of a request: the accepted one (or `attempt_no`
    None) rates the request; another answered attempt (an ensemble member that lost) is
    recorded as rated by "user@<attempt_no>", so a router learns it of that model."""
    if attempt_no is None:
        rate(db, request_id, verdict)
        return
    row = db.execute(
        "SELECT status, accepted FROM attempts WHERE request_id = ? AND attempt_no = ?",
        (request_id, attempt_no),
    ).fetchone()
    if row is None or row["status"] != "ok":
        raise UsageError(f"request {request_id} has no answer {attempt_no} to rate")
    by = "user" if row["accepted"] else f"{MEMBER_RATER}{attempt_no}"
    rate(db, request_id, verdict, by=by)


def rated_examples(db: sqlite3.Connection) -> list[tuple[str, str, float, float | None]]:
    """(prompt, model, score, cost) of every rated answer whose prompt was kept, demo answers
    excepted. The cost is that of the rated call, the accepted one unless the user rated
    another (None when unknown or cached)."""
    rows = db.execute(
        f"""SELECT r.prompt, CASE WHEN {MEMBER_RATED} THEN a.model ELSE r.model_used END
                  AS model_used, r.rating, a.cost
           FROM requests r LEFT JOIN attempts a ON a.request_id = r.id AND CASE
               WHEN {MEMBER_RATED} THEN a.attempt_no = {RATED_ATTEMPT} ELSE a.accepted = 1 END
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
    """ "good", "bad (judge:model)", "good (answer 2)", or "" when unrated."""
    if rating is None:
        return ""
    verdict = "good" if rating else "bad"
    if rated_by and rated_by.startswith(MEMBER_RATER):
        return f"{verdict} (answer {rated_by.removeprefix(MEMBER_RATER)})"
    return verdict if rated_by in (None, "user") else f"{verdict} ({rated_by})"
