"""Conversations in the history: the requests that share a `conversation_id` (a TUI session,
or `orch ask` and its follow-ups with --continue / --conversation).

- `conversation_messages`: what a follow-up sends as its history, the prompt and accepted
  answer of every successful turn, in order. A turn recorded without its text (--no-log,
  or `log_prompts = false`) cannot be sent again, so such a conversation is refused with
  `ConversationError` rather than continued without its context.
- `resolve_conversation_id`, `latest_conversation_id`: which conversation a follow-up means;
  an id may be shortened to any prefix that names one conversation (`orch history` shows 8).
- `list_conversations`, `conversation_turns`: a list to choose from and the turns of one, for
  the TUI (each turn in full through `history.get_request`).

Every look-up by id scans `requests` until an index on `conversation_id` exists.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from ..engine.status import RequestStatus
from ..errors import UsageError
from ..types import Message
from .history import LIST_COLUMNS, Record, row_dict

SHORT_ID = 8  # how many characters of an id `orch history` shows


class ConversationError(UsageError):
    """No such conversation, an ambiguous prefix, or one that cannot be continued."""


def new_conversation_id() -> str:
    """A fresh id for a request that starts a conversation."""
    return uuid.uuid4().hex


def resolve_conversation_id(db: sqlite3.Connection, given: str) -> str:
    """The full id of the one conversation whose id is `given` or starts with it."""
    prefix = given.strip()
    if not prefix:
        raise ConversationError("the conversation id is empty")
    rows = db.execute(
        "SELECT DISTINCT conversation_id FROM requests "
        "WHERE conversation_id >= ? AND conversation_id < ? ORDER BY conversation_id LIMIT 2",
        (prefix, prefix + "\U0010ffff"),
    ).fetchall()
    if not rows:
        raise ConversationError(f"no conversation {prefix!r} in the history")
    if len(rows) > 1 and rows[0][0] != prefix:  # a whole id wins over the longer ones
        raise ConversationError(f"{prefix!r} starts more than one conversation id: give more of it")
    return str(rows[0][0])


def latest_conversation_id(db: sqlite3.Connection) -> str | None:
    """The conversation of the newest request that belongs to one; None before any."""
    row = db.execute(
        "SELECT conversation_id FROM requests WHERE conversation_id IS NOT NULL "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def conversation_messages(db: sqlite3.Connection, conversation_id: str) -> list[Message]:
    """The user prompt and the accepted answer of each successful turn, oldest first.

    Failed, cancelled and interrupted turns are left out (their question got no answer).
    Raises ConversationError when no request has this id, or when a successful turn was
    recorded without its text."""
    rows = db.execute(
        "SELECT id, status, prompt, response FROM requests WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    ).fetchall()
    if not rows:
        raise ConversationError(f"no conversation {conversation_id!r} in the history")
    messages: list[Message] = []
    for row in rows:
        if row["status"] != RequestStatus.OK:
            continue
        if row["prompt"] is None or row["response"] is None:
            raise ConversationError(
                f"conversation {conversation_id[:SHORT_ID]} cannot be continued: request "
                f"{row['id']} was recorded without its text (--no-log or log_prompts = false)"
            )
        messages += [Message("user", row["prompt"]), Message("assistant", row["response"])]
    return messages


def conversation_turns(db: sqlite3.Connection, conversation_id: str) -> list[Record]:
    """Each request of the conversation, oldest first, with the columns `orch history` lists
    (`id` to pass to `history.get_request`); [] for an unknown id."""
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)}, tags FROM requests "
        "WHERE conversation_id = ? ORDER BY id"
    )
    return [row_dict(row) for row in db.execute(sql, (conversation_id,))]


# The newest conversations first (from `conversation_id` and the row id alone, which an index on
# conversation_id covers), then the totals of those only.
CONVERSATIONS_SQL = """
WITH recent AS (
    SELECT conversation_id, MAX(id) AS last_id FROM requests
    WHERE conversation_id IS NOT NULL{matching} GROUP BY conversation_id
    ORDER BY last_id DESC LIMIT ?
), c AS (
    SELECT conversation_id, MIN(id) AS first_id, MAX(id) AS last_id, COUNT(*) AS turns,
           TOTAL(CASE WHEN demo THEN 0 ELSE cost END) AS cost,
           TOTAL(CASE WHEN demo THEN cost ELSE 0 END) AS demo_cost,
           MIN(demo) AS all_demo, MIN(timestamp) AS started, MAX(timestamp) AS last_timestamp
    FROM requests WHERE conversation_id IN (SELECT conversation_id FROM recent)
    GROUP BY conversation_id
)
SELECT c.*, f.prompt AS title FROM c JOIN requests f ON f.id = c.first_id
ORDER BY c.last_id DESC"""

MATCHING = """ AND conversation_id IN (
    SELECT conversation_id FROM requests WHERE conversation_id IS NOT NULL
    AND (prompt LIKE ? OR response LIKE ?))"""


def list_conversations(
    db: sqlite3.Connection, limit: int = 50, query: str | None = None
) -> list[Record]:
    """The conversations, the most recently continued first, as dicts:

    id, title (the first prompt; None when it was not logged), turns (requests recorded,
    answered or not), cost (real money, USD), demo_cost (the demo provider's simulated
    spending), demo (True when every turn ran on the demo provider), started and
    last_timestamp (Unix times). `query`: only conversations one of whose prompts or answers
    contains it."""
    values: list[Any] = []
    matching = ""
    if query and query.strip():
        pattern = f"%{query.strip()}%"
        matching, values = MATCHING, [pattern, pattern]
    rows = db.execute(CONVERSATIONS_SQL.format(matching=matching), [*values, int(limit)])
    return [conversation_record(row) for row in rows]


def conversation_record(row: sqlite3.Row) -> Record:
    return {
        "id": row["conversation_id"],
        "title": row["title"],
        "turns": row["turns"],
        "cost": row["cost"],
        "demo_cost": row["demo_cost"],
        "demo": bool(row["all_demo"]),
        "started": row["started"],
        "last_timestamp": row["last_timestamp"],
    }
