"""Provider batches in the history database (`orch batch --provider-batch`).

A batch and its requests are recorded in one transaction before it is created: state
`submitting`, under a placeholder id (`intent_id`), with the token it is created with and,
for OpenAI, its uploaded input file; the provider's id replaces the placeholder as soon as
the provider accepts it (`confirm_batch`), and the batch is `open`. A submission the
provider refused is removed (`drop_submission`); one a crash interrupted stays
`submitting` until a rerun finds out whether the provider has it.

A request is `open` until its result is downloaded, then `answered` (its outcome and cost
kept: an answer, a failure, an expiry). Its prompt's answer then goes to the history in the
same transaction that marks its requests `logged` and keeps the record OUT is to get
(`mark_logged`); once OUT has that record, they are `recorded` and the record is dropped.
So a crash at any point records each answer in the history once, and a rerun appends to OUT
only a record it does not hold yet. A request made with --no-log keeps its text only until
it is recorded.

Budgets: a submission reserves the worst case of all its requests before anything is
uploaded (`budgets.reserve`, under the owner `provider-batch:<submission>`), with no expiry:
it holds for as long as the batch is not collected, however late that is. What it holds
is then recomputed from its requests (`settle`): an open request holds its worst case, an
answered one its real cost, a recorded one nothing (its cost is in the history by then),
and once none is left the reservation is removed.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from .transactions import transaction

# A submission's reservation never lapses by itself: its results may be collected days after
# the provider ends the batch, and until then its worst case is still owed. Collecting (or
# cancelling, which collects) settles it; nothing else releases it.
UNTIL_COLLECTED = math.inf
OPEN, ANSWERED, LOGGED, RECORDED = "open", "answered", "logged", "recorded"
SUBMITTING = "submitting"  # a batch's state before the provider has answered its creation
COLLECTED = "collected"  # its results stored
GONE = "gone"  # forgotten: the provider no longer knows it (`orch batch cancel ID`)
BATCH_COLUMNS = (
    "id",
    "provider",
    "model",
    "round",
    "submission",
    "output",
    "state",
    "provider_status",
    "counts",
    "requests",
    "reserved",
    "created",
    "updated",
    "token",
    "file_id",
    "pid",
)
REQUEST_COLUMNS = (
    "custom_id",
    "batch_id",
    "submission",
    "job",
    "output",
    "item_key",
    "item_id",
    "request",
    "request_hash",
    "model",
    "round",
    "state",
    "worst",
    "cost",
    "outcome",
    "created",
)


def owner(submission: str) -> str:
    return f"provider-batch:{submission}"


def insert(
    db: sqlite3.Connection, table: str, columns: tuple[str, ...], row: dict[str, Any]
) -> None:
    names = ", ".join(columns)
    db.execute(
        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",
        tuple(row.get(column) for column in columns),
    )


def intent_id(token: str) -> str:
    """The placeholder id of a batch not created yet."""
    return f"{SUBMITTING}:{token}"


def record_batch(
    db: sqlite3.Connection, batch: dict[str, Any], requests: list[dict[str, Any]]
) -> None:
    """A batch with its requests (state `open`): about to be created (the batch's state
    `submitting`, its id `intent_id(token)`), or accepted."""
    now = time.time()
    with transaction(db, immediate=True):
        insert(db, "provider_batches", BATCH_COLUMNS, {**batch, "created": now, "updated": now})
        for request in requests:
            row = {**request, "batch_id": batch["id"], "state": OPEN, "created": now}
            insert(db, "provider_batch_requests", REQUEST_COLUMNS, row)


def set_file(db: sqlite3.Connection, token: str, file_id: str) -> None:
    """The input file uploaded for the batch about to be created."""
    db.execute(
        "UPDATE provider_batches SET file_id = ?, updated = ? WHERE id = ?",
        (file_id, time.time(), intent_id(token)),
    )


def confirm_batch(db: sqlite3.Connection, token: str, batch_id: str) -> None:
    """The provider accepted the batch: its id for the placeholder, and the batch open."""
    with transaction(db, immediate=True):
        db.execute(
            "UPDATE provider_batches SET id = ?, state = ?, updated = ? WHERE id = ?",
            (batch_id, OPEN, time.time(), intent_id(token)),
        )
        db.execute(
            "UPDATE provider_batch_requests SET batch_id = ? WHERE batch_id = ?",
            (batch_id, intent_id(token)),
        )


def drop_submission(db: sqlite3.Connection, token: str) -> None:
    """A batch the provider did not create: its requests are free to be submitted again,
    and its submission holds nothing for them."""
    with transaction(db, immediate=True):
        placeholder = intent_id(token)
        submissions = submissions_of(db, "batch_id = ?", [placeholder])
        db.execute("DELETE FROM provider_batch_requests WHERE batch_id = ?", (placeholder,))
        db.execute("DELETE FROM provider_batches WHERE id = ?", (placeholder,))
        settle_submissions(db, submissions)


def submitting(db: sqlite3.Connection, output: str | None = None) -> list[sqlite3.Row]:
    """The batches about to be created, or whose creation a crash interrupted."""
    where, args = (
        ("state = ?", [SUBMITTING])
        if output is None
        else ("state = ? AND output = ?", [SUBMITTING, output])
    )
    return db.execute(
        f"SELECT * FROM provider_batches WHERE {where} ORDER BY created, id", args
    ).fetchall()


def open_batches(db: sqlite3.Connection, output: str | None = None) -> list[sqlite3.Row]:
    """The batches whose results are not collected yet (of one OUT, or all), oldest first."""
    where, args = (
        ("state = ?", [OPEN]) if output is None else ("state = ? AND output = ?", [OPEN, output])
    )
    return db.execute(
        f"SELECT * FROM provider_batches WHERE {where} ORDER BY created, id", args
    ).fetchall()


def mark_cancelled(db: sqlite3.Connection, batch_id: str, cancelled: bool = True) -> None:
    """orch asked (or is about to ask) the provider to cancel the batch: its prompts get no
    next round (`cancelled` False: the provider refused the cancel, so they do)."""
    db.execute(
        "UPDATE provider_batches SET cancelled = ?, updated = ? WHERE id = ?",
        (int(cancelled), time.time(), batch_id),
    )


def outputs_in_flight(db: sqlite3.Connection) -> list[str]:
    """The OUTs with something to collect: a batch open or being submitted, or a request
    not yet recorded in OUT."""
    rows = db.execute(
        "SELECT output FROM provider_batches WHERE state IN (?, ?) UNION "
        "SELECT output FROM provider_batch_requests WHERE state != ? ORDER BY output",
        (OPEN, SUBMITTING, RECORDED),
    )
    return [row[0] for row in rows]


def batch_row(db: sqlite3.Connection, batch_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM provider_batches WHERE id = ?", (batch_id,)
    ).fetchone()
    return row


def update_status(
    db: sqlite3.Connection, batch_id: str, status: str, counts: dict[str, int]
) -> None:
    db.execute(
        "UPDATE provider_batches SET provider_status = ?, counts = ?, updated = ? WHERE id = ?",
        (status, json.dumps(counts), time.time(), batch_id),
    )


def store_outcomes(
    db: sqlite3.Connection,
    batch_id: str,
    outcomes: Iterable[tuple[str, float | None, dict[str, Any]]],
    state: str = COLLECTED,
) -> None:
    """The batch's results, (custom id, cost, outcome) each, and the batch collected (or
    `GONE`); its submission's reservation then holds real costs where it held worst cases."""
    with transaction(db, immediate=True):
        for custom_id, cost, outcome in outcomes:
            db.execute(
                "UPDATE provider_batch_requests SET state = ?, cost = ?, outcome = ? "
                "WHERE custom_id = ? AND batch_id = ? AND state = ?",
                (ANSWERED, cost, json.dumps(outcome), custom_id, batch_id, OPEN),
            )
        db.execute(
            "UPDATE provider_batches SET state = ?, updated = ? WHERE id = ?",
            (state, time.time(), batch_id),
        )
        settle_submissions(db, submissions_of(db, "batch_id = ?", [batch_id]))


def answered_items(db: sqlite3.Connection, output: str | None = None) -> list[sqlite3.Row]:
    """Every request of each prompt that has an answered request and none open: the
    prompts whose round is over (all their rounds' requests, in order). `stopped`: its
    batch was cancelled by orch, or forgotten (its prompt has no next round)."""
    scope, args = ("", []) if output is None else ("AND output = ?", [output])
    return db.execute(
        f"""SELECT r.*, (SELECT b.cancelled OR b.state = '{GONE}' FROM provider_batches b
            WHERE b.id = r.batch_id) AS stopped
        FROM provider_batch_requests r WHERE state != '{RECORDED}' {scope}
        AND EXISTS (SELECT 1 FROM provider_batch_requests a WHERE a.output = r.output
            AND a.item_key = r.item_key AND a.job = r.job AND a.state = '{ANSWERED}')
        AND NOT EXISTS (SELECT 1 FROM provider_batch_requests o WHERE o.output = r.output
            AND o.item_key = r.item_key AND o.job = r.job AND o.state = '{OPEN}')
        ORDER BY output, job, item_key, round, created, custom_id""",
        args,
    ).fetchall()


def submitted_keys(db: sqlite3.Connection, output: str) -> set[str]:
    """The prompts of OUT submitted and not yet written to it (open, or answered and waiting
    for their next round): not to be submitted again."""
    rows = db.execute(
        "SELECT DISTINCT item_key FROM provider_batch_requests WHERE output = ? AND state != ?",
        (output, RECORDED),
    )
    return {row[0] for row in rows}


class AlreadyLogged(Exception):
    """A prompt's requests are no longer all `answered`: another orch process logged them
    first (the transaction that would have logged them again is rolled back)."""


def mark_logged(db: sqlite3.Connection, custom_ids: list[str], record: dict[str, Any]) -> None:
    """A prompt's requests, whose answer is now in the history (called inside the
    transaction that wrote it there): their submissions hold nothing for them, and the first
    keeps `record` until OUT has it. Only requests still `answered`: when any is not (another
    process logged it meanwhile), `AlreadyLogged`, and the transaction rolls back."""
    with transaction(db, immediate=True):
        marks = ", ".join("?" * len(custom_ids))
        changed = db.execute(
            f"UPDATE provider_batch_requests SET state = ? WHERE custom_id IN ({marks}) "
            "AND state = ?",
            [LOGGED, *custom_ids, ANSWERED],
        ).rowcount
        if changed != len(set(custom_ids)):
            raise AlreadyLogged(custom_ids[0])
        db.execute(
            "UPDATE provider_batch_requests SET record = ? WHERE custom_id = ?",
            (json.dumps(record, ensure_ascii=False), custom_ids[0]),
        )
        settle_submissions(db, submissions_of(db, f"custom_id IN ({marks})", custom_ids))


def logged_records(db: sqlite3.Connection, output: str | None = None) -> list[sqlite3.Row]:
    """The prompts in the history whose record OUT may not have yet (a crash came before it
    was marked written): each one's OUT, job, INPUT id, record and custom ids."""
    scope, args = ("", []) if output is None else ("AND output = ?", [output])
    return db.execute(
        "SELECT output, job, item_key, MAX(record) AS record, "
        "json_group_array(custom_id) AS custom_ids FROM provider_batch_requests "
        f"WHERE state = '{LOGGED}' {scope} GROUP BY output, job, item_key "
        "ORDER BY output, MIN(created), item_key",
        args,
    ).fetchall()


def mark_recorded(db: sqlite3.Connection, custom_ids: list[str]) -> None:
    """These `logged` requests are in OUT too: the record kept for OUT is dropped (their
    submissions already hold nothing for them)."""
    with transaction(db, immediate=True):
        marks = ", ".join("?" * len(custom_ids))
        db.execute(
            "UPDATE provider_batch_requests SET state = ?, record = NULL "
            f"WHERE custom_id IN ({marks})",
            [RECORDED, *custom_ids],
        )
        db.execute(  # --no-log: the text was kept only until the answer was written
            "UPDATE provider_batch_requests SET request = json_set(request, '$.prompt', '', "
            "'$.system', NULL), outcome = json_set(outcome, '$.text', '') "
            f"WHERE custom_id IN ({marks}) AND json_extract(request, '$.log_text') = 0",
            custom_ids,
        )


def submissions_of(db: sqlite3.Connection, where: str, args: list[Any]) -> list[str]:
    rows = db.execute(
        f"SELECT DISTINCT submission FROM provider_batch_requests WHERE {where}", args
    )
    return [row[0] for row in rows]


def settle_submissions(db: sqlite3.Connection, submissions: list[str]) -> None:
    """Each submission's reservation: what its requests not yet in the history hold (the
    worst case of an open one, the cost of an answered one); removed once nothing is held."""
    for submission in submissions:
        held, pending = db.execute(
            "SELECT COALESCE(SUM(CASE state WHEN ? THEN worst ELSE cost END), 0), COUNT(*) "
            "FROM provider_batch_requests WHERE submission = ? AND state IN (?, ?)",
            (OPEN, submission, OPEN, ANSWERED),
        ).fetchone()
        if pending:
            db.execute(
                "UPDATE reservations SET amount = ? WHERE owner = ?", (held, owner(submission))
            )
        else:
            db.execute("DELETE FROM reservations WHERE owner = ?", (owner(submission),))


def job_committed(db: sqlite3.Connection, job: str) -> float | None:
    """What a job has cost and may still cost: real costs, plus worst cases still open
    (None if some is unknown)."""
    unknown, total = db.execute(
        "SELECT SUM(CASE WHEN (CASE state WHEN ? THEN worst ELSE cost END) IS NULL "
        "THEN 1 ELSE 0 END), COALESCE(SUM(CASE state WHEN ? THEN worst ELSE cost END), 0) "
        "FROM provider_batch_requests WHERE job = ?",
        (OPEN, OPEN, job),
    ).fetchone()
    return None if unknown else float(total)


def requests_of_batch(db: sqlite3.Connection, batch_id: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM provider_batch_requests WHERE batch_id = ?", (batch_id,)
    ).fetchall()
