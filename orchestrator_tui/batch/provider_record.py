"""Recording a provider batch's answer exactly once, in the history and in OUT.

Three steps, each of which a crash may follow:

1. the answer goes to the history (through the engine's ledger) in the same transaction,
   on the store's connection, that marks its requests `logged` and keeps the record OUT is
   to get: both happen or neither does;
2. the record is appended to OUT (one whole line, as the live batch writes);
3. the requests are marked `recorded`, and the kept record dropped.

Step 1 logs only requests still `answered` (otherwise it rolls back): even two
processes collecting the same prompt at once (which OUT's lock prevents) log it once.
A rerun (`finish_logged`, before anything else is collected) completes what a crash left
`logged`: it appends the kept record only if OUT does not hold it yet (a line orch already
wrote is never written again, nor any line changed), then marks it recorded. The history is
never written twice.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from sqlite3 import Row
from typing import Any

from ..engine.context import RunContext
from ..engine.events import OrchestrationResult
from ..engine.results import build_result
from ..engine.status import RequestStatus
from ..store import provider_batches as store
from ..store.transactions import transaction
from .outputs import Appender, read_out
from .provider_rounds import Verdict
from .provider_session import Session


@dataclass
class Tally:
    """What a collection wrote and submitted."""

    done: int = 0
    failed: int = 0
    cost: float = 0.0
    failed_keys: set[tuple[str, str]] = field(default_factory=set)  # (OUT, id) failed
    submitted: list[str] = field(default_factory=list)  # next rounds' batch ids
    unresolved: int = 0  # interrupted submissions that cannot be told yet (the last check)
    skipped: set[str] = field(default_factory=set)  # OUTs another orch run holds

    def add(self, other: Tally) -> None:
        self.done += other.done
        self.failed += other.failed
        self.cost += other.cost
        self.failed_keys |= other.failed_keys
        self.submitted += other.submitted


async def write_finals(
    session: Session,
    output: Path,
    entries: list[tuple[RunContext, Verdict, list[Row]]],
    tally: Tally,
) -> None:
    """Each prompt's answer: in the history (and `logged`), then in OUT, then `recorded`."""
    with Appender(output) as sink:
        for ctx, verdict, rows in entries:
            try:
                record = await log_answer(session, ctx, verdict, rows)
            except store.AlreadyLogged:  # another orch process recorded it: not again
                continue
            sink.write(record)
            store.mark_recorded(session.db, [row["custom_id"] for row in rows])
            count(record, tally, str(output), rows[0]["item_key"])


def finish_logged(session: Session, output: str | None, tally: Tally) -> None:
    """The answers a crash left in the history but not marked written: each one's record
    appended to its OUT unless OUT already holds it, then marked recorded."""
    by_output: dict[str, list[Row]] = defaultdict(list)
    for row in store.logged_records(session.db, output):
        by_output[row["output"]].append(row)
    for out, rows in by_output.items():
        held = [line.record for line in read_out(Path(out)) if line.record is not None]
        missing = [row for row in rows if json.loads(row["record"]) not in held]
        if missing:
            with Appender(Path(out)) as sink:
                for row in missing:
                    sink.write(json.loads(row["record"]))
        for row in rows:
            store.mark_recorded(session.db, json.loads(row["custom_ids"]))
            count(json.loads(row["record"]), tally, out, row["item_key"])


async def log_answer(
    session: Session, ctx: RunContext, verdict: Verdict, rows: list[Row]
) -> dict[str, Any]:
    """The prompt's answer in the history and its requests `logged`, in one transaction on
    the store's thread; its record for OUT."""
    ctx.candidates = [
        ctx.registry.models[a.model] for a in ctx.attempts if a.model in ctx.registry.models
    ]
    result = build_result(
        ctx,
        verdict.chosen,
        *verdict.details,
        ensemble_models=verdict.ensemble_models,
        error=verdict.error,
    )
    result.latency = time.time() - min(row["created"] for row in rows)
    ledger = session.engine.ledger
    executor = getattr(ledger, "executor", None)
    if executor is None:  # no store thread: the history (if any) is on this one
        return log_once(session.db, ctx, result, rows)
    work = executor.submit(log_once, session.db, ctx, result, rows)
    return await asyncio.shield(asyncio.wrap_future(work))  # once begun, it completes


def log_once(
    fallback: sqlite3.Connection, ctx: RunContext, result: OrchestrationResult, rows: list[Row]
) -> dict[str, Any]:
    """On the ledger's connection (`fallback` when it keeps none): the history rows and the
    requests marked `logged` commit together."""
    ledger = ctx.engine.ledger
    db: sqlite3.Connection = getattr(ledger, "db", None) or fallback
    with transaction(db, immediate=True):
        ledger.request_started(ctx)
        for attempt in result.attempts:
            ledger.attempt_finished(ctx, attempt)
        result.history_id = ledger.request_id(ctx)
        ledger.request_finished(ctx, result)
        record = out_record(result, rows)
        store.mark_logged(db, [row["custom_id"] for row in rows], record)
    return record


def out_record(result: OrchestrationResult, rows: list[Row]) -> dict[str, Any]:
    """OUT's record: the live batch's shape, plus the provider batches it came from."""
    record = {"id": json.loads(rows[0]["item_id"]), "request_hash": rows[0]["request_hash"]}
    record.update(result.to_dict())
    record["status"] = result.status
    if result.error:
        record["error"] = result.error
    record["provider_batches"] = sorted({row["batch_id"] for row in rows})
    return record


def count(record: dict, tally: Tally, output: str, key: str) -> None:
    if record["status"] == RequestStatus.OK:
        tally.done += 1
    else:
        tally.failed += 1
        tally.failed_keys.add((output, key))
    tally.cost += record.get("cost") or 0.0
