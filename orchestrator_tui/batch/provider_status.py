"""`orch batch status` and `orch batch cancel`: the open provider batches as their providers
report them now, and cancelling them (what they answered is then collected)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import OrchError, UsageError
from ..store import provider_batches as store
from ..store.abandoned import process_alive
from .outputs import locked
from .provider_collect import NOT_FOUND, forget, unknown_batch
from .provider_job import collect
from .provider_record import Tally
from .provider_resolve import resolve, resolve_one
from .provider_session import ProviderBatchError, Session

NOT_FOUND_STATUS = "not_found"  # `orch batch status`: the provider answers 404 for it


async def refresh(session: Session) -> list[dict[str, Any]]:
    """Every open batch with the provider's state and counts (the last ones recorded, with
    a note, when the provider cannot be asked; `not_found`, with a note, when it answers
    that it does not know the batch), then every submission not confirmed yet
    (status `submitting`: being made, or interrupted by a crash; the next run resolves it)."""
    rows = []
    for row in store.open_batches(session.db):
        entry = {key: row[key] for key in ("id", "provider", "model", "round", "requests")}
        entry.update(output=row["output"], status=row["provider_status"] or "submitted")
        entry.update(counts=json.loads(row["counts"] or "{}"), finished=0)
        try:
            api = session.api(row["provider"])
            state = await session.call(
                row["provider"], f"retrieving {row['id']}", partial(api.retrieve, row["id"])
            )
        except ProviderBatchError as error:
            if error.status == NOT_FOUND:  # shown as such, not as its last recorded state
                error = unknown_batch(error, row["provider"], row["id"])
                entry.update(status=NOT_FOUND_STATUS)
            session.note(f"orch: {error}")
        else:
            store.update_status(session.db, row["id"], state.status, state.counts)
            entry.update(status=state.status, counts=state.counts, finished=state.finished)
        rows.append(entry)
    return rows + [interrupted(row) for row in store.submitting(session.db)]


def interrupted(row: Any) -> dict[str, Any]:
    """A submission whose batch id is not known yet: the next run looks for it."""
    entry = {key: row[key] for key in ("id", "provider", "model", "round", "requests")}
    entry.update(output=row["output"], status="submitting", counts={}, finished=0)
    return entry


@dataclass
class Cancelled:
    cancelled: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)  # unknown to their provider
    tally: Tally = field(default_factory=Tally)


async def cancel_batches(session: Session, batch_id: str | None) -> Cancelled:
    """Cancel `batch_id` (an open batch) or every open one, then collect what ended,
    submitting nothing: the prompts of a cancelled batch stop at their best answer so far
    (fallback, consensus) or are written as failed, now or whenever it ends. A
    cancel the provider refuses leaves its batch open and as it was recorded (still held
    against the budgets, nothing written): after trying every batch, one line says which
    failed and why, and the batches cancelled meanwhile are collected by the next run.

    A batch named by its id that the provider answers 404 to cancel and to retrieve (deleted,
    or made with another key) is forgotten: its requests fail and the collection writes its
    prompts as failed (a rerun asks them again), its reservation is released, and one line
    says so. Only when named: a wrong key would answer 404 for every batch."""
    if batch_id is not None and batch_id.startswith(f"{store.SUBMITTING}:"):
        found = await settle_submission(session, batch_id)
        if found is None:  # never created: nothing to cancel, its prompts free again
            return Cancelled(forgotten=[batch_id])
        batch_id = found
    if batch_id is None:  # every open batch: a crashed submission found now is one of them
        await resolve_submissions(session)
    rows = store.open_batches(session.db)
    if batch_id is not None:
        rows = [row for row in rows if row["id"] == batch_id]
        if not rows:
            raise UsageError(
                f"no open provider batch {batch_id!r} (`orch batch status` lists them)"
            )
    failed: list[tuple[str, ProviderBatchError]] = []
    done = Cancelled()
    for row in rows:
        try:
            await cancel_one(session, row)
        except ProviderBatchError as error:
            if batch_id is not None and await unknown(session, row, error):
                requests = forget(session, row["id"])
                done.forgotten.append(row["id"])
                session.note(
                    f"orch: {row['provider']} does not know batch {row['id']} (a 404 to its "
                    f"cancel and its retrieve): forgotten, its reservation released and its "
                    f"{requests} request(s) collected as failed, for a rerun to ask again"
                )
                continue
            failed.append((row["id"], error))
        else:
            done.cancelled.append(row["id"])
    if failed:
        raise cancel_failure(failed, len(rows))
    await collect(session, None, done.tally, go_on=False)  # a cancel submits nothing
    return done


async def resolve_submissions(session: Session) -> None:
    """The interrupted submissions looked for at their providers, each OUT's under its lock
    (an OUT another run holds, or a search that fails, is left to the collection after the
    cancel, which says so), so that the batches found are cancelled with the others."""
    for out in sorted({row["output"] for row in store.submitting(session.db)}):
        try:
            with locked(Path(out), create=True):
                await resolve(session, out, [])
        except OrchError:
            continue


async def settle_submission(session: Session, placeholder: str) -> str | None:
    """An interrupted submission named by its placeholder id, looked for at its provider
    first: the provider's id of its batch (to cancel), or None when the provider never
    created it (its record dropped). One line when it cannot be told yet."""
    row = store.batch_row(session.db, placeholder)
    if row is None or row["state"] != store.SUBMITTING:
        raise UsageError(f"no provider batch {placeholder!r} (`orch batch status` lists them)")
    if row["pid"] not in (None, os.getpid()) and process_alive(row["pid"]):
        raise UsageError(f"{placeholder} is being submitted by another orch process right now")
    if not await resolve_one(session, row):
        raise ProviderBatchError(
            f"{placeholder}: which {row['provider']} batch it is cannot be told yet (see "
            "above); it stays held, and nothing was cancelled"
        )
    confirmed = session.db.execute(
        "SELECT id FROM provider_batches WHERE token = ? AND state != ?",
        (row["token"], store.SUBMITTING),
    ).fetchone()
    return None if confirmed is None else str(confirmed[0])


async def cancel_one(session: Session, row: Any) -> None:
    """The cancel recorded before it is asked (a cancel that times out or gets a 5xx may
    have been acted on, and an interruption may come between: its prompts get no next round
    either way); undone only when the provider clearly refused it (a 4xx)."""
    api = session.api(row["provider"])
    store.mark_cancelled(session.db, row["id"])
    try:
        state = await session.call(
            row["provider"], f"cancelling {row['id']}", partial(api.cancel, row["id"])
        )
    except ProviderBatchError as error:
        if error.status is not None and 400 <= error.status < 500:
            store.mark_cancelled(session.db, row["id"], bool(row["cancelled"]))
        raise
    store.update_status(session.db, row["id"], state.status, state.counts)


async def unknown(session: Session, row: Any, error: ProviderBatchError) -> bool:
    """Whether the provider does not know the batch: a 404 to its cancel, and to a retrieve
    (a cancel refused for another reason, by an endpoint that answers 404, is not enough)."""
    if error.status != NOT_FOUND:
        return False
    api = session.api(row["provider"])
    try:
        await session.call(
            row["provider"], f"retrieving {row['id']}", partial(api.retrieve, row["id"])
        )
    except ProviderBatchError as again:
        return again.status == NOT_FOUND
    return False


def cancel_failure(failed: list[tuple[str, ProviderBatchError]], tried: int) -> ProviderBatchError:
    first_id, first = failed[0]
    others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    done = tried - len(failed)
    cancelled = (
        f"; the {done} cancelled are collected by `orch batch collect` or a rerun" if done else ""
    )
    again = (
        f"`orch batch cancel {first_id}` forgets it if {first_id} is unknown to its provider"
        if first.status == NOT_FOUND
        else f"`orch batch cancel {first_id}` tries again"
    )
    return ProviderBatchError(
        f"{first}{others}: {first_id} is still open and held against the budgets; "
        f"{again}{cancelled}",
        first.status,
    )
