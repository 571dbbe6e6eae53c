"""`orch batch status` and `orch batch cancel`: the open provider batches as their providers
report them now, and cancelling them (what they answered is then collected)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from ..errors import UsageError
from ..store import provider_batches as store
from .provider_job import collect
from .provider_record import Tally
from .provider_session import ProviderBatchError, Session


async def refresh(session: Session) -> list[dict[str, Any]]:
    """Every open batch with the provider's state and counts (the last ones recorded, with
    a note, when the provider cannot be asked), then every submission not confirmed yet
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


async def cancel_batches(session: Session, batch_id: str | None) -> tuple[list[str], Tally]:
    """Cancel `batch_id` (an open batch) or every open one, then collect what ended. A
    cancel the provider refuses leaves its batch open and as it was recorded (still held
    against the budgets, nothing written): after trying every batch, one line says which
    failed and why, and the batches cancelled meanwhile are collected by the next run."""
    rows = store.open_batches(session.db)
    if batch_id is not None:
        rows = [row for row in rows if row["id"] == batch_id]
        if not rows:
            raise UsageError(
                f"no open provider batch {batch_id!r} (`orch batch status` lists them)"
            )
    failed: list[tuple[str, ProviderBatchError]] = []
    for row in rows:
        try:
            await cancel_one(session, row)
        except ProviderBatchError as error:
            failed.append((row["id"], error))
    if failed:
        raise cancel_failure(failed, len(rows))
    tally = Tally()
    await collect(session, None, tally)
    return [row["id"] for row in rows], tally


async def cancel_one(session: Session, row: Any) -> None:
    api = session.api(row["provider"])
    state = await session.call(
        row["provider"], f"cancelling {row['id']}", partial(api.cancel, row["id"])
    )
    store.update_status(session.db, row["id"], state.status, state.counts)


def cancel_failure(failed: list[tuple[str, ProviderBatchError]], tried: int) -> ProviderBatchError:
    first_id, first = failed[0]
    others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    done = tried - len(failed)
    cancelled = (
        f"; the {done} cancelled are collected by `orch batch collect` or a rerun" if done else ""
    )
    return ProviderBatchError(
        f"{first}{others}: {first_id} is still open and held against the budgets; "
        f"`orch batch cancel {first_id}` tries again{cancelled}",
        first.status,
    )
